// Package awsclient turns the provider's configuration into one aws.Config and hands out narrow,
// per-service interfaces over the SDK clients, so that internal/bundle and the provider's types can
// be unit tested with fakes. CloudTrail, CloudWatch Logs and RDS are served by small clients of
// this module (awsclient/cloudtrail, cloudwatchlogs, rds over awsclient/awsrpc) with the SDK's
// names and shapes, which keep the binary and the provider's memory small.
package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go/middleware"
)

// Services are the endpoint keys users may override, named as in terraform-provider-aws's
// endpoints block and as the SDK's AWS_ENDPOINT_URL_<SERVICE> variables.
var Services = []string{"secretsmanager", "lambda", "iam", "events", "sns", "sqs", "cloudtrail", "kms", "sts", "logs", "rds", "redshift"}

// endpointEnvSuffix is each service's part of the SDK's AWS_ENDPOINT_URL_<SERVICE> variable: the
// SDK's service id in upper case with spaces as underscores ("Secrets Manager" → SECRETS_MANAGER),
// which is not always the endpoints block's key.
var endpointEnvSuffix = map[string]string{
	"secretsmanager": "SECRETS_MANAGER",
	"lambda":         "LAMBDA",
	"iam":            "IAM",
	"events":         "EVENTBRIDGE",
	"sns":            "SNS",
	"sqs":            "SQS",
	"cloudtrail":     "CLOUDTRAIL",
	"kms":            "KMS",
	"sts":            "STS",
	"logs":           "CLOUDWATCH_LOGS",
	"rds":            "RDS",
	"redshift":       "REDSHIFT",
}

// EndpointEnvVar is the environment variable the SDK reads a service's endpoint from, for a key of
// the endpoints block (Services).
func EndpointEnvVar(service string) string { return "AWS_ENDPOINT_URL_" + endpointEnvSuffix[service] }

// AssumeRole mirrors the provider's assume_role block.
type AssumeRole struct {
	RoleARN     string
	SessionName string
	ExternalID  string
	Duration    time.Duration
	// Policy is an IAM policy (JSON) that further restricts the assumed role's session.
	Policy string
	// PolicyARNs are managed policies that further restrict the session.
	PolicyARNs []string
	// Tags are session tags; TransitiveTagKeys are those that pass on to chained roles.
	Tags              map[string]string
	TransitiveTagKeys []string
	SourceIdentity    string
}

// Config is everything the provider block can say about reaching AWS. Empty fields fall back to
// the environment and shared files exactly as the AWS CLI does.
type Config struct {
	Region                    string
	Profile                   string
	SharedConfigFiles         []string
	SharedCredentialsFiles    []string
	AccessKey                 string
	SecretKey                 string
	Token                     string
	AssumeRole                *AssumeRole
	Endpoints                 map[string]string
	MaxRetries                int
	SkipCredentialsValidation bool
	SkipRequestingAccountID   bool
	UserAgent                 string

	// AssumeRoleWithWebIdentity, when set, replaces the credential chain (before AssumeRole, which
	// then chains from it).
	AssumeRoleWithWebIdentity *AssumeRoleWithWebIdentity
	// AllowedAccountIDs and ForbiddenAccountIDs refuse credentials of other (or these) accounts.
	AllowedAccountIDs   []string
	ForbiddenAccountIDs []string
	// IgnoreTags are dropped from every tag list read from AWS.
	IgnoreTags *IgnoreTags
	// CustomCABundle is a PEM file of CA certificates for HTTPS (else AWS_CA_BUNDLE).
	CustomCABundle string
	// HTTPProxy, HTTPSProxy and NoProxy override HTTP_PROXY, HTTPS_PROXY and NO_PROXY when not nil.
	HTTPProxy  *string
	HTTPSProxy *string
	NoProxy    *string
	// STSRegion is the region of STS calls (assume role, GetCallerIdentity); default Region.
	STSRegion string
	// RetryMode is standard or adaptive; empty: AWS_RETRY_MODE, else adaptive.
	RetryMode string
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)

// ValidRegion reports whether region has the shape of an AWS region name (us-east-1, us-gov-west-1).
func ValidRegion(region string) bool { return regionPattern.MatchString(region) }

// ValidEndpoint reports why endpoint is not an absolute http(s) URL, or nil.
func ValidEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http:// or https:// URL, such as http://127.0.0.1:4566")
	}
	return nil
}

// SecureEndpoint reports why endpoint may not be a service endpoint of the provider, or nil: the
// requests carry credentials and secret values, so it must be an absolute https:// URL, or an
// http:// URL on a loopback address (LocalStack and test harnesses).
func SecureEndpoint(endpoint string) error {
	if err := ValidEndpoint(endpoint); err != nil {
		return err
	}
	u, _ := url.Parse(endpoint)
	if u.Scheme == "https" || isLoopback(u.Hostname()) {
		return nil
	}
	return errors.New("must be https://: plain http:// is accepted only on a loopback address (127.0.0.1, [::1], localhost, or a name that resolves only to loopback addresses), because the requests carry credentials and secret values")
}

// AssumeRole durations allowed by STS.
const (
	MinAssumeRoleDuration = 15 * time.Minute
	MaxAssumeRoleDuration = 12 * time.Hour
)

