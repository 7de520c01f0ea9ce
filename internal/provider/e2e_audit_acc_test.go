package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
)

// TestAccE2E_accessEventsAndDeletionAlert walks the audit half of the seed after a real first
// rotation: secretsbundle_access_events lists the rotator's own calls and a person's
// GetSecretValue under their different identities; an out-of-band DeleteSecret by an operator
// reaches an SQS queue subscribed to the bundle's topic (proxy → EventBridge rule → SNS → SQS)
// with the secret's ARN and the operator's identity; the secret is restored and the bundle is
// untouched; Terraform's own DeleteSecret when the bundle is destroyed is recorded under the
// provider's identity.
func TestAccE2E_accessEventsAndDeletionAlert(t *testing.T) {
	client := testAWS(t)
	proxy := startProxy(t)
	proxy.RegisterIdentity(alice.accessKeyID, alice.identity)
	proxy.RegisterIdentity(e2eOperator.accessKeyID, e2eOperator.identity)
	db := newE2EDatabase(t, dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres}))
	name := acctest.RandomWithPrefix("tf-acc-e2e-audit") + "/db"
	bundleConfig := db.bundleConfig(proxy.URL(), name, rotationBlock("", ""))
	queueURL, queueARN := newAlertQueue(t, client)
	const events = "data.secretsbundle_access_events.test"

	var secretARN, roleName string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: bundleConfig,
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					secretARN, roleName = a["arn"], afterLast(a["rotation_role_arn"], "/")
					if a["last_rotation_error"] != "" {
						return fmt.Errorf("the first rotation failed: %s", a["last_rotation_error"])
					}
					// The on-call's queue subscribes to the topic the bundle created.
					_, err = client.SNS.Subscribe(context.Background(), &sns.SubscribeInput{
						TopicArn: aws.String(a["alert_topic_arn"]), Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN),
					})
					return err
				},
			},
			{
				// Alice reads the secret twice, as an application would.
				PreConfig: func() {
					mustGetSecretValue(t, alice.client(proxy.URL()), name)
					mustGetSecretValue(t, alice.client(proxy.URL()), name)
				},
				Config: bundleConfig + `
data "secretsbundle_access_events" "test" {
  secret_id   = secretsbundle_rds_secret.test.arn
  event_names = ["GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage", "RotateSecret"]
}
`,
				Check: func(s *terraform.State) error {
					listed, err := accessEvents(s, events)
					if err != nil {
						return err
					}
					byCaller := map[string][]string{}
					for _, e := range listed {
						byCaller[e["principal_arn"]] = append(byCaller[e["principal_arn"]], e["event_name"])
					}
					var rotator string
					for arn := range byCaller {
						if strings.Contains(arn, roleName) {
							rotator = arn
						}
					}
					if rotator == "" {
						return fmt.Errorf("no event of the rotator's role %s among %v", roleName, byCaller)
					}
					// The rotator read the current value, put the pending one and moved AWSCURRENT.
					for _, op := range []string{"GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage"} {
						if !slices.Contains(byCaller[rotator], op) {
							return fmt.Errorf("the rotator (%s) has no %s event: %v", rotator, op, byCaller[rotator])
						}
					}
					if got := byCaller[alice.identity.ARN]; !slices.Equal(got, []string{"GetSecretValue", "GetSecretValue"}) {
						return fmt.Errorf("alice's events are %v, want her two GetSecretValue calls", got)
					}
					// The provider's create rotated the secret as the configured (root) caller.
					root := "arn:aws:iam::000000000000:root"
					if !slices.Contains(byCaller[root], "RotateSecret") {
						return fmt.Errorf("the provider's RotateSecret is not listed under %s: %v", root, byCaller)
					}
					if len(byCaller) != 3 {
						return fmt.Errorf("want three callers (the provider, the rotator, alice), got %v", byCaller)
					}
					return nil
				},
			},
			{
				// An operator deletes the secret out of band; the alert arrives; the secret is
				// restored, and Terraform finds the bundle as it left it.
				PreConfig: func() {
					operator := e2eOperator.client(proxy.URL())
					ctx := context.Background()
					if _, err := operator.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
						t.Fatalf("deleting %s as the operator: %v", name, err)
					}
					if err := proxy.Flush(ctx); err != nil {
						t.Fatalf("delivering the CloudTrail events: %v", err)
					}
					alert, err := waitForDeletionAlert(client, queueURL, secretARN)
					if err != nil {
						t.Fatal(err)
					}
					if alert.Detail.UserIdentity.ARN != e2eOperator.identity.ARN || alert.Detail.UserIdentity.AccessKeyID != e2eOperator.accessKeyID {
						t.Fatalf("the alert names caller %s (key %s), want the operator %s", alert.Detail.UserIdentity.ARN, alert.Detail.UserIdentity.AccessKeyID, e2eOperator.identity.ARN)
					}
					if alert.Detail.RequestParameters.RecoveryWindowInDays != 7 {
						t.Fatalf("the alert's recovery window is %d days, want 7", alert.Detail.RequestParameters.RecoveryWindowInDays)
					}
					if _, err := operator.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String(name)}); err != nil {
						t.Fatalf("restoring %s: %v", name, err)
					}
				},
				Config: bundleConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// The bundle leaves the configuration, so Terraform destroys it: its rule goes
				// first (so this deletion does not alert), and its DeleteSecret is on the record
				// of the deleted secret's ARN after the operator's.
				Config: testAccProviderBlock(proxy.URL()),
				Check: func(s *terraform.State) error {
					deletes := deletesOf(proxy.Calls(), secretARN)
					want := []string{e2eOperator.identity.ARN, "arn:aws:iam::000000000000:root"}
					if !slices.Equal(deletes, want) {
						return fmt.Errorf("DeleteSecret calls on %s were made by %v, want the operator's and then terraform destroy's %v", secretARN, deletes, want)
					}
					return nil
				},
			},
		},
	})
}

