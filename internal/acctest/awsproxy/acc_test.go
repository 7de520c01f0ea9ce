package awsproxy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
)

// startAccProxy starts an in-process proxy on a free loopback port in front of the harness's
// LocalStack.
func startAccProxy(t *testing.T) *awsproxy.Proxy {
	t.Helper()
	upstream := acctest.LocalStackEndpoint(t)
	p, err := awsproxy.Start(t.Context(), awsproxy.Options{Listen: "127.0.0.1:0", Upstream: upstream})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func accConfig(endpoint, accessKeyID string) aws.Config {
	return aws.Config{
		Region:       acctest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, acctest.SecretAccessKey, ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// uniqueName keeps runs and parallel packages apart in the shared LocalStack.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

// TestAccSDKThroughProxy checks that the Go SDK works unchanged through the proxy for every
// service the provider uses, and that each call is recorded without error.
func TestAccSDKThroughProxy(t *testing.T) {
	p := startAccProxy(t)
	cfg := accConfig(p.URL(), acctest.AccessKeyID)
	ctx := t.Context()
	name := uniqueName("awsproxy-sdk")
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s through the proxy: %v", what, err)
		}
	}

	sm := secretsmanager.NewFromConfig(cfg)
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(`{"password":"x"}`)})
	must("CreateSecret", err)
	value, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: created.ARN})
	must("GetSecretValue", err)
	if aws.ToString(value.SecretString) != `{"password":"x"}` {
		t.Errorf("GetSecretValue through the proxy returned another value")
	}
	_, err = sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: created.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	must("DeleteSecret", err)

	iamClient := iam.NewFromConfig(cfg)
	_, err = iamClient.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	must("CreateRole", err)
	_, err = iamClient.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	must("GetRole", err)
	_, err = iamClient.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
	must("DeleteRole", err)

	_, err = lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
	must("ListFunctions", err)

	events := eventbridge.NewFromConfig(cfg)
	_, err = events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(`{"source":["awsproxy.test"]}`)})
	must("PutRule", err)
	_, err = events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(name)})
	must("DeleteRule", err)

	snsClient := sns.NewFromConfig(cfg)
	topic, err := snsClient.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	must("CreateTopic", err)
	_, err = snsClient.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: topic.TopicArn})
	must("DeleteTopic", err)

	sqsClient := sqs.NewFromConfig(cfg)
	queue, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	must("CreateQueue", err)
	_, err = sqsClient.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: queue.QueueUrl, MessageBody: aws.String("hello")})
	must("SendMessage", err)
	_, err = sqsClient.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: queue.QueueUrl})
	must("DeleteQueue", err)

	kmsClient := kms.NewFromConfig(cfg)
	key, err := kmsClient.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(name)})
	must("CreateKey", err)
	_, err = kmsClient.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: key.KeyMetadata.KeyId})
	must("DescribeKey", err)
	_, err = kmsClient.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: key.KeyMetadata.KeyId, PendingWindowInDays: aws.Int32(7)})
	must("ScheduleKeyDeletion", err)

	identity, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must("GetCallerIdentity", err)
	if aws.ToString(identity.Account) != acctest.AccountID {
		t.Errorf("GetCallerIdentity account %s, want %s", aws.ToString(identity.Account), acctest.AccountID)
	}

	logs := cloudwatchlogs.NewFromConfig(cfg)
	_, err = logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/awsproxy/" + name)})
	must("CreateLogGroup", err)
	_, err = logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/awsproxy/" + name)})
	must("DeleteLogGroup", err)

	counts := awsproxy.CallsPerOperation(p.Calls())
	for _, key := range []string{
		"secretsmanager:CreateSecret", "secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret",
		"iam:CreateRole", "iam:GetRole", "iam:DeleteRole", "lambda:ListFunctions", "events:PutRule",
		"events:DeleteRule", "sns:CreateTopic", "sns:DeleteTopic", "sqs:CreateQueue", "sqs:SendMessage",
		"sqs:DeleteQueue", "kms:CreateKey", "kms:DescribeKey", "kms:ScheduleKeyDeletion",
		"sts:GetCallerIdentity", "logs:CreateLogGroup", "logs:DeleteLogGroup",
	} {
		if counts[key] != 1 {
			t.Errorf("%s recorded %d times, want once (record: %v)", key, counts[key], counts)
		}
	}
	for _, call := range p.Calls() {
		if call.Status != 200 || call.ErrorCode != "" {
			t.Errorf("%s: status %d, error %q", call.Key(), call.Status, call.ErrorCode)
		}
	}
}

