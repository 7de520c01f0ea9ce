package validators

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

// parseARN parses an ARN with the SDK's arn package, which accepts every partition (aws, aws-cn,
// aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc, ...), and checks its shape.
func parseARN(value string) (arn.ARN, string) {
	a, err := arn.Parse(value)
	if err != nil {
		return arn.ARN{}, "not an ARN"
	}
	if !strings.HasPrefix(a.Partition, "aws") || a.Service == "" || a.Resource == "" {
		return arn.ARN{}, "not an ARN"
	}
	// "aws" is the account of AWS managed policies (arn:aws:iam::aws:policy/...).
	if a.AccountID != "" && a.AccountID != "aws" && !accountIDPattern.MatchString(a.AccountID) {
		return arn.ARN{}, "its account id is not 12 digits"
	}
	return a, ""
}

// ARN accepts an ARN of the given service (secretsmanager, sns, kms, ...).
func ARN(service string) validator.String {
	return stringCheck{
		summary:     "Invalid ARN",
		description: fmt.Sprintf("must be the ARN of a %s resource, such as arn:aws:%s:us-east-1:123456789012:...", service, service),
		problem: func(value string) string {
			a, problem := parseARN(value)
			if problem != "" {
				return problem
			}
			if a.Service != service {
				return "an ARN of " + a.Service + ", not of " + service
			}
			return ""
		},
	}
}

// IAMARN accepts the ARN of an IAM resource of the given type (role, policy), such as
// arn:aws:iam::123456789012:role/deployer.
func IAMARN(resourceType string) validator.String {
	return stringCheck{
		summary:     "Invalid ARN",
		description: fmt.Sprintf("must be the ARN of an IAM %s, such as arn:aws:iam::123456789012:%s/example", resourceType, resourceType),
		problem: func(value string) string {
			a, problem := parseARN(value)
			if problem != "" {
				return problem
			}
			if a.Service != "iam" || !strings.HasPrefix(a.Resource, resourceType+"/") {
				return "not an IAM " + resourceType + " ARN"
			}
			if a.AccountID == "" || (a.AccountID == "aws" && resourceType != "policy") {
				return "it has no account id"
			}
			return ""
		},
	}
}

// AccountID accepts a 12-digit AWS account id.
func AccountID() validator.String {
	return stringCheck{
		summary:     "Invalid AWS account ID",
		description: "must be a 12-digit AWS account ID, such as 123456789012",
		problem: func(value string) string {
			if !accountIDPattern.MatchString(value) {
				return "invalid"
			}
			return ""
		},
	}
}

// secretResourcePattern is the resource part of the full ARN Secrets Manager gives a secret:
// "secret:", its name (letters, digits and /_+=.@-), a hyphen and the six random characters it
// appends.
var secretResourcePattern = regexp.MustCompile(`^secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$`)

// SecretARN accepts only the full ARN of one secret, as DescribeSecret returns it, in any
// partition. An ARN with a wildcard or without the six-character suffix names no single secret; as
// a policy Resource it would let the holder read every secret it matches.
func SecretARN() validator.String {
	return stringCheck{
		summary:     "Invalid secret ARN",
		description: "must be the full ARN of one secret, as DescribeSecret returns it, such as arn:aws:secretsmanager:us-east-1:123456789012:secret:db/master-AbC123 (the name, a hyphen and the six characters Secrets Manager appends; no wildcards)",
		problem: func(value string) string {
			if strings.ContainsAny(value, "*?") {
				return "a wildcard matches more than one secret"
			}
			a, problem := parseARN(value)
			switch {
			case problem != "":
				return problem
			case a.Service != "secretsmanager":
				return "an ARN of " + a.Service + ", not of secretsmanager"
			case a.Region == "" || a.AccountID == "" || !secretResourcePattern.MatchString(a.Resource):
				return "not the ARN of a secret with its six-character suffix"
			}
			return ""
		},
	}
}
