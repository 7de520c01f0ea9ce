package bundle

import (
	"encoding/json"
	"fmt"
	"strings"
)

// PolicyDocument is an IAM policy, marshalled with the field names and order IAM shows.
type PolicyDocument struct {
	Version   string            `json:"Version"`
	Statement []PolicyStatement `json:"Statement"`
}

// PolicyStatement is one statement of a PolicyDocument.
type PolicyStatement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    any            `json:"Action"`
	Resource  any            `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

func (d PolicyDocument) String() string {
	encoded, err := json.Marshal(d)
	if err != nil {
		// Only strings, maps and slices of them: Marshal cannot fail.
		panic(err)
	}
	return string(encoded)
}

// arnContext is what ARNs are built from.
type arnContext struct {
	Partition string
	Region    string
	AccountID string
}

func (a arnContext) account() string {
	if a.AccountID == "" {
		// skip_requesting_account_id: no account to scope to, so any account's object of that name.
		return "*"
	}
	return a.AccountID
}

// secretARNPattern matches the secret's ARN before it exists: Secrets Manager appends a hyphen
// and six random characters to the name, so the role can be created beside the secret.
func (a arnContext) secretARNPattern(secretName string) string {
	return fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s-??????", a.Partition, a.Region, a.account(), secretName)
}

func (a arnContext) ruleARN(ruleName string) string {
	return fmt.Sprintf("arn:%s:events:%s:%s:rule/%s", a.Partition, a.Region, a.account(), ruleName)
}

func (a arnContext) logGroupARN(logGroup string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", a.Partition, a.Region, a.account(), logGroup)
}

// TrustPolicy lets Lambda assume the rotator's role.
func TrustPolicy() PolicyDocument {
	return PolicyDocument{Version: "2012-10-17", Statement: []PolicyStatement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "lambda.amazonaws.com"},
		Action:    "sts:AssumeRole",
	}}}
}

// KeyARNs are the key ARNs of the customer managed KMS keys the rotator uses through Secrets
// Manager: the secret's (kms_key_id in any form, resolved with DescribeKey) and, for alternating
// users, the master secret's. "" for none or an AWS managed key, which needs no grant.
type KeyARNs struct {
	Secret, Master string
}

// RolePolicy is the rotator's least-privilege inline policy: this secret only, the CMK only for
// this secret, the master secret only for alternating users, ENIs only in a VPC, its own log group.
func RolePolicy(a arnContext, spec *Spec, logGroup string, keys ...KeyARNs) PolicyDocument {
	secret := a.secretARNPattern(spec.Name)
	statements := []PolicyStatement{
		{
			Sid:      "RotateThisSecret",
			Effect:   "Allow",
			Action:   []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"},
			Resource: secret,
		},
		{
			Sid:      "WriteOwnLogs",
			Effect:   "Allow",
			Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resource: a.logGroupARN(logGroup) + ":*",
		},
	}
	var key KeyARNs
	if len(keys) > 0 {
		key = keys[0]
	}
	if key.Secret == "" && isKeyARN(spec.KMSKeyID) {
		key.Secret = spec.KMSKeyID
	}
	if key.Secret != "" {
		statements = append(statements, PolicyStatement{
			Sid:       "UseSecretKey",
			Effect:    "Allow",
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource:  key.Secret,
			Condition: map[string]any{"StringLike": map[string]any{"kms:EncryptionContext:SecretARN": secret}},
		})
	}
	if spec.Rotation.Strategy == StrategyAlternatingUsers && spec.Rotation.MasterSecretARN != "" {
		statements = append(statements, PolicyStatement{
			Sid:      "ReadMasterSecret",
			Effect:   "Allow",
			Action:   "secretsmanager:GetSecretValue",
			Resource: spec.Rotation.MasterSecretARN,
		})
		if key.Master != "" {
			// Secrets Manager decrypts the master secret on the rotator's behalf: only that secret.
			statements = append(statements, PolicyStatement{
				Sid:       "UseMasterSecretKey",
				Effect:    "Allow",
				Action:    "kms:Decrypt",
				Resource:  key.Master,
				Condition: map[string]any{"StringEquals": map[string]any{"kms:EncryptionContext:SecretARN": spec.Rotation.MasterSecretARN}},
			})
		}
	}
	if spec.Rotation.Lambda.inVPC() {
		statements = append(statements, PolicyStatement{
			Sid:      "RunInVPC",
			Effect:   "Allow",
			Action:   []string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"},
			Resource: "*",
		})
	}
	return PolicyDocument{Version: "2012-10-17", Statement: statements}
}

// isKeyARN reports whether a KMS key id is a key ARN, the only form a policy Resource can name.
// Aliases and bare key ids are resolved by KMS, not by IAM, so for those the policy cannot be
// scoped and the key's own policy must grant the role.
func isKeyARN(keyID string) bool {
	return strings.HasPrefix(keyID, "arn:") && strings.Contains(keyID, ":key/")
}

// TopicPolicy lets only this bundle's rules publish to the created topic.
func TopicPolicy(a arnContext, topicARN string, ruleNames ...string) PolicyDocument {
	var sources any
	if len(ruleNames) == 1 {
		sources = a.ruleARN(ruleNames[0])
	} else {
		arns := make([]string, len(ruleNames))
		for i, name := range ruleNames {
			arns[i] = a.ruleARN(name)
		}
		sources = arns
	}
	return PolicyDocument{Version: "2012-10-17", Statement: []PolicyStatement{{
		Sid:       "AllowThisRuleToPublish",
		Effect:    "Allow",
		Principal: map[string]any{"Service": "events.amazonaws.com"},
		Action:    "sns:Publish",
		Resource:  topicARN,
		Condition: map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": sources}},
	}}}
}
