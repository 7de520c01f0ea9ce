package bundle

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
)

// BundleTagKey tags every part with the secret's name; import and the orphan sweeper find the parts by it.
const BundleTagKey = "secretsbundle:bundle"

// partTags are the tags every part carries: the spec's TagsAll plus the bundle tag.
func partTags(spec *Spec) map[string]string {
	tags := spec.TagsAll()
	tags[BundleTagKey] = spec.Name
	return tags
}

// hasBundleTag reports whether tags say the object belongs to the bundle of the secret name.
func hasBundleTag(tags map[string]string, name string) bool { return tags[BundleTagKey] == name }

// tagDiff returns the tags to set and the keys to remove to go from have to want.
func tagDiff(have, want map[string]string) (set map[string]string, remove []string) {
	set = map[string]string{}
	for k, v := range want {
		if old, ok := have[k]; !ok || old != v {
			set[k] = v
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok {
			remove = append(remove, k)
		}
	}
	return set, remove
}

// tagger is one object's tagging calls, for retag.
type tagger struct {
	what  string
	tag   func(ctx context.Context, set map[string]string) error
	untag func(ctx context.Context, keys []string) error
}

// retag moves an object's tags from prior's to spec's: the one re-tagging of every part.
func (d Deps) retag(ctx context.Context, t tagger, prior, spec *Spec) error {
	set, remove := tagDiff(partTags(prior), partTags(spec))
	if len(remove) > 0 {
		if err := t.untag(ctx, remove); err != nil {
			return fmt.Errorf("removing tags %v from %s: %w", remove, t.what, err)
		}
	}
	if len(set) > 0 {
		if err := t.tag(ctx, set); err != nil {
			return fmt.Errorf("tagging %s: %w", t.what, err)
		}
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

func (d Deps) roleTagger(name string) tagger {
	return tagger{what: "IAM role " + name,
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := d.AWS.IAM.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(name), Tags: iamTags(set)})
			return err
		},
		untag: func(ctx context.Context, keys []string) error {
			_, err := d.AWS.IAM.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(name), TagKeys: keys})
			return err
		}}
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

func (d Deps) functionTagger(name, arn string) tagger {
	return tagger{what: "Lambda function " + name,
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := d.AWS.Lambda.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(arn), Tags: set})
			return err
		},
		untag: func(ctx context.Context, keys []string) error {
			_, err := d.AWS.Lambda.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(arn), TagKeys: keys})
			return err
		}}
}

func (d Deps) topicTagger(arn string) tagger {
	return tagger{what: "SNS topic " + arn,
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := d.AWS.SNS.TagResource(ctx, &sns.TagResourceInput{ResourceArn: aws.String(arn), Tags: snsTags(set)})
			return err
		},
		untag: func(ctx context.Context, keys []string) error {
			_, err := d.AWS.SNS.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
			return err
		}}
}

func (d Deps) ruleTagger(name, arn string) tagger {
	return tagger{what: "EventBridge rule " + name,
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := d.AWS.Events.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: aws.String(arn), Tags: eventTags(set)})
			return err
		},
		untag: func(ctx context.Context, keys []string) error {
			_, err := d.AWS.Events.UntagResource(ctx, &eventbridge.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: keys})
			return err
		}}
}

// tagList converts a tag map into a service's tag list.
func tagList[T any](tags map[string]string, tag func(key, value *string) T) []T {
	var out []T
	for k, v := range tags {
		out = append(out, tag(aws.String(k), aws.String(v)))
	}
	return out
}

func secretTags(tags map[string]string) []smtypes.Tag {
	return tagList(tags, func(k, v *string) smtypes.Tag { return smtypes.Tag{Key: k, Value: v} })
}

func iamTags(tags map[string]string) []iamtypes.Tag {
	return tagList(tags, func(k, v *string) iamtypes.Tag { return iamtypes.Tag{Key: k, Value: v} })
}

func snsTags(tags map[string]string) []snstypes.Tag {
	return tagList(tags, func(k, v *string) snstypes.Tag { return snstypes.Tag{Key: k, Value: v} })
}

func eventTags(tags map[string]string) []ebtypes.Tag {
	return tagList(tags, func(k, v *string) ebtypes.Tag { return ebtypes.Tag{Key: k, Value: v} })
}

// tagMap converts a service's tag list into a map.
func tagMap[T any](tags []T, kv func(T) (*string, *string)) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		k, v := kv(t)
		out[aws.ToString(k)] = aws.ToString(v)
	}
	return out
}

func secretTagMap(tags []smtypes.Tag) map[string]string {
	return tagMap(tags, func(t smtypes.Tag) (*string, *string) { return t.Key, t.Value })
}
