package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/validators"
)

func providerSchema() schema.Schema {
	endpointAttributes := make(map[string]schema.Attribute, len(awsclient.Services))
	for _, service := range awsclient.Services {
		endpointAttributes[service] = schema.StringAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("Use this URL for %s instead of the default endpoint. "+
				"Without it, `%s` and then `AWS_ENDPOINT_URL` apply, as in the AWS CLI.",
				service, awsclient.EndpointEnvVar(service)) + " It must be `https://`, except on a loopback address such as `http://127.0.0.1:4566`.",
			Validators: []validator.String{validators.ServiceEndpointURL()},
		}
	}
	return schema.Schema{
		MarkdownDescription: "The secretsbundle provider stores database credentials in AWS Secrets Manager " +
			"together with their rotation Lambda, its IAM role, the rotation schedule and a deletion alert, " +
			"as one resource. Its configuration and its environment variables are those of the AWS provider.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The AWS region, such as `us-east-1`. Can also be set with `AWS_REGION` or `AWS_DEFAULT_REGION`, or in the profile.",
				Validators:          []validator.String{validators.Region()},
			},
			"profile": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The profile of the shared configuration and credentials files to use. Can also be set with `AWS_PROFILE`.",
			},
			"shared_config_files": schema.ListAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				MarkdownDescription: "Paths of shared configuration files. Default: `~/.aws/config` (or `AWS_CONFIG_FILE`).",
			},
			"shared_credentials_files": schema.ListAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				MarkdownDescription: "Paths of shared credentials files. Default: `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`).",
			},
			"access_key": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The access key id. Can also be set with `AWS_ACCESS_KEY_ID`.",
				Validators:          []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("secret_key"))},
			},
			"secret_key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "The secret access key. Can also be set with `AWS_SECRET_ACCESS_KEY`.",
				Validators:          []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("access_key"))},
			},
			"token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "The session token of temporary credentials. Can also be set with `AWS_SESSION_TOKEN`.",
			},
			"max_retries": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "How many times an AWS call is retried (adaptive retry mode) before the error is returned. Default: 25. Can also be set with `AWS_MAX_ATTEMPTS`.",
				Validators:          []validator.Int64{int64validator.Between(0, 100)},
			},
			"skip_credentials_validation": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Do not check that credentials can be found when the provider is configured.",
			},
			"allowed_account_ids": schema.SetAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				MarkdownDescription: "Account IDs the credentials may belong to: configuring the provider fails for any other account. Conflicts with `forbidden_account_ids`; needs the account ID, so not with `skip_requesting_account_id`.",
				Validators: []validator.Set{
					setvalidator.ValueStringsAre(validators.AccountID()),
					setvalidator.ConflictsWith(path.MatchRoot("forbidden_account_ids")),
				},
			},
			"forbidden_account_ids": schema.SetAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				MarkdownDescription: "Account IDs the credentials must not belong to: configuring the provider fails for them. Conflicts with `allowed_account_ids`; needs the account ID, so not with `skip_requesting_account_id`.",
				Validators: []validator.Set{
					setvalidator.ValueStringsAre(validators.AccountID()),
				},
			},
			"custom_ca_bundle": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Path of a PEM file of CA certificates to trust for HTTPS to AWS (a TLS-inspecting proxy, a private endpoint). Can also be set with `AWS_CA_BUNDLE`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"http_proxy": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "URL of a proxy for HTTP requests to AWS, such as `http://proxy.example.com:3128`. Can also be set with `HTTP_PROXY` or `http_proxy`.",
				Validators:          []validator.String{validators.EndpointURL()},
			},
			"https_proxy": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "URL of a proxy for HTTPS requests to AWS, such as `http://proxy.example.com:3128`. Can also be set with `HTTPS_PROXY` or `https_proxy`.",
				Validators:          []validator.String{validators.EndpointURL()},
			},
			"no_proxy": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Comma-separated hosts (and `.domain` suffixes, IP addresses, CIDR blocks) reached without a proxy. Can also be set with `NO_PROXY` or `no_proxy`.",
			},
			"sts_region": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The region of STS calls (assuming roles, `sts:GetCallerIdentity`), where it differs from `region`. Default: `region`.",
				Validators:          []validator.String{validators.Region()},
			},
			"retry_mode": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How failed AWS calls are retried: `standard` (exponential backoff) or `adaptive` (also rate-limits the client after throttling). " +
					"Can also be set with `AWS_RETRY_MODE`. Default: `adaptive`.",
				Validators: []validator.String{stringvalidator.OneOf(awsclient.RetryModes...)},
			},
			"skip_requesting_account_id": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Do not call `sts:GetCallerIdentity` to learn the account id. ARNs that need it are then built from the secret's ARN.",
			},
		},
		Blocks: map[string]schema.Block{
			"assume_role": schema.SingleNestedBlock{
				MarkdownDescription: "Assume this IAM role, with the credentials found otherwise, before making any call.",
				Attributes: withSessionAttributes(sessionTexts{
					roleARN:     "ARN of the role to assume. Required in an `assume_role` block.",
					sessionName: "Session name for the assumed role: 2 to 64 letters, digits and +=,.@_-.",
					duration:    "How long the assumed role's credentials last, such as `1h`: from 15m to 12h. Default: 15m.",
					policy:      "An IAM policy in JSON that further restricts the assumed role's session (it cannot grant more than the role has).",
				}, map[string]schema.Attribute{
					"external_id": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "External id the role's trust policy may require: 2 to 1224 letters, digits and +=,.@:/_-.",
						Validators:          []validator.String{validators.ExternalID},
					},
					"tags": schema.MapAttribute{
						ElementType:         types.StringType,
						Optional:            true,
						MarkdownDescription: "Session tags: up to 50, keys of 1 to 128 and values of up to 256 characters.",
						Validators: []validator.Map{
							mapvalidator.SizeAtMost(50),
							mapvalidator.KeysAre(stringvalidator.LengthBetween(1, 128)),
							mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(256)),
						},
					},
					"transitive_tag_keys": schema.SetAttribute{
						ElementType:         types.StringType,
						Optional:            true,
						MarkdownDescription: "Keys of `tags` that pass on to roles assumed from this session.",
					},
					"source_identity": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "The source identity recorded in CloudTrail for the session: 2 to 64 letters, digits and +=,.@_-.",
						Validators:          []validator.String{validators.SessionName},
					},
				}),
			},
			"assume_role_with_web_identity": schema.SingleNestedBlock{
				MarkdownDescription: "Get credentials by assuming an IAM role with an OpenID Connect token (`sts:AssumeRoleWithWebIdentity`), as CI systems such as GitHub Actions do, instead of the credential chain. " +
					"An `assume_role` block then chains from this role.",
				Attributes: withSessionAttributes(sessionTexts{
					roleARN:     "ARN of the role to assume. Can also be set with `AWS_ROLE_ARN`.",
					sessionName: "Session name for the assumed role. Can also be set with `AWS_ROLE_SESSION_NAME`.",
					duration:    "How long the credentials last, such as `1h`: from 15m to 12h. Default: 1h.",
					policy:      "An IAM policy in JSON that further restricts the session.",
				}, map[string]schema.Attribute{
					"web_identity_token": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "The OpenID Connect token. Conflicts with `web_identity_token_file`.",
						Validators: []validator.String{
							stringvalidator.LengthBetween(4, 20000),
							stringvalidator.ConflictsWith(path.MatchRoot("assume_role_with_web_identity").AtName("web_identity_token_file")),
						},
					},
					"web_identity_token_file": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Path of a file holding the OpenID Connect token, read again whenever the credentials are refreshed. Can also be set with `AWS_WEB_IDENTITY_TOKEN_FILE`.",
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
				}),
			},
			"ignore_tags": schema.SingleNestedBlock{
				MarkdownDescription: "Tags that something outside Terraform manages on the bundle's parts (a cost tool, a scanner): they are never read, so they are neither drift nor removed.",
				Attributes: map[string]schema.Attribute{
					"keys": schema.SetAttribute{
						ElementType:         types.StringType,
						Optional:            true,
						MarkdownDescription: "Tag keys to ignore.",
						Validators:          []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, 128))},
					},
					"key_prefixes": schema.SetAttribute{
						ElementType:         types.StringType,
						Optional:            true,
						MarkdownDescription: "Prefixes of tag keys to ignore. They may not cover the `secretsbundle:bundle` tag, by which the bundle's parts are found.",
						Validators:          []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, 128))},
					},
				},
			},
			"endpoints": schema.SingleNestedBlock{
				MarkdownDescription: "Custom endpoint URLs per service, for LocalStack or VPC endpoints.",
				Attributes:          endpointAttributes,
			},
			"default_tags": schema.SingleNestedBlock{
				MarkdownDescription: "Tags added to every AWS object the provider creates. A resource's own `tags` win over these.",
				Attributes: map[string]schema.Attribute{
					"tags": schema.MapAttribute{
						ElementType:         types.StringType,
						Optional:            true,
						MarkdownDescription: "The tags. Keys may not begin with `aws:`, which AWS reserves.",
						Validators:          []validator.Map{mapvalidator.KeysAre(validators.TagKey())},
					},
				},
			},
		},
	}
}

