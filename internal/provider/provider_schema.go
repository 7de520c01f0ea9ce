package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
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
				service, awsclient.EndpointEnvVar(service)),
			Validators: []validator.String{validators.EndpointURL()},
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
			"skip_requesting_account_id": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Do not call `sts:GetCallerIdentity` to learn the account id. ARNs that need it are then built from the secret's ARN.",
			},
		},
		Blocks: map[string]schema.Block{
			"assume_role": schema.SingleNestedBlock{
				MarkdownDescription: "Assume this IAM role, with the credentials found otherwise, before making any call.",
				Attributes: map[string]schema.Attribute{
					"role_arn": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "ARN of the role to assume. Required in an `assume_role` block.",
					},
					"session_name": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Session name for the assumed role.",
					},
					"external_id": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "External id the role's trust policy may require.",
					},
					"duration": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "How long the assumed role's credentials last, such as `1h`: from 15m to 12h. Default: 15m.",
						Validators:          []validator.String{validators.DurationBetween(awsclient.MinAssumeRoleDuration, awsclient.MaxAssumeRoleDuration)},
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
						MarkdownDescription: "The tags.",
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
