package redshift_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/redshift"
)

// server answers every request with status and body and records each request's form and
// authorization header.
func server(t *testing.T, status int, body string) (*httptest.Server, func() ([]url.Values, []string)) {
	t.Helper()
	var mu sync.Mutex
	var forms []url.Values
	var auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(b))
		mu.Lock()
		forms, auths = append(forms, q), append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() ([]url.Values, []string) {
		mu.Lock()
		defer mu.Unlock()
		return append([]url.Values(nil), forms...), append([]string(nil), auths...)
	}
}

func client(endpoint string) *redshift.Client {
	return redshift.New(redshift.Options{Region: "eu-west-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), Retryer: aws.NopRetryer{}})
}

const clusters = `<DescribeClustersResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><DescribeClustersResult><Clusters><Cluster><ClusterIdentifier>warehouse</ClusterIdentifier><ClusterStatus>available</ClusterStatus><DBName>analytics</DBName><Endpoint><Address>warehouse.abc123.eu-west-1.redshift.amazonaws.com</Address><Port>5439</Port></Endpoint><MasterUsername>admin</MasterUsername></Cluster></Clusters></DescribeClustersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeClustersResponse>`

// The identifier is in the form with the action and version, the call is signed for redshift, and
// the answer is decoded.
func TestDescribeClusters(t *testing.T) {
	srv, seen := server(t, 200, clusters)
	out, err := client(srv.URL).DescribeClusters(context.Background(), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("warehouse")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Clusters) != 1 {
		t.Fatalf("output %+v", out)
	}
	c := out.Clusters[0]
	if aws.ToString(c.DBName) != "analytics" || c.Endpoint == nil || aws.ToString(c.Endpoint.Address) != "warehouse.abc123.eu-west-1.redshift.amazonaws.com" ||
		aws.ToInt32(c.Endpoint.Port) != 5439 || aws.ToString(c.ClusterIdentifier) != "warehouse" || aws.ToString(c.MasterUsername) != "admin" {
		t.Errorf("cluster %+v", c)
	}
	if _, err := client(srv.URL).DescribeClusters(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	forms, auths := seen()
	want := []url.Values{
		{"Action": {"DescribeClusters"}, "Version": {"2012-12-01"}, "ClusterIdentifier": {"warehouse"}},
		{"Action": {"DescribeClusters"}, "Version": {"2012-12-01"}},
	}
	if len(forms) != len(want) {
		t.Fatalf("%d requests, want %d", len(forms), len(want))
	}
	for i := range want {
		if len(forms[i]) != len(want[i]) {
			t.Errorf("request %d: form %v, want %v", i, forms[i], want[i])
		}
		for k, v := range want[i] {
			if forms[i].Get(k) != v[0] {
				t.Errorf("request %d: %s=%q, want %q", i, k, forms[i].Get(k), v[0])
			}
		}
		if !strings.Contains(auths[i], "/eu-west-1/redshift/aws4_request") {
			t.Errorf("request %d is not signed for redshift: %q", i, auths[i])
		}
	}
}

// An unknown cluster is an error naming its code, and no output; a per-call option applies.
func TestDescribeClustersErrorsAndOptions(t *testing.T) {
	failing, _ := server(t, 404, `<ErrorResponse><Error><Type>Sender</Type><Code>ClusterNotFound</Code><Message>Cluster warehouse not found.</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
	out, err := client(failing.URL).DescribeClusters(context.Background(), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("warehouse")})
	if err == nil || out != nil || !strings.Contains(err.Error(), "ClusterNotFound") {
		t.Errorf("DescribeClusters on a 404: %+v, %v; want no output and a ClusterNotFound error", out, err)
	}
	ok, seen := server(t, 200, clusters)
	if _, err := client(failing.URL).DescribeClusters(context.Background(), nil, func(o *redshift.Options) { o.BaseEndpoint = aws.String(ok.URL) }); err != nil {
		t.Errorf("DescribeClusters with a per-call endpoint: %v", err)
	}
	if forms, _ := seen(); len(forms) != 1 {
		t.Errorf("the per-call endpoint saw %d calls, want 1", len(forms))
	}
}
