package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// setSpec is the conversion of what bundle.Read observed into the model (the rules that make the
// observed Spec are bundle's, in TestReadNormalises). A secret adopted by import has no credentials
// in the model yet: they are made from the observed Spec, with its strategy and master secret.
func TestSetSpecAdoptedAlternatingUsersSecret(t *testing.T) {
	ctx := context.Background()
	var m rdsSecretModel
	var diags diag.Diagnostics
	prior := m.spec(ctx, nil, &diags)
	observed := *prior
	observed.Credentials = bundle.Credentials{Engine: "postgres", Host: "db.internal", Port: 5432, Username: "app"}
	observed.Rotation.Strategy = bundle.StrategyAlternatingUsers
	observed.Rotation.MasterSecretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf"
	m.setSpec(ctx, prior, &observed, &diags)
	if diags.HasError() {
		t.Fatal(diags)
	}
	rotation, _ := m.rotation(ctx, &diags)
	if got := rotation.Strategy.ValueString(); got != bundle.StrategyAlternatingUsers {
		t.Errorf("strategy = %q, want %q", got, bundle.StrategyAlternatingUsers)
	}
	if got := rotation.MasterSecretARN.ValueString(); got != observed.Rotation.MasterSecretARN {
		t.Errorf("master_secret_arn = %q", got)
	}
	if m.Credentials == nil || m.Credentials.Username.ValueString() != "app" || m.Credentials.Port.ValueInt64() != 5432 {
		t.Fatalf("credentials = %+v, want the observed ones", m.Credentials)
	}
	if !m.Credentials.DBName.IsNull() || !m.Credentials.SSL.IsNull() {
		t.Errorf("unobserved dbname/ssl are not null: %v %v", m.Credentials.DBName, m.Credentials.SSL)
	}
}

// What the observed Spec does not change stays as the model had it: a null automatically_after_days
// stays null when AWS reports the default, a null description stays null.
func TestSetSpecKeepsWhatDidNotChange(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	m := rdsSecretModel{Description: types.StringNull(), Tags: types.MapNull(types.StringType)}
	prior := m.spec(ctx, map[string]string{"env": "prod"}, &diags)
	observed := *prior
	observed.DefaultTags = map[string]string{"env": "prod"}
	m.setSpec(ctx, prior, &observed, &diags)
	rotation, _ := m.rotation(ctx, &diags)
	if !rotation.AutomaticallyAfterDays.IsNull() || !m.Description.IsNull() || !m.Tags.IsNull() {
		t.Errorf("unchanged attributes were written: days %v, description %v, tags %v", rotation.AutomaticallyAfterDays, m.Description, m.Tags)
	}
	if got, ok := m.TagsAll.Elements()["env"].(types.String); !ok || got.ValueString() != "prod" {
		t.Errorf("tags_all = %v, want the default tag", m.TagsAll)
	}

	observed.Rotation.AutomaticallyAfterDays = 7
	observed.Description = "changed by hand"
	m.setSpec(ctx, prior, &observed, &diags)
	rotation, _ = m.rotation(ctx, &diags)
	if rotation.AutomaticallyAfterDays.ValueInt64() != 7 || m.Description.ValueString() != "changed by hand" {
		t.Errorf("drift not written: days %v, description %v", rotation.AutomaticallyAfterDays, m.Description)
	}
	if diags.HasError() {
		t.Fatal(diags)
	}
}
