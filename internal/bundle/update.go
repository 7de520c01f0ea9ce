package bundle

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// Update brings the bundle from prior (the spec it was last applied with) to spec, in place:
// parts missing from st (deleted out of band, or newly enabled) are created, the others updated,
// parts no longer wanted deleted. It runs in the same stages as Create. There is no rollback: the
// returned State is what exists, also on error, so Terraform saves it and the next apply continues.
//
// The password is written only when spec.Credentials.Password is set (password_wo_version bumped);
// otherwise changed credential keys are merged into the current value, keeping rotation's password.
func Update(ctx context.Context, d Deps, prior, spec *Spec, current *State) (*State, error) {
	st := *current
	s := &st
	if err := d.fillFromDatabase(ctx, spec); err != nil {
		return s, err
	}
	wantCreatedTopic := spec.Alert.Enabled && spec.Alert.TopicARN == ""
	oldTopic := *s
	dropOldTopic := s.TopicCreated && s.TopicARN != "" && !wantCreatedTopic
	if !wantCreatedTopic {
		s.TopicARN, s.TopicCreated, s.SubscriptionARNs = spec.Alert.TopicARN, false, nil
		if !spec.Alert.Enabled {
			s.TopicARN = ""
		}
	}
	newTopic := false
	roleRecreated, functionRecreated := false, false

	first := stage{
		{name: "secret", run: func(ctx context.Context) error { return d.updateSecret(ctx, prior, spec, s) }},
		{name: "IAM role", run: func(ctx context.Context) error {
			if s.RoleName != "" {
				return d.retagRole(ctx, prior, spec, s)
			}
			roleRecreated = true
			return d.createRole(ctx, spec, s)
		}},
		{name: "log group", run: func(ctx context.Context) error {
			if s.LogGroupName == "" {
				if err := d.createLogGroup(ctx, spec, s); err != nil {
					return err
				}
				return d.putLogRetention(ctx, spec, s)
			}
			if prior.Rotation.Lambda.LogRetentionDays != spec.Rotation.Lambda.LogRetentionDays {
				if err := d.putLogRetention(ctx, spec, s); err != nil {
					return err
				}
			}
			return d.retagLogGroup(ctx, prior, spec, s)
		}},
	}
	if wantCreatedTopic {
		first = append(first, step{name: "SNS topic", run: func(ctx context.Context) error {
			if s.TopicARN == "" || !s.TopicCreated {
				newTopic = true
				return d.createTopic(ctx, spec, s)
			}
			return d.retagTopic(ctx, prior, spec, s)
		}})
	}
	second := stage{
		{name: "role policy", run: func(ctx context.Context) error { return d.putRolePolicy(ctx, spec, s) }},
		{name: "Lambda function", run: func(ctx context.Context) error {
			if s.FunctionName == "" {
				functionRecreated = true
				return d.createFunction(ctx, spec, s)
			}
			return d.updateFunction(ctx, prior, spec, s, roleRecreated)
		}},
		{name: "EventBridge rule", run: func(ctx context.Context) error {
			switch {
			case !spec.Alert.Enabled:
				return d.deleteRule(ctx, s)
			case s.RuleName == "":
				return d.putRule(ctx, spec, s, true)
			case s.RuleARN == "" || newTopic || !slices.Equal(prior.Alert.Events, spec.Alert.Events) || prior.Alert.TopicARN != spec.Alert.TopicARN:
				if err := d.putRule(ctx, spec, s, false); err != nil {
					return err
				}
			}
			return d.retagRule(ctx, prior, spec, s)
		}},
	}
	if wantCreatedTopic {
		second = append(second, step{name: "e-mail subscriptions", run: func(ctx context.Context) error {
			return d.updateSubscriptions(ctx, prior, spec, s, newTopic)
		}})
	}
	third := stage{{name: "Lambda permission", run: func(ctx context.Context) error {
		if s.PermissionID == "" {
			return d.addPermission(ctx, s)
		}
		return nil
	}}}
	fourth := stage{{name: "rotation schedule", run: func(ctx context.Context) error {
		if !spec.Rotation.Enabled {
			if s.RotationEnabled {
				return d.cancelRotation(ctx, s)
			}
			return nil
		}
		if s.RotationEnabled && !functionRecreated && scheduleEqual(prior.Rotation, spec.Rotation) {
			return nil
		}
		_, err := d.rotate(ctx, spec, s, false)
		return err
	}}}
	for _, st := range []stage{first, second, third, fourth} {
		if err := runStage(ctx, st); err != nil {
			return s, err
		}
	}
	if dropOldTopic {
		if err := d.deleteTopic(ctx, &oldTopic); err != nil {
			return s, err
		}
	}
	return s, d.refreshDates(ctx, s)
}

