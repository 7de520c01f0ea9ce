package awsproxy

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

const shapeARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-AbCdEf"

// cloudTrailRecord runs one Secrets Manager call through a proxy in front of a fake upstream that
// answers it with response (or status and an error body), and returns the call's CloudTrail record.
func cloudTrailRecord(t *testing.T, arnKey, op string, status int, response string, call func(*secretsmanager.Client) error) map[string]any {
	t.Helper()
	upstream := newFakeUpstream(t)
	upstream.answer("secretsmanager."+op, status, "application/x-amz-json-1.1", response)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true, ARNKey: arnKey})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	_ = call(secretsmanager.NewFromConfig(cfg))
	calls := p.Calls()
	if len(calls) != 1 {
		t.Fatalf("recorded %d calls, want 1", len(calls))
	}
	var record map[string]any
	if err := json.Unmarshal([]byte(eventDetail(calls[0])), &record); err != nil {
		t.Fatal(err)
	}
	return record
}

func TestCloudTrailSpellsTheSecretARNAsAWSDoes(t *testing.T) {
	deleteSecret := func(c *secretsmanager.Client) error {
		_, err := c.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("app/db"), RecoveryWindowInDays: aws.Int64(7)})
		return err
	}
	updateSecret := func(c *secretsmanager.Client) error {
		_, err := c.UpdateSecret(context.Background(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("app/db"), Description: aws.String("d")})
		return err
	}
	for _, tc := range []struct {
		arnKey, op string
		call       func(*secretsmanager.Client) error
		response   string
		wantKey    string
	}{
		{"", "DeleteSecret", deleteSecret, `{"ARN":"` + shapeARN + `","Name":"app/db","DeletionDate":1.7e9}`, "arn"},
		{ARNKeyLegacy, "DeleteSecret", deleteSecret, `{"ARN":"` + shapeARN + `","Name":"app/db","DeletionDate":1.7e9}`, "aRN"},
		// UpdateSecret always wrote arn.
		{ARNKeyLegacy, "UpdateSecret", updateSecret, `{"ARN":"` + shapeARN + `","Name":"app/db","VersionId":"v2"}`, "arn"},
		{ARNKeyCurrent, "UpdateSecret", updateSecret, `{"ARN":"` + shapeARN + `","Name":"app/db","VersionId":"v2"}`, "arn"},
	} {
		t.Run(tc.op+"/"+tc.arnKey, func(t *testing.T) {
			record := cloudTrailRecord(t, tc.arnKey, tc.op, 200, tc.response, tc.call)
			response, _ := record["responseElements"].(map[string]any)
			if response[tc.wantKey] != shapeARN {
				t.Errorf("responseElements = %v, want the ARN under %q", response, tc.wantKey)
			}
			other := map[string]string{"arn": "aRN", "aRN": "arn"}[tc.wantKey]
			if _, ok := response[other]; ok {
				t.Errorf("responseElements = %v also has %q", response, other)
			}
			if response["name"] != "app/db" {
				t.Errorf("responseElements.name = %v", response["name"])
			}
			params, _ := record["requestParameters"].(map[string]any)
			if params["secretId"] != "app/db" {
				t.Errorf("requestParameters = %v, want secretId as given", params)
			}
			if _, ok := record["errorCode"]; ok {
				t.Errorf("a successful call has errorCode %v", record["errorCode"])
			}
		})
	}
}

func TestCloudTrailRecordsAFailedCallWithErrorCodeAndNoResponse(t *testing.T) {
	record := cloudTrailRecord(t, "", "DeleteSecret", 400,
		`{"__type":"AccessDeniedException","message":"User is not authorized to perform: secretsmanager:DeleteSecret"}`,
		func(c *secretsmanager.Client) error {
			_, err := c.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(shapeARN), ForceDeleteWithoutRecovery: aws.Bool(true)})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" {
				t.Errorf("DeleteSecret: %v, want AccessDeniedException", err)
			}
			return err
		})
	if message, _ := record["errorMessage"].(string); record["errorCode"] != "AccessDeniedException" || !strings.Contains(message, "not authorized") {
		t.Errorf("errorCode/errorMessage = %v/%v", record["errorCode"], record["errorMessage"])
	}
	if response, ok := record["responseElements"]; !ok || response != nil {
		t.Errorf("responseElements = %v (present %v), want null as CloudTrail writes for a failed call", response, ok)
	}
	params, _ := record["requestParameters"].(map[string]any)
	if params["secretId"] != shapeARN || params["forceDeleteWithoutRecovery"] != true {
		t.Errorf("requestParameters = %v", params)
	}
}

