package validators

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Pattern validates a string of minLength to maxLength characters matching pattern, whose
// characters are described in words; summary names the kind of value.
func Pattern(summary string, pattern *regexp.Regexp, inWords string, minLength, maxLength int) validator.String {
	return stringCheck{
		summary:     summary,
		description: fmt.Sprintf("must be %d to %d characters of %s", minLength, maxLength, inWords),
		problem: func(value string) string {
			if len(value) < minLength || len(value) > maxLength {
				return fmt.Sprintf("it has %d characters", len(value))
			}
			if !pattern.MatchString(value) {
				return "it has other characters"
			}
			return ""
		},
	}
}

// STS's limits on assume-role arguments.
var (
	// SessionName is a role session name: 2 to 64 of letters, digits and +=,.@_-.
	SessionName = Pattern("Invalid session name", regexp.MustCompile(`^[\w+=,.@-]*$`), "letters, digits and +=,.@_-", 2, 64)
	// ExternalID is an external id: 2 to 1224 of letters, digits and +=,.@:/_-.
	ExternalID = Pattern("Invalid external ID", regexp.MustCompile(`^[\w+=,.@:/-]*$`), "letters, digits and +=,.@:/_-", 2, 1224)
)

// maxSessionPolicy is STS's limit on an inline session policy's plaintext.
const maxSessionPolicy = 2048

// SessionPolicy accepts an IAM policy document in JSON of at most 2048 characters.
func SessionPolicy() validator.String {
	return stringCheck{
		summary:     "Invalid session policy",
		description: fmt.Sprintf("must be an IAM policy document in JSON (an object with Version and Statement) of at most %d characters", maxSessionPolicy),
		problem: func(value string) string {
			var doc map[string]any
			if err := json.Unmarshal([]byte(value), &doc); err != nil {
				return "not a JSON object: " + err.Error()
			}
			if _, ok := doc["Statement"]; !ok {
				return "it has no Statement"
			}
			if len(value) > maxSessionPolicy {
				return fmt.Sprintf("it has %d characters", len(value))
			}
			return ""
		},
	}
}
