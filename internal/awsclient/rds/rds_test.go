package rds_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/rds"
)

// server answers every request with status and body and records each request's form.
func server(t *testing.T, status int, body string) (*httptest.Server, func() []url.Values) {
	t.Helper()
	var mu sync.Mutex
	var forms []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(b))
		mu.Lock()
		forms = append(forms, q)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []url.Values { mu.Lock(); defer mu.Unlock(); return append([]url.Values(nil), forms...) }
}

func client(endpoint string) *rds.Client {
	return rds.New(rds.Options{Region: "eu-west-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), Retryer: aws.NopRetryer{}})
}

const instances = `<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInstance><Engine>postgres</Engine><DBName>orders</DBName></DBInstance></DBInstances><Marker>m2</Marker></DescribeDBInstancesResult></DescribeDBInstancesResponse>`

const clusters = `<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster><Engine>aurora-mysql</Engine><DatabaseName>billing</DatabaseName></DBCluster></DBClusters><Marker>m3</Marker></DescribeDBClustersResult></DescribeDBClustersResponse>`

// Each member set on the input is in the form, each unset one is not; the answer is decoded.
func TestDescribeDBInstancesForm(t *testing.T) {
	srv, seen := server(t, 200, instances)
	out, err := client(srv.URL).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{
		DBInstanceIdentifier: aws.String("orders"), Marker: aws.String("m1"), MaxRecords: aws.Int32(20)})
	if err != nil {
		t.Fatal(err)
	}
	if out == nil || len(out.DBInstances) != 1 || aws.ToString(out.DBInstances[0].DBName) != "orders" || aws.ToString(out.Marker) != "m2" {
		t.Fatalf("output %+v", out)
	}
	_, err = client(srv.URL).DescribeDBInstances(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	forms := seen()
	want := []url.Values{
		{"Action": {"DescribeDBInstances"}, "Version": {"2014-10-31"}, "DBInstanceIdentifier": {"orders"}, "Marker": {"m1"}, "MaxRecords": {"20"}},
		{"Action": {"DescribeDBInstances"}, "Version": {"2014-10-31"}},
	}
	assertForms(t, forms, want)
}

func TestDescribeDBClustersForm(t *testing.T) {
	srv, seen := server(t, 200, clusters)
	out, err := client(srv.URL).DescribeDBClusters(context.Background(), &rds.DescribeDBClustersInput{
		DBClusterIdentifier: aws.String("billing"), Marker: aws.String("m1"), MaxRecords: aws.Int32(100)})
	if err != nil {
		t.Fatal(err)
	}
	if out == nil || len(out.DBClusters) != 1 || aws.ToString(out.DBClusters[0].DatabaseName) != "billing" || aws.ToString(out.Marker) != "m3" {
		t.Fatalf("output %+v", out)
	}
	if _, err := client(srv.URL).DescribeDBClusters(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	assertForms(t, seen(), []url.Values{
		{"Action": {"DescribeDBClusters"}, "Version": {"2014-10-31"}, "DBClusterIdentifier": {"billing"}, "Marker": {"m1"}, "MaxRecords": {"100"}},
		{"Action": {"DescribeDBClusters"}, "Version": {"2014-10-31"}},
	})
}

// An error answer is an error and no output; per-call options apply to that call.
func TestErrorsAndPerCallOptions(t *testing.T) {
	failing, _ := server(t, 404, `<ErrorResponse><Error><Type>Sender</Type><Code>DBInstanceNotFound</Code><Message>DBInstance orders not found.</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
	out, err := client(failing.URL).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders")})
	if err == nil || out != nil {
		t.Errorf("DescribeDBInstances on a 404: %+v, %v; want no output and an error", out, err)
	}
	cout, err := client(failing.URL).DescribeDBClusters(context.Background(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("billing")})
	if err == nil || cout != nil {
		t.Errorf("DescribeDBClusters on a 404: %+v, %v; want no output and an error", cout, err)
	}

	// The client's endpoint fails; the per-call option points this call at a working server.
	ok, seen := server(t, 200, instances)
	to := func(o *rds.Options) { o.BaseEndpoint = aws.String(ok.URL) }
	if _, err := client(failing.URL).DescribeDBInstances(context.Background(), nil, to); err != nil {
		t.Errorf("DescribeDBInstances with a per-call endpoint: %v", err)
	}
	okc, seenc := server(t, 200, clusters)
	if _, err := client(failing.URL).DescribeDBClusters(context.Background(), nil, func(o *rds.Options) { o.BaseEndpoint = aws.String(okc.URL) }); err != nil {
		t.Errorf("DescribeDBClusters with a per-call endpoint: %v", err)
	}
	if len(seen()) != 1 || len(seenc()) != 1 {
		t.Errorf("the per-call endpoints saw %d and %d calls, want 1 each", len(seen()), len(seenc()))
	}
	// Options given to New apply to every call.
	c := rds.New(rds.Options{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), Retryer: aws.NopRetryer{}}, to)
	if _, err := c.DescribeDBInstances(context.Background(), nil); err != nil || len(seen()) != 2 {
		t.Errorf("New's option: %v, %d calls", err, len(seen()))
	}
}

func assertForms(t *testing.T, got, want []url.Values) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Errorf("request %d: form %v, want %v", i, got[i], want[i])
			continue
		}
		for k, v := range want[i] {
			if got[i].Get(k) != v[0] {
				t.Errorf("request %d: %s=%q, want %q (form %v)", i, k, got[i].Get(k), v[0], got[i])
			}
		}
	}
}
