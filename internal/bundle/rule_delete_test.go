package bundle

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
)

// A target that lands after RemoveTargets (a PutTargets cancelled in flight) makes EventBridge
// refuse DeleteRule: the target is removed again and the rule deleted; other errors are not retried.
func TestDeleteRuleRetriesALateTarget(t *testing.T) {
	f := newFakeAWS()
	f.rules["r"], f.targets["r"] = true, true
	f.fail("DeleteRule", apiError("ValidationException", "Rule can't be deleted since it has targets."))
	if err := f.deps().deleteRuleNamed(context.Background(), "r"); err != nil {
		t.Fatal(err)
	}
	if f.rules["r"] || len(sent[*eventbridge.RemoveTargetsInput](t, f, "RemoveTargets")) != 2 || len(sent[*eventbridge.DeleteRuleInput](t, f, "DeleteRule")) != 2 {
		t.Errorf("rule left %v after %v; want RemoveTargets and DeleteRule twice", f.rules["r"], f.ops())
	}
	f = newFakeAWS()
	f.rules["r"] = true
	f.fail("DeleteRule", apiError("AccessDeniedException", "denied"))
	if err := f.deps().deleteRuleNamed(context.Background(), "r"); err == nil || len(sent[*eventbridge.DeleteRuleInput](t, f, "DeleteRule")) != 1 {
		t.Errorf("a denied DeleteRule: %v after %v; want the error at once", err, f.ops())
	}
}
