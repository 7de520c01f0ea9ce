package awsproxy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const secretValue = `{"username":"app","password":"s3cr3t-Value-42"}`

// TestSecretValuesAreNeverRecorded sends secret values every way the provider and rotator do and
// checks neither the record nor the CloudTrail view contains them.
func TestSecretValuesAreNeverRecorded(t *testing.T) {
	upstream := newFakeUpstream(t)
	upstream.answer("secretsmanager.GetSecretValue", 200, "application/x-amz-json-1.1",
		`{"ARN":"arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf","Name":"db","SecretString":`+jsonString(secretValue)+`,"VersionId":"v1"}`)
	upstream.answer("secretsmanager.GetRandomPassword", 200, "application/x-amz-json-1.1", `{"RandomPassword":"s3cr3t-Value-42"}`)
	upstream.answer("secretsmanager.PutSecretValue", 200, "application/x-amz-json-1.1", `{"ARN":"arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf","Name":"db","VersionId":"v2"}`)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	client := secretsmanager.NewFromConfig(cfg)
	ctx := context.Background()

	if _, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String(secretValue)}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("db"), SecretBinary: []byte("s3cr3t-Value-42")}); err != nil {
		t.Fatal(err)
	}
	got, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
	if err != nil || aws.ToString(got.SecretString) != secretValue {
		t.Fatalf("GetSecretValue through the proxy: %v, %q", err, aws.ToString(got.SecretString))
	}
	if _, err := client.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{}); err != nil {
		t.Fatal(err)
	}
	// A credential document under an innocent name, as a tag value or description might carry it.
	if _, err := client.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("db"), Description: aws.String(secretValue)}); err != nil {
		t.Fatal(err)
	}

	record, _ := json.Marshal(p.Calls())
	var events bytes.Buffer
	for _, call := range p.Calls() {
		events.WriteString(eventDetail(call))
	}
	for name, text := range map[string]string{"record": string(record), "CloudTrail events": events.String()} {
		if strings.Contains(text, "s3cr3t") || strings.Contains(text, "czNjcjN0") { // and its base64
			t.Errorf("the %s contains the secret value: %s", name, text)
		}
	}
	// The call is still attributed to the secret's ARN, learned from the response.
	for _, call := range p.Calls() {
		if call.Operation == "GetSecretValue" && (len(call.Resources) != 1 || call.Resources[0].ARN == "") {
			t.Errorf("GetSecretValue resources %+v, want the secret's ARN", call.Resources)
		}
	}
}

func jsonString(s string) string {
	encoded, _ := json.Marshal(s)
	return string(encoded)
}

func TestScrubKeys(t *testing.T) {
	in := map[string]any{
		"SecretId": "db", "ClientRequestToken": "tok", "NextToken": "n",
		"MasterUserPassword": "x", "Credentials": map[string]any{"AccessKeyId": "a"},
		"Environment":                 map[string]any{"Variables": map[string]any{"DB_PASSWORD": "x"}},
		"Code":                        map[string]any{"ZipFile": "UEsDBA=="},
		"Tags":                        []any{map[string]any{"Key": "k", "Value": `{"password":"x"}`}},
		"Attributes.entry.1.Password": "x",
	}
	got, _ := scrub(in).(map[string]any)
	want := `{"ClientRequestToken":"tok","Code":{},"Environment":{},"NextToken":"n","SecretId":"db","Tags":[{"Key":"k","Value":"HIDDEN_DUE_TO_SECURITY_REASONS"}]}`
	if encoded, _ := json.Marshal(got); string(encoded) != want {
		t.Errorf("scrub = %s\nwant    %s", encoded, want)
	}
}

