package provider

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

type rdsSecretModel struct {
	ID                   types.String      `tfsdk:"id"`
	ARN                  types.String      `tfsdk:"arn"`
	Name                 types.String      `tfsdk:"name"`
	NamePrefix           types.String      `tfsdk:"name_prefix"`
	Description          types.String      `tfsdk:"description"`
	KMSKeyID             types.String      `tfsdk:"kms_key_id"`
	RecoveryWindowInDays types.Int64       `tfsdk:"recovery_window_in_days"`
	RestoreScheduled     types.Bool        `tfsdk:"restore_if_scheduled_for_deletion"`
	Credentials          *credentialsModel `tfsdk:"credentials"`
	Database             *databaseModel    `tfsdk:"database"`
	Rotation             types.Object      `tfsdk:"rotation"`
	DeletionAlert        types.Object      `tfsdk:"deletion_alert"`
	RotationAlert        types.Object      `tfsdk:"rotation_alert"`
	ReaderAlert          types.Object      `tfsdk:"unexpected_reader_alert"`
	Policy               types.String      `tfsdk:"policy"`
	Readers              types.Set         `tfsdk:"readers"`
	ResourcePolicy       types.String      `tfsdk:"resource_policy"`
	Tags                 types.Map         `tfsdk:"tags"`
	TagsAll              types.Map         `tfsdk:"tags_all"`
	VersionID            types.String      `tfsdk:"version_id"`
	RotationFunctionARN  types.String      `tfsdk:"rotation_function_arn"`
	RotationRoleARN      types.String      `tfsdk:"rotation_role_arn"`
	KMSKeyARN            types.String      `tfsdk:"kms_key_arn"`
	MasterKMSKeyARN      types.String      `tfsdk:"master_kms_key_arn"`
	RotationLogGroupName types.String      `tfsdk:"rotation_log_group_name"`
	RotationPermissionID types.String      `tfsdk:"rotation_permission_id"`
	RotationCodeSHA256   types.String      `tfsdk:"rotation_code_sha256"`
	AlertRuleARN         types.String      `tfsdk:"alert_rule_arn"`
	AlertTopicARN        types.String      `tfsdk:"alert_topic_arn"`
	RotationAlertRuleARN types.String      `tfsdk:"rotation_alert_rule_arn"`
	ReaderAlertRuleARN   types.String      `tfsdk:"reader_alert_rule_arn"`
	AlertSubscriptions   types.List        `tfsdk:"alert_subscriptions"`
	RotationEnabled      types.Bool        `tfsdk:"rotation_enabled"`
	LastRotatedDate      types.String      `tfsdk:"last_rotated_date"`
	NextRotationDate     types.String      `tfsdk:"next_rotation_date"`
	LastRotationError    types.String      `tfsdk:"last_rotation_error"`
	Timeouts             timeouts.Value    `tfsdk:"timeouts"`
}

