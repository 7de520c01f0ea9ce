package cloudtrail_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/awsrpc/awsrpctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail/types"
)

type request = awsrpctest.Request

var server = awsrpctest.JSONServer

func client(endpoint string) *cloudtrail.Client { return cloudtrail.New(awsrpctest.Options(endpoint)) }

func assertRequest(t *testing.T, got request, target, body string) {
	t.Helper()
	if got.Target != target {
		t.Errorf("X-Amz-Target %q, want %q", got.Target, target)
	}
	if !awsrpctest.JSONEqual(got.Body, body) {
		t.Errorf("%s body %s, want %s", target, got.Body, body)
	}
}

func TestLookupEvents(t *testing.T) {
	srv, seen := server(t, 200, `{"Events":[{"EventId":"e1","EventName":"GetSecretValue","EventSource":"secretsmanager.amazonaws.com","EventTime":1700000000.5,"ReadOnly":"true","Username":"alice","AccessKeyId":"AKIA1","CloudTrailEvent":"{}","Resources":[{"ResourceName":"arn:x","ResourceType":"AWS::SecretsManager::Secret"}]},{"EventId":"e2"}],"NextToken":"next"}`)
	start, end := time.Unix(1699990000, 0), time.Unix(1700000000, 0)
	out, err := client(srv.URL).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
		LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyResourceName, AttributeValue: aws.String("arn:x")}},
		StartTime:        &start, EndTime: &end, MaxResults: aws.Int32(50), NextToken: aws.String("tok"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client(srv.URL).LookupEvents(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got := seen()
	assertRequest(t, got[0], "CloudTrail_20131101.LookupEvents",
		`{"LookupAttributes":[{"AttributeKey":"ResourceName","AttributeValue":"arn:x"}],"StartTime":1699990000,"EndTime":1700000000,"MaxResults":50,"NextToken":"tok"}`)
	assertRequest(t, got[1], "CloudTrail_20131101.LookupEvents", `{}`)
	if aws.ToString(out.NextToken) != "next" || len(out.Events) != 2 {
		t.Fatalf("output %+v", out)
	}
	e := out.Events[0]
	want := types.Event{AccessKeyId: aws.String("AKIA1"), CloudTrailEvent: aws.String("{}"), EventId: aws.String("e1"), EventName: aws.String("GetSecretValue"),
		EventSource: aws.String("secretsmanager.amazonaws.com"), EventTime: aws.Time(time.Unix(1700000000, 500_000_000)), ReadOnly: aws.String("true"),
		Resources: []types.Resource{{ResourceName: aws.String("arn:x"), ResourceType: aws.String("AWS::SecretsManager::Secret")}}, Username: aws.String("alice")}
	if e.EventTime == nil || !e.EventTime.Equal(*want.EventTime) {
		t.Errorf("EventTime %v, want %v", e.EventTime, want.EventTime)
	}
	e.EventTime, want.EventTime = nil, nil
	if !reflect.DeepEqual(e, want) {
		t.Errorf("event\n %+v\nwant\n %+v", e, want)
	}
	if aws.ToString(out.Events[1].EventId) != "e2" || out.Events[1].EventTime != nil {
		t.Errorf("second event %+v", out.Events[1])
	}
}

func TestDescribeTrails(t *testing.T) {
	srv, seen := server(t, 200, `{"trailList":[{"Name":"org","TrailARN":"arn:t","HomeRegion":"eu-west-1","IsMultiRegionTrail":true}]}`)
	out, err := client(srv.URL).DescribeTrails(context.Background(), &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true), TrailNameList: []string{"org"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TrailList) != 1 || aws.ToString(out.TrailList[0].TrailARN) != "arn:t" || !aws.ToBool(out.TrailList[0].IsMultiRegionTrail) {
		t.Errorf("output %+v", out)
	}
	if _, err := client(srv.URL).DescribeTrails(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got := seen()
	assertRequest(t, got[0], "CloudTrail_20131101.DescribeTrails", `{"includeShadowTrails":true,"trailNameList":["org"]}`)
	assertRequest(t, got[1], "CloudTrail_20131101.DescribeTrails", `{}`)
}

func TestGetTrailStatus(t *testing.T) {
	srv, seen := server(t, 200, `{"IsLogging":true}`)
	out, err := client(srv.URL).GetTrailStatus(context.Background(), &cloudtrail.GetTrailStatusInput{Name: aws.String("arn:t")})
	if err != nil || !aws.ToBool(out.IsLogging) {
		t.Fatalf("GetTrailStatus: %+v, %v", out, err)
	}
	if _, err := client(srv.URL).GetTrailStatus(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got := seen()
	assertRequest(t, got[0], "CloudTrail_20131101.GetTrailStatus", `{"Name":"arn:t"}`)
	assertRequest(t, got[1], "CloudTrail_20131101.GetTrailStatus", `{"Name":null}`)
}

func TestGetEventSelectors(t *testing.T) {
	srv, seen := server(t, 200, `{"TrailARN":"arn:t","EventSelectors":[{"IncludeManagementEvents":true,"ReadWriteType":"All"}],"AdvancedEventSelectors":[{"Name":"m","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]}`)
	out, err := client(srv.URL).GetEventSelectors(context.Background(), &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("arn:t")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.TrailARN) != "arn:t" || len(out.EventSelectors) != 1 || out.EventSelectors[0].ReadWriteType != types.ReadWriteTypeAll ||
		len(out.AdvancedEventSelectors) != 1 || aws.ToString(out.AdvancedEventSelectors[0].FieldSelectors[0].Field) != "eventCategory" {
		t.Errorf("output %+v", out)
	}
	if _, err := client(srv.URL).GetEventSelectors(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got := seen()
	assertRequest(t, got[0], "CloudTrail_20131101.GetEventSelectors", `{"TrailName":"arn:t"}`)
	assertRequest(t, got[1], "CloudTrail_20131101.GetEventSelectors", `{"TrailName":null}`)
}

// An error answer is an error and no output, for every operation; per-call options apply to the call.
func TestErrorsAndPerCallOptions(t *testing.T) {
	failing, _ := server(t, 400, `{"__type":"TrailNotFoundException","message":"Unknown trail"}`)
	c := client(failing.URL)
	ctx := context.Background()
	check := func(op string, out any, err error) {
		t.Helper()
		if err == nil || !reflect.ValueOf(out).IsNil() {
			t.Errorf("%s on a 400: %+v, %v; want no output and an error", op, out, err)
		}
	}
	o1, err := c.LookupEvents(ctx, nil)
	check("LookupEvents", o1, err)
	o2, err := c.DescribeTrails(ctx, nil)
	check("DescribeTrails", o2, err)
	o3, err := c.GetTrailStatus(ctx, nil)
	check("GetTrailStatus", o3, err)
	o4, err := c.GetEventSelectors(ctx, nil)
	check("GetEventSelectors", o4, err)

	ok, seen := server(t, 200, `{}`)
	to := func(o *cloudtrail.Options) { o.BaseEndpoint = aws.String(ok.URL) }
	if _, err := c.LookupEvents(ctx, nil, to); err != nil {
		t.Errorf("LookupEvents with a per-call endpoint: %v", err)
	}
	if _, err := c.DescribeTrails(ctx, nil, to); err != nil {
		t.Errorf("DescribeTrails with a per-call endpoint: %v", err)
	}
	if n := len(seen()); n != 2 {
		t.Errorf("the per-call endpoint saw %d calls, want 2", n)
	}
}
