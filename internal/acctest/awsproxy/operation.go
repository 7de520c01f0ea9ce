package awsproxy

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// protocol is the AWS wire protocol a request uses; it decides how operations are named and how
// errors must be shaped for the SDKs to parse them.
type protocol int

const (
	// protocolJSON is awsJson1_0/1_1: POST /, X-Amz-Target "Prefix.Operation". The zero value
	// is a request in no AWS protocol.
	protocolJSON protocol = iota + 1
	// protocolQuery is awsQuery: form-encoded Action=Operation, XML responses.
	protocolQuery
	// protocolREST is restJson1 as Lambda uses it: the operation is the method and path.
	protocolREST
)

func (p protocol) String() string {
	switch p {
	case protocolJSON:
		return "json"
	case protocolQuery:
		return "query"
	case protocolREST:
		return "rest-json"
	}
	return "unknown"
}

// operation is what a request asks for, detected from its headers, path and body.
type operation struct {
	Service     string
	Name        string
	Region      string
	AccessKeyID string
	Protocol    protocol
	// Params holds the request's parameters that are not in a JSON body: query-protocol form
	// fields and Lambda path parameters.
	Params map[string]any
}

// targetPrefixes maps X-Amz-Target prefixes to SigV4 service names, for requests that carry no
// Authorization header.
var targetPrefixes = map[string]string{
	"secretsmanager": "secretsmanager",
	"AWSEvents":      "events",
	"TrentService":   "kms",
	"Logs_20140328":  "logs",
	"AmazonSQS":      "sqs",
	"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101": "cloudtrail",
}

