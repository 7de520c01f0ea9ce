package integration

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
)

func awsConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       acctest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(acctest.AccessKeyID, acctest.SecretAccessKey, ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

func secretsManagerClient(endpoint string) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(awsConfig(endpoint))
}

var (
	placeholderOnce sync.Once
	placeholderARN  string
	placeholderErr  error
)

// placeholderFunction is a Lambda function that exists but cannot succeed. RotateSecret needs a
// function to enable rotation and to create the AWSPENDING version (with no value, as on AWS)
// for the token; its invocations fail and LocalStack leaves the rotation pending, so the test can
// play Secrets Manager and invoke the four steps on the rotator under the emulator itself.
func placeholderFunction(t testing.TB, endpoint string) string {
	t.Helper()
	placeholderOnce.Do(func() {
		var archive bytes.Buffer
		writer := zip.NewWriter(&archive)
		entry, _ := writer.Create("handler.py")
		_, _ = entry.Write([]byte("def handler(event, context):\n    raise RuntimeError('placeholder: the test invokes the rotator itself')\n"))
		_ = writer.Close()
		client := lambda.NewFromConfig(awsConfig(endpoint))
		ctx := context.Background()
		name := "secretsbundle-rotator-test-placeholder"
		// Lambda assumes the function's role, as on AWS (the harness checks the trust policy): the
		// role must exist and trust lambda.amazonaws.com.
		role := "secretsbundle-rotator-test"
		_, roleErr := iam.NewFromConfig(awsConfig(endpoint)).CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String(role),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		})
		var roleExists *iamtypes.EntityAlreadyExistsException
		if roleErr != nil && !errors.As(roleErr, &roleExists) {
			placeholderErr = roleErr
			return
		}
		out, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(name),
			Runtime:      lambdatypes.RuntimePython312,
			Handler:      aws.String("handler.handler"),
			Role:         aws.String("arn:aws:iam::" + acctest.AccountID + ":role/" + role),
			Code:         &lambdatypes.FunctionCode{ZipFile: archive.Bytes()},
		})
		var exists *lambdatypes.ResourceConflictException
		switch {
		case err == nil:
			placeholderARN = aws.ToString(out.FunctionArn)
		case errors.As(err, &exists):
			got, getErr := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
			if getErr != nil {
				placeholderErr = getErr
				return
			}
			placeholderARN = aws.ToString(got.Configuration.FunctionArn)
		default:
			placeholderErr = err
		}
	})
	if placeholderErr != nil {
		t.Fatalf("creating the placeholder rotation function in LocalStack: %v", placeholderErr)
	}
	return placeholderARN
}

// secretFixture is one secret in LocalStack and the database user it holds.
type secretFixture struct {
	t        testing.TB
	db       database
	sm       *secretsmanager.Client
	endpoint string
	arn      string
	fn       *function
}

func createSecret(t testing.TB, db database, endpoint string, value map[string]any) *secretFixture {
	t.Helper()
	sm := secretsManagerClient(endpoint)
	encoded, _ := json.Marshal(value)
	name := "rotator-test/" + db.engine() + "/" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + randomSuffix()
	ctx := context.Background()
	out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:               aws.String(name),
		SecretString:       aws.String(string(encoded)),
		ClientRequestToken: aws.String(newToken()),
	})
	var exists *smtypes.ResourceExistsException
	if errors.As(err, &exists) {
		// The SDK retried a create that had succeeded (LocalStack answered slowly): the name is
		// unique to this call, so the secret is ours.
		described, describeErr := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
		if describeErr != nil {
			t.Fatalf("creating the secret in LocalStack: %v; then describing it: %v", err, describeErr)
		}
		return &secretFixture{t: t, db: db, sm: sm, endpoint: endpoint, arn: aws.ToString(described.ARN)}
	}
	if err != nil {
		t.Fatalf("creating the secret in LocalStack: %v", err)
	}
	return &secretFixture{t: t, db: db, sm: sm, endpoint: endpoint, arn: aws.ToString(out.ARN)}
}

func newToken() string {
	return "tok-" + randomSuffix() + randomSuffix() + randomSuffix() + randomSuffix()
}

// startRotation does what RotateSecret does on AWS before the first step: rotation enabled and an
// AWSPENDING version, without a value, for the token.
func (s *secretFixture) startRotation(token string) error {
	s.t.Helper()
	_, err := s.sm.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{
		SecretId:           aws.String(s.arn),
		ClientRequestToken: aws.String(token),
		RotationLambdaARN:  aws.String(placeholderFunction(s.t, s.endpoint)),
		RotationRules:      &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
		RotateImmediately:  aws.Bool(true),
	})
	return err
}

var steps = []string{"createSecret", "setSecret", "testSecret", "finishSecret"}

// rotate plays Secrets Manager for one rotation: starts it, then invokes the four steps in order,
// stopping at the first failure as Secrets Manager does.
func (s *secretFixture) rotate() (string, []invocationResult, error) {
	s.t.Helper()
	token := newToken()
	if err := s.startRotation(token); err != nil {
		s.t.Fatalf("starting the rotation: %v", err)
	}
	var results []invocationResult
	for _, step := range steps {
		result := s.step(step, token)
		results = append(results, result)
		if result.Err != nil {
			return token, results, result.Err
		}
	}
	return token, results, nil
}

func (s *secretFixture) mustRotate() (string, []invocationResult) {
	s.t.Helper()
	token, results, err := s.rotate()
	if err != nil {
		s.t.Fatalf("rotation %s failed: %v", token, err)
	}
	return token, results
}

func (s *secretFixture) step(step, token string) invocationResult {
	return s.fn.invoke(eventFor(step, s.arn, token))
}

func (s *secretFixture) value(stage string) map[string]any {
	s.t.Helper()
	out, err := s.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.arn), VersionStage: aws.String(stage)})
	if err != nil {
		s.t.Fatalf("reading %s of %s: %v", stage, s.arn, err)
	}
	var value map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &value); err != nil {
		s.t.Fatal(err)
	}
	return value
}

func (s *secretFixture) stages() map[string][]string {
	s.t.Helper()
	out, err := s.sm.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(s.arn)})
	if err != nil {
		s.t.Fatal(err)
	}
	return out.VersionIdsToStages
}

func (s *secretFixture) versionWith(stage string) string {
	for id, stages := range s.stages() {
		for _, got := range stages {
			if got == stage {
				return id
			}
		}
	}
	return ""
}

// assertCurrentLogsIn is the invariant checked after every scenario.
func (s *secretFixture) assertCurrentLogsIn() {
	s.t.Helper()
	current := s.value("AWSCURRENT")
	username, _ := current["username"].(string)
	password, _ := current["password"].(string)
	if err := s.db.login(username, password); err != nil {
		s.t.Fatalf("invariant broken: AWSCURRENT of %s (user %q) does not log in: %v", s.arn, username, err)
	}
}

// putValue writes a version directly, as a person or another tool would.
func (s *secretFixture) putValue(token string, value map[string]any, stages ...string) {
	s.t.Helper()
	encoded, _ := json.Marshal(value)
	_, err := s.sm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(s.arn), ClientRequestToken: aws.String(token), SecretString: aws.String(string(encoded)), VersionStages: stages,
	})
	if err != nil {
		s.t.Fatalf("PutSecretValue on %s: %v", s.arn, err)
	}
}