func TestIdentityMapping(t *testing.T) {
	upstream := newFakeUpstream(t)
	upstream.answer("AssumeRole", 200, "text/xml", `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>s3cr3t</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>2026-03-01T13:00:00Z</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROA1:session-1</AssumedRoleId><Arn>arn:aws:sts::000000000000:assumed-role/rotator/session-1</Arn></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`)
	upstream.handle("GetCallerIdentity", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "text/xml")
		key, _, _ := sigV4Scope(r)
		arn := "arn:aws:iam::000000000000:root"
		if key == "LSIAFUNCTION" {
			arn = "arn:aws:sts::000000000000:assumed-role/fn-role/fn-session"
		}
		_, _ = io.WriteString(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>`+arn+`</Arn><UserId>AROA2:fn-session</UserId><Account>000000000000</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
	})
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	p.RegisterIdentity("AKIAREADER", Identity{Type: "IAMUser", PrincipalID: "AIDA1", ARN: "arn:aws:iam::000000000000:user/reader", UserName: "reader"})
	ctx := context.Background()
	call := func(key string) {
		cfg := sdkConfig(key)
		cfg.BaseEndpoint = aws.String(p.URL())
		_, _ = secretsmanager.NewFromConfig(cfg).ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	}
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	if _, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/rotator"), RoleSessionName: aws.String("session-1")}); err != nil {
		t.Fatal(err)
	}
	p.Reset()
	call("test")
	call("AKIAREADER")
	call("ASIAASSUMED")
	call("LSIAFUNCTION")
	want := []Identity{
		{Type: "Root", PrincipalID: "000000000000", ARN: "arn:aws:iam::000000000000:root", AccountID: "000000000000", UserName: "root"},
		{Type: "IAMUser", PrincipalID: "AIDA1", ARN: "arn:aws:iam::000000000000:user/reader", AccountID: "000000000000", UserName: "reader"},
		{Type: "AssumedRole", PrincipalID: "AROA1:session-1", ARN: "arn:aws:sts::000000000000:assumed-role/rotator/session-1", AccountID: "000000000000", UserName: "session-1"},
		{Type: "AssumedRole", PrincipalID: "AROA2:fn-session", ARN: "arn:aws:sts::000000000000:assumed-role/fn-role/fn-session", AccountID: "000000000000", UserName: "fn-session"},
	}
	calls := p.Calls()
	if len(calls) != len(want) {
		t.Fatalf("%d calls recorded, want %d", len(calls), len(want))
	}
	for i, w := range want {
		if calls[i].Identity != w {
			t.Errorf("key %s: identity %+v, want %+v", calls[i].AccessKeyID, calls[i].Identity, w)
		}
	}
	// The key is asked about once, then remembered; the proxy's own question is not recorded.
	call("LSIAFUNCTION")
	if n := len(upstream.seen("GetCallerIdentity")); n != 1 {
		t.Errorf("the upstream was asked %d times about the function's key, want once", n)
	}
	for _, c := range p.Calls() {
		if c.Operation == "GetCallerIdentity" {
			t.Error("the proxy's own identity lookup was recorded")
		}
	}
}

// TestLargePayloadsStreamFaithfully sends a large Lambda invocation payload and response through
// the proxy and checks both arrive byte for byte and that the payload is not recorded.
func TestLargePayloadsStreamFaithfully(t *testing.T) {
	upstream := newFakeUpstream(t)
	response := bytes.Repeat([]byte("0123456789abcdef"), 6<<20/16)
	var requestSum [32]byte
	upstream.handle("POST /2015-03-31/functions/fn/invocations", func(w http.ResponseWriter, _ *http.Request, body []byte) {
		requestSum = sha256.Sum256(body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		_, _ = w.Write(response)
	})
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	payload := bytes.Repeat([]byte(`{"k":"v"},`), 5<<20/10)
	out, err := lambda.NewFromConfig(cfg).Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("fn"), Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if requestSum != sha256.Sum256(payload) {
		t.Error("the upstream got a different request payload")
	}
	if !bytes.Equal(out.Payload, response) || aws.ToString(out.ExecutedVersion) != "$LATEST" {
		t.Errorf("the response payload (%d bytes) or its headers changed on the way", len(out.Payload))
	}
	calls := p.Calls()
	if len(calls) != 1 || calls[0].Key() != "lambda:Invoke" || calls[0].Status != 200 || calls[0].Management {
		t.Fatalf("record %+v, want one Invoke data event", calls)
	}
	if encoded, _ := json.Marshal(calls); len(encoded) > 4096 {
		t.Errorf("the record of an invocation is %d bytes: the payload was recorded", len(encoded))
	}
}

func TestHostHeaderIsKept(t *testing.T) {
	upstream := newFakeUpstream(t)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true})
	describeOutcomes(t, p, "s", 1)
	seen := upstream.seen("secretsmanager.DescribeSecret")
	if len(seen) != 1 || seen[0].Host != strings.TrimPrefix(p.URL(), "http://") {
		t.Fatalf("upstream saw Host %+v, want the proxy's address (LocalStack builds returned URLs from it)", seen)
	}
}

func TestListenOnlyOnLoopback(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:0", ":0", "192.168.1.10:4567"} {
		if _, err := Start(t.Context(), Options{Listen: listen, Upstream: "http://127.0.0.1:4566"}); err == nil {
			t.Errorf("Start on %s succeeded, want a refusal", listen)
		}
	}
}

func TestUpstreamDownAnswersServiceUnavailable(t *testing.T) {
	p := startProxy(t, Options{Upstream: "http://127.0.0.1:1", DisableEventBridge: true})
	failed := describeOutcomes(t, p, "s", 1)
	if !failed[0] {
		t.Fatal("a call with no upstream succeeded")
	}
	if calls := p.Calls(); len(calls) != 1 || calls[0].Status != http.StatusBadGateway || calls[0].ErrorCode != "ServiceUnavailable" {
		t.Errorf("record %+v, want a 502 ServiceUnavailable", calls)
	}
}
