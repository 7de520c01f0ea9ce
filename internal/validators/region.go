package validators

import (
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// Region accepts AWS region names such as us-east-1 or us-gov-west-1.
func Region() validator.String {
	return stringCheck{
		summary:     "Invalid AWS region",
		description: "must be an AWS region name such as us-east-1",
		problem: func(value string) string {
			if !awsclient.ValidRegion(value) {
				return "lower-case letters, dashes and a number"
			}
			return ""
		},
	}
}
