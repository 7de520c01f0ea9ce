package awsproxy

import (
	"strings"
)

// resourceParams say which request parameter names which kind of resource, per service.
var resourceParams = map[string][]struct{ param, kind string }{
	"secretsmanager": {{"SecretId", "AWS::SecretsManager::Secret"}, {"Name", "AWS::SecretsManager::Secret"}},
	"lambda":         {{"FunctionName", "AWS::Lambda::Function"}, {"Role", "AWS::IAM::Role"}},
	"iam":            {{"RoleName", "AWS::IAM::Role"}, {"PolicyArn", "AWS::IAM::Policy"}, {"UserName", "AWS::IAM::User"}},
	"events":         {{"Name", "AWS::Events::Rule"}, {"Rule", "AWS::Events::Rule"}},
	"sns":            {{"TopicArn", "AWS::SNS::Topic"}, {"Name", "AWS::SNS::Topic"}},
	"sqs":            {{"QueueUrl", "AWS::SQS::Queue"}, {"QueueName", "AWS::SQS::Queue"}},
	"kms":            {{"KeyId", "AWS::KMS::Key"}},
	"logs":           {{"logGroupName", "AWS::Logs::LogGroup"}},
	"rds":            {{"DBInstanceIdentifier", "AWS::RDS::DBInstance"}, {"DBClusterIdentifier", "AWS::RDS::DBCluster"}},
}

// responseARNs say which response field holds the ARN of the call's main resource.
var responseARNs = map[string][]string{
	"secretsmanager": {"ARN"},
	"lambda":         {"FunctionArn"},
	"events":         {"RuleArn"},
	"sns":            {"TopicArn"},
	"kms":            {"KeyMetadata.Arn"},
	"iam":            {"Arn"},
}

// requestResources lists the resources a request names.
func requestResources(service string, params map[string]any) []Resource {
	var resources []Resource
	for _, candidate := range resourceParams[service] {
		value, ok := params[candidate.param].(string)
		if !ok || value == "" {
			continue
		}
		resource := Resource{Type: candidate.kind}
		if strings.HasPrefix(value, "arn:") {
			resource.ARN = value
			resource.Name = nameFromARN(value)
		} else {
			resource.Name = value
		}
		resources = appendResource(resources, resource)
	}
	return resources
}

// appendResource adds a resource unless one of the same type already names the same object.
func appendResource(resources []Resource, resource Resource) []Resource {
	for i, existing := range resources {
		if existing.Type != resource.Type {
			continue
		}
		if existing.Name == resource.Name || (existing.ARN != "" && existing.ARN == resource.ARN) {
			if existing.ARN == "" {
				resources[i].ARN = resource.ARN
			}
			return resources
		}
	}
	return append(resources, resource)
}

// nameFromARN returns the object name an ARN ends with. Secrets Manager appends a random
// six-character suffix to its secrets' names; it is removed.
func nameFromARN(arn string) string {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) < 6 {
		return arn
	}
	if parts[2] == "secretsmanager" && len(parts) == 7 {
		name := parts[6]
		if i := strings.LastIndex(name, "-"); i >= 0 && len(name)-i == 7 {
			name = name[:i]
		}
		return name
	}
	last := parts[len(parts)-1]
	if i := strings.LastIndex(last, "/"); i >= 0 {
		last = last[i+1:]
	}
	return last
}

// responseResourceARN finds the ARN of the call's resource in a decoded JSON response.
func responseResourceARN(service string, response map[string]any) string {
	for _, path := range responseARNs[service] {
		var current any = response
		for _, key := range strings.Split(path, ".") {
			object, ok := current.(map[string]any)
			if !ok {
				current = nil
				break
			}
			current = object[key]
		}
		if arn, ok := current.(string); ok && strings.HasPrefix(arn, "arn:") {
			return arn
		}
	}
	return ""
}

// withResponseARN completes the call's first resource of its own service with the ARN the
// response showed, so lookups by ARN find calls made by name.
func withResponseARN(resources []Resource, service, arn string) []Resource {
	if arn == "" {
		return resources
	}
	name := nameFromARN(arn)
	for i, resource := range resources {
		if resource.ARN == arn {
			return resources
		}
		if resource.ARN == "" && resource.Name == name {
			resources[i].ARN = arn
			return resources
		}
	}
	kind := ""
	if candidates := resourceParams[service]; len(candidates) > 0 {
		kind = candidates[0].kind
	}
	if kind == "" {
		return resources
	}
	return append(resources, Resource{Type: kind, Name: name, ARN: arn})
}

// matches reports whether the resource is the one a lookup or a fault rule names, by name or ARN.
func (r Resource) matches(nameOrARN string) bool {
	return nameOrARN != "" && (r.Name == nameOrARN || r.ARN == nameOrARN)
}
