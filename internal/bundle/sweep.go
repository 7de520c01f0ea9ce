package bundle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Sweep deletes every bundle whose secret carries the bundle tag and whose name starts with
// prefix, with all its parts, without recovery: the acceptance tests' sweeper, for bundles a
// crashed test left behind. It returns the names it deleted.
func Sweep(ctx context.Context, d Deps, prefix string) ([]string, error) {
	var swept []string
	var errs []error
	paginator := secretsmanager.NewListSecretsPaginator(d.AWS.SecretsManager, &secretsmanager.ListSecretsInput{
		Filters: []smtypes.Filter{{Key: smtypes.FilterNameStringTypeTagKey, Values: []string{BundleTagKey}}},
	})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return swept, fmt.Errorf("listing secrets tagged %s: %w", BundleTagKey, err)
		}
		for _, secret := range page.SecretList {
			name := aws.ToString(secret.Name)
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			_, found, err := Find(ctx, d, aws.ToString(secret.ARN))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if err := Delete(ctx, d, found, 0); err != nil {
				errs = append(errs, fmt.Errorf("sweeping bundle %s: %w", name, err))
				continue
			}
			swept = append(swept, name)
		}
	}
	return swept, errors.Join(errs...)
}