// sigV4Scope returns the access key id, region and service from the request's SigV4 credential
// scope (Authorization header, or X-Amz-Credential of a presigned URL).
func sigV4Scope(r *http.Request) (accessKeyID, region, service string) {
	credential := ""
	if auth := r.Header.Get("Authorization"); auth != "" {
		if i := strings.Index(auth, "Credential="); i >= 0 {
			credential = auth[i+len("Credential="):]
			if j := strings.IndexAny(credential, ", "); j >= 0 {
				credential = credential[:j]
			}
		}
	} else {
		credential = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(credential, "/")
	if len(parts) >= 5 {
		return parts[0], parts[2], parts[3]
	}
	if len(parts) >= 1 {
		return parts[0], "", ""
	}
	return "", "", ""
}

// isLambdaInvoke reports whether the request is a Lambda invocation, whose body is streamed
// rather than read: payloads are large and are never recorded.
func isLambdaInvoke(r *http.Request) bool {
	path := r.URL.EscapedPath()
	return r.Method == http.MethodPost && (strings.HasSuffix(path, "/invocations") ||
		strings.HasSuffix(path, "/invoke-async") || strings.HasSuffix(path, "/invoke-async/") ||
		strings.HasSuffix(path, "/response-streaming-invocations"))
}

// detectOperation identifies the service and operation of a request. body is the request body
// when it was read (nil when streamed).
func detectOperation(r *http.Request, body []byte) operation {
	op := operation{}
	op.AccessKeyID, op.Region, op.Service = sigV4Scope(r)

	if target := r.Header.Get("X-Amz-Target"); target != "" {
		op.Protocol = protocolJSON
		prefix, name := target, target
		if i := strings.LastIndex(target, "."); i >= 0 {
			prefix, name = target[:i], target[i+1:]
		}
		op.Name = name
		if op.Service == "" {
			op.Service = targetPrefixes[prefix]
		}
		return op
	}

	if form := queryForm(r, body); form.Get("Action") != "" {
		op.Protocol = protocolQuery
		op.Name = form.Get("Action")
		op.Params = map[string]any{}
		for key, values := range form {
			if key == "Action" || key == "Version" || strings.HasPrefix(key, "X-Amz-") {
				continue
			}
			op.Params[key] = values[0]
		}
		return op
	}

	if name, params, ok := lambdaOperation(r.Method, r.URL.EscapedPath()); ok {
		op.Protocol = protocolREST
		op.Name = name
		op.Params = params
		if op.Service == "" {
			op.Service = "lambda"
		}
	}
	return op
}

// queryForm returns the query-protocol parameters: the URL's query plus a form-encoded body.
func queryForm(r *http.Request, body []byte) url.Values {
	form := r.URL.Query()
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && body != nil {
		if parsed, err := url.ParseQuery(string(body)); err == nil {
			for key, values := range parsed {
				form[key] = values
			}
		}
	}
	return form
}

type lambdaRoute struct {
	method  string
	pattern *regexp.Regexp
	name    string
	params  []string
}

func route(method, pattern, name string, params ...string) lambdaRoute {
	return lambdaRoute{method: method, pattern: regexp.MustCompile("^" + pattern + "/?$"), name: name, params: params}
}

// lambdaRoutes are the Lambda REST operations (paths from the Lambda API model) the provider, the
// rotator and the tests use, plus their close relatives.
var lambdaRoutes = []lambdaRoute{
	route("GET", `/2015-03-31/functions`, "ListFunctions"),
	route("POST", `/2015-03-31/functions`, "CreateFunction"),
	route("GET", `/2015-03-31/functions/([^/]+)`, "GetFunction", "FunctionName"),
	route("DELETE", `/2015-03-31/functions/([^/]+)`, "DeleteFunction", "FunctionName"),
	route("POST", `/2015-03-31/functions/([^/]+)/invocations`, "Invoke", "FunctionName"),
	route("POST", `/2014-11-13/functions/([^/]+)/invoke-async`, "InvokeAsync", "FunctionName"),
	route("POST", `/2021-11-15/functions/([^/]+)/response-streaming-invocations`, "InvokeWithResponseStream", "FunctionName"),
	route("GET", `/2015-03-31/functions/([^/]+)/configuration`, "GetFunctionConfiguration", "FunctionName"),
	route("PUT", `/2015-03-31/functions/([^/]+)/configuration`, "UpdateFunctionConfiguration", "FunctionName"),
	route("PUT", `/2015-03-31/functions/([^/]+)/code`, "UpdateFunctionCode", "FunctionName"),
	route("GET", `/2015-03-31/functions/([^/]+)/policy`, "GetPolicy", "FunctionName"),
	route("POST", `/2015-03-31/functions/([^/]+)/policy`, "AddPermission", "FunctionName"),
	route("DELETE", `/2015-03-31/functions/([^/]+)/policy/([^/]+)`, "RemovePermission", "FunctionName", "StatementId"),
	route("GET", `/2015-03-31/functions/([^/]+)/versions`, "ListVersionsByFunction", "FunctionName"),
	route("POST", `/2015-03-31/functions/([^/]+)/versions`, "PublishVersion", "FunctionName"),
	route("GET", `/2015-03-31/functions/([^/]+)/aliases`, "ListAliases", "FunctionName"),
	route("POST", `/2015-03-31/functions/([^/]+)/aliases`, "CreateAlias", "FunctionName"),
	route("GET", `/2015-03-31/functions/([^/]+)/aliases/([^/]+)`, "GetAlias", "FunctionName", "Name"),
	route("PUT", `/2015-03-31/functions/([^/]+)/aliases/([^/]+)`, "UpdateAlias", "FunctionName", "Name"),
	route("DELETE", `/2015-03-31/functions/([^/]+)/aliases/([^/]+)`, "DeleteAlias", "FunctionName", "Name"),
	route("PUT", `/2017-10-31/functions/([^/]+)/concurrency`, "PutFunctionConcurrency", "FunctionName"),
	route("DELETE", `/2017-10-31/functions/([^/]+)/concurrency`, "DeleteFunctionConcurrency", "FunctionName"),
	route("GET", `/2019-09-30/functions/([^/]+)/concurrency`, "GetFunctionConcurrency", "FunctionName"),
	route("GET", `/2019-09-25/functions/([^/]+)/event-invoke-config`, "GetFunctionEventInvokeConfig", "FunctionName"),
	route("PUT", `/2019-09-25/functions/([^/]+)/event-invoke-config`, "PutFunctionEventInvokeConfig", "FunctionName"),
	route("POST", `/2019-09-25/functions/([^/]+)/event-invoke-config`, "UpdateFunctionEventInvokeConfig", "FunctionName"),
	route("DELETE", `/2019-09-25/functions/([^/]+)/event-invoke-config`, "DeleteFunctionEventInvokeConfig", "FunctionName"),
	route("GET", `/2021-10-31/functions/([^/]+)/url`, "GetFunctionUrlConfig", "FunctionName"),
	route("POST", `/2021-10-31/functions/([^/]+)/url`, "CreateFunctionUrlConfig", "FunctionName"),
	route("PUT", `/2021-10-31/functions/([^/]+)/url`, "UpdateFunctionUrlConfig", "FunctionName"),
	route("DELETE", `/2021-10-31/functions/([^/]+)/url`, "DeleteFunctionUrlConfig", "FunctionName"),
	route("GET", `/2017-03-31/tags/(.+)`, "ListTags", "Resource"),
	route("POST", `/2017-03-31/tags/(.+)`, "TagResource", "Resource"),
	route("DELETE", `/2017-03-31/tags/(.+)`, "UntagResource", "Resource"),
	route("GET", `/2016-08-19/account-settings`, "GetAccountSettings"),
	route("GET", `/2015-03-31/event-source-mappings`, "ListEventSourceMappings"),
	route("POST", `/2015-03-31/event-source-mappings`, "CreateEventSourceMapping"),
}

func lambdaOperation(method, escapedPath string) (string, map[string]any, bool) {
	for _, candidate := range lambdaRoutes {
		if candidate.method != method {
			continue
		}
		match := candidate.pattern.FindStringSubmatch(escapedPath)
		if match == nil {
			continue
		}
		params := map[string]any{}
		for i, name := range candidate.params {
			value, err := url.PathUnescape(match[i+1])
			if err != nil {
				value = match[i+1]
			}
			params[name] = value
		}
		return candidate.name, params, true
	}
	return "", nil, false
}

// dataEvents are operations CloudTrail logs as data events, not management events: they are
// recorded but neither listed by LookupEvents nor delivered to EventBridge, as on AWS.
var dataEvents = map[string]bool{
	"lambda:Invoke": true, "lambda:InvokeAsync": true, "lambda:InvokeWithResponseStream": true,
	"sqs:SendMessage": true, "sqs:SendMessageBatch": true, "sqs:ReceiveMessage": true,
	"sqs:DeleteMessage": true, "sqs:DeleteMessageBatch": true, "sqs:ChangeMessageVisibility": true,
	"sqs:ChangeMessageVisibilityBatch": true,
	"sns:Publish":                      true, "sns:PublishBatch": true,
	"events:PutEvents":  true,
	"logs:PutLogEvents": true, "logs:GetLogEvents": true, "logs:FilterLogEvents": true,
}

// readOnlyOperations are read-only although their names do not start with a reading verb.
var readOnlyOperations = map[string]bool{
	"kms:Decrypt": true, "kms:Encrypt": true, "kms:GenerateDataKey": true,
	"kms:GenerateDataKeyWithoutPlaintext": true, "kms:ReEncrypt": true, "kms:Sign": true,
	"kms:Verify": true, "kms:GenerateRandom": true,
	"sts:AssumeRole": true, "sts:AssumeRoleWithWebIdentity": true, "sts:AssumeRoleWithSAML": true,
	"sqs:ReceiveMessage": true,
}

var readVerbs = []string{"Get", "List", "Describe", "Lookup", "BatchGet", "Head", "Search", "Filter", "Check", "Validate", "Test"}

// isReadOnly tells whether CloudTrail marks an operation readOnly.
func isReadOnly(service, name string) bool {
	if readOnlyOperations[service+":"+name] {
		return true
	}
	for _, verb := range readVerbs {
		if strings.HasPrefix(name, verb) {
			return true
		}
	}
	return false
}

func isManagement(service, name string) bool {
	return service != "" && name != "" && !dataEvents[service+":"+name]
}
