package awsproxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
)

// iamReport is LocalStack's /_secretsbundle/iam answer (scripts/localstack_ext, iam_enforcement.py).
type iamReport struct {
	Enabled                bool     `json:"enabled"`
	EvaluatedCalls         int      `json:"evaluated_calls"`
	EvaluatedMedianSeconds *float64 `json:"evaluated_median_seconds"`
}

func iamEnforcement(t *testing.T, localstack, method string, body any) iamReport {
	t.Helper()
	var reader *bytes.Reader
	if body != nil {
		encoded, _ := json.Marshal(body)
		reader = bytes.NewReader(encoded)
	} else {
		reader = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, localstack+"/_secretsbundle/iam", reader)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var report iamReport
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&report) != nil {
		t.Fatalf("%s %s/_secretsbundle/iam answered %s: is the harness's IAM enforcement installed?", method, localstack, resp.Status)
	}
	return report
}

// TestAccIAMEnforcementOverhead measures the latency the harness's IAM enforcement adds to a call
// of an evaluated identity: the same DescribeSecret by the same IAM user through the proxy, in
// alternating blocks with the enforcement switched on and off, timed by the proxy's own call
// record. It logs the medians and the time LocalStack spent evaluating (its own figure), and fails
// only on a gross regression, since the machine is shared.
func TestAccIAMEnforcementOverhead(t *testing.T) {
	const blocks, perBlock = 60, 5
	localstack := acctest.LocalStackEndpoint(t)
	if !iamEnforcement(t, localstack, http.MethodGet, nil).Enabled {
		t.Fatal("the harness's IAM enforcement is off: it is on by default in scripts/localstack.sh up")
	}
	t.Cleanup(func() { iamEnforcement(t, localstack, http.MethodPost, map[string]bool{"enabled": true}) })
	p := startAccProxy(t)
	ctx := t.Context()
	admin := accConfig(localstack, acctest.AccessKeyID)
	secrets := secretsmanager.NewFromConfig(admin)
	users := iam.NewFromConfig(admin)
	name := uniqueName("awsproxy-iam-overhead")
	created, err := secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("value")})
	if err != nil {
		t.Fatal(err)
	}
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:DescribeSecret","Resource":%q}]}`, aws.ToString(created.ARN))
	if _, err := users.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := users.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	key, err := users.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = secrets.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: created.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
		_, _ = users.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(name), AccessKeyId: key.AccessKey.AccessKeyId})
		_, _ = users.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p")})
		_, _ = users.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)})
	})
	user := secretsmanager.NewFromConfig(accConfig(p.URL(), aws.ToString(key.AccessKey.AccessKeyId)))
	call := func() {
		if _, err := user.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: created.ARN}); err != nil {
			t.Fatal(err)
		}
	}
	// The user may describe this secret and nothing else: the enforcement is really evaluating.
	if _, err := user.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: created.ARN}); err == nil {
		t.Fatal("the IAM user read a secret its policy does not allow: the enforcement is not evaluating")
	}
	for range 20 {
		call()
	}
	iamEnforcement(t, localstack, http.MethodDelete, nil)
	var on, off []time.Duration
	for block := range 2 * blocks {
		enabled := block%2 == 0
		iamEnforcement(t, localstack, http.MethodPost, map[string]bool{"enabled": enabled})
		from, to := fmt.Sprintf("block-%d-start", block), fmt.Sprintf("block-%d-end", block)
		p.Mark(from)
		for range perBlock {
			call()
		}
		p.Mark(to)
		calls, err := p.CallsBetween(from, to)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range calls {
			if c.Operation != "DescribeSecret" {
				continue
			}
			if enabled {
				on = append(on, c.Duration())
			} else {
				off = append(off, c.Duration())
			}
		}
	}
	report := iamEnforcement(t, localstack, http.MethodPost, map[string]bool{"enabled": true})
	if len(on) != blocks*perBlock || len(off) != blocks*perBlock {
		t.Fatalf("the proxy recorded %d calls with the enforcement on and %d off, want %d each", len(on), len(off), blocks*perBlock)
	}
	if report.EvaluatedCalls != blocks*perBlock || report.EvaluatedMedianSeconds == nil {
		t.Fatalf("LocalStack evaluated %d calls, want %d", report.EvaluatedCalls, blocks*perBlock)
	}
	evaluation := time.Duration(*report.EvaluatedMedianSeconds * float64(time.Second)).Round(time.Microsecond)
	on50, off50 := percentile(on, 50), percentile(off, 50)
	t.Logf("DescribeSecret by an IAM user x%d each, proxy's record: enforcement on median %s p99 %s, off median %s p99 %s; added median %s; LocalStack's evaluation time median %s",
		len(on), on50, percentile(on, 99), off50, percentile(off, 99), on50-off50, evaluation)
	if on50-off50 > 25*time.Millisecond {
		t.Errorf("the IAM enforcement adds %s to the median call: something on its path became slow", on50-off50)
	}
}
