package awsproxy

import (
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"time"
)

// Fault kinds.
const (
	// FaultError answers the AWS error ErrorCode/ErrorMessage (Status, or AWS's status for the code).
	FaultError = "error"
	// FaultThrottle answers the service's throttling error (ThrottlingException, Lambda's
	// TooManyRequestsException, the query services' Throttling).
	FaultThrottle = "throttle"
	// FaultDelay waits Delay, then forwards the call.
	FaultDelay = "delay"
	// FaultDrop closes the client's connection without an answer.
	FaultDrop = "drop"
	// FaultDropResponse forwards the call, so AWS acts on it, then closes the client's connection
	// instead of answering: the lost answer of a create that succeeded.
	FaultDropResponse = "drop_response"
	// FaultDelayResponse forwards the call, so AWS acts on it, then holds the answer for Delay (or
	// until the client gives up): the answer that comes after the caller's deadline.
	FaultDelayResponse = "delay_response"
	// FaultIAMPropagation emulates IAM's eventual consistency: for Delay after a role is created
	// through the proxy, Lambda CreateFunction and UpdateFunctionConfiguration naming that role
	// fail as AWS fails them. Operation and Resource are not used.
	FaultIAMPropagation = "iam_propagation"
)

// roleNotAssumable is AWS Lambda's exact answer while a new role has not propagated.
const roleNotAssumable = "The role defined for the function cannot be assumed by Lambda."

// Rule is a fault injection rule. Zero values mean "any" or "always".
type Rule struct {
	// ID is assigned by AddFault when empty; ClearFault removes a rule by it.
	ID string `json:"id,omitempty"`
	// Kind is one of the Fault* constants.
	Kind string `json:"kind"`
	// Service ("secretsmanager", "lambda", ...) and Operation ("CreateSecret") select calls;
	// Operation may also be "service:Operation". Empty matches any.
	Service   string `json:"service,omitempty"`
	Operation string `json:"operation,omitempty"`
	// Resource, when set, selects calls on that resource by name or ARN.
	Resource string `json:"resource,omitempty"`
	// Nth, when set, fires on the Nth matching call only (1 is the first).
	Nth int `json:"nth,omitempty"`
	// Times, when set, limits how often the rule fires.
	Times int `json:"times,omitempty"`
	// Probability, when in (0,1), fires on that share of matching calls, drawn from Seed so a
	// run can be repeated.
	Probability float64 `json:"probability,omitempty"`
	Seed        int64   `json:"seed,omitempty"`

	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	Status       int    `json:"status,omitempty"`
	// Delay is the wait of FaultDelay (and before any other kind's answer), or the propagation
	// time of FaultIAMPropagation. In JSON it is a Go duration string ("1.5s").
	Delay Duration `json:"delay,omitempty"`

	// Matched and Fired count matching calls and firings; they are reported, not configured.
	Matched int `json:"matched"`
	Fired   int `json:"fired"`
}

// Duration is a time.Duration that reads and writes as a Go duration string in JSON.
type Duration time.Duration

// MarshalText writes the duration as "1.5s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "1.5s", "250ms" and the like.
func (d *Duration) UnmarshalText(text []byte) error {
	parsed, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("delay %q is not a Go duration such as 1.5s: %w", text, err)
	}
	*d = Duration(parsed)
	return nil
}

func (r Rule) validate() error {
	switch r.Kind {
	case FaultError:
		if r.ErrorCode == "" {
			return fmt.Errorf("fault rule of kind %q needs errorCode (an AWS error code such as ResourceNotFoundException)", r.Kind)
		}
	case FaultThrottle, FaultDrop, FaultDropResponse:
	case FaultDelay, FaultIAMPropagation, FaultDelayResponse:
		if r.Delay <= 0 {
			return fmt.Errorf("fault rule of kind %q needs a positive delay such as \"2s\"", r.Kind)
		}
	default:
		return fmt.Errorf("fault rule kind %q is unknown: use error, throttle, delay, drop, drop_response, delay_response or iam_propagation", r.Kind)
	}
	if r.Probability < 0 || r.Probability > 1 {
		return fmt.Errorf("fault rule probability %v is outside [0, 1]", r.Probability)
	}
	if r.Nth < 0 || r.Times < 0 {
		return fmt.Errorf("fault rule nth (%d) and times (%d) cannot be negative", r.Nth, r.Times)
	}
	return nil
}

