package provider

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/validators"
)

// ValidateConfig checks the rules that span attributes. Like the attribute validators it makes no
// AWS call, so bad configurations fail at plan time.
func (r *rdsSecretResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config rdsSecretModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if config.Name.IsNull() && config.NamePrefix.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Missing secret name",
			"Set name (the secret's full name, such as prod/orders/db) or name_prefix (a unique name is made from it).")
	}
	if c := config.Credentials; c != nil && config.Database == nil {
		for attribute, value := range map[string]types.String{"engine": c.Engine, "host": c.Host} {
			if value.IsNull() {
				resp.Diagnostics.AddAttributeError(path.Root("credentials").AtName(attribute), "Missing credentials."+attribute,
					fmt.Sprintf("Attribute credentials.%s is required unless database names the RDS instance or cluster to take it from.", attribute))
			}
		}
	}
	warnUnheardAlert(ctx, &config, &resp.Diagnostics)
	if config.Rotation.IsNull() || config.Rotation.IsUnknown() {
		checkUsernameLength(config.Credentials, bundle.StrategySingleUser, &resp.Diagnostics)
		return
	}
	rotation, lambdaSettings := config.rotation(ctx, &resp.Diagnostics)
	checkUsernameLength(config.Credentials, rotation.Strategy.ValueString(), &resp.Diagnostics)
	rotationPath := path.Root("rotation")
	if rotation.Strategy.ValueString() == bundle.StrategyAlternatingUsers && rotation.MasterSecretARN.IsNull() {
		resp.Diagnostics.AddAttributeError(rotationPath.AtName("master_secret_arn"), "Missing rotation.master_secret_arn",
			"Attribute rotation.master_secret_arn is required when rotation.strategy is alternating_users: it names the secret of the user that creates the _clone user and sets its password.")
	}
	if c := config.Credentials; c != nil && rotation.Strategy.ValueString() == bundle.StrategyAlternatingUsers && credentials.SingleUserOnly(c.Engine.ValueString()) {
		resp.Diagnostics.AddAttributeError(rotationPath.AtName("strategy"), "Strategy not supported for "+c.Engine.ValueString(),
			fmt.Sprintf("Attribute rotation.strategy %q is not supported with credentials.engine %q: the rotator rotates Redshift users with %q only (Redshift lets only a superuser change another user's password).",
				bundle.StrategyAlternatingUsers, c.Engine.ValueString(), bundle.StrategySingleUser))
	}
	if c := config.Credentials; c != nil && rotation.Strategy.ValueString() == bundle.StrategyAlternatingUsers {
		if username := c.Username.ValueString(); strings.HasSuffix(username, bundle.CloneSuffix) {
			resp.Diagnostics.AddAttributeError(path.Root("credentials").AtName("username"), "Username ends in "+bundle.CloneSuffix,
				fmt.Sprintf("Attribute credentials.username %q ends in %q, the suffix the alternating_users strategy gives the second user: its rotations would alternate to %q instead of to %q. Name the base user (without %q), or use rotation.strategy = %q.",
					username, bundle.CloneSuffix, strings.TrimSuffix(username, bundle.CloneSuffix), username+bundle.CloneSuffix, bundle.CloneSuffix, bundle.StrategySingleUser))
		}
	}
	if !rotation.Duration.IsNull() && !rotation.Duration.IsUnknown() {
		window, err := validators.WindowDuration(rotation.Duration.ValueString())
		interval := time.Duration(0)
		switch {
		case !rotation.ScheduleExpression.IsNull() && !rotation.ScheduleExpression.IsUnknown():
			interval, _ = validators.ScheduleInterval(rotation.ScheduleExpression.ValueString())
		case !rotation.AutomaticallyAfterDays.IsUnknown():
			days := rotation.AutomaticallyAfterDays.ValueInt64()
			if rotation.AutomaticallyAfterDays.IsNull() {
				days = defaultAfterDays
			}
			interval = time.Duration(days) * 24 * time.Hour
		}
		if err == nil && interval > 0 && window >= interval {
			resp.Diagnostics.AddAttributeError(rotationPath.AtName("duration"), "Rotation window too long",
				fmt.Sprintf("Attribute rotation.duration (%s) must be shorter than the time between rotations (%s); shorten the window or rotate less often.", rotation.Duration.ValueString(), interval))
		}
	}
	subnets, groups := lambdaSettings.SubnetIDs, lambdaSettings.SecurityGroupIDs
	if !subnets.IsUnknown() && !groups.IsUnknown() && (len(subnets.Elements()) == 0) != (len(groups.Elements()) == 0) {
		resp.Diagnostics.AddAttributeError(rotationPath.AtName("lambda").AtName("subnet_ids"), "Incomplete VPC placement",
			"Attributes rotation.lambda.subnet_ids and rotation.lambda.security_group_ids go together: set both to run the rotator in a VPC, or neither.")
	}
}

