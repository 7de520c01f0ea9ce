package bundle

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
)

// A first rotation whose function times out or never starts writes no rotator line, only
// Lambda's own; the wait must stop on those too, reading every page of the log, instead of waiting
// out the create timeout.
func TestCreateStopsWaitingOnALambdaThatTimesOutOrFailsToStart(t *testing.T) {
	for name, lambdaLine := range map[string]string{
		"timeout":        "2026-11-30T04:00:03.012Z 1f2e3d4c-aaaa-bbbb-cccc-000000000000 Task timed out after 30.03 seconds",
		"report timeout": "REPORT RequestId: 1f2e3d4c-aaaa-bbbb-cccc-000000000000\tDuration: 30000.00 ms\tBilled Duration: 30000 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tStatus: timeout",
		"fails to start": "INIT_REPORT Init Duration: 2.10 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError",
		"runtime exited": "RequestId: 1f2e3d4c Error: Runtime exited with error: exit status 2\nRuntime.ExitError",
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeAWS()
			// The telling line is on the third page of the log.
			f.logPageSize = 2
			f.logEvents = []string{
				"START RequestId: 1f2e3d4c Version: $LATEST",
				`{"step":"createSecret","token":"rotated","outcome":"succeeded"}`,
				"END RequestId: 1f2e3d4c",
				"START RequestId: 2a2a Version: $LATEST",
				lambdaLine,
			}
			deps := f.deps()
			deps.AWS.SecretsManager = neverRotates{fakeSecrets{f: f}}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			st, err := Create(ctx, deps, testSpec())
			if err != nil {
				t.Fatalf("a failed first rotation must not fail Create: %v", err)
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("waited %s: the wait did not stop on Lambda's line", time.Since(start))
			}
			want := "timed out"
			if strings.Contains(name, "start") || strings.Contains(name, "exited") {
				want = "failed to start"
			}
			if !strings.Contains(st.LastRotationError, want) {
				t.Errorf("LastRotationError = %q, want it to say %q", st.LastRotationError, want)
			}
		})
	}
}

// credentials.ssl_ca_bundle reaches the rotator as DB_CA_BUNDLE_PEM, and only when set; a change
// of it changes the function's environment, which is what makes an update reconfigure the function.
func TestFunctionEnvironmentCarriesTheCABundle(t *testing.T) {
	d := newFakeAWS().deps()
	spec := testSpec()
	without, err := d.functionEnvironment(spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := without[credentials.EnvDatabaseCABundlePEM]; ok {
		t.Fatalf("DB_CA_BUNDLE_PEM set without a CA bundle: %v", without)
	}
	spec.Credentials.SSLCABundle = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	with, err := d.functionEnvironment(spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := with[credentials.EnvDatabaseCABundlePEM]; got != spec.Credentials.SSLCABundle {
		t.Errorf("DB_CA_BUNDLE_PEM = %q", got)
	}
	if credentials.EnvDatabaseCABundlePEM != rotator.EnvDatabaseCABundlePEM || rotator.EnvDatabaseCABundlePEM != "DB_CA_BUNDLE_PEM" {
		t.Errorf("the bundle and the rotator disagree on the variable's name: %s, %s", credentials.EnvDatabaseCABundlePEM, rotator.EnvDatabaseCABundlePEM)
	}
	// Read rebuilds the environment from what it shows as attributes: a function carrying the
	// bundle's own CA bundle is not "changed outside Terraform", one with another variable is.
	var obs seen
	var st State
	obs.readFunction(d, &st, &State{}, &lambda.GetFunctionOutput{Configuration: &lambdatypes.FunctionConfiguration{
		Environment: &lambdatypes.EnvironmentResponse{Variables: with}, CodeSha256: aws.String("sha"),
	}})
	if obs.env[credentials.EnvDatabaseCABundlePEM] != spec.Credentials.SSLCABundle || obs.functionChangedOutside {
		t.Errorf("Read of the bundle's own environment: CA bundle %q, code %q", obs.env[credentials.EnvDatabaseCABundlePEM], st.CodeSHA256)
	}
	with["EXTRA"] = "x"
	obs.readFunction(d, &st, &State{}, &lambda.GetFunctionOutput{Configuration: &lambdatypes.FunctionConfiguration{
		Environment: &lambdatypes.EnvironmentResponse{Variables: with}, CodeSha256: aws.String("sha"),
	}})
	if !obs.functionChangedOutside {
		t.Errorf("an added variable beside the CA bundle went unnoticed")
	}
}

// putCredentials refuses while a rotation is in flight, but not when the pending version belongs
// to a rotation whose step failed: fixing the password (password_wo_version) must stay possible.
func TestPutCredentialsAndAPendingVersion(t *testing.T) {
	for name, failed := range map[string]bool{"in flight": false, "failed": true} {
		t.Run(name, func(t *testing.T) {
			f := newFakeAWS()
			st, err := Create(context.Background(), f.deps(), testSpec())
			if err != nil {
				t.Fatal(err)
			}
			f.pendingVersion = "pending-token"
			if failed {
				f.logEvents = []string{`{"step":"setSecret","token":"pending-token","outcome":"failed","code":"db_login_failed","error":"refused"}`}
			}
			spec := testSpec()
			spec.Credentials.Host = "other-host.internal"
			err = f.deps().putCredentials(context.Background(), spec, st)
			if failed && err != nil {
				t.Fatalf("an update beside a failed rotation was refused: %v", err)
			}
			if !failed && !errors.Is(err, errRotationInFlight) {
				t.Fatalf("want the in-flight refusal, got %v", err)
			}
		})
	}
}
