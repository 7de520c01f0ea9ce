package secretvalue

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials/credentialstest"
)

type fakeSecretsManager struct {
	getInput    *secretsmanager.GetSecretValueInput
	getOutput   *secretsmanager.GetSecretValueOutput
	getErr      error
	describeErr error
}

func (f *fakeSecretsManager) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.getInput = in
	return f.getOutput, f.getErr
}

func (f *fakeSecretsManager) DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	if f.describeErr != nil {
		return nil, f.describeErr
	}
	return &secretsmanager.DescribeSecretOutput{}, nil
}

const password = "s3cr3t-never-in-errors"

func TestReadDefaultsToAWSCURRENTAndParses(t *testing.T) {
	created := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	fake := &fakeSecretsManager{getOutput: &secretsmanager.GetSecretValueOutput{
		ARN: aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"), Name: aws.String("db"),
		VersionId: aws.String("v1"), VersionStages: []string{"AWSCURRENT"}, CreatedDate: &created,
		SecretString: aws.String(`{"engine":"mysql","host":"h","port":"3306","dbname":"d","username":"u","password":"` + password + `","masterarn":"arn:m","unknown":{"x":1}}`),
	}}
	value, err := Read(context.Background(), fake, Request{SecretID: "db"})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(fake.getInput.VersionStage) != "AWSCURRENT" || fake.getInput.VersionId != nil {
		t.Errorf("asked for stage %v, version %v; want AWSCURRENT by default", fake.getInput.VersionStage, fake.getInput.VersionId)
	}
	f := value.Fields
	if f == nil || *f.Engine != "mysql" || *f.Host != "h" || *f.Port != 3306 || *f.DBName != "d" || *f.Username != "u" || *f.Password != password || *f.MasterARN != "arn:m" {
		t.Fatalf("parsed %+v", f)
	}
	if value.VersionID != "v1" || value.Name != "db" || !value.CreatedDate.Equal(created) {
		t.Errorf("value %+v", value)
	}
}

func TestReadByVersionID(t *testing.T) {
	fake := &fakeSecretsManager{getOutput: &secretsmanager.GetSecretValueOutput{SecretString: aws.String("x")}}
	if _, err := Read(context.Background(), fake, Request{SecretID: "db", VersionID: "v2"}); err != nil {
		t.Fatal(err)
	}
	if aws.ToString(fake.getInput.VersionId) != "v2" || fake.getInput.VersionStage != nil {
		t.Errorf("asked for stage %v, version %v; want version v2 only", fake.getInput.VersionStage, fake.getInput.VersionId)
	}
}

func TestParseRDSFields(t *testing.T) {
	for _, notAnObject := range []string{"plain token", `["a"]`, `"string"`, `null`, ``, `{"password":"` + password} {
		if fields := ParseRDSFields(notAnObject); fields != nil {
			t.Errorf("ParseRDSFields(%q) = %+v, want nil", notAnObject, fields)
		}
	}
	fields := ParseRDSFields(`{"username":"u","port":"not a port","host":42}`)
	if fields == nil || *fields.Username != "u" || fields.Port != nil || fields.Host != nil || fields.Password != nil {
		t.Fatalf("partial secret parsed as %+v: want username only", fields)
	}
}

func TestReadErrors(t *testing.T) {
	notFound := &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	cases := map[string]struct {
		request     Request
		getErr      error
		describeErr error
		want        error
		mention     string
	}{
		"secret not found":        {Request{SecretID: "gone"}, notFound, nil, ErrSecretNotFound, `"gone"`},
		"secret of stage missing": {Request{SecretID: "gone", VersionStage: "AWSPREVIOUS"}, notFound, notFound, ErrSecretNotFound, `"gone"`},
		"stage not found":         {Request{SecretID: "db", VersionStage: "AWSPREVIOUS"}, notFound, nil, ErrVersionNotFound, `stage "AWSPREVIOUS"`},
		"version not found":       {Request{SecretID: "db", VersionID: "v9"}, notFound, nil, ErrVersionNotFound, `version "v9"`},
		"marked for deletion": {Request{SecretID: "db"}, &types.InvalidRequestException{Message: aws.String("You can't perform this operation on the secret because it was marked for deletion.")},
			nil, ErrMarkedForDeletion, "restore-secret"},
		"currently marked deleted": {Request{SecretID: "db"}, &types.InvalidRequestException{Message: aws.String("You tried to perform the operation on a secret that's currently marked deleted.")},
			nil, ErrMarkedForDeletion, "restore-secret"},
		"access denied": {Request{SecretID: "db"}, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User is not authorized"},
			nil, ErrAccessDenied, "secretsmanager:GetSecretValue"},
		"cannot decrypt": {Request{SecretID: "db"}, &types.DecryptionFailure{Message: aws.String("denied by KMS")}, nil, ErrAccessDenied, "kms:Decrypt"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fake := &fakeSecretsManager{getErr: tc.getErr, describeErr: tc.describeErr}
			_, err := Read(context.Background(), fake, tc.request)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error %v, want %v mentioning %s", err, tc.want, tc.mention)
			}
		})
	}
}

// TestParseRDSFieldsContract feeds the contract's table to the data source's reader: it reads the
// port as the rotator and the bundle do, and an unusable port is absent.
func TestParseRDSFieldsContract(t *testing.T) {
	for _, tc := range credentialstest.Cases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			fields := ParseRDSFields(tc.Value)
			if fields == nil {
				t.Fatal("the value was refused as a whole")
			}
			got := int64(0)
			if fields.Port != nil {
				got = *fields.Port
			}
			if got != tc.Port {
				t.Errorf("port = %d, want %d", got, tc.Port)
			}
			if (fields.SSL == nil) != (tc.SSL == nil) || (fields.SSL != nil && *fields.SSL != *tc.SSL) {
				t.Errorf("ssl = %v, want %v", fields.SSL, tc.SSL)
			}
			if fields.Host == nil || *fields.Host != "db" || fields.Password == nil || *fields.Password != "pw" {
				t.Errorf("fields = %+v", fields)
			}
		})
	}
}