// credentialSources is what the SDK's default chain looks at, for the "no credentials" error.
const credentialSources = `the provider's access_key/secret_key, the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE), the shared credentials and config files (~/.aws/credentials, ~/.aws/config, or shared_credentials_files/shared_config_files), SSO and credential_process profiles, the ECS container endpoint and the EC2 instance metadata service`

// ErrNoCredentials is returned by New when no source in the default chain yields credentials.
var ErrNoCredentials = errors.New("no valid AWS credentials found; looked in " + credentialSources)

// LoadAWSConfig builds the one aws.Config every client shares: adaptive retries, region, the
// credential chain, and an optional assumed role.
func LoadAWSConfig(ctx context.Context, c Config) (aws.Config, error) {
	maxAttempts := c.MaxRetries + 1
	if c.MaxRetries <= 0 {
		maxAttempts = retry.DefaultMaxAttempts + 22 // terraform-provider-aws's default of 25
	}
	mode, err := retryMode(c)
	if err != nil {
		return aws.Config{}, err
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			if mode == RetryModeStandard {
				return retry.NewStandard(func(so *retry.StandardOptions) { so.MaxAttempts = maxAttempts })
			}
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
					so.MaxAttempts = maxAttempts
				})
			})
		}),
	}
	httpOption, err := httpClientOption(c)
	if err != nil {
		return aws.Config{}, err
	}
	if httpOption != nil {
		opts = append(opts, httpOption)
	}
	caOption, err := caBundleOption(c)
	if err != nil {
		return aws.Config{}, err
	}
	if caOption != nil {
		opts = append(opts, caOption)
	}
	if c.IgnoreTags != nil && (len(c.IgnoreTags.Keys) > 0 || len(c.IgnoreTags.KeyPrefixes) > 0) {
		opts = append(opts, config.WithAPIOptions([]func(*middleware.Stack) error{ignoreTagsMiddleware(c.IgnoreTags)}))
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if len(c.SharedConfigFiles) > 0 {
		opts = append(opts, config.WithSharedConfigFiles(c.SharedConfigFiles))
	}
	if len(c.SharedCredentialsFiles) > 0 {
		opts = append(opts, config.WithSharedCredentialsFiles(c.SharedCredentialsFiles))
	}
	if c.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, c.Token)))
	}
	if c.UserAgent != "" {
		opts = append(opts, config.WithAppID(c.UserAgent))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region: set region in the provider block, or AWS_REGION, or region in the profile's config")
	}
	if c.AssumeRoleWithWebIdentity != nil {
		creds, err := webIdentityCredentials(cfg, c)
		if err != nil {
			return aws.Config{}, err
		}
		cfg.Credentials = creds
	}
	if c.AssumeRole != nil {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient(cfg, c), c.AssumeRole.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			if c.AssumeRole.SessionName != "" {
				o.RoleSessionName = c.AssumeRole.SessionName
			}
			if c.AssumeRole.ExternalID != "" {
				o.ExternalID = aws.String(c.AssumeRole.ExternalID)
			}
			if c.AssumeRole.Duration > 0 {
				o.Duration = c.AssumeRole.Duration
			}
			if c.AssumeRole.Policy != "" {
				o.Policy = aws.String(c.AssumeRole.Policy)
			}
			o.PolicyARNs = policyARNs(c.AssumeRole.PolicyARNs)
			for key, value := range c.AssumeRole.Tags {
				o.Tags = append(o.Tags, ststypes.Tag{Key: aws.String(key), Value: aws.String(value)})
			}
			o.TransitiveTagKeys = c.AssumeRole.TransitiveTagKeys
			if c.AssumeRole.SourceIdentity != "" {
				o.SourceIdentity = aws.String(c.AssumeRole.SourceIdentity)
			}
		}))
	}
	return cfg, nil
}

// endpointFor returns the provider block's endpoint for service, or nil so that the SDK applies
// AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL and the profile's endpoint settings itself.
func endpointFor(c Config, service string) *string {
	if e, ok := c.Endpoints[service]; ok && e != "" {
		return aws.String(e)
	}
	return nil
}

// setEndpoint overrides a client's endpoint only when the provider block names one; leaving it
// alone keeps what the SDK resolved from AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL and the profile.
func setEndpoint(c Config, service string, dst **string) {
	if e := endpointFor(c, service); e != nil {
		*dst = e
	}
}

// New loads the configuration, checks the credentials, resolves the account id and builds the clients.
func New(ctx context.Context, c Config) (*Client, error) {
	cfg, err := LoadAWSConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	client := newClient(cfg, c)
	if c.STSRegion != "" {
		client.STS = stsClient(cfg, c)
	}
	if !c.SkipCredentialsValidation {
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoCredentials, err)
		}
	}
	if !c.SkipRequestingAccountID {
		identity, err := client.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, fmt.Errorf("resolving the AWS account id with sts:GetCallerIdentity: %w (set skip_requesting_account_id = true where STS is not reachable)", err)
		}
		client.AccountID = aws.ToString(identity.Account)
		client.CallerARN = aws.ToString(identity.Arn)
		// The partition is the caller's, not a guess from the region's name.
		if partition := PartitionOfARN(client.CallerARN); partition != "" {
			client.Partition = partition
		}
		if err := checkAccount(c, client.AccountID); err != nil {
			return nil, err
		}
	}
	return client, nil
}
