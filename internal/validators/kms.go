package validators

import (
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var (
	kmsKeyIDPattern = regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)
	kmsAliasPattern = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]{1,250}$`)
)

// KMSKeyID accepts the four forms KMS takes a key by: key id (a UUID, or mrk-... for a multi-Region
// key), key ARN, alias name (alias/...) and alias ARN.
func KMSKeyID() validator.String {
	return stringCheck{
		summary:     "Invalid KMS key identifier",
		description: "must be a KMS key id (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-...), key ARN (arn:aws:kms:us-east-1:123456789012:key/...), alias name (alias/...) or alias ARN (arn:aws:kms:us-east-1:123456789012:alias/...)",
		problem:     kmsKeyProblem,
	}
}

func kmsKeyProblem(value string) string {
	if !strings.HasPrefix(value, "arn:") {
		if kmsKeyIDPattern.MatchString(value) || kmsAliasPattern.MatchString(value) {
			return ""
		}
		return "invalid"
	}
	a, problem := parseARN(value)
	switch {
	case problem != "":
		return problem
	case a.Service != "kms":
		return "an ARN of " + a.Service + ", not of kms"
	case a.Region == "" || a.AccountID == "":
		return "a KMS ARN names its region and account"
	case strings.HasPrefix(a.Resource, "key/") && kmsKeyIDPattern.MatchString(strings.TrimPrefix(a.Resource, "key/")),
		kmsAliasPattern.MatchString(a.Resource):
		return ""
	}
	return "neither key/<key id> nor alias/<name>"
}

// TagKey refuses tag keys with the prefix AWS reserves for its own tags (aws:, in any case).
func TagKey() validator.String {
	return stringCheck{
		summary:     "Invalid tag key",
		description: "must not begin with aws: (the prefix AWS reserves for its own tags)",
		problem: func(value string) string {
			if strings.HasPrefix(strings.ToLower(value), "aws:") {
				return "invalid"
			}
			return ""
		},
	}
}
