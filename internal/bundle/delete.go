package bundle

import (
	"context"
)

// Delete removes every part the bundle made, dependents first and the secret last with its
// recovery window (0 deletes at once). A topic given by ARN is never deleted. Parts already gone
// count as deleted. On error st still names what is left, so Terraform keeps it.
func Delete(ctx context.Context, d Deps, st *State, recoveryWindowInDays int64) error {
	stages := []stage{
		{
			{name: "EventBridge rule", run: func(ctx context.Context) error { return d.deleteRule(ctx, st) }},
			// Deleting the function takes its permission with it.
			{name: "Lambda function", run: func(ctx context.Context) error { return d.deleteFunction(ctx, st) }},
		},
		{
			{name: "SNS topic", run: func(ctx context.Context) error { return d.deleteTopic(ctx, st) }},
			{name: "IAM role", run: func(ctx context.Context) error {
				if err := d.deleteRolePolicy(ctx, st); err != nil {
					return err
				}
				return d.deleteRole(ctx, st)
			}},
			{name: "log group", run: func(ctx context.Context) error { return d.deleteLogGroup(ctx, st) }},
		},
		{{name: "secret", run: func(ctx context.Context) error { return d.deleteSecret(ctx, st, recoveryWindowInDays) }}},
	}
	for _, s := range stages {
		if err := runStage(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
