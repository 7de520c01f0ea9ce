package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// emptyProviderConfig is a provider block with every argument unset.
func emptyProviderConfig(t *testing.T) tfsdk.Config {
	t.Helper()
	s := providerSchema()
	typ, ok := s.Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		t.Fatal("the provider schema is not an object")
	}
	values := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(attrType, nil)
	}
	return tfsdk.Config{Schema: s, Raw: tftypes.NewValue(typ, values)}
}

func TestConfigureChecksTerraformVersion(t *testing.T) {
	cases := map[string]bool{ // version: refused
		"0.15.5":               true,
		"1.9.8":                true,
		"1.10.5":               true,
		"1.11.0":               false,
		"1.11.4":               false,
		"1.12.0-alpha20250319": false,
		"2.0.0":                false,
		"":                     false, // a client that does not say
		"not-a-version-at-all": false,
	}
	for version, refused := range cases {
		t.Run(version, func(t *testing.T) {
			configured := false
			p := &secretsBundleProvider{version: "test", newClient: func(context.Context, awsclient.Config) (*awsclient.Client, error) {
				configured = true
				return &awsclient.Client{}, nil
			}}
			resp := &provider.ConfigureResponse{}
			p.Configure(context.Background(), provider.ConfigureRequest{TerraformVersion: version, Config: emptyProviderConfig(t)}, resp)
			if resp.Diagnostics.HasError() != refused {
				t.Fatalf("Terraform %q: refused = %v, want %v: %v", version, resp.Diagnostics.HasError(), refused, resp.Diagnostics)
			}
			if refused {
				d := resp.Diagnostics.Errors()[0]
				if d.Summary() != "Terraform 1.11 or later is required" || !strings.Contains(d.Detail(), "This is Terraform "+version+".") ||
					!strings.Contains(d.Detail(), "password_wo") || !strings.Contains(d.Detail(), "required_version") {
					t.Errorf("diagnostic: %s: %s", d.Summary(), d.Detail())
				}
				if configured {
					t.Error("an AWS client was built for a refused Terraform version")
				}
			} else if !configured {
				t.Error("the AWS client was not built")
			}
		})
	}
}
