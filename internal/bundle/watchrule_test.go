package bundle

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestRotationEventPattern(t *testing.T) {
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf"
	var got map[string]any
	if err := json.Unmarshal([]byte(RotationEventPattern("app/db", arn, DefaultRotationAlertEvents)), &got); err != nil {
		t.Fatal(err)
	}
	want := `{"detail":{"additionalEventData":{"SecretId":["` + arn + `","app/db"]},"eventName":["RotationAbandoned","RotationFailed"],"eventSource":["secretsmanager.amazonaws.com"]},"detail-type":["AWS Service Event via CloudTrail"],"source":["aws.secretsmanager"]}`
	if encoded, _ := json.Marshal(got); string(encoded) != want {
		t.Errorf("pattern = %s\nwant      %s", encoded, want)
	}
}

func TestExpectedReaders(t *testing.T) {
	got := ExpectedReaders([]string{"arn:aws:iam::123456789012:role/app?", "arn:aws:iam::123456789012:user/ops"},
		"arn:aws:iam::123456789012:role/secretsbundle-rotator-app-db", "arn:aws:sts::123456789012:assumed-role/deployer/ci-42")
	want := []string{
		"arn:aws:iam::123456789012:role/app*",
		"arn:aws:iam::123456789012:role/secretsbundle-rotator-app-db",
		"arn:aws:iam::123456789012:user/ops",
		"arn:aws:sts::123456789012:assumed-role/deployer/*",
	}
	if !slices.Equal(got, want) {
		t.Errorf("ExpectedReaders = %q, want %q", got, want)
	}
}

func TestReaderEventPattern(t *testing.T) {
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf"
	expected := []string{"arn:aws:iam::123456789012:user/ops"}
	var got struct {
		Detail struct {
			EventName    []string         `json:"eventName"`
			Or           []map[string]any `json:"$or"`
			UserIdentity struct {
				Or []map[string]any `json:"$or"`
			} `json:"userIdentity"`
		} `json:"detail"`
	}
	if err := json.Unmarshal([]byte(ReaderEventPattern("app/db", arn, expected)), &got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Detail.EventName, ReaderEvents) || len(got.Detail.Or) == 0 {
		t.Errorf("the pattern does not watch the reads of this secret: %+v", got.Detail)
	}
	branches, _ := json.Marshal(got.Detail.UserIdentity.Or)
	want := `[{"arn":[{"anything-but":{"wildcard":["arn:aws:iam::123456789012:user/ops"]}}],"type":[{"anything-but":["AssumedRole","AWSService"]}]},` +
		`{"arn":[{"anything-but":{"wildcard":["arn:aws:iam::123456789012:user/ops"]}}],"sessionContext":{"sessionIssuer":{"arn":[{"anything-but":{"wildcard":["arn:aws:iam::123456789012:user/ops"]}}]}},"type":["AssumedRole"]}]`
	if string(branches) != want {
		t.Errorf("identity branches = %s\nwant %s", branches, want)
	}
}

// TestWatchRulesShareTheTopic: the created topic's policy lets every rule of the bundle publish,
// and creating a watch rule on a topic made before it puts that policy again.
func TestWatchRulesShareTheTopic(t *testing.T) {
	f := newFakeAWS()
	spec := testSpec()
	spec.RotationAlert = RotationAlert{Enabled: true, Events: DefaultRotationAlertEvents}
	spec.Readers, spec.ReaderAlert = []string{appReader}, ReaderAlert{Enabled: true}
	st, err := Create(context.Background(), f.deps(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if st.RotationRule.ARN == "" || st.ReaderRule.ARN == "" {
		t.Fatalf("watch rules not recorded: %+v %+v", st.RotationRule, st.ReaderRule)
	}
	policy := f.topicPolicies[st.TopicARN]
	for _, name := range alertRuleNames(spec.Name) {
		if !strings.Contains(policy, ":rule/"+name+`"`) {
			t.Errorf("the topic policy does not let rule %s publish: %s", name, policy)
		}
	}
	for _, rule := range []string{st.RotationRule.Name, st.ReaderRule.Name} {
		if !f.targets[rule] {
			t.Errorf("rule %s has no target", rule)
		}
	}
}
