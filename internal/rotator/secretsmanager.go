package rotator

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// SecretsManager is the part of the Secrets Manager API the rotator calls; *secretsmanager.Client
// satisfies it, and unit tests pass a fake.
type SecretsManager interface {
	DescribeSecret(ctx context.Context, params *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, params *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(ctx context.Context, params *secretsmanager.UpdateSecretVersionStageInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
	GetRandomPassword(ctx context.Context, params *secretsmanager.GetRandomPasswordInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error)
}

var _ SecretsManager = (*secretsmanager.Client)(nil)

// countingSecretsManager counts calls so every step's log line reports how many Secrets Manager
// round trips it cost: they are most of a rotation's time.
type countingSecretsManager struct {
	SecretsManager
	calls atomic.Int64
}

func (c *countingSecretsManager) DescribeSecret(ctx context.Context, params *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	c.calls.Add(1)
	return c.SecretsManager.DescribeSecret(ctx, params, optFns...)
}

func (c *countingSecretsManager) GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.calls.Add(1)
	return c.SecretsManager.GetSecretValue(ctx, params, optFns...)
}

func (c *countingSecretsManager) PutSecretValue(ctx context.Context, params *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	c.calls.Add(1)
	return c.SecretsManager.PutSecretValue(ctx, params, optFns...)
}

func (c *countingSecretsManager) UpdateSecretVersionStage(ctx context.Context, params *secretsmanager.UpdateSecretVersionStageInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error) {
	c.calls.Add(1)
	return c.SecretsManager.UpdateSecretVersionStage(ctx, params, optFns...)
}

func (c *countingSecretsManager) GetRandomPassword(ctx context.Context, params *secretsmanager.GetRandomPasswordInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error) {
	c.calls.Add(1)
	return c.SecretsManager.GetRandomPassword(ctx, params, optFns...)
}

// versionCache keeps secret values by version id across warm invocations. A version's value never
// changes once written (PutSecretValue refuses a different value for an existing version id), so a
// cached value is never stale; staging labels do move, which is why DescribeSecret is never cached.
type versionCache struct {
	mu      sync.Mutex
	values  map[string]string
	order   []string
	maxSize int
}

func newVersionCache(maxSize int) *versionCache {
	return &versionCache{values: make(map[string]string), maxSize: maxSize}
}

func cacheKey(secretARN, versionID string) string {
	return secretARN + "\x00" + versionID
}

func (c *versionCache) get(secretARN, versionID string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	value, ok := c.values[cacheKey(secretARN, versionID)]
	return value, ok
}

func (c *versionCache) put(secretARN, versionID, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := cacheKey(secretARN, versionID)
	if _, ok := c.values[key]; ok {
		return
	}
	// A rotation function serves one secret, so a handful of versions is all it ever reads; the
	// bound only keeps a long-lived environment from growing without limit.
	if len(c.order) >= c.maxSize {
		delete(c.values, c.order[0])
		c.order = c.order[1:]
	}
	c.values[key] = value
	c.order = append(c.order, key)
}

func isNotFound(err error) bool {
	var notFound *types.ResourceNotFoundException
	return errors.As(err, &notFound)
}

func isResourceExists(err error) bool {
	var exists *types.ResourceExistsException
	return errors.As(err, &exists)
}

func hasStage(stages []string, stage string) bool {
	for _, s := range stages {
		if s == stage {
			return true
		}
	}
	return false
}

// versionWithStage returns the version id holding a staging label, or "".
func versionWithStage(versions map[string][]string, stage string) string {
	for id, stages := range versions {
		if hasStage(stages, stage) {
			return id
		}
	}
	return ""
}

func stringValue(s *string) string { return aws.ToString(s) }
