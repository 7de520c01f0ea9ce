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

// TestAccAccessEventsReaders lists the reads of a secret by alice (a listed reader), bob (a session
// of app-role, not listed) and the identity Terraform runs as (expected without being listed):
// unexpected holds bob's read only, and nothing once his role is listed; a postcondition on
// unexpected fails the plan while the stranger's read is there.
func TestAccAccessEventsReaders(t *testing.T) {
	proxy := startTestProxy(t)
	endpoint := proxy.URL()
	for _, caller := range []testCaller{alice, bob} {
		proxy.RegisterIdentity(caller.accessKeyID, caller.identity)
	}
	api := testAccSecretsManager(t, endpoint)
	name, arn, _ := testAccSecretValue(t, api, "tf-acc-access-readers", rdsSecretJSON("app", "readers-password"))
	mustGetSecretValue(t, alice.client(endpoint), name)
	mustGetSecretValue(t, bob.client(endpoint), arn)
	if _, err := api.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	mustGetSecretValue(t, alice.client(endpoint), name)
	reads := recordedEventIDs(proxy, name, "GetSecretValue")
	if len(reads) != 4 {
		t.Fatalf("the proxy recorded %d reads, want 4", len(reads))
	}
	bobsRead := reads[2] // newest first: alice, Terraform's identity, bob, alice
	const address = "data.secretsbundle_access_events.test"
	config := func(readers string, extra string) string {
		return testAccProviderBlock(endpoint) + fmt.Sprintf("data \"secretsbundle_access_events\" \"test\" {\n  secret_id = %q\n  readers = %s\n%s}\n", arn, readers, extra)
	}
	aliceOnly := fmt.Sprintf("[%q]", alice.identity.ARN)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(aliceOnly, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					eventIDsAre{address: address, want: func() []string { return reads }},
					eventListIDsAre{address: address, attribute: "unexpected", want: func() []string { return []string{bobsRead} }},
					statecheck.ExpectKnownValue(address, tfjsonpath.New("unexpected").AtSliceIndex(0).AtMapKey("principal_arn"), knownvalue.StringExact(bob.identity.ARN)),
				},
			},
			{
				// bob's role, by its ARN: his session matches through the event's session issuer.
				Config: config(fmt.Sprintf("[%q, \"arn:aws:iam::000000000000:role/app-*\"]", alice.identity.ARN), ""),
				ConfigStateChecks: []statecheck.StateCheck{
					eventListIDsAre{address: address, attribute: "unexpected", want: func() []string { return []string{} }},
				},
			},
			{
				// The documented guard: the plan fails while a stranger's read is listed.
				Config: config(aliceOnly, `  lifecycle {
    postcondition {
      condition     = length(self.unexpected) == 0
      error_message = "Someone outside readers read the secret: ${join(", ", distinct([for e in self.unexpected : e.principal_arn]))}"
    }
  }
`),
				ExpectError: regexp.MustCompile(`(?s)Someone outside readers read the secret:\s+` + regexp.QuoteMeta(bob.identity.ARN)),
			},
		},
	})
}

// TestAccAccessEventsBudgetAndServerFilter: a write listed by event name reads one page however
// many reads the secret has, and max_pages stops a listing of reads before max_events (2 pages: the
// first of the lookups by ARN and by name, which list the same 50 events).
func TestAccAccessEventsBudgetAndServerFilter(t *testing.T) {
	proxy := startTestProxy(t)
	endpoint := proxy.URL()
	proxy.RegisterIdentity(alice.accessKeyID, alice.identity)
	api := testAccSecretsManager(t, endpoint)
	name, arn, _ := testAccSecretValue(t, api, "tf-acc-access-budget", rdsSecretJSON("app", "budget-password"))
	readConcurrently(t, alice.client(endpoint), name, 60)
	if _, err := alice.client(endpoint).PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(arn), SecretString: aws.String(rdsSecretJSON("app", "budget-password-2"))}); err != nil {
		t.Fatal(err)
	}
	puts := recordedEventIDs(proxy, name, "PutSecretValue")
	reads := recordedEventIDs(proxy, name, "GetSecretValue")
	if len(puts) != 1 || len(reads) != 60 {
		t.Fatalf("recorded %d puts and %d reads, want 1 and 60", len(puts), len(reads))
	}
	mark := proxy.Mark("listing")
	const address = "data.secretsbundle_access_events.test"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccProviderBlock(endpoint) + fmt.Sprintf("data \"secretsbundle_access_events\" \"test\" {\n  secret_id = %q\n  event_names = [\"PutSecretValue\"]\n}\n", arn),
				ConfigStateChecks: []statecheck.StateCheck{
					eventIDsAre{address: address, want: func() []string { return puts }},
					statecheck.ExpectKnownValue(address, tfjsonpath.New("truncated"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("max_pages"), knownvalue.Int64Exact(22)),
				},
			},
			{
				Config: testAccProviderBlock(endpoint) + fmt.Sprintf("data \"secretsbundle_access_events\" \"test\" {\n  secret_id = %q\n  max_events = 55\n  max_pages = 2\n}\n", arn),
				ConfigStateChecks: []statecheck.StateCheck{
					// The first page is the 50 newest events: the put and 49 reads.
					eventIDsAre{address: address, want: func() []string { return reads[:49] }},
					statecheck.ExpectKnownValue(address, tfjsonpath.New("truncated"), knownvalue.Bool(true)),
				},
			},
		},
	})
	calls, err := proxy.CallsBetween(mark.Name, "")
	if err != nil {
		t.Fatal(err)
	}
	byName := 0
	for _, call := range calls {
		if call.Operation != "LookupEvents" {
			continue
		}
		if attrs, _ := call.Parameters["LookupAttributes"].([]any); len(attrs) == 1 {
			if attr, _ := attrs[0].(map[string]any); attr["AttributeKey"] == "EventName" && attr["AttributeValue"] == "PutSecretValue" {
				byName++
				continue
			}
		}
	}
	if byName == 0 {
		t.Errorf("no LookupEvents call looked up PutSecretValue by event name: %d calls after the mark", len(calls))
	}
}
