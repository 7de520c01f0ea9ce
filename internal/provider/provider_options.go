package provider

import (
	"context"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// validateOptions checks, at plan, what the attribute validators of the options borrowed from
// the AWS provider cannot see alone.
func (m providerModel) validateOptions(ctx context.Context) diag.Diagnostics {
	var diags diag.Diagnostics
	if m.SkipRequestingAccountID.ValueBool() {
		for name, ids := range map[string]types.Set{"allowed_account_ids": m.AllowedAccountIDs, "forbidden_account_ids": m.ForbiddenAccountIDs} {
			if !ids.IsNull() && !ids.IsUnknown() {
				diags.AddAttributeError(path.Root(name), "Conflicting configuration arguments",
					name+" needs the account ID of the credentials, which skip_requesting_account_id = true does not look up: remove one of them.")
			}
		}
	}
	if r := m.AssumeRole; r != nil && !r.TransitiveTagKeys.IsNull() && !r.TransitiveTagKeys.IsUnknown() && !r.Tags.IsUnknown() {
		var keys []string
		diags.Append(r.TransitiveTagKeys.ElementsAs(ctx, &keys, false)...)
		tags := r.Tags.Elements()
		for _, key := range keys {
			if _, ok := tags[key]; !ok {
				diags.AddAttributeError(path.Root("assume_role").AtName("transitive_tag_keys"), "Invalid transitive tag key",
					"Attribute assume_role.transitive_tag_keys names "+key+", which is not a key of assume_role.tags.")
			}
		}
	}
	if t := m.IgnoreTags; t != nil {
		for name, set := range map[string]types.Set{"keys": t.Keys, "key_prefixes": t.KeyPrefixes} {
			for _, v := range set.Elements() {
				s, ok := v.(types.String)
				if !ok || s.IsUnknown() || s.IsNull() {
					continue
				}
				covers := s.ValueString() == bundle.BundleTagKey
				if name == "key_prefixes" {
					covers = strings.HasPrefix(bundle.BundleTagKey, s.ValueString())
				}
				if covers {
					diags.AddAttributeError(path.Root("ignore_tags").AtName(name), "Invalid ignore_tags",
						"Attribute ignore_tags."+name+" covers the tag "+bundle.BundleTagKey+" (got "+strconv.Quote(s.ValueString())+"), by which the bundle's parts are found and imported: it cannot be ignored.")
				}
			}
		}
	}
	return diags
}

// optionsUnknown reports whether an option that shapes the connection is not yet known.
func (m providerModel) optionsUnknown() bool {
	values := []attr.Value{m.AllowedAccountIDs, m.ForbiddenAccountIDs, m.CustomCABundle, m.HTTPProxy, m.HTTPSProxy, m.NoProxy, m.STSRegion, m.RetryMode}
	if w := m.AssumeRoleWithWebIdentity; w != nil {
		values = append(values, w.RoleARN, w.WebIdentityToken, w.WebIdentityTokenFile)
	}
	for _, v := range values {
		if v.IsUnknown() {
			return true
		}
	}
	return false
}

// awsOptions copies the options borrowed from the AWS provider into c.
func (m providerModel) awsOptions(ctx context.Context, c *awsclient.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	strs := func(set types.Set) []string {
		var out []string
		if !set.IsNull() && !set.IsUnknown() {
			diags.Append(set.ElementsAs(ctx, &out, false)...)
		}
		return out
	}
	optional := func(s types.String) *string {
		if s.IsNull() || s.IsUnknown() {
			return nil
		}
		v := s.ValueString()
		return &v
	}
	c.AllowedAccountIDs = strs(m.AllowedAccountIDs)
	c.ForbiddenAccountIDs = strs(m.ForbiddenAccountIDs)
	c.CustomCABundle = m.CustomCABundle.ValueString()
	c.HTTPProxy, c.HTTPSProxy, c.NoProxy = optional(m.HTTPProxy), optional(m.HTTPSProxy), optional(m.NoProxy)
	c.STSRegion = m.STSRegion.ValueString()
	c.RetryMode = m.RetryMode.ValueString()
	if r := m.AssumeRole; r != nil && c.AssumeRole != nil {
		c.AssumeRole.Policy = r.Policy.ValueString()
		c.AssumeRole.PolicyARNs = strs(r.PolicyARNs)
		c.AssumeRole.TransitiveTagKeys = strs(r.TransitiveTagKeys)
		c.AssumeRole.SourceIdentity = r.SourceIdentity.ValueString()
		if !r.Tags.IsNull() && !r.Tags.IsUnknown() {
			diags.Append(r.Tags.ElementsAs(ctx, &c.AssumeRole.Tags, false)...)
		}
	}
	if w := m.AssumeRoleWithWebIdentity; w != nil {
		c.AssumeRoleWithWebIdentity = &awsclient.AssumeRoleWithWebIdentity{
			RoleARN:              w.RoleARN.ValueString(),
			SessionName:          w.SessionName.ValueString(),
			WebIdentityToken:     w.WebIdentityToken.ValueString(),
			WebIdentityTokenFile: w.WebIdentityTokenFile.ValueString(),
			Duration:             assumeRoleDuration(w.Duration),
			Policy:               w.Policy.ValueString(),
			PolicyARNs:           strs(w.PolicyARNs),
		}
	}
	if t := m.IgnoreTags; t != nil {
		c.IgnoreTags = &awsclient.IgnoreTags{Keys: strs(t.Keys), KeyPrefixes: strs(t.KeyPrefixes)}
	}
	return diags
}