func TestARNKeyIsValidatedAndSwitchable(t *testing.T) {
	upstream := newFakeUpstream(t)
	if _, err := New(Options{Upstream: upstream.server.URL, ARNKey: "ARN"}); err == nil {
		t.Error("New accepted ARN key \"ARN\"")
	}
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	resp, err := http.Post(p.URL()+"/_proxy/cloudtrail?arnKey=aRN", "", nil)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /_proxy/cloudtrail: %v %v", resp, err)
	}
	call := Call{Service: "secretsmanager", Operation: "RotateSecret", Response: map[string]any{"ARN": shapeARN}}
	p.finish(&call)
	if got := toCloudTrailEvent(p.Calls()[0]).ResponseElements; got["aRN"] != shapeARN {
		t.Errorf("after switching to aRN, RotateSecret's responseElements = %v", got)
	}
	if resp, _ := http.Post(p.URL()+"/_proxy/cloudtrail?arnKey=Arn", "", nil); resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST /_proxy/cloudtrail?arnKey=Arn: %v, want 400", resp)
	}
}

func TestTrailsEmulation(t *testing.T) {
	p, _ := lookupProxy(t)
	client := lookupClient(p)
	ctx := context.Background()
	out, err := client.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil || len(out.TrailList) != 0 {
		t.Fatalf("DescribeTrails with none = %v, %v; want an empty list", out, err)
	}
	if _, err := client.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("nope")}); err == nil || !strings.Contains(err.Error(), "TrailNotFoundException") {
		t.Errorf("GetTrailStatus of an unknown trail: %v", err)
	}
	for _, tr := range []Trail{
		{Name: "org", HomeRegion: "eu-west-1", MultiRegion: true, Logging: true},
		{Name: "local", Logging: false, ExcludeManagementEvents: true},
		{Name: "elsewhere", HomeRegion: "eu-west-1"},
	} {
		if err := p.PutTrail(tr); err != nil {
			t.Fatal(err)
		}
	}
	out, err = client.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range out.TrailList {
		got = append(got, aws.ToString(tr.Name)+"@"+aws.ToString(tr.HomeRegion))
	}
	if strings.Join(got, ",") != "local@us-east-1,org@eu-west-1" {
		t.Errorf("DescribeTrails in us-east-1 = %v, want the local trail and the multi-region one", got)
	}
	status, err := client.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: out.TrailList[1].TrailARN})
	if err != nil || !aws.ToBool(status.IsLogging) {
		t.Errorf("GetTrailStatus(org by ARN) = %v, %v; want logging", status, err)
	}
	status, err = client.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("local")})
	if err != nil || aws.ToBool(status.IsLogging) {
		t.Errorf("GetTrailStatus(local) = %v, %v; want not logging", status, err)
	}
	selectors, err := client.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("local")})
	if err != nil || len(selectors.EventSelectors) != 1 || aws.ToBool(selectors.EventSelectors[0].IncludeManagementEvents) {
		t.Errorf("GetEventSelectors(local) = %+v, %v; want management events excluded", selectors, err)
	}
	p.DeleteTrails()
	if out, _ := client.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}); len(out.TrailList) != 0 {
		t.Errorf("after DeleteTrails: %v", out.TrailList)
	}
}

// The trail operations are authorized with the harness's IAM enforcement (the upstream's
// /_secretsbundle/iam/authorize) before they are answered: DescribeTrails on "*", GetTrailStatus
// and GetEventSelectors on the trail's ARN, also when the caller names the trail.
func TestTrailOperationsAreAuthorized(t *testing.T) {
	upstream := newFakeUpstream(t)
	var mu sync.Mutex
	var asked []map[string]string
	upstream.handle("POST /_secretsbundle/iam/authorize", func(w http.ResponseWriter, _ *http.Request, body []byte) {
		var request map[string]string
		_ = json.Unmarshal(body, &request)
		mu.Lock()
		asked = append(asked, request)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"allowed": false, "code": "AccessDeniedException", "status": 400, "message": "User: arn:aws:iam::000000000000:user/op is not authorized to perform: ` + request["action"] + `"}`))
	})
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	if err := p.PutTrail(Trail{Name: "local", Logging: true}); err != nil {
		t.Fatal(err)
	}
	client := lookupClient(p)
	ctx := context.Background()
	_, describeErr := client.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	_, statusErr := client.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("local")})
	_, selectorsErr := client.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("local")})
	for op, err := range map[string]error{"DescribeTrails": describeErr, "GetTrailStatus": statusErr, "GetEventSelectors": selectorsErr} {
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" || !strings.Contains(apiErr.ErrorMessage(), "cloudtrail:"+op) {
			t.Errorf("%s: %v, want AccessDeniedException for cloudtrail:%s", op, err, op)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var got []string
	for _, a := range asked {
		got = append(got, a["action"]+" "+a["resource"])
	}
	want := []string{"cloudtrail:DescribeTrails *", "cloudtrail:GetTrailStatus " + Trail{Name: "local", HomeRegion: "us-east-1"}.arn("000000000000"), "cloudtrail:GetEventSelectors " + Trail{Name: "local", HomeRegion: "us-east-1"}.arn("000000000000")}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("authorized %v, want %v", got, want)
	}
}
