package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
)

// startTestProxy runs an AWS proxy of the test's own in front of LocalStack, so that its record
// (and thus LookupEvents) holds only this test's calls.
func startTestProxy(t *testing.T) *awsproxy.Proxy {
	t.Helper()
	upstream := harness.LocalStackEndpoint(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	proxy, err := awsproxy.Start(ctx, awsproxy.Options{Listen: "127.0.0.1:0", Upstream: upstream, DisableEventBridge: true})
	if err != nil {
		t.Fatalf("starting the AWS proxy in front of %s: %v", upstream, err)
	}
	t.Cleanup(proxy.Close)
	return proxy
}

// testCaller is someone reading the secret: their own access key and client (user agent).
type testCaller struct {
	accessKeyID string
	app         string
	identity    awsproxy.Identity
}

func (c testCaller) client(endpoint string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       harness.Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(c.accessKeyID, "test", ""),
		AppID:        c.app,
	})
}

// neighbourKey is the access key of another program of the test account that uses CloudTrail.
const neighbourKey = "AKIANEIGHBOUR0000001"

var (
	alice = testCaller{accessKeyID: "AKIAALICE00000000001", app: "alice-tool", identity: awsproxy.Identity{
		Type: "IAMUser", PrincipalID: "AIDAALICE", ARN: "arn:aws:iam::000000000000:user/alice", UserName: "alice"}}
	bob = testCaller{accessKeyID: "ASIABOB0000000000001", app: "bob-service", identity: awsproxy.Identity{
		Type: "AssumedRole", PrincipalID: "AROABOB:bob-session", ARN: "arn:aws:sts::000000000000:assumed-role/app-role/bob-session", UserName: "bob-session"}}
)

func mustGetSecretValue(t *testing.T, client *secretsmanager.Client, secretID string) {
	t.Helper()
	if _, err := client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)}); err != nil {
		t.Fatalf("reading secret %s: %v", secretID, err)
	}
}

// recordedEventIDs are the event ids of the proxy's recorded calls on the secret with one of the
// operations, newest first, as CloudTrail lists them.
func recordedEventIDs(proxy *awsproxy.Proxy, secretName string, operations ...string) []string {
	var ids []string
	for _, call := range slices.Backward(proxy.Calls()) {
		if !slices.Contains(operations, call.Operation) {
			continue
		}
		for _, r := range call.Resources {
			if r.Name == secretName {
				ids = append(ids, call.EventID)
				break
			}
		}
	}
	return ids
}

// eventIDsAre checks the events attribute of a data source, in order, by id.
type eventIDsAre struct {
	address string
	want    func() []string
}

func (c eventIDsAre) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	eventListIDsAre{address: c.address, attribute: "events", want: c.want}.CheckState(ctx, req, resp)
}

// eventListIDsAre checks a list of events of a data source (events, unexpected), in order, by id.
type eventListIDsAre struct {
	address, attribute string
	want               func() []string
}

func (c eventListIDsAre) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state to check %s in", c.address)
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != c.address {
			continue
		}
		attribute := c.attribute
		encoded, _ := json.Marshal(r.AttributeValues[attribute])
		var events []struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(encoded, &events); err != nil {
			resp.Error = fmt.Errorf("%s.%s is not a list of events: %w", c.address, attribute, err)
			return
		}
		got := make([]string, len(events))
		for i, e := range events {
			got[i] = e.EventID
		}
		if want := c.want(); !slices.Equal(got, want) {
			resp.Error = fmt.Errorf("%s.%s lists %d events %v, want %d events %v (newest first)", c.address, attribute, len(got), got, len(want), want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the state", c.address)
}

// peakLookupsPerSecond is the most LookupEvents calls that arrived within any one second.
func peakLookupsPerSecond(calls []awsproxy.Call) int {
	var starts []time.Time
	for _, call := range calls {
		if call.Operation == "LookupEvents" {
			starts = append(starts, call.Start)
		}
	}
	slices.SortFunc(starts, time.Time.Compare)
	peak := 0
	for i, start := range starts {
		j := i
		for j < len(starts) && starts[j].Sub(start) < time.Second {
			j++
		}
		peak = max(peak, j-i)
	}
	return peak
}

// waitForNextSecond returns the start of the next whole second, once it has come: CloudTrail's
// event times have whole seconds, so a window boundary between two batches needs one.
func waitForNextSecond() time.Time {
	next := time.Now().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(next) + 20*time.Millisecond)
	return next.UTC()
}

