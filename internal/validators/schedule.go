package validators

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var (
	ratePattern = regexp.MustCompile(`^rate\((\d+) (hour|hours|day|days)\)$`)
	cronPattern = regexp.MustCompile(`^cron\(([^()]+)\)$`)
)

// Bounds of Secrets Manager's rotation schedules.
const (
	minRateHours = 4
	maxRateHours = 23
	minRateDays  = 1
	maxRateDays  = 1000
)

// ScheduleExpression accepts Secrets Manager's rotation schedules: rate(N hours) with N from 4 to
// 23, rate(N days) with N from 1 to 1000, or cron(minutes hours day-of-month month day-of-week year).
func ScheduleExpression() validator.String {
	return stringCheck{
		summary:     "Invalid rotation schedule",
		description: "must be rate(N hours) with N from 4 to 23, rate(N days) with N from 1 to 1000, or cron(minutes hours day-of-month month day-of-week year) with six fields",
		problem: func(value string) string {
			_, err := ScheduleInterval(value)
			if err != nil {
				return err.Error()
			}
			return ""
		},
	}
}

// ScheduleInterval returns the shortest time between two rotations a valid schedule expression
// allows, used to check that the rotation window fits in it. For cron it is a lower bound: an hour
// when the hours field is a wildcard or list, a day otherwise.
func ScheduleInterval(expression string) (time.Duration, error) {
	if m := ratePattern.FindStringSubmatch(expression); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return 0, fmt.Errorf("%s is not a number", m[1])
		}
		if strings.HasPrefix(m[2], "hour") {
			if n < minRateHours || n > maxRateHours {
				return 0, fmt.Errorf("%d hours is outside 4 to 23", n)
			}
			return time.Duration(n) * time.Hour, nil
		}
		if n < minRateDays || n > maxRateDays {
			return 0, fmt.Errorf("%d days is outside 1 to 1000", n)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	if m := cronPattern.FindStringSubmatch(expression); m != nil {
		fields := strings.Fields(m[1])
		if len(fields) != 6 {
			return 0, fmt.Errorf("cron needs 6 fields, found %d", len(fields))
		}
		for _, f := range fields {
			if strings.Trim(f, "0123456789*?,-/#ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
				return 0, fmt.Errorf("the cron field %q has characters cron does not allow", f)
			}
		}
		if fields[2] != "?" && fields[4] != "?" {
			return 0, fmt.Errorf("one of day-of-month and day-of-week must be ?")
		}
		if strings.ContainsAny(fields[1], "*,/-") {
			return time.Hour, nil
		}
		return 24 * time.Hour, nil
	}
	return 0, fmt.Errorf("not a rate() or cron() expression")
}
