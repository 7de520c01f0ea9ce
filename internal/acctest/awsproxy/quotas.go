package awsproxy

import (
	"math"
	"sort"
	"strings"

	"golang.org/x/time/rate"
)

// Quota is one of AWS's request-rate quotas: requests per second per account and region, shared
// by the operations it lists. An empty Operations list is the rest of the service: every
// operation no other quota of the service lists.
type Quota struct {
	Service    string   `json:"service"`
	Operations []string `json:"operations,omitempty"`
	// Rate is requests per second; the bucket holds Rate requests (rounded up), as AWS's token
	// buckets let a second's worth through at once.
	Rate float64 `json:"rate"`
	// Source is where the figure comes from: AWS's page, or why a conservative figure is used.
	Source string `json:"source"`
}

// Name is how figures and errors name the quota: service and its operations.
func (q Quota) Name() string {
	if len(q.Operations) == 0 {
		return q.Service + ":*"
	}
	return q.Service + ":" + strings.Join(q.Operations, "+")
}

const (
	srcSecretsManager = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html"
	srcLambda         = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html#api-requests"
	srcLogs           = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html"
	srcEvents         = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html"
	srcSNS            = "https://docs.aws.amazon.com/general/latest/gr/sns.html#limits_sns"
	srcKMS            = "https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html"
	srcCloudTrail     = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html"
	conservative      = "AWS publishes no figure for these; conservative: "
)

// Quotas is the proxy's table of AWS's request quotas (default values, us-east-1), one row per
// quota, the source beside each. Where AWS publishes a rate it is that rate; where it does not,
// the figure is a documented, conservative one (at most what AWS is known to allow), so that a
// run under these quotas is not faster than an account at AWS's limits would be.
var Quotas = []Quota{
	{"secretsmanager", []string{"GetSecretValue"}, 10000, srcSecretsManager},
	{"secretsmanager", []string{"DescribeSecret"}, 40000, srcSecretsManager + " (raised from 10,000 in March 2025)"},
	{"secretsmanager", []string{"BatchGetSecretValue"}, 100, srcSecretsManager},
	{"secretsmanager", []string{"ListSecrets"}, 100, srcSecretsManager},
	{"secretsmanager", []string{"DeleteResourcePolicy", "GetResourcePolicy", "PutResourcePolicy", "ValidateResourcePolicy"}, 50, srcSecretsManager},
	{"secretsmanager", []string{"PutSecretValue", "RemoveRegionsFromReplication", "ReplicateSecretToRegion", "StopReplicationToReplica", "UpdateSecret", "UpdateSecretVersionStage"}, 50, srcSecretsManager},
	{"secretsmanager", []string{"RestoreSecret"}, 50, srcSecretsManager},
	{"secretsmanager", []string{"RotateSecret", "CancelRotateSecret"}, 50, srcSecretsManager},
	{"secretsmanager", []string{"TagResource", "UntagResource"}, 50, srcSecretsManager},
	{"secretsmanager", nil, 50, conservative + "50 per second, the rate the quota page gives every other control-plane operation (CreateSecret, DeleteSecret, ListSecretVersionIds, GetRandomPassword)"},
	{"lambda", []string{"GetFunction"}, 100, srcLambda + " (GetFunction API requests: 100 per second)"},
	{"lambda", []string{"GetPolicy"}, 15, srcLambda + " (GetPolicy API requests: 15 per second)"},
	{"lambda", []string{"Invoke"}, 10000, conservative + "invocations are limited by concurrency (1,000 environments), not a request rate; 10,000 per second never binds a benchmark"},
	{"lambda", nil, 15, srcLambda + " (remainder of the control plane API requests: 15 per second across all APIs)"},
	{"logs", []string{"CreateLogGroup"}, 5, srcLogs},
	{"logs", []string{"DeleteLogGroup"}, 10, srcLogs},
	{"logs", []string{"DescribeLogGroups"}, 10, srcLogs},
	{"logs", []string{"DescribeLogStreams"}, 25, srcLogs},
	{"logs", []string{"CreateLogStream"}, 50, srcLogs},
	{"logs", []string{"PutLogEvents"}, 5000, srcLogs},
	{"logs", []string{"FilterLogEvents"}, 5, srcLogs},
	{"logs", []string{"GetLogEvents"}, 25, srcLogs},
	{"logs", nil, 5, conservative + "5 per second, the lowest control-plane rate on the CloudWatch Logs quota page (PutRetentionPolicy, DeleteRetentionPolicy, TagResource, ListTagsForResource, ...)"},
	{"events", []string{"PutEvents"}, 10000, srcEvents + " (PutEvents, us-east-1)"},
	{"events", nil, 50, srcEvents + " (throttle limit of all other APIs: 50 per second)"},
	{"sns", []string{"Publish"}, 30000, srcSNS + " (Publish, us-east-1)"},
	{"sns", []string{"ListTopics", "ListSubscriptions", "ListSubscriptionsByTopic"}, 30, srcSNS},
	{"sns", []string{"Subscribe", "Unsubscribe", "ConfirmSubscription", "GetSubscriptionAttributes", "SetSubscriptionAttributes"}, 100, srcSNS},
	{"sns", nil, 10, conservative + "10 per second for the other topic operations (CreateTopic, DeleteTopic, Get/SetTopicAttributes, tags), at most the per-operation rates of SNS's quota table"},
	{"iam", nil, 10, conservative + "10 per second per account for every IAM operation; IAM's quota page lists entity counts, not request rates, and IAM is known to throttle control-plane bursts"},
	{"sts", nil, 100, conservative + "100 per second; STS's quota page gives sizes, not request rates"},
	{"kms", []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt"}, 5500, srcKMS + " (cryptographic operations, symmetric, the lowest regional default)"},
	{"kms", []string{"DescribeKey"}, 2000, srcKMS},
	{"kms", nil, 5, conservative + "5 per second, KMS's lowest per-operation rate (CreateKey, CreateAlias, ...)"},
	{"cloudtrail", []string{"LookupEvents"}, lookupEventsPerSecond, srcCloudTrail + " (always enforced, quotas on or off)"},
	{"cloudtrail", nil, 10, conservative + "10 per second for DescribeTrails, GetTrailStatus, GetEventSelectors"},
}

// QuotaFor is the quota an operation counts against; false for a service the table does not hold.
func QuotaFor(service, operation string) (Quota, bool) {
	var rest *Quota
	for i := range Quotas {
		q := &Quotas[i]
		if q.Service != service {
			continue
		}
		if len(q.Operations) == 0 {
			rest = q
			continue
		}
		for _, name := range q.Operations {
			if name == operation {
				return *q, true
			}
		}
	}
	if rest != nil {
		return *rest, true
	}
	return Quota{}, false
}

// QuotaFloor is the time AWS's quotas alone would take for these calls (keys service:Operation, as
// CallsPerOperation gives them): for each quota, the calls that count against it ÷ its rate, the
// largest of them. It returns that floor and the seconds per quota name.
func QuotaFloor(perOperation map[string]int) (float64, map[string]float64) {
	counts := map[string]int{}
	rates := map[string]float64{}
	for key, n := range perOperation {
		service, operation, _ := strings.Cut(key, ":")
		q, ok := QuotaFor(service, operation)
		if !ok {
			continue
		}
		counts[q.Name()] += n
		rates[q.Name()] = q.Rate
	}
	seconds := map[string]float64{}
	floor := 0.0
	for name, n := range counts {
		// A bucket starts full: the first second's worth passes at once.
		s := math.Max(0, float64(n)-math.Ceil(rates[name])) / rates[name]
		seconds[name] = s
		floor = math.Max(floor, s)
	}
	return floor, seconds
}

// QuotaNames are the names of the quotas with seconds, slowest first (for printing figures).
func QuotaNames(seconds map[string]float64) []string {
	names := make([]string, 0, len(seconds))
	for name := range seconds {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if seconds[names[i]] != seconds[names[j]] {
			return seconds[names[i]] > seconds[names[j]]
		}
		return names[i] < names[j]
	})
	return names
}

