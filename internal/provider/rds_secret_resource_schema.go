package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/artifact"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/validators"
)

// Defaults of the resource, shared by the schema's defaults and the descriptions.
const (
	defaultRecoveryWindow    = 30
	defaultAfterDays         = 30
	defaultPasswordLength    = 32
	defaultExcludeCharacters = ":/@\"'\\"
	defaultArchitecture      = "arm64"
	defaultMemorySize        = 128
	defaultTimeout           = 30
	defaultLogRetentionDays  = 30
	defaultAlertEvent        = "DeleteSecret"
)

// Allowed values: each list feeds both a validator and a description.
var (
	// readerARN is an IAM principal's ARN, or a pattern of them with *.
	readerARN = regexp.MustCompile(`^arn:[a-z*-]+:(iam|sts)::([0-9]{12}|\*):[A-Za-z0-9_+=,.@/*-]+$`)
	// architectures are the ones there is a rotator package for.
	architectures = artifact.Architectures
	// logRetentionDays are the values CloudWatch Logs accepts (0 keeps logs forever).
	logRetentionDays = []int64{0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

const (
	secretNameChars   = `A-Za-z0-9/_+=.@-`
	secretNameInWords = "letters, digits and /_+=.@-"
	lambdaNameChars   = `A-Za-z0-9_-`
	lambdaNameInWords = "letters, digits, - and _"
	maxSecretName     = 512
	// maxNamePrefix leaves room for the 26-character unique suffix.
	maxNamePrefix = maxSecretName - 26
)

func oneOfText(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "`" + v + "`"
	}
	return strings.Join(quoted, ", ")
}

func int64sText(values []int64) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

// The nested objects are declared once, in their schemas: their attribute types and default
// values are derived from them, and the models are their typed structs.
func lambdaAttrTypes() map[string]attr.Type { return attrTypesOf(lambdaSchema().Attributes) }
func rotationAttrTypes() map[string]attr.Type {
	return attrTypesOf(rotationSchema().Attributes)
}
func alertAttrTypes() map[string]attr.Type { return attrTypesOf(alertSchema().Attributes) }
func defaultLambda() types.Object          { return defaultOf(lambdaSchema().Attributes) }
func defaultRotation() types.Object        { return defaultOf(rotationSchema().Attributes) }
func defaultAlert() types.Object           { return defaultOf(alertSchema().Attributes) }
func defaultRotationAlert() types.Object   { return defaultOf(rotationAlertSchema().Attributes) }
func defaultReaderAlert() types.Object     { return defaultOf(readerAlertSchema().Attributes) }

func emptyStringSet() types.Set { return types.SetValueMust(types.StringType, []attr.Value{}) }

// subscriptionType is an element of deletion_alert.subscriptions.
var subscriptionType = types.ObjectType{AttrTypes: map[string]attr.Type{"protocol": types.StringType, "endpoint": types.StringType}}

// subscriptionStateType is an element of alert_subscriptions.
var subscriptionStateType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"protocol": types.StringType, "endpoint": types.StringType, "arn": types.StringType, "pending_confirmation": types.BoolType,
}}

func emptySubscriptionSet() types.Set { return types.SetValueMust(subscriptionType, []attr.Value{}) }

func defaultEvents() types.Set {
	return types.SetValueMust(types.StringType, []attr.Value{types.StringValue(defaultAlertEvent)})
}

