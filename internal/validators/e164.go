package validators

import (
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// E164 accepts a phone number in E.164 form, as SNS takes for protocol sms: a +, then 8 to 15
// digits, the first not 0.
func E164() validator.String {
	return stringCheck{
		summary:     "Invalid phone number",
		description: "must be a phone number in E.164 form: + and 8 to 15 digits, such as +14155550100",
		problem: func(value string) string {
			if !e164.MatchString(value) {
				return "invalid"
			}
			return ""
		},
	}
}
