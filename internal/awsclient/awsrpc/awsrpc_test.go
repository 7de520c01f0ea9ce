package awsrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdkcloudtrail "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	sdkcttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	sdklogs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	sdkrds "github.com/aws/aws-sdk-go-v2/service/rds"
	sdkredshift "github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/awsrpc"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail"
	cttypes "github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail/types"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/rds"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/redshift"
)

// recorded is what a test server saw of one request.
type recorded struct {
	header http.Header
	body   string
}

// server answers every request with the next of answers (the last one repeats) and records them.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
}

type answer struct {
	status int
	header map[string]string
	body   string
}

func newServer(t *testing.T, answers ...answer) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.requests)
		s.requests = append(s.requests, recorded{header: r.Header.Clone(), body: string(body)})
		s.mu.Unlock()
		a := answers[min(n, len(answers)-1)]
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) seen() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.requests...)
}

var creds = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")

func cfgFor(endpoint string, retryer func() aws.Retryer) aws.Config {
	return aws.Config{Region: "eu-west-1", Credentials: creds, BaseEndpoint: aws.String(endpoint), Retryer: retryer, AppID: "terraform-provider-secretsbundle/test"}
}

func noRetries() aws.Retryer { return aws.NopRetryer{} }

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("not JSON: %q", a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("not JSON: %q", b)
	}
	return reflect.DeepEqual(x, y)
}

// The CloudTrail client sends what the SDK sends (target, content type, body, a SigV4 signature
// for cloudtrail in the region, the app id) and reads the same events from the answer.
func TestCloudTrailLookupEventsIsTheSDKs(t *testing.T) {
	const page = `{"Events":[{"EventId":"e1","EventName":"GetSecretValue","EventSource":"secretsmanager.amazonaws.com","EventTime":1.7000000005E9,"ReadOnly":"true","Username":"alice","AccessKeyId":"AKIA1","CloudTrailEvent":"{\"eventVersion\":\"1.08\"}","Resources":[{"ResourceName":"arn:x","ResourceType":"AWS::SecretsManager::Secret"}]}],"NextToken":"next"}`
	srv := newServer(t, answer{status: 200, header: map[string]string{"Content-Type": "application/x-amz-json-1.1"}, body: page})
	start, end := time.Unix(1699990000, 0).UTC(), time.Unix(1700000000, 250_000_000).UTC()
	ours, err := cloudtrail.NewFromConfig(cfgFor(srv.URL, noRetries)).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: aws.String("arn:x")}},
		StartTime:        &start, EndTime: &end, MaxResults: aws.Int32(50), NextToken: aws.String("tok"),
	})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := sdkcloudtrail.NewFromConfig(cfgFor(srv.URL, noRetries)).LookupEvents(context.Background(), &sdkcloudtrail.LookupEventsInput{
		LookupAttributes: []sdkcttypes.LookupAttribute{{AttributeKey: sdkcttypes.LookupAttributeKeyResourceName, AttributeValue: aws.String("arn:x")}},
		StartTime:        &start, EndTime: &end, MaxResults: aws.Int32(50), NextToken: aws.String("tok"),
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := srv.seen()
	for _, h := range []string{"X-Amz-Target", "Content-Type"} {
		if seen[0].header.Get(h) != seen[1].header.Get(h) {
			t.Errorf("%s: ours %q, the SDK's %q", h, seen[0].header.Get(h), seen[1].header.Get(h))
		}
	}
	if !jsonEqual(t, seen[0].body, seen[1].body) {
		t.Errorf("body: ours %s, the SDK's %s", seen[0].body, seen[1].body)
	}
	if auth := seen[0].header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/eu-west-1/cloudtrail/aws4_request") {
		t.Errorf("Authorization %q is not a SigV4 signature for cloudtrail in eu-west-1", auth)
	}
	if ua := seen[0].header.Get("User-Agent"); !strings.Contains(ua, "aws-sdk-go-v2/") || !strings.Contains(ua, "app/terraform-provider-secretsbundle/test") {
		t.Errorf("User-Agent %q lacks the SDK's name or the app id", ua)
	}
	if aws.ToString(ours.NextToken) != "next" || len(ours.Events) != 1 {
		t.Fatalf("ours: %+v", ours)
	}
	o, s := ours.Events[0], theirs.Events[0]
	if !o.EventTime.Equal(*s.EventTime) || aws.ToString(o.EventId) != aws.ToString(s.EventId) || aws.ToString(o.CloudTrailEvent) != aws.ToString(s.CloudTrailEvent) ||
		aws.ToString(o.ReadOnly) != aws.ToString(s.ReadOnly) || aws.ToString(o.Username) != aws.ToString(s.Username) || aws.ToString(o.AccessKeyId) != aws.ToString(s.AccessKeyId) ||
		aws.ToString(o.Resources[0].ResourceName) != aws.ToString(s.Resources[0].ResourceName) {
		t.Errorf("event: ours %+v, the SDK's %+v", o, s)
	}
}