func scheduleEqual(a, b Rotation) bool {
	return a.AutomaticallyAfterDays == b.AutomaticallyAfterDays && a.ScheduleExpression == b.ScheduleExpression && a.Duration == b.Duration
}

// updateSecret changes description, key, tags and the managed keys of the value.
func (d Deps) updateSecret(ctx context.Context, prior, spec *Spec, st *State) error {
	if prior.Description != spec.Description || prior.KMSKeyID != spec.KMSKeyID {
		input := &secretsmanager.UpdateSecretInput{SecretId: aws.String(st.SecretARN), Description: aws.String(spec.Description)}
		if spec.KMSKeyID != "" {
			input.KmsKeyId = aws.String(spec.KMSKeyID)
		} else if prior.KMSKeyID != "" {
			// The empty key id is not accepted; the AWS managed key is named by its alias.
			input.KmsKeyId = aws.String("alias/aws/secretsmanager")
		}
		if _, err := d.AWS.SecretsManager.UpdateSecret(ctx, input); err != nil {
			return fmt.Errorf("updating the description and key of secret %s: %w", st.SecretARN, err)
		}
	}
	if spec.Credentials.Password != "" || !credentialsEqual(prior, spec) {
		if err := d.putCredentials(ctx, spec, st); err != nil {
			return err
		}
	}
	set, remove := tagDiff(partTags(prior), partTags(spec))
	if len(remove) > 0 {
		if _, err := d.AWS.SecretsManager.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String(st.SecretARN), TagKeys: remove}); err != nil {
			return fmt.Errorf("removing tags %v from secret %s: %w", remove, st.SecretARN, err)
		}
	}
	if len(set) > 0 {
		if _, err := d.AWS.SecretsManager.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(st.SecretARN), Tags: secretTags(set)}); err != nil {
			return fmt.Errorf("tagging secret %s: %w", st.SecretARN, err)
		}
	}
	return nil
}

func credentialsEqual(a, b *Spec) bool {
	ca, cb := a.Credentials, b.Credentials
	sslEqual := (ca.SSL == nil) == (cb.SSL == nil) && (ca.SSL == nil || *ca.SSL == *cb.SSL)
	dbEqual := (a.Database == nil) == (b.Database == nil) && (a.Database == nil || *a.Database == *b.Database)
	return ca.Engine == cb.Engine && ca.Host == cb.Host && ca.Port == cb.Port && ca.DBName == cb.DBName &&
		ca.Username == cb.Username && sslEqual && dbEqual && a.Rotation.MasterSecretARN == b.Rotation.MasterSecretARN
}

// stageUpdating is the label a new version made by putCredentials holds until AWSCURRENT moves to
// it: a version needs a label to outlive the next versions' clean-up, and AWSCURRENT must move
// only by the compare-and-swap below.
const stageUpdating = "SECRETSBUNDLE_UPDATING"

// errRotationInProgress refuses an update of the credential keys while a rotation is under way.
var errRotationInProgress = errors.New("a rotation is in progress")

