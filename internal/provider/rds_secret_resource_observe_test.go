package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// A secret adopted by import (made by hand or by aws_secretsmanager_* resources) has no function of
// ours yet; its masterarn key must make the imported state alternating_users, or a configuration
// that says so would replace the secret, and the imported user must be the one without _clone.
func TestObserveAdoptedAlternatingUsersSecret(t *testing.T) {
	ctx := context.Background()
	for name, username := range map[string]string{"on the user": "app", "on the clone": "app" + bundle.CloneSuffix} {
		t.Run(name, func(t *testing.T) {
			var m rdsSecretModel
			var diags diag.Diagnostics
			m.observe(ctx, &bundle.Observed{Credentials: &bundle.CredentialKeys{
				Engine: "postgres", Host: "db.internal", Port: 5432, Username: username,
				MasterARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf",
			}}, nil, &diags)
			if diags.HasError() {
				t.Fatal(diags)
			}
			rotation, _ := m.rotation(ctx, &diags)
			if got := rotation.Strategy.ValueString(); got != bundle.StrategyAlternatingUsers {
				t.Errorf("strategy = %q, want %q", got, bundle.StrategyAlternatingUsers)
			}
			if got := rotation.MasterSecretARN.ValueString(); got == "" {
				t.Error("master_secret_arn not read from masterarn")
			}
			if got := m.Credentials.Username.ValueString(); got != "app" {
				t.Errorf("username = %q, want the configured user app", got)
			}
		})
	}
	var m rdsSecretModel
	var diags diag.Diagnostics
	m.observe(ctx, &bundle.Observed{Credentials: &bundle.CredentialKeys{Engine: "postgres", Host: "db.internal", Port: 5432, Username: "app"}}, nil, &diags)
	if rotation, _ := m.rotation(ctx, &diags); rotation.Strategy.ValueString() != bundle.StrategySingleUser {
		t.Errorf("without masterarn: strategy = %q, want %q", rotation.Strategy.ValueString(), bundle.StrategySingleUser)
	}
}
