package awsproxy

import (
	"maps"
	"testing"
	"time"
)

// span builds a synthetic call from start and end offsets in milliseconds.
func span(key string, startMS, endMS int) Call {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	service, operation := key, key
	for i := range key {
		if key[i] == ':' {
			service, operation = key[:i], key[i+1:]
		}
	}
	return Call{Service: service, Operation: operation,
		Start: base.Add(time.Duration(startMS) * time.Millisecond), End: base.Add(time.Duration(endMS) * time.Millisecond)}
}

func TestFigures(t *testing.T) {
	tests := []struct {
		name        string
		calls       []Call
		concurrency int
		rounds      int
	}{
		{"none", nil, 0, 0},
		{"one", []Call{span("sm:A", 0, 10)}, 1, 1},
		{"three at once", []Call{span("sm:A", 0, 10), span("iam:B", 1, 12), span("sns:C", 2, 8)}, 3, 1},
		{"three in sequence", []Call{span("sm:A", 0, 10), span("sm:B", 10, 20), span("sm:C", 25, 30)}, 1, 3},
		{
			// The bundle's shape: secret ∥ role ∥ topic; function; permission ∥ rule; rotation.
			"bundle create",
			[]Call{
				span("secretsmanager:CreateSecret", 0, 20), span("iam:CreateRole", 1, 15), span("sns:CreateTopic", 2, 10),
				span("iam:PutRolePolicy", 16, 30), // starts before the slowest call of round 1 ends: same round
				span("lambda:CreateFunction", 31, 60),
				span("lambda:AddPermission", 61, 70), span("events:PutRule", 61, 75),
				span("events:PutTargets", 76, 80),
				span("secretsmanager:RotateSecret", 81, 120),
			},
			3, 5,
		},
		{"unsorted input", []Call{span("sm:C", 25, 30), span("sm:A", 0, 10), span("sm:B", 5, 20)}, 2, 2},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			if got := MaxConcurrency(test.calls); got != test.concurrency {
				t.Errorf("MaxConcurrency = %d, want %d", got, test.concurrency)
			}
			if got := SequentialRounds(test.calls); got != test.rounds {
				t.Errorf("SequentialRounds = %d, want %d", got, test.rounds)
			}
		})
	}
	got := CallsPerOperation([]Call{span("sm:A", 0, 1), span("sm:A", 1, 2), span("iam:A", 0, 1)})
	want := map[string]int{"sm:A": 2, "iam:A": 1}
	if !maps.Equal(got, want) {
		t.Errorf("CallsPerOperation = %v, want %v", got, want)
	}
}

func TestCallsBetweenMarks(t *testing.T) {
	upstream := newFakeUpstream(t)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	addCall(p, span("sm:Before", 0, 1))
	p.Mark("create")
	addCall(p, span("sm:During1", 2, 3))
	addCall(p, span("sm:During2", 2, 4))
	p.Mark("created")
	addCall(p, span("sm:After", 5, 6))

	between, err := p.CallsBetween("create", "created")
	if err != nil {
		t.Fatal(err)
	}
	if got := CallsPerOperation(between); !maps.Equal(got, map[string]int{"sm:During1": 1, "sm:During2": 1}) {
		t.Errorf("between the marks: %v", got)
	}
	since, _ := p.CallsBetween("created", "")
	if len(since) != 1 || since[0].Operation != "After" {
		t.Errorf("since the last mark: %v", CallsPerOperation(since))
	}
	if _, err := p.CallsBetween("nope", ""); err == nil {
		t.Error("an unknown mark is not an error")
	}
	p.Reset()
	if len(p.Calls()) != 0 {
		t.Error("Reset kept calls")
	}
	if _, err := p.CallsBetween("create", ""); err == nil {
		t.Error("Reset kept marks")
	}
}
