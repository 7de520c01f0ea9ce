package awsproxy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// describeOutcomes makes n DescribeSecret calls on secretID and reports which failed.
func describeOutcomes(t *testing.T, p *Proxy, secretID string, n int) []bool {
	t.Helper()
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	client := secretsmanager.NewFromConfig(cfg)
	failed := make([]bool, n)
	for i := range n {
		_, err := client.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
		failed[i] = err != nil
	}
	return failed
}

func faultProxy(t *testing.T, rules ...Rule) (*Proxy, *fakeUpstream) {
	t.Helper()
	upstream := newFakeUpstream(t)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	for _, rule := range rules {
		if _, err := p.AddFault(rule); err != nil {
			t.Fatal(err)
		}
	}
	return p, upstream
}

func TestFaultSelection(t *testing.T) {
	errorRule := Rule{Kind: FaultError, Operation: "DescribeSecret", ErrorCode: "InternalServiceError"}
	tests := []struct {
		name   string
		rule   Rule
		secret string
		want   []bool
	}{
		{"every call", errorRule, "s", []bool{true, true, true}},
		{"Nth call", withRule(errorRule, func(r *Rule) { r.Nth = 2 }), "s", []bool{false, true, false, false}},
		{"first two", withRule(errorRule, func(r *Rule) { r.Times = 2 }), "s", []bool{true, true, false}},
		{"other resource", withRule(errorRule, func(r *Rule) { r.Resource = "other" }), "s", []bool{false, false}},
		{"this resource", withRule(errorRule, func(r *Rule) { r.Resource = "s" }), "s", []bool{true, true}},
		{"other service", withRule(errorRule, func(r *Rule) { r.Service = "iam" }), "s", []bool{false}},
		{"service:Operation", withRule(errorRule, func(r *Rule) { r.Operation = "secretsmanager:DescribeSecret" }), "s", []bool{true}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			p, _ := faultProxy(t, test.rule)
			if got := describeOutcomes(t, p, test.secret, len(test.want)); !slices.Equal(got, test.want) {
				t.Errorf("failures %v, want %v", got, test.want)
			}
		})
	}
}

func withRule(rule Rule, change func(*Rule)) Rule {
	change(&rule)
	return rule
}

func TestSeededProbabilityRepeats(t *testing.T) {
	rule := Rule{Kind: FaultThrottle, Operation: "DescribeSecret", Probability: 0.5, Seed: 42}
	first, _ := faultProxy(t, rule)
	second, _ := faultProxy(t, rule)
	a := describeOutcomes(t, first, "s", 40)
	b := describeOutcomes(t, second, "s", 40)
	if !slices.Equal(a, b) {
		t.Fatalf("the same seed gave different failures:\n%v\n%v", a, b)
	}
	fired := 0
	for _, failed := range a {
		if failed {
			fired++
		}
	}
	if fired < 8 || fired > 32 {
		t.Fatalf("probability 0.5 fired %d times in 40", fired)
	}
	if rules := first.Faults(); rules[0].Matched != 40 || rules[0].Fired != fired {
		t.Errorf("rule counters %+v, want 40 matched and %d fired", rules[0], fired)
	}
}

func TestDelayForwardsLate(t *testing.T) {
	p, upstream := faultProxy(t, Rule{Kind: FaultDelay, Operation: "DescribeSecret", Delay: Duration(150 * time.Millisecond)})
	start := time.Now()
	if failed := describeOutcomes(t, p, "s", 1); failed[0] {
		t.Fatal("a delayed call failed")
	}
	if elapsed := time.Since(start); elapsed < 150*time.Millisecond {
		t.Errorf("call took %s, want at least the 150ms delay", elapsed)
	}
	if len(upstream.seen("secretsmanager.DescribeSecret")) != 1 {
		t.Error("the delayed call was not forwarded")
	}
	if call := p.Calls()[0]; call.Duration() < 150*time.Millisecond || call.Fault == "" {
		t.Errorf("recorded %+v: want the delay in its duration and the fault named", call)
	}
}

func TestDropClosesTheConnection(t *testing.T) {
	p, upstream := faultProxy(t, Rule{Kind: FaultDrop, Operation: "DescribeSecret"})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	_, err := secretsmanager.NewFromConfig(cfg).DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")})
	var apiErr smithy.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("dropped call: %v, want a transport error", err)
	}
	if len(upstream.seen("secretsmanager.DescribeSecret")) != 0 {
		t.Error("a dropped call was forwarded")
	}
	if calls := p.Calls(); len(calls) != 1 || calls[0].ErrorCode != "ConnectionDropped" {
		t.Errorf("record %+v, want the dropped call", calls)
	}
}

