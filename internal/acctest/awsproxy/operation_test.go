package awsproxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestDetectOperationByProtocol(t *testing.T) {
	auth := func(service string) string {
		return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/eu-west-1/" + service + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
	}
	tests := []struct {
		name        string
		method      string
		target      string
		path        string
		contentType string
		body        string
		auth        string
		want        operation
		wantParams  map[string]any
	}{
		{
			name: "JSON target", method: "POST", path: "/", target: "secretsmanager.GetSecretValue",
			contentType: "application/x-amz-json-1.1", body: `{"SecretId":"s"}`, auth: auth("secretsmanager"),
			want: operation{Service: "secretsmanager", Name: "GetSecretValue", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", Protocol: protocolJSON},
		},
		{
			name: "JSON target without signature names the service by prefix", method: "POST", path: "/", target: "AWSEvents.PutRule",
			contentType: "application/x-amz-json-1.1", body: `{}`,
			want: operation{Service: "events", Name: "PutRule", Protocol: protocolJSON},
		},
		{
			name: "CloudTrail's long target", method: "POST", path: "/",
			target:      "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
			contentType: "application/x-amz-json-1.1", body: `{}`,
			want: operation{Service: "cloudtrail", Name: "LookupEvents", Protocol: protocolJSON},
		},
		{
			name: "SQS JSON", method: "POST", path: "/", target: "AmazonSQS.SendMessage",
			contentType: "application/x-amz-json-1.0", body: `{}`, auth: auth("sqs"),
			want: operation{Service: "sqs", Name: "SendMessage", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", Protocol: protocolJSON},
		},
		{
			name: "query Action in form body", method: "POST", path: "/",
			contentType: "application/x-www-form-urlencoded; charset=utf-8", body: "Action=CreateRole&Version=2010-05-08&RoleName=r1",
			auth:       auth("iam"),
			want:       operation{Service: "iam", Name: "CreateRole", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", Protocol: protocolQuery},
			wantParams: map[string]any{"RoleName": "r1"},
		},
		{
			name: "SNS query", method: "POST", path: "/",
			contentType: "application/x-www-form-urlencoded", body: "Action=Subscribe&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Protocol=sqs",
			auth:       auth("sns"),
			want:       operation{Service: "sns", Name: "Subscribe", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", Protocol: protocolQuery},
			wantParams: map[string]any{"TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "Protocol": "sqs"},
		},
		{
			name: "SQS query on a queue URL", method: "POST", path: "/000000000000/q",
			contentType: "application/x-www-form-urlencoded", body: "Action=SendMessage&MessageBody=hello",
			auth:       auth("sqs"),
			want:       operation{Service: "sqs", Name: "SendMessage", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", Protocol: protocolQuery},
			wantParams: map[string]any{"MessageBody": "hello"},
		},
		{
			name: "query Action in the URL", method: "GET", path: "/?Action=GetCallerIdentity&Version=2011-06-15", auth: auth("sts"),
			want: operation{Service: "sts", Name: "GetCallerIdentity", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", Protocol: protocolQuery},
		},
		{
			name: "Lambda list", method: "GET", path: "/2015-03-31/functions/?MaxItems=5", auth: auth("lambda"),
			want: operation{Service: "lambda", Name: "ListFunctions", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", Protocol: protocolREST},
		},
		{
			name: "Lambda create", method: "POST", path: "/2015-03-31/functions", body: `{"FunctionName":"f"}`, auth: auth("lambda"),
			want: operation{Service: "lambda", Name: "CreateFunction", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", Protocol: protocolREST},
		},
		{
			name: "Lambda by escaped ARN", method: "GET",
			path:       "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/configuration",
			want:       operation{Service: "lambda", Name: "GetFunctionConfiguration", Protocol: protocolREST},
			wantParams: map[string]any{"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:f"},
		},
		{
			name: "Lambda remove permission", method: "DELETE", path: "/2015-03-31/functions/f/policy/sid-1", auth: auth("lambda"),
			want:       operation{Service: "lambda", Name: "RemovePermission", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", Protocol: protocolREST},
			wantParams: map[string]any{"FunctionName": "f", "StatementId": "sid-1"},
		},
		{
			name: "Lambda invoke", method: "POST", path: "/2015-03-31/functions/f/invocations", auth: auth("lambda"),
			want:       operation{Service: "lambda", Name: "Invoke", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE", Protocol: protocolREST},
			wantParams: map[string]any{"FunctionName": "f"},
		},
		{
			name: "not an AWS call", method: "GET", path: "/_localstack/health",
			want: operation{},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			r := httptest.NewRequest(test.method, "http://127.0.0.1:4567"+test.path, strings.NewReader(test.body))
			if test.target != "" {
				r.Header.Set("X-Amz-Target", test.target)
			}
			if test.contentType != "" {
				r.Header.Set("Content-Type", test.contentType)
			}
			if test.auth != "" {
				r.Header.Set("Authorization", test.auth)
			}
			got := detectOperation(r, []byte(test.body))
			params := got.Params
			got.Params = nil
			if got.Service != test.want.Service || got.Name != test.want.Name || got.Region != test.want.Region ||
				got.AccessKeyID != test.want.AccessKeyID || got.Protocol != test.want.Protocol {
				t.Errorf("detectOperation = %+v, want %+v", got, test.want)
			}
			for key, want := range test.wantParams {
				if params[key] != want {
					t.Errorf("param %s = %v, want %v (all: %v)", key, params[key], want, params)
				}
			}
		})
	}
}

// TestSDKCallsAreRecognized sends real SDK requests of every service the provider uses through
// the proxy (to a fake upstream) and checks the record names each call's service and operation.
func TestSDKCallsAreRecognized(t *testing.T) {
	upstream := newFakeUpstream(t)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	ctx := context.Background()

	// The fake upstream answers "{}", which some SDKs cannot parse: only the record matters here.
	_, _ = secretsmanager.NewFromConfig(cfg).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("s1")})
	_, _ = iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("role1")})
	_, _ = lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn1")})
	_, _ = lambda.NewFromConfig(cfg).AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("fn1"), StatementId: aws.String("sid"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("secretsmanager.amazonaws.com")})
	_, _ = eventbridge.NewFromConfig(cfg).PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("rule1")})
	_, _ = sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("topic1")})
	_, _ = sqs.NewFromConfig(cfg).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("queue1")})
	_, _ = kms.NewFromConfig(cfg).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/k")})
	_, _ = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	_, _ = cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/fn1")})

	want := []struct{ key, resource string }{
		{"secretsmanager:DescribeSecret", "s1"},
		{"iam:GetRole", "role1"},
		{"lambda:GetFunction", "fn1"},
		{"lambda:AddPermission", "fn1"},
		{"events:PutRule", "rule1"},
		{"sns:CreateTopic", "topic1"},
		{"sqs:GetQueueUrl", "queue1"},
		{"kms:DescribeKey", "alias/k"},
		{"sts:GetCallerIdentity", ""},
		{"logs:CreateLogGroup", "/aws/lambda/fn1"},
	}
	calls := p.Calls()
	if len(calls) != len(want) {
		t.Fatalf("recorded %d calls, want %d: %v", len(calls), len(want), CallsPerOperation(calls))
	}
	for i, w := range want {
		call := calls[i]
		if call.Key() != w.key {
			t.Errorf("call %d is %s, want %s", i, call.Key(), w.key)
		}
		if call.Region != "us-east-1" || call.AccessKeyID != "test" {
			t.Errorf("call %s: region %q key %q, want us-east-1 and test", call.Key(), call.Region, call.AccessKeyID)
		}
		if !strings.Contains(call.UserAgent, "aws-sdk-go-v2") {
			t.Errorf("call %s: user agent %q is not the SDK's", call.Key(), call.UserAgent)
		}
		if w.resource != "" && (len(call.Resources) == 0 || call.Resources[0].Name != w.resource) {
			t.Errorf("call %s: resources %+v, want one named %s", call.Key(), call.Resources, w.resource)
		}
	}
}

