package awsrpc

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/url"

	"github.com/aws/smithy-go"
)

// QueryClient sends awsQuery calls: a form-encoded POST of Action, Version and the parameters,
// answered in XML.
type QueryClient struct {
	*Client
	// Version is the API version sent with every call ("2014-10-31" for RDS).
	Version string
}

// Call sends operation with params and unmarshals the answer's <operation>Result element into
// result.
func (c *QueryClient) Call(ctx context.Context, operation string, params url.Values, result any, o Options) error {
	form := url.Values{}
	for key, values := range params {
		form[key] = values
	}
	form.Set("Action", operation)
	form.Set("Version", c.Version)
	header := http.Header{}
	header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(ctx, Request{Operation: operation, Header: header, Body: []byte(form.Encode())}, decodeQueryError, o)
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	// <OperationResponse><OperationResult>...</OperationResult><ResponseMetadata/></OperationResponse>:
	// the result element is named after the operation.
	decoder := xml.NewDecoder(bytes.NewReader(resp.Body))
	for {
		token, err := decoder.Token()
		if err != nil {
			return &smithy.OperationError{ServiceID: c.Service.ID, OperationName: operation, Err: &smithy.DeserializationError{Err: err}}
		}
		if start, ok := token.(xml.StartElement); ok && start.Name.Local == operation+"Result" {
			if err := decoder.DecodeElement(result, &start); err != nil {
				return &smithy.OperationError{ServiceID: c.Service.ID, OperationName: operation, Err: &smithy.DeserializationError{Err: err}}
			}
			return nil
		}
	}
}

// decodeQueryError reads <ErrorResponse><Error><Code/><Message/></Error></ErrorResponse>; the
// request id is the header's, as the SDK reports it.
func decodeQueryError(header http.Header, body []byte) (code, message, requestID string) {
	var payload struct {
		Error struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
	}
	_ = xml.Unmarshal(body, &payload)
	return payload.Error.Code, payload.Error.Message, header.Get("X-Amzn-Requestid")
}
