package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	datasourceschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	ephemeralschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The data source and the ephemeral resource share these descriptions and validators; only the
// schema packages differ.
const (
	secretValueSecretIDDescription     = "Name or ARN of the secret. A `secretsbundle_rds_secret`'s `id` works too."
	secretValueVersionIDDescription    = "Version to read, by its id. Conflicts with `version_stage`. After the read, the id of the version that was read."
	secretValueVersionStageDescription = "Version to read, by the staging label on it, such as `AWSCURRENT`, `AWSPREVIOUS` or `AWSPENDING`. Conflicts with `version_id`. Defaults to `AWSCURRENT` when neither is set."
	secretValueStringDescription       = "The whole secret string, as stored. Null for secrets stored as binary."
	secretValueFieldNote               = " Null when the secret is not a JSON object or lacks the key."
)

var secretValueComputedStrings = map[string]string{
	"engine":       "Key `engine` of the secret's JSON (`postgres`, `mysql`, `mariadb`, `mongo` for DocumentDB, `redshift`...)." + secretValueFieldNote,
	"host":         "Key `host` of the secret's JSON." + secretValueFieldNote,
	"dbname":       "Key `dbname` of the secret's JSON." + secretValueFieldNote,
	"username":     "Key `username` of the secret's JSON." + secretValueFieldNote,
	"masterarn":    "Key `masterarn` of the secret's JSON: the ARN of the master secret used by the alternating-users rotation." + secretValueFieldNote,
	"created_date": "When the version that was read was created, in RFC 3339.",
	"arn":          "ARN of the secret.",
	"name":         "Name of the secret.",
}

const (
	secretValuePasswordDescription = "Key `password` of the secret's JSON." + secretValueFieldNote
	secretValuePortDescription     = "Key `port` of the secret's JSON, given as a number or as a string of digits." + secretValueFieldNote
	secretValueStagesDescription   = "Staging labels on the version that was read."
	secretValueSSLDescription      = "Key `ssl` of the secret's JSON (Amazon DocumentDB's secrets carry it), given as a boolean or as a string spelling one." + secretValueFieldNote
)

func secretValueVersionValidators(other string) []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, 256),
		stringvalidator.ConflictsWith(path.MatchRoot(other)),
	}
}

func secretValueDataSourceSchema(description string) datasourceschema.Schema {
	attributes := map[string]datasourceschema.Attribute{
		"secret_id": datasourceschema.StringAttribute{
			MarkdownDescription: secretValueSecretIDDescription,
			Required:            true,
			Validators:          []validator.String{stringvalidator.LengthBetween(1, 2048)},
		},
		"version_id": datasourceschema.StringAttribute{
			MarkdownDescription: secretValueVersionIDDescription,
			Optional:            true,
			Computed:            true,
			Validators:          secretValueVersionValidators("version_stage"),
		},
		"version_stage": datasourceschema.StringAttribute{
			MarkdownDescription: secretValueVersionStageDescription,
			Optional:            true,
			Computed:            true,
			Validators:          secretValueVersionValidators("version_id"),
		},
		"secret_string":  datasourceschema.StringAttribute{MarkdownDescription: secretValueStringDescription, Computed: true, Sensitive: true},
		"password":       datasourceschema.StringAttribute{MarkdownDescription: secretValuePasswordDescription, Computed: true, Sensitive: true},
		"port":           datasourceschema.Int64Attribute{MarkdownDescription: secretValuePortDescription, Computed: true},
		"ssl":            datasourceschema.BoolAttribute{MarkdownDescription: secretValueSSLDescription, Computed: true},
		"version_stages": datasourceschema.ListAttribute{MarkdownDescription: secretValueStagesDescription, Computed: true, ElementType: types.StringType},
	}
	for name, text := range secretValueComputedStrings {
		attributes[name] = datasourceschema.StringAttribute{MarkdownDescription: text, Computed: true}
	}
	return datasourceschema.Schema{MarkdownDescription: description, Attributes: attributes}
}

func secretValueEphemeralSchema(description string) ephemeralschema.Schema {
	attributes := map[string]ephemeralschema.Attribute{
		"secret_id": ephemeralschema.StringAttribute{
			MarkdownDescription: secretValueSecretIDDescription,
			Required:            true,
			Validators:          []validator.String{stringvalidator.LengthBetween(1, 2048)},
		},
		"version_id": ephemeralschema.StringAttribute{
			MarkdownDescription: secretValueVersionIDDescription,
			Optional:            true,
			Computed:            true,
			Validators:          secretValueVersionValidators("version_stage"),
		},
		"version_stage": ephemeralschema.StringAttribute{
			MarkdownDescription: secretValueVersionStageDescription,
			Optional:            true,
			Computed:            true,
			Validators:          secretValueVersionValidators("version_id"),
		},
		"secret_string":  ephemeralschema.StringAttribute{MarkdownDescription: secretValueStringDescription, Computed: true, Sensitive: true},
		"password":       ephemeralschema.StringAttribute{MarkdownDescription: secretValuePasswordDescription, Computed: true, Sensitive: true},
		"port":           ephemeralschema.Int64Attribute{MarkdownDescription: secretValuePortDescription, Computed: true},
		"ssl":            ephemeralschema.BoolAttribute{MarkdownDescription: secretValueSSLDescription, Computed: true},
		"version_stages": ephemeralschema.ListAttribute{MarkdownDescription: secretValueStagesDescription, Computed: true, ElementType: types.StringType},
	}
	for name, text := range secretValueComputedStrings {
		attributes[name] = ephemeralschema.StringAttribute{MarkdownDescription: text, Computed: true}
	}
	return ephemeralschema.Schema{MarkdownDescription: description, Attributes: attributes}
}
