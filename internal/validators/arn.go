package validators

import (
	"fmt"
	"regexp"

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
