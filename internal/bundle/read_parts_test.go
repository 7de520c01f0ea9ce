package bundle

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	logtypes "github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs/types"
)

// partRead is a row of TestEveryPartsRead: how to change a part and remove it in the fake, and
// what Read (refresh) and Find (import) must then report of it.
type partRead struct {
	// configure, when set, asks for the part in the bundle's Spec (a part not every bundle has).
	configure func(spec *Spec)
	// change alters the part outside Terraform; changed checks what the read reports of it
	// (observed is Read's Spec, or Find's for import).
	change  func(f *fakeAWS, d *Deps, st *State)
	changed func(observed *Spec, st *State) error
	// gone deletes the part; the read must forget it (id empty).
	gone func(f *fakeAWS, st *State)
	// importOnly parts are read by import and not by refresh.
	importOnly bool
}

var partReads = map[string]partRead{
	PartSecret: {
		change: func(f *fakeAWS, _ *Deps, st *State) { f.rotation[st.SecretARN] = false },
		changed: func(observed *Spec, st *State) error {
			if st.RotationEnabled || observed.Rotation.Enabled {
				return fmt.Errorf("rotation turned off outside still reads as on")
			}
			return nil
		},
		gone: func(f *fakeAWS, st *State) { delete(f.secrets, st.SecretARN) },
	},
	PartRole: {
		change: func(f *fakeAWS, d *Deps, _ *State) { d.AWS.IAM = otherRoleARN{fakeIAM{f: f}} },
		changed: func(_ *Spec, st *State) error {
			if st.RoleARN != movedRoleARN {
				return fmt.Errorf("role ARN %q, want the one IAM reports", st.RoleARN)
			}
			return nil
		},
		gone: func(f *fakeAWS, st *State) { delete(f.roles, st.RoleName) },
	},
	PartLogGroup: {
		importOnly: true,
		change:     func(f *fakeAWS, d *Deps, _ *State) { d.AWS.Logs = retainedLogs{fakeLogs{f: f}} },
		changed: func(observed *Spec, _ *State) error {
			if observed.Rotation.Lambda.LogRetentionDays != 7 {
				return fmt.Errorf("retention %d, want the 7 days CloudWatch Logs reports", observed.Rotation.Lambda.LogRetentionDays)
			}
			return nil
		},
		gone: func(f *fakeAWS, st *State) { delete(f.logGroups, st.LogGroupName) },
	},
	PartFunction: {
		change: func(f *fakeAWS, d *Deps, _ *State) { d.AWS.Lambda = driftedLambda{fakeLambda{f: f}} },
		changed: func(_ *Spec, st *State) error {
			if !slices.Contains(st.Drifted, PartFunction) {
				return fmt.Errorf("drifted %v: the changed environment went unseen", st.Drifted)
			}
			return nil
		},
		gone: func(f *fakeAWS, st *State) {
			delete(f.functions, st.FunctionName)
			delete(f.permissions, st.FunctionName)
		},
	},
	PartPermission: {
		change: func(f *fakeAWS, d *Deps, _ *State) { d.AWS.Lambda = otherStatement{fakeLambda{f: f}} },
		changed: func(_ *Spec, st *State) error {
			if st.PermissionID != "" {
				return fmt.Errorf("a policy without the bundle's statement still reads as the grant %q", st.PermissionID)
			}
			return nil
		},
		gone: func(f *fakeAWS, st *State) { delete(f.permissions, st.FunctionName) },
	},
	PartRule: {
		change: func(f *fakeAWS, _ *Deps, st *State) { delete(f.targets, st.RuleName) },
		changed: func(_ *Spec, st *State) error {
			if st.RuleARN != "" || st.RuleName == "" {
				return fmt.Errorf("a rule without its target reads as %q/%q, want the rule without its ARN (put again)", st.RuleName, st.RuleARN)
			}
			return nil
		},
		gone: func(f *fakeAWS, st *State) { delete(f.rules, st.RuleName); delete(f.targets, st.RuleName) },
	},
	PartTopic: {
		change: func(f *fakeAWS, _ *Deps, st *State) { f.subscriptions[st.TopicARN] = nil },
		changed: func(observed *Spec, st *State) error {
			if len(st.Subscriptions) != 0 || len(observed.Alert.EmailAddresses) != 0 {
				return fmt.Errorf("an unsubscribed address still reads as subscribed: %v %v", st.Subscriptions, observed.Alert.EmailAddresses)
			}
			return nil
		},
		gone: func(f *fakeAWS, st *State) { delete(f.topics, st.TopicARN) },
	},
	PartResourcePolicy: {
		configure: func(spec *Spec) { spec.Readers = []string{appReader} },
		change: func(f *fakeAWS, _ *Deps, st *State) {
			f.resourcePolicies[st.SecretARN] = ReadersPolicy([]string{"arn:aws:iam::123456789012:role/intruder"}, st.RoleARN).String()
		},
		changed: func(_ *Spec, st *State) error {
			if !strings.Contains(st.ResourcePolicy, "intruder") {
				return fmt.Errorf("the policy reads as %s, want the one Secrets Manager holds", st.ResourcePolicy)
			}
			return nil
		},
		gone: func(f *fakeAWS, st *State) { delete(f.resourcePolicies, st.SecretARN) },
	},
}

const movedRoleARN = "arn:aws:iam::123456789012:role/elsewhere/secretsbundle-rotator-prod-orders-db-6c2bac5f"

