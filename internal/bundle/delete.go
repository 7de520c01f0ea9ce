package bundle

import "context"

// Delete removes every part the bundle made, dependents first and the secret last with its
// recovery window (0 deletes at once). A topic given by ARN is never deleted. Parts already gone
// count as deleted. On error st still names what is left, so Terraform keeps it.
func Delete(ctx context.Context, d Deps, st *State, recoveryWindowInDays int64) error {
	var stages []stage
	for _, p := range removalOrder() {
		if p.deletedWith != "" {
			continue
		}
		for len(stages) <= p.deleteStage {
			stages = append(stages, nil)
		}
		remove := p.remove
		if p.name == PartSecret {
			remove = func(ctx context.Context, d Deps, st *State) error {
				return d.deleteSecret(ctx, st, recoveryWindowInDays)
			}
		}
		stages[p.deleteStage] = append(stages[p.deleteStage], step{name: p.name, run: func(ctx context.Context) error { return remove(ctx, d, st) }})
	}
	for _, s := range stages {
		if err := runStage(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// removalOrder lists the parts that can be removed, by deleteStage.
func removalOrder() []*part {
	var parts []*part
	for stage := 0; len(parts) < countRemovable(); stage++ {
		for _, p := range catalogue {
			if p.remove != nil && p.deleteStage == stage {
				parts = append(parts, p)
			}
		}
	}
	return parts
}

func countRemovable() int {
	n := 0
	for _, p := range catalogue {
		if p.remove != nil {
			n++
		}
	}
	return n
}
