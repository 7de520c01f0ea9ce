package awsproxy

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// awsError is an error the proxy answers itself, shaped for the request's protocol.
type awsError struct {
	Code    string
	Message string
	Status  int
}

// defaultStatus is the HTTP status AWS uses for an error code when a rule does not name one.
func defaultStatus(op operation, code string) int {
	switch code {
	case "TooManyRequestsException":
		return http.StatusTooManyRequests
	case "InternalServiceError", "InternalFailure", "InternalError", "ServiceException", "InternalServerError":
		return http.StatusInternalServerError
	case "ServiceUnavailable", "ServiceUnavailableException":
		return http.StatusServiceUnavailable
	}
	if op.Protocol == protocolREST {
		switch code {
		case "ResourceNotFoundException":
			return http.StatusNotFound
		case "AccessDeniedException":
			return http.StatusForbidden
		case "ResourceConflictException":
			return http.StatusConflict
		}
	}
	return http.StatusBadRequest
}

// throttlingError is what the service answers when it throttles a caller.
func throttlingError(op operation) awsError {
	switch {
	case op.Service == "lambda":
		return awsError{Code: "TooManyRequestsException", Message: "Rate exceeded", Status: http.StatusTooManyRequests}
	case op.Protocol == protocolQuery:
		return awsError{Code: "Throttling", Message: "Rate exceeded", Status: http.StatusBadRequest}
	}
	return awsError{Code: "ThrottlingException", Message: "Rate exceeded", Status: http.StatusBadRequest}
}

// writeError answers an AWS error in the shape the request's protocol uses, so that the SDKs and
// the CLI parse its code and message as they would AWS's.
func writeError(w http.ResponseWriter, op operation, e awsError, requestID string) {
	status := e.Status
	if status == 0 {
		status = defaultStatus(op, e.Code)
	}
	header := w.Header()
	header.Set("X-Amzn-Requestid", requestID)
	switch op.Protocol {
	case protocolQuery:
		kind := "Sender"
		if status >= 500 {
			kind = "Receiver"
		}
		var body bytes.Buffer
		body.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
		fmt.Fprintf(&body, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
			xmlNamespace(op.Service), kind, xmlEscape(e.Code), xmlEscape(e.Message), xmlEscape(requestID))
		header.Set("Content-Type", "text/xml")
		header.Set("Content-Length", strconv.Itoa(body.Len()))
		w.WriteHeader(status)
		_, _ = w.Write(body.Bytes())
	case protocolREST:
		kind := "User"
		if status >= 500 {
			kind = "Service"
		}
		body, _ := json.Marshal(map[string]string{"Type": kind, "message": e.Message})
		header.Set("Content-Type", "application/json")
		header.Set("X-Amzn-Errortype", e.Code)
		header.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
	default:
		body, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
		header.Set("Content-Type", "application/x-amz-json-1.1")
		if op.Service == "sqs" {
			// SQS's JSON protocol carries the query-protocol code too, and the SDK prefers it.
			header.Set("X-Amzn-Query-Error", e.Code+";Sender")
			header.Set("Content-Type", "application/x-amz-json-1.0")
		}
		header.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

func xmlNamespace(service string) string {
	switch service {
	case "iam":
		return "https://iam.amazonaws.com/doc/2010-05-08/"
	case "sts":
		return "https://sts.amazonaws.com/doc/2011-06-15/"
	case "sns":
		return "http://sns.amazonaws.com/doc/2010-03-31/"
	case "sqs":
		return "http://queue.amazonaws.com/doc/2012-11-05/"
	case "rds":
		return "http://rds.amazonaws.com/doc/2014-10-31/"
	}
	return "https://" + service + ".amazonaws.com/doc/"
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// responseError extracts the AWS error code and message from an upstream error response, in
// whichever protocol it came.
func responseError(header http.Header, body []byte) (code, message string) {
	if t := header.Get("X-Amzn-Errortype"); t != "" {
		code = t
	}
	if t := header.Get("X-Amzn-Query-Error"); t != "" && code == "" {
		code, _, _ = strings.Cut(t, ";")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var shape struct {
			Type         string `json:"__type"`
			Code         string `json:"code"`
			Message      string `json:"message"`
			MessageUpper string `json:"Message"`
		}
		if json.Unmarshal(trimmed, &shape) == nil {
			if code == "" {
				code = shape.Type
				if code == "" {
					code = shape.Code
				}
			}
			message = shape.Message
			if message == "" {
				message = shape.MessageUpper
			}
		}
	} else if len(trimmed) > 0 && trimmed[0] == '<' {
		if code == "" {
			code = xmlFirst(trimmed, "Code")
		}
		message = xmlFirst(trimmed, "Message")
	}
	// JSON protocols may qualify the type ("com.amazonaws.x#Code") or append a URL ("Code:http...").
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	if i := strings.Index(code, ":"); i >= 0 {
		code = code[:i]
	}
	return code, message
}

// xmlFirst returns the text of the first element with the given local name.
func xmlFirst(body []byte, name string) string {
	decoder := xml.NewDecoder(bytes.NewReader(body))
	for {
		token, err := decoder.Token()
		if err != nil {
			return ""
		}
		if start, ok := token.(xml.StartElement); ok && start.Name.Local == name {
			var text string
			if decoder.DecodeElement(&text, &start) == nil {
				return strings.TrimSpace(text)
			}
			return ""
		}
	}
}
