package awsproxy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

type putEntry struct {
	Source, DetailType, Detail, EventBusName string
}

// eventBridgeUpstream is a fake upstream that remembers PutEvents entries and lists rules in the
// given state.
func eventBridgeUpstream(t *testing.T, ruleState string) (*fakeUpstream, func() []putEntry) {
	upstream := newFakeUpstream(t)
	var entries []putEntry
	upstream.handle("AWSEvents.PutEvents", func(w http.ResponseWriter, _ *http.Request, body []byte) {
		var input struct{ Entries []putEntry }
		_ = json.Unmarshal(body, &input)
		upstream.mu.Lock()
		entries = append(entries, input.Entries...)
		upstream.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprintf(w, `{"FailedEntryCount":0,"Entries":[]}`)
	})
	upstream.answer("AWSEvents.ListRules", 200, "application/x-amz-json-1.1",
		`{"Rules":[{"Name":"alert","State":"`+ruleState+`","EventBusName":"default"}]}`)
	return upstream, func() []putEntry {
		upstream.mu.Lock()
		defer upstream.mu.Unlock()
		return append([]putEntry(nil), entries...)
	}
}

func detailNames(t *testing.T, entries []putEntry) []string {
	var out []string
	for _, entry := range entries {
		if entry.DetailType != "AWS API Call via CloudTrail" || entry.EventBusName != "default" {
			t.Errorf("entry %+v is not a CloudTrail event on the default bus", entry)
		}
		var detail cloudTrailEvent
		if err := json.Unmarshal([]byte(entry.Detail), &detail); err != nil {
			t.Fatalf("detail %s: %v", entry.Detail, err)
		}
		if entry.Source != "aws."+detail.EventSource[:len(detail.EventSource)-len(".amazonaws.com")] {
			t.Errorf("source %s for event source %s", entry.Source, detail.EventSource)
		}
		out = append(out, detail.EventName)
	}
	return out
}

func TestWriteEventsReachEventBridgeInOrder(t *testing.T) {
	upstream, entries := eventBridgeUpstream(t, "ENABLED")
	p := startProxy(t, Options{Upstream: upstream.server.URL})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	ctx := context.Background()
	client := secretsmanager.NewFromConfig(cfg)
	_, _ = client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String(secretValue)})
	_, _ = client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
	_, _ = client.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("db"), Tags: []smtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	_, _ = lambda.NewFromConfig(cfg).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fn")})
	_, _ = client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("db")})
	flushCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := p.Flush(flushCtx); err != nil {
		t.Fatal(err)
	}
	got := detailNames(t, entries())
	if want := []string{"CreateSecret", "TagResource", "DeleteSecret"}; !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want the write management events in order %v", got, want)
	}
	for _, call := range p.Calls() {
		if call.Service == "events" {
			t.Errorf("the proxy's own %s was recorded", call.Operation)
		}
	}
}

func TestReadOnlyEventsNeedAnAllManagementEventsRule(t *testing.T) {
	upstream, entries := eventBridgeUpstream(t, "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
	p := startProxy(t, Options{Upstream: upstream.server.URL})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	ctx := context.Background()
	_, _ = secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
	flushCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := p.Flush(flushCtx); err != nil {
		t.Fatal(err)
	}
	if got := detailNames(t, entries()); !slices.Equal(got, []string{"GetSecretValue"}) {
		t.Fatalf("delivered %v, want the read-only GetSecretValue", got)
	}
}

// TestReadOnlyEventsRightAfterPutRule: a rule that wants read-only events, put through the proxy,
// gets the read that follows at once, though the answer of an earlier read (no such rule) is
// still cached.
func TestReadOnlyEventsRightAfterPutRule(t *testing.T) {
	upstream, entries := eventBridgeUpstream(t, "ENABLED")
	p := startProxy(t, Options{Upstream: upstream.server.URL})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	ctx := context.Background()
	secrets := secretsmanager.NewFromConfig(cfg)
	flush := func() {
		flushCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := p.Flush(flushCtx); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
	flush()
	upstream.answer("AWSEvents.ListRules", 200, "application/x-amz-json-1.1",
		`{"Rules":[{"Name":"reader","State":"ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS","EventBusName":"default"}]}`)
	_, _ = eventbridge.NewFromConfig(cfg).PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("reader"), State: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"})
	_, _ = secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
	flush()
	if got := slices.DeleteFunc(detailNames(t, entries()), func(name string) bool { return name == "PutRule" }); !slices.Equal(got, []string{"GetSecretValue"}) {
		t.Fatalf("delivered %v, want the read after PutRule only", got)
	}
}
