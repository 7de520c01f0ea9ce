// Package provider holds the framework shells of the provider: schemas, models, plan/state
// conversion and diagnostics. The work itself happens in internal/bundle and internal/awsclient.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

var (
	_ provider.Provider                       = (*secretsBundleProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*secretsBundleProvider)(nil)
)

type secretsBundleProvider struct {
	version string
	// newClient is the test seam through which unit tests hand the provider fake AWS clients.
	newClient func(context.Context, awsclient.Config) (*awsclient.Client, error)
}

// New returns the provider factory that main.go serves and the acceptance tests use.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &secretsBundleProvider{version: version, newClient: awsclient.New}
	}
}

func (p *secretsBundleProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "secretsbundle"
	resp.Version = p.version
}

func (p *secretsBundleProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = providerSchema()
}

func (p *secretsBundleProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewRDSSecretResource,
	}
}

func (p *secretsBundleProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newSecretValueDataSource, newAccessEventsDataSource}
}

func (p *secretsBundleProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{newSecretValueEphemeralResource}
}
