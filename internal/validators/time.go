package validators

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/accessevents"
)

// RFC3339Time accepts a time such as 2026-11-28T09:00:00Z.
func RFC3339Time() validator.String {
	return stringCheck{
		summary:     "Invalid time",
		description: `must be an RFC 3339 time such as "2026-11-28T09:00:00Z"`,
		problem: func(value string) string {
			if _, err := time.Parse(time.RFC3339, value); err != nil {
				return "invalid"
			}
			return ""
		},
	}
}

// Lookback accepts a duration of CloudTrail's event history: more than zero, at most 90 days.
func Lookback() validator.String {
	return stringCheck{
		summary:     "Invalid lookback",
		description: `must be a duration such as "24h", "90m", "7d" or "1d12h", more than zero and at most 90d (CloudTrail's event history)`,
		problem: func(value string) string {
			if d, err := accessevents.ParseLookback(value); err != nil || d <= 0 || d > accessevents.Retention {
				return "invalid"
			}
			return ""
		},
	}
}
