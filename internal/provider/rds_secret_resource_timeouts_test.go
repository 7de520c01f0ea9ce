package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// TestRDSSecretTimeoutsBlock: timeouts is a block (as terraform-provider-aws declares it), its
// descriptions give the defaults, and state written by the former nested attribute has the very
// type the block reads, so existing state needs no upgrade.
func TestRDSSecretTimeoutsBlock(t *testing.T) {
	ctx := context.Background()
	current := rdsSecretSchema(ctx)
	if _, ok := current.Attributes["timeouts"]; ok {
		t.Fatal("timeouts is still an attribute")
	}
	block, ok := current.Blocks["timeouts"].(schema.SingleNestedBlock)
	if !ok {
		t.Fatalf("timeouts is %T, want a single nested block", current.Blocks["timeouts"])
	}
	for operation, want := range map[string]string{"create": "Default `10m`", "update": "Default `10m`", "delete": "Default `10m`"} {
		if d := block.Attributes[operation].GetDescription(); !strings.Contains(d, want) {
			t.Errorf("timeouts.%s description %q does not say %q", operation, d, want)
		}
	}
	if current.Version != 0 {
		t.Errorf("schema version %d: the block needs no state upgrade", current.Version)
	}
	former := current
	former.Blocks = nil
	former.Attributes = map[string]schema.Attribute{}
	for name, a := range current.Attributes {
		former.Attributes[name] = a
	}
	former.Attributes["timeouts"] = timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true})
	if got, was := current.Type().TerraformType(ctx), former.Type().TerraformType(ctx); !got.Equal(was) {
		t.Errorf("state type changed:\nnow %s\nwas %s", got, was)
	}
}
