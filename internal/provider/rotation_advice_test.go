package provider

import (
	"strings"
	"testing"
)

// The advice after a failed rotation names the command with the secret, and says what Secrets
// Manager answers while the failed rotation's AWSPENDING is still there, so the answer does not
// read as a new failure.
func TestRotationFailedAdvice(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf"
	advice := rotationFailedAdvice(arn)
	for _, want := range []string{"aws secretsmanager rotate-secret --secret-id " + arn, "A previous rotation isn't complete", "last_rotation_error"} {
		if !strings.Contains(advice, want) {
			t.Errorf("the advice %q lacks %q", advice, want)
		}
	}
}
