package awsrpc

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// JSONClient sends awsJson1_1 calls: POST / with X-Amz-Target <TargetPrefix>.<Operation>.
type JSONClient struct {
	*Client
	TargetPrefix string
}

// Call sends input (marshalled as JSON) as operation and unmarshals the answer into output.
func (c *JSONClient) Call(ctx context.Context, operation string, input, output any, o Options) error {
	body, err := json.Marshal(input)
	if err != nil {
		return &smithy.OperationError{ServiceID: c.Service.ID, OperationName: operation, Err: &smithy.SerializationError{Err: err}}
	}
	if string(body) == "null" {
		// A nil input: the SDK sends an empty object.
		body = []byte("{}")
	}
	header := http.Header{}
	header.Set("Content-Type", "application/x-amz-json-1.1")
	header.Set("X-Amz-Target", c.TargetPrefix+"."+operation)
	resp, err := c.Do(ctx, Request{Operation: operation, Header: header, Body: body}, decodeJSONError, o)
	if err != nil {
		return err
	}
	if output == nil || len(resp.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body, output); err != nil {
		return &smithy.OperationError{ServiceID: c.Service.ID, OperationName: operation, Err: &smithy.DeserializationError{Err: err}}
	}
	return nil
}

// decodeJSONError reads an awsJson error: the code from X-Amzn-ErrorType or __type/code, without
// its namespace ("ns#Code") and URI suffix ("Code:http://..."), the message from message/Message.
func decodeJSONError(header http.Header, body []byte) (code, message, requestID string) {
	var payload struct {
		Type        string `json:"__type"`
		Code        string `json:"code"`
		Message     string `json:"message"`
		MessageCaps string `json:"Message"`
	}
	_ = json.Unmarshal(body, &payload)
	code = header.Get("X-Amzn-Errortype")
	if code == "" {
		code = payload.Type
	}
	if code == "" {
		code = payload.Code
	}
	if i := strings.Index(code, ":"); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	message = payload.Message
	if message == "" {
		message = payload.MessageCaps
	}
	return code, message, header.Get("X-Amzn-Requestid")
}

// EpochSeconds is a timestamp as awsJson writes it: seconds since the epoch, with fractions.
type EpochSeconds struct{ time.Time }

// MarshalJSON writes seconds since the epoch.
func (t EpochSeconds) MarshalJSON() ([]byte, error) {
	return json.Marshal(float64(t.UnixMilli()) / 1000)
}

// UnmarshalJSON reads seconds since the epoch.
func (t *EpochSeconds) UnmarshalJSON(b []byte) error {
	var seconds float64
	if err := json.Unmarshal(b, &seconds); err != nil {
		return err
	}
	whole, frac := math.Modf(seconds)
	t.Time = time.Unix(int64(whole), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC()
	return nil
}

// Epoch returns t as EpochSeconds, nil for nil.
func Epoch(t *time.Time) *EpochSeconds {
	if t == nil {
		return nil
	}
	return &EpochSeconds{*t}
}

// TimePtr returns t's time, nil for nil.
func (t *EpochSeconds) TimePtr() *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}