type credentialsModel struct {
	Engine            types.String `tfsdk:"engine"`
	Host              types.String `tfsdk:"host"`
	Port              types.Int64  `tfsdk:"port"`
	DBName            types.String `tfsdk:"dbname"`
	Username          types.String `tfsdk:"username"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
	SSL               types.Bool   `tfsdk:"ssl"`
	SSLCABundle       types.String `tfsdk:"ssl_ca_bundle"`
}

type databaseModel struct {
	InstanceIdentifier types.String `tfsdk:"instance_identifier"`
	ClusterIdentifier  types.String `tfsdk:"cluster_identifier"`
}

type rotationModel struct {
	Enabled                types.Bool   `tfsdk:"enabled"`
	AutomaticallyAfterDays types.Int64  `tfsdk:"automatically_after_days"`
	ScheduleExpression     types.String `tfsdk:"schedule_expression"`
	Duration               types.String `tfsdk:"duration"`
	RotateImmediately      types.Bool   `tfsdk:"rotate_immediately"`
	WaitForFirstRotation   types.Bool   `tfsdk:"wait_for_first_rotation"`
	Strategy               types.String `tfsdk:"strategy"`
	MasterSecretARN        types.String `tfsdk:"master_secret_arn"`
	PasswordLength         types.Int64  `tfsdk:"password_length"`
	ExcludeCharacters      types.String `tfsdk:"exclude_characters"`
	Lambda                 types.Object `tfsdk:"lambda"`
}

type lambdaModel struct {
	Name             types.String `tfsdk:"name"`
	Architecture     types.String `tfsdk:"architecture"`
	MemorySize       types.Int64  `tfsdk:"memory_size"`
	Timeout          types.Int64  `tfsdk:"timeout"`
	SubnetIDs        types.Set    `tfsdk:"subnet_ids"`
	SecurityGroupIDs types.Set    `tfsdk:"security_group_ids"`
	LogRetentionDays types.Int64  `tfsdk:"log_retention_days"`
}

type alertModel struct {
	Enabled        types.Bool   `tfsdk:"enabled"`
	SNSTopicARN    types.String `tfsdk:"sns_topic_arn"`
	EmailAddresses types.Set    `tfsdk:"email_addresses"`
	SMSNumbers     types.Set    `tfsdk:"sms_numbers"`
	Subscriptions  types.Set    `tfsdk:"subscriptions"`
	Events         types.Set    `tfsdk:"events"`
	CheckTrail     types.Bool   `tfsdk:"check_trail"`
}

type rotationAlertModel struct {
	Enabled types.Bool `tfsdk:"enabled"`
	Events  types.Set  `tfsdk:"events"`
}

type readerAlertModel struct {
	Enabled types.Bool `tfsdk:"enabled"`
}

var asOptions = basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true}

// rotation, lambda and alert read the nested objects, falling back to the schema's defaults when
// an object is null (as after an import).
func (m *rdsSecretModel) rotation(ctx context.Context, diags *diag.Diagnostics) (rotationModel, lambdaModel) {
	obj := m.Rotation
	if obj.IsNull() || obj.IsUnknown() {
		obj = defaultRotation()
	}
	var r rotationModel
	diags.Append(obj.As(ctx, &r, asOptions)...)
	lambdaObj := r.Lambda
	if lambdaObj.IsNull() || lambdaObj.IsUnknown() {
		lambdaObj = defaultLambda()
	}
	var l lambdaModel
	diags.Append(lambdaObj.As(ctx, &l, asOptions)...)
	return r, l
}

func (m *rdsSecretModel) alert(ctx context.Context, diags *diag.Diagnostics) alertModel {
	obj := m.DeletionAlert
	if obj.IsNull() || obj.IsUnknown() {
		obj = defaultAlert()
	}
	var a alertModel
	diags.Append(obj.As(ctx, &a, asOptions)...)
	return a
}

// watchAlerts reads rotation_alert and unexpected_reader_alert, falling back to their defaults when
// null (an import, or a state written before they existed).
func (m *rdsSecretModel) watchAlerts(ctx context.Context, diags *diag.Diagnostics) (bundle.RotationAlert, bundle.ReaderAlert) {
	var r rotationAlertModel
	var u readerAlertModel
	diags.Append(objectOrDefault(m.RotationAlert, defaultRotationAlert).As(ctx, &r, asOptions)...)
	diags.Append(objectOrDefault(m.ReaderAlert, defaultReaderAlert).As(ctx, &u, asOptions)...)
	return bundle.RotationAlert{Enabled: r.Enabled.ValueBool(), Events: stringsOf(ctx, r.Events, diags)}, bundle.ReaderAlert{Enabled: u.Enabled.ValueBool()}
}

func objectOrDefault(obj types.Object, def func() types.Object) types.Object {
	if obj.IsNull() || obj.IsUnknown() {
		return def()
	}
	return obj
}

func stringsOf(ctx context.Context, set types.Set, diags *diag.Diagnostics) []string {
	if set.IsNull() || set.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(set.ElementsAs(ctx, &out, false)...)
	slices.Sort(out)
	return out
}

func stringMap(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// spec converts the model (a plan, or a prior state) into the bundle's Spec. defaultTags are the
// provider's; the Spec carries them beside the resource's own.
func (m *rdsSecretModel) spec(ctx context.Context, defaultTags map[string]string, diags *diag.Diagnostics) *bundle.Spec {
	r, l := m.rotation(ctx, diags)
	a := m.alert(ctx, diags)
	spec := &bundle.Spec{
		Name:                        m.Name.ValueString(),
		Description:                 m.Description.ValueString(),
		KMSKeyID:                    m.KMSKeyID.ValueString(),
		RecoveryWindowInDays:        m.RecoveryWindowInDays.ValueInt64(),
		RestoreScheduledForDeletion: m.RestoreScheduled.ValueBool(),
		Tags:                        stringMap(ctx, m.Tags, diags),
		DefaultTags:                 maps.Clone(defaultTags),
		ResourcePolicy:              m.Policy.ValueString(),
		Readers:                     stringsOf(ctx, m.Readers, diags),
		Rotation: bundle.Rotation{
			Enabled:                r.Enabled.ValueBool(),
			AutomaticallyAfterDays: r.AutomaticallyAfterDays.ValueInt64(),
			ScheduleExpression:     r.ScheduleExpression.ValueString(),
			Duration:               r.Duration.ValueString(),
			RotateImmediately:      r.RotateImmediately.ValueBool(),
			WaitForFirstRotation:   r.WaitForFirstRotation.ValueBool(),
			Strategy:               r.Strategy.ValueString(),
			MasterSecretARN:        r.MasterSecretARN.ValueString(),
			PasswordLength:         r.PasswordLength.ValueInt64(),
			ExcludeCharacters:      r.ExcludeCharacters.ValueString(),
			Lambda: bundle.Lambda{
				Name:             l.Name.ValueString(),
				Architecture:     l.Architecture.ValueString(),
				MemorySize:       l.MemorySize.ValueInt64(),
				Timeout:          l.Timeout.ValueInt64(),
				SubnetIDs:        stringsOf(ctx, l.SubnetIDs, diags),
				SecurityGroupIDs: stringsOf(ctx, l.SecurityGroupIDs, diags),
				LogRetentionDays: l.LogRetentionDays.ValueInt64(),
			},
		},
		Alert: bundle.Alert{
			Enabled:        a.Enabled.ValueBool(),
			TopicARN:       a.SNSTopicARN.ValueString(),
			EmailAddresses: stringsOf(ctx, a.EmailAddresses, diags),
			SMSNumbers:     stringsOf(ctx, a.SMSNumbers, diags),
			Subscriptions:  subscriptionsOf(ctx, a.Subscriptions, diags),
			Events:         stringsOf(ctx, a.Events, diags),
		},
	}
	spec.RotationAlert, spec.ReaderAlert = m.watchAlerts(ctx, diags)
	if spec.Rotation.AutomaticallyAfterDays == 0 && spec.Rotation.ScheduleExpression == "" {
		spec.Rotation.AutomaticallyAfterDays = defaultAfterDays
	}
	if c := m.Credentials; c != nil {
		spec.Credentials = bundle.Credentials{
			Engine:   c.Engine.ValueString(),
			Host:     c.Host.ValueString(),
			Port:     c.Port.ValueInt64(),
			DBName:   c.DBName.ValueString(),
			Username: c.Username.ValueString(),
		}
		if !c.SSL.IsNull() && !c.SSL.IsUnknown() {
			ssl := c.SSL.ValueBool()
			spec.Credentials.SSL = &ssl
		}
		spec.Credentials.SSLCABundle = c.SSLCABundle.ValueString()
	}
	if m.Database != nil {
		spec.Database = &bundle.Database{InstanceIdentifier: m.Database.InstanceIdentifier.ValueString(), ClusterIdentifier: m.Database.ClusterIdentifier.ValueString()}
	}
	return spec
}

// bundleState rebuilds the bundle's State from the computed attributes of a Terraform state.
func (m *rdsSecretModel) bundleState(ctx context.Context, diags *diag.Diagnostics) *bundle.State {
	a := m.alert(ctx, diags)
	st := &bundle.State{
		SecretARN:         m.ARN.ValueString(),
		SecretName:        m.Name.ValueString(),
		VersionID:         m.VersionID.ValueString(),
		RotationEnabled:   m.RotationEnabled.ValueBool(),
		LastRotationError: m.LastRotationError.ValueString(),
	}
	st.LastRotatedDate, _ = time.Parse(time.RFC3339, m.LastRotatedDate.ValueString())
	st.Subscriptions = subscriptionStatesOf(ctx, m.AlertSubscriptions, diags)
	for _, attribute := range bundle.Attributes() {
		attribute.Set(st, m.stringAttribute(attribute.Name).ValueString())
	}
	st.TopicCreated = a.Enabled.ValueBool() && a.SNSTopicARN.IsNull() && st.TopicARN != ""
	return st
}

// stringAttribute is the model's string attribute of that name (its tfsdk tag): the parts declare
// their attributes (bundle.Attributes), and the model converts them without naming them.
func (m *rdsSecretModel) stringAttribute(name string) *types.String {
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		if v.Type().Field(i).Tag.Get("tfsdk") == name {
			if s, ok := v.Field(i).Addr().Interface().(*types.String); ok {
				return s
			}
		}
	}
	panic("rdsSecretModel has no string attribute " + name + ": add it to the model and the schema")
}

func dateString(t time.Time) types.String {
	if t.IsZero() {
		return types.StringValue("")
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// setState writes a bundle State into the model's computed attributes.
func (m *rdsSecretModel) setState(st *bundle.State) {
	m.ID, m.ARN = types.StringValue(st.SecretARN), types.StringValue(st.SecretARN)
	if st.SecretARN == "" {
		// Only survivors of a failed rollback, without the secret: the id must still name the
		// bundle for Terraform to keep (and taint) it.
		m.ID = types.StringValue(st.SecretName)
	}
	if st.SecretName != "" {
		m.Name = types.StringValue(st.SecretName)
	}
	m.VersionID = types.StringValue(st.VersionID)
	for _, attribute := range bundle.Attributes() {
		*m.stringAttribute(attribute.Name) = types.StringValue(attribute.Get(st))
	}
	m.AlertSubscriptions = subscriptionStatesValue(st.Subscriptions)
	m.RotationEnabled = types.BoolValue(st.RotationEnabled)
	m.LastRotatedDate = dateString(st.LastRotatedDate)
	m.NextRotationDate = dateString(st.NextRotationDate)
	m.LastRotationError = types.StringValue(st.LastRotationError)
}

func tagsValue(tags map[string]string) types.Map {
	elems := map[string]attr.Value{}
	for k, v := range tags {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// setSpec writes the Spec bundle.Read observed into the model: an attribute whose value differs
// from prior (the Spec this model converted into) takes the observed value, so that drift shows in
// the plan; every other attribute stays as it is, null included.
func (m *rdsSecretModel) setSpec(ctx context.Context, prior, spec *bundle.Spec, diags *diag.Diagnostics) {
	setString(&m.Description, prior.Description, spec.Description)
	if prior.ResourcePolicy != spec.ResourcePolicy {
		// A configured policy removed outside Terraform shows as null, so that the plan puts it back.
		m.Policy = types.StringValue(spec.ResourcePolicy)
		if spec.ResourcePolicy == "" {
			m.Policy = types.StringNull()
		}
	}
	setString(&m.KMSKeyID, prior.KMSKeyID, spec.KMSKeyID)
	if m.Credentials == nil && spec.Credentials != prior.Credentials {
		m.Credentials = &credentialsModel{PasswordWO: types.StringNull(), PasswordWOVersion: types.Int64Null()}
	}
	if c, before, after := m.Credentials, prior.Credentials, spec.Credentials; c != nil {
		setString(&c.Engine, before.Engine, after.Engine)
		setString(&c.Host, before.Host, after.Host)
		setInt64(&c.Port, before.Port, after.Port)
		setString(&c.DBName, before.DBName, after.DBName)
		setString(&c.Username, before.Username, after.Username)
		if (before.SSL == nil) != (after.SSL == nil) || (after.SSL != nil && *before.SSL != *after.SSL) {
			c.SSL = types.BoolPointerValue(after.SSL)
		}
		setString(&c.SSLCABundle, before.SSLCABundle, after.SSLCABundle)
	}

	r, l := m.rotation(ctx, diags)
	before, after := prior.Rotation, spec.Rotation
	if before.Enabled != after.Enabled {
		r.Enabled = types.BoolValue(after.Enabled)
	}
	setInt64(&r.AutomaticallyAfterDays, before.AutomaticallyAfterDays, after.AutomaticallyAfterDays)
	setString(&r.ScheduleExpression, before.ScheduleExpression, after.ScheduleExpression)
	setString(&r.Duration, before.Duration, after.Duration)
	setString(&r.Strategy, before.Strategy, after.Strategy)
	setString(&r.MasterSecretARN, before.MasterSecretARN, after.MasterSecretARN)
	setInt64(&r.PasswordLength, before.PasswordLength, after.PasswordLength)
	setString(&r.ExcludeCharacters, before.ExcludeCharacters, after.ExcludeCharacters)
	setString(&l.Architecture, before.Lambda.Architecture, after.Lambda.Architecture)
	setInt64(&l.MemorySize, before.Lambda.MemorySize, after.Lambda.MemorySize)
	setInt64(&l.Timeout, before.Lambda.Timeout, after.Lambda.Timeout)
	setStrings(&l.SubnetIDs, before.Lambda.SubnetIDs, after.Lambda.SubnetIDs)
	setStrings(&l.SecurityGroupIDs, before.Lambda.SecurityGroupIDs, after.Lambda.SecurityGroupIDs)
	var d diag.Diagnostics
	r.Lambda, d = types.ObjectValueFrom(ctx, lambdaAttrTypes(), l)
	diags.Append(d...)
	m.Rotation, d = types.ObjectValueFrom(ctx, rotationAttrTypes(), r)
	diags.Append(d...)

	a := m.alert(ctx, diags)
	defaultNewAlertLists(&a)
	setStrings(&a.Events, prior.Alert.Events, spec.Alert.Events)
	setStrings(&a.EmailAddresses, prior.Alert.EmailAddresses, spec.Alert.EmailAddresses)
	setStrings(&a.SMSNumbers, prior.Alert.SMSNumbers, spec.Alert.SMSNumbers)
	if !slices.Equal(prior.Alert.Subscriptions, spec.Alert.Subscriptions) {
		a.Subscriptions = subscriptionSetOf(spec.Alert.Subscriptions)
	}
	m.DeletionAlert, d = types.ObjectValueFrom(ctx, alertAttrTypes(), a)
	diags.Append(d...)

	if !maps.Equal(prior.Tags, spec.Tags) {
		m.Tags = tagsValue(spec.Tags)
	}
	m.TagsAll = tagsValue(spec.TagsAll())
}

func setString(attribute *types.String, before, after string) {
	if before != after {
		*attribute = types.StringValue(after)
	}
}

func setInt64(attribute *types.Int64, before, after int64) {
	if before != after {
		*attribute = types.Int64Value(after)
	}
}

func setStrings(attribute *types.Set, before, after []string) {
	if !slices.Equal(before, after) {
		*attribute = setOf(after)
	}
}

// subscriptionModel is an element of deletion_alert.subscriptions.
type subscriptionModel struct {
	Protocol types.String `tfsdk:"protocol"`
	Endpoint types.String `tfsdk:"endpoint"`
}

// subscriptionStateModel is an element of alert_subscriptions.
type subscriptionStateModel struct {
	Protocol            types.String `tfsdk:"protocol"`
	Endpoint            types.String `tfsdk:"endpoint"`
	ARN                 types.String `tfsdk:"arn"`
	PendingConfirmation types.Bool   `tfsdk:"pending_confirmation"`
}

func subscriptionsOf(ctx context.Context, set types.Set, diags *diag.Diagnostics) []bundle.Subscription {
	if set.IsNull() || set.IsUnknown() {
		return nil
	}
	var models []subscriptionModel
	diags.Append(set.ElementsAs(ctx, &models, false)...)
	out := make([]bundle.Subscription, 0, len(models))
	for _, m := range models {
		out = append(out, bundle.Subscription{Protocol: m.Protocol.ValueString(), Endpoint: m.Endpoint.ValueString()})
	}
	return out
}

func subscriptionSetOf(subs []bundle.Subscription) types.Set {
	elems := make([]attr.Value, 0, len(subs))
	for _, s := range subs {
		elems = append(elems, types.ObjectValueMust(subscriptionType.AttrTypes, map[string]attr.Value{
			"protocol": types.StringValue(s.Protocol), "endpoint": types.StringValue(s.Endpoint),
		}))
	}
	return types.SetValueMust(subscriptionType, elems)
}

func subscriptionStatesOf(ctx context.Context, list types.List, diags *diag.Diagnostics) []bundle.SubscriptionState {
	if list.IsNull() || list.IsUnknown() {
		return nil
	}
	var models []subscriptionStateModel
	diags.Append(list.ElementsAs(ctx, &models, false)...)
	out := make([]bundle.SubscriptionState, 0, len(models))
	for _, m := range models {
		out = append(out, bundle.SubscriptionState{Protocol: m.Protocol.ValueString(), Endpoint: m.Endpoint.ValueString(), ARN: m.ARN.ValueString(), PendingConfirmation: m.PendingConfirmation.ValueBool()})
	}
	return out
}

func subscriptionStatesValue(subs []bundle.SubscriptionState) types.List {
	elems := make([]attr.Value, 0, len(subs))
	for _, s := range subs {
		elems = append(elems, types.ObjectValueMust(subscriptionStateType.AttrTypes, map[string]attr.Value{
			"protocol": types.StringValue(s.Protocol), "endpoint": types.StringValue(s.Endpoint),
			"arn": types.StringValue(s.ARN), "pending_confirmation": types.BoolValue(s.PendingConfirmation),
		}))
	}
	return types.ListValueMust(subscriptionStateType, elems)
}
