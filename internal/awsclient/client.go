package awsclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Client is what the provider hands to resources, data sources and ephemeral resources through
// ProviderData. Every service is behind a narrow interface so tests can substitute fakes.
type Client struct {
	SecretsManager SecretsManagerAPI
	Lambda         LambdaAPI
	IAM            IAMAPI
	Events         EventsAPI
	SNS            SNSAPI
	SQS            SQSAPI
	CloudTrail     CloudTrailAPI
	KMS            KMSAPI
	STS            STSAPI
	Logs           LogsAPI
	RDS            RDSAPI

	Region      string
	AccountID   string
	CallerARN   string
	Partition   string
	DefaultTags map[string]string
	// Endpoints are the provider block's endpoint overrides, kept so that the rotator Lambda can be
	// pointed at the same Secrets Manager endpoint the provider uses.
	Endpoints map[string]string
}

func newClient(cfg aws.Config, c Config) *Client {
	return &Client{
		SecretsManager: secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = endpointFor(c, "secretsmanager") }),
		Lambda:         lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = endpointFor(c, "lambda") }),
		IAM:            iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = endpointFor(c, "iam") }),
		Events:         eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = endpointFor(c, "events") }),
		SNS:            sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = endpointFor(c, "sns") }),
		SQS:            sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = endpointFor(c, "sqs") }),
		CloudTrail:     cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.BaseEndpoint = endpointFor(c, "cloudtrail") }),
		KMS:            kms.NewFromConfig(cfg, func(o *kms.Options) { o.BaseEndpoint = endpointFor(c, "kms") }),
		STS:            sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = endpointFor(c, "sts") }),
		Logs:           cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = endpointFor(c, "logs") }),
		RDS:            rds.NewFromConfig(cfg, func(o *rds.Options) { o.BaseEndpoint = endpointFor(c, "rds") }),
		Region:         cfg.Region,
		Partition:      partitionOf(cfg.Region),
		DefaultTags:    c.DefaultTags,
		Endpoints:      c.Endpoints,
	}
}

func partitionOf(region string) string {
	switch {
	case len(region) >= 3 && region[:3] == "cn-":
		return "aws-cn"
	case len(region) >= 7 && region[:7] == "us-gov-":
		return "aws-us-gov"
	default:
		return "aws"
	}
}