// An error reads as the SDK's, word for word, and carries the code for errors.As.
func TestCloudTrailErrorIsTheSDKs(t *testing.T) {
	srv := newServer(t, answer{status: 400, header: map[string]string{"X-Amzn-Requestid": "req-1", "Content-Type": "application/x-amz-json-1.1"},
		body: `{"__type":"com.amazonaws.cloudtrail.v20131101#TrailNotFoundException","message":"Unknown trail: x"}`})
	_, ours := cloudtrail.NewFromConfig(cfgFor(srv.URL, noRetries)).GetTrailStatus(context.Background(), &cloudtrail.GetTrailStatusInput{Name: aws.String("x")})
	_, theirs := sdkcloudtrail.NewFromConfig(cfgFor(srv.URL, noRetries)).GetTrailStatus(context.Background(), &sdkcloudtrail.GetTrailStatusInput{Name: aws.String("x")})
	if ours == nil || ours.Error() != theirs.Error() {
		t.Fatalf("error:\n ours     %v\n the SDK's %v", ours, theirs)
	}
	var apiErr smithy.APIError
	if !errors.As(ours, &apiErr) || apiErr.ErrorCode() != "TrailNotFoundException" {
		t.Errorf("errors.As(APIError) on %v: %v", ours, apiErr)
	}
	// A code the API model does not declare for the operation: the SDK's generic wording.
	denied := newServer(t, answer{status: 400, header: map[string]string{"X-Amzn-Errortype": "AccessDeniedException:http://internal.amazon.com/"},
		body: `{"Message":"User: arn:aws:iam::1:user/u is not authorized to perform: cloudtrail:DescribeTrails"}`})
	_, ours = cloudtrail.NewFromConfig(cfgFor(denied.URL, noRetries)).DescribeTrails(context.Background(), nil)
	_, theirs = sdkcloudtrail.NewFromConfig(cfgFor(denied.URL, noRetries)).DescribeTrails(context.Background(), nil)
	if ours == nil || ours.Error() != theirs.Error() {
		t.Fatalf("error:\n ours     %v\n the SDK's %v", ours, theirs)
	}
}

