package integration

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// testRoleName is the execution role of the test functions. The harness enforces IAM
// (scripts/localstack_ext, iam_enforcement.py), so the role exists and may do what the rotator
// does, on the tests' secrets (named rotator-test/...) only.
const testRoleName = "secretsbundle-rotator-test"

const testRolePolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
      "Resource": "arn:aws:secretsmanager:*:*:secret:rotator-test/*"
    },
    {"Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}
  ]
}`

var testRoleOnce sync.Once

// ensureTestRole creates the test functions' execution role once per run (or finds it).
func ensureTestRole(t *testing.T, endpoint string) {
	t.Helper()
	var err error
	testRoleOnce.Do(func() {
		client := iam.NewFromConfig(awsConfig(endpoint))
		ctx := context.Background()
		_, err = client.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String(testRoleName),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		})
		var exists *iamtypes.EntityAlreadyExistsException
		if errors.As(err, &exists) {
			err = nil
		}
		if err == nil {
			_, err = client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
				RoleName: aws.String(testRoleName), PolicyName: aws.String("rotator-test"), PolicyDocument: aws.String(testRolePolicy),
			})
		}
	})
	if err != nil {
		t.Fatalf("creating the test functions' role %s: %v", testRoleName, err)
	}
}