// putCredentials writes a new AWSCURRENT version: the current value with the managed keys (and,
// when password_wo_version changed, the password) from spec.
//
// It must not race a rotation: a finishSecret landing between the read of AWSCURRENT and the write
// would be undone, putting back a password the database no longer accepts. So it refuses while a
// rotation is in flight (an AWSPENDING version that is not AWSCURRENT), reads the exact AWSCURRENT
// version, writes the new version under a temporary label, and moves AWSCURRENT with
// UpdateSecretVersionStage(MoveTo=new, RemoveFrom=the version read): when AWSCURRENT moved in
// between, the move fails and nothing is lost.
func (d Deps) putCredentials(ctx context.Context, spec *Spec, st *State) error {
	sm := d.AWS.SecretsManager
	described, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(st.SecretARN)})
	if err != nil {
		return fmt.Errorf("reading the versions of secret %s to update its credential keys: %w", st.SecretARN, err)
	}
	currentID := ""
	for id, stages := range described.VersionIdsToStages {
		if slices.Contains(stages, stagePending) && !slices.Contains(stages, stageCurrent) {
			// A rotation whose step failed (the rotator logged it) is not in flight: its pending
			// version waits for the next attempt, and an update (such as a new password_wo to fix
			// the login that failed) must stay possible. The move below still guards the race.
			if _, failed := d.rotationFailure(ctx, st, id); !failed {
				return fmt.Errorf("%w on secret %s (AWSPENDING version %s): updating the credential keys now could be undone by its last step, or undo it. Wait for the rotation to finish (or cancel it with aws secretsmanager cancel-rotate-secret), then apply again", errRotationInProgress, st.SecretARN, id)
			}
		}
		if slices.Contains(stages, stageCurrent) {
			currentID = id
		}
	}
	if currentID == "" {
		return fmt.Errorf("secret %s has no AWSCURRENT version to update", st.SecretARN)
	}
	current, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(st.SecretARN), VersionId: aws.String(currentID)})
	if err != nil {
		return fmt.Errorf("reading the current value of secret %s to update its credential keys: %w", st.SecretARN, err)
	}
	value, err := secretJSON(spec, aws.ToString(current.SecretString))
	if err != nil {
		return fmt.Errorf("secret %s: %w", st.SecretARN, err)
	}
	out, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(st.SecretARN), SecretString: aws.String(value), ClientRequestToken: aws.String(newToken()),
		VersionStages: []string{stageUpdating},
	})
	if err != nil {
		return fmt.Errorf("writing the new credential keys to secret %s: %w", st.SecretARN, err)
	}
	newID := aws.ToString(out.VersionId)
	_, moveErr := sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(st.SecretARN), VersionStage: aws.String(stageCurrent),
		MoveToVersionId: aws.String(newID), RemoveFromVersionId: aws.String(currentID),
	})
	// The temporary label goes either way; a left-over one is harmless (the next update moves it).
	_, _ = sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(st.SecretARN), VersionStage: aws.String(stageUpdating), RemoveFromVersionId: aws.String(newID),
	})
	if moveErr != nil {
		return fmt.Errorf("AWSCURRENT of secret %s moved while its credential keys were being updated (a rotation finished?), so the update was not applied and nothing was lost; apply again: %w", st.SecretARN, moveErr)
	}
	if err := d.checkCurrentMoved(ctx, st.SecretARN, newID); err != nil {
		return err
	}
	st.VersionID = newID
	return nil
}

// checkCurrentMoved confirms AWSCURRENT is on the new version: an emulator that does not check
// RemoveFromVersionId would let a concurrent move go unnoticed.
func (d Deps) checkCurrentMoved(ctx context.Context, secretARN, newID string) error {
	described, err := d.AWS.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretARN)})
	if err != nil {
		return fmt.Errorf("reading the versions of secret %s after updating its credential keys: %w", secretARN, err)
	}
	if !slices.Contains(described.VersionIdsToStages[newID], stageCurrent) {
		return fmt.Errorf("AWSCURRENT of secret %s is not on the new version %s after the update (a rotation finished at the same time?); apply again", secretARN, newID)
	}
	return nil
}