// otherRoleARN reports the role at another path.
type otherRoleARN struct{ fakeIAM }

func (s otherRoleARN) GetRole(ctx context.Context, in *iam.GetRoleInput, opts ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	out, err := s.fakeIAM.GetRole(ctx, in, opts...)
	if err == nil {
		out.Role = &iamtypes.Role{RoleName: in.RoleName, Arn: aws.String(movedRoleARN)}
	}
	return out, err
}

// retainedLogs reports a retention of 7 days.
type retainedLogs struct{ fakeLogs }

func (s retainedLogs) DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, opts ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	out, err := s.fakeLogs.DescribeLogGroups(ctx, in, opts...)
	if err == nil {
		for i := range out.LogGroups {
			out.LogGroups[i] = logtypes.LogGroup{LogGroupName: out.LogGroups[i].LogGroupName, RetentionInDays: aws.Int32(7)}
		}
	}
	return out, err
}

// otherStatement answers the function's policy with someone else's statement only.
type otherStatement struct{ fakeLambda }

func (s otherStatement) GetPolicy(ctx context.Context, in *lambda.GetPolicyInput, opts ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error) {
	out, err := s.fakeLambda.GetPolicy(ctx, in, opts...)
	if err == nil {
		out.Policy = aws.String(`{"Statement":[{"Sid":"someone-else"}]}`)
	}
	return out, err
}

// TestEveryPartsRead runs each part's read in refresh (Read) and import (Find) against the fake
// with the part present, changed outside Terraform, and gone: both paths run the same read, and
// every part that has one is a row here.
func TestEveryPartsRead(t *testing.T) {
	for _, p := range catalogue {
		if _, ok := partReads[p.name]; p.read != nil && !ok {
			t.Errorf("part %s has a read but no row in partReads", p.name)
		}
	}
	for name, row := range partReads {
		p := partNamed(name)
		for _, state := range []string{"present", "changed", "gone"} {
			for _, path := range []string{"refresh", "import"} {
				t.Run(name+"/"+state+"/"+path, func(t *testing.T) {
					f := newFakeAWS()
					spec := testSpec()
					if row.configure != nil {
						row.configure(spec)
					}
					st, err := Create(context.Background(), f.deps(), spec)
					if err != nil {
						t.Fatal(err)
					}
					d := f.deps()
					switch state {
					case "changed":
						row.change(f, &d, st)
					case "gone":
						row.gone(f, st)
					}
					var observed *Spec
					var obs *State
					if path == "refresh" {
						observed, obs, err = Read(context.Background(), d, spec, st)
					} else {
						observed, obs, err = Find(context.Background(), d, spec.Name)
					}
					if name == PartSecret && state == "gone" {
						if path == "refresh" && (err != nil || obs == nil || !obs.SecretDeleted) {
							t.Fatalf("Read = %+v, %v; want the survivors kept with SecretDeleted", obs, err)
						}
						if path == "import" && err == nil {
							t.Fatal("Find of a deleted secret succeeded")
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					if path == "refresh" && row.importOnly {
						if state != "present" && p.id(obs) != p.id(st) {
							t.Errorf("refresh read the %s, which only import reads", name)
						}
						return
					}
					switch state {
					case "present":
						if p.id(obs) != p.id(st) {
							t.Errorf("the %s reads as %q, want %q", name, p.id(obs), p.id(st))
						}
					case "changed":
						if err := row.changed(observed, obs); err != nil {
							t.Error(err)
						}
					case "gone":
						if id := p.id(obs); id != "" {
							t.Errorf("the deleted %s still reads as %q", name, id)
						}
						if slices.ContainsFunc(obs.Parts(), func(label string) bool { return p.label != nil && label == p.label(st) }) {
							t.Errorf("State.Parts still lists the deleted %s", name)
						}
					}
				})
			}
		}
	}
}

// A call a part's read cannot make is an error naming the part, in refresh and import alike,
// never taken for "gone".
func TestEveryPartsReadReportsACallItCannotMake(t *testing.T) {
	denied := apiError("AccessDeniedException", "User: arn:aws:iam::123456789012:user/ops is not authorized")
	for op, want := range map[string]string{
		"DescribeSecret":           "reading secret",
		"GetRole":                  "reading IAM role",
		"GetFunction":              "reading Lambda function",
		"GetPolicy":                "reading the resource policy of Lambda function",
		"DescribeRule":             "reading EventBridge rule",
		"ListTargetsByRule":        "reading the targets of EventBridge rule",
		"ListSubscriptionsByTopic": "reading SNS topic",
		"GetResourcePolicy":        "reading the resource policy of secret",
	} {
		for _, path := range []string{"refresh", "import"} {
			t.Run(op+"/"+path, func(t *testing.T) {
				f := newFakeAWS()
				spec := withReaders()
				st, err := Create(context.Background(), f.deps(), spec)
				if err != nil {
					t.Fatal(err)
				}
				f.fail(op, denied, denied)
				if path == "refresh" {
					_, _, err = Read(context.Background(), f.deps(), spec, st)
				} else {
					_, _, err = Find(context.Background(), f.deps(), spec.Name)
				}
				if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "not authorized") {
					t.Fatalf("%s with %s denied = %v, want an error %q with AWS's message", path, op, err, want)
				}
			})
		}
	}
}