// awsCLI runs the AWS CLI from the harness's LocalStack virtualenv against endpoint.
func awsCLI(t *testing.T, endpoint string, args ...string) []byte {
	t.Helper()
	cli := filepath.Join(acctest.RepoRoot(), ".harness", "venv", "bin", "aws")
	if _, err := os.Stat(cli); err != nil {
		t.Fatalf("the AWS CLI is not in the harness's virtualenv (%s): run scripts/localstack.sh up: %v", cli, err)
	}
	cmd := exec.CommandContext(t.Context(), cli, append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+acctest.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+acctest.SecretAccessKey,
		"AWS_DEFAULT_REGION="+acctest.Region, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestAccCLILookupEvents reads GetSecretValue calls back with `aws cloudtrail lookup-events`,
// with the access keys and user agents that made them.
func TestAccCLILookupEvents(t *testing.T) {
	p := startAccProxy(t)
	ctx := t.Context()
	name := uniqueName("awsproxy-lookup")
	p.RegisterIdentity("reader-key", awsproxy.Identity{Type: "IAMUser", PrincipalID: "AIDAREADER", ARN: "arn:aws:iam::000000000000:user/reader", UserName: "reader"})

	admin := secretsmanager.NewFromConfig(accConfig(p.URL(), acctest.AccessKeyID))
	created, err := admin.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("value")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: created.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	readerCfg := accConfig(p.URL(), "reader-key")
	readerCfg.AppID = "awsproxy-reader"
	if _, err := secretsmanager.NewFromConfig(readerCfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: created.ARN}); err != nil {
		t.Fatal(err)
	}

	// The CLI works unchanged through the proxy for ordinary calls too.
	awsCLI(t, p.URL(), "secretsmanager", "describe-secret", "--secret-id", name)
	awsCLI(t, p.URL(), "lambda", "list-functions")
	awsCLI(t, p.URL(), "iam", "list-roles")
	awsCLI(t, p.URL(), "sqs", "list-queues")

	out := awsCLI(t, p.URL(), "cloudtrail", "lookup-events", "--lookup-attributes",
		"AttributeKey=ResourceName,AttributeValue="+aws.ToString(created.ARN))
	var result struct {
		Events []struct {
			EventName, AccessKeyId, Username, CloudTrailEvent string
			Resources                                         []struct{ ResourceType, ResourceName string }
		}
	}
	if err := json.Unmarshal(out, &result); err != nil {
		t.Fatalf("lookup-events output %s: %v", out, err)
	}
	type seen struct{ key, user, agent string }
	var gets []seen
	var names []string
	for _, event := range result.Events {
		names = append(names, event.EventName)
		if event.EventName != "GetSecretValue" {
			continue
		}
		var detail struct {
			UserAgent string `json:"userAgent"`
		}
		if err := json.Unmarshal([]byte(event.CloudTrailEvent), &detail); err != nil {
			t.Fatal(err)
		}
		gets = append(gets, seen{event.AccessKeyId, event.Username, detail.UserAgent})
	}
	// Newest first: the admin's read, then the reader's.
	if want := []string{"DescribeSecret", "GetSecretValue", "GetSecretValue", "CreateSecret"}; !slices.Equal(names, want) {
		t.Fatalf("events on the secret %v, want %v", names, want)
	}
	if gets[0].key != acctest.AccessKeyID || gets[0].user != "root" || !strings.Contains(gets[0].agent, "aws-sdk-go-v2") {
		t.Errorf("the admin's GetSecretValue: %+v", gets[0])
	}
	if gets[1].key != "reader-key" || gets[1].user != "reader" || !strings.Contains(gets[1].agent, "app/awsproxy-reader") {
		t.Errorf("the reader's GetSecretValue: %+v", gets[1])
	}
	if result.Events[0].Resources[0].ResourceName != aws.ToString(created.ARN) {
		t.Errorf("resources %+v, want the secret's ARN", result.Events[0].Resources)
	}
}

// TestAccDeleteSecretReachesQueue follows a DeleteSecret through CloudTrail delivery, an
// EventBridge rule and an SNS topic to an SQS queue, as the deletion alert is wired.
func TestAccDeleteSecretReachesQueue(t *testing.T) {
	p := startAccProxy(t)
	cfg := accConfig(p.URL(), acctest.AccessKeyID)
	ctx := t.Context()
	name := uniqueName("awsproxy-alert")
	cleanup := context.Background()

	sqsClient := sqs.NewFromConfig(cfg)
	queue, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = sqsClient.DeleteQueue(cleanup, &sqs.DeleteQueueInput{QueueUrl: queue.QueueUrl}) })
	attributes, err := sqsClient.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	queueARN := attributes.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]

	snsClient := sns.NewFromConfig(cfg)
	topic, err := snsClient.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = snsClient.DeleteTopic(cleanup, &sns.DeleteTopicInput{TopicArn: topic.TopicArn}) })
	if _, err := snsClient.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN)}); err != nil {
		t.Fatal(err)
	}

	events := eventbridge.NewFromConfig(cfg)
	pattern := fmt.Sprintf(`{"source":["aws.secretsmanager"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventSource":["secretsmanager.amazonaws.com"],"eventName":["DeleteSecret"],"requestParameters":{"secretId":[%q]}}}`, name)
	if _, err := events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = events.RemoveTargets(cleanup, &eventbridge.RemoveTargetsInput{Rule: aws.String(name), Ids: []string{"topic"}})
		_, _ = events.DeleteRule(cleanup, &eventbridge.DeleteRuleInput{Name: aws.String(name)})
	})
	if _, err := events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []ebtypes.Target{{Id: aws.String("topic"), Arn: topic.TopicArn}}}); err != nil {
		t.Fatal(err)
	}

	sm := secretsmanager.NewFromConfig(cfg)
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("value")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	flushCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.Flush(flushCtx); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, message := range out.Messages {
			var envelope struct{ Message string }
			if err := json.Unmarshal([]byte(aws.ToString(message.Body)), &envelope); err != nil {
				t.Fatalf("SNS envelope %s: %v", aws.ToString(message.Body), err)
			}
			var event struct {
				Source     string `json:"source"`
				DetailType string `json:"detail-type"`
				Detail     struct {
					EventName         string         `json:"eventName"`
					RequestParameters map[string]any `json:"requestParameters"`
					UserIdentity      struct {
						ARN string `json:"arn"`
					} `json:"userIdentity"`
				} `json:"detail"`
			}
			if err := json.Unmarshal([]byte(envelope.Message), &event); err != nil {
				t.Fatalf("event %s: %v", envelope.Message, err)
			}
			if event.Source != "aws.secretsmanager" || event.DetailType != "AWS API Call via CloudTrail" ||
				event.Detail.EventName != "DeleteSecret" || event.Detail.RequestParameters["secretId"] != name {
				t.Fatalf("the queue got %s, want the DeleteSecret event of %s", envelope.Message, name)
			}
			return
		}
	}
	t.Fatalf("no message reached the queue within 30s after DeleteSecret")
}

