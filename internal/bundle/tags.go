package bundle

import "maps"

// BundleTagKey tags every part with the secret's name; import and the orphan sweeper find the parts by it.
const BundleTagKey = "secretsbundle:bundle"

// partTags are the tags every part carries: the spec's tags plus the bundle tag.
func partTags(spec *Spec) map[string]string {
	tags := maps.Clone(spec.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	tags[BundleTagKey] = spec.Name
	return tags
}

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
