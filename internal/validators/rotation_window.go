package validators

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var windowPattern = regexp.MustCompile(`^(\d+)h$`)

// RotationWindow accepts Secrets Manager's rotation window: whole hours from 1h to 24h ("3h").
func RotationWindow() validator.String {
	return stringCheck{
		summary:     "Invalid rotation window",
		description: "must be a whole number of hours from 1h to 24h, such as \"3h\"",
		problem: func(value string) string {
			if _, err := WindowDuration(value); err != nil {
				return err.Error()
			}
			return ""
		},
	}
}

// WindowDuration parses a rotation window such as "3h".
func WindowDuration(value string) (time.Duration, error) {
	m := windowPattern.FindStringSubmatch(value)
	if m == nil {
		return 0, fmt.Errorf("not in the form Nh")
	}
	hours, err := strconv.Atoi(m[1])
	if err != nil || hours < 1 || hours > 24 {
		return 0, fmt.Errorf("%s hours is outside 1 to 24", m[1])
	}
	return time.Duration(hours) * time.Hour, nil
}
