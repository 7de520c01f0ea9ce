package awsproxy

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

func TestQuotaTableHasASourceAndARateForEveryRow(t *testing.T) {
	seen := map[string]bool{}
	rest := map[string]int{}
	for _, q := range Quotas {
		if q.Rate <= 0 || q.Source == "" || q.Service == "" {
			t.Errorf("quota %s: rate %v, source %q: every row needs a rate and its source", q.Name(), q.Rate, q.Source)
		}
		for _, op := range q.Operations {
			key := q.Service + ":" + op
			if seen[key] {
				t.Errorf("%s is in two quotas", key)
			}
			seen[key] = true
		}
		if len(q.Operations) == 0 {
			rest[q.Service]++
		}
	}
	for service, n := range rest {
		if n != 1 {
			t.Errorf("%s has %d rest-of-service quotas, want 1", service, n)
		}
	}
}

func TestQuotaFor(t *testing.T) {
	tests := []struct {
		service, operation string
		rate               float64
		shared             string
	}{
		{"secretsmanager", "GetSecretValue", 10000, "secretsmanager:GetSecretValue"},
		{"secretsmanager", "UpdateSecret", 50, "secretsmanager:PutSecretValue+"},
		{"secretsmanager", "CreateSecret", 50, "secretsmanager:*"},
		{"lambda", "GetFunction", 100, "lambda:GetFunction"},
		{"lambda", "CreateFunction", 15, "lambda:*"},
		{"lambda", "UpdateFunctionConfiguration", 15, "lambda:*"},
		{"logs", "CreateLogGroup", 5, "logs:CreateLogGroup"},
		{"iam", "CreateRole", 10, "iam:*"},
		{"events", "PutRule", 50, "events:*"},
	}
	for _, tt := range tests {
		q, ok := QuotaFor(tt.service, tt.operation)
		if !ok || q.Rate != tt.rate || !strings.HasPrefix(q.Name(), tt.shared) {
			t.Errorf("QuotaFor(%s, %s) = %s %v, %v; want rate %v in %s", tt.service, tt.operation, q.Name(), q.Rate, ok, tt.rate, tt.shared)
		}
	}
	if _, ok := QuotaFor("sqs", "SendMessage"); ok {
		t.Error("SQS has no row; QuotaFor should say so")
	}
}

func TestQuotaFloor(t *testing.T) {
	// 25 CreateFunction and 20 UpdateFunctionConfiguration share Lambda's 15 per second: (45-15)/15
	// = 2s; 105 CreateLogGroup at 5 per second: (105-5)/5 = 20s; the floor is the slowest.
	floor, per := QuotaFloor(map[string]int{"lambda:CreateFunction": 25, "lambda:UpdateFunctionConfiguration": 20, "logs:CreateLogGroup": 105, "sqs:SendMessage": 9})
	if floor != 20 || per["lambda:*"] != 2 || per["logs:CreateLogGroup"] != 20 || len(per) != 2 {
		t.Fatalf("QuotaFloor = %v %v, want 20 (logs:CreateLogGroup 20, lambda:* 2)", floor, per)
	}
	if names := QuotaNames(per); names[0] != "logs:CreateLogGroup" {
		t.Errorf("QuotaNames = %v, want the slowest first", names)
	}
}

func quotaProxy(t *testing.T, on bool) (*Proxy, *fakeClock) {
	t.Helper()
	upstream := newFakeUpstream(t)
	clock := newFakeClock()
	return startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true, Quotas: on, Now: clock.Now}), clock
}

func createSecrets(t *testing.T, p *Proxy, key string, n int) (ok int, throttled []error) {
	t.Helper()
	cfg := sdkConfig(key)
	cfg.BaseEndpoint = aws.String(p.URL())
	client := secretsmanager.NewFromConfig(cfg)
	for range n {
		if _, err := client.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String("s")}); err != nil {
			throttled = append(throttled, err)
		} else {
			ok++
		}
	}
	return ok, throttled
}

func TestQuotasThrottleAsAWSDoes(t *testing.T) {
	p, clock := quotaProxy(t, true)
	ok, throttled := createSecrets(t, p, "test", 60)
	if ok != 50 || len(throttled) != 10 {
		t.Fatalf("60 CreateSecret in one instant: %d passed, %d throttled; want 50 and 10 (50 per second)", ok, len(throttled))
	}
	var apiErr smithy.APIError
	if !errors.As(throttled[0], &apiErr) || apiErr.ErrorCode() != "ThrottlingException" || apiErr.ErrorMessage() != "Rate exceeded" {
		t.Fatalf("throttled with %v, want ThrottlingException: Rate exceeded", throttled[0])
	}
	calls := p.Calls()
	if last := calls[len(calls)-1]; last.Status != http.StatusBadRequest || last.ErrorCode != "ThrottlingException" {
		t.Errorf("the throttled call is recorded as %d %s, want 400 ThrottlingException", last.Status, last.ErrorCode)
	}
	if n := Throttled(calls); n != 10 {
		t.Errorf("Throttled counts %d calls, want 10", n)
	}
	// A second later the bucket holds 50 again.
	clock.Advance(time.Second)
	if ok, _ := createSecrets(t, p, "test", 50); ok != 50 {
		t.Errorf("a second later %d of 50 passed", ok)
	}
}

func TestQuotasAreOffByDefaultAndSwitch(t *testing.T) {
	p, _ := quotaProxy(t, false)
	if ok, _ := createSecrets(t, p, "test", 80); ok != 80 {
		t.Fatalf("quotas off: %d of 80 passed", ok)
	}
	p.SetQuotas(true)
	if ok, _ := createSecrets(t, p, "test", 80); ok != 50 {
		t.Fatalf("quotas switched on: %d of 80 passed, want 50", ok)
	}
}

func TestLambdaThrottlesWithTooManyRequests(t *testing.T) {
	p, _ := quotaProxy(t, true)
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	client := lambda.NewFromConfig(cfg)
	var last error
	for range 16 {
		_, last = client.GetAccountSettings(context.Background(), &lambda.GetAccountSettingsInput{})
	}
	var apiErr smithy.APIError
	if !errors.As(last, &apiErr) || apiErr.ErrorCode() != "TooManyRequestsException" {
		t.Fatalf("the 16th Lambda control-plane call in a second: %v, want TooManyRequestsException (429)", last)
	}
}

func TestQuotasArePerAccount(t *testing.T) {
	p, _ := quotaProxy(t, true)
	p.RegisterIdentity("other", Identity{Type: "IAMUser", ARN: "arn:aws:iam::111122223333:user/o", AccountID: "111122223333", UserName: "o"})
	if ok, _ := createSecrets(t, p, "test", 60); ok != 50 {
		t.Fatalf("account 000000000000: %d of 60 passed, want 50", ok)
	}
	if ok, _ := createSecrets(t, p, "other", 60); ok != 50 {
		t.Fatalf("account 111122223333 after the other account used its quota: %d of 60 passed, want 50", ok)
	}
}