// ModifyPlan plans the computed attributes: tags_all from tags and the provider's default tags,
// and, on update, unknown ids for parts that are missing (deleted out of band) or will be replaced,
// so that the plan shows the repair as an in-place update.
func (r *rdsSecretResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan rdsSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Tags.IsUnknown() && r.client != nil {
		spec := bundle.Spec{Tags: stringMap(ctx, plan.Tags, &resp.Diagnostics), DefaultTags: r.defaultTags}
		plan.TagsAll = tagsValue(spec.TagsAll())
	}
	if r.client != nil {
		// The rotator is told the provider block's endpoints.secretsmanager: refuse, before any
		// AWS call, one that would carry passwords in clear text.
		if _, err := r.client.RotatorEndpoint(); err != nil {
			resp.Diagnostics.AddError("Unsafe Secrets Manager endpoint for the rotator", err.Error())
			return
		}
		if r.client.AccountID == "" {
			// A plan may run offline; the apply refuses (requireAccount).
			resp.Diagnostics.AddAttributeWarning(path.Root("name"), "Account ID required to apply", accountMissing)
		}
	}
	if req.State.Raw.IsNull() {
		r.checkFirstRotation(ctx, req.Config, &plan, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	var state rdsSecretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if deleted, d := req.Private.GetKey(ctx, privateSecretDeleted); len(deleted) > 0 {
		// Read found the secret deleted outside Terraform: the bundle is replaced (Terraform
		// honours a replacement only for a path whose value changes, hence the unknown ARN).
		resp.Diagnostics.Append(d...)
		plan.ARN, plan.ID = types.StringUnknown(), types.StringUnknown()
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("arn"))
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	if !plan.Name.IsUnknown() && !plan.Name.Equal(state.Name) {
		warnNameReplaces(state, plan, &resp.Diagnostics)
	}
	// bundle.Plan is what Update will do: a part it adds, replaces or removes gets a new id.
	_, lambdaSettings := plan.rotation(ctx, &resp.Diagnostics)
	current := state.bundleState(ctx, &resp.Diagnostics)
	loadDrifted(ctx, req.Private, current, &resp.Diagnostics)
	priorSpec, planSpec := state.spec(ctx, r.defaultTags, &resp.Diagnostics), plan.spec(ctx, r.defaultTags, &resp.Diagnostics)
	changes := bundle.Plan(priorSpec, planSpec, current)
	if repaired := changes.Repaired(); len(repaired) > 0 {
		resp.Diagnostics.AddWarning("Bundle changed outside Terraform",
			"The last refresh saw these parts of the bundle changed outside Terraform: "+strings.Join(repaired, ", ")+
				". The apply puts them back as the bundle makes them (a trust policy, inline policy, rule, topic policy or invoke grant as the bundle writes it; "+
				"inline policies and managed policies added to the rotator's role, statements added to the function's policy and layers added to the function are removed). "+
				"If the change was wanted, make it in the configuration instead.")
	}
	repair := false
	unknownIf := func(attribute *types.String, condition bool) {
		if condition {
			*attribute = types.StringUnknown()
			repair = true
		}
	}
	for _, attribute := range bundle.Attributes() {
		unknownIf(plan.stringAttribute(attribute.Name), attribute.UnknownIn(priorSpec, planSpec, changes))
	}
	if sha, err := rotatorSHA256(lambdaSettings.Architecture.ValueString()); err == nil {
		unknownIf(&plan.RotationCodeSHA256, sha != state.RotationCodeSHA256.ValueString())
	}
	if repair {
		plan.VersionID, plan.LastRotatedDate, plan.NextRotationDate, plan.LastRotationError = types.StringUnknown(), types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		plan.RotationEnabled = types.BoolUnknown()
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// checkFirstRotation refuses, when a bundle is to be created, the combination whose first rotation
// cannot succeed: single_user with rotate_immediately (both defaults) and no credentials.password_wo.
// The bundle then stores a generated password the database does not know, and the rotator, which
// logs in as the user itself, fails. The write-only password is only in the configuration, not in
// the plan. Unknown values pass: they are checked again when known.
func (r *rdsSecretResource) checkFirstRotation(ctx context.Context, config tfsdk.Config, plan *rdsSecretModel, diags *diag.Diagnostics) {
	if plan.Rotation.IsUnknown() {
		return
	}
	rotation, _ := plan.rotation(ctx, diags)
	if rotation.Enabled.IsUnknown() || rotation.RotateImmediately.IsUnknown() || rotation.Strategy.IsUnknown() ||
		!rotation.Enabled.ValueBool() || !rotation.RotateImmediately.ValueBool() || rotation.Strategy.ValueString() != bundle.StrategySingleUser {
		return
	}
	var password types.String
	if d := config.GetAttribute(ctx, path.Root("credentials").AtName("password_wo"), &password); d.HasError() || !password.IsNull() {
		return
	}
	diags.AddAttributeError(path.Root("rotation").AtName("rotate_immediately"), "First rotation would fail: no password for a single-user bundle",
		fmt.Sprintf("Attribute rotation.rotate_immediately is true (the default) and rotation.strategy is %[1]q (the default), but credentials.password_wo is not set: "+
			"the bundle would store a generated password the database does not know, and the first rotation, which logs in as the user with that password, would fail. "+
			"Either give the user's current password in credentials.password_wo (with credentials.password_wo_version), "+
			"or set rotation.strategy = %[2]q with rotation.master_secret_arn (the master user sets the password). "+
			"To set the generated password on the database yourself, create the bundle with rotation.enabled = false, set the password the secret holds (the ephemeral resource secretsbundle_secret_value reads it) on the database, then turn rotation on. "+
			"rotation.rotate_immediately = false alone does not help: setting the schedule makes Secrets Manager run the rotator's testSecret step, which logs in with the generated password too.",
			bundle.StrategySingleUser, bundle.StrategyAlternatingUsers))
}

// warnUnheardAlert warns when the deletion alert publishes to a topic the bundle creates (no
// deletion_alert.sns_topic_arn) that nobody subscribes to (no e-mail address, SMS number or other subscription): the
// alert would fire into the void. Unknown values pass.
func warnUnheardAlert(ctx context.Context, config *rdsSecretModel, diags *diag.Diagnostics) {
	if config.DeletionAlert.IsUnknown() {
		return
	}
	alert := config.alert(ctx, diags)
	if alert.Enabled.IsUnknown() || (!alert.Enabled.IsNull() && !alert.Enabled.ValueBool()) || !alert.SNSTopicARN.IsNull() {
		return
	}
	for _, set := range []types.Set{alert.EmailAddresses, alert.SMSNumbers, alert.Subscriptions} {
		if set.IsUnknown() || len(set.Elements()) > 0 {
			return
		}
	}
	diags.AddAttributeWarning(path.Root("deletion_alert").AtName("email_addresses"), "Deletion alert without a subscriber",
		"Attribute deletion_alert.sns_topic_arn is not set, so the bundle creates a topic for the alert, and deletion_alert.email_addresses, deletion_alert.sms_numbers and deletion_alert.subscriptions are empty, so nobody is subscribed to it: "+
			"the alert on the secret's deletion would reach no one. Add deletion_alert.email_addresses, deletion_alert.sms_numbers or deletion_alert.subscriptions (an SQS queue, a Lambda function, an https webhook), "+
			"or give an existing topic with subscribers in deletion_alert.sns_topic_arn, or set deletion_alert.enabled = false.")
}

// checkUsernameLength refuses a user name longer than its engine allows; with alternating users
// the _clone user's name must fit too.
func checkUsernameLength(c *credentialsModel, strategy string, diags *diag.Diagnostics) {
	if c == nil || c.Engine.IsNull() || c.Engine.IsUnknown() || c.Username.IsNull() || c.Username.IsUnknown() {
		return
	}
	limit, bytes := credentials.UsernameLimit(c.Engine.ValueString())
	if limit == 0 {
		return
	}
	name, unit := c.Username.ValueString(), "characters"
	if strategy == bundle.StrategyAlternatingUsers {
		name += bundle.CloneSuffix
	}
	length := utf8.RuneCountInString(name)
	if bytes {
		length, unit = len(name), "bytes"
	}
	if length <= limit {
		return
	}
	detail := fmt.Sprintf("Attribute credentials.username %q is %d %s; engine %q allows at most %d.", c.Username.ValueString(), length, unit, c.Engine.ValueString(), limit)
	if name != c.Username.ValueString() {
		detail = fmt.Sprintf("Attribute credentials.username %q makes the alternating user %q, %d %s; engine %q allows at most %d: shorten the user name by %d.",
			c.Username.ValueString(), name, length, unit, c.Engine.ValueString(), limit, length-limit)
	}
	diags.AddAttributeError(path.Root("credentials").AtName("username"), "User name too long", detail)
}

// warnNameReplaces says in plain words what a new name does: the only change that replaces the
// secret itself.
func warnNameReplaces(state, plan rdsSecretModel, diags *diag.Diagnostics) {
	deletion := "deleted at once (recovery_window_in_days = 0): it cannot be restored"
	if days := state.RecoveryWindowInDays.ValueInt64(); days > 0 {
		deletion = fmt.Sprintf("scheduled for deletion with its recovery window of %d days: from then on every GetSecretValue of it fails, until it is restored (aws secretsmanager restore-secret) or deleted for good", days)
	}
	diags.AddAttributeWarning(path.Root("name"), "Changing name replaces the secret",
		fmt.Sprintf("Attribute name changes from %q to %q: this apply creates a new secret %s with a new ARN, value and bundle, and the secret %s is %s. "+
			"Applications must read the new name. With lifecycle { create_before_destroy = true } the new bundle exists before the old one is deleted. "+
			"Every other attribute, rotation.strategy and rotation.lambda.name included, changes the bundle in place.",
			state.Name.ValueString(), plan.Name.ValueString(), plan.Name.ValueString(), state.Name.ValueString(), deletion))
}
