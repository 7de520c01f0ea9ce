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
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// alertMatrixShape is one way a CloudTrail record can name a secret.
type alertMatrixShape struct {
	name  string
	event string
	// detail builds the record's identifying fields from the secret's name, ARN and partial ARN.
	detail func(name, arn, partial string) map[string]any
}

var alertMatrixShapes = []alertMatrixShape{
	{"requestParameters.secretId=name", "DeleteSecret", func(n, _, _ string) map[string]any {
		return map[string]any{"requestParameters": map[string]any{"secretId": n, "recoveryWindowInDays": 7}}
	}},
	{"requestParameters.secretId=ARN", "DeleteSecret", func(_, a, _ string) map[string]any {
		return map[string]any{"requestParameters": map[string]any{"secretId": a, "forceDeleteWithoutRecovery": true}}
	}},
	{"requestParameters.secretId=partial ARN", "DeleteSecret", func(_, _, p string) map[string]any {
		return map[string]any{"requestParameters": map[string]any{"secretId": p}}
	}},
	{"responseElements.arn (since 2024)", "RotateSecret", func(n, a, _ string) map[string]any {
		return map[string]any{"requestParameters": map[string]any{"secretId": "a-role-alias-not-the-name"}, "responseElements": map[string]any{"arn": a, "name": n}}
	}},
	{"responseElements.aRN (before 2024)", "RotateSecret", func(n, a, _ string) map[string]any {
		return map[string]any{"requestParameters": map[string]any{"secretId": "a-role-alias-not-the-name"}, "responseElements": map[string]any{"aRN": a, "name": n}}
	}},
	{"resources[].ARN", "DeleteSecret", func(_, a, _ string) map[string]any {
		return map[string]any{"requestParameters": nil, "resources": []map[string]any{{"ARN": a, "accountId": harness.AccountID, "type": "AWS::SecretsManager::Secret"}}}
	}},
	{"requestParameters.secretIdList=[name]", "BatchGetSecretValue", func(n, _, _ string) map[string]any {
		return map[string]any{"requestParameters": map[string]any{"secretIdList": []string{"other", n}}}
	}},
	{"requestParameters.secretIdList=[ARN]", "BatchGetSecretValue", func(_, a, _ string) map[string]any {
		return map[string]any{"requestParameters": map[string]any{"secretIdList": []string{a}}}
	}},
	{"failed DeleteSecret (errorCode, responseElements null)", "DeleteSecret", func(n, _, _ string) map[string]any {
		return map[string]any{"requestParameters": map[string]any{"secretId": n}, "responseElements": nil,
			"errorCode": "AccessDenied", "errorMessage": "User is not authorized to perform: secretsmanager:DeleteSecret"}
	}},
}

// TestAccAlertMatrix runs every shape in which CloudTrail names a secret, for the bundle's secret
// and for its neighbours (app/db2, app/db-2 next to app/db), through LocalStack's EventBridge
// with the bundle's rule pattern to an SNS topic and its SQS subscriber: this secret alerts under
// every shape, a neighbour under none.
func TestAccAlertMatrix(t *testing.T) {
	harness.PreCheck(t)
	client := testAWS(t)
	ctx := context.Background()
	inbox := newAlertInbox(t, client)
	base := acctest.RandomWithPrefix("tf-acc-matrix") + "/app/db"
	secrets := []struct{ role, name string }{{"this", base}, {"neighbour", base + "2"}, {"neighbour", base + "-2"}}
	arns := map[string]string{}
	for _, s := range secrets {
		out, err := client.SecretsManager.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(s.name), SecretString: aws.String("{}")})
		if err != nil {
			t.Fatal(err)
		}
		arns[s.name] = aws.ToString(out.ARN)
		t.Cleanup(func() {
			_, _ = client.SecretsManager.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: out.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
		})
	}
	events := []string{"DeleteSecret", "RotateSecret", "BatchGetSecretValue"}
	rule := acctest.RandomWithPrefix("tf-acc-matrix")
	if _, err := client.Events.PutRule(ctx, &eventbridge.PutRuleInput{
		Name: aws.String(rule), EventPattern: aws.String(bundle.EventPattern(base, arns[base], events)), State: ebtypes.RuleState(bundle.RuleState(events)),
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(rule), Ids: []string{"inbox"}})
		_, _ = client.Events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(rule)})
	})
	if _, err := client.Events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule), Targets: []ebtypes.Target{{Id: aws.String("inbox"), Arn: aws.String(inbox.topicARN)}}}); err != nil {
		t.Fatal(err)
	}

	type row struct{ shape, secret, role, eventID string }
	var rows []row
	for _, shape := range alertMatrixShapes {
		for _, s := range secrets {
			arn := arns[s.name]
			id := acctest.RandomWithPrefix("matrix-event")
			detail := map[string]any{
				"eventVersion": "1.08", "eventSource": "secretsmanager.amazonaws.com", "eventName": shape.event,
				"awsRegion": harness.Region, "eventType": "AwsApiCall", "eventID": id, "managementEvent": true,
				"userIdentity": map[string]any{"type": "Root", "accountId": harness.AccountID},
			}
			for k, v := range shape.detail(s.name, arn, arn[:len(arn)-7]) {
				detail[k] = v
			}
			encoded, _ := json.Marshal(detail)
			put, err := client.Events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
				Source: aws.String("aws.secretsmanager"), DetailType: aws.String("AWS API Call via CloudTrail"), Detail: aws.String(string(encoded)),
			}}})
			if err != nil || put.FailedEntryCount > 0 {
				t.Fatalf("PutEvents: %v (%v)", err, put)
			}
			rows = append(rows, row{shape.name, strings.TrimPrefix(s.name, base[:len(base)-len("app/db")]), s.role, id})
		}
	}

	// Collect what reached the topic's subscriber until every expected alert came and a few
	// quiet seconds passed for unexpected ones.
	arrived := map[string]bool{}
	want := 0
	for _, r := range rows {
		if r.role == "this" {
			want++
		}
	}
	deadline, quietUntil := time.Now().Add(45*time.Second), time.Time{}
	for time.Now().Before(deadline) && (quietUntil.IsZero() || time.Now().Before(quietUntil)) {
		out, err := client.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(inbox.queueURL), WaitTimeSeconds: 1, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			for _, r := range rows {
				if strings.Contains(aws.ToString(m.Body), r.eventID) {
					arrived[r.eventID] = true
				}
			}
		}
		if quietUntil.IsZero() && len(arrived) >= want {
			quietUntil = time.Now().Add(5 * time.Second)
		}
	}

	var table []string
	for _, r := range rows {
		verdict := "not alerted"
		if arrived[r.eventID] {
			verdict = "ALERTED"
		}
		table = append(table, fmt.Sprintf("| %-55s | %-10s | %-9s | %-11s |", r.shape, r.secret, r.role, verdict))
		if arrived[r.eventID] != (r.role == "this") {
			t.Errorf("%s for %s (%s): alerted=%v, want %v", r.shape, r.secret, r.role, arrived[r.eventID], r.role == "this")
		}
	}
	t.Logf("alert matrix (rule for %s):\n| %-55s | %-10s | %-9s | %-11s |\n%s", strings.TrimPrefix(base, base[:len(base)-len("app/db")]),
		"event shape × identifier form", "secret", "this?", "result", strings.Join(table, "\n"))
}
