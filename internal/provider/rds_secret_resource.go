package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	// defaultTags are the provider block's default_tags, for every Spec.
	defaultTags map[string]string
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
	data := configured(req.ProviderData, &resp.Diagnostics)
	r.client, r.defaultTags = data.client, data.defaultTags
}

func (r *rdsSecretResource) deps() bundle.Deps {
	return bundle.Deps{AWS: r.client, RotatorCode: rotatorCode}
}

// accountMissing says why the bundle cannot be written without the account id: its policies are
// scoped to this account's objects, and without the id they would name any account's.
const accountMissing = "The bundle's IAM policy, topic policy and invoke grant name this account's secret, rule and log group, " +
	"and skip_requesting_account_id = true leaves the provider without the account ID: they would match an object of that name in any account. " +
	"Remove skip_requesting_account_id from the provider block (the provider then calls sts:GetCallerIdentity once) to create or update a bundle."

// requireAccount refuses, before any AWS call, a write that would need the account id.
func (r *rdsSecretResource) requireAccount(diags *diag.Diagnostics) bool {
	if r.client != nil && r.client.AccountID == "" {
		diags.AddAttributeError(path.Root("name"), "Account ID required", accountMissing)
		return false
	}
	return true
}

func (r *rdsSecretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.requireAccount(&resp.Diagnostics) {
		return
	}
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
	spec := plan.spec(ctx, r.defaultTags, &resp.Diagnostics)
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

// rotationFailedAdvice ends both rotation warnings: what to do. While the failed version still
// holds AWSPENDING, Secrets Manager answers rotate-secret with "A previous rotation isn't
// complete. That rotation will be reattempted." and runs the failed rotation again.
func rotationFailedAdvice(secretARN string) string {
	return ". Fix the cause (database reachable from the function, user and password right), then rotate with `aws secretsmanager rotate-secret --secret-id " + secretARN +
		"` (Secrets Manager may answer \"A previous rotation isn't complete. That rotation will be reattempted.\": it runs the failed rotation again); last_rotation_error keeps this message until a rotation succeeds."
}

func warnRotation(st *bundle.State, diags *diag.Diagnostics) {
	if st.LastRotationError != "" {
		diags.AddWarning("The first rotation of "+st.SecretName+" failed",
			"The secret, its rotator and its alert were created, but the first rotation did not succeed: "+st.LastRotationError+
				rotationFailedAdvice(st.SecretARN))
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
	m.TagsAll = tagsValue(spec.TagsAll())
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

// privateDrifted is the private state key that carries bundle.State.Drifted (the parts Read saw
// changed outside Terraform in ways no attribute shows) from the refresh to the plan and apply.
const privateDrifted = "drifted"

// privateState is what Terraform keeps privately for the resource between its calls.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// loadDrifted puts the refresh's Drifted into st.
func loadDrifted(ctx context.Context, private privateState, st *bundle.State, diags *diag.Diagnostics) {
	raw, d := private.GetKey(ctx, privateDrifted)
	diags.Append(d...)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &st.Drifted); err != nil {
			diags.AddError("Unreadable private state", "The resource's private state key "+privateDrifted+" does not hold a list of parts: "+err.Error()+". This is a bug in the provider: please report it.")
		}
	}
}

func (r *rdsSecretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state rdsSecretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	prior := state.spec(ctx, r.defaultTags, &resp.Diagnostics)
	current := state.bundleState(ctx, &resp.Diagnostics)
	spec, st, err := bundle.Read(ctx, r.deps(), prior, current)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the secret bundle "+current.SecretName, err.Error())
		return
	}
	if st == nil {
		resp.State.RemoveResource(ctx)
		return
	}
	if st.SecretDeleted {
		// Removing the resource from state, as for a plain secret, would leave the rotator, its
		// role, the alert rule and the topic behind with nothing that knows about them. Keep them:
		// ModifyPlan then plans a replacement, and destroy removes them.
		when := "has been deleted"
		if !st.SecretDeletionDate.IsZero() {
			when = "is scheduled for deletion on " + st.SecretDeletionDate.UTC().Format(time.RFC3339)
		}
		survivors := *st
		survivors.SecretARN = ""
		resp.Diagnostics.AddWarning("The secret "+current.SecretName+" was deleted outside Terraform",
			"The secret "+current.SecretARN+" "+when+", but the rest of its bundle still exists: "+strings.Join(survivors.Parts(), ", ")+
				". To keep the bundle, restore the secret (aws secretsmanager restore-secret --secret-id "+current.SecretARN+") and plan again. "+
				"Otherwise apply replaces the bundle (a secret scheduled for deletion keeps its name until it is deleted: force it with "+
				"aws secretsmanager delete-secret --force-delete-without-recovery, or set restore_if_scheduled_for_deletion = true to have the replacement restore and adopt it), and destroy removes what is left.")
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateSecretDeleted, []byte(`true`))...)
	} else {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateSecretDeleted, nil)...)
	}
	var drifted []byte
	if len(st.Drifted) > 0 {
		drifted, _ = json.Marshal(st.Drifted)
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateDrifted, drifted)...)
	if st.RotationFailed {
		// A rotation out of band (the schedule, rotate-secret) fails where only the rotator's log
		// sees it: say so in every plan until a rotation succeeds.
		resp.Diagnostics.AddWarning("The latest rotation of "+current.SecretName+" failed",
			"Secrets Manager still serves the version before it (AWSCURRENT); the rotator reported: "+st.LastRotationError+
				rotationFailedAdvice(current.SecretARN))
	}
	state.setState(st)
	state.setSpec(ctx, prior, spec, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
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
	if !r.requireAccount(&resp.Diagnostics) {
		return
	}
	var plan, state rdsSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	password := writeOnlyPassword(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, defaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()

	prior := state.spec(ctx, r.defaultTags, &resp.Diagnostics)
	spec := plan.spec(ctx, r.defaultTags, &resp.Diagnostics)
	current := state.bundleState(ctx, &resp.Diagnostics)
	loadDrifted(ctx, req.Private, current, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !password.IsNull() && plan.Credentials.PasswordWOVersion.ValueInt64() != state.Credentials.PasswordWOVersion.ValueInt64() {
		spec.Credentials.Password = password.ValueString()
		ctx = tflog.MaskLogStrings(ctx, spec.Credentials.Password)
	}
	st, err := bundle.Update(ctx, r.deps(), prior, spec, current)
	if err == nil {
		// Repaired: the next plan needs a refresh to see drift again.
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateDrifted, nil)...)
	}
	plan.applySpec(spec)
	st.LastRotationError = current.LastRotationError
	plan.setState(st)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if err != nil {
		resp.Diagnostics.AddError("Cannot update the secret bundle "+spec.Name,
			err.Error()+". The parts updated so far are saved; run terraform apply again to finish.")
		return
	}
	if st.CancelledRotation != "" {
		resp.Diagnostics.AddWarning("Turning rotation off cancelled a rotation of "+spec.Name,
			"Turning rotation off (CancelRotateSecret) ended "+st.CancelledRotation+". AWSCURRENT is as it was, and the database keeps the password it has: "+
				"if that rotation had changed it (setSecret ran), the value in AWSCURRENT may no longer log in; check it, and write the working password with credentials.password_wo and a new password_wo_version. "+
				"The pending version stays until the next rotation replaces it.")
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
	spec, st, err := bundle.Find(ctx, r.deps(), req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Cannot import the secret bundle "+req.ID, err.Error())
		return
	}
	m := importedModel(ctx, spec, st, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// importedModel is the model of a found bundle.
func importedModel(ctx context.Context, spec *bundle.Spec, st *bundle.State, diags *diag.Diagnostics) *rdsSecretModel {
	m := &rdsSecretModel{
		RecoveryWindowInDays: types.Int64Value(defaultRecoveryWindow),
		Description:          types.StringValue(""),
		KMSKeyID:             types.StringNull(),
		NamePrefix:           types.StringNull(),
		Policy:               types.StringNull(),
		Readers:              types.SetNull(types.StringType),
		RestoreScheduled:     types.BoolNull(),
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
	// The watch rules' settings are the defaults: an imported bundle without them gets them at
	// the next apply, as a bundle made before they existed does.
	m.RotationAlert, m.ReaderAlert = defaultRotationAlert(), defaultReaderAlert()
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
