package accessevents

import (
	"slices"
	"testing"
	"time"
)

func TestPrincipals(t *testing.T) {
	base := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	alice, app := "arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/app/s1"
	events := []Event{
		{EventID: "1", PrincipalARN: app, PrincipalType: "AssumedRole", Username: "s1", EventTime: base.Add(3 * time.Minute), SourceIPAddress: "10.0.0.2"},
		{EventID: "2", PrincipalARN: alice, PrincipalType: "IAMUser", Username: "alice", EventTime: base.Add(2 * time.Minute), SourceIPAddress: "198.51.100.4"},
		{EventID: "3", PrincipalARN: app, PrincipalType: "AssumedRole", Username: "s1", EventTime: base.Add(time.Minute), SourceIPAddress: "10.0.0.1"},
		{EventID: "4", PrincipalARN: app, PrincipalType: "AssumedRole", Username: "s1", EventTime: base, SourceIPAddress: "10.0.0.2"},
	}
	got := Principals(events)
	if len(got) != 2 {
		t.Fatalf("got %d principals, want 2: %+v", len(got), got)
	}
	first := got[0]
	if first.PrincipalARN != app || first.EventCount != 3 || !first.FirstEventTime.Equal(base) || !first.LastEventTime.Equal(base.Add(3*time.Minute)) ||
		!slices.Equal(first.SourceIPAddresses, []string{"10.0.0.1", "10.0.0.2"}) || first.PrincipalType != "AssumedRole" {
		t.Errorf("first principal %+v", first)
	}
	if got[1].PrincipalARN != alice || got[1].EventCount != 1 || got[1].Username != "alice" {
		t.Errorf("second principal %+v", got[1])
	}
	if len(Principals(nil)) != 0 {
		t.Error("no events should give no principals")
	}
}
