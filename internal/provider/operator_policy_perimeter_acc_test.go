package provider

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// TestAccOperatorPolicyDataPerimeter adds the data-perimeter Deny an organisation puts on its
// operators (StringNotEquals aws:SourceVpce: only through the VPC endpoint) to the guide's caller
// policy. A request from outside the endpoint has no aws:SourceVpce, and a negated operator on an
// absent key is true (AWS's condition operators page): the first call of the apply is denied with
// an explicit deny naming it, and nothing is left behind.
func TestAccOperatorPolicyDataPerimeter(t *testing.T) {
	client := testAWS(t)
	f := newOperatorFixture(t, client, startProxy(t).URL())
	var policy map[string]any
	if err := json.Unmarshal([]byte(operatorPolicy(t, f.account)), &policy); err != nil {
		t.Fatal(err)
	}
	statements, _ := policy["Statement"].([]any)
	policy["Statement"] = append(statements, map[string]any{
		"Sid":       "DataPerimeter",
		"Effect":    "Deny",
		"Action":    "*",
		"Resource":  "*",
		"Condition": map[string]any{"StringNotEquals": map[string]any{"aws:SourceVpce": "vpce-1a2b3c4d"}},
	})
	document, err := json.Marshal(policy)
	if err != nil {
		t.Fatal(err)
	}
	accessKey, secretKey := operatorUser(t, client, string(document))
	name := operatorPrefix + acctest.RandomWithPrefix("perimeter")
	run := &failureRecorder{T: t}
	run.run(func() { resource.Test(run, f.lifecycle(t, accessKey, secretKey, name)) })
	swept, err := bundle.Sweep(context.Background(), bundle.Deps{AWS: client.Client, RotatorCode: rotatorCode}, name)
	if err != nil {
		t.Fatalf("sweeping after the denied apply: %v", err)
	}
	failure := run.failure()
	if failure == "" {
		t.Fatal("the apply succeeded under a StringNotEquals aws:SourceVpce Deny from outside any endpoint")
	}
	denied := regexp.MustCompile(`not\s+authorized\s+to\s+perform:\s+([a-z0-9-]+:[A-Za-z]+)\s+on\s+resource:\s+\S+\s+with\s+an\s+explicit\s+deny`).FindStringSubmatch(failure)
	if denied == nil {
		t.Fatalf("the apply failed, but not with an explicit deny naming the call: %q", failure)
	}
	if len(swept) != 0 {
		t.Errorf("the denied apply left bundles behind: %v", swept)
	}
	t.Logf("denied %s by the perimeter statement", denied[1])
}
