package validators

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Name accepts names of maxLength characters or fewer drawn from the characters allowed, which
// are described in words (e.g. "letters, digits and /_+=.@-").
func Name(allowed, inWords string, maxLength int) validator.String {
	pattern := regexp.MustCompile(`^[` + allowed + `]+$`)
	return stringCheck{
		summary:     "Invalid name",
		description: fmt.Sprintf("must be 1 to %d characters of %s", maxLength, inWords),
		problem: func(value string) string {
			if len(value) == 0 || len(value) > maxLength {
				return fmt.Sprintf("it has %d characters", len(value))
			}
			if !pattern.MatchString(value) {
				return "it has other characters"
			}
			return ""
		},
	}
}