func TestAccAccessEventsDataSource(t *testing.T) {
	proxy := startTestProxy(t)
	endpoint := proxy.URL()
	for _, caller := range []testCaller{alice, bob} {
		proxy.RegisterIdentity(caller.accessKeyID, caller.identity)
	}
	name, arn, _ := testAccSecretValue(t, testAccSecretsManager(t, endpoint), "tf-acc-access-events", rdsSecretJSON("app", "events-password"))
	aliceClient, bobClient := alice.client(endpoint), bob.client(endpoint)

	mustGetSecretValue(t, aliceClient, name)
	mustGetSecretValue(t, aliceClient, name)
	mustGetSecretValue(t, bobClient, arn)
	if _, err := aliceClient.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)}); err != nil {
		t.Fatalf("describing %s: %v", name, err)
	}
	boundary := waitForNextSecond()
	mustGetSecretValue(t, bobClient, arn)
	mustGetSecretValue(t, bobClient, arn)
	mustGetSecretValue(t, aliceClient, name)

	reads := recordedEventIDs(proxy, name, "GetSecretValue")
	if len(reads) != 6 {
		t.Fatalf("the proxy recorded %d GetSecretValue calls on %s, want 6", len(reads), name)
	}
	readsAndDescribes := recordedEventIDs(proxy, name, "GetSecretValue", "DescribeSecret")
	const address = "data.secretsbundle_access_events.test"
	event := func(i int, key string) tfjsonpath.Path {
		return tfjsonpath.New("events").AtSliceIndex(i).AtMapKey(key)
	}
	principal := func(i int, key string) tfjsonpath.Path {
		return tfjsonpath.New("principals").AtSliceIndex(i).AtMapKey(key)
	}
	config := func(arguments string) string {
		return testAccProviderBlock(endpoint) + "data \"secretsbundle_access_events\" \"test\" {\n" + arguments + "\n}\n"
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The default: GetSecretValue over the last 24 hours, by ARN (no DescribeSecret).
				Config: config(fmt.Sprintf("secret_id = %q", arn)),
				ConfigStateChecks: []statecheck.StateCheck{
					eventIDsAre{address, func() []string { return reads }},
					statecheck.ExpectKnownValue(address, tfjsonpath.New("truncated"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("secret_arn"), knownvalue.StringExact(arn)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("event_names"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("GetSecretValue")})),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("lookback"), knownvalue.StringExact("24h")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("max_events"), knownvalue.Int64Exact(50)),
					// The newest read is alice's, by name; the one before is bob's, by ARN.
					statecheck.ExpectKnownValue(address, event(0, "event_name"), knownvalue.StringExact("GetSecretValue")),
					statecheck.ExpectKnownValue(address, event(0, "event_source"), knownvalue.StringExact("secretsmanager.amazonaws.com")),
					statecheck.ExpectKnownValue(address, event(0, "username"), knownvalue.StringExact("alice")),
					statecheck.ExpectKnownValue(address, event(0, "principal_arn"), knownvalue.StringExact(alice.identity.ARN)),
					statecheck.ExpectKnownValue(address, event(0, "principal_type"), knownvalue.StringExact("IAMUser")),
					statecheck.ExpectKnownValue(address, event(0, "access_key_id"), knownvalue.StringExact(alice.accessKeyID)),
					statecheck.ExpectKnownValue(address, event(0, "user_agent"), knownvalue.StringRegexp(regexp.MustCompile(`app/alice-tool`))),
					statecheck.ExpectKnownValue(address, event(0, "source_ip_address"), knownvalue.StringExact("127.0.0.1")),
					statecheck.ExpectKnownValue(address, event(0, "aws_region"), knownvalue.StringExact("us-east-1")),
					statecheck.ExpectKnownValue(address, event(0, "read_only"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(address, event(0, "error_code"), knownvalue.Null()),
					statecheck.ExpectKnownValue(address, event(0, "event_time"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))),
					statecheck.ExpectKnownValue(address, event(1, "username"), knownvalue.StringExact("bob-session")),
					statecheck.ExpectKnownValue(address, event(1, "principal_arn"), knownvalue.StringExact(bob.identity.ARN)),
					statecheck.ExpectKnownValue(address, event(1, "principal_type"), knownvalue.StringExact("AssumedRole")),
					statecheck.ExpectKnownValue(address, event(1, "access_key_id"), knownvalue.StringExact(bob.accessKeyID)),
					statecheck.ExpectKnownValue(address, event(1, "user_agent"), knownvalue.StringRegexp(regexp.MustCompile(`app/bob-service`))),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("principals"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue(address, principal(0, "principal_arn"), knownvalue.StringExact(alice.identity.ARN)),
					statecheck.ExpectKnownValue(address, principal(0, "event_count"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(address, principal(0, "source_ip_addresses"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("127.0.0.1")})),
					statecheck.ExpectKnownValue(address, principal(1, "principal_arn"), knownvalue.StringExact(bob.identity.ARN)),
					statecheck.ExpectKnownValue(address, principal(1, "event_count"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue(address, principal(1, "username"), knownvalue.StringExact("bob-session")),
				},
			},
			{
				Config: config(fmt.Sprintf("secret_id = %q\nevent_names = [\"DescribeSecret\", \"GetSecretValue\"]", arn)),
				ConfigStateChecks: []statecheck.StateCheck{
					eventIDsAre{address, func() []string { return readsAndDescribes }},
					statecheck.ExpectKnownValue(address, event(3, "event_name"), knownvalue.StringExact("DescribeSecret")),
				},
			},
			{
				// Windows on either side of the boundary between the two batches.
				Config: testAccProviderBlock(endpoint) + fmt.Sprintf(`
data "secretsbundle_access_events" "test" {
  secret_id  = %[1]q
  start_time = %[2]q
}

data "secretsbundle_access_events" "before" {
  secret_id = %[1]q
  end_time  = %[3]q
  lookback  = "1h"
}
`, arn, boundary.Format(time.RFC3339), boundary.Add(-time.Second).Format(time.RFC3339)),
				ConfigStateChecks: []statecheck.StateCheck{
					eventIDsAre{address, func() []string { return reads[:3] }},
					eventIDsAre{"data.secretsbundle_access_events.before", func() []string { return reads[3:] }},
					statecheck.ExpectKnownValue("data.secretsbundle_access_events.before", tfjsonpath.New("start_time"),
						knownvalue.StringExact(boundary.Add(-time.Second-time.Hour).Format(time.RFC3339))),
				},
			},
			{
				// By name: resolved with DescribeSecret, which the default filter leaves out.
				Config: config(fmt.Sprintf("secret_id = %q\nmax_events = 4", name)),
				ConfigStateChecks: []statecheck.StateCheck{
					eventIDsAre{address, func() []string { return reads[:4] }},
					statecheck.ExpectKnownValue(address, tfjsonpath.New("truncated"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("secret_arn"), knownvalue.StringExact(arn)),
				},
			},
		},
	})
}

// Over page boundaries, with CloudTrail throttling: the listing is still complete, and the proxy
// saw at most 2 LookupEvents per second from the data source.
func TestAccAccessEventsDataSourcePagingAndThrottling(t *testing.T) {
	proxy := startTestProxy(t)
	endpoint := proxy.URL()
	proxy.RegisterIdentity(alice.accessKeyID, alice.identity)
	proxy.RegisterIdentity(neighbourKey, awsproxy.Identity{Type: "IAMUser", PrincipalID: "AIDANEIGHBOUR", ARN: "arn:aws:iam::000000000000:user/auditor", UserName: "auditor"})
	name, arn, _ := testAccSecretValue(t, testAccSecretsManager(t, endpoint), "tf-acc-access-paging", rdsSecretJSON("app", "paging-password"))
	const reads = 130
	readConcurrently(t, alice.client(endpoint), name, reads)
	want := recordedEventIDs(proxy, name, "GetSecretValue")
	if len(want) != reads {
		t.Fatalf("the proxy recorded %d reads of %s, want %d", len(want), name, reads)
	}
	// Another program of the same account spends part of CloudTrail's shared budget meanwhile, so
	// the proxy throttles some of the data source's requests, as AWS would.
	stopNeighbour := lookupEventsNeighbour(t, endpoint, arn)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccProviderBlock(endpoint) + fmt.Sprintf(`
data "secretsbundle_access_events" "some" {
  secret_id  = %[1]q
  max_events = 125
}

data "secretsbundle_access_events" "all" {
  secret_id  = %[1]q
  max_events = 10000
}
`, arn),
			ConfigStateChecks: []statecheck.StateCheck{
				eventIDsAre{"data.secretsbundle_access_events.some", func() []string { return want[:125] }},
				statecheck.ExpectKnownValue("data.secretsbundle_access_events.some", tfjsonpath.New("truncated"), knownvalue.Bool(true)),
				eventIDsAre{"data.secretsbundle_access_events.all", func() []string { return want }},
				statecheck.ExpectKnownValue("data.secretsbundle_access_events.all", tfjsonpath.New("truncated"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.secretsbundle_access_events.all", tfjsonpath.New("principals").AtSliceIndex(0).AtMapKey("event_count"), knownvalue.Int64Exact(reads)),
			},
		}},
	})
	stopNeighbour()
	var ours []awsproxy.Call
	throttled := 0
	for _, call := range proxy.Calls() {
		if call.Operation == "LookupEvents" && call.AccessKeyID == harness.AccessKeyID {
			ours = append(ours, call)
			if call.ErrorCode == "ThrottlingException" {
				throttled++
			}
		}
	}
	if throttled == 0 {
		t.Errorf("none of the data source's %d LookupEvents calls was throttled: the test did not test backoff", len(ours))
	}
	if peak := peakLookupsPerSecond(ours); peak > 2 {
		t.Errorf("the proxy saw %d LookupEvents calls of the data source within one second, want at most 2", peak)
	}
	t.Logf("the data source's LookupEvents calls: %d, %d of them throttled, peak %d per second", len(ours), throttled, peakLookupsPerSecond(ours))
}

