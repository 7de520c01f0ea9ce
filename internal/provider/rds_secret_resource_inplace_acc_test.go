package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// readablePoller reads a secret's AWSCURRENT value every 50 ms, as an application would, from
// start to stop, and keeps every failure.
type readablePoller struct {
	mu       sync.Mutex
	reads    int
	failures []string
	stop     chan struct{}
	done     chan struct{}
}

func pollReadable(client *harness.AWS, secretID string) *readablePoller {
	p := &readablePoller{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := client.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
			cancel()
			p.mu.Lock()
			p.reads++
			if err != nil {
				p.failures = append(p.failures, err.Error())
			}
			p.mu.Unlock()
			select {
			case <-p.stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return p
}

// finish stops the poller and reports whether the secret was readable at every read.
func (p *readablePoller) finish() error {
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.failures) > 0 {
		return fmt.Errorf("GetSecretValue failed %d of %d times during the apply, first: %s", len(p.failures), p.reads, p.failures[0])
	}
	if p.reads < 2 {
		return fmt.Errorf("the secret was read only %d times during the apply", p.reads)
	}
	return nil
}

// TestAccRDSSecret_inPlaceRotatorChanges changes, with a recovery window of 7 days, what once
// replaced the whole bundle (and so scheduled the secret for deletion, and then failed to make it
// again under its name): lambda.name, strategy, and the function's ROTATION_STRATEGY edited out of
// band. Each plan is an update in place; after each apply the secret has the same ARN, and an
// application reading it with GetSecretValue (polled all through the apply) never failed.
func TestAccRDSSecret_inPlaceRotatorChanges(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-inplace")
	master, err := client.SecretsManager.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(name + "-master"),
		SecretString: aws.String(fmt.Sprintf(`{"engine":"postgres","host":%q,"port":%d,"dbname":"postgres","username":%q,"password":%q,"ssl":false}`,
			db.server.Host, db.server.Port, db.server.SuperUser, db.server.SuperPassword)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		for _, id := range []string{aws.ToString(master.ARN), name} {
			_, _ = client.SecretsManager.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(id), ForceDeleteWithoutRecovery: aws.Bool(true)})
		}
	})
	config := func(rotationExtra, lambdaExtra string) string {
		return strings.Replace(rdsSecretConfig(proxy.URL(), name, db, rotationBlock(rotationExtra, lambdaExtra)),
			"recovery_window_in_days = 0", "recovery_window_in_days = 7", 1)
	}
	renamed := config("", `      name = "`+name+`-rotator"`)
	alternating := config(fmt.Sprintf("    strategy = \"alternating_users\"\n    master_secret_arn = %q\n", aws.ToString(master.ARN)), `      name = "`+name+`-rotator"`)
	var arn, firstFunction string
	var poller *readablePoller
	startPolling := func() { poller = pollReadable(client, name) }
	sameSecret := func(s *terraform.State) error {
		if err := poller.finish(); err != nil {
			return err
		}
		a, err := attributes(s)
		if err != nil {
			return err
		}
		if a["arn"] != arn {
			return fmt.Errorf("the secret's ARN is %s, was %s: it was replaced", a["arn"], arn)
		}
		described, err := client.SecretsManager.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
		if err != nil || described.DeletedDate != nil {
			return fmt.Errorf("the secret is gone or scheduled for deletion: %v", err)
		}
		if aws.ToString(described.RotationLambdaARN) != a["rotation_function_arn"] {
			return fmt.Errorf("the secret rotates with %s, the bundle's function is %s", aws.ToString(described.RotationLambdaARN), a["rotation_function_arn"])
		}
		return nil
	}
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("", ""),
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					arn, firstFunction = a["arn"], a["rotation_function_arn"]
					return err
				},
			},
			{
				// lambda.name: a new function, its log group and grant; the old one deleted.
				PreConfig:        startPolling,
				Config:           renamed,
				ConfigPlanChecks: update,
				Check: resource.ComposeTestCheckFunc(sameSecret,
					resource.TestMatchResourceAttr(testResource, "rotation_function_arn", regexpMust(":function:"+name+"-rotator$")),
					resource.TestCheckResourceAttr(testResource, "rotation_log_group_name", "/aws/lambda/"+name+"-rotator"),
					func(*terraform.State) error {
						if _, err := client.Lambda.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String(firstFunction)}); err == nil {
							return fmt.Errorf("the first function %s outlived the rename", firstFunction)
						}
						return nil
					}),
			},
			{
				// strategy: the rotator's environment in place.
				PreConfig:        startPolling,
				Config:           alternating,
				ConfigPlanChecks: update,
				Check: resource.ComposeTestCheckFunc(sameSecret,
					resource.TestCheckResourceAttr(testResource, "rotation.strategy", "alternating_users"),
					func(s *terraform.State) error { return functionStrategy(client, s, "alternating_users") }),
			},
			{
				// ROTATION_STRATEGY edited out of band: an update that puts it back, no replacement.
				PreConfig: func() {
					fn := name + "-rotator"
					out, err := client.Lambda.GetFunctionConfiguration(context.Background(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fn)})
					if err != nil {
						t.Fatal(err)
					}
					env := out.Environment.Variables
					env[credentials.EnvRotationStrategy] = "single_user"
					if _, err := client.Lambda.UpdateFunctionConfiguration(context.Background(), &lambda.UpdateFunctionConfigurationInput{
						FunctionName: aws.String(fn), Environment: &lambdatypes.Environment{Variables: env},
					}); err != nil {
						t.Fatal(err)
					}
					startPolling()
				},
				Config:           alternating,
				ConfigPlanChecks: update,
				Check: resource.ComposeTestCheckFunc(sameSecret,
					func(s *terraform.State) error { return functionStrategy(client, s, "alternating_users") }),
			},
		},
	})
}

// functionStrategy checks the bundle's function's ROTATION_STRATEGY.
func functionStrategy(client *harness.AWS, s *terraform.State, want string) error {
	a, err := attributes(s)
	if err != nil {
		return err
	}
	out, err := client.Lambda.GetFunctionConfiguration(context.Background(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(a["rotation_function_arn"])})
	if err != nil {
		return err
	}
	if got := out.Environment.Variables[credentials.EnvRotationStrategy]; got != want {
		return fmt.Errorf("the function's %s is %q, want %q", credentials.EnvRotationStrategy, got, want)
	}
	return nil
}
