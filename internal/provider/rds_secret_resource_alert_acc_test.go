package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// alertInbox is an existing SNS topic with an SQS queue subscribed, where the test reads alerts.
type alertInbox struct {
	topicARN string
	queueURL string
}

func newAlertInbox(t *testing.T, client *harness.AWS) alertInbox {
	t.Helper()
	ctx := context.Background()
	name := acctest.RandomWithPrefix("tf-acc-inbox")
	topic, err := client.SNS.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	queue, err := client.SQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := client.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SNS.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(attrs.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: topic.TopicArn})
		_, _ = client.SQS.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: queue.QueueUrl})
	})
	return alertInbox{topicARN: aws.ToString(topic.TopicArn), queueURL: aws.ToString(queue.QueueUrl)}
}

// waitForAlert reads the queue until an alert mentions every one of wants.
func (in alertInbox) waitForAlert(client *harness.AWS, wants ...string) error {
	deadline := time.Now().Add(30 * time.Second)
	var seen []string
	for time.Now().Before(deadline) {
		out, err := client.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(in.queueURL), WaitTimeSeconds: 2, MaxNumberOfMessages: 10})
		if err != nil {
			return err
		}
		for _, m := range out.Messages {
			body := aws.ToString(m.Body)
			seen = append(seen, body)
			all := true
			for _, want := range wants {
				all = all && strings.Contains(body, want)
			}
			if all {
				return nil
			}
		}
	}
	return fmt.Errorf("no alert mentioning %v within 30s; received %d messages: %v", wants, len(seen), seen)
}

// cloudTrailEvent is an EventBridge event as CloudTrail delivers it for a Secrets Manager call.
func cloudTrailEvent(eventName string, requestParameters map[string]any) string {
	detail, _ := json.Marshal(map[string]any{
		"eventVersion": "1.08", "eventSource": "secretsmanager.amazonaws.com", "eventName": eventName,
		"awsRegion": harness.Region, "requestParameters": requestParameters, "eventType": "AwsApiCall",
		"userIdentity": map[string]any{"type": "Root", "accountId": harness.AccountID},
	})
	return string(detail)
}

func TestAccRDSSecret_alertEndToEnd(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	inbox := newAlertInbox(t, client)
	name := acctest.RandomWithPrefix("tf-acc-alert") + "/db"
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("rotate_immediately = false", "")+fmt.Sprintf(`
  deletion_alert = {
    sns_topic_arn = %q
    events        = ["DeleteSecret", "PutSecretValue"]
  }
`, inbox.topicARN))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := client.SNS.GetTopicAttributes(context.Background(), &sns.GetTopicAttributesInput{TopicArn: aws.String(inbox.topicARN)}); err != nil {
				return fmt.Errorf("the given topic was deleted with the bundle: %v", err)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(testResource, "alert_topic_arn", inbox.topicARN),
				func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					ctx := context.Background()
					rule, err := client.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(afterLast(a["alert_rule_arn"], "/"))})
					if err != nil {
						return err
					}
					cases := []struct {
						event string
						match bool
					}{
						{cloudTrailEvent("DeleteSecret", map[string]any{"secretId": name}), true},
						{cloudTrailEvent("DeleteSecret", map[string]any{"secretId": a["arn"], "recoveryWindowInDays": 7}), true},
						{cloudTrailEvent("PutSecretValue", map[string]any{"secretId": name}), true},
						{cloudTrailEvent("DeleteSecret", map[string]any{"secretId": name + "-other"}), false},
						{cloudTrailEvent("GetSecretValue", map[string]any{"secretId": name}), false},
					}
					for _, c := range cases {
						event, _ := json.Marshal(map[string]any{
							"id": "1", "source": "aws.secretsmanager", "detail-type": "AWS API Call via CloudTrail", "account": harness.AccountID,
							"region": harness.Region, "time": time.Now().UTC().Format(time.RFC3339), "resources": []string{}, "detail": json.RawMessage(c.event),
						})
						out, err := client.Events.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: rule.EventPattern, Event: aws.String(string(event))})
						if err != nil {
							return fmt.Errorf("TestEventPattern: %w", err)
						}
						if out.Result != c.match {
							return fmt.Errorf("pattern %s matches %s: %v, want %v", aws.ToString(rule.EventPattern), c.event, out.Result, c.match)
						}
					}
					// A CloudTrail-shaped event put on the bus reaches the topic's subscriber.
					put, err := client.Events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
						Source: aws.String("aws.secretsmanager"), DetailType: aws.String("AWS API Call via CloudTrail"),
						Detail: aws.String(cloudTrailEvent("DeleteSecret", map[string]any{"secretId": a["arn"]})),
					}}})
					if err != nil || put.FailedEntryCount > 0 {
						return fmt.Errorf("PutEvents: %v (%d failed)", err, put.FailedEntryCount)
					}
					if err := inbox.waitForAlert(client, "DeleteSecret", a["arn"]); err != nil {
						return err
					}
					// A real call through the proxy, recorded as CloudTrail would, alerts too.
					// It writes the value back unchanged, so the bundle sees no drift.
					proxied := proxiedSecretsManager(t, proxy.URL())
					current, err := proxied.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
					if err != nil {
						return err
					}
					if _, err := proxied.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: current.SecretString}); err != nil {
						return err
					}
					if err := proxy.Flush(ctx); err != nil {
						return err
					}
					return inbox.waitForAlert(client, "PutSecretValue", name)
				},
			),
		}},
	})
}

// proxiedSecretsManager is a Secrets Manager client through the proxy, as a user's CLI would be.
func proxiedSecretsManager(t *testing.T, endpoint string) awsclient.SecretsManagerAPI {
	t.Helper()
	client, err := awsclient.New(context.Background(), awsclient.Config{
		Region: harness.Region, AccessKey: harness.AccessKeyID, SecretKey: harness.SecretAccessKey,
		Endpoints: map[string]string{"secretsmanager": endpoint, "sts": endpoint}, SkipRequestingAccountID: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return client.SecretsManager
}