// TestAccIAMPropagation makes CreateFunction fail with AWS's "cannot be assumed" error for T
// seconds after CreateRole, then pass.
func TestAccIAMPropagation(t *testing.T) {
	const propagation = 3 * time.Second
	p := startAccProxy(t)
	if _, err := p.AddFault(awsproxy.Rule{Kind: awsproxy.FaultIAMPropagation, Delay: awsproxy.Duration(propagation)}); err != nil {
		t.Fatal(err)
	}
	cfg := accConfig(p.URL(), acctest.AccessKeyID)
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	ctx := t.Context()
	cleanup := context.Background()
	name := uniqueName("awsproxy-iam")

	iamClient := iam.NewFromConfig(cfg)
	role, err := iamClient.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	roleCreated := time.Now()
	t.Cleanup(func() { _, _ = iamClient.DeleteRole(cleanup, &iam.DeleteRoleInput{RoleName: aws.String(name)}) })

	var archive bytes.Buffer
	writer := zip.NewWriter(&archive)
	entry, _ := writer.Create("bootstrap")
	_, _ = entry.Write([]byte("#!/bin/sh\nexit 0\n"))
	_ = writer.Close()
	lambdaClient := lambda.NewFromConfig(cfg)
	refusals := 0
	for {
		_, err := lambdaClient.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(name), Role: role.Role.Arn, Runtime: lambdatypes.RuntimeProvidedal2023,
			Handler: aws.String("bootstrap"), Architectures: []lambdatypes.Architecture{lambdatypes.ArchitectureX8664},
			Code: &lambdatypes.FunctionCode{ZipFile: archive.Bytes()},
		})
		if err == nil {
			break
		}
		var invalid *lambdatypes.InvalidParameterValueException
		if !errors.As(err, &invalid) || invalid.ErrorMessage() != "The role defined for the function cannot be assumed by Lambda." {
			t.Fatalf("CreateFunction: %v, want the role propagation error", err)
		}
		refusals++
		if time.Since(roleCreated) > propagation+10*time.Second {
			t.Fatalf("CreateFunction still refused %s after CreateRole", time.Since(roleCreated))
		}
		time.Sleep(250 * time.Millisecond)
	}
	passedAfter := time.Since(roleCreated)
	t.Cleanup(func() {
		_, _ = lambdaClient.DeleteFunction(cleanup, &lambda.DeleteFunctionInput{FunctionName: aws.String(name)})
	})
	if refusals == 0 || passedAfter < propagation {
		t.Fatalf("CreateFunction passed after %s with %d refusals, want refusals for %s", passedAfter, refusals, propagation)
	}
	t.Logf("CreateFunction refused %d times, passed %s after CreateRole", refusals, passedAfter.Round(time.Millisecond))
}