// The config's retryer decides: a 500 is retried, and when attempts run out the error says so as
// the SDK's does.
func TestRetriesAreTheConfigRetryers(t *testing.T) {
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		})
	}
	failing := answer{status: 500, header: map[string]string{"X-Amzn-Requestid": "req-2"}, body: `{"__type":"InternalFailure","message":"boom"}`}
	srv := newServer(t, failing, failing, answer{status: 200, body: `{"IsLogging":true}`})
	out, err := cloudtrail.NewFromConfig(cfgFor(srv.URL, retryer)).GetTrailStatus(context.Background(), &cloudtrail.GetTrailStatusInput{Name: aws.String("t")})
	if err != nil || !aws.ToBool(out.IsLogging) {
		t.Fatalf("after two 500s: %v, %+v", err, out)
	}
	if n := len(srv.seen()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}

	always := newServer(t, failing)
	_, ours := cloudtrail.NewFromConfig(cfgFor(always.URL, retryer)).GetTrailStatus(context.Background(), &cloudtrail.GetTrailStatusInput{Name: aws.String("t")})
	_, theirs := sdkcloudtrail.NewFromConfig(cfgFor(always.URL, retryer)).GetTrailStatus(context.Background(), &sdkcloudtrail.GetTrailStatusInput{Name: aws.String("t")})
	if ours == nil || ours.Error() != theirs.Error() {
		t.Fatalf("error:\n ours     %v\n the SDK's %v", ours, theirs)
	}
	if n := len(always.seen()); n != 6 {
		t.Errorf("%d attempts for both clients, want 3 each", n)
	}
	// A client error is not retried.
	denied := newServer(t, answer{status: 400, body: `{"__type":"AccessDeniedException","message":"no"}`})
	_, _ = cloudtrail.NewFromConfig(cfgFor(denied.URL, retryer)).DescribeTrails(context.Background(), &cloudtrail.DescribeTrailsInput{})
	if n := len(denied.seen()); n != 1 {
		t.Errorf("AccessDenied was tried %d times, want once", n)
	}
}

// DescribeTrails and GetEventSelectors read CloudTrail's member names (trailList is lower case).
func TestCloudTrailTrailShapes(t *testing.T) {
	srv := newServer(t,
		answer{status: 200, body: `{"trailList":[{"Name":"main","TrailARN":"arn:aws:cloudtrail:eu-west-1:1:trail/main","HomeRegion":"eu-west-1","IsOrganizationTrail":true}]}`},
		answer{status: 200, body: `{"EventSelectors":[{"IncludeManagementEvents":true,"ReadWriteType":"ReadOnly"}],"AdvancedEventSelectors":[{"Name":"m","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]}`})
	client := cloudtrail.NewFromConfig(cfgFor(srv.URL, noRetries))
	trails, err := client.DescribeTrails(context.Background(), &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil || len(trails.TrailList) != 1 || aws.ToString(trails.TrailList[0].Name) != "main" || !aws.ToBool(trails.TrailList[0].IsOrganizationTrail) {
		t.Fatalf("DescribeTrails: %v, %+v", err, trails)
	}
	if !jsonEqual(t, srv.seen()[0].body, `{"includeShadowTrails":true}`) {
		t.Errorf("DescribeTrails body %s", srv.seen()[0].body)
	}
	selectors, err := client.GetEventSelectors(context.Background(), &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("main")})
	if err != nil || selectors.EventSelectors[0].ReadWriteType != cttypes.ReadWriteTypeReadOnly || aws.ToString(selectors.AdvancedEventSelectors[0].FieldSelectors[0].Field) != "eventCategory" {
		t.Fatalf("GetEventSelectors: %v, %+v", err, selectors)
	}
}

const instancesXML = `<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances><DBInstance><DBInstanceIdentifier>orders</DBInstanceIdentifier><Engine>postgres</Engine><DBName>orders</DBName><Endpoint><Address>orders.abc.eu-west-1.rds.amazonaws.com</Address><Port>5433</Port></Endpoint></DBInstance></DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`