func (r Rule) selects(call *Call) bool {
	operation := r.Operation
	service := r.Service
	if s, o, ok := strings.Cut(operation, ":"); ok {
		service, operation = s, o
	}
	if service != "" && service != call.Service {
		return false
	}
	if operation != "" && operation != call.Operation {
		return false
	}
	if r.Resource != "" {
		for _, resource := range call.Resources {
			if resource.matches(r.Resource) {
				return true
			}
		}
		return false
	}
	return true
}

type faultRule struct {
	Rule
	random *rand.Rand
}

// faults holds the rules and the role creation times the IAM propagation rule needs.
type faults struct {
	mu      sync.Mutex
	next    int
	rules   []*faultRule
	created map[string]time.Time // role ARN and role name → when CreateRole succeeded
}

func newFaults() *faults { return &faults{created: map[string]time.Time{}} }

func (f *faults) add(rule Rule) (Rule, error) {
	if err := rule.validate(); err != nil {
		return Rule{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	if rule.ID == "" {
		rule.ID = fmt.Sprintf("fault-%d", f.next)
	}
	rule.Matched, rule.Fired = 0, 0
	f.rules = append(f.rules, &faultRule{Rule: rule, random: rand.New(rand.NewSource(rule.Seed))})
	return rule, nil
}

func (f *faults) list() []Rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	rules := make([]Rule, 0, len(f.rules))
	for _, rule := range f.rules {
		rules = append(rules, rule.Rule)
	}
	return rules
}

func (f *faults) remove(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, rule := range f.rules {
		if rule.ID == id {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
			return true
		}
	}
	return false
}

func (f *faults) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// roleCreated notes a role's creation for the IAM propagation rule.
func (f *faults) roleCreated(name, arn string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name != "" {
		f.created[name] = at
	}
	if arn != "" {
		f.created[arn] = at
	}
}

// decision is what the fault rules do to one call.
type decision struct {
	rule  string
	delay time.Duration
	drop  bool
	err   *awsError
	// after: the call is forwarded first; then its answer is dropped (drop) or held (afterDelay).
	after      bool
	afterDelay time.Duration
}

// decide applies the rules, in the order they were added, to a call about to be forwarded. A
// delay rule adds its delay and lets later rules decide; the first rule that answers or drops
// ends the search.
func (f *faults) decide(call *Call, op operation, now time.Time) decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	var d decision
	for _, rule := range f.rules {
		if rule.Kind == FaultIAMPropagation {
			if e, ok := f.roleNotPropagated(rule, call, now); ok {
				rule.Matched++
				rule.Fired++
				d.rule, d.err = rule.ID, e
				return d
			}
			continue
		}
		if !rule.selects(call) {
			continue
		}
		rule.Matched++
		if rule.Nth > 0 && rule.Matched != rule.Nth {
			continue
		}
		if rule.Times > 0 && rule.Fired >= rule.Times {
			continue
		}
		if rule.Probability > 0 && rule.Probability < 1 && rule.random.Float64() >= rule.Probability {
			continue
		}
		rule.Fired++
		d.rule = rule.ID
		d.delay += time.Duration(rule.Delay)
		switch rule.Kind {
		case FaultDelay:
			continue
		case FaultDrop:
			d.drop = true
		case FaultDropResponse, FaultDelayResponse:
			d.delay -= time.Duration(rule.Delay)
			d.after, d.drop, d.afterDelay = true, rule.Kind == FaultDropResponse, time.Duration(rule.Delay)
		case FaultThrottle:
			e := throttlingError(op)
			if rule.Status != 0 {
				e.Status = rule.Status
			}
			d.err = &e
		case FaultError:
			message := rule.ErrorMessage
			if message == "" {
				message = "injected by the awsproxy test harness (rule " + rule.ID + ")"
			}
			d.err = &awsError{Code: rule.ErrorCode, Message: message, Status: rule.Status}
		}
		return d
	}
	return d
}

func (f *faults) roleNotPropagated(rule *faultRule, call *Call, now time.Time) (*awsError, bool) {
	if call.Service != "lambda" || (call.Operation != "CreateFunction" && call.Operation != "UpdateFunctionConfiguration") {
		return nil, false
	}
	role, _ := call.Parameters["Role"].(string)
	if role == "" {
		return nil, false
	}
	created, ok := f.created[role]
	if !ok {
		created, ok = f.created[nameFromARN(role)]
	}
	if !ok || now.Sub(created) >= time.Duration(rule.Delay) {
		return nil, false
	}
	return &awsError{Code: "InvalidParameterValueException", Message: roleNotAssumable, Status: 400}, true
}
