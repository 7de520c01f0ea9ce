package validators

import (
	"testing"
	"time"
)

func TestScheduleInterval(t *testing.T) {
	good := map[string]time.Duration{
		"rate(4 hours)":           4 * time.Hour,
		"rate(23 hours)":          23 * time.Hour,
		"rate(1 day)":             24 * time.Hour,
		"rate(1000 days)":         1000 * 24 * time.Hour,
		"cron(0 4 ? * MON *)":     24 * time.Hour,
		"cron(0 */6 * * ? *)":     time.Hour,
		"cron(0 8 1,15 * ? 2027)": 24 * time.Hour,
	}
	for expression, want := range good {
		got, err := ScheduleInterval(expression)
		if err != nil || got != want {
			t.Errorf("ScheduleInterval(%q) = %s, %v; want %s", expression, got, err, want)
		}
	}
	for _, bad := range []string{"rate(3 hours)", "rate(24 hours)", "rate(0 days)", "rate(1001 days)", "rate(5 minutes)", "cron(0 4 * * *)", "cron(0 4 1 * MON *)", "cron(0 4 ? * MON; *)", "daily", ""} {
		if _, err := ScheduleInterval(bad); err == nil {
			t.Errorf("ScheduleInterval(%q) accepted", bad)
		}
	}
}

func TestWindowDuration(t *testing.T) {
	for value, want := range map[string]time.Duration{"1h": time.Hour, "3h": 3 * time.Hour, "24h": 24 * time.Hour} {
		if got, err := WindowDuration(value); err != nil || got != want {
			t.Errorf("WindowDuration(%q) = %s, %v", value, got, err)
		}
	}
	for _, bad := range []string{"0h", "25h", "90m", "3", "h", "3h30m"} {
		if _, err := WindowDuration(bad); err == nil {
			t.Errorf("WindowDuration(%q) accepted", bad)
		}
	}
}
