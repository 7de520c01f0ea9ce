package rotator

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// A Terraform update that lands between setSecret and finishSecret (allowed while a failed
// rotation waits to be re-attempted) moves AWSCURRENT to a version with new keys. finishSecret must
// not move AWSCURRENT back to the pending value, made from the version before: it fails as stale,
// and the update's version stays AWSCURRENT.
func TestFinishSecretDoesNotUndoAnUpdateMadeDuringTheRotation(t *testing.T) {
	for _, strategy := range []Strategy{StrategySingleUser, StrategyAlternatingUsers} {
		t.Run(string(strategy), func(t *testing.T) {
			secret := appSecret()
			if strategy == StrategyAlternatingUsers {
				secret["masterarn"] = testMasterARN
			}
			h := newHarness(t, strategy, secret)
			if strategy == StrategyAlternatingUsers {
				h.sm.others[testMasterARN] = `{"engine":"postgres","host":"db.internal","username":"master","password":"m"}`
				h.db.users["master"] = "m"
			}
			h.sm.startRotation("t1")
			for _, step := range []string{"createSecret", "setSecret", "testSecret"} {
				if err := h.step(step, "t1"); err != nil {
					t.Fatalf("%s: %v", step, err)
				}
			}
			// Terraform's update: a new version with another host becomes AWSCURRENT.
			updated := appSecret()
			updated["host"] = "db2.internal"
			if strategy == StrategyAlternatingUsers {
				updated["masterarn"] = testMasterARN
			}
			value, _ := json.Marshal(updated)
			if _, err := h.sm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{
				SecretId: aws.String(testARN), ClientRequestToken: aws.String("terraform-update"), SecretString: aws.String(string(value)),
			}); err != nil {
				t.Fatal(err)
			}
			wantCode(t, h.step("finishSecret", "t1"), CodePendingStale)
			if holder := h.sm.stageHolder(stageCurrent); holder != "terraform-update" {
				t.Fatalf("AWSCURRENT is on %s after finishSecret; want the update's version", holder)
			}
			if got := h.current()["host"]; got != "db2.internal" {
				t.Errorf("AWSCURRENT's host is %v; the update was undone", got)
			}
		})
	}
}