// newAlertQueue is an SQS queue for the on-call's alerts, removed after the test.
func newAlertQueue(t *testing.T, client *harness.AWS) (url, arn string) {
	t.Helper()
	ctx := context.Background()
	queue, err := client.SQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(acctest.RandomWithPrefix("tf-acc-e2e-oncall"))})
	if err != nil {
		t.Fatalf("creating the alert queue: %v", err)
	}
	t.Cleanup(func() { _, _ = client.SQS.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: queue.QueueUrl}) })
	attrs, err := client.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatalf("reading the alert queue's ARN: %v", err)
	}
	return aws.ToString(queue.QueueUrl), attrs.Attributes["QueueArn"]
}

// deletionAlert is the part of the alert (an SNS notification of the EventBridge event of the
// CloudTrail record) that a person acts on.
type deletionAlert struct {
	DetailType string   `json:"detail-type"`
	Resources  []string `json:"resources"`
	Detail     struct {
		EventName    string `json:"eventName"`
		UserIdentity struct {
			ARN         string `json:"arn"`
			AccessKeyID string `json:"accessKeyId"`
		} `json:"userIdentity"`
		RequestParameters struct {
			SecretID             string `json:"secretId"`
			RecoveryWindowInDays int64  `json:"recoveryWindowInDays"`
		} `json:"requestParameters"`
		ResponseElements struct {
			ARN string `json:"arn"`
		} `json:"responseElements"`
	} `json:"detail"`
}

// waitForDeletionAlert reads the queue until a DeleteSecret alert names the secret's ARN.
func waitForDeletionAlert(client *harness.AWS, queueURL, secretARN string) (deletionAlert, error) {
	deadline := time.Now().Add(30 * time.Second)
	var seen []string
	for time.Now().Before(deadline) {
		out, err := client.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), WaitTimeSeconds: 2, MaxNumberOfMessages: 10})
		if err != nil {
			return deletionAlert{}, fmt.Errorf("reading the alert queue: %w", err)
		}
		for _, m := range out.Messages {
			seen = append(seen, aws.ToString(m.Body))
			var notification struct {
				Message string `json:"Message"`
			}
			var alert deletionAlert
			if json.Unmarshal([]byte(aws.ToString(m.Body)), &notification) != nil || json.Unmarshal([]byte(notification.Message), &alert) != nil {
				continue
			}
			if alert.Detail.EventName == "DeleteSecret" && alert.DetailType == "AWS API Call via CloudTrail" &&
				(alert.Detail.ResponseElements.ARN == secretARN || slices.Contains(alert.Resources, secretARN)) {
				return alert, nil
			}
		}
	}
	return deletionAlert{}, fmt.Errorf("no DeleteSecret alert naming %s arrived within 30s; the queue received %d messages: %v", secretARN, len(seen), seen)
}

// deletesOf are the callers of the recorded DeleteSecret calls on a secret, oldest first.
func deletesOf(calls []awsproxy.Call, secretARN string) []string {
	var callers []string
	for _, call := range calls {
		if call.Operation != "DeleteSecret" {
			continue
		}
		for _, r := range call.Resources {
			if r.ARN == secretARN {
				callers = append(callers, call.Identity.ARN)
				break
			}
		}
	}
	return callers
}

// accessEvents reads the events list of an access events data source from the flat state.
func accessEvents(s *terraform.State, address string) ([]map[string]string, error) {
	rs, ok := s.RootModule().Resources[address]
	if !ok {
		return nil, fmt.Errorf("%s is not in state", address)
	}
	attrs := rs.Primary.Attributes
	count, err := strconv.Atoi(attrs["events.#"])
	if err != nil {
		return nil, fmt.Errorf("%s has no events list: %v", address, err)
	}
	out := make([]map[string]string, count)
	for i := range out {
		out[i] = map[string]string{}
		prefix := fmt.Sprintf("events.%d.", i)
		for k, v := range attrs {
			if strings.HasPrefix(k, prefix) {
				out[i][strings.TrimPrefix(k, prefix)] = v
			}
		}
	}
	return out, nil
}
