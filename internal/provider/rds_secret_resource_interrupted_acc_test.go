package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// TestAccRDSSecret_interruptedApply leaves what an apply cut short by a second Ctrl-C leaves (the
// bundle's first stage made, tagged, and no state: secret, role with its policy, log group), then
// applies the configuration: the error names the existing parts and gives the import block, and
// nothing is deleted. The import block then takes the bundle over and the apply converges (an
// empty plan after it).
func TestAccRDSSecret_interruptedApply(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-cut")
	extra := rotationBlock("", "") + `
  deletion_alert = {
    email_addresses = ["oncall@example.com"]
  }
`
	config := rdsSecretConfig(proxy.URL(), name, db, extra)
	ctx := context.Background()
	// The interrupted apply: the provider's own create, its state lost, cut back to its first
	// stage.
	spec := &bundle.Spec{
		Name:        name,
		Credentials: bundle.Credentials{Engine: "postgres", Host: db.server.Host, Port: int64(db.server.Port), DBName: db.dbname, Username: db.username, Password: db.password},
		Rotation: bundle.Rotation{Strategy: bundle.StrategySingleUser, PasswordLength: defaultPasswordLength, ExcludeCharacters: defaultExcludeCharacters,
			Lambda: bundle.Lambda{Architecture: hostArchitecture(), MemorySize: 128, Timeout: 30}},
		Alert: bundle.Alert{Enabled: true, EmailAddresses: []string{"oncall@example.com"}, Events: []string{"DeleteSecret"}},
	}
	ssl := false
	spec.Credentials.SSL = &ssl
	st, err := bundle.Create(ctx, bundle.Deps{AWS: client.Client, RotatorCode: rotatorCode}, spec)
	if err != nil {
		t.Fatalf("the interrupted apply's create: %v", err)
	}
	if _, err := client.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(st.FunctionName)}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(st.RuleName), Ids: []string{"secretsbundle-alert-topic"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(st.RuleName)}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(st.TopicARN)}); err != nil {
		t.Fatal(err)
	}
	// The next apply comes later than the interrupted one: a create takes for its own a tagged
	// object made up to a second before it began (a create whose answer it lost), so an apply
	// within that second would take the leftovers for its own (this machine runs both in well
	// under one).
	time.Sleep(2 * time.Second)
	importBlock := `
import {
  to = secretsbundle_rds_secret.test
  id = "` + name + `"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ExpectError: regexpMust(`(?s)a\s+bundle\s+of\s+secret\s+` + name + `\s+already\s+exists\s+in\s+AWS.*secret\s+` + st.SecretARN +
					`.*IAM\s+role\s+` + st.RoleName + `.*log\s+group\s+` + strings.ReplaceAll(st.LogGroupName, "/", `/`) +
					`.*import\s+\{.*to\s+=\s+secretsbundle_rds_secret\.example.*id\s+=\s+"` + name + `"`),
			},
			{
				// Nothing was deleted; the import takes the bundle over and the apply completes it.
				PreConfig: func() {
					if left := leftovers(ctx, client, name); !slicesEqualSorted(left, []string{"log group", "role", "secret"}) {
						t.Fatalf("after the refused create, %s has %v; want the interrupted apply's secret, role and log group", name, left)
					}
				},
				Config: config + importBlock,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "arn", st.SecretARN),
					resource.TestCheckResourceAttrSet(testResource, "rotation_function_arn"),
					resource.TestCheckResourceAttrSet(testResource, "alert_rule_arn"),
					resource.TestCheckResourceAttrSet(testResource, "alert_topic_arn"),
				),
			},
		},
	})
}

func slicesEqualSorted(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
