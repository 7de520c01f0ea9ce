package awsproxy

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// fakeClock is a settable clock for the proxy's Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// upstreamRequest is a request the fake upstream saw.
type upstreamRequest struct {
	Method, Path, Target, Action, Host string
	Header                             http.Header
	Body                               []byte
}

// fakeUpstream stands in for LocalStack in unit tests: it answers by operation with canned
// responses and remembers what it was asked.
type fakeUpstream struct {
	server *httptest.Server

	mu       sync.Mutex
	requests []upstreamRequest
	answers  map[string]func(w http.ResponseWriter, r *http.Request, body []byte)
}

func newFakeUpstream(t *testing.T) *fakeUpstream {
	t.Helper()
	f := &fakeUpstream{answers: map[string]func(http.ResponseWriter, *http.Request, []byte){}}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen := upstreamRequest{Method: r.Method, Path: r.URL.Path, Target: r.Header.Get("X-Amz-Target"), Host: r.Host, Header: r.Header.Clone(), Body: body}
		key := seen.Target
		if key == "" && strings.Contains(r.Header.Get("Content-Type"), "x-www-form-urlencoded") {
			seen.Action = formValue(string(body), "Action")
			key = seen.Action
		}
		if key == "" {
			key = r.Method + " " + r.URL.Path
		}
		f.mu.Lock()
		f.requests = append(f.requests, seen)
		answer, ok := f.answers[key]
		f.mu.Unlock()
		if !ok {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("X-Amzn-Requestid", "upstream-request-id")
			_, _ = w.Write([]byte("{}"))
			return
		}
		answer(w, r, body)
	}))
	t.Cleanup(f.server.Close)
	return f
}

func formValue(body, key string) string {
	for _, pair := range strings.Split(body, "&") {
		if k, v, ok := strings.Cut(pair, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// answer sets the response to an operation key (X-Amz-Target, query Action, or "METHOD /path").
func (f *fakeUpstream) answer(key string, status int, contentType, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[key] = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Amzn-Requestid", "upstream-request-id")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func (f *fakeUpstream) handle(key string, handler func(w http.ResponseWriter, r *http.Request, body []byte)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[key] = handler
}

func (f *fakeUpstream) seen(key string) []upstreamRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var matching []upstreamRequest
	for _, r := range f.requests {
		if r.Target == key || r.Action == key || r.Method+" "+r.Path == key {
			matching = append(matching, r)
		}
	}
	return matching
}

// startProxy starts a proxy on a free loopback port in front of upstream.
func startProxy(t *testing.T, opts Options) *Proxy {
	t.Helper()
	opts.Listen = "127.0.0.1:0"
	p, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// sdkConfig is an aws.Config that signs with key and never retries, so each SDK call is one
// proxied request.
func sdkConfig(key string) aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(key, "secret-"+key, ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

func decodeJSON[T any](t *testing.T, data []byte) T {
	t.Helper()
	var value T
	if err := json.Unmarshal(data, &value); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
	return value
}
