package validators

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var arnPattern = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$`)

// ARN accepts an ARN of the given service (secretsmanager, sns, kms, ...).
func ARN(service string) validator.String {
	return stringCheck{
		summary:     "Invalid ARN",
		description: fmt.Sprintf("must be the ARN of a %s resource, such as arn:aws:%s:us-east-1:123456789012:...", service, service),
		problem: func(value string) string {
			m := arnPattern.FindStringSubmatch(value)
			if m == nil {
				return "not an ARN"
			}
			if m[2] != service {
				return "an ARN of " + m[2] + ", not of " + service
			}
			return ""
		},
	}
}

// secretARNPattern is the full ARN Secrets Manager gives a secret: its name (letters, digits and
// /_+=.@-) followed by a hyphen and the six random characters it appends.
var secretARNPattern = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$`)

// SecretARN accepts only the full ARN of one secret, as DescribeSecret returns it. An ARN with a
// wildcard or without the six-character suffix names no single secret; as a policy Resource it
// would let the holder read every secret it matches.
func SecretARN() validator.String {
	return stringCheck{
		summary:     "Invalid secret ARN",
		description: "must be the full ARN of one secret, as DescribeSecret returns it, such as arn:aws:secretsmanager:us-east-1:123456789012:secret:db/master-AbC123 (the name, a hyphen and the six characters Secrets Manager appends; no wildcards)",
		problem: func(value string) string {
			m := arnPattern.FindStringSubmatch(value)
			switch {
			case m == nil:
				return "not an ARN"
			case m[2] != "secretsmanager":
				return "an ARN of " + m[2] + ", not of secretsmanager"
			case strings.ContainsAny(value, "*?"):
				return "a wildcard matches more than one secret"
			case !secretARNPattern.MatchString(value):
				return "not the ARN of a secret with its six-character suffix"
			}
			return ""
		},
	}
}