// The RDS client sends the SDK's form and reads the instance from the XML answer.
func TestRDSDescribeDBInstancesIsTheSDKs(t *testing.T) {
	srv := newServer(t, answer{status: 200, header: map[string]string{"Content-Type": "text/xml"}, body: instancesXML})
	ours, err := rds.NewFromConfig(cfgFor(srv.URL, noRetries)).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdkrds.NewFromConfig(cfgFor(srv.URL, noRetries)).DescribeDBInstances(context.Background(), &sdkrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	seen := srv.seen()
	a, _ := url.ParseQuery(seen[0].body)
	b, _ := url.ParseQuery(seen[1].body)
	if !reflect.DeepEqual(a, b) || seen[0].header.Get("Content-Type") != seen[1].header.Get("Content-Type") {
		t.Errorf("request: ours %s (%s), the SDK's %s (%s)", seen[0].body, seen[0].header.Get("Content-Type"), seen[1].body, seen[1].header.Get("Content-Type"))
	}
	if auth := seen[0].header.Get("Authorization"); !strings.Contains(auth, "/eu-west-1/rds/aws4_request") {
		t.Errorf("Authorization %q is not a SigV4 signature for rds", auth)
	}
	if len(ours.DBInstances) != 1 {
		t.Fatalf("instances: %+v", ours)
	}
	i := ours.DBInstances[0]
	if aws.ToString(i.Engine) != "postgres" || aws.ToString(i.DBName) != "orders" || aws.ToString(i.Endpoint.Address) != "orders.abc.eu-west-1.rds.amazonaws.com" || aws.ToInt32(i.Endpoint.Port) != 5433 {
		t.Errorf("instance: %+v %+v", i, i.Endpoint)
	}

	cluster := newServer(t, answer{status: 200, body: `<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster><Engine>aurora-mysql</Engine><Endpoint>billing.cluster</Endpoint><Port>3306</Port><DatabaseName>billing</DatabaseName></DBCluster></DBClusters></DescribeDBClustersResult></DescribeDBClustersResponse>`})
	clusters, err := rds.NewFromConfig(cfgFor(cluster.URL, noRetries)).DescribeDBClusters(context.Background(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("billing")})
	if err != nil || len(clusters.DBClusters) != 1 || aws.ToString(clusters.DBClusters[0].Endpoint) != "billing.cluster" || aws.ToInt32(clusters.DBClusters[0].Port) != 3306 {
		t.Fatalf("DescribeDBClusters: %v, %+v", err, clusters)
	}
	if q, _ := url.ParseQuery(cluster.seen()[0].body); q.Get("Action") != "DescribeDBClusters" || q.Get("DBClusterIdentifier") != "billing" {
		t.Errorf("DescribeDBClusters form %v", q)
	}
}

func TestRDSErrorIsTheSDKs(t *testing.T) {
	srv := newServer(t, answer{status: 404, header: map[string]string{"Content-Type": "text/xml"},
		body: `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>DBInstanceNotFound</Code><Message>DBInstance orders not found.</Message></Error><RequestId>req-3</RequestId></ErrorResponse>`})
	_, ours := rds.NewFromConfig(cfgFor(srv.URL, noRetries)).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders")})
	_, theirs := sdkrds.NewFromConfig(cfgFor(srv.URL, noRetries)).DescribeDBInstances(context.Background(), &sdkrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders")})
	if ours == nil || ours.Error() != theirs.Error() {
		t.Fatalf("error:\n ours     %v\n the SDK's %v", ours, theirs)
	}
}

const clustersXML = `<DescribeClustersResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><DescribeClustersResult><Clusters><Cluster><ClusterIdentifier>warehouse</ClusterIdentifier><DBName>analytics</DBName><Endpoint><Address>warehouse.abc.eu-west-1.redshift.amazonaws.com</Address><Port>5439</Port></Endpoint></Cluster></Clusters></DescribeClustersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeClustersResponse>`

// The Redshift client sends the SDK's form, signs for redshift, reads the cluster as the SDK
// does, and words an error as the SDK does.
func TestRedshiftDescribeClustersIsTheSDKs(t *testing.T) {
	srv := newServer(t, answer{status: 200, header: map[string]string{"Content-Type": "text/xml"}, body: clustersXML})
	ours, err := redshift.NewFromConfig(cfgFor(srv.URL, noRetries)).DescribeClusters(context.Background(), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("warehouse")})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := sdkredshift.NewFromConfig(cfgFor(srv.URL, noRetries)).DescribeClusters(context.Background(), &sdkredshift.DescribeClustersInput{ClusterIdentifier: aws.String("warehouse")})
	if err != nil {
		t.Fatal(err)
	}
	seen := srv.seen()
	a, _ := url.ParseQuery(seen[0].body)
	b, _ := url.ParseQuery(seen[1].body)
	if !reflect.DeepEqual(a, b) || seen[0].header.Get("Content-Type") != seen[1].header.Get("Content-Type") {
		t.Errorf("request: ours %s (%s), the SDK's %s (%s)", seen[0].body, seen[0].header.Get("Content-Type"), seen[1].body, seen[1].header.Get("Content-Type"))
	}
	if auth := seen[0].header.Get("Authorization"); !strings.Contains(auth, "/eu-west-1/redshift/aws4_request") {
		t.Errorf("Authorization %q is not a SigV4 signature for redshift", auth)
	}
	if len(ours.Clusters) != 1 || len(theirs.Clusters) != 1 {
		t.Fatalf("clusters: ours %+v, the SDK's %+v", ours, theirs)
	}
	o, s := ours.Clusters[0], theirs.Clusters[0]
	if aws.ToString(o.DBName) != aws.ToString(s.DBName) || aws.ToString(o.Endpoint.Address) != aws.ToString(s.Endpoint.Address) ||
		aws.ToInt32(o.Endpoint.Port) != aws.ToInt32(s.Endpoint.Port) || aws.ToString(o.ClusterIdentifier) != aws.ToString(s.ClusterIdentifier) {
		t.Errorf("cluster: ours %+v %+v, the SDK's %+v %+v", o, o.Endpoint, s, s.Endpoint)
	}

	// AWS sends the request id as a header and in the body; the SDK's Redshift client reads the
	// body's, ours (as the SDK's RDS client) the header's.
	failing := newServer(t, answer{status: 404, header: map[string]string{"Content-Type": "text/xml", "X-Amzn-Requestid": "req-4"},
		body: `<ErrorResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><Error><Type>Sender</Type><Code>ClusterNotFound</Code><Message>Cluster warehouse not found.</Message></Error><RequestId>req-4</RequestId></ErrorResponse>`})
	_, ourErr := redshift.NewFromConfig(cfgFor(failing.URL, noRetries)).DescribeClusters(context.Background(), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("warehouse")})
	_, theirErr := sdkredshift.NewFromConfig(cfgFor(failing.URL, noRetries)).DescribeClusters(context.Background(), &sdkredshift.DescribeClustersInput{ClusterIdentifier: aws.String("warehouse")})
	if ourErr == nil || theirErr == nil || ourErr.Error() != theirErr.Error() {
		t.Fatalf("error:\n ours     %v\n the SDK's %v", ourErr, theirErr)
	}
}

