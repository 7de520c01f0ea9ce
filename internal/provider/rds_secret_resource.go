package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

var (
	_ resource.Resource                   = (*rdsSecretResource)(nil)
	_ resource.ResourceWithConfigure      = (*rdsSecretResource)(nil)
	_ resource.ResourceWithImportState    = (*rdsSecretResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*rdsSecretResource)(nil)
	_ resource.ResourceWithValidateConfig = (*rdsSecretResource)(nil)
)

// The default timeouts: a first rotation and IAM propagation fit in them.
const (
	defaultCreateTimeout = 10 * time.Minute
	defaultUpdateTimeout = 10 * time.Minute
	defaultDeleteTimeout = 10 * time.Minute
)

type rdsSecretResource struct {
	client *awsclient.Client
}

// NewRDSSecretResource is the factory the provider registers.
func NewRDSSecretResource() resource.Resource { return &rdsSecretResource{} }

func (r *rdsSecretResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_rds_secret"
}

func (r *rdsSecretResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = rdsSecretSchema(ctx)
}

func (r *rdsSecretResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	client, ok := req.ProviderData.(*awsclient.Client)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data", fmt.Sprintf("The provider handed the resource %T instead of *awsclient.Client; this is a bug in the provider, please report it.", req.ProviderData))
		return
	}
	r.client = client
}

func (r *rdsSecretResource) deps() bundle.Deps {
	return bundle.Deps{AWS: r.client, RotatorCode: rotatorCode}
}

func (r *rdsSecretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan rdsSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	password := writeOnlyPassword(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, defaultCreateTimeout, &resp.Diagnostics)
	defer cancel()

	if plan.Name.IsNull() || plan.Name.IsUnknown() {
		plan.Name = types.StringValue(uniqueName(plan.NamePrefix.ValueString()))
	}
	spec := plan.spec(ctx, r.client.DefaultTags, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	spec.Credentials.Password = password.ValueString()
	if spec.Credentials.Password != "" {
		// Whatever logs from here on (the SDK's retries, the framework) never shows the password.
		ctx = tflog.MaskLogStrings(ctx, spec.Credentials.Password)
	}
	st, err := bundle.Create(ctx, r.deps(), spec)
	if err != nil {
		var createErr *bundle.CreateError
		if errors.As(err, &createErr) && st != nil {
			// Rollback left parts behind: keep them in state so Terraform taints the resource and
			// the next apply or destroy deletes them.
			plan.applySpec(spec)
			plan.setState(st)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		}
		resp.Diagnostics.AddError("Cannot create the secret bundle "+spec.Name, err.Error())
		return
	}
	plan.applySpec(spec)
	plan.setState(st)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	warnRotation(st, &resp.Diagnostics)
	r.warnTrail(ctx, &plan, &resp.Diagnostics)
}

// writeOnlyPassword reads credentials.password_wo from the configuration: being write-only, it is
// in neither the plan nor the state.
func writeOnlyPassword(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) types.String {
	var password types.String
	diags.Append(config.GetAttribute(ctx, path.Root("credentials").AtName("password_wo"), &password)...)
	return password
}

// withTimeout bounds ctx by the resource's timeout for the operation (timeouts.create and so on).
func withTimeout(ctx context.Context, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), fallback time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	d, problems := timeout(ctx, fallback)
	diags.Append(problems...)
	return context.WithTimeout(ctx, d)
}

func warnRotation(st *bundle.State, diags *diag.Diagnostics) {
	if st.LastRotationError != "" {
		diags.AddWarning("The first rotation of "+st.SecretName+" failed",
			"The secret, its rotator and its alert were created, but the first rotation did not succeed: "+st.LastRotationError+
				". Fix the cause (database reachable from the function, user and password right), then rotate with `aws secretsmanager rotate-secret --secret-id "+st.SecretARN+"`; last_rotation_error keeps this message until a rotation succeeds.")
	}
}