// assumeRoleDuration parses a validated duration; empty means the STS default.
func assumeRoleDuration(value types.String) time.Duration {
	if value.IsNull() || value.ValueString() == "" {
		return 0
	}
	d, _ := time.ParseDuration(value.ValueString())
	return d
}

// sessionTexts are the descriptions of the session attributes in one way of assuming a role.
type sessionTexts struct{ roleARN, sessionName, duration, policy string }

// withSessionAttributes adds to a way of assuming a role the attributes both ways share: the role,
// the session's name, how long it lasts, and the policies that restrict it.
func withSessionAttributes(texts sessionTexts, attributes map[string]schema.Attribute) map[string]schema.Attribute {
	attributes["role_arn"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: texts.roleARN,
		Validators:          []validator.String{validators.IAMARN("role")},
	}
	attributes["session_name"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: texts.sessionName,
		Validators:          []validator.String{validators.SessionName},
	}
	attributes["duration"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: texts.duration,
		Validators:          []validator.String{validators.DurationBetween(awsclient.MinAssumeRoleDuration, awsclient.MaxAssumeRoleDuration)},
	}
	attributes["policy"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: texts.policy,
		Validators:          []validator.String{validators.SessionPolicy()},
	}
	attributes["policy_arns"] = schema.SetAttribute{
		ElementType:         types.StringType,
		Optional:            true,
		MarkdownDescription: "ARNs of managed IAM policies that further restrict the session.",
		Validators:          []validator.Set{setvalidator.SizeAtMost(10), setvalidator.ValueStringsAre(validators.IAMARN("policy"))},
	}
	return attributes
}
