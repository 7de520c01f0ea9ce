package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Names of the parts derived from the secret name. Secret names may hold / + = . @ which Lambda,
// IAM and EventBridge names may not, and may be longer than their 64 characters, so the derived
// names are sanitised and, when shortened, end with a hash of the whole secret name to stay unique.
const (
	maxDerivedName = 64
	rotatorPrefix  = "secretsbundle-rotator-"
	alertPrefix    = "secretsbundle-alert-"
	// RolePolicyName is the rotator role's inline policy.
	RolePolicyName   = "secretsbundle-rotation"
	permissionID     = "secretsbundle-secretsmanager-invoke"
	alertTargetID    = "secretsbundle-alert-topic"
	logGroupPrefix   = "/aws/lambda/"
	derivedHashChars = 8
)

// FunctionName is the rotator's name: the one configured, or one derived from the secret name.
func FunctionName(secretName, configured string) string {
	if configured != "" {
		return configured
	}
	return derivedName(rotatorPrefix, secretName)
}

// RoleName is the rotator role's name, derived like the function's with the region after the
// prefix: IAM names are global, and a secret of the same name in another region of the account
// has a bundle of its own. (Bundles created before the region was in the name keep their role,
// whose name state holds; only a new role gets this name.)
func RoleName(region, secretName string) string {
	return derivedName(rotatorPrefix+region+"-", secretName)
}

// RuleName is the alert rule's name.
func RuleName(secretName string) string { return derivedName(alertPrefix, secretName) }

// TopicName is the created alert topic's name.
func TopicName(secretName string) string { return derivedName(alertPrefix, secretName) }

// LogGroupName is the log group Lambda writes the function's output to.
func LogGroupName(functionName string) string { return logGroupPrefix + functionName }

func derivedName(prefix, secretName string) string {
	var b strings.Builder
	for _, r := range secretName {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := prefix + b.String()
	if len(name) <= maxDerivedName && b.String() == secretName {
		return name
	}
	// Sanitising can map two secret names to one string (a/b and a.b), so a changed or
	// shortened name carries a hash of the original.
	sum := sha256.Sum256([]byte(secretName))
	suffix := "-" + hex.EncodeToString(sum[:])[:derivedHashChars]
	if len(name)+len(suffix) > maxDerivedName {
		name = name[:maxDerivedName-len(suffix)]
	}
	return name + suffix
}
