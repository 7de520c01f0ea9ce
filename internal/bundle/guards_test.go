package bundle

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// guardRow loosens one guard in the fake; Read must report its part changed outside Terraform,
// Plan repair it, and Update put it back so that the next Read reports nothing.
type guardRow struct {
	part   string
	loosen func(f *fakeAWS, st *State)
}

var guardRows = map[string]guardRow{
	"trust policy": {PartRole, func(f *fakeAWS, st *State) {
		f.trustPolicies[st.RoleName] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	}},
	"extra inline policy": {PartRole, func(f *fakeAWS, st *State) { f.extraPolicies[st.RoleName] = []string{"extra"} }},
	"managed policy attached": {PartRole, func(f *fakeAWS, st *State) {
		f.attachedPolicies[st.RoleName] = []string{"arn:aws:iam::aws:policy/AdministratorAccess"}
	}},
	"inline policy content": {PartRolePolicy, func(f *fakeAWS, st *State) {
		f.rolePolicies[st.RoleName] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	}},
	"rule disabled": {PartRule, func(f *fakeAWS, st *State) { f.ruleStates[st.RuleName] = "DISABLED" }},
	"rule pattern": {PartRule, func(f *fakeAWS, st *State) {
		f.rulePatterns[st.RuleName] = EventPattern("other", "arn:other", []string{"DeleteSecret"})
	}},
	"grant replaced": {PartPermission, func(f *fakeAWS, st *State) {
		f.grantSources[st.FunctionName] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf"
	}},
	"topic policy": {PartTopic, func(f *fakeAWS, st *State) {
		f.topicPolicies[st.TopicARN] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sns:Publish","Resource":"*"}]}`
	}},
}

func TestEveryGuardIsDriftOfItsPartAndUpdatePutsItBack(t *testing.T) {
	for name, row := range guardRows {
		t.Run(name, func(t *testing.T) {
			f := newFakeAWS()
			spec, st := created(t, f)
			row.loosen(f, st)
			_, obs, err := Read(context.Background(), f.deps(), spec, st)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(obs.Drifted, []string{row.part}) {
				t.Fatalf("drifted %v, want [%s]", obs.Drifted, row.part)
			}
			changes := Plan(spec, spec, obs)
			if changes[row.part] != Repair || !slices.Equal(changes.Repaired(), []string{row.part}) {
				t.Fatalf("Plan %v, want a repair of the %s only", changes, row.part)
			}
			unknown := false
			for _, a := range Attributes() {
				unknown = unknown || a.Unknown(changes)
			}
			if !unknown {
				t.Errorf("a repair of the %s makes no attribute unknown: the plan would not show it", row.part)
			}
			after, err := Update(context.Background(), f.deps(), spec, spec, obs)
			if err != nil {
				t.Fatal(err)
			}
			after.Drifted = nil
			_, again, err := Read(context.Background(), f.deps(), spec, after)
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Drifted) > 0 {
				t.Errorf("after the update, %v still read as changed outside Terraform", again.Drifted)
			}
		})
	}
}

// An equivalent policy written differently is no drift.
func TestEquivalentGuardsAreNoDrift(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	f.trustPolicies[st.RoleName] = `{"Statement":[{"Action":["sts:AssumeRole"],"Principal":{"Service":["lambda.amazonaws.com"]},"Effect":"Allow"}],"Version":"2012-10-17"}`
	_, obs, err := Read(context.Background(), f.deps(), spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs.Drifted) > 0 {
		t.Errorf("an equivalent trust policy reads as drift of %v", obs.Drifted)
	}
}

// layeredLambda reports the function with a layer, another runtime and another handler.
type layeredLambda struct{ fakeLambda }

func (s layeredLambda) GetFunction(ctx context.Context, in *lambda.GetFunctionInput, opts ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	out, err := s.fakeLambda.GetFunction(ctx, in, opts...)
	if err == nil {
		c := out.Configuration
		c.Layers = []lambdatypes.Layer{{Arn: aws.String("arn:aws:lambda:us-east-1:123456789012:layer:beside:1")}}
		c.Runtime, c.Handler = lambdatypes.RuntimeProvidedal2, aws.String("other")
	}
	return out, err
}

func TestReadSeesLayersRuntimeAndHandlerAndUpdatePutsThemBack(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	d := f.deps()
	d.AWS.Lambda = layeredLambda{fakeLambda{f: f}}
	_, obs, err := Read(context.Background(), d, spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(obs.Drifted, []string{PartFunction}) {
		t.Fatalf("drifted %v, want the function", obs.Drifted)
	}
	f.calls = nil
	if _, err := Update(context.Background(), f.deps(), spec, spec, obs); err != nil {
		t.Fatal(err)
	}
	var sent *lambda.UpdateFunctionConfigurationInput
	for _, c := range f.calls {
		if in, ok := c.input.(*lambda.UpdateFunctionConfigurationInput); ok {
			sent = in
		}
	}
	if sent == nil || sent.Layers == nil || len(sent.Layers) != 0 || sent.Runtime != rotatorRuntime || aws.ToString(sent.Handler) != rotatorHandler {
		t.Fatalf("the repair sent %+v, want no layers, runtime %s and handler %s", sent, rotatorRuntime, rotatorHandler)
	}
}