func TestReadOnlyAndManagementClassification(t *testing.T) {
	tests := []struct {
		service, name        string
		readOnly, management bool
	}{
		{"secretsmanager", "GetSecretValue", true, true},
		{"secretsmanager", "DeleteSecret", false, true},
		{"kms", "Decrypt", true, true},
		{"sts", "AssumeRole", true, true},
		{"lambda", "Invoke", false, false},
		{"events", "PutEvents", false, false},
		{"sqs", "SendMessage", false, false},
		{"iam", "CreateRole", false, true},
		{"cloudtrail", "LookupEvents", true, true},
	}
	for _, test := range tests {
		if got := isReadOnly(test.service, test.name); got != test.readOnly {
			t.Errorf("isReadOnly(%s:%s) = %v, want %v", test.service, test.name, got, test.readOnly)
		}
		if got := isManagement(test.service, test.name); got != test.management {
			t.Errorf("isManagement(%s:%s) = %v, want %v", test.service, test.name, got, test.management)
		}
	}
}

func TestNonAWSRequestsPassThroughUnrecorded(t *testing.T) {
	upstream := newFakeUpstream(t)
	upstream.answer("GET /_localstack/health", 200, "application/json", `{"services":{}}`)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	resp, err := http.Get(p.URL() + "/_localstack/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(p.Calls()) != 0 {
		t.Fatalf("health: status %d, %d calls recorded; want 200 and none", resp.StatusCode, len(p.Calls()))
	}
}
