package acctest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// AWS is a test's own view of LocalStack: the provider's narrow clients (Client, for bundle.Deps
// and the like) and, shadowing them, the SDK's full clients with the calls only tests make
// (Lambda Invoke, Secrets Manager RestoreSecret, SQS, KMS, …), which the provider's clients do
// not carry.
type AWS struct {
	*awsclient.Client

	SecretsManager *secretsmanager.Client
	Lambda         *lambda.Client
	IAM            *iam.Client
	Events         *eventbridge.Client
	SNS            *sns.Client
	SQS            *sqs.Client
	KMS            *kms.Client
}

// NewAWS returns clients for the harness's credentials and region with every service at endpoint
// (LocalStack, or an AWS proxy in front of it).
func NewAWS(t testing.TB, endpoint string) *AWS {
	t.Helper()
	endpoints := map[string]string{}
	for _, service := range awsclient.Services {
		endpoints[service] = endpoint
	}
	client, err := awsclient.New(context.Background(), awsclient.Config{
		Region: Region, AccessKey: AccessKeyID, SecretKey: SecretAccessKey, Endpoints: endpoints,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseEndpoint = aws.String(endpoint)
	return &AWS{
		Client:         client,
		SecretsManager: secretsmanager.NewFromConfig(cfg),
		Lambda:         lambda.NewFromConfig(cfg),
		IAM:            iam.NewFromConfig(cfg),
		Events:         eventbridge.NewFromConfig(cfg),
		SNS:            sns.NewFromConfig(cfg),
		SQS:            sqs.NewFromConfig(cfg),
		KMS:            kms.NewFromConfig(cfg),
	}
}
