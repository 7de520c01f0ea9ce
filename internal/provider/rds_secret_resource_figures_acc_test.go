package provider

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
)

// pollOperations are waiter polls: they repeat while AWS finishes, so the round-trip figures
// leave them out, as the goal does.
var pollOperations = []string{"lambda:GetFunctionConfiguration", "secretsmanager:DescribeSecret", "logs:FilterLogEvents"}

// criticalPath are the calls each create stage waits for.
var criticalPath = []string{"secretsmanager:CreateSecret", "iam:CreateRole", "logs:CreateLogGroup", "sns:CreateTopic", "lambda:CreateFunction", "lambda:AddPermission", "secretsmanager:RotateSecret"}

// providerCalls keeps the calls the provider made (not the rotator's, not the account lookup
// every provider configuration makes).
func providerCalls(calls []awsproxy.Call) []awsproxy.Call {
	var out []awsproxy.Call
	for _, c := range calls {
		if strings.Contains(c.UserAgent, "terraform-provider-secretsbundle") && c.Key() != "sts:GetCallerIdentity" {
			out = append(out, c)
		}
	}
	return out
}

func withoutPolls(calls []awsproxy.Call) []awsproxy.Call {
	var out []awsproxy.Call
	for _, c := range calls {
		if !slices.Contains(pollOperations, c.Key()) {
			out = append(out, c)
		}
	}
	return out
}

// TestAccRDSSecret_figures measures, from the proxy's record, the calls and sequential rounds of a
// create (goal: at most 5 rounds besides waiter polls; the look-up of the rule before PutRule, which
// would overwrite another bundle's, issue 21, is one) and of a refresh (goal: at most 13 calls in
// 1 round: 8 that read the parts, 4 that read the guards and 1 the rotation alert's rule, issue
// 20), and fails when a goal is missed.
func TestAccRDSSecret_figures(t *testing.T) {
	proxy := startProxy(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-figures")
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", ""))
	var applyStart time.Time
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { proxy.Mark("create"); applyStart = time.Now() },
				Config:    config,
				Check: func(*terraform.State) error {
					elapsed := time.Since(applyStart)
					proxy.Mark("created")
					calls, err := proxy.CallsBetween("create", "created")
					if err != nil {
						return err
					}
					all := providerCalls(calls)
					critical := withoutPolls(all)
					rounds := awsproxy.SequentialRounds(critical)
					t.Logf("create: %d calls (%d without waiter polls), %d sequential rounds without polls, %d with; most in flight %d; wall time of the apply including the first rotation %s",
						len(all), len(critical), rounds, awsproxy.SequentialRounds(all), awsproxy.MaxConcurrency(all), elapsed.Round(time.Millisecond))
					t.Logf("create calls: %v", awsproxy.CallsPerOperation(all))
					for _, c := range all {
						t.Logf("  %-40s %6.0fms → %6.0fms", c.Key(), c.Start.Sub(all[0].Start).Seconds()*1000, c.End.Sub(all[0].Start).Seconds()*1000)
					}
					// The critical path is the chain each stage waits for: the first stage's creates,
					// CreateFunction, AddPermission, RotateSecret. Calls off it (PutTargets after
					// PutRule, the log retention) add rounds to the count over all calls when they
					// end before CreateFunction starts, which sends a 6 MB body that takes the SDK
					// tens of milliseconds to encode and sign.
					var chain []awsproxy.Call
					for _, c := range critical {
						if slices.Contains(criticalPath, c.Key()) {
							chain = append(chain, c)
						}
					}
					chainRounds := awsproxy.SequentialRounds(chain)
					t.Logf("create critical path: %d calls in %d sequential rounds (all calls besides polls: %d rounds)", len(chain), chainRounds, rounds)
					if chainRounds > 5 {
						return fmt.Errorf("create's critical path took %d sequential rounds besides polls, goal 5", chainRounds)
					}
					return nil
				},
			},
			{
				PreConfig: func() { proxy.Mark("refresh") },
				Config:    config,
				PlanOnly:  true,
				Check:     func(*terraform.State) error { return nil },
			},
			{
				PreConfig: func() {
					proxy.Mark("refreshed")
					calls, err := proxy.CallsBetween("refresh", "refreshed")
					if err != nil {
						t.Fatal(err)
					}
					all := providerCalls(calls)
					refreshes := awsproxy.CallsPerOperation(all)["secretsmanager:DescribeSecret"]
					if refreshes == 0 {
						t.Fatal("no refresh in the record")
					}
					perRefresh := len(all) / refreshes
					t.Logf("refresh: %d refreshes, %d calls each, %d sequential rounds in all; calls %v", refreshes, perRefresh, awsproxy.SequentialRounds(all), awsproxy.CallsPerOperation(all))
					if perRefresh > 13 || awsproxy.SequentialRounds(all) > refreshes {
						t.Errorf("a refresh takes %d calls in %d rounds, goal at most 13 calls in 1 round", perRefresh, awsproxy.SequentialRounds(all)/refreshes)
					}
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}
