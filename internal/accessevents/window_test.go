package accessevents

import (
	"testing"
	"time"
)

func TestParseLookback(t *testing.T) {
	good := map[string]time.Duration{
		"24h": 24 * time.Hour, "90m": 90 * time.Minute, "7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "90d": Retention,
	}
	for text, want := range good {
		if got, err := ParseLookback(text); err != nil || got != want {
			t.Errorf("ParseLookback(%q) = %s, %v; want %s", text, got, err, want)
		}
	}
	for _, text := range []string{"", "a day", "7", "d", "1.5d", "999999999d", "-d"} {
		if got, err := ParseLookback(text); err == nil {
			t.Errorf("ParseLookback(%q) = %s, want an error", text, got)
		}
	}
}
