package accessevents_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/accessevents"
	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail"
)

// thousandEventsGoal is the goal for listing 1,000 events: CloudTrail's own ceiling of
// 2 requests per second × 50 events per request is 10 s.
const thousandEventsGoal = 10500 * time.Millisecond

// TestAccListThousandEvents is the benchmark: 1,000 GetSecretValue events listed through the AWS
// proxy's CloudTrail, with the wall time (logged against the goal, never asserted: a busy machine
// is not a bug) and the peak request rate the proxy observed (asserted: that is CloudTrail's limit).
func TestAccListThousandEvents(t *testing.T) {
	upstream := harness.LocalStackEndpoint(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	proxy, err := awsproxy.Start(ctx, awsproxy.Options{Listen: "127.0.0.1:0", Upstream: upstream, DisableEventBridge: true})
	if err != nil {
		t.Fatalf("starting the AWS proxy in front of %s: %v", upstream, err)
	}
	defer proxy.Close()
	credentialsProvider := credentials.NewStaticCredentialsProvider(harness.AccessKeyID, harness.SecretAccessKey, "")
	secrets := secretsmanager.New(secretsmanager.Options{Region: harness.Region, BaseEndpoint: aws.String(proxy.URL()), Credentials: credentialsProvider})
	trail := cloudtrail.New(cloudtrail.Options{Region: harness.Region, BaseEndpoint: aws.String(proxy.URL()), Credentials: credentialsProvider})

	name := "tf-acc-thousand-" + time.Now().Format("150405.000")
	created, err := secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(`{"username":"u","password":"thousand-password"}`)})
	if err != nil {
		t.Fatalf("creating secret %s: %v", name, err)
	}
	defer func() {
		_, _ = secrets.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	}()
	const events = 1000
	readConcurrently(t, secrets, name, events)

	mark := proxy.Mark("listing")
	start := time.Now()
	result, err := accessevents.List(ctx, trail, accessevents.Query{
		SecretARN:  aws.ToString(created.ARN),
		SecretName: name,
		EventNames: []string{"GetSecretValue"},
		Start:      start.Add(-time.Hour),
		End:        start,
		MaxEvents:  events,
	}, accessevents.Options{Limiter: accessevents.NewLimiter()})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	calls, err := proxy.CallsBetween(mark.Name, "")
	if err != nil {
		t.Fatal(err)
	}
	peak := peakPerSecond(calls)
	t.Logf("listed %d events with %d LookupEvents requests in %s; peak %d requests in one second (goal: %s, at most 2)",
		len(result.Events), result.Requests, elapsed.Round(time.Millisecond), peak, thousandEventsGoal)
	// Truncated may be true: the secret's CreateSecret event is on a page not read.
	if len(result.Events) != events {
		t.Errorf("listed %d events, want all %d", len(result.Events), events)
	}
	if peak > accessevents.RequestsPerSecond {
		t.Errorf("the proxy saw %d LookupEvents requests within one second, want at most %d", peak, accessevents.RequestsPerSecond)
	}
}

func readConcurrently(t *testing.T, client *secretsmanager.Client, secretID string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	work := make(chan struct{}, n)
	for range n {
		work <- struct{}{}
	}
	close(work)
	for range 8 {
		wg.Go(func() {
			for range work {
				if _, err := client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)}); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("reading secret %s: %v", secretID, firstErr)
	}
}

func peakPerSecond(calls []awsproxy.Call) int {
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