func rdsSecretSchema(ctx context.Context) schema.Schema {
	keepState := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	computedString := func(description string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: description, PlanModifiers: keepState}
	}
	volatileString := func(description string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: description}
	}
	return schema.Schema{
		MarkdownDescription: "An RDS database credential in Secrets Manager together with everything that keeps it safe, as one unit: " +
			"the secret, a rotation Lambda function running this provider's own rotator with its least-privilege IAM role and log group, " +
			"the invoke grant, the rotation schedule, and a deletion alert (an EventBridge rule on the secret's CloudTrail events, " +
			"publishing to an SNS topic). Every part is tagged `" + bundle.BundleTagKey + " = <secret name>`. " +
			"Rotation owns the password: after the first version Terraform manages only the other keys. " +
			"An update of those keys never races a rotation: it is refused while a rotation is in flight (apply again once it finished), " +
			"and `AWSCURRENT` moves to the new version only if it is still on the version read. " +
			"The rotator logs in to the database with TLS and a verified certificate unless `credentials.ssl` is `false` " +
			"(see the rotation strategies guide). " +
			"Destroy removes every part, the secret last with its recovery window; the alert rule goes before the secret, " +
			"so `terraform destroy` itself does not alert: the alert is for deletions outside Terraform. " +
			"When the secret is deleted outside Terraform, the rest of the bundle stays in state: the next plan warns, and " +
			"replaces the bundle unless the secret is restored (`aws secretsmanager restore-secret`).",
		Attributes: map[string]schema.Attribute{
			"id":  computedString("The secret's ARN."),
			"arn": computedString("The secret's ARN."),
			"name": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "The secret's name, " + fmt.Sprintf("1 to %d characters of %s", maxSecretName, secretNameInWords) + ". Conflicts with `name_prefix`. Changing it replaces the bundle.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
				Validators: []validator.String{
					validators.Name(secretNameChars, secretNameInWords, maxSecretName),
					stringvalidator.ConflictsWith(path.MatchRoot("name_prefix")),
				},
			},
			"name_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Creates a unique name beginning with this prefix. Conflicts with `name`. Changing it replaces the bundle.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{validators.Name(secretNameChars, secretNameInWords, maxNamePrefix)},
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "The secret's description.",
				Validators:          []validator.String{stringvalidator.LengthAtMost(2048)},
			},
			"kms_key_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The KMS key that encrypts the secret, as key id, key ARN, alias name (`alias/...`) or alias ARN; default the AWS managed key `aws/secretsmanager`. The rotator's role gets Decrypt and GenerateDataKey on the key, for this secret only (Secrets Manager uses them on the rotator's behalf when it reads and writes the secret): a key ARN is granted as it is (a key of another account too), any other form is resolved with `kms:DescribeKey` when the role policy is written (`kms_key_arn`).",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 2048), validators.KMSKeyID()},
			},
			"recovery_window_in_days": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(defaultRecoveryWindow),
				MarkdownDescription: fmt.Sprintf("Days Secrets Manager keeps the deleted secret recoverable: `0` (delete at once) or 7 to 30. Default %d.", defaultRecoveryWindow),
				Validators:          []validator.Int64{int64validator.Any(int64validator.OneOf(0), int64validator.Between(7, 30))},
			},
			"restore_if_scheduled_for_deletion": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "At create, when a secret of this `name` is scheduled for deletion (its recovery window holds the name) and carries this bundle's tag `" + bundle.BundleTagKey + "`, restore it and adopt it instead of failing: it keeps its value (the password its database knows) and takes the configured description, key and tags, and the rest of the bundle is created around it. A secret without the tag is never touched: the create fails with the usual advice. If the create fails later, the restored secret is scheduled for deletion again. Default `false`.",
			},
			"credentials": credentialsSchema(),
			"database": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "The RDS instance or cluster the credentials are for: its engine, endpoint, port and database name fill the `credentials` keys left unset, and its identifier is stored in the secret (`dbInstanceIdentifier` or `dbClusterIdentifier`).",
				Attributes: map[string]schema.Attribute{
					"instance_identifier": schema.StringAttribute{
						Optional: true, MarkdownDescription: "The DB instance identifier. Conflicts with `cluster_identifier`.",
						Validators: []validator.String{
							validators.Name(`A-Za-z0-9-`, "letters, digits and -", 63),
							stringvalidator.ExactlyOneOf(path.MatchRelative().AtParent().AtName("cluster_identifier")),
						},
					},
					"cluster_identifier": schema.StringAttribute{
						Optional: true, MarkdownDescription: "The DB cluster identifier: Aurora, or Amazon DocumentDB (engine `docdb`, stored as `mongo`); with `credentials.engine = \"redshift\"`, the Redshift cluster identifier. Conflicts with `instance_identifier`.",
						Validators: []validator.String{validators.Name(`A-Za-z0-9-`, "letters, digits and -", 63)},
					},
				},
			},
			"rotation":                rotationSchema(),
			"deletion_alert":          alertSchema(),
			"rotation_alert":          rotationAlertSchema(),
			"unexpected_reader_alert": readerAlertSchema(),
			"tags": schema.MapAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Tags for every part. Merged over the provider's `default_tags`.",
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.LengthBetween(1, 128), stringvalidator.NoneOf(bundle.BundleTagKey), validators.TagKey()),
					mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(256)),
				},
			},
			"policy": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The secret's resource policy, a JSON policy document, put with `BlockPublicPolicy` (AWS refuses a policy that opens the secret to every principal). " +
					"Compared by meaning, as the AWS provider does: another order or spelling of the same policy is no change. A policy changed or removed outside Terraform shows as drift and the next apply puts it back. Conflicts with `readers`.",
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, 20480),
					stringvalidator.ConflictsWith(path.MatchRoot("readers")),
					validators.Check("Invalid resource policy", "must be a JSON policy document that allows nothing to every principal",
						func(policy string) string {
							if err := bundle.CheckResourcePolicy(policy); err != nil {
								return err.Error()
							}
							return ""
						}),
				},
			},
			"readers": schema.SetAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "IAM ARNs, or ARN patterns with `*`, of the principals that may read the secret's value: the bundle puts a resource policy that denies `secretsmanager:GetSecretValue` to every other principal except the rotator's role. " +
					"A change made to that policy outside Terraform shows as drift of `resource_policy` and the next apply puts it back. Conflicts with `policy`; with neither, the bundle puts no resource policy.",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.RegexMatches(readerARN, "must be an IAM ARN or ARN pattern, such as arn:aws:iam::123456789012:role/app or arn:aws:iam::123456789012:role/app-*")),
				},
			},
			"resource_policy": computedString("The secret's resource policy as Secrets Manager reports it: `policy`, or the one the bundle makes from `readers`; empty when there is none."),
			"tags_all": schema.MapAttribute{
				ElementType: types.StringType, Computed: true,
				MarkdownDescription: "The tags of every part: `tags` merged over the provider's `default_tags` (without the `" + bundle.BundleTagKey + "` tag).",
			},
			"version_id":              volatileString("The id of the secret's AWSCURRENT version."),
			"rotation_function_arn":   computedString("The rotator Lambda function's ARN."),
			"rotation_role_arn":       computedString("The rotator's IAM role ARN."),
			"kms_key_arn":             computedString("The ARN of the customer managed key `kms_key_id` names (in any form: resolved with `kms:DescribeKey` unless it is a key ARN), which the rotator's role is granted for this secret; empty for the AWS managed key."),
			"master_kms_key_arn":      computedString("With `alternating_users`: the ARN of the customer managed key of the master secret (from its `DescribeSecret`, which the credentials Terraform runs with need), which the rotator's role may use to decrypt that secret only; empty for the AWS managed key, or when the master secret cannot be described."),
			"rotation_log_group_name": computedString("The rotator's CloudWatch Logs log group."),
			"rotation_permission_id":  computedString("The statement id of the Lambda permission that lets Secrets Manager invoke the rotator."),
			"rotation_code_sha256":    computedString("The SHA-256 of the rotator's deployment package; a provider release with a new rotator updates the function."),
			"alert_rule_arn":          computedString("The deletion alert's EventBridge rule ARN."),
			"alert_topic_arn":         computedString("The SNS topic the alert publishes to (given or created)."),
			"rotation_alert_rule_arn": computedString("The rotation alert's EventBridge rule ARN; empty when `rotation_alert` or `deletion_alert` is off."),
			"reader_alert_rule_arn":   computedString("The unexpected reader alert's EventBridge rule ARN; empty without `readers`, or when `unexpected_reader_alert` or `deletion_alert` is off."),
			"alert_subscriptions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The subscriptions of the created topic as SNS lists them (e-mail, SMS and `deletion_alert.subscriptions`), sorted by protocol and endpoint. An e-mail, `email-json` or `https` subscription shows `pending_confirmation = true` until its endpoint confirms it (SNS deletes it after three days unconfirmed; the next apply subscribes it again).",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"protocol":             schema.StringAttribute{Computed: true, MarkdownDescription: "The SNS protocol."},
						"endpoint":             schema.StringAttribute{Computed: true, MarkdownDescription: "The endpoint."},
						"arn":                  schema.StringAttribute{Computed: true, MarkdownDescription: "The subscription's ARN; empty while AWS withholds it, pending confirmation."},
						"pending_confirmation": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the subscription still waits for its endpoint's confirmation."},
					},
				},
			},
			"rotation_enabled": schema.BoolAttribute{
				Computed: true, MarkdownDescription: "Whether Secrets Manager has rotation turned on for the secret.",
			},
			"last_rotated_date":   volatileString("When the secret was last rotated (RFC 3339)."),
			"next_rotation_date":  volatileString("When the next rotation is due (RFC 3339)."),
			"last_rotation_error": volatileString("The rotator's error from the latest failed rotation it logged, until a rotation succeeds."),
		},
		// A block, as terraform-provider-aws's framework resources declare it: `timeouts { create = "30m" }`.
		// A single nested block and the former single nested attribute hold the same object in state
		// (null when absent), so state written before needs no upgrade (the schema stays at version 0).
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(ctx)},
	}
}

