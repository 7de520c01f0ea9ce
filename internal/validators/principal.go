package validators

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// PrincipalARNPattern accepts the ARN, or ARN pattern with * and ?, of an IAM identity: a user,
// role or account root (arn:aws:iam::123456789012:role/orders/*) or an assumed role's session
// (arn:aws:sts::123456789012:assumed-role/orders/*).
func PrincipalARNPattern() validator.String {
	return stringCheck{
		summary:     "Invalid principal ARN",
		description: "must be the ARN of an IAM user, role or account root, or of an assumed role's session, such as arn:aws:iam::123456789012:role/orders/* (* and ? match as in IAM policies)",
		problem: func(value string) string {
			parts := strings.SplitN(value, ":", 6)
			if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[5] == "" {
				return "not an ARN"
			}
			service, account, resource := parts[2], parts[4], parts[5]
			if parts[3] != "" && parts[3] != "*" {
				return "IAM and STS ARNs have no region"
			}
			if account == "" || (account != "*" && strings.Trim(account, "0123456789?*") != "") {
				return "its account is not 12 digits or a pattern of them"
			}
			switch {
			case service == "iam" && (resource == "root" || strings.HasPrefix(resource, "user/") || strings.HasPrefix(resource, "role/")):
			case service == "sts" && strings.HasPrefix(resource, "assumed-role/"):
			default:
				return "neither iam user/, role/ or root, nor sts assumed-role/"
			}
			return ""
		},
	}
}
