package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

var (
	_ datasource.DataSource              = (*secretValueDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*secretValueDataSource)(nil)
)

type secretValueDataSource struct {
	client *awsclient.Client
}

func newSecretValueDataSource() datasource.DataSource { return &secretValueDataSource{} }

func (d *secretValueDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_value"
}

func (d *secretValueDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = secretValueDataSourceSchema("Reads one version of a Secrets Manager secret (AWSCURRENT by default) and parses the RDS credential JSON in it.\n\n" +
		"~> **The value is stored in the Terraform state and plan in plain text.** `secret_string` and `password` are marked sensitive, which only hides them from the CLI output. " +
		"Anyone who can read the state can read the secret. With Terraform 1.10 or later, prefer the `secretsbundle_secret_value` ephemeral resource, which keeps the value out of plan and state.")
}

func (d *secretValueDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configured(req.ProviderData, &resp.Diagnostics).client
}

func (d *secretValueDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if model := readSecretValue(ctx, d.client, req.Config, &resp.Diagnostics); model != nil {
		resp.Diagnostics.Append(resp.State.Set(ctx, model)...)
	}
}
