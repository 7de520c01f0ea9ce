package awsproxy

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TestInjectedErrorsParseAsAWSErrors checks that an injected error has the shape of its
// protocol: the SDK returns the service's typed error with the rule's message and status.
func TestInjectedErrorsParseAsAWSErrors(t *testing.T) {
	upstream := newFakeUpstream(t)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	ctx := context.Background()

	tests := []struct {
		name       string
		rule       Rule
		call       func() error
		typed      func(error) bool
		wantCode   string
		wantStatus int
	}{
		{
			name: "JSON protocol (Secrets Manager)",
			rule: Rule{Kind: FaultError, Operation: "secretsmanager:DescribeSecret", ErrorCode: "ResourceNotFoundException", ErrorMessage: "Secrets Manager can't find the specified secret."},
			call: func() error {
				_, err := secretsmanager.NewFromConfig(cfg).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")})
				return err
			},
			typed:    func(err error) bool { var e *smtypes.ResourceNotFoundException; return errors.As(err, &e) },
			wantCode: "ResourceNotFoundException", wantStatus: 400,
		},
		{
			name: "query protocol (IAM)",
			rule: Rule{Kind: FaultError, Operation: "iam:GetRole", ErrorCode: "NoSuchEntity", ErrorMessage: "The role with name r cannot be found.", Status: 404},
			call: func() error {
				_, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("r")})
				return err
			},
			typed:    func(err error) bool { var e *iamtypes.NoSuchEntityException; return errors.As(err, &e) },
			wantCode: "NoSuchEntity", wantStatus: 404,
		},
		{
			name: "query protocol (SNS)",
			rule: Rule{Kind: FaultError, Operation: "sns:GetTopicAttributes", ErrorCode: "NotFound", ErrorMessage: "Topic does not exist", Status: 404},
			call: func() error {
				_, err := sns.NewFromConfig(cfg).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:t")})
				return err
			},
			typed:    func(err error) bool { var e *snstypes.NotFoundException; return errors.As(err, &e) },
			wantCode: "NotFound", wantStatus: 404,
		},
		{
			name: "REST protocol (Lambda)",
			rule: Rule{Kind: FaultError, Operation: "lambda:GetFunction", ErrorCode: "ResourceNotFoundException", ErrorMessage: "Function not found: f"},
			call: func() error {
				_, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("f")})
				return err
			},
			typed:    func(err error) bool { var e *lambdatypes.ResourceNotFoundException; return errors.As(err, &e) },
			wantCode: "ResourceNotFoundException", wantStatus: 404,
		},
		{
			name: "SQS JSON protocol",
			rule: Rule{Kind: FaultError, Operation: "sqs:GetQueueUrl", ErrorCode: "QueueDoesNotExist", ErrorMessage: "The specified queue does not exist."},
			call: func() error {
				_, err := sqs.NewFromConfig(cfg).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("q")})
				return err
			},
			typed:    func(err error) bool { var e *sqstypes.QueueDoesNotExist; return errors.As(err, &e) },
			wantCode: "QueueDoesNotExist", wantStatus: 400,
		},
		{
			name: "throttling, JSON protocol",
			rule: Rule{Kind: FaultThrottle, Operation: "secretsmanager:ListSecrets"},
			call: func() error {
				_, err := secretsmanager.NewFromConfig(cfg).ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
				return err
			},
			wantCode: "ThrottlingException", wantStatus: 400,
		},
		{
			name: "throttling, Lambda",
			rule: Rule{Kind: FaultThrottle, Operation: "lambda:ListFunctions"},
			call: func() error {
				_, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
				return err
			},
			typed:    func(err error) bool { var e *lambdatypes.TooManyRequestsException; return errors.As(err, &e) },
			wantCode: "TooManyRequestsException", wantStatus: 429,
		},
		{
			name: "throttling, query protocol",
			rule: Rule{Kind: FaultThrottle, Operation: "iam:ListRoles"},
			call: func() error {
				_, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
				return err
			},
			wantCode: "Throttling", wantStatus: 400,
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			p.ClearFaults()
			p.Reset()
			if _, err := p.AddFault(test.rule); err != nil {
				t.Fatal(err)
			}
			err := test.call()
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an AWS API error", err)
			}
			if apiErr.ErrorCode() != test.wantCode {
				t.Errorf("code %q, want %q", apiErr.ErrorCode(), test.wantCode)
			}
			if test.rule.ErrorMessage != "" && apiErr.ErrorMessage() != test.rule.ErrorMessage {
				t.Errorf("message %q, want %q", apiErr.ErrorMessage(), test.rule.ErrorMessage)
			}
			var respErr *smithyhttp.ResponseError
			if errors.As(err, &respErr) && respErr.HTTPStatusCode() != test.wantStatus {
				t.Errorf("status %d, want %d", respErr.HTTPStatusCode(), test.wantStatus)
			}
			if test.typed != nil && !test.typed(err) {
				t.Errorf("error %T (%v) is not the service's typed error", err, err)
			}
			calls := p.Calls()
			if len(calls) != 1 || calls[0].ErrorCode != test.wantCode || calls[0].Fault == "" {
				t.Errorf("record %+v: want one call with error %s answered by a fault", calls, test.wantCode)
			}
		})
	}
	if got := len(upstream.requests); got != 0 {
		t.Errorf("the upstream saw %d requests; faults must answer without forwarding", got)
	}
}

// TestUpstreamErrorsAreRecorded checks the error code is read from each protocol's error shape.
func TestUpstreamErrorsAreRecorded(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		body   string
		code   string
		msg    string
	}{
		{"JSON __type", nil, `{"__type":"ResourceNotFoundException","message":"not found"}`, "ResourceNotFoundException", "not found"},
		{"JSON qualified type", nil, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"gone"}`, "QueueDoesNotExist", "gone"},
		{"JSON code and Message", nil, `{"code":"InvalidRequestException","Message":"bad"}`, "InvalidRequestException", "bad"},
		{"query XML", nil, `<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>no role</Message></Error><RequestId>1</RequestId></ErrorResponse>`, "NoSuchEntity", "no role"},
		{"Lambda header", http.Header{"X-Amzn-Errortype": {"ResourceConflictException:http://internal"}}, `{"Type":"User","message":"busy"}`, "ResourceConflictException", "busy"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			code, msg := responseError(test.header, []byte(test.body))
			if code != test.code || msg != test.msg {
				t.Errorf("responseError = %q, %q; want %q, %q", code, msg, test.code, test.msg)
			}
		})
	}
}