func TestRuleValidation(t *testing.T) {
	p, _ := faultProxy(t)
	for _, rule := range []Rule{
		{Kind: "explode"},
		{Kind: FaultError},
		{Kind: FaultDelay},
		{Kind: FaultIAMPropagation},
		{Kind: FaultThrottle, Probability: 2},
		{Kind: FaultThrottle, Nth: -1},
	} {
		if _, err := p.AddFault(rule); err == nil {
			t.Errorf("rule %+v was accepted", rule)
		}
	}
}

// TestIAMPropagation checks that, for the configured time after CreateRole, Lambda refuses the
// role exactly as AWS does, then accepts it.
func TestIAMPropagation(t *testing.T) {
	clock := newFakeClock()
	upstream := newFakeUpstream(t)
	upstream.answer("CreateRole", 200, "text/xml", `<CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateRoleResult><Role>
<Path>/</Path><RoleName>rotator</RoleName><RoleId>AROA1</RoleId><Arn>arn:aws:iam::000000000000:role/rotator</Arn>
<CreateDate>2026-03-01T12:00:00Z</CreateDate><AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument></Role></CreateRoleResult>
<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></CreateRoleResponse>`)
	upstream.answer("POST /2015-03-31/functions", 201, "application/json", `{"FunctionName":"fn","FunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:fn"}`)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true, Now: clock.Now})
	if _, err := p.AddFault(Rule{Kind: FaultIAMPropagation, Delay: Duration(10 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	ctx := context.Background()
	if _, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("rotator"), AssumeRolePolicyDocument: aws.String("{}")}); err != nil {
		t.Fatal(err)
	}
	create := func(role string) error {
		_, err := lambda.NewFromConfig(cfg).CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("fn"), Role: aws.String(role), Runtime: lambdatypes.RuntimeProvidedal2023,
			Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: []byte("zip")},
		})
		return err
	}

	clock.Advance(9 * time.Second)
	err := create("arn:aws:iam::000000000000:role/rotator")
	var invalid *lambdatypes.InvalidParameterValueException
	if !errors.As(err, &invalid) || invalid.ErrorMessage() != "The role defined for the function cannot be assumed by Lambda." {
		t.Fatalf("CreateFunction 9s after CreateRole: %v, want InvalidParameterValueException with AWS's message", err)
	}
	if err := create("arn:aws:iam::000000000000:role/older-role"); err != nil {
		t.Fatalf("a role not created through the proxy is refused: %v", err)
	}
	clock.Advance(time.Second)
	if err := create("arn:aws:iam::000000000000:role/rotator"); err != nil {
		t.Fatalf("CreateFunction 10s after CreateRole: %v, want success", err)
	}
	if n := len(upstream.seen("POST /2015-03-31/functions")); n != 2 {
		t.Errorf("upstream saw %d CreateFunction calls, want 2 (the refused one answered by the proxy)", n)
	}
}

// TestDropResponseForwardsThenDrops: the call reaches the upstream, which acts on it, and the
// client hears no answer: a create whose success is lost.
func TestDropResponseForwardsThenDrops(t *testing.T) {
	p, upstream := faultProxy(t, Rule{Kind: FaultDropResponse, Operation: "DescribeSecret", Times: 1})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	cfg.RetryMaxAttempts = 1
	_, err := secretsmanager.NewFromConfig(cfg).DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")})
	var apiErr smithy.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("call with its answer dropped: %v, want a transport error", err)
	}
	if len(upstream.seen("secretsmanager.DescribeSecret")) != 1 {
		t.Error("the call was not forwarded before its answer was dropped")
	}
	if calls := p.Calls(); len(calls) != 1 || calls[0].Fault == "" || !strings.Contains(calls[0].ErrorMessage, "dropped the answer") {
		t.Errorf("record %+v, want the call with its dropped answer", calls)
	}
}

// TestDelayResponseOutlastsTheDeadline: the upstream acts at once, the answer is held past the
// client's deadline, so the client gives up although the call succeeded.
func TestDelayResponseOutlastsTheDeadline(t *testing.T) {
	p, upstream := faultProxy(t, Rule{Kind: FaultDelayResponse, Operation: "DescribeSecret", Delay: Duration(time.Minute)})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	cfg.RetryMaxAttempts = 1
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := secretsmanager.NewFromConfig(cfg).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call with its answer held: %v, want the deadline", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("the client waited %s: the proxy must let it give up", elapsed)
	}
	if len(upstream.seen("secretsmanager.DescribeSecret")) != 1 {
		t.Error("the call was not forwarded before its answer was held")
	}

	// A short hold delivers the answer late but whole.
	p.ClearFaults()
	if _, err := p.AddFault(Rule{Kind: FaultDelayResponse, Operation: "DescribeSecret", Delay: Duration(100 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	if _, err := secretsmanager.NewFromConfig(cfg).DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")}); err != nil {
		t.Errorf("late answer: %v", err)
	}
}
