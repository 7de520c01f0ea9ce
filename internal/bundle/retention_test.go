package bundle

import (
	"context"
	"strings"
	"testing"
)

// log_retention_days = 0 (never expire) removes the group's retention policy; a group that has
// none (ResourceNotFoundException) is fine, any other error fails the create naming the part.
func TestCreateWithNoRetentionRemovesThePolicy(t *testing.T) {
	spec := testSpec()
	spec.Rotation.Lambda.LogRetentionDays = 0
	f := newFakeAWS()
	f.fail("DeleteRetentionPolicy", notFound("retention policy"))
	if _, err := Create(context.Background(), f.deps(), spec); err != nil {
		t.Fatalf("Create with no retention, the group having no policy: %v", err)
	}
	if ops := f.ops(); !contains(ops, "DeleteRetentionPolicy") || contains(ops, "PutRetentionPolicy") {
		t.Errorf("ops %v; want DeleteRetentionPolicy and no PutRetentionPolicy", ops)
	}

	denied := newFakeAWS()
	denied.fail("DeleteRetentionPolicy", apiError("AccessDeniedException", "not authorized to perform: logs:DeleteRetentionPolicy"))
	st, err := Create(context.Background(), denied.deps(), spec)
	if err == nil || st != nil || !strings.Contains(err.Error(), "removing the retention of log group") {
		t.Fatalf("Create with DeleteRetentionPolicy denied: state returned %v, error %v; want no state and an error naming the retention", st != nil, err)
	}
}
