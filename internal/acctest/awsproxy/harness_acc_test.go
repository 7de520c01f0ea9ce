package awsproxy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
)

// TestAccHarnessProxy checks the proxy process that `scripts/localstack.sh up` runs (cmd/awsproxy
// on 127.0.0.1:4567) through its /_proxy/ endpoint. Other tests share it, so this one only adds a
// mark and reads its own calls.
func TestAccHarnessProxy(t *testing.T) {
	endpoint := acctest.ProxyEndpoint(t)
	mark := uniqueName("awsproxy-harness")
	post(t, endpoint+"/_proxy/mark?name="+url.QueryEscape(mark))

	client := secretsmanager.NewFromConfig(accConfig(endpoint, acctest.AccessKeyID))
	ctx := t.Context()
	created, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(mark), SecretString: aws.String("value")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: created.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}

	resp, err := http.Get(endpoint + "/_proxy/calls?from=" + url.QueryEscape(mark))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var calls []awsproxy.Call
	if err := json.Unmarshal(body, &calls); err != nil {
		t.Fatalf("GET /_proxy/calls: %v: %s", err, body)
	}
	var ours []string
	for _, call := range calls {
		for _, resource := range call.Resources {
			if resource.Name == mark {
				ours = append(ours, call.Key())
				break
			}
		}
	}
	if len(ours) != 2 || ours[0] != "secretsmanager:CreateSecret" || ours[1] != "secretsmanager:DeleteSecret" {
		t.Fatalf("the harness proxy recorded %v for the secret, want CreateSecret then DeleteSecret", ours)
	}
}

func post(t *testing.T, target string) {
	t.Helper()
	resp, err := http.Post(target, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("POST %s: %s", target, resp.Status)
	}
}
