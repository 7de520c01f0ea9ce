package awsproxy_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
)

// TestAccProxyOverhead measures the latency the proxy adds to a call, against LocalStack directly
// in the same run: the same DescribeSecret, alternating between the two endpoints so both see
// the same load. It logs median and p99 of each and fails only on a gross regression, since the
// machine is shared.
func TestAccProxyOverhead(t *testing.T) {
	const rounds = 300
	p := startAccProxy(t)
	ctx := t.Context()
	direct := secretsmanager.NewFromConfig(accConfig(acctest.LocalStackEndpoint(t), acctest.AccessKeyID))
	proxied := secretsmanager.NewFromConfig(accConfig(p.URL(), acctest.AccessKeyID))
	name := uniqueName("awsproxy-overhead")
	created, err := direct.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("value")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = direct.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: created.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	measure := func(client *secretsmanager.Client) time.Duration {
		start := time.Now()
		if _, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: created.ARN}); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	for range 20 { // warm up connections on both paths
		measure(direct)
		measure(proxied)
	}
	var directTimes, proxiedTimes []time.Duration
	for range rounds {
		directTimes = append(directTimes, measure(direct))
		proxiedTimes = append(proxiedTimes, measure(proxied))
	}
	d50, d99 := percentile(directTimes, 50), percentile(directTimes, 99)
	p50, p99 := percentile(proxiedTimes, 50), percentile(proxiedTimes, 99)
	t.Logf("DescribeSecret x%d: LocalStack directly median %s p99 %s; through the proxy median %s p99 %s; added median %s p99 %s",
		rounds, d50, d99, p50, p99, p50-d50, p99-d99)
	if p50-d50 > 25*time.Millisecond {
		t.Errorf("the proxy adds %s to the median call: something on its path became slow", p50-d50)
	}
}

func percentile(times []time.Duration, pct int) time.Duration {
	sorted := slices.Clone(times)
	slices.Sort(sorted)
	index := (len(sorted)*pct + 99) / 100
	return sorted[max(0, min(len(sorted)-1, index-1))].Round(time.Microsecond)
}
