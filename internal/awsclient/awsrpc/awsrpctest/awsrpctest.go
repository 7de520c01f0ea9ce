// Package awsrpctest holds what the tests of the hand-written JSON-protocol clients (cloudtrail,
// cloudwatchlogs) share: a recording test server and the options that point a client at it.
package awsrpctest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/awsrpc"
)

// Request is one request the server received: its X-Amz-Target and its body.
type Request struct{ Target, Body string }

// JSONServer answers every request with status and body, as a JSON-protocol service, and records
// each request; the function returns what it recorded so far.
func JSONServer(t *testing.T, status int, body string) (*httptest.Server, func() []Request) {
	t.Helper()
	var mu sync.Mutex
	var seen []Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, Request{r.Header.Get("X-Amz-Target"), string(b)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []Request { mu.Lock(); defer mu.Unlock(); return append([]Request(nil), seen...) }
}

// Options are a client's options for endpoint: static credentials, one attempt.
func Options(endpoint string) awsrpc.Options {
	return awsrpc.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), Retryer: aws.NopRetryer{},
	}
}

// JSONEqual reports whether a and b are the same JSON value; false when either is not JSON.
func JSONEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