// Endpoints resolve as the SDK's: AWS_ENDPOINT_URL_<SERVICE> from the loaded config, else the
// partition's regional endpoint, FIPS when asked; an explicit endpoint beats them all.
func TestEndpointResolution(t *testing.T) {
	srv := newServer(t, answer{status: 200, body: `{"trailList":[]}`})
	t.Setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-west-2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cloudtrail.NewFromConfig(cfg).DescribeTrails(context.Background(), nil); err != nil {
		t.Fatalf("DescribeTrails through AWS_ENDPOINT_URL_CLOUDTRAIL: %v", err)
	}
	if n := len(srv.seen()); n != 1 {
		t.Errorf("the server behind AWS_ENDPOINT_URL_CLOUDTRAIL saw %d calls, want 1", n)
	}

	svc := awsrpc.Service{ID: "CloudTrail", SigningName: "cloudtrail"}
	for _, c := range []struct {
		o    awsrpc.Options
		want string
	}{
		{awsrpc.Options{Region: "us-east-1"}, "https://cloudtrail.us-east-1.amazonaws.com/"},
		{awsrpc.Options{Region: "cn-north-1"}, "https://cloudtrail.cn-north-1.amazonaws.com.cn/"},
		{awsrpc.Options{Region: "us-gov-west-1", UseFIPSEndpoint: true}, "https://cloudtrail-fips.us-gov-west-1.amazonaws.com/"},
		{awsrpc.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:4566")}, "http://127.0.0.1:4566/"},
	} {
		if got, err := c.o.Endpoint(svc); err != nil || got != c.want {
			t.Errorf("Endpoint(%+v) = %q, %v; want %q", c.o, got, err, c.want)
		}
	}
	explicit := awsrpc.OptionsFromConfig(cfg, svc, aws.String("http://explicit"))
	if got, _ := explicit.Endpoint(svc); got != "http://explicit/" {
		t.Errorf("the provider block's endpoint lost to the environment's: %s", got)
	}
}

// The CloudWatch Logs client sends the SDK's requests (camelCase members, an empty object for no
// input) and reads the same answers; its errors read as the SDK's.
func TestLogsIsTheSDKs(t *testing.T) {
	srv := newServer(t, answer{status: 200, body: `{"events":[{"eventId":"1","logStreamName":"s","message":"rotation failed","timestamp":1700000000000}],"nextToken":"n"}`})
	ours, err := cloudwatchlogs.NewFromConfig(cfgFor(srv.URL, noRetries)).FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String("/aws/lambda/f"), FilterPattern: aws.String(`"failed"`), StartTime: aws.Int64(1699999999000),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdklogs.NewFromConfig(cfgFor(srv.URL, noRetries)).FilterLogEvents(context.Background(), &sdklogs.FilterLogEventsInput{
		LogGroupName: aws.String("/aws/lambda/f"), FilterPattern: aws.String(`"failed"`), StartTime: aws.Int64(1699999999000),
	}); err != nil {
		t.Fatal(err)
	}
	seen := srv.seen()
	if seen[0].header.Get("X-Amz-Target") != seen[1].header.Get("X-Amz-Target") || !jsonEqual(t, seen[0].body, seen[1].body) {
		t.Errorf("request: ours %s %s, the SDK's %s %s", seen[0].header.Get("X-Amz-Target"), seen[0].body, seen[1].header.Get("X-Amz-Target"), seen[1].body)
	}
	if auth := seen[0].header.Get("Authorization"); !strings.Contains(auth, "/eu-west-1/logs/aws4_request") {
		t.Errorf("Authorization %q is not a SigV4 signature for logs", auth)
	}
	if len(ours.Events) != 1 || aws.ToString(ours.Events[0].Message) != "rotation failed" || aws.ToInt64(ours.Events[0].Timestamp) != 1700000000000 || aws.ToString(ours.NextToken) != "n" {
		t.Errorf("FilterLogEvents: %+v", ours)
	}

	groups := newServer(t, answer{status: 200, body: `{"logGroups":[{"logGroupName":"/aws/lambda/f","creationTime":1700000000000,"retentionInDays":30,"arn":"arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/f:*"}]}`})
	described, err := cloudwatchlogs.NewFromConfig(cfgFor(groups.URL, noRetries)).DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/f")})
	if err != nil || len(described.LogGroups) != 1 || aws.ToInt32(described.LogGroups[0].RetentionInDays) != 30 || aws.ToInt64(described.LogGroups[0].CreationTime) != 1700000000000 {
		t.Fatalf("DescribeLogGroups: %v, %+v", err, described)
	}
	if !jsonEqual(t, groups.seen()[0].body, `{"logGroupNamePrefix":"/aws/lambda/f"}`) {
		t.Errorf("DescribeLogGroups body %s", groups.seen()[0].body)
	}

	for _, body := range []string{
		`{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}`,
		`{"__type":"SomethingNewException","message":"new"}`,
	} {
		failing := newServer(t, answer{status: 400, header: map[string]string{"X-Amzn-Requestid": "req-4"}, body: body})
		_, ours := cloudwatchlogs.NewFromConfig(cfgFor(failing.URL, noRetries)).DeleteLogGroup(context.Background(), &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("g")})
		_, theirs := sdklogs.NewFromConfig(cfgFor(failing.URL, noRetries)).DeleteLogGroup(context.Background(), &sdklogs.DeleteLogGroupInput{LogGroupName: aws.String("g")})
		if ours == nil || ours.Error() != theirs.Error() {
			t.Errorf("error:\n ours     %v\n the SDK's %v", ours, theirs)
		}
	}
	empty := newServer(t, answer{status: 200, body: `{"logGroups":[]}`})
	if _, err := cloudwatchlogs.NewFromConfig(cfgFor(empty.URL, noRetries)).DescribeLogGroups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if body := empty.seen()[0].body; body != "{}" {
		t.Errorf("a nil input sent %q, want {}", body)
	}
}