// timeoutsBlock is the resource's timeouts block, its defaults in its descriptions.
func timeoutsBlock(ctx context.Context) schema.Block {
	describe := func(operation string, d time.Duration, what string) string {
		return fmt.Sprintf("How long %s may take, a duration such as `30m` or `1h` (Go's `time.ParseDuration`). Default `%s`: %s", operation, shortDuration(d), what)
	}
	block := timeouts.Block(ctx, timeouts.Opts{
		Create: true, Update: true, Delete: true,
		CreateDescription: describe("a create", defaultCreateTimeout, "it includes IAM propagation and, with `rotation.wait_for_first_rotation`, the first rotation."),
		UpdateDescription: describe("an update", defaultUpdateTimeout, "it includes repairing or replacing parts and IAM propagation."),
		DeleteDescription: describe("a delete", defaultDeleteTimeout, "it includes removing every part of the bundle."),
	})
	if b, ok := block.(schema.SingleNestedBlock); ok {
		b.MarkdownDescription = fmt.Sprintf("Time limits for the operations, as in terraform-provider-aws: `timeouts { create = \"30m\" }`. Defaults: create %s, update %s, delete %s.",
			shortDuration(defaultCreateTimeout), shortDuration(defaultUpdateTimeout), shortDuration(defaultDeleteTimeout))
		block = b
	}
	return block
}

