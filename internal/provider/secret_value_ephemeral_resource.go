package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/secretvalue"
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
	e.client = readBackClient(req.ProviderData, &resp.Diagnostics)
}

func (e *secretValueEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var model secretValueModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	value, err := secretvalue.Read(ctx, e.client.SecretsManager, model.request())
	if err != nil {
		addSecretValueError(&resp.Diagnostics, err)
		return
	}
	resp.Diagnostics.Append(model.fill(ctx, value)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
}
