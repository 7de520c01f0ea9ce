package awsclient

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
)

// stsServer answers STS GetCallerIdentity (and AssumeRoleWithWebIdentity) like AWS, for the
// caller ARN given, and records each request's Host and Authorization header.
type stsServer struct {
	callerARN string
	mu        sync.Mutex
	hosts     []string
	auth      []string
	actions   []string
}

func (s *stsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	s.hosts = append(s.hosts, r.Host)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.actions = append(s.actions, r.Form.Get("Action"))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	account := strings.Split(s.callerARN, ":")[4]
	_, _ = w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
		`<Arn>` + s.callerARN + `</Arn><UserId>AIDAEXAMPLE</UserId><Account>` + account + `</Account>` +
		`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
}

func staticConfig(endpoint string) Config {
	// Two attempts: the failures these tests expect are not worth 25.
	return Config{Region: "us-east-1", AccessKey: "AKIDEXAMPLE", SecretKey: "secret", Endpoints: map[string]string{"sts": endpoint}, MaxRetries: 1}
}

// The partition comes from the caller's ARN, whatever the region's name suggests.
func TestNewTakesPartitionFromCallerARN(t *testing.T) {
	for callerARN, want := range map[string]string{
		"arn:aws:iam::111122223333:user/a":                 "aws",
		"arn:aws-cn:iam::111122223333:user/a":              "aws-cn",
		"arn:aws-us-gov:iam::111122223333:user/a":          "aws-us-gov",
		"arn:aws-iso-b:sts::111122223333:assumed-role/r/s": "aws-iso-b",
		"arn:aws-iso-f:iam::111122223333:user/a":           "aws-iso-f",
	} {
		server := httptest.NewServer(&stsServer{callerARN: callerARN})
		client, err := New(context.Background(), staticConfig(server.URL))
		server.Close()
		if err != nil {
			t.Fatalf("%s: %v", callerARN, err)
		}
		if client.Partition != want || client.AccountID != "111122223333" {
			t.Errorf("caller %s: partition %q account %q, want %q", callerARN, client.Partition, client.AccountID, want)
		}
	}
}

func TestNewAllowedAndForbiddenAccounts(t *testing.T) {
	server := httptest.NewServer(&stsServer{callerARN: "arn:aws:iam::111122223333:user/a"})
	defer server.Close()
	cases := []struct {
		allowed, forbidden []string
		wantErr            string
	}{
		{allowed: []string{"111122223333"}},
		{allowed: []string{"444455556666", "777788889999"}, wantErr: "account ID not allowed (111122223333)"},
		{forbidden: []string{"444455556666"}},
		{forbidden: []string{"111122223333"}, wantErr: "forbidden account ID (111122223333)"},
	}
	for _, tc := range cases {
		c := staticConfig(server.URL)
		c.AllowedAccountIDs, c.ForbiddenAccountIDs = tc.allowed, tc.forbidden
		_, err := New(context.Background(), c)
		if (err != nil) != (tc.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("allowed %v forbidden %v: error %v, want %q", tc.allowed, tc.forbidden, err, tc.wantErr)
		}
	}
}

// sts_region signs and sends STS calls for that region.
func TestNewSTSRegion(t *testing.T) {
	s := &stsServer{callerARN: "arn:aws:iam::111122223333:user/a"}
	server := httptest.NewServer(s)
	defer server.Close()
	c := staticConfig(server.URL)
	c.Region, c.STSRegion = "eu-west-1", "us-west-2"
	client, err := New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.auth) != 1 || !strings.Contains(s.auth[0], "/us-west-2/sts/aws4_request") {
		t.Fatalf("STS requests signed %v, want for us-west-2", s.auth)
	}
	if client.Region != "eu-west-1" {
		t.Errorf("the other services' region is %q, want eu-west-1", client.Region)
	}
}

func TestRetryMode(t *testing.T) {
	t.Setenv("AWS_RETRY_MODE", "")
	for mode, adaptive := range map[string]bool{"": true, "adaptive": true, "standard": false} {
		c := staticConfig("http://127.0.0.1:9")
		c.RetryMode, c.MaxRetries = mode, 0
		cfg, err := LoadAWSConfig(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		_, isAdaptive := cfg.Retryer().(*retry.AdaptiveMode)
		if isAdaptive != adaptive {
			t.Errorf("retry_mode %q: retryer %T", mode, cfg.Retryer())
		}
		if got := cfg.Retryer().MaxAttempts(); got != 25 {
			t.Errorf("retry_mode %q: %d attempts, want 25", mode, got)
		}
	}
	t.Setenv("AWS_RETRY_MODE", "standard")
	cfg, err := LoadAWSConfig(context.Background(), staticConfig("http://127.0.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Retryer().(*retry.Standard); !ok {
		t.Errorf("AWS_RETRY_MODE=standard: retryer %T", cfg.Retryer())
	}
	t.Setenv("AWS_RETRY_MODE", "legacy")
	if _, err := LoadAWSConfig(context.Background(), staticConfig("http://127.0.0.1:9")); err == nil || !strings.Contains(err.Error(), "AWS_RETRY_MODE") {
		t.Errorf("AWS_RETRY_MODE=legacy: %v", err)
	}
}

// custom_ca_bundle: an HTTPS endpoint with a private CA is trusted only with the bundle.
func TestNewCustomCABundle(t *testing.T) {
	server := httptest.NewUnstartedServer(&stsServer{callerARN: "arn:aws:iam::111122223333:user/a"})
	server.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	server.StartTLS()
	defer server.Close()
	t.Setenv("AWS_CA_BUNDLE", "")

	if _, err := New(context.Background(), staticConfig(server.URL)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the bundle: %v, want a certificate error", err)
	}
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	c := staticConfig(server.URL)
	c.CustomCABundle = bundle
	if _, err := New(context.Background(), c); err != nil {
		t.Fatalf("with the bundle: %v", err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.CustomCABundle = notPEM
	if _, err := New(context.Background(), c); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a file without certificates: %v", err)
	}
}

// http_proxy sends the calls through the proxy; no_proxy exempts a host.
func TestNewHTTPProxy(t *testing.T) {
	for _, name := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"} {
		t.Setenv(name, "")
	}
	s := &stsServer{callerARN: "arn:aws:iam::111122223333:user/a"}
	proxy := httptest.NewServer(s) // a forward proxy sees the absolute URL; it answers as STS itself
	defer proxy.Close()
	// The endpoint's host does not resolve: only a proxy can answer for it.
	endpoint := "http://sts.proxied.invalid"

	c := staticConfig(endpoint)
	c.HTTPProxy = aws.String(proxy.URL)
	if _, err := New(context.Background(), c); err != nil {
		t.Fatalf("through http_proxy: %v", err)
	}
	if len(s.hosts) != 1 || s.hosts[0] != "sts.proxied.invalid" {
		t.Fatalf("the proxy saw hosts %v, want sts.proxied.invalid", s.hosts)
	}

	c.NoProxy = aws.String("proxied.invalid")
	if _, err := New(context.Background(), c); err == nil {
		t.Fatal("with no_proxy covering the host the call still reached the proxy")
	}
	if len(s.hosts) != 1 {
		t.Errorf("the proxy saw %d requests, want still 1", len(s.hosts))
	}

	// An empty http_proxy switches HTTP_PROXY off. (Without the attributes the SDK's client reads
	// HTTP_PROXY itself, through net/http, which reads the environment once per process.)
	t.Setenv("HTTP_PROXY", proxy.URL)
	c = staticConfig(endpoint)
	c.HTTPProxy = aws.String("")
	if _, err := New(context.Background(), c); err == nil {
		t.Error("http_proxy = \"\" did not override HTTP_PROXY")
	}
}

// ignore_tags drops tags from the answers that carry a part's tags.
func TestIgnoreTagsMiddleware(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"Name":"s","Tags":[{"Key":"team","Value":"a"},{"Key":"ci:run","Value":"7"},{"Key":"owner","Value":"b"},{"Key":"secretsbundle:bundle","Value":"s"}]}`))
	}))
	defer server.Close()
	c := staticConfig("")
	c.Endpoints = map[string]string{"secretsmanager": server.URL}
	c.IgnoreTags = &IgnoreTags{Keys: []string{"owner"}, KeyPrefixes: []string{"ci:"}}
	cfg, err := LoadAWSConfig(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	out, err := newClient(cfg, c).SecretsManager.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tag := range out.Tags {
		keys = append(keys, aws.ToString(tag.Key))
	}
	if strings.Join(keys, ",") != "team,secretsbundle:bundle" {
		t.Errorf("tags read: %v, want team and secretsbundle:bundle", keys)
	}
}

func TestPartitionOfARN(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:sts::123456789012:assumed-role/r/s": "aws",
		"arn:aws-eusc:iam::123456789012:role/r":      "aws-eusc",
		"not-an-arn":                                 "",
	} {
		if got := PartitionOfARN(in); got != want {
			t.Errorf("PartitionOfARN(%q) = %q, want %q", in, got, want)
		}
	}
}

// ignore_tags reaches the hand-written CloudWatch Logs client too (it has no middleware stack).
func TestIgnoreTagsLogs(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"tags":{"team":"a","ci:run":"7","owner":"b","secretsbundle:bundle":"s"}}`))
	}))
	defer server.Close()
	c := staticConfig("")
	c.Endpoints = map[string]string{"logs": server.URL}
	c.IgnoreTags = &IgnoreTags{Keys: []string{"owner"}, KeyPrefixes: []string{"ci:"}}
	cfg, err := LoadAWSConfig(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	out, err := newClient(cfg, c).Logs.ListTagsForResource(context.Background(), &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:g")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 2 || out.Tags["team"] != "a" || out.Tags["secretsbundle:bundle"] != "s" {
		t.Errorf("tags read: %v, want team and secretsbundle:bundle", out.Tags)
	}
}
