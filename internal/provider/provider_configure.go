package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

var _ provider.ProviderWithValidateConfig = (*secretsBundleProvider)(nil)

type providerModel struct {
	Region                    types.String      `tfsdk:"region"`
	Profile                   types.String      `tfsdk:"profile"`
	SharedConfigFiles         types.List        `tfsdk:"shared_config_files"`
	SharedCredentialsFiles    types.List        `tfsdk:"shared_credentials_files"`
	AccessKey                 types.String      `tfsdk:"access_key"`
	SecretKey                 types.String      `tfsdk:"secret_key"`
	Token                     types.String      `tfsdk:"token"`
	MaxRetries                types.Int64       `tfsdk:"max_retries"`
	SkipCredentialsValidation types.Bool        `tfsdk:"skip_credentials_validation"`
	SkipRequestingAccountID   types.Bool        `tfsdk:"skip_requesting_account_id"`
	AssumeRole                *assumeRoleModel  `tfsdk:"assume_role"`
	Endpoints                 types.Object      `tfsdk:"endpoints"`
	DefaultTags               *defaultTagsModel `tfsdk:"default_tags"`

	AllowedAccountIDs         types.Set                       `tfsdk:"allowed_account_ids"`
	ForbiddenAccountIDs       types.Set                       `tfsdk:"forbidden_account_ids"`
	CustomCABundle            types.String                    `tfsdk:"custom_ca_bundle"`
	HTTPProxy                 types.String                    `tfsdk:"http_proxy"`
	HTTPSProxy                types.String                    `tfsdk:"https_proxy"`
	NoProxy                   types.String                    `tfsdk:"no_proxy"`
	STSRegion                 types.String                    `tfsdk:"sts_region"`
	RetryMode                 types.String                    `tfsdk:"retry_mode"`
	AssumeRoleWithWebIdentity *assumeRoleWithWebIdentityModel `tfsdk:"assume_role_with_web_identity"`
	IgnoreTags                *ignoreTagsModel                `tfsdk:"ignore_tags"`
}

// sessionModel is the attributes both ways of assuming a role share (withSessionAttributes).
type sessionModel struct {
	RoleARN     types.String `tfsdk:"role_arn"`
	SessionName types.String `tfsdk:"session_name"`
	Duration    types.String `tfsdk:"duration"`
	Policy      types.String `tfsdk:"policy"`
	PolicyARNs  types.Set    `tfsdk:"policy_arns"`
}

type assumeRoleWithWebIdentityModel struct {
	sessionModel
	WebIdentityToken     types.String `tfsdk:"web_identity_token"`
	WebIdentityTokenFile types.String `tfsdk:"web_identity_token_file"`
}

type ignoreTagsModel struct {
	Keys        types.Set `tfsdk:"keys"`
	KeyPrefixes types.Set `tfsdk:"key_prefixes"`
}

type assumeRoleModel struct {
	sessionModel
	ExternalID        types.String `tfsdk:"external_id"`
	Tags              types.Map    `tfsdk:"tags"`
	TransitiveTagKeys types.Set    `tfsdk:"transitive_tag_keys"`
	SourceIdentity    types.String `tfsdk:"source_identity"`
}

// providerData is what Configure hands every resource and data source: the AWS clients, and the
// provider block's default tags, which go down from here into each bundle.Spec.
type providerData struct {
	client      *awsclient.Client
	defaultTags map[string]string
}

type defaultTagsModel struct {
	Tags types.Map `tfsdk:"tags"`
}

// ValidateConfig catches what attribute validators cannot see: relations inside blocks.
func (p *secretsBundleProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if config.AssumeRole != nil && config.AssumeRole.RoleARN.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("assume_role").AtName("role_arn"), "Missing assume_role.role_arn",
			"An assume_role block needs role_arn, the ARN of the IAM role to assume, such as arn:aws:iam::123456789012:role/deployer. Remove the block to use the credentials as they are.")
	}
	resp.Diagnostics.Append(config.validateOptions(ctx)...)
}

func (p *secretsBundleProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	resp.Diagnostics.Append(checkTerraformVersion(req.TerraformVersion)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !req.ClientCapabilities.DeferralAllowed && hasUnknowns(config) {
		resp.Diagnostics.AddError("Provider configuration not yet known",
			"Some of the provider's arguments depend on values known only after apply. Set them from known values, or apply the resources they depend on first with -target.")
		return
	}
	awsConfig, diags := config.awsConfig(ctx, p.version)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, err := p.newClient(ctx, awsConfig)
	if err != nil {
		summary := "Cannot configure the AWS connection"
		if errors.Is(err, awsclient.ErrNoCredentials) {
			summary = "No valid AWS credentials"
		}
		resp.Diagnostics.AddError(summary, err.Error())
		return
	}
	data := &providerData{client: client, defaultTags: config.defaultTags(ctx, &resp.Diagnostics)}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
}

// defaultTags are the default_tags block's tags (none without the block).
func (m providerModel) defaultTags(ctx context.Context, diags *diag.Diagnostics) map[string]string {
	if m.DefaultTags == nil {
		return nil
	}
	return stringMap(ctx, m.DefaultTags.Tags, diags)
}

func hasUnknowns(config providerModel) bool {
	return config.Region.IsUnknown() || config.AccessKey.IsUnknown() || config.SecretKey.IsUnknown() ||
		config.Token.IsUnknown() || config.Profile.IsUnknown() || config.Endpoints.IsUnknown() || config.optionsUnknown()
}

func (m providerModel) awsConfig(ctx context.Context, version string) (awsclient.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	c := awsclient.Config{
		Region:                    m.Region.ValueString(),
		Profile:                   m.Profile.ValueString(),
		AccessKey:                 m.AccessKey.ValueString(),
		SecretKey:                 m.SecretKey.ValueString(),
		Token:                     m.Token.ValueString(),
		MaxRetries:                int(m.MaxRetries.ValueInt64()),
		SkipCredentialsValidation: m.SkipCredentialsValidation.ValueBool(),
		SkipRequestingAccountID:   m.SkipRequestingAccountID.ValueBool(),
		Endpoints:                 map[string]string{},
		UserAgent:                 "terraform-provider-secretsbundle/" + version,
	}
	diags.Append(m.SharedConfigFiles.ElementsAs(ctx, &c.SharedConfigFiles, false)...)
	diags.Append(m.SharedCredentialsFiles.ElementsAs(ctx, &c.SharedCredentialsFiles, false)...)
	if m.AssumeRole != nil {
		c.AssumeRole = &awsclient.AssumeRole{
			RoleARN:     m.AssumeRole.RoleARN.ValueString(),
			SessionName: m.AssumeRole.SessionName.ValueString(),
			ExternalID:  m.AssumeRole.ExternalID.ValueString(),
			Duration:    assumeRoleDuration(m.AssumeRole.Duration),
		}
	}
	if !m.Endpoints.IsNull() {
		for service, value := range m.Endpoints.Attributes() {
			if s, ok := value.(types.String); ok && !s.IsNull() && s.ValueString() != "" {
				c.Endpoints[service] = s.ValueString()
			}
		}
	}
	diags.Append(m.awsOptions(ctx, &c)...)
	return c, diags
}
