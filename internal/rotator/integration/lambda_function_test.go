package integration

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/artifact"
)

// lambdaArchitecture is the host's architecture by Lambda's name: the harness's process executor
// runs functions of the host's architecture only.
func lambdaArchitecture() lambdatypes.Architecture {
	if runtime.GOARCH == "arm64" {
		return lambdatypes.ArchitectureArm64
	}
	return lambdatypes.ArchitectureX8664
}

// deployFunction creates a provided.al2023 function from a zip in LocalStack and waits until it
// is Active (the harness's process executor prepares it).
func deployFunction(t *testing.T, endpoint, name string, zipFile []byte, env map[string]string) string {
	t.Helper()
	ensureTestRole(t, endpoint)
	client := lambda.NewFromConfig(awsConfig(endpoint))
	ctx := context.Background()
	out, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName:  aws.String(name),
		Runtime:       lambdatypes.RuntimeProvidedal2023,
		Handler:       aws.String("bootstrap"),
		Architectures: []lambdatypes.Architecture{lambdaArchitecture()},
		Role:          aws.String("arn:aws:iam::" + acctest.AccountID + ":role/" + testRoleName),
		Code:          &lambdatypes.FunctionCode{ZipFile: zipFile},
		Timeout:       aws.Int32(30),
		Environment:   &lambdatypes.Environment{Variables: env},
	})
	if err != nil {
		t.Fatalf("creating function %s in LocalStack: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteFunction(context.Background(), &lambda.DeleteFunctionInput{FunctionName: aws.String(name)})
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		switch got.Configuration.State {
		case lambdatypes.StateActive:
			return aws.ToString(out.FunctionArn)
		case lambdatypes.StateFailed:
			t.Fatalf("function %s failed to become Active: %s (is LocalStack running with the harness's process executor? scripts/localstack.sh up)",
				name, aws.ToString(got.Configuration.StateReason))
		}
		if time.Now().After(deadline) {
			t.Fatalf("function %s still %s after 60s", name, got.Configuration.State)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// rotateWith runs RotateSecret with a function, as on AWS, and returns its wall time until the
// rotation ended: the new version is AWSCURRENT, or the function logged the end of its four
// invocations (a no-op never makes the version current). RotateSecret answers at once and rotates
// in the background, on AWS and in the harness (scripts/localstack_ext, rotation.py).
func rotateWith(t *testing.T, s *secretFixture, functionARN string) time.Duration {
	t.Helper()
	logs := cloudwatchlogs.NewFromConfig(awsConfig(s.endpoint))
	logGroup := "/aws/lambda/" + functionARN[strings.LastIndex(functionARN, ":")+1:]
	reports := func() int {
		n := 0
		out, err := logs.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(logGroup)})
		if err == nil {
			for _, e := range out.Events {
				if strings.HasPrefix(aws.ToString(e.Message), "REPORT RequestId:") {
					n++
				}
			}
		}
		return n
	}
	before := reports()
	started := time.Now()
	token := newToken()
	_, err := s.sm.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{
		SecretId:           aws.String(s.arn),
		ClientRequestToken: aws.String(token),
		RotationLambdaARN:  aws.String(functionARN),
		RotationRules:      &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
		RotateImmediately:  aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("RotateSecret on %s: %v", s.arn, err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		described, err := s.sm.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(s.arn)})
		if err != nil {
			t.Fatalf("DescribeSecret on %s: %v", s.arn, err)
		}
		if slices.Contains(described.VersionIdsToStages[token], "AWSCURRENT") || reports() >= before+4 {
			return time.Since(started)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rotation %s of %s did not finish within 2 minutes: %v", token, s.arn, described.VersionIdsToStages)
		}
	}
}