// lookupEventsNeighbour calls LookupEvents every 750 ms with another key of the same account
// until the returned function is called.
func lookupEventsNeighbour(t *testing.T, endpoint, arn string) (stop func()) {
	client := cloudtrail.New(cloudtrail.Options{
		Region:       harness.Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(neighbourKey, "test", ""),
		Retryer:      aws.NopRetryer{},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(750 * time.Millisecond)
		defer ticker.Stop()
		for {
			_, _ = client.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
				{AttributeKey: types.LookupAttributeKeyResourceName, AttributeValue: aws.String(arn)}}})
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
		}
	}()
	stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

// readConcurrently reads the secret n times from a few goroutines, to fill CloudTrail quickly.
func readConcurrently(t *testing.T, client *secretsmanager.Client, secretID string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan struct{}, n)
	for range n {
		work <- struct{}{}
	}
	close(work)
	for range 4 {
		wg.Go(func() {
			for range work {
				if _, err := client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("reading secret %s: %v", secretID, err)
	}
}

// Bad arguments fail at plan time, naming the attribute.
func TestAccessEventsBadArguments(t *testing.T) {
	isolateAWSEnvironment(t)
	cases := map[string]struct {
		arguments string
		want      string
	}{
		"lookback over 90 days":  {`lookback = "91d"`, `(?s)Invalid lookback.*Attribute lookback must be a duration.*at most 90d`},
		"lookback not duration":  {`lookback = "a week"`, `(?s)Attribute lookback must be a duration`},
		"lookback and start":     {"lookback = \"1h\"\nstart_time = \"2026-11-28T00:00:00Z\"", `(?s)Attribute "(lookback|start_time)" cannot be specified when "(start_time|lookback)" is specified`},
		"start after end":        {"start_time = \"2026-11-28T12:00:00Z\"\nend_time = \"2026-11-28T11:00:00Z\"", `(?s)Invalid time window.*Attribute start_time \(2026-11-28T12:00:00Z\) must be before end_time`},
		"start not RFC 3339":     {`start_time = "yesterday"`, `(?s)Attribute start_time must be an RFC 3339 time`},
		"max_events zero":        {`max_events = 0`, `(?s)Attribute max_events value must be between 1 and 10000, got: 0`},
		"max_events over 10000":  {`max_events = 10001`, `(?s)Attribute max_events value must be between 1 and 10000`},
		"event name malformed":   {`event_names = ["secretsmanager:GetSecretValue"]`, `(?s)Invalid event name.*Attribute event_names\[0\]`},
		"event names empty list": {`event_names = []`, `(?s)Attribute event_names list must contain at least 1 elements`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "provider \"secretsbundle\" {\n region = \"us-east-1\"\n}\ndata \"secretsbundle_access_events\" \"test\" {\nsecret_id = \"s\"\n" + tc.arguments + "\n}\n",
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}
