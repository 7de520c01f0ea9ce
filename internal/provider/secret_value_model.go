package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/secretvalue"
)

// readSecretValue is the one read of the data source and the ephemeral resource: the
// configuration in, the filled model out (nil when diags holds the error).
func readSecretValue(ctx context.Context, client *awsclient.Client, config tfsdk.Config, diags *diag.Diagnostics) *secretValueModel {
	var model secretValueModel
	diags.Append(config.Get(ctx, &model)...)
	if diags.HasError() {
		return nil
	}
	value, err := secretvalue.Read(ctx, client.SecretsManager, model.request())
	if err != nil {
		addSecretValueError(diags, err)
		return nil
	}
	diags.Append(model.fill(ctx, value)...)
	if diags.HasError() {
		return nil
	}
	return &model
}

// secretValueModel is shared by the data source and the ephemeral resource: same schema, same answer.
type secretValueModel struct {
	SecretID      types.String `tfsdk:"secret_id"`
	VersionID     types.String `tfsdk:"version_id"`
	VersionStage  types.String `tfsdk:"version_stage"`
	SecretString  types.String `tfsdk:"secret_string"`
	Engine        types.String `tfsdk:"engine"`
	Host          types.String `tfsdk:"host"`
	Port          types.Int64  `tfsdk:"port"`
	DBName        types.String `tfsdk:"dbname"`
	Username      types.String `tfsdk:"username"`
	Password      types.String `tfsdk:"password"`
	MasterARN     types.String `tfsdk:"masterarn"`
	SSL           types.Bool   `tfsdk:"ssl"`
	VersionStages types.List   `tfsdk:"version_stages"`
	CreatedDate   types.String `tfsdk:"created_date"`
	ARN           types.String `tfsdk:"arn"`
	Name          types.String `tfsdk:"name"`
}

func (m secretValueModel) request() secretvalue.Request {
	return secretvalue.Request{
		SecretID:     m.SecretID.ValueString(),
		VersionID:    m.VersionID.ValueString(),
		VersionStage: m.VersionStage.ValueString(),
	}
}

// fill copies a read value into the model. version_stage stays as configured, or becomes the
// default stage when neither it nor version_id was given, so the state says what was read.
func (m *secretValueModel) fill(ctx context.Context, value *secretvalue.Value) diag.Diagnostics {
	if m.VersionStage.IsNull() && m.VersionID.IsNull() {
		m.VersionStage = types.StringValue(secretvalue.DefaultStage)
	}
	m.VersionID = types.StringValue(value.VersionID)
	m.ARN = types.StringValue(value.ARN)
	m.Name = types.StringValue(value.Name)
	m.SecretString = types.StringPointerValue(value.SecretString)
	m.CreatedDate = types.StringNull()
	if value.CreatedDate != nil {
		m.CreatedDate = types.StringValue(value.CreatedDate.UTC().Format(time.RFC3339))
	}
	fields := value.Fields
	if fields == nil {
		fields = &secretvalue.RDSFields{}
	}
	m.Engine = types.StringPointerValue(fields.Engine)
	m.Host = types.StringPointerValue(fields.Host)
	m.Port = types.Int64PointerValue(fields.Port)
	m.DBName = types.StringPointerValue(fields.DBName)
	m.Username = types.StringPointerValue(fields.Username)
	m.Password = types.StringPointerValue(fields.Password)
	m.MasterARN = types.StringPointerValue(fields.MasterARN)
	m.SSL = types.BoolPointerValue(fields.SSL)
	stages := value.VersionStages
	if stages == nil {
		stages = []string{}
	}
	var diags diag.Diagnostics
	m.VersionStages, diags = types.ListValueFrom(ctx, types.StringType, stages)
	return diags
}
