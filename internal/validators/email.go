package validators

import (
	"net/mail"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Email accepts a bare e-mail address (oncall@example.com), as SNS e-mail subscriptions need.
func Email() validator.String {
	return stringCheck{
		summary:     "Invalid e-mail address",
		description: "must be an e-mail address such as oncall@example.com",
		problem:     emailProblem,
	}
}

// emailProblem returns "" for a bare e-mail address, else "invalid".
func emailProblem(value string) string {
	address, err := mail.ParseAddress(value)
	if err != nil || address.Address != value {
		return "invalid"
	}
	return ""
}
