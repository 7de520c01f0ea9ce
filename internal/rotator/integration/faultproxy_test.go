package integration

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// faultProxy sits between the rotator and LocalStack and answers chosen Secrets Manager operations
// itself (an error as AWS sends it, or a fixed result), passing every other request through. It
// stands in for what LocalStack cannot produce on demand: access denied, KMS and throttling errors,
// and a known GetRandomPassword result.
type faultProxy struct {
	url     string
	mu      sync.Mutex
	answers map[string]cannedAnswer
	calls   map[string]int
}

type cannedAnswer struct {
	status int
	body   any
}

func newFaultProxy(t *testing.T, upstream string) *faultProxy {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &faultProxy{answers: map[string]cannedAnswer{}, calls: map[string]int{}}
	forward := httputil.NewSingleHostReverseProxy(target)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		operation := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
		proxy.mu.Lock()
		proxy.calls[operation]++
		answer, ok := proxy.answers[operation]
		proxy.mu.Unlock()
		if !ok {
			forward.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(answer.status)
		_ = json.NewEncoder(w).Encode(answer.body)
	}))
	t.Cleanup(server.Close)
	proxy.url = server.URL
	return proxy
}

// fail makes an operation return an AWS error.
func (p *faultProxy) fail(operation, errorType, message string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answers[operation] = cannedAnswer{status: http.StatusBadRequest, body: map[string]string{"__type": errorType, "message": message}}
}

func (p *faultProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answers = map[string]cannedAnswer{}
	p.calls = map[string]int{}
}

func (p *faultProxy) count(operation string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[operation]
}