// updateFunction changes the function's configuration and code where they differ from spec.
func (d Deps) updateFunction(ctx context.Context, prior, spec *Spec, st *State, roleRecreated bool) error {
	l, p := spec.Rotation.Lambda, prior.Rotation.Lambda
	configChanged := roleRecreated || l.MemorySize != p.MemorySize || l.Timeout != p.Timeout ||
		!maps.Equal(functionEnvironment(spec), functionEnvironment(prior)) ||
		!slices.Equal(l.SubnetIDs, p.SubnetIDs) || !slices.Equal(l.SecurityGroupIDs, p.SecurityGroupIDs)
	if configChanged {
		input := &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(st.FunctionName),
			Role:         aws.String(st.RoleARN),
			MemorySize:   aws.Int32(int32(l.MemorySize)),
			Timeout:      aws.Int32(int32(l.Timeout)),
			Environment:  &lambdatypes.Environment{Variables: functionEnvironment(spec)},
			VpcConfig:    vpcConfig(l),
		}
		err := retryOn(ctx, func() error {
			_, err := d.AWS.Lambda.UpdateFunctionConfiguration(ctx, input)
			return err
		}, errUpdateInProgress, errRoleNotAssumable, errRoleLacksVPCAccess)
		if err != nil {
			return fmt.Errorf("updating the configuration of Lambda function %s: %w", st.FunctionName, err)
		}
		if err := d.waitFunctionReady(ctx, st.FunctionName); err != nil {
			return err
		}
	}
	code, err := d.RotatorCode(l.Architecture)
	if err != nil {
		return fmt.Errorf("loading the rotator for Lambda function %s: %w", st.FunctionName, err)
	}
	if sha := CodeSHA256(code); sha != st.CodeSHA256 || l.Architecture != p.Architecture {
		var out *lambda.UpdateFunctionCodeOutput
		err := retryOn(ctx, func() (err error) {
			out, err = d.AWS.Lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{
				FunctionName:  aws.String(st.FunctionName),
				ZipFile:       code,
				Architectures: []lambdatypes.Architecture{lambdatypes.Architecture(l.Architecture)},
			})
			return err
		}, errUpdateInProgress)
		if err != nil {
			return fmt.Errorf("updating the code of Lambda function %s: %w", st.FunctionName, err)
		}
		st.CodeSHA256 = aws.ToString(out.CodeSha256)
		if err := d.waitFunctionReady(ctx, st.FunctionName); err != nil {
			return err
		}
	}
	set, remove := tagDiff(partTags(prior), partTags(spec))
	if len(remove) > 0 {
		if _, err := d.AWS.Lambda.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(st.FunctionARN), TagKeys: remove}); err != nil {
			return fmt.Errorf("removing tags from Lambda function %s: %w", st.FunctionName, err)
		}
	}
	if len(set) > 0 {
		if _, err := d.AWS.Lambda.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(st.FunctionARN), Tags: set}); err != nil {
			return fmt.Errorf("tagging Lambda function %s: %w", st.FunctionName, err)
		}
	}
	return nil
}

func (d Deps) retagRole(ctx context.Context, prior, spec *Spec, st *State) error {
	set, remove := tagDiff(partTags(prior), partTags(spec))
	if len(remove) > 0 {
		if _, err := d.AWS.IAM.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(st.RoleName), TagKeys: remove}); err != nil {
			return fmt.Errorf("removing tags from IAM role %s: %w", st.RoleName, err)
		}
	}
	if len(set) > 0 {
		if _, err := d.AWS.IAM.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(st.RoleName), Tags: iamTags(set)}); err != nil {
			return fmt.Errorf("tagging IAM role %s: %w", st.RoleName, err)
		}
	}
	return nil
}

