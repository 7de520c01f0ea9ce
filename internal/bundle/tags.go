package bundle

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
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

// tagList converts a tag map into a service's tag list.
func tagList[T any](tags map[string]string, tag func(key, value *string) T) []T {
	var out []T
	for k, v := range tags {
		out = append(out, tag(aws.String(k), aws.String(v)))
	}
	return out
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
