package bundle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// secretPart is the secret itself. Its value is written by Create (createSecret is handed the
// value and token) and by Update (putCredentials); the rotator owns the password afterwards.
var secretPart = part{
	name:  PartSecret,
	id:    func(st *State) string { return st.SecretARN },
	label: func(st *State) string { return "secret " + st.SecretARN },
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error {
		value, err := secretJSON(spec, "")
		if err != nil {
			return err
		}
		// One token for the create, so that the SDK's retries cannot make two versions.
		return d.createSecret(ctx, spec, st, value, newToken())
	},
	update: func(ctx context.Context, d Deps, c *change) error {
		return d.updateSecret(ctx, c.prior, c.spec, c.st)
	},
	tagger: func(d Deps, st *State) tagger { return d.secretTagger(st.SecretARN) },
	remove: func(ctx context.Context, d Deps, st *State) error {
		if st.SecretRestored {
			// Not this apply's: back to where it was, scheduled for deletion (with AWS's default
			// window, which never shortens what was left of the old one by much).
			return d.deleteSecret(ctx, st, restoredRollbackWindow)
		}
		return d.deleteSecret(ctx, st, 0)
	},
	read: readSecret,
	locate: func(_ context.Context, _ Deps, o *observation) error {
		o.st.SecretARN = o.importID
		return nil
	},
	find: func(ctx context.Context, d Deps, spec *Spec, st *State) error {
		return d.findSecret(ctx, spec.Name, st)
	},
	deleteStage: 2,
}

// readSecret reads the secret's description and value, concurrently. A secret deleted or
// scheduled for deletion is State.SecretDeleted.
func readSecret(ctx context.Context, d Deps, o *observation) error {
	id, st := o.prior.SecretARN, o.st
	var wg sync.WaitGroup
	wg.Go(func() {
		// The value is read for drift only: when it cannot be read (no permission, or not JSON)
		// the keys are simply not compared, and DescribeSecret reports a missing secret.
		out, err := d.AWS.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err == nil {
			if keys, ok := parseCredentialKeys(aws.ToString(out.SecretString)); ok {
				o.s.credentials = &keys
			}
		}
	})
	out, err := d.findSecretByID(ctx, id)
	wg.Wait()
	switch {
	case isNotFound(err):
		st.SecretDeleted = true
		if out != nil {
			// AWS documents DeletedDate as the date the secret is scheduled to be deleted.
			st.SecretDeletionDate = aws.ToTime(out.DeletedDate)
		}
		return nil
	case err != nil:
		return fmt.Errorf("reading secret %s: %w", id, err)
	}
	o.s.secret = out
	st.SecretARN, st.SecretName = aws.ToString(out.ARN), aws.ToString(out.Name)
	st.RotationEnabled = aws.ToBool(out.RotationEnabled)
	st.LastRotatedDate, st.NextRotationDate = aws.ToTime(out.LastRotatedDate), aws.ToTime(out.NextRotationDate)
	for version, stages := range out.VersionIdsToStages {
		switch {
		case slices.Contains(stages, stageCurrent):
			st.VersionID = version
		case slices.Contains(stages, stagePending):
			o.s.pendingVersion = version
		}
	}
	return nil
}

// scheduledDeletionWait bounds the wait for a force-deleted secret's name to become free; a
// variable so that tests need not wait a minute.
var scheduledDeletionWait = time.Minute

