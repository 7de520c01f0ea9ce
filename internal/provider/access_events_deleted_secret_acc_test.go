package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// The events of a deleted secret still list by its ARN, its deletion among them.
func TestAccAccessEventsDeletedSecret(t *testing.T) {
	proxy := startTestProxy(t)
	endpoint := proxy.URL()
	proxy.RegisterIdentity(alice.accessKeyID, alice.identity)
	admin := testAccSecretsManager(t, endpoint)
	name, arn, _ := testAccSecretValue(t, admin, "tf-acc-access-deleted", rdsSecretJSON("app", "deleted-password"))
	mustGetSecretValue(t, alice.client(endpoint), name)
	if _, err := alice.client(endpoint).DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatalf("deleting %s: %v", name, err)
	}
	want := recordedEventIDs(proxy, name, "GetSecretValue", "DeleteSecret")
	const address = "data.secretsbundle_access_events.test"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccProviderBlock(endpoint) + fmt.Sprintf(`
data "secretsbundle_access_events" "test" {
  secret_id   = %q
  event_names = ["GetSecretValue", "DeleteSecret"]
}
`, arn),
				ConfigStateChecks: []statecheck.StateCheck{
					eventIDsAre{address, func() []string { return want }},
					statecheck.ExpectKnownValue(address, tfjsonpath.New("events").AtSliceIndex(0).AtMapKey("event_name"), knownvalue.StringExact("DeleteSecret")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("events").AtSliceIndex(0).AtMapKey("read_only"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("events").AtSliceIndex(0).AtMapKey("username"), knownvalue.StringExact("alice")),
				},
			},
			{
				// By name, a deleted secret cannot be resolved: the error says to give the ARN.
				Config:      testAccProviderBlock(endpoint) + fmt.Sprintf("data \"secretsbundle_access_events\" \"test\" {\n  secret_id = %q\n}\n", name),
				ExpectError: regexp.MustCompile(`(?s)Secret not found.*give\s+the\s+full\s+ARN`),
			},
		},
	})
}
