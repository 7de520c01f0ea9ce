package awsclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/kms"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/rds"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/redshift"
)

// Client is what the provider hands to resources, data sources and ephemeral resources through
// ProviderData. Every service is behind a narrow interface so tests can substitute fakes.
type Client struct {
	SecretsManager SecretsManagerAPI
	Lambda         LambdaAPI
	IAM            IAMAPI
	Events         EventsAPI
	SNS            SNSAPI
	CloudTrail     CloudTrailAPI
	STS            STSAPI
	Logs           LogsAPI
	KMS            KMSAPI
	RDS            RDSAPI
	Redshift       RedshiftAPI

	Region    string
	AccountID string
	CallerARN string
	Partition string
	// Endpoints are the provider block's endpoint overrides, kept so that the rotator Lambda can be
	// pointed at the same Secrets Manager endpoint the provider uses.
	Endpoints map[string]string
}

func newClient(cfg aws.Config, c Config) *Client {
	return &Client{
		SecretsManager: secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { setEndpoint(c, "secretsmanager", &o.BaseEndpoint) }),
		Lambda:         lambda.NewFromConfig(cfg, func(o *lambda.Options) { setEndpoint(c, "lambda", &o.BaseEndpoint) }),
		IAM:            iam.NewFromConfig(cfg, func(o *iam.Options) { setEndpoint(c, "iam", &o.BaseEndpoint) }),
		Events:         eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { setEndpoint(c, "events", &o.BaseEndpoint) }),
		SNS:            sns.NewFromConfig(cfg, func(o *sns.Options) { setEndpoint(c, "sns", &o.BaseEndpoint) }),
		CloudTrail:     cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { setEndpoint(c, "cloudtrail", &o.BaseEndpoint) }),
		STS:            sts.NewFromConfig(cfg, func(o *sts.Options) { setEndpoint(c, "sts", &o.BaseEndpoint) }),
		Logs: cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) {
			setEndpoint(c, "logs", &o.BaseEndpoint)
			if c.IgnoreTags != nil {
				o.ResultFilter = func(output any) { filterTags(c.IgnoreTags, output) }
			}
		}),
		RDS:       rds.NewFromConfig(cfg, func(o *rds.Options) { setEndpoint(c, "rds", &o.BaseEndpoint) }),
		Redshift:  redshift.NewFromConfig(cfg, func(o *redshift.Options) { setEndpoint(c, "redshift", &o.BaseEndpoint) }),
		KMS:       kms.NewFromConfig(cfg, func(o *kms.Options) { setEndpoint(c, "kms", &o.BaseEndpoint) }),
		Region:    cfg.Region,
		Partition: partitionOf(cfg.Region),
		Endpoints: c.Endpoints,
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
