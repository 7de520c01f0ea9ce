// Command testfunc is the tiny Lambda function the tests of the LocalStack process executor build
// and run (scripts/localstack_ext/tests). It is test infrastructure, never shipped.
//
// An event {"action": ...} chooses what it does: "ok" answers with the event and some of its
// environment, "error" fails, "exit" crashes the runtime, "sleep" sleeps for "seconds". A Secrets
// Manager rotation event ({"Step", "SecretId", "ClientRequestToken"}) logs the step and performs a
// minimal rotation, so a test sees that RotateSecret called the function and that the function
// reached Secrets Manager with the endpoint and credentials LocalStack gave it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

type event struct {
	Action  string  `json:"action"`
	Seconds float64 `json:"seconds"`

	Step               string `json:"Step"`
	SecretID           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
}

// Environment variables a test checks: LocalStack passes some of them as numbers, the executor
// must hand them over as text, and AWS_ENDPOINT_URL must lead back to LocalStack.
var reportedEnv = []string{
	"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_TIMEOUT", "LAMBDA_TASK_ROOT", "TESTFUNC_GREETING",
}

func handle(ctx context.Context, e event) (map[string]any, error) {
	if e.Step != "" {
		return nil, rotate(ctx, e)
	}
	if e.Action == "exit" {
		fmt.Println("testfunc: exiting with status 2")
		os.Exit(2)
	}
	switch e.Action {
	case "ok":
		env := map[string]string{}
		for _, name := range reportedEnv {
			env[name] = os.Getenv(name)
		}
		fmt.Println("testfunc: ok")
		return map[string]any{"action": e.Action, "env": env, "pid": os.Getpid()}, nil
	case "error":
		fmt.Println("testfunc: failing on purpose")
		return nil, errors.New("testfunc failed on purpose")
	case "sleep":
		fmt.Printf("testfunc: sleeping %gs\n", e.Seconds)
		time.Sleep(time.Duration(e.Seconds * float64(time.Second)))
		return map[string]any{"action": e.Action, "slept": e.Seconds, "pid": os.Getpid()}, nil
	default:
		return nil, fmt.Errorf("testfunc: unknown action %q", e.Action)
	}
}

// rotate logs the step and does the least a rotation function must: createSecret stores a value
// under the pending version, finishSecret makes that version current. testSecret reads the pending
// version of the token and fails when its value contains "fail-test"; createSecret sleeps two
// seconds first when the current value contains "slow-rotation".
func rotate(ctx context.Context, e event) error {
	fmt.Printf("testfunc: rotation step %s token %s\n", e.Step, e.ClientRequestToken)
	client := secretsManager()
	switch e.Step {
	case "testSecret":
		pending, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
			SecretId: aws.String(e.SecretID), VersionId: aws.String(e.ClientRequestToken), VersionStage: aws.String("AWSPENDING"),
		})
		if err != nil {
			return err
		}
		if strings.Contains(aws.ToString(pending.SecretString), "fail-test") {
			return errors.New("testSecret: the pending value asks to fail")
		}
		fmt.Println("testfunc: testSecret passed")
		return nil
	case "createSecret":
		current, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(e.SecretID)})
		if err == nil && strings.Contains(aws.ToString(current.SecretString), "slow-rotation") {
			time.Sleep(2 * time.Second)
		}
		_, err = client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId:           aws.String(e.SecretID),
			ClientRequestToken: aws.String(e.ClientRequestToken),
			SecretString:       aws.String("rotated-" + e.ClientRequestToken),
			VersionStages:      []string{"AWSPENDING"},
		})
		return err
	case "finishSecret":
		described, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(e.SecretID)})
		if err != nil {
			return err
		}
		current := ""
		for version, stages := range described.VersionIdsToStages {
			for _, stage := range stages {
				if stage == "AWSCURRENT" {
					current = version
				}
			}
		}
		_, err = client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
			SecretId:            aws.String(e.SecretID),
			VersionStage:        aws.String("AWSCURRENT"),
			MoveToVersionId:     aws.String(e.ClientRequestToken),
			RemoveFromVersionId: aws.String(current),
		})
		return err
	}
	return nil
}

func secretsManager() *secretsmanager.Client {
	return secretsmanager.NewFromConfig(aws.Config{
		Region: os.Getenv("AWS_REGION"),
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")),
	}, func(o *secretsmanager.Options) {
		o.BaseEndpoint = aws.String(os.Getenv("AWS_ENDPOINT_URL"))
	})
}

func main() {
	lambda.Start(handle)
}
