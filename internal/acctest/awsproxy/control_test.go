package awsproxy

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func controlRequest(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestControlEndpoint(t *testing.T) {
	upstream := newFakeUpstream(t)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	base := p.URL() + "/_proxy"

	if status, _ := controlRequest(t, "GET", base+"/health", ""); status != 200 {
		t.Fatalf("health: %d", status)
	}
	status, body := controlRequest(t, "POST", base+"/faults", `{"kind":"error","operation":"DescribeSecret","errorCode":"InternalServiceError","nth":1}`)
	if status != http.StatusCreated {
		t.Fatalf("adding a fault: %d %s", status, body)
	}
	rule := decodeJSON[Rule](t, body)
	if status, body := controlRequest(t, "POST", base+"/faults", `{"kind":"delay","delay":"soon"}`); status != 400 || !strings.Contains(string(body), "duration") {
		t.Errorf("a bad delay: %d %s, want 400 naming the duration", status, body)
	}
	controlRequest(t, "POST", base+"/mark?name=start", "")
	failed := describeOutcomes(t, p, "s", 2)
	controlRequest(t, "POST", base+"/mark?name=end", "")
	if !failed[0] || failed[1] {
		t.Fatalf("outcomes %v, want the first call to fail", failed)
	}

	_, body = controlRequest(t, "GET", base+"/faults", "")
	rules := decodeJSON[[]Rule](t, body)
	if len(rules) != 1 || rules[0].ID != rule.ID || rules[0].Fired != 1 || rules[0].Matched != 2 {
		t.Errorf("faults %s", body)
	}
	_, body = controlRequest(t, "GET", base+"/calls?from=start&to=end", "")
	calls := decodeJSON[[]Call](t, body)
	if len(calls) != 2 || calls[0].ErrorCode != "InternalServiceError" || calls[1].Status != 200 {
		t.Errorf("calls %s", body)
	}
	_, body = controlRequest(t, "GET", base+"/figures?from=start&to=end", "")
	if figures := decodeJSON[figures](t, body); figures.Calls != 2 || figures.PerOperation["secretsmanager:DescribeSecret"] != 2 || figures.SequentialRounds != 2 {
		t.Errorf("figures %s", body)
	}
	if status, _ := controlRequest(t, "DELETE", base+"/faults?id="+rule.ID, ""); status != http.StatusNoContent {
		t.Errorf("deleting the fault: %d", status)
	}
	if status, _ := controlRequest(t, "POST", base+"/reset", ""); status != http.StatusNoContent || len(p.Calls()) != 0 {
		t.Errorf("reset: %d, %d calls left", status, len(p.Calls()))
	}
	if status, body := controlRequest(t, "POST", base+"/identities", `{"accessKeyId":"AKIAX","type":"IAMUser","arn":"arn:aws:iam::000000000000:user/x","userName":"x"}`); status != http.StatusNoContent {
		t.Errorf("registering an identity: %d %s", status, body)
	}
	if status, _ := controlRequest(t, "GET", base+"/reset", ""); status != http.StatusMethodNotAllowed {
		t.Errorf("GET reset: %d, want 405", status)
	}
	if status, _ := controlRequest(t, "GET", base+"/nothing", ""); status != http.StatusNotFound {
		t.Errorf("unknown endpoint: %d, want 404", status)
	}
	var health map[string]any
	_, body = controlRequest(t, "GET", base+"/health", "")
	if err := json.Unmarshal(body, &health); err != nil || health["status"] != "ok" {
		t.Errorf("health body %s", body)
	}
}
