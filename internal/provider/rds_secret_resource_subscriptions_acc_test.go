package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
)

// TestAccRDSSecret_alertSubscriptions subscribes an SQS queue to the created topic through
// deletion_alert.subscriptions, beside an e-mail address that stays pending (LocalStack's SNS never
// confirms one), and checks alert_subscriptions. The queue's subscription is then removed outside
// Terraform: the next plan shows it as an update, the apply subscribes the queue again, and a
// DeleteSecret through the proxy (CloudTrail → EventBridge rule → topic) reaches the queue.
func TestAccRDSSecret_alertSubscriptions(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	queueURL, queueARN := newAlertQueue(t, client)
	name := acctest.RandomWithPrefix("tf-acc-subs") + "/db"
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("rotate_immediately = false", "")+fmt.Sprintf(`
  deletion_alert = {
    email_addresses = ["oncall@example.com"]
    subscriptions   = [{ protocol = "sqs", endpoint = %q }]
  }
`, queueARN))
	queueSubscription := func(topicARN string) (string, error) {
		out, err := client.SNS.ListSubscriptionsByTopic(context.Background(), &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicARN)})
		if err != nil {
			return "", err
		}
		for _, sub := range out.Subscriptions {
			if aws.ToString(sub.Protocol) == "sqs" && aws.ToString(sub.Endpoint) == queueARN {
				return aws.ToString(sub.SubscriptionArn), nil
			}
		}
		return "", nil
	}
	var topicARN, secretARN string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "deletion_alert.subscriptions.#", "1"),
					resource.TestCheckResourceAttr(testResource, "alert_subscriptions.#", "2"),
					resource.TestCheckResourceAttr(testResource, "alert_subscriptions.0.protocol", "email"),
					resource.TestCheckResourceAttr(testResource, "alert_subscriptions.0.endpoint", "oncall@example.com"),
					resource.TestCheckResourceAttr(testResource, "alert_subscriptions.0.pending_confirmation", "true"),
					resource.TestCheckResourceAttr(testResource, "alert_subscriptions.1.protocol", "sqs"),
					resource.TestCheckResourceAttr(testResource, "alert_subscriptions.1.endpoint", queueARN),
					resource.TestCheckResourceAttr(testResource, "alert_subscriptions.1.pending_confirmation", "false"),
					resource.TestMatchResourceAttr(testResource, "alert_subscriptions.1.arn", regexpMust(`^arn:aws:sns:`)),
					func(s *terraform.State) error {
						a, err := attributes(s)
						if err != nil {
							return err
						}
						topicARN, secretARN = a["alert_topic_arn"], a["arn"]
						if arn, err := queueSubscription(topicARN); err != nil || arn == "" {
							return fmt.Errorf("the queue is not subscribed to topic %s (%v)", topicARN, err)
						}
						return nil
					},
				),
			},
			{
				// The queue's subscription is removed outside Terraform: drift, repaired by apply.
				PreConfig: func() {
					arn, err := queueSubscription(topicARN)
					if err != nil || arn == "" {
						t.Fatalf("finding the queue's subscription: %q, %v", arn, err)
					}
					if _, err := client.SNS.Unsubscribe(context.Background(), &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "deletion_alert.subscriptions.#", "1"),
					resource.TestCheckResourceAttr(testResource, "alert_subscriptions.1.protocol", "sqs"),
					func(*terraform.State) error {
						if arn, err := queueSubscription(topicARN); err != nil || arn == "" {
							return fmt.Errorf("apply did not subscribe the queue again (%v)", err)
						}
						return nil
					},
				),
			},
			{
				// Someone deletes the secret outside Terraform: the queue receives the alert. The
				// secret is restored, and the bundle is as Terraform left it.
				PreConfig: func() {
					ctx := context.Background()
					operator := secretsmanager.New(secretsmanager.Options{
						Region: harness.Region, BaseEndpoint: aws.String(proxy.URL()),
						Credentials: credentials.NewStaticCredentialsProvider(harness.AccessKeyID, harness.SecretAccessKey, ""),
					})
					if _, err := operator.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(secretARN), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
						t.Fatalf("deleting %s: %v", name, err)
					}
					if err := proxy.Flush(ctx); err != nil {
						t.Fatalf("delivering the CloudTrail events: %v", err)
					}
					if _, err := waitForDeletionAlert(client, queueURL, secretARN); err != nil {
						t.Fatal(err)
					}
					if _, err := client.SecretsManager.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String(secretARN)}); err != nil {
						t.Fatalf("restoring %s: %v", name, err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