func (d Deps) retagLogGroup(ctx context.Context, prior, spec *Spec, st *State) error {
	set, remove := tagDiff(partTags(prior), partTags(spec))
	arn := d.arns().logGroupARN(st.LogGroupName)
	if len(remove) > 0 {
		if _, err := d.AWS.Logs.UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: remove}); err != nil {
			return fmt.Errorf("removing tags from log group %s: %w", st.LogGroupName, err)
		}
	}
	if len(set) > 0 {
		if _, err := d.AWS.Logs.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(arn), Tags: set}); err != nil {
			return fmt.Errorf("tagging log group %s: %w", st.LogGroupName, err)
		}
	}
	return nil
}

func (d Deps) retagTopic(ctx context.Context, prior, spec *Spec, st *State) error {
	set, remove := tagDiff(partTags(prior), partTags(spec))
	if len(remove) > 0 {
		if _, err := d.AWS.SNS.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: aws.String(st.TopicARN), TagKeys: remove}); err != nil {
			return fmt.Errorf("removing tags from SNS topic %s: %w", st.TopicARN, err)
		}
	}
	if len(set) > 0 {
		if _, err := d.AWS.SNS.TagResource(ctx, &sns.TagResourceInput{ResourceArn: aws.String(st.TopicARN), Tags: snsTags(set)}); err != nil {
			return fmt.Errorf("tagging SNS topic %s: %w", st.TopicARN, err)
		}
	}
	return nil
}

func (d Deps) retagRule(ctx context.Context, prior, spec *Spec, st *State) error {
	set, remove := tagDiff(partTags(prior), partTags(spec))
	if len(remove) > 0 {
		if _, err := d.AWS.Events.UntagResource(ctx, &eventbridge.UntagResourceInput{ResourceARN: aws.String(st.RuleARN), TagKeys: remove}); err != nil {
			return fmt.Errorf("removing tags from EventBridge rule %s: %w", st.RuleName, err)
		}
	}
	if len(set) > 0 {
		if _, err := d.AWS.Events.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: aws.String(st.RuleARN), Tags: eventTags(set)}); err != nil {
			return fmt.Errorf("tagging EventBridge rule %s: %w", st.RuleName, err)
		}
	}
	return nil
}

// updateSubscriptions subscribes added addresses and unsubscribes removed ones that are
// confirmed; a pending subscription has no ARN to unsubscribe and lapses after three days.
func (d Deps) updateSubscriptions(ctx context.Context, prior, spec *Spec, st *State, newTopic bool) error {
	if newTopic {
		st.SubscriptionARNs = nil
		return d.subscribe(ctx, spec, st)
	}
	added := &Spec{Alert: Alert{EmailAddresses: without(spec.Alert.EmailAddresses, prior.Alert.EmailAddresses)}}
	if err := d.subscribe(ctx, added, st); err != nil {
		return err
	}
	removed := without(prior.Alert.EmailAddresses, spec.Alert.EmailAddresses)
	if len(removed) == 0 {
		return nil
	}
	var errs []error
	paginator := sns.NewListSubscriptionsByTopicPaginator(d.AWS.SNS, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(st.TopicARN)})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing the subscriptions of SNS topic %s: %w", st.TopicARN, err)
		}
		for _, sub := range page.Subscriptions {
			arn := aws.ToString(sub.SubscriptionArn)
			if !slices.Contains(removed, aws.ToString(sub.Endpoint)) || !isARN(arn) {
				continue
			}
			if _, err := d.AWS.SNS.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)}); err != nil && !isNotFound(err) {
				errs = append(errs, fmt.Errorf("unsubscribing %s from SNS topic %s: %w", aws.ToString(sub.Endpoint), st.TopicARN, err))
			}
		}
	}
	return errors.Join(errs...)
}

func isARN(s string) bool { return len(s) > 4 && s[:4] == "arn:" }

func without(list, remove []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(remove, s) {
			out = append(out, s)
		}
	}
	return out
}
