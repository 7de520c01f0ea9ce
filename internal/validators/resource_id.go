package validators

import (
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// EC2ID accepts an EC2 resource id with the given prefix: subnet-0123456789abcdef0, sg-0123abcd.
func EC2ID(prefix string) validator.String {
	pattern := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `-([0-9a-f]{8}|[0-9a-f]{17})$`)
	return stringCheck{
		summary:     "Invalid " + prefix + " id",
		description: "must be an id such as " + prefix + "-0123456789abcdef0 (" + prefix + "- then 8 or 17 hexadecimal digits)",
		problem: func(value string) string {
			if !pattern.MatchString(value) {
				return "invalid"
			}
			return ""
		},
	}
}