// A call the server never answers is a send error, and a cancelled one a cancellation, as the
// SDK's: callers tell "unreachable" from "cancelled" by errors.As.
func TestSendErrorsAreTheSDKs(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	_, ours := cloudtrail.NewFromConfig(cfgFor(gone.URL, noRetries)).DescribeTrails(context.Background(), nil)
	_, theirs := sdkcloudtrail.NewFromConfig(cfgFor(gone.URL, noRetries)).DescribeTrails(context.Background(), nil)
	var send *smithyhttp.RequestSendError
	var cancelled *aws.RequestCanceledError
	if !errors.As(ours, &send) || errors.As(ours, &cancelled) || !errors.As(theirs, &send) {
		t.Errorf("unreachable endpoint: ours %v, the SDK's %v; want a RequestSendError, not a cancellation", ours, theirs)
	}

	// A context cancelled before the call: a RequestCanceledError wrapping context.Canceled (the
	// SDK's stops earlier, with context.Canceled itself: errors.Is holds for both).
	srv := newServer(t, answer{status: 200, body: `{"trailList":[]}`})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, ours = cloudtrail.NewFromConfig(cfgFor(srv.URL, noRetries)).DescribeTrails(ctx, nil)
	_, theirs = sdkcloudtrail.NewFromConfig(cfgFor(srv.URL, noRetries)).DescribeTrails(ctx, nil)
	if !errors.As(ours, &cancelled) || errors.As(ours, &send) || !errors.Is(ours, context.Canceled) || !errors.Is(theirs, context.Canceled) {
		t.Errorf("cancelled context: ours %v, the SDK's %v; want a RequestCanceledError wrapping context.Canceled", ours, theirs)
	}
}