// applySpec writes what the bundle filled in (credentials from RDS, default port, merged tags)
// back into the computed attributes.
func (m *rdsSecretModel) applySpec(spec *bundle.Spec) {
	if m.Credentials != nil {
		m.Credentials.Engine = types.StringValue(spec.Credentials.Engine)
		m.Credentials.Host = types.StringValue(spec.Credentials.Host)
		m.Credentials.Port = types.Int64Value(spec.Credentials.Port)
		if m.Credentials.DBName.IsUnknown() || (m.Credentials.DBName.IsNull() && spec.Credentials.DBName != "") {
			m.Credentials.DBName = types.StringValue(spec.Credentials.DBName)
		}
		// Write-only values are never stored.
		m.Credentials.PasswordWO = types.StringNull()
	}
	m.TagsAll = tagsValue(spec.Tags)
}

// uniqueName appends a time-ordered unique suffix to a prefix, like terraform-provider-aws's
// name_prefix.
func uniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + time.Now().UTC().Format("20060102150405") + hex.EncodeToString(b)
}

// privateSecretDeleted is the private state key Read sets when the secret was deleted outside
// Terraform while other parts remain; ModifyPlan then replaces the bundle.
const privateSecretDeleted = "secret_deleted"

func (r *rdsSecretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state rdsSecretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	prior := state.bundleState(ctx, &resp.Diagnostics)
	obs, err := bundle.Read(ctx, r.deps(), prior)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the secret bundle "+prior.SecretName, err.Error())
		return
	}
	if obs.Gone {
		resp.State.RemoveResource(ctx)
		return
	}
	if obs.SecretDeleted {
		// Removing the resource from state, as for a plain secret, would leave the rotator, its
		// role, the alert rule and the topic behind with nothing that knows about them. Keep them:
		// ModifyPlan then plans a replacement, and destroy removes them.
		when := "has been deleted"
		if !obs.SecretDeletionDate.IsZero() {
			when = "is scheduled for deletion on " + obs.SecretDeletionDate.UTC().Format(time.RFC3339)
		}
		survivors := obs.State
		survivors.SecretARN = ""
		resp.Diagnostics.AddWarning("The secret "+prior.SecretName+" was deleted outside Terraform",
			"The secret "+prior.SecretARN+" "+when+", but the rest of its bundle still exists: "+strings.Join(survivors.Parts(), ", ")+
				". To keep the bundle, restore the secret (aws secretsmanager restore-secret --secret-id "+prior.SecretARN+") and plan again. "+
				"Otherwise apply replaces the bundle (a secret scheduled for deletion keeps its name until it is deleted: force it with "+
				"aws secretsmanager delete-secret --force-delete-without-recovery), and destroy removes what is left.")
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateSecretDeleted, []byte(`true`))...)
	} else {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateSecretDeleted, nil)...)
	}
	switch {
	case obs.RotationFailure != "":
		obs.State.LastRotationError = obs.RotationFailure
		// A rotation out of band (the schedule, rotate-secret) fails where only the rotator's log
		// sees it: say so in every plan until a rotation succeeds.
		resp.Diagnostics.AddWarning("The latest rotation of "+prior.SecretName+" failed",
			"Secrets Manager still serves the version before it (AWSCURRENT); the rotator reported: "+obs.RotationFailure+
				". Fix the cause (database reachable from the function, user and password right), then rotate with `aws secretsmanager rotate-secret --secret-id "+prior.SecretARN+"`; last_rotation_error keeps this message until a rotation succeeds.")
	case !obs.State.LastRotatedDate.IsZero() && dateString(obs.State.LastRotatedDate).ValueString() != state.LastRotatedDate.ValueString():
		// A rotation succeeded since the error was recorded.
		obs.State.LastRotationError = ""
	default:
		obs.State.LastRotationError = prior.LastRotationError
	}
	state.setState(&obs.State)
	state.observe(ctx, obs, r.client.DefaultTags, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// observe copies what Read saw into the managed attributes, so that drift shows in the plan.
// Settings the user left to defaults stay as they are when AWS reports the default.
func (m *rdsSecretModel) observe(ctx context.Context, obs *bundle.Observed, defaultTags map[string]string, diags *diag.Diagnostics) {
	if !m.Description.IsNull() || obs.Description != "" {
		m.Description = types.StringValue(obs.Description)
	}
	if obs.KMSKeyID != "" && obs.KMSKeyID != m.KMSKeyID.ValueString() {
		m.KMSKeyID = types.StringValue(obs.KMSKeyID)
	}
	// The function's environment says which strategy rotates the secret. A secret adopted by import
	// from elsewhere has no function of ours yet: a master secret in its value means alternating
	// users, as in AWS's rotation templates.
	strategy := obs.Strategy
	if strategy == "" && obs.Credentials != nil && obs.Credentials.MasterARN != "" {
		strategy = bundle.StrategyAlternatingUsers
	}
	if c := obs.Credentials; c != nil {
		if m.Credentials == nil {
			m.Credentials = &credentialsModel{PasswordWO: types.StringNull(), PasswordWOVersion: types.Int64Null(), SSL: types.BoolNull(), DBName: types.StringNull(), SSLCABundle: types.StringNull()}
		}
		m.Credentials.Engine, m.Credentials.Host = types.StringValue(c.Engine), types.StringValue(c.Host)
		m.Credentials.Port = types.Int64Value(c.Port)
		// Alternating users: rotation moves the secret between the user and its _clone, and
		// both are the configured user.
		username := c.Username
		if m.Credentials.Username.IsNull() && strategy == bundle.StrategyAlternatingUsers {
			// Import: the configured user is the one without the suffix.
			username = strings.TrimSuffix(username, bundle.CloneSuffix)
		}
		if username != m.Credentials.Username.ValueString()+bundle.CloneSuffix {
			m.Credentials.Username = types.StringValue(username)
		}
		if c.DBName != "" || !m.Credentials.DBName.IsNull() {
			m.Credentials.DBName = types.StringValue(c.DBName)
		}
		m.Credentials.SSL = types.BoolPointerValue(c.SSL)
		if obs.SSLCABundle != "" || !m.Credentials.SSLCABundle.IsNull() {
			m.Credentials.SSLCABundle = types.StringValue(obs.SSLCABundle)
		}
	}
	rotation, lambdaSettings := m.rotation(ctx, diags)
	rotation.Enabled = types.BoolValue(obs.State.RotationEnabled)
	switch {
	case obs.ScheduleExpression != "" && (rotation.ScheduleExpression.ValueString() != "" || obs.AutomaticallyAfterDays == 0):
		rotation.ScheduleExpression = types.StringValue(obs.ScheduleExpression)
	case obs.AutomaticallyAfterDays != 0 && (!rotation.AutomaticallyAfterDays.IsNull() || obs.AutomaticallyAfterDays != defaultAfterDays):
		rotation.AutomaticallyAfterDays = types.Int64Value(obs.AutomaticallyAfterDays)
	}
	// An empty duration is AWS's "until the end of the day" and LocalStack's for every window; it
	// cannot tell a removed window from an unreported one, so only a reported window counts.
	if obs.Duration != "" {
		rotation.Duration = types.StringValue(obs.Duration)
	}
	if c := obs.Credentials; c != nil && c.MasterARN != "" {
		rotation.MasterSecretARN = types.StringValue(c.MasterARN)
	}
	if obs.State.FunctionName != "" && obs.Architecture != "" {
		lambdaSettings.Architecture = types.StringValue(obs.Architecture)
		lambdaSettings.MemorySize, lambdaSettings.Timeout = types.Int64Value(obs.MemorySize), types.Int64Value(obs.Timeout)
		rotation.PasswordLength = types.Int64Value(obs.PasswordLength)
		rotation.ExcludeCharacters = types.StringValue(obs.ExcludeCharacters)
		if strategy != "" {
			rotation.Strategy = types.StringValue(strategy)
		}
		if obs.VPCID != "" {
			// Only a function in a VPC reports its placement; LocalStack never does, so an empty
			// answer cannot tell "moved out" from "not reported".
			lambdaSettings.SubnetIDs = setOf(obs.SubnetIDs)
			lambdaSettings.SecurityGroupIDs = setOf(obs.SecurityGroupIDs)
		}
	}
	if obs.State.FunctionName == "" && strategy != "" {
		rotation.Strategy = types.StringValue(strategy)
	}
	lambdaObj, d := types.ObjectValueFrom(ctx, lambdaAttrTypes(), lambdaSettings)
	diags.Append(d...)
	rotation.Lambda = lambdaObj
	m.Rotation, d = types.ObjectValueFrom(ctx, rotationAttrTypes(), rotation)
	diags.Append(d...)

	alert := m.alert(ctx, diags)
	if len(obs.AlertEvents) > 0 {
		alert.Events = setOf(obs.AlertEvents)
	}
	defaultNewAlertLists(&alert)
	if obs.State.TopicCreated && obs.State.TopicARN != "" {
		observeSubscriptions(ctx, &alert, obs.State.Subscriptions, diags)
	}
	m.DeletionAlert, d = types.ObjectValueFrom(ctx, alertAttrTypes(), alert)
	diags.Append(d...)

	if obs.Tags != nil {
		m.TagsAll = tagsValue(obs.Tags)
		if m.Tags.IsNull() {
			own := map[string]string{}
			for k, v := range obs.Tags {
				if dv, ok := defaultTags[k]; !ok || dv != v {
					own[k] = v
				}
			}
			if len(own) > 0 {
				m.Tags = tagsValue(own)
			}
		}
	}
}

// observeSubscriptions keeps in the alert's lists only the configured subscribers SNS still lists
// (confirmed or pending), so that one removed outside Terraform shows as drift and the next apply
// subscribes it again. Subscriptions made outside Terraform are not the bundle's: they show in
// alert_subscriptions only.
func observeSubscriptions(ctx context.Context, alert *alertModel, listed []bundle.SubscriptionState, diags *diag.Diagnostics) {
	present := func(protocol, endpoint string) bool {
		return slices.ContainsFunc(listed, func(s bundle.SubscriptionState) bool { return s.Protocol == protocol && s.Endpoint == endpoint })
	}
	emails, numbers, others := []string{}, []string{}, []bundle.Subscription{}
	for _, email := range stringsOf(ctx, alert.EmailAddresses, diags) {
		if present("email", email) {
			emails = append(emails, email)
		}
	}
	for _, number := range stringsOf(ctx, alert.SMSNumbers, diags) {
		if present("sms", number) {
			numbers = append(numbers, number)
		}
	}
	for _, sub := range subscriptionsOf(ctx, alert.Subscriptions, diags) {
		if present(sub.Protocol, sub.Endpoint) {
			others = append(others, sub)
		}
	}
	alert.EmailAddresses, alert.SMSNumbers, alert.Subscriptions = setOf(emails), setOf(numbers), subscriptionSetOf(others)
}

// defaultNewAlertLists fills the alert's lists that a state written before they existed holds
// as null with their default (empty), so that upgrading the provider plans no change.
func defaultNewAlertLists(alert *alertModel) {
	if alert.SMSNumbers.IsNull() {
		alert.SMSNumbers = emptyStringSet()
	}
	if alert.Subscriptions.IsNull() {
		alert.Subscriptions = emptySubscriptionSet()
	}
}

func setOf(values []string) types.Set {
	elems := make([]attr.Value, 0, len(values))
	for _, v := range values {
		elems = append(elems, types.StringValue(v))
	}
	return types.SetValueMust(types.StringType, elems)
}

func (r *rdsSecretResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state rdsSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	password := writeOnlyPassword(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, defaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()

	prior := state.spec(ctx, r.client.DefaultTags, &resp.Diagnostics)
	spec := plan.spec(ctx, r.client.DefaultTags, &resp.Diagnostics)
	current := state.bundleState(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !password.IsNull() && plan.Credentials.PasswordWOVersion.ValueInt64() != state.Credentials.PasswordWOVersion.ValueInt64() {
		spec.Credentials.Password = password.ValueString()
		ctx = tflog.MaskLogStrings(ctx, spec.Credentials.Password)
	}
	st, err := bundle.Update(ctx, r.deps(), prior, spec, current)
	plan.applySpec(spec)
	st.LastRotationError = current.LastRotationError
	plan.setState(st)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if err != nil {
		resp.Diagnostics.AddError("Cannot update the secret bundle "+spec.Name,
			err.Error()+". The parts updated so far are saved; run terraform apply again to finish.")
		return
	}
	if before := state.alert(ctx, &resp.Diagnostics); !before.Enabled.ValueBool() || !before.CheckTrail.ValueBool() {
		// The alert or its check was just turned on: check as at create.
		r.warnTrail(ctx, &plan, &resp.Diagnostics)
	}
}

func (r *rdsSecretResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state rdsSecretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, defaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	st := state.bundleState(ctx, &resp.Diagnostics)
	if err := bundle.Delete(ctx, r.deps(), st, state.RecoveryWindowInDays.ValueInt64()); err != nil {
		resp.Diagnostics.AddError("Cannot delete the secret bundle "+st.SecretName, err.Error()+". Run terraform destroy again to retry.")
	}
}

// ImportState is bundle.Find and the conversion of what it found into the model: the schema's
// defaults where the parts say nothing (Read observes the rest next).
func (r *rdsSecretResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	found, err := bundle.Find(ctx, r.deps(), req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Cannot import the secret bundle "+req.ID, err.Error())
		return
	}
	m := importedModel(ctx, &found.Spec, &found.State, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// importedModel is the model of a found bundle.
func importedModel(ctx context.Context, spec *bundle.Spec, st *bundle.State, diags *diag.Diagnostics) *rdsSecretModel {
	m := &rdsSecretModel{
		RecoveryWindowInDays: types.Int64Value(defaultRecoveryWindow),
		Description:          types.StringValue(""),
		KMSKeyID:             types.StringNull(),
		NamePrefix:           types.StringNull(),
		Tags:                 types.MapNull(types.StringType),
		TagsAll:              types.MapNull(types.StringType),
		Timeouts:             timeouts.Value{Object: types.ObjectNull(timeoutsAttrTypes(ctx))},
	}
	m.setState(st)
	lambdaSettings := lambdaModelDefaults()
	if spec.Rotation.Lambda.Name != "" {
		lambdaSettings.Name = types.StringValue(spec.Rotation.Lambda.Name)
	}
	lambdaSettings.LogRetentionDays = types.Int64Value(spec.Rotation.Lambda.LogRetentionDays)
	rotation := rotationModelDefaults()
	var d diag.Diagnostics
	rotation.Lambda, d = types.ObjectValueFrom(ctx, lambdaAttrTypes(), lambdaSettings)
	diags.Append(d...)
	m.Rotation, d = types.ObjectValueFrom(ctx, rotationAttrTypes(), rotation)
	diags.Append(d...)
	alert := alertModel{Enabled: types.BoolValue(spec.Alert.Enabled), SNSTopicARN: types.StringNull(), EmailAddresses: setOf(spec.Alert.EmailAddresses), SMSNumbers: setOf(spec.Alert.SMSNumbers), Subscriptions: subscriptionSetOf(spec.Alert.Subscriptions), Events: defaultEvents(), CheckTrail: types.BoolValue(true)}
	if spec.Alert.TopicARN != "" {
		alert.SNSTopicARN = types.StringValue(spec.Alert.TopicARN)
	}
	m.DeletionAlert, d = types.ObjectValueFrom(ctx, alertAttrTypes(), alert)
	diags.Append(d...)
	return m
}

// timeoutsAttrTypes are the attribute types of the timeouts block, from the schema.
func timeoutsAttrTypes(ctx context.Context) map[string]attr.Type {
	block, _ := rdsSecretSchema(ctx).Blocks["timeouts"].(schema.SingleNestedBlock)
	return attrTypesOf(block.Attributes)
}

func lambdaModelDefaults() lambdaModel {
	var l lambdaModel
	_ = defaultLambda().As(context.Background(), &l, asOptions)
	return l
}

func rotationModelDefaults() rotationModel {
	var r rotationModel
	_ = defaultRotation().As(context.Background(), &r, asOptions)
	return r
}
