package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The client asks for keep-alive and reuses one connection for the calls of an execution
// environment, even with an endpoint that closes connections unless asked (LocalStack's gateway),
// and with calls back to back (a step's DescribeSecret then PutSecretValue).
func TestClientKeepsItsConnection(t *testing.T) {
	var mu sync.Mutex
	var connections int
	var headers []string
	server := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		headers = append(headers, r.Header.Get("Connection"))
		mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("Connection") != "keep-alive" {
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"ARN":"arn:aws:secretsmanager:us-east-1:000000000000:secret:s-AbCdEf","RotationEnabled":true}`))
	}))
	server.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			mu.Lock()
			connections++
			mu.Unlock()
		}
	}
	server.Start()
	defer server.Close()
	env := map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"SECRETS_MANAGER_ENDPOINT": server.URL,
	}
	client := newSecretsManagerClient(func(name string) string { return env[name] })
	const calls = 30
	for range calls {
		if _, err := client.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")}); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i, header := range headers {
		if header != "keep-alive" {
			t.Errorf("call %d: Connection header %q, want keep-alive", i+1, header)
		}
	}
	if connections != 1 {
		t.Errorf("%d calls opened %d connections, want 1", calls, connections)
	}
}
