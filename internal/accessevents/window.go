package accessevents

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

const (
	// Retention is how far back CloudTrail's event history goes.
	Retention = 90 * 24 * time.Hour
	// DefaultLookback is the window when neither a start time nor a lookback is given.
	DefaultLookback = 24 * time.Hour
	// DefaultMaxEvents and MaxMaxEvents bound how many events one listing returns.
	DefaultMaxEvents = 50
	MaxMaxEvents     = 10000
)

var lookbackPattern = regexp.MustCompile(`^(?:(\d+)d)?(.*)$`)

// ParseLookback reads a Go duration ("36h", "90m") optionally led by whole days ("7d", "1d12h").
func ParseLookback(text string) (time.Duration, error) {
	match := lookbackPattern.FindStringSubmatch(text)
	if text == "" || match == nil {
		return 0, errors.New("empty duration")
	}
	var total time.Duration
	if match[1] != "" {
		days, err := strconv.Atoi(match[1])
		// The bound only keeps the multiplication from overflowing; callers enforce Retention.
		if err != nil || days > 100000 {
			return 0, fmt.Errorf("%q has too many days", text)
		}
		total = time.Duration(days) * 24 * time.Hour
	}
	if match[2] != "" {
		rest, err := time.ParseDuration(match[2])
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration such as \"24h\", \"7d\" or \"1d12h\"", text)
		}
		total += rest
	}
	return total, nil
}