func (d Deps) createSecret(ctx context.Context, spec *Spec, st *State, value, token string) error {
	input := &secretsmanager.CreateSecretInput{
		Name:               aws.String(spec.Name),
		SecretString:       aws.String(value),
		ClientRequestToken: aws.String(token),
		Tags:               secretTags(partTags(spec)),
	}
	if spec.Description != "" {
		input.Description = aws.String(spec.Description)
	}
	if spec.KMSKeyID != "" {
		input.KmsKeyId = aws.String(spec.KMSKeyID)
	}
	// A name freed by a deletion without recovery is usable again seconds later; one still in
	// its recovery window is not for days, so the wait is capped well below the create timeout.
	retryCtx, cancel := context.WithTimeout(ctx, scheduledDeletionWait)
	defer cancel()
	var out *secretsmanager.CreateSecretOutput
	create := func() (err error) {
		out, err = d.AWS.SecretsManager.CreateSecret(ctx, input)
		return err
	}
	var err error
	if spec.RestoreScheduledForDeletion {
		// The name is held for the recovery window's days: no use waiting, restore.
		if err = create(); errScheduledForDeletion.matches(err) {
			return d.restoreOwnSecret(ctx, spec, st, err)
		}
	} else if err = create(); errScheduledForDeletion.matches(err) && !d.heldByRecoveryWindow(ctx, spec.Name) {
		// Deleted without recovery a moment ago: the name is free again within seconds.
		err = retryOn(retryCtx, create, errScheduledForDeletion)
	}
	if errScheduledForDeletion.matches(err) {
		// A replacement of the bundle under the same name (-replace, a tainted bundle) meets the
		// secret its own destroy just scheduled for deletion: say so, and how to go on.
		return fmt.Errorf("creating secret %s: a secret of that name is scheduled for deletion and still in its recovery window, which holds the name (a replacement of a bundle under the same name meets the secret its destroy scheduled for deletion); "+
			"set restore_if_scheduled_for_deletion = true to restore and adopt it when it is this bundle's, or restore it (aws secretsmanager restore-secret --secret-id %s) and import it, delete it for good (aws secretsmanager delete-secret --force-delete-without-recovery), or choose another name: %w", spec.Name, spec.Name, err)
	}
	if isAlreadyExists(err) && d.findOwnSecret(ctx, spec.Name, token, st) {
		// The SDK retried a CreateSecret whose answer was lost, and the secret holds the version
		// of this very create (AWS answers such a retry with success; LocalStack does not).
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating secret %s: %w", spec.Name, err)
	}
	st.SecretARN, st.SecretName, st.VersionID = aws.ToString(out.ARN), spec.Name, aws.ToString(out.VersionId)
	return nil
}

// heldByRecoveryWindow reports whether the secret of name is scheduled for deletion with a
// recovery window (it holds the name for days), rather than gone without recovery (the name is
// free again within seconds). A failed look-up counts as not held, so the create waits as before.
func (d Deps) heldByRecoveryWindow(ctx context.Context, name string) bool {
	out, _ := d.findSecretByID(ctx, name)
	return out != nil && out.DeletedDate != nil
}

// restoredRollbackWindow is the recovery window a rollback schedules a restored secret's deletion
// with again: AWS's default.
const restoredRollbackWindow = 30

// restoreOwnSecret restores the secret of the bundle's name that is scheduled for deletion, when
// it carries this bundle's tag, and adopts it: it keeps its value (the password its database
// knows), and takes the configured description, key and tags. A secret without the tag is not
// ours: it is left scheduled for deletion, and the create fails as without the opt-in.
func (d Deps) restoreOwnSecret(ctx context.Context, spec *Spec, st *State, createErr error) error {
	out, err := d.findSecretByID(ctx, spec.Name)
	if out == nil || out.DeletedDate == nil {
		if err == nil {
			err = createErr
		}
		return fmt.Errorf("creating secret %s: a secret of that name is scheduled for deletion, but it could not be described to restore it: %w", spec.Name, err)
	}
	arn := aws.ToString(out.ARN)
	if tags := secretTagMap(out.Tags); !hasBundleTag(tags, spec.Name) {
		return fmt.Errorf("creating secret %s: a secret of that name (%s) is scheduled for deletion and has no tag %s = %q, so it is not this bundle's and restore_if_scheduled_for_deletion leaves it alone; restore it (aws secretsmanager restore-secret --secret-id %s) and import it, delete it for good (aws secretsmanager delete-secret --force-delete-without-recovery), or choose another name: %w",
			spec.Name, arn, BundleTagKey, spec.Name, arn, createErr)
	}
	if _, err := d.AWS.SecretsManager.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String(arn)}); err != nil {
		return fmt.Errorf("restoring secret %s, this bundle's, scheduled for deletion: %w", arn, err)
	}
	st.SecretARN, st.SecretName, st.SecretRestored = arn, spec.Name, true
	for id, stages := range out.VersionIdsToStages {
		if slices.Contains(stages, stageCurrent) {
			st.VersionID = id
		}
	}
	prior := *spec
	prior.Description, prior.KMSKeyID = aws.ToString(out.Description), aws.ToString(out.KmsKeyId)
	if prior.KMSKeyID == "" {
		prior.KMSKeyID = spec.KMSKeyID
	}
	prior.Tags, prior.DefaultTags = secretTagMap(out.Tags), nil
	delete(prior.Tags, BundleTagKey)
	prior.Credentials = spec.Credentials // the value is kept as it is
	prior.Credentials.Password = ""
	adopt := *spec
	adopt.Credentials.Password = ""
	if err := d.updateSecret(ctx, &prior, &adopt, st); err != nil {
		return err
	}
	return d.retag(ctx, d.secretTagger(arn), &prior, &adopt)
}