func rotatorZip(t *testing.T) []byte {
	t.Helper()
	content, err := artifact.Zip(runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	return content
}

// Scenarios 1 and 2 with the rotator deployed as a Lambda function in LocalStack and started by
// RotateSecret, exactly as the bundle deploys it.
func TestAccLambdaFunctionRotation(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		endpoint := acctest.LocalStackEndpoint(t)
		t.Run("single user", func(t *testing.T) {
			a := newApp(t, db, appOptions{})
			fn := deployFunction(t, endpoint, "rotator-single-"+db.engine()+"-"+randomSuffix(), rotatorZip(t), nil)
			rotateWith(t, a.secretFixture, fn)
			username, password := currentCredentials(a.secretFixture)
			if username != a.username || password == a.password {
				t.Fatalf("RotateSecret did not rotate the password (AWSCURRENT user %q, password changed=%v)", username, password != a.password)
			}
			if err := db.login(a.username, a.password); err == nil {
				t.Error("the old password still logs in")
			}
			a.assertCurrentLogsIn()
		})
		t.Run("alternating users", func(t *testing.T) {
			a := newApp(t, db, appOptions{alternating: true})
			fn := deployFunction(t, endpoint, "rotator-alternating-"+db.engine()+"-"+randomSuffix(), rotatorZip(t),
				map[string]string{rotator.EnvRotationStrategy: string(rotator.StrategyAlternatingUsers)})
			rotateWith(t, a.secretFixture, fn)
			if username, _ := currentCredentials(a.secretFixture); username != a.username+"_clone" {
				t.Fatalf("the first rotation left AWSCURRENT on %q, want the clone", username)
			}
			a.assertCurrentLogsIn()
			rotateWith(t, a.secretFixture, fn)
			if username, _ := currentCredentials(a.secretFixture); username != a.username {
				t.Fatalf("the second rotation left AWSCURRENT on %q, want %q", username, a.username)
			}
			a.assertCurrentLogsIn()
		})
	})
}

// TestAccLambdaFunctionFigures measures the rotator the way the yardstick (AWS's Python
// template: 92 ms warm, 339 ms cold) was measured: RotateSecret's wall time with the rotator
// minus that with a no-op function, cold (the first rotation of a new function) and warm.
func TestAccLambdaFunctionFigures(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		endpoint := acctest.LocalStackEndpoint(t)
		noop := deployFunction(t, endpoint, "rotator-noop-"+db.engine()+"-"+randomSuffix(), noopZip(t), nil)
		a := newApp(t, db, appOptions{})
		// Straight to LocalStack, not through the harness's AWS proxy (the executor's default
		// endpoint), whose recording of every call would count as the rotator's time.
		fn := deployFunction(t, endpoint, "rotator-figures-"+db.engine()+"-"+randomSuffix(), rotatorZip(t),
			map[string]string{rotator.EnvSecretsManagerEndpoint: endpoint})

		// The no-op never finishes a rotation, so each of its runs needs a secret of its own.
		noopRun := func() time.Duration {
			other := createSecret(t, db, endpoint, connection(db, a.username, "unused"))
			return rotateWith(t, other, noop)
		}
		noopCold := noopRun()
		rotatorCold := rotateWith(t, a.secretFixture, fn)
		var noopWarm, rotatorWarm []time.Duration
		for range warmRotations {
			noopWarm = append(noopWarm, noopRun())
			rotatorWarm = append(rotatorWarm, rotateWith(t, a.secretFixture, fn))
		}
		a.assertCurrentLogsIn()
		t.Logf("%s through LocalStack: cold RotateSecret %v (no-op %v) => handler %v; warm median %v (no-op %v) => handler %v",
			db.engine(), rotatorCold.Round(time.Millisecond), noopCold.Round(time.Millisecond), (rotatorCold - noopCold).Round(time.Millisecond),
			median(rotatorWarm).Round(time.Millisecond), median(noopWarm).Round(time.Millisecond), (median(rotatorWarm) - median(noopWarm)).Round(time.Millisecond))
	})
}

// noopZip builds testdata/noop for the host and packages it like the rotator.
func noopZip(t *testing.T) []byte {
	t.Helper()
	binary := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", binary, "./testdata/noop")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the no-op function: %v\n%s", err, output)
	}
	content, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	writer := zip.NewWriter(&archive)
	header := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	header.SetMode(0o755)
	entry, err := writer.CreateHeader(header)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := entry.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := writer.Close(); err != nil {
		t.Fatal(err)
	}
	return archive.Bytes()
}
