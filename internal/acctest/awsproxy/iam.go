package awsproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// authorize asks the harness's LocalStack extension (scripts/localstack_ext, iam_enforcement.py)
// whether the caller may make a call that the proxy answers itself, such as CloudTrail's
// LookupEvents, so that IAM is enforced for it as for the calls LocalStack serves. It returns the
// error to answer with, or nil. An upstream without the extension (or with the enforcement off)
// allows everything, as LocalStack does.
func (p *Proxy) authorize(header http.Header, action, resource string) *awsError {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]string{
		"authorization":  header.Get("Authorization"),
		"security_token": header.Get("X-Amz-Security-Token"),
		"action":         action,
		"resource":       resource,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.opts.Upstream+"/_secretsbundle/iam/authorize", bytes.NewReader(body))
	if err != nil {
		return nil
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &awsError{Code: "InternalFailure", Message: "awsproxy: asking LocalStack whether the caller may " + action + " failed: " + err.Error(), Status: http.StatusInternalServerError}
	}
	defer resp.Body.Close()
	var answer struct {
		Allowed *bool  `json:"allowed"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Status  int    `json:"status"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&answer) != nil || answer.Allowed == nil {
		// Not the extension's answer (a plain LocalStack, or a test's fake upstream).
		return nil
	}
	if *answer.Allowed || answer.Code == "" {
		return nil
	}
	return &awsError{Code: answer.Code, Message: answer.Message, Status: answer.Status}
}