// shortDuration writes 10m0s as 10m and 1h0m0s as 1h.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func credentialsSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Required:            true,
		MarkdownDescription: "The keys of the secret's value, in the RDS credentials JSON format the rotator reads.",
		Attributes: map[string]schema.Attribute{
			"engine": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "The database engine: one of " + oneOfText(credentials.Engines) + ". Required unless `database` is set.",
				Validators:          []validator.String{stringvalidator.OneOf(credentials.Engines...)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"host": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "The database's host name or address. Required unless `database` is set.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 253)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"port": schema.Int64Attribute{
				Optional: true, Computed: true,
				MarkdownDescription: "The database's port, 1 to 65535; default 5432 for PostgreSQL engines, 3306 for MySQL and MariaDB.",
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"dbname": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "The database name.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 128)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"username": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The database user whose password is rotated.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 128)},
			},
			"password_wo": schema.StringAttribute{
				Optional: true, Sensitive: true, WriteOnly: true,
				MarkdownDescription: "The user's current password, write-only (Terraform 1.11 or later): never stored in plan or state. Omit it to generate one. It is written at creation and again only when `password_wo_version` changes; after that rotation owns the password.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 4096)},
			},
			"password_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Change this number to write `password_wo` into the secret again.",
				Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRelative().AtParent().AtName("password_wo"))},
			},
			"ssl": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "`false`: the rotator logs in in plaintext. `true` or unset: TLS only, with the server's certificate verified (chain and host name, like `sslmode=verify-full`) against the Amazon RDS CAs built into the rotator, the system's CAs and `ssl_ca_bundle`; never a fallback to plaintext.",
			},
			"ssl_ca_bundle": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("PEM CA certificates the rotator also trusts, for a self-managed database whose certificate comes from a private CA, and for RDS and Aurora in the China regions (`*.rds.amazonaws.com.cn`), whose RDS CAs are not built into the rotator; RDS and Aurora elsewhere (GovCloud included) need none. At most %d characters: it travels in the function's environment (Lambda allows 4 KB in all), so give the root CA only. Not stored in the secret.", validators.MaxCABundleLength),
				Validators:          []validator.String{validators.CABundle()},
			},
		},
	}
}

