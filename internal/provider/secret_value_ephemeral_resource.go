package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

var (
	_ ephemeral.EphemeralResource              = (*secretValueEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*secretValueEphemeralResource)(nil)
)

type secretValueEphemeralResource struct {
	client *awsclient.Client
}

func newSecretValueEphemeralResource() ephemeral.EphemeralResource {
	return &secretValueEphemeralResource{}
}

func (e *secretValueEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_value"
}

func (e *secretValueEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = secretValueEphemeralSchema("Reads one version of a Secrets Manager secret (AWSCURRENT by default) and parses the RDS credential JSON in it, " +
		"without writing the value to the plan or the state. Needs Terraform 1.10 or later; feed its attributes to write-only arguments, provider blocks, or other ephemeral contexts.")
}

func (e *secretValueEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.client = configured(req.ProviderData, &resp.Diagnostics).client
}

func (e *secretValueEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	if model := readSecretValue(ctx, e.client, req.Config, &resp.Diagnostics); model != nil {
		resp.Diagnostics.Append(resp.Result.Set(ctx, model)...)
	}
}
