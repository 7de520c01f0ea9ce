package provider

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
)

// lostResponseTimeout is the create timeout of the lost-response matrix: long enough for a create
// to reach its last call, short enough that an answer held past it fails the apply soon.
const lostResponseTimeout = "25s"

// lostAnswers are the ways a create call's answer can be lost after LocalStack acted on it.
var lostAnswers = []struct {
	name string
	kind string
	// cancel: the test cancels the apply's context while the call is in flight (Ctrl-C).
	cancel bool
	// fails: the apply fails (and must roll back completely); otherwise it succeeds (the SDK's
	// retry meets the object, which is adopted) and every object must be in state.
	fails bool
}{
	{name: "answer dropped", kind: awsproxy.FaultDropResponse},
	{name: "answer past the deadline", kind: awsproxy.FaultDelayResponse, fails: true},
	{name: "cancelled in flight", kind: awsproxy.FaultDelayResponse, cancel: true, fails: true},
}

// cancelHook cancels the apply in progress, as Ctrl-C does to the provider's context.
type cancelHook struct {
	mu     sync.Mutex
	cancel context.CancelFunc
}

func (h *cancelHook) set(cancel context.CancelFunc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cancel = cancel
}

func (h *cancelHook) fire() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cancel == nil {
		return false
	}
	h.cancel()
	return true
}

type cancellableServer struct {
	tfprotov6.ProviderServer
	hook *cancelHook
}

func (s cancellableServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.hook.set(cancel)
	defer s.hook.set(nil)
	return s.ProviderServer.ApplyResourceChange(ctx, req)
}

// cancelWhenFired cancels the apply once the proxy's rule has fired (the call is in flight, its
// answer held), until stop is closed.
func cancelWhenFired(proxy *awsproxy.Proxy, ruleID string, hook *cancelHook, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(50 * time.Millisecond):
		}
		for _, rule := range proxy.Faults() {
			if rule.ID == ruleID && rule.Fired > 0 && hook.fire() {
				return
			}
		}
	}
}

// leftoversInState fails unless every part of the bundle that exists in LocalStack is in state.
func leftoversInState(ctx context.Context, client *harness.AWS, name string) resource.TestCheckFunc {
	attribute := map[string]string{"secret": "arn", "role": "rotation_role_arn", "function": "rotation_function_arn",
		"rule": "alert_rule_arn", "topic": "alert_topic_arn", "log group": "rotation_log_group_name"}
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources["secretsbundle_rds_secret.test"]
		if !ok {
			return fmt.Errorf("the bundle %s is not in state", name)
		}
		for _, part := range leftovers(ctx, client, name) {
			if rs.Primary.Attributes[attribute[part]] == "" {
				return fmt.Errorf("the %s of %s exists in LocalStack but not in state (%s is empty)", part, name, attribute[part])
			}
		}
		return nil
	}
}

// TestAccRDSSecret_lostResponse is the lost-response matrix: every create call of a bundle, in
// turn, reaches LocalStack and then loses its answer (dropped, held past the create timeout, or
// the apply cancelled while it is in flight). Afterwards either the apply failed and nothing of
// the bundle is left in LocalStack, or it succeeded and every object is in state; and the next
// apply converges with an empty plan.
func TestAccRDSSecret_lostResponse(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	hook := &cancelHook{}
	factories := map[string]func() (tfprotov6.ProviderServer, error){
		"secretsbundle": func() (tfprotov6.ProviderServer, error) {
			server, err := providerserver.NewProtocol6WithError(New("test")())()
			return cancellableServer{ProviderServer: server, hook: hook}, err
		},
	}
	for _, call := range createCalls {
		for _, lost := range lostAnswers {
			t.Run(call.operation+"/"+lost.name, func(t *testing.T) {
				name := acctest.RandomWithPrefix("tf-acc-lost")
				config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")+`
  deletion_alert = {
    email_addresses = ["oncall@example.com"]
  }
  timeouts = {
    create = "`+lostResponseTimeout+`"
  }
`)
				var rule awsproxy.Rule
				stop := make(chan struct{})
				defer close(stop)
				first := resource.TestStep{
					PreConfig: func() {
						proxy.ClearFaults()
						var err error
						rule, err = proxy.AddFault(awsproxy.Rule{Kind: lost.kind, Service: call.service, Operation: call.operation,
							Delay: awsproxy.Duration(10 * time.Minute), Times: 1})
						if err != nil {
							t.Fatal(err)
						}
						if lost.cancel {
							go cancelWhenFired(proxy, rule.ID, hook, stop)
						}
					},
					Config: config,
					Check:  leftoversInState(context.Background(), client, name),
				}
				if lost.fails {
					first.Check = nil
					first.ExpectError = regexpMust(`(?s)deleted\s+again`)
				}
				second := resource.TestStep{
					PreConfig: func() {
						fired := 0
						for _, r := range proxy.Faults() {
							if r.ID == rule.ID {
								fired = r.Fired
							}
						}
						proxy.ClearFaults()
						if fired != 1 {
							t.Fatalf("the %s fault on %s fired %d times, want once", lost.kind, call.operation, fired)
						}
						if lost.fails {
							if left := leftovers(context.Background(), client, name); len(left) > 0 {
								t.Errorf("after the failed apply these parts of %s are left in LocalStack and not in state: %v", name, left)
							}
						}
					},
					Config: config,
					Check:  leftoversInState(context.Background(), client, name),
				}
				resource.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: factories,
					Steps:                    []resource.TestStep{first, second},
				})
			})
		}
	}
}