func rotationSchema() schema.SingleNestedAttribute {
	afterDays := path.MatchRelative().AtParent().AtName("automatically_after_days")
	scheduleExpression := path.MatchRelative().AtParent().AtName("schedule_expression")
	return withDefault(schema.SingleNestedAttribute{
		MarkdownDescription: "The rotator and its schedule. Default: rotate every 30 days, first rotation at once.",
		Attributes: map[string]schema.Attribute{
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether Secrets Manager rotates the secret on the schedule. `false` keeps the rotator but turns the schedule off.",
			},
			"automatically_after_days": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Rotate every this many days, 1 to 1000. Conflicts with `schedule_expression`. Default %d when neither is set.", defaultAfterDays),
				Validators:          []validator.Int64{int64validator.Between(1, 1000), int64validator.ConflictsWith(scheduleExpression)},
			},
			"schedule_expression": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "A schedule instead of `automatically_after_days`: `rate(N hours)` (4 to 23), `rate(N days)` (1 to 1000) or `cron(minutes hours day-of-month month day-of-week year)`.",
				Validators:          []validator.String{validators.ScheduleExpression(), stringvalidator.ConflictsWith(afterDays)},
			},
			"duration": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The rotation window: whole hours from `1h` to `24h`, shorter than the schedule's interval. Default: until the end of the day.",
				Validators:          []validator.String{validators.RotationWindow()},
			},
			"rotate_immediately": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Rotate once at creation, as the console does. Default `true`. When `false` at creation, and on every later change of the schedule, Secrets Manager instead tests the configuration: it runs the rotator's `testSecret` step with the secret's current credentials. If the database is unreachable, or the password was changed out of band, apply then fails with the rotator's error: bring the database back, or write the working password with `credentials.password_wo` and a new `password_wo_version`, and apply again.",
			},
			"wait_for_first_rotation": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Wait, within the create timeout, for the first rotation to finish and warn with the rotator's error if it fails. Default `true`.",
			},
			"strategy": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(bundle.StrategySingleUser),
				MarkdownDescription: "How a rotation changes credentials: one of " + oneOfText(credentials.Strategies) + ". `alternating_users` needs `master_secret_arn`. Changing it updates the rotator in place (the secret keeps its ARN and value; the next rotation uses the new strategy).",
				Validators:          []validator.String{stringvalidator.OneOf(credentials.Strategies...)},
			},
			"master_secret_arn": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "For `alternating_users`: the full ARN of the secret with the credentials of a user that may create users and change passwords (as DescribeSecret returns it, with the six characters Secrets Manager appends; no wildcards: the rotator's role may read exactly this secret). Stored as `masterarn`.",
				Validators:          []validator.String{validators.SecretARN()},
			},
			"password_length": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(defaultPasswordLength),
				MarkdownDescription: fmt.Sprintf("Length of generated passwords, 4 to 4096. Default %d.", defaultPasswordLength),
				Validators:          []validator.Int64{int64validator.Between(4, 4096)},
			},
			"exclude_characters": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(defaultExcludeCharacters),
				MarkdownDescription: "Printable ASCII characters generated passwords never contain. Default `" + defaultExcludeCharacters + "`.",
				Validators:          []validator.String{validators.PrintableASCII()},
			},
			"lambda": lambdaSchema(),
		},
	})
}

