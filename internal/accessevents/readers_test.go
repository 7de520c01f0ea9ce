package accessevents

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func TestMatchARN(t *testing.T) {
	for _, c := range []struct {
		pattern, arn string
		want         bool
	}{
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alice", true},
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alice2", false},
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alic", false},
		{"arn:aws:iam::123456789012:role/team/*", "arn:aws:iam::123456789012:role/team/app", true},
		{"arn:aws:iam::123456789012:role/team/*", "arn:aws:iam::123456789012:role/team/sub/app", true},
		{"arn:aws:iam::123456789012:role/team/*", "arn:aws:iam::123456789012:role/other/app", false},
		{"arn:aws:iam::*:role/app", "arn:aws:iam::210987654321:role/app", true},
		{"arn:aws:iam::*:role/app", "arn:aws:iam::210987654321:role/app-admin", false},
		{"arn:aws:sts::123456789012:assumed-role/app/*", "arn:aws:sts::123456789012:assumed-role/app/i-0abc", true},
		{"arn:aws:sts::123456789012:assumed-role/app/*", "arn:aws:sts::123456789012:assumed-role/application/x", false},
		{"arn:aws:iam::123456789012:user/?ob", "arn:aws:iam::123456789012:user/bob", true},
		{"arn:aws:iam::123456789012:user/?ob", "arn:aws:iam::123456789012:user/bbob", false},
		{"*", "arn:aws:iam::123456789012:user/anyone", true},
		{"arn:*:iam::*:user/*-ci", "arn:aws-us-gov:iam::123456789012:user/deploy-ci", true},
		{"arn:*:iam::*:user/*-ci", "arn:aws-us-gov:iam::123456789012:user/deploy-ci-old", false},
	} {
		if got := matchARN(c.pattern, c.arn); got != c.want {
			t.Errorf("matchARN(%q, %q) = %v, want %v", c.pattern, c.arn, got, c.want)
		}
	}
}

func TestReadersUnexpected(t *testing.T) {
	readers := Readers{"arn:aws:iam::123456789012:role/app/*", "arn:aws:iam::123456789012:user/alice", CallerPattern("arn:aws:sts::123456789012:assumed-role/deployer/terraform-run")}
	events := []Event{
		{EventID: "app", PrincipalType: "AssumedRole", PrincipalARN: "arn:aws:sts::123456789012:assumed-role/orders/i-1", IssuerARN: "arn:aws:iam::123456789012:role/app/orders"},
		{EventID: "alice", PrincipalType: "IAMUser", PrincipalARN: "arn:aws:iam::123456789012:user/alice"},
		{EventID: "terraform", PrincipalType: "AssumedRole", PrincipalARN: "arn:aws:sts::123456789012:assumed-role/deployer/other-run"},
		{EventID: "service", PrincipalType: "AWSService", PrincipalARN: "secretsmanager.amazonaws.com"},
		{EventID: "rotation-failed", PrincipalARN: "secretsmanager.amazonaws.com"},
		{EventID: "mallory", PrincipalType: "IAMUser", PrincipalARN: "arn:aws:iam::123456789012:user/mallory"},
		{EventID: "stranger-role", PrincipalType: "AssumedRole", PrincipalARN: "arn:aws:sts::123456789012:assumed-role/orders/i-2", IssuerARN: "arn:aws:iam::123456789012:role/other/orders"},
		{EventID: "no-identity"},
	}
	got := eventIDs(readers.Unexpected(events))
	if want := []string{"mallory", "stranger-role", "no-identity"}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("unexpected = %v, want %v", got, want)
	}
	if got := Readers(nil).Unexpected(events[:1]); len(got) != 1 {
		t.Errorf("with no readers every caller is unexpected, got %v", eventIDs(got))
	}
}

func TestCallerPattern(t *testing.T) {
	for caller, want := range map[string]string{
		"arn:aws:sts::123456789012:assumed-role/deployer/terraform-run": "arn:aws:sts::123456789012:assumed-role/deployer/*",
		"arn:aws:iam::123456789012:user/ci":                             "arn:aws:iam::123456789012:user/ci",
		"arn:aws:iam::123456789012:root":                                "arn:aws:iam::123456789012:root",
	} {
		if got := CallerPattern(caller); got != want {
			t.Errorf("CallerPattern(%q) = %q, want %q", caller, got, want)
		}
	}
}

type fakeRotation struct {
	lambdaARN, role string
	describeErr     error
	functionErr     error
	asked           []string
}

func (f *fakeRotation) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	f.asked = append(f.asked, "DescribeSecret "+aws.ToString(in.SecretId))
	if f.describeErr != nil {
		return nil, f.describeErr
	}
	out := &secretsmanager.DescribeSecretOutput{ARN: in.SecretId}
	if f.lambdaARN != "" {
		out.RotationLambdaARN = aws.String(f.lambdaARN)
	}
	return out, nil
}

func (f *fakeRotation) GetFunctionConfiguration(_ context.Context, in *lambda.GetFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	f.asked = append(f.asked, "GetFunctionConfiguration "+aws.ToString(in.FunctionName))
	if f.functionErr != nil {
		return nil, f.functionErr
	}
	return &lambda.GetFunctionConfigurationOutput{Role: aws.String(f.role)}, nil
}

func TestRotatorRole(t *testing.T) {
	const fn = "arn:aws:lambda:us-east-1:123456789012:function:rotator"
	f := &fakeRotation{lambdaARN: fn, role: "arn:aws:iam::123456789012:role/rotator"}
	role, err := RotatorRole(context.Background(), f, f, testARN)
	if err != nil || role != "arn:aws:iam::123456789012:role/rotator" || len(f.asked) != 2 || f.asked[1] != "GetFunctionConfiguration "+fn {
		t.Fatalf("RotatorRole = %q, %v after %v; want the function's role", role, err, f.asked)
	}
	none := &fakeRotation{}
	if role, err := RotatorRole(context.Background(), none, none, testARN); role != "" || err != nil || len(none.asked) != 1 {
		t.Errorf("without rotation: %q, %v after %v; want no role and no Lambda call", role, err, none.asked)
	}
	denied := &fakeRotation{lambdaARN: fn, functionErr: errors.New("AccessDeniedException")}
	if _, err := RotatorRole(context.Background(), denied, denied, testARN); err == nil || !strings.Contains(err.Error(), "lambda:GetFunctionConfiguration") {
		t.Errorf("a denied GetFunctionConfiguration: %v; want an error naming the permission", err)
	}
	if _, err := RotatorRole(context.Background(), &fakeRotation{describeErr: errors.New("boom")}, denied, testARN); err == nil || !strings.Contains(err.Error(), "DescribeSecret") {
		t.Errorf("a failed DescribeSecret: %v; want an error naming the call", err)
	}
}
