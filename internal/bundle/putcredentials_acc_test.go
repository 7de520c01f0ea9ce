package bundle

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

func localStackSecrets(endpoint string) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(aws.Config{
		Region:       acctest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(acctest.AccessKeyID, acctest.SecretAccessKey, ""),
		BaseEndpoint: aws.String(endpoint),
	})
}

// TestAccPutCredentialsRacesARotation runs putCredentials (a Terraform update of the credential
// keys) against LocalStack through the harness's AWS proxy, whose delay faults hold one of its
// calls while a rotation finishes on the side: the rotation's password must never be lost.
func TestAccPutCredentialsRacesARotation(t *testing.T) {
	localstack := acctest.LocalStackEndpoint(t)
	ctx := context.Background()
	proxy, err := awsproxy.Start(ctx, awsproxy.Options{Listen: "127.0.0.1:0", Upstream: localstack, DisableEventBridge: true})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	direct := localStackSecrets(localstack)
	deps := Deps{AWS: &awsclient.Client{SecretsManager: localStackSecrets(proxy.URL())}}
	spec := &Spec{Credentials: Credentials{Engine: "postgres", Host: "new-host.internal", Port: 5432, Username: "app"}}

	newSecret := func(t *testing.T) (*State, string) {
		t.Helper()
		out, err := direct.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name:         aws.String("race/" + newToken()),
			SecretString: aws.String(`{"engine":"postgres","host":"old-host.internal","port":5432,"username":"app","password":"first-password"}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = direct.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: out.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
		})
		return &State{SecretARN: aws.ToString(out.ARN)}, aws.ToString(out.VersionId)
	}
	current := func(t *testing.T, st *State) map[string]any {
		t.Helper()
		out, err := direct.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(st.SecretARN)})
		if err != nil {
			t.Fatal(err)
		}
		var value map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &value); err != nil {
			t.Fatal(err)
		}
		return value
	}
	// finishRotation does what a rotation does: an AWSPENDING version with a new password, then
	// AWSCURRENT moved to it (finishSecret).
	finishRotation := func(t *testing.T, st *State, from string) {
		t.Helper()
		token := newToken()
		if _, err := direct.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId: aws.String(st.SecretARN), ClientRequestToken: aws.String(token), VersionStages: []string{stagePending},
			SecretString: aws.String(`{"engine":"postgres","host":"old-host.internal","port":5432,"username":"app","password":"rotated-password"}`),
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := direct.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
			SecretId: aws.String(st.SecretARN), VersionStage: aws.String(stageCurrent), MoveToVersionId: aws.String(token), RemoveFromVersionId: aws.String(from),
		}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("no rotation, the keys are updated", func(t *testing.T) {
		st, _ := newSecret(t)
		if err := deps.putCredentials(ctx, spec, st); err != nil {
			t.Fatal(err)
		}
		value := current(t, st)
		if value["host"] != "new-host.internal" || value["password"] != "first-password" {
			t.Errorf("AWSCURRENT after the update: %v", value)
		}
	})

	t.Run("a rotation in flight is refused", func(t *testing.T) {
		st, _ := newSecret(t)
		if _, err := direct.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId: aws.String(st.SecretARN), ClientRequestToken: aws.String(newToken()), VersionStages: []string{stagePending},
			SecretString: aws.String(`{"engine":"postgres","host":"old-host.internal","username":"app","password":"pending-password"}`),
		}); err != nil {
			t.Fatal(err)
		}
		err := deps.putCredentials(ctx, spec, st)
		if !errors.Is(err, errRotationInFlight) || !strings.Contains(err.Error(), "apply again") {
			t.Fatalf("want a refusal with a retry hint, got %v", err)
		}
		if value := current(t, st); value["host"] != "old-host.internal" || value["password"] != "first-password" {
			t.Errorf("AWSCURRENT changed: %v", value)
		}
	})

	// The rotation finishes while one of putCredentials' calls is held by the proxy.
	for _, held := range []string{"GetSecretValue", "PutSecretValue"} {
		t.Run("a rotation finishes during "+held, func(t *testing.T) {
			st, first := newSecret(t)
			if _, err := proxy.AddFault(awsproxy.Rule{Kind: awsproxy.FaultDelay, Operation: held, Resource: st.SecretARN, Times: 1, Delay: awsproxy.Duration(1500 * time.Millisecond)}); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- deps.putCredentials(ctx, spec, st) }()
			time.Sleep(500 * time.Millisecond)
			finishRotation(t, st, first)
			err := <-done
			if err == nil || !strings.Contains(err.Error(), "apply again") {
				t.Errorf("want the update refused with a retry hint, got %v", err)
			}
			if value := current(t, st); value["password"] != "rotated-password" {
				t.Errorf("the rotation's password was lost: AWSCURRENT is %v", value)
			}
		})
	}
}