// findOwnSecret records the secret named name when it holds the version token: the one this
// create wrote.
func (d Deps) findOwnSecret(ctx context.Context, name, token string, st *State) bool {
	out, err := d.findSecretByID(ctx, name)
	if err != nil {
		return false
	}
	if _, ok := out.VersionIdsToStages[token]; !ok {
		return false
	}
	st.SecretARN, st.SecretName, st.VersionID = aws.ToString(out.ARN), name, token
	return true
}

// findSecret records the secret named name when it exists, is not scheduled for deletion and
// carries the bundle tag.
func (d Deps) findSecret(ctx context.Context, name string, st *State) error {
	out, err := d.findSecretByID(ctx, name)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("looking up secret %s: %w", name, err)
	}
	if hasBundleTag(secretTagMap(out.Tags), name) && createdSince(aws.ToTime(out.CreatedDate), d.began) {
		st.SecretARN, st.SecretName = aws.ToString(out.ARN), name
	}
	return nil
}

func (d Deps) deleteSecret(ctx context.Context, st *State, recoveryWindowInDays int64) error {
	if st.SecretARN == "" {
		return nil
	}
	input := &secretsmanager.DeleteSecretInput{SecretId: aws.String(st.SecretARN)}
	if recoveryWindowInDays == 0 {
		input.ForceDeleteWithoutRecovery = aws.Bool(true)
	} else {
		input.RecoveryWindowInDays = aws.Int64(recoveryWindowInDays)
	}
	if _, err := d.AWS.SecretsManager.DeleteSecret(ctx, input); err != nil && !isNotFound(err) && !awsclient.IsSecretMarkedForDeletion(err) {
		return fmt.Errorf("deleting secret %s: %w", st.SecretARN, err)
	}
	st.SecretARN = ""
	return nil
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

// errRotationInFlight refuses an update of the credential keys while a rotation is under way.
var errRotationInFlight = errors.New("a rotation is in progress")

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
	described, err := d.findSecretByID(ctx, st.SecretARN)
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
				return fmt.Errorf("%w on secret %s (AWSPENDING version %s): updating the credential keys now could be undone by its last step, or undo it. Wait for the rotation to finish (or cancel it with aws secretsmanager cancel-rotate-secret), then apply again", errRotationInFlight, st.SecretARN, id)
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
	described, err := d.findSecretByID(ctx, secretARN)
	if err != nil {
		return fmt.Errorf("reading the versions of secret %s after updating its credential keys: %w", secretARN, err)
	}
	if !slices.Contains(described.VersionIdsToStages[newID], stageCurrent) {
		return fmt.Errorf("AWSCURRENT of secret %s is not on the new version %s after the update (a rotation finished at the same time?); apply again", secretARN, newID)
	}
	return nil
}

func (d Deps) secretTagger(arn string) tagger {
	return tagger{what: "secret " + arn,
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := d.AWS.SecretsManager.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(arn), Tags: secretTags(set)})
			return err
		},
		untag: func(ctx context.Context, keys []string) error {
			_, err := d.AWS.SecretsManager.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String(arn), TagKeys: keys})
			return err
		}}
}

func secretTags(tags map[string]string) []smtypes.Tag {
	return tagList(tags, func(k, v *string) smtypes.Tag { return smtypes.Tag{Key: k, Value: v} })
}

func secretTagMap(tags []smtypes.Tag) map[string]string {
	return tagMap(tags, func(t smtypes.Tag) (*string, *string) { return t.Key, t.Value })
}