// quotaLimiter is the token bucket of one quota for one account and region.
func (p *Proxy) quotaLimiter(key string, q Quota) *rate.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	limiter, ok := p.quotaLimiters[key]
	if !ok {
		limiter = rate.NewLimiter(rate.Limit(q.Rate), int(math.Ceil(q.Rate)))
		p.quotaLimiters[key] = limiter
	}
	return limiter
}

// overQuota says whether the call exceeds its quota (only while quotas are on); a call over it is
// answered with the service's throttling error, as AWS answers it.
func (p *Proxy) overQuota(call *Call, op operation) (Quota, bool) {
	if !p.quotas.Load() {
		return Quota{}, false
	}
	q, ok := QuotaFor(op.Service, op.Name)
	if !ok || (op.Service == "cloudtrail" && op.Name == "LookupEvents") {
		// LookupEvents has its own limiter, always on.
		return Quota{}, false
	}
	key := call.Identity.AccountID + "/" + op.Region + "/" + q.Name()
	return q, !p.quotaLimiter(key, q).AllowN(p.opts.Now(), 1)
}

// SetQuotas switches AWS's request quotas on or off; off by default (Options.Quotas).
func (p *Proxy) SetQuotas(on bool) { p.quotas.Store(on) }

// QuotasOn says whether AWS's request quotas are enforced.
func (p *Proxy) QuotasOn() bool { return p.quotas.Load() }

// Throttled counts the calls answered with a throttling error (AWS's or the proxy's).
func Throttled(calls []Call) int {
	n := 0
	for _, c := range calls {
		switch c.ErrorCode {
		case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded":
			n++
		}
	}
	return n
}
