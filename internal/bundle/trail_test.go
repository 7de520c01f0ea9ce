package bundle

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail"
	cttypes "github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail/types"
)

type fakeTrail struct {
	trail     cttypes.Trail
	logging   bool
	statusErr error
	selectors *cloudtrail.GetEventSelectorsOutput
}

type fakeCloudTrail struct {
	awsclient.CloudTrailAPI
	trails      []fakeTrail
	describeErr error
	asked       []string
}

func (f *fakeCloudTrail) find(id string) *fakeTrail {
	for i := range f.trails {
		if aws.ToString(f.trails[i].trail.TrailARN) == id {
			return &f.trails[i]
		}
	}
	return nil
}

func (f *fakeCloudTrail) DescribeTrails(_ context.Context, in *cloudtrail.DescribeTrailsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error) {
	f.asked = append(f.asked, "DescribeTrails")
	if !aws.ToBool(in.IncludeShadowTrails) {
		return nil, apiError("Test", "shadow trails (multi-region trails of other home regions) must be included")
	}
	out := &cloudtrail.DescribeTrailsOutput{}
	for _, t := range f.trails {
		out.TrailList = append(out.TrailList, t.trail)
	}
	return out, f.describeErr
}

func (f *fakeCloudTrail) GetTrailStatus(_ context.Context, in *cloudtrail.GetTrailStatusInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error) {
	f.asked = append(f.asked, "GetTrailStatus "+aws.ToString(in.Name))
	t := f.find(aws.ToString(in.Name))
	if t == nil {
		return nil, apiError("TrailNotFoundException", "unknown trail "+aws.ToString(in.Name))
	}
	return &cloudtrail.GetTrailStatusOutput{IsLogging: aws.Bool(t.logging)}, t.statusErr
}

func (f *fakeCloudTrail) GetEventSelectors(_ context.Context, in *cloudtrail.GetEventSelectorsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.GetEventSelectorsOutput, error) {
	f.asked = append(f.asked, "GetEventSelectors "+aws.ToString(in.TrailName))
	t := f.find(aws.ToString(in.TrailName))
	if t == nil {
		return nil, apiError("TrailNotFoundException", "unknown trail")
	}
	if t.selectors != nil {
		return t.selectors, nil
	}
	return &cloudtrail.GetEventSelectorsOutput{EventSelectors: []cttypes.EventSelector{{IncludeManagementEvents: aws.Bool(true), ReadWriteType: cttypes.ReadWriteTypeAll}}}, nil
}

func trail(name string) cttypes.Trail {
	return cttypes.Trail{Name: aws.String(name), TrailARN: aws.String("arn:aws:cloudtrail:eu-west-1:123456789012:trail/" + name), HomeRegion: aws.String("eu-west-1")}
}

func TestTrailWarning(t *testing.T) {
	readOnly := &cloudtrail.GetEventSelectorsOutput{EventSelectors: []cttypes.EventSelector{{IncludeManagementEvents: aws.Bool(true), ReadWriteType: cttypes.ReadWriteTypeReadOnly}}}
	noManagement := &cloudtrail.GetEventSelectorsOutput{EventSelectors: []cttypes.EventSelector{{IncludeManagementEvents: aws.Bool(false), ReadWriteType: cttypes.ReadWriteTypeAll}}}
	advanced := func(fields ...cttypes.AdvancedFieldSelector) *cloudtrail.GetEventSelectorsOutput {
		return &cloudtrail.GetEventSelectorsOutput{AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{FieldSelectors: fields}}}
	}
	field := func(name string, values ...string) cttypes.AdvancedFieldSelector {
		return cttypes.AdvancedFieldSelector{Field: aws.String(name), Equals: values}
	}
	org := trail("org")
	org.IsOrganizationTrail = aws.Bool(true)
	for _, tc := range []struct {
		name  string
		ct    *fakeCloudTrail
		wants []string // "" means no warning
	}{
		{"no trail", &fakeCloudTrail{}, []string{"no trail exists", "create-trail", "deletion_alert.check_trail = false", "us-east-1"}},
		{"a logging trail", &fakeCloudTrail{trails: []fakeTrail{{trail: trail("main"), logging: true}}}, nil},
		{"a stopped trail", &fakeCloudTrail{trails: []fakeTrail{{trail: trail("main")}}}, []string{"main (not logging)", "start-logging"}},
		{"stopped and logging", &fakeCloudTrail{trails: []fakeTrail{{trail: trail("a")}, {trail: trail("b"), logging: true}}}, nil},
		{"read-only management events", &fakeCloudTrail{trails: []fakeTrail{{trail: trail("ro"), logging: true, selectors: readOnly}}}, []string{"ro (its event selectors leave out write management events)"}},
		{"no management events", &fakeCloudTrail{trails: []fakeTrail{{trail: trail("data"), logging: true, selectors: noManagement}}}, []string{"data (its event selectors"}},
		{"advanced: management", &fakeCloudTrail{trails: []fakeTrail{{trail: trail("adv"), logging: true, selectors: advanced(field("eventCategory", "Management"))}}}, nil},
		{"advanced: read-only management", &fakeCloudTrail{trails: []fakeTrail{{trail: trail("adv"), logging: true, selectors: advanced(field("eventCategory", "Management"), field("readOnly", "true"))}}}, []string{"adv (its event selectors"}},
		{"advanced: data only", &fakeCloudTrail{trails: []fakeTrail{{trail: trail("adv"), logging: true, selectors: advanced(field("eventCategory", "Data"))}}}, []string{"adv (its event selectors"}},
		{"organization trail unreadable from a member", &fakeCloudTrail{trails: []fakeTrail{{trail: org, statusErr: apiError("TrailNotFoundException", "x")}}}, nil},
		{"own trail unreadable", &fakeCloudTrail{trails: []fakeTrail{{trail: trail("mine"), statusErr: apiError("AccessDeniedException", "denied")}}}, []string{"mine (status unreadable", "denied"}},
		{"DescribeTrails denied", &fakeCloudTrail{describeErr: apiError("AccessDeniedException", "not allowed")}, []string{"Could not check", "not allowed", "cloudtrail:DescribeTrails", "check_trail = false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAWS()
			d := f.deps()
			d.AWS.CloudTrail = tc.ct
			got := TrailWarning(context.Background(), d)
			if tc.wants == nil {
				if got != "" {
					t.Errorf("warning %q, want none", got)
				}
				return
			}
			for _, want := range tc.wants {
				if !strings.Contains(got, want) {
					t.Errorf("warning %q lacks %q", got, want)
				}
			}
		})
	}
}

func TestTrailWarningAsksByARN(t *testing.T) {
	ct := &fakeCloudTrail{trails: []fakeTrail{{trail: trail("main"), logging: true}}}
	f := newFakeAWS()
	d := f.deps()
	d.AWS.CloudTrail = ct
	if w := TrailWarning(context.Background(), d); w != "" {
		t.Fatal(w)
	}
	// A multi-region trail from another home region answers only by ARN.
	want := []string{"DescribeTrails", "GetTrailStatus arn:aws:cloudtrail:eu-west-1:123456789012:trail/main", "GetEventSelectors arn:aws:cloudtrail:eu-west-1:123456789012:trail/main"}
	if strings.Join(ct.asked, "|") != strings.Join(want, "|") {
		t.Errorf("asked %v, want %v", ct.asked, want)
	}
}
