package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
)

// watchAlert is the part of an alert (an SNS notification of an EventBridge event) that the
// watch tests look at.
type watchAlert struct {
	DetailType string `json:"detail-type"`
	Detail     struct {
		EventName           string `json:"eventName"`
		EventType           string `json:"eventType"`
		AdditionalEventData struct {
			SecretID string `json:"SecretId"`
		} `json:"additionalEventData"`
		UserIdentity struct {
			ARN string `json:"arn"`
		} `json:"userIdentity"`
	} `json:"detail"`
}

// drainAlerts reads the queue for the given time and returns every alert in it.
func drainAlerts(t *testing.T, client *harness.AWS, queueURL string, d time.Duration) []watchAlert {
	t.Helper()
	var alerts []watchAlert
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		out, err := client.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), WaitTimeSeconds: 2, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatalf("reading the alert queue: %v", err)
		}
		for _, m := range out.Messages {
			var notification struct {
				Message string `json:"Message"`
			}
			var alert watchAlert
			if json.Unmarshal([]byte(aws.ToString(m.Body)), &notification) == nil && json.Unmarshal([]byte(notification.Message), &alert) == nil {
				alerts = append(alerts, alert)
			}
			_, _ = client.SQS.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle})
		}
	}
	return alerts
}

// TestAccRDSSecret_rotationAlert: a bundle of a real PostgreSQL user given a wrong password. Its
// first rotation fails at setSecret against the server; Secrets Manager (the harness) records
// RotationStarted and RotationFailed, and the rotation alert's rule sends RotationFailed, once, to
// the deletion alert's subscriber (an SQS queue). RotationStarted does not alert.
func TestAccRDSSecret_rotationAlert(t *testing.T) {
	client := testAWS(t)
	proxy := startProxy(t)
	db := newE2EDatabase(t, dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres}))
	db.password = "Wrong-" + acctest.RandString(12)
	queueURL, queueARN := newAlertQueue(t, client)
	name := acctest.RandomWithPrefix("tf-acc-rotation-alert")
	extra := rotationBlock("", "") + fmt.Sprintf(`
  deletion_alert = {
    subscriptions = [{ protocol = "sqs", endpoint = %q }]
  }
`, queueARN)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: db.bundleConfig(proxy.URL(), name, extra),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestMatchResourceAttr(testResource, "rotation_alert_rule_arn", regexpMust(`^arn:aws:events:.*:rule/secretsbundle-rotation-`)),
				resource.TestCheckResourceAttr(testResource, "rotation_alert.events.#", "2"),
				resource.TestMatchResourceAttr(testResource, "last_rotation_error", regexpMust(`setSecret step failed`)),
				func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					var failed []watchAlert
					for _, alert := range drainAlerts(t, client, queueURL, 25*time.Second) {
						if alert.Detail.AdditionalEventData.SecretID == a["arn"] {
							if alert.Detail.EventName != "RotationFailed" || alert.DetailType != "AWS Service Event via CloudTrail" || alert.Detail.EventType != "AwsServiceEvent" {
								return fmt.Errorf("unexpected rotation alert %+v", alert)
							}
							failed = append(failed, alert)
						}
					}
					if len(failed) != 1 {
						return fmt.Errorf("%d RotationFailed alerts for %s, want exactly one", len(failed), a["arn"])
					}
					return nil
				},
			),
		}},
	})
}

// TestAccRDSSecret_readerAlert: a bundle with readers = [alice]. alice reads the secret, then bob
// (a session of a role outside readers); Terraform's own reads (refresh) and the rotator's happen
// too. The unexpected reader alert's rule (state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS)
// sends bob's read, and only his, to the queue.
func TestAccRDSSecret_readerAlert(t *testing.T) {
	client := testAWS(t)
	proxy := startProxy(t)
	for _, caller := range []testCaller{alice, bob} {
		proxy.RegisterIdentity(caller.accessKeyID, caller.identity)
	}
	db := newTestDatabase(t)
	queueURL, queueARN := newAlertQueue(t, client)
	name := acctest.RandomWithPrefix("tf-acc-reader-alert")
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("rotate_immediately = false", "")+fmt.Sprintf(`
  readers = [%q]
  deletion_alert = {
    subscriptions = [{ protocol = "sqs", endpoint = %q }]
  }
`, alice.identity.ARN, queueARN))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr(testResource, "reader_alert_rule_arn", regexpMust(`^arn:aws:events:.*:rule/secretsbundle-reader-`)),
					func(s *terraform.State) error {
						a, err := attributes(s)
						if err != nil {
							return err
						}
						rule, err := client.Events.DescribeRule(context.Background(), &eventbridge.DescribeRuleInput{Name: aws.String(afterLast(a["reader_alert_rule_arn"], "/"))})
						if err != nil {
							return err
						}
						if rule.State != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" {
							return fmt.Errorf("reader alert rule state %s, want the state that receives read-only events", rule.State)
						}
						mustGetSecretValue(t, alice.client(proxy.URL()), a["arn"])
						mustGetSecretValue(t, bob.client(proxy.URL()), name)
						// The identity Terraform runs as (the harness's admin key): expected.
						if _, err := testAccSecretsManager(t, proxy.URL()).GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(a["arn"])}); err != nil {
							return err
						}
						if err := proxy.Flush(context.Background()); err != nil {
							return err
						}
						var readers []string
						for _, alert := range drainAlerts(t, client, queueURL, 20*time.Second) {
							if alert.Detail.EventName == "GetSecretValue" {
								readers = append(readers, alert.Detail.UserIdentity.ARN)
							}
						}
						if !slices.Equal(readers, []string{bob.identity.ARN}) {
							return fmt.Errorf("reads alerted by %q, want bob's only (%s)", readers, bob.identity.ARN)
						}
						return nil
					},
				),
			},
		},
	})
}