func lambdaSchema() schema.SingleNestedAttribute {
	return withDefault(schema.SingleNestedAttribute{
		MarkdownDescription: "The rotator Lambda function (runtime `provided.al2023`, this provider's embedded rotator).",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The function's name, " + fmt.Sprintf("1 to 64 characters of %s", lambdaNameInWords) + ". Default: derived from the secret's name. Changing it makes the new function (with its log group and invoke grant), points the rotation at it and then deletes the old one; the secret keeps its ARN and value.",
				Validators:          []validator.String{validators.Name(lambdaNameChars, lambdaNameInWords, 64)},
			},
			"architecture": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(defaultArchitecture),
				MarkdownDescription: "The instruction set: one of " + oneOfText(architectures) + ". Default `" + defaultArchitecture + "`.",
				Validators:          []validator.String{stringvalidator.OneOf(architectures...)},
			},
			"memory_size": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(defaultMemorySize),
				MarkdownDescription: fmt.Sprintf("Memory in MB, 128 to 10240. Default %d.", defaultMemorySize),
				Validators:          []validator.Int64{int64validator.Between(128, 10240)},
			},
			"timeout": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(defaultTimeout),
				MarkdownDescription: fmt.Sprintf("Timeout in seconds, 1 to 900. Default %d.", defaultTimeout),
				Validators:          []validator.Int64{int64validator.Between(1, 900)},
			},
			"subnet_ids": schema.SetAttribute{
				ElementType: types.StringType, Optional: true, Computed: true, Default: setdefault.StaticValue(emptyStringSet()),
				MarkdownDescription: "Subnets to run the function in (`subnet-...`); with them the role gets ENI permissions. Needs `security_group_ids`.",
				Validators: []validator.Set{
					setvalidator.ValueStringsAre(validators.EC2ID("subnet")),
					setvalidator.SizeAtMost(16),
				},
			},
			"security_group_ids": schema.SetAttribute{
				ElementType: types.StringType, Optional: true, Computed: true, Default: setdefault.StaticValue(emptyStringSet()),
				MarkdownDescription: "Security groups of the function in its VPC (`sg-...`).",
				Validators: []validator.Set{
					setvalidator.ValueStringsAre(validators.EC2ID("sg")),
					setvalidator.SizeAtMost(5),
				},
			},
			"log_retention_days": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(defaultLogRetentionDays),
				MarkdownDescription: "Days the function's log group keeps logs: one of " + int64sText(logRetentionDays) + " (0: forever). Default 30.",
				Validators:          []validator.Int64{int64validator.OneOf(logRetentionDays...)},
			},
		},
	})
}

func alertSchema() schema.SingleNestedAttribute {
	return withDefault(schema.SingleNestedAttribute{
		MarkdownDescription: "The alert on the secret's deletion (and other chosen API calls), through CloudTrail, EventBridge and SNS. Default: on `DeleteSecret`, to a created topic. **The alert needs a CloudTrail trail that logs management events in the region**: EventBridge receives `AWS API Call via CloudTrail` events only then. Apply checks for one and warns when there is none (see `check_trail`). The rule matches the secret by name, ARN or partial ARN in `requestParameters` and by its ARN in `responseElements` or `resources` under both spellings CloudTrail has used (`arn`, and `aRN` before 2024), never a neighbouring secret such as `app/db2` for `app/db`.",
		Attributes: map[string]schema.Attribute{
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the alert exists. Default `true`.",
			},
			"sns_topic_arn": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "An existing topic to alert; it is never deleted. Default: a topic is created, with a policy that lets only this alert's rule publish.",
				Validators:          []validator.String{validators.ARN("sns")},
			},
			"email_addresses": schema.SetAttribute{
				ElementType: types.StringType, Optional: true, Computed: true, Default: setdefault.StaticValue(emptyStringSet()),
				MarkdownDescription: "E-mail addresses subscribed to the created topic (each must confirm). Not with `sns_topic_arn`.",
				Validators: []validator.Set{
					setvalidator.ValueStringsAre(validators.Email()),
					setvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("sns_topic_arn")),
				},
			},
			"sms_numbers": schema.SetAttribute{
				ElementType: types.StringType, Optional: true, Computed: true, Default: setdefault.StaticValue(emptyStringSet()),
				MarkdownDescription: "Phone numbers in E.164 form (`+` and 8 to 15 digits, such as `+14155550100`) subscribed to the created topic with protocol `sms`. Not with `sns_topic_arn`. SMS from SNS needs the account out of the SMS sandbox (or the numbers verified in it).",
				Validators: []validator.Set{
					setvalidator.ValueStringsAre(validators.E164()),
					setvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("sns_topic_arn")),
				},
			},
			"subscriptions": schema.SetNestedAttribute{
				Optional: true, Computed: true, Default: setdefault.StaticValue(emptySubscriptionSet()),
				MarkdownDescription: "Other subscribers of the created topic, for teams that page through a queue, a function or a webhook: each a `protocol` (" + oneOfText(bundle.SubscriptionProtocols) + ") and an `endpoint` (the queue's ARN for `sqs`, the function's ARN for `lambda`, an `https://` URL for `https`, an e-mail address for `email-json`). Not with `sns_topic_arn`. " +
					"The queue's policy must let the topic send (`sqs:SendMessage` for principal `sns.amazonaws.com` with `aws:SourceArn` = `alert_topic_arn`), and the function's must let SNS invoke it; `https` and `email-json` endpoints must confirm (see `alert_subscriptions`). " +
					"A subscription removed outside Terraform is subscribed again by the next apply.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"protocol": schema.StringAttribute{
							Required: true, MarkdownDescription: "The SNS protocol: " + oneOfText(bundle.SubscriptionProtocols) + ".",
							Validators: []validator.String{stringvalidator.OneOf(bundle.SubscriptionProtocols...)},
						},
						"endpoint": schema.StringAttribute{
							Required: true, MarkdownDescription: "Where SNS delivers: an SQS queue ARN (`sqs`), a Lambda function ARN (`lambda`), an `https://` URL (`https`) or an e-mail address (`email-json`).",
						},
					},
					Validators: []validator.Object{validators.SubscriptionEndpoint("protocol", "endpoint")},
				},
				Validators: []validator.Set{
					setvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("sns_topic_arn")),
				},
			},
			"events": schema.SetAttribute{
				ElementType: types.StringType, Optional: true, Computed: true, Default: setdefault.StaticValue(defaultEvents()),
				MarkdownDescription: "The Secrets Manager API calls that alert: any of " + oneOfText(bundle.AlertEvents) + ". Read-only ones (such as `GetSecretValue`) make the rule receive all CloudTrail management events. Default `[\"DeleteSecret\"]`.",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(bundle.AlertEvents...)),
				},
			},
			"check_trail": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether apply checks (with CloudTrail `DescribeTrails`, `GetTrailStatus` and `GetEventSelectors`) that a trail logs write management events in the region, and warns when none does: without one, EventBridge never receives the events and the alert never fires. Set `false` when a trail the check cannot see covers the account. Default `true`.",
			},
		},
	})
}