// An error answer with neither a code nor a message is UnknownError with the status's text
// (where the SDK says "UnknownError: UnknownError" for JSON and fails to deserialize for query:
// the status is what the user can act on).
func TestBareErrorNamesTheStatus(t *testing.T) {
	for _, status := range []int{503, 400} {
		srv := newServer(t, answer{status: status})
		for name, call := range map[string]func() error{
			"CloudTrail": func() error {
				_, err := cloudtrail.NewFromConfig(cfgFor(srv.URL, noRetries)).DescribeTrails(context.Background(), nil)
				return err
			},
			"RDS": func() error {
				_, err := rds.NewFromConfig(cfgFor(srv.URL, noRetries)).DescribeDBClusters(context.Background(), nil)
				return err
			},
		} {
			err := call()
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownError" || apiErr.ErrorMessage() != http.StatusText(status) {
				t.Errorf("%s, a bare %d: %v; want UnknownError: %s", name, status, err, http.StatusText(status))
			}
		}
	}
}

// AWS_USE_FIPS_ENDPOINT in the loaded config selects the FIPS endpoint, as the SDK's.
func TestFIPSFromConfig(t *testing.T) {
	t.Setenv("AWS_USE_FIPS_ENDPOINT", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-gov-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	svc := awsrpc.Service{ID: "CloudTrail", SigningName: "cloudtrail"}
	o := awsrpc.OptionsFromConfig(cfg, svc, nil)
	if got, err := o.Endpoint(svc); err != nil || !o.UseFIPSEndpoint || got != "https://cloudtrail-fips.us-gov-west-1.amazonaws.com/" {
		t.Errorf("with AWS_USE_FIPS_ENDPOINT=true: UseFIPSEndpoint %v, endpoint %q, %v", o.UseFIPSEndpoint, got, err)
	}
	t.Setenv("AWS_USE_FIPS_ENDPOINT", "false")
	cfg, _ = config.LoadDefaultConfig(context.Background(), config.WithRegion("us-gov-west-1"))
	if o := awsrpc.OptionsFromConfig(cfg, svc, nil); o.UseFIPSEndpoint {
		t.Error("AWS_USE_FIPS_ENDPOINT=false selected FIPS")
	}
}
