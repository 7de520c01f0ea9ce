package bundle

import (
	"context"
	"errors"
	"sync"
)

// observation is one Read or Find in progress: the ids to read (prior), and what the parts' reads
// saw (st, s). Each read writes only its own part's fields, so the reads of a stage run at once.
type observation struct {
	// prior holds the ids the reads look up: the state of the last apply (Read), or what the
	// parts located so far (Find, where prior and st are one).
	prior *State
	st    *State
	s     *seen
	// importID is the secret's name or ARN that Find was given; "" for Read.
	importID string
}

// observeStage runs the reads of parts concurrently, each on a part that prior records (on import,
// also a part without locate: its read looks it up by the part it is located from), and then
// forgets a part whose deletion took it along (a permission with its function): a part reads
// "gone" in one way, on every path.
func observeStage(ctx context.Context, d Deps, o *observation, parts []*part) error {
	var ran []*part
	for _, p := range parts {
		if p.read != nil && (p.id(o.prior) != "" || (o.importID != "" && p.locate == nil)) {
			ran = append(ran, p)
		}
	}
	errs := make([]error, len(ran))
	var wg sync.WaitGroup
	for i, p := range ran {
		wg.Go(func() { errs[i] = safely("reading the "+p.name, func() error { return p.read(ctx, d, o) }) })
	}
	wg.Wait()
	for _, p := range catalogue {
		if with := partNamed(p.deletedWith); with != nil && with.forget != nil && with.id(o.st) == "" && p.forget != nil {
			p.forget(o.st)
		}
	}
	return errors.Join(errs...)
}

// drifted names the parts whose reads saw a change outside Terraform that no attribute shows.
func drifted(s *seen) []string {
	var names []string
	for _, p := range catalogue {
		if p.drifted != nil && p.drifted(s) {
			names = append(names, p.name)
		}
	}
	return names
}

func partNamed(name string) *part {
	for _, p := range catalogue {
		if p.name == name {
			return p
		}
	}
	return nil
}

// refreshed are the parts refresh reads: every part with a read but those only import reads.
func refreshed() []*part {
	var parts []*part
	for _, p := range catalogue {
		if !p.importOnly {
			parts = append(parts, p)
		}
	}
	return parts
}

// locateStages groups the parts for import: a part is located, and read, one stage after the
// part whose read tells its id (locatedFrom).
func locateStages() [][]*part {
	depth := map[string]int{}
	var stages [][]*part
	for _, p := range locateOrder() {
		level := 0
		if p.locatedFrom != "" {
			level = depth[p.locatedFrom] + 1
		}
		depth[p.name] = level
		for len(stages) <= level {
			stages = append(stages, nil)
		}
		stages[level] = append(stages[level], p)
	}
	return stages
}

// locateOrder is the catalogue with every part after the one it is located from.
func locateOrder() []*part {
	var order []*part
	placed := map[string]bool{"": true}
	for len(order) < len(catalogue) {
		for _, p := range catalogue {
			if !placed[p.name] && placed[p.locatedFrom] {
				order = append(order, p)
				placed[p.name] = true
			}
		}
	}
	return order
}