func rotationAlertSchema() schema.SingleNestedAttribute {
	return withDefault(schema.SingleNestedAttribute{
		MarkdownDescription: "The alert on the secret's rotation events, to the deletion alert's topic (given or created) and so to the same subscribers. " +
			"Secrets Manager records `RotationFailed` (a step of the rotator failed; the error is in the rotator's log group, `rotation_log_group_name`, and in `last_rotation_error` at the next refresh) and `RotationAbandoned` (a rotation left unfinished was given up) as CloudTrail service events (`AWS Service Event via CloudTrail`); " +
			"an EventBridge rule of its own (`rotation_alert_rule_arn`) matches them by the secret's ARN in `additionalEventData.SecretId`. Needs the deletion alert on (`deletion_alert.enabled`), which gives the topic. Default: on, for `RotationFailed` and `RotationAbandoned`.",
		Attributes: map[string]schema.Attribute{
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the alert exists. Default `true`.",
			},
			"events": schema.SetAttribute{
				ElementType: types.StringType, Optional: true, Computed: true,
				Default:             setdefault.StaticValue(stringSet(bundle.DefaultRotationAlertEvents)),
				MarkdownDescription: "The rotation events that alert: any of " + oneOfText(bundle.RotationAlertEvents) + ". Default `[\"RotationAbandoned\", \"RotationFailed\"]`.",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(bundle.RotationAlertEvents...)),
				},
			},
		},
	})
}

func readerAlertSchema() schema.SingleNestedAttribute {
	return withDefault(schema.SingleNestedAttribute{
		MarkdownDescription: "The alert on a read of the secret's value (`GetSecretValue`, `BatchGetSecretValue`, allowed or denied) by an identity outside `readers`, to the deletion alert's topic. " +
			"The rotator's role and the identity Terraform runs as (every session of its role, when it is an assumed role) are expected without being listed. " +
			"The rule (`reader_alert_rule_arn`) has the state `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`: EventBridge hands read-only management events only to rules in that state, and a trail must log read management events (CloudTrail's first copy of management events is free; EventBridge charges for the events the rule matches). " +
			"Only with `readers` and the deletion alert on. Default: on.",
		Attributes: map[string]schema.Attribute{
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the alert exists (when `readers` is set). Default `true`.",
			},
		},
	})
}

func stringSet(values []string) types.Set {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.SetValueMust(types.StringType, elems)
}
