// Package secretvalue reads one version of a Secrets Manager secret and parses the RDS credential
// JSON in it. It is shared by the secretsbundle_secret_value data source and ephemeral resource, so
// both give the same answer and the same errors.
package secretvalue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// DefaultStage is the stage read when neither a version id nor a stage is asked for.
const DefaultStage = credentials.StageCurrent

// API is the part of Secrets Manager a read needs.
type API interface {
	GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	DescribeSecret(ctx context.Context, params *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
}

// Request names the secret (name or ARN) and at most one of VersionID and VersionStage.
type Request struct {
	SecretID     string
	VersionID    string
	VersionStage string
}

// Value is one version of a secret. Fields is nil when SecretString is not a JSON object; inside
// it, a key that is absent or of an unusable type is nil, so partial secrets still read.
type Value struct {
	ARN           string
	Name          string
	VersionID     string
	VersionStages []string
	CreatedDate   *time.Time
	// SecretString is nil for secrets stored as SecretBinary.
	SecretString *string
	Fields       *RDSFields
}

// RDSFields are the keys of the JSON that AWS's RDS secret templates and our rotator use.
type RDSFields struct {
	Engine    *string
	Host      *string
	Port      *int64
	DBName    *string
	Username  *string
	Password  *string
	MasterARN *string
	// SSL is the ssl key (DocumentDB's secrets carry it): a boolean, or a string spelling one.
	SSL *bool
}

// Sentinel errors, for callers that react to the kind of failure. The returned errors wrap them
// with the secret's id and what to do.
var (
	ErrSecretNotFound    = errors.New("secret not found")
	ErrVersionNotFound   = errors.New("secret version not found")
	ErrMarkedForDeletion = errors.New("secret is marked for deletion")
	ErrAccessDenied      = errors.New("access denied")
)

// Read fetches the version the request names (AWSCURRENT by default) and parses it.
func Read(ctx context.Context, api API, req Request) (*Value, error) {
	input := &secretsmanager.GetSecretValueInput{SecretId: aws.String(req.SecretID)}
	switch {
	case req.VersionID != "":
		input.VersionId = aws.String(req.VersionID)
	case req.VersionStage != "":
		input.VersionStage = aws.String(req.VersionStage)
	default:
		input.VersionStage = aws.String(DefaultStage)
	}
	out, err := api.GetSecretValue(ctx, input)
	if err != nil {
		return nil, classify(ctx, api, req, err)
	}
	value := &Value{
		ARN:           aws.ToString(out.ARN),
		Name:          aws.ToString(out.Name),
		VersionID:     aws.ToString(out.VersionId),
		VersionStages: out.VersionStages,
		CreatedDate:   out.CreatedDate,
		SecretString:  out.SecretString,
	}
	if out.SecretString != nil {
		value.Fields = ParseRDSFields(*out.SecretString)
	}
	return value, nil
}

// ParseRDSFields reads the RDS keys of a JSON object by the rules of internal/credentials; it
// returns nil for anything else. A key that is absent or of an unusable type is nil. It never
// returns the parser's error, which could quote part of the secret.
func ParseRDSFields(secret string) *RDSFields {
	v, err := credentials.Parse(secret)
	if err != nil {
		return nil
	}
	str := func(key string) *string {
		if s, ok := v.String(key); ok {
			return &s
		}
		return nil
	}
	fields := &RDSFields{
		Engine:    str(credentials.KeyEngine),
		Host:      str(credentials.KeyHost),
		DBName:    str(credentials.KeyDBName),
		Username:  str(credentials.KeyUsername),
		Password:  str(credentials.KeyPassword),
		MasterARN: str(credentials.KeyMasterARN),
	}
	if port, err := v.Port(); err == nil && port != 0 {
		fields.Port = &port
	}
	if ssl, err := v.SSL(); err == nil {
		fields.SSL = ssl
	}
	return fields
}

// classify turns the SDK's error into one that names the secret and says what to do. A
// ResourceNotFound is ambiguous (the secret, or only the version?), so DescribeSecret settles it.
func classify(ctx context.Context, api API, req Request, err error) error {
	var notFound *types.ResourceNotFoundException
	var decryption *types.DecryptionFailure
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &notFound):
		if req.VersionID == "" && req.VersionStage == "" {
			return fmt.Errorf("%w: no secret %q in this account and region; check secret_id, the provider's region and account", ErrSecretNotFound, req.SecretID)
		}
		if _, describeErr := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(req.SecretID)}); describeErr != nil {
			var describeNotFound *types.ResourceNotFoundException
			if errors.As(describeErr, &describeNotFound) {
				return fmt.Errorf("%w: no secret %q in this account and region; check secret_id, the provider's region and account", ErrSecretNotFound, req.SecretID)
			}
		}
		if req.VersionID != "" {
			return fmt.Errorf("%w: secret %q has no version %q; list its versions with `aws secretsmanager list-secret-version-ids --secret-id %s`", ErrVersionNotFound, req.SecretID, req.VersionID, req.SecretID)
		}
		return fmt.Errorf("%w: no version of secret %q carries the stage %q; list its versions and stages with `aws secretsmanager list-secret-version-ids --secret-id %s`", ErrVersionNotFound, req.SecretID, req.VersionStage, req.SecretID)
	case awsclient.IsSecretMarkedForDeletion(err):
		return fmt.Errorf("%w: secret %q is scheduled for deletion and cannot be read; restore it with `aws secretsmanager restore-secret --secret-id %s`, or stop reading it", ErrMarkedForDeletion, req.SecretID, req.SecretID)
	case errors.As(err, &decryption):
		return fmt.Errorf("%w: Secrets Manager cannot decrypt secret %q with its KMS key (%s); the caller needs kms:Decrypt on that key", ErrAccessDenied, req.SecretID, decryption.ErrorCode())
	case errors.As(err, &apiErr) && (apiErr.ErrorCode() == "AccessDeniedException" || apiErr.ErrorCode() == "AccessDenied"):
		return fmt.Errorf("%w: the provider's credentials may not read secret %q (%s); grant secretsmanager:GetSecretValue on it (and kms:Decrypt on its key): %s", ErrAccessDenied, req.SecretID, apiErr.ErrorCode(), apiErr.ErrorMessage())
	default:
		return fmt.Errorf("reading secret %q: %w", req.SecretID, err)
	}
}
