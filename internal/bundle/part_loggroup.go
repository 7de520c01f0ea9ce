package bundle

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
)

// logGroupPart is the log group the rotator writes to, made ahead of the function so that it is
// tagged and deleted with the bundle.
var logGroupPart = part{
	name:   PartLogGroup,
	id:     func(st *State) string { return st.LogGroupName },
	label:  func(st *State) string { return "log group " + st.LogGroupName },
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.createLogGroup(ctx, spec, st) },
	tagger: func(d Deps, st *State) tagger { return d.logGroupTagger(st.LogGroupName) },
	remove: func(ctx context.Context, d Deps, st *State) error { return d.deleteLogGroup(ctx, st) },
	read: func(ctx context.Context, d Deps, o *observation) error {
		group, err := d.findLogGroupByName(ctx, o.prior.LogGroupName)
		switch {
		case isNotFound(err):
			o.st.LogGroupName = ""
		case err != nil:
			return fmt.Errorf("reading CloudWatch Logs log group %s: %w", o.prior.LogGroupName, err)
		default:
			o.s.logRetentionDays = int64(aws.ToInt32(group.RetentionInDays))
		}
		return nil
	},
	forget:     func(st *State) { st.LogGroupName = "" },
	attributes: []Attribute{{Name: "rotation_log_group_name", Get: func(st *State) string { return st.LogGroupName }, Set: func(st *State, v string) { st.LogGroupName = v }}},
	// Lambda makes the group again when it is gone, so refresh does not look; import reads it for
	// the retention.
	importOnly:  true,
	locatedFrom: PartFunction,
	locate: func(ctx context.Context, d Deps, o *observation) error {
		// The group the function logs to: its logging configuration's, or Lambda's default.
		if f := o.s.function; o.st.FunctionName != "" && f != nil {
			o.st.LogGroupName = LogGroupName(o.st.FunctionName)
			if c := f.Configuration.LoggingConfig; c != nil && aws.ToString(c.LogGroup) != "" {
				o.st.LogGroupName = aws.ToString(c.LogGroup)
			}
			tags, err := d.logGroupTags(ctx, o.st.LogGroupName)
			return o.s.locatedTag(PartLogGroup, tags, err)
		}
		return nil
	},
	owned:       ownedByTag(PartLogGroup),
	find:        func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.findLogGroup(ctx, spec, st) },
	deleteStage: 1,
}

// logRetentionPart is the log group's retention; it goes with the group.
var logRetentionPart = part{
	name:        PartLogRetention,
	needs:       []string{PartLogGroup},
	id:          func(st *State) string { return st.LogGroupName },
	locatedFrom: PartLogGroup,
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error {
		return d.putLogRetention(ctx, spec, st)
	},
	update: func(ctx context.Context, d Deps, c *change) error {
		if c.plan.createsAnew(PartLogGroup) || c.prior.Rotation.Lambda.LogRetentionDays != c.spec.Rotation.Lambda.LogRetentionDays {
			return d.putLogRetention(ctx, c.spec, c.st)
		}
		return nil
	},
}

func (d Deps) createLogGroup(ctx context.Context, spec *Spec, st *State) error {
	name := LogGroupName(FunctionName(spec.Name, spec.Rotation.Lambda.Name))
	_, err := d.AWS.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: partTags(spec)})
	if isAlreadyExists(err) {
		if findErr := d.findLogGroup(ctx, spec, st); findErr == nil && st.LogGroupName != "" {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("creating log group %s for the rotator: %w", name, err)
	}
	st.LogGroupName = name
	return nil
}

// findLogGroup records the bundle's log group when it exists and carries the bundle tag.
func (d Deps) findLogGroup(ctx context.Context, spec *Spec, st *State) error {
	name := LogGroupName(FunctionName(spec.Name, spec.Rotation.Lambda.Name))
	group, err := d.findLogGroupByName(ctx, name)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("looking up log group %s: %w", name, err)
	}
	tags, err := d.logGroupTags(ctx, name)
	if err != nil {
		return err
	}
	if hasBundleTag(tags, spec.Name) && createdSince(time.UnixMilli(aws.ToInt64(group.CreationTime)), d.began) {
		st.LogGroupName = name
	}
	return nil
}

func (d Deps) logGroupTags(ctx context.Context, name string) (map[string]string, error) {
	tags, err := d.AWS.Logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(d.arns().logGroupARN(name))})
	if err != nil {
		return nil, fmt.Errorf("reading the tags of log group %s: %w", name, err)
	}
	return tags.Tags, nil
}

func (d Deps) putLogRetention(ctx context.Context, spec *Spec, st *State) error {
	if spec.Rotation.Lambda.LogRetentionDays == 0 {
		_, err := d.AWS.Logs.DeleteRetentionPolicy(ctx, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String(st.LogGroupName)})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("removing the retention of log group %s: %w", st.LogGroupName, err)
		}
		return nil
	}
	_, err := d.AWS.Logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{
		LogGroupName:    aws.String(st.LogGroupName),
		RetentionInDays: aws.Int32(int32(spec.Rotation.Lambda.LogRetentionDays)),
	})
	if err != nil {
		return fmt.Errorf("setting the retention of log group %s to %d days: %w", st.LogGroupName, spec.Rotation.Lambda.LogRetentionDays, err)
	}
	return nil
}

func (d Deps) deleteLogGroup(ctx context.Context, st *State) error {
	if st.LogGroupName == "" {
		return nil
	}
	if _, err := d.AWS.Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(st.LogGroupName)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting log group %s: %w", st.LogGroupName, err)
	}
	st.LogGroupName = ""
	return nil
}

func (d Deps) logGroupTagger(name string) tagger {
	arn := d.arns().logGroupARN(name)
	return tagger{what: "log group " + name,
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := d.AWS.Logs.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String(arn), Tags: set})
			return err
		},
		untag: func(ctx context.Context, keys []string) error {
			_, err := d.AWS.Logs.UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
			return err
		}}
}
