package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
)

// The yardstick: AWS's Python single-user PostgreSQL rotation template, unmodified.
//
// Source: github.com/aws-samples/aws-secrets-manager-rotation-lambdas,
// SecretsManagerRDSPostgreSQLRotationSingleUser/lambda_function.py at commit
// 76d92360dd8c489dc2eeb4a1d0640d4d9b1dccfe, licence MIT-0 (SPDX header in the file). It is not
// product code and is not kept in this repository: the benchmark reads it from templatePath (or
// $ROTATION_TEMPLATE) and refuses a file whose SHA-256 differs from templateSHA256, so the figures
// are always those of the unmodified template.
const (
	templateSource = "github.com/aws-samples/aws-secrets-manager-rotation-lambdas, " +
		"SecretsManagerRDSPostgreSQLRotationSingleUser/lambda_function.py @ 76d92360dd8c489dc2eeb4a1d0640d4d9b1dccfe (MIT-0)"
	templateSHA256 = "a2e44db80dafbf059ce82202e49931f10d1761ce22faf88c50c98b4016959152"
)

// The MongoDB yardstick, when present: AWS's Python single-user MongoDB (DocumentDB) template at
// the same commit, read from mongoTemplatePath (or $MONGO_ROTATION_TEMPLATE) and checked the same
// way. It runs with pymongo 3 (it calls Database.authenticate, which pymongo 4 removed).
const (
	mongoTemplateSource = "github.com/aws-samples/aws-secrets-manager-rotation-lambdas, " +
		"SecretsManagerMongoDBRotationSingleUser/lambda_function.py @ 76d92360dd8c489dc2eeb4a1d0640d4d9b1dccfe (MIT-0)"
	mongoTemplateSHA256 = "2a9e9319f406da02753f32a4155b65783d93609d2141a4eaedf2c09d9215c5b4"
)

// mongoTemplatePath is where make bench-rotator finds the MongoDB template unless
// $MONGO_ROTATION_TEMPLATE names it.
func mongoTemplatePath() string {
	if path := os.Getenv("MONGO_ROTATION_TEMPLATE"); path != "" {
		return path
	}
	return filepath.Join(acctest.RepoRoot(), ".harness", "yardstick", "mongo-template", "lambda_function.py")
}

// haveMongoTemplate reports whether the MongoDB template is there; a file that is not the
// unmodified template fails the benchmark.
func haveMongoTemplate(b *testing.B) bool {
	b.Helper()
	content, err := os.ReadFile(mongoTemplatePath())
	if err != nil {
		b.Logf("the MongoDB template is not at %s (%v): the rotator on MongoDB is measured without it; put %s there unmodified, or name it with MONGO_ROTATION_TEMPLATE",
			mongoTemplatePath(), err, mongoTemplateSource)
		return false
	}
	if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) != mongoTemplateSHA256 {
		b.Fatalf("%s is not the unmodified template %s: SHA-256 %x, want %s", mongoTemplatePath(), mongoTemplateSource, sum, mongoTemplateSHA256)
	}
	return true
}

// templatePath is where make bench-rotator finds the template unless $ROTATION_TEMPLATE names it.
func templatePath() string {
	if path := os.Getenv("ROTATION_TEMPLATE"); path != "" {
		return path
	}
	return filepath.Join(acctest.RepoRoot(), ".harness", "yardstick", "template", "lambda_function.py")
}

// benchCount is a count of rotations from the environment (BENCH_COLD, BENCH_WARM), or def: on a
// shared machine more rotations give steadier medians.
func benchCount(b *testing.B, name string, def, atLeast int) int {
	b.Helper()
	value := os.Getenv(name)
	if value == "" {
		return def
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < atLeast {
		b.Fatalf("%s=%q: want a number of rotations, at least %d", name, value, atLeast)
	}
	return n
}

// contender is a rotation function the benchmark runs under the emulator.
type contender struct {
	name  string
	start func(b *testing.B, endpoint string) *function
	// db is the server its users live on; the shared plain PostgreSQL server when nil.
	db database
}

// measured is one successful invocation as the emulator's REPORT line gives it: Lambda's own
// figures, the same for any runtime.
type measured struct {
	duration time.Duration
	// init is the REPORT's Init Duration: set on the first invocation of an execution environment
	// (the process start and the runtime's initialisation, until it asks for its first event).
	init time.Duration
	// self is the rotator's own log line's duration (zero for the template).
	self time.Duration
	// calls is the rotator's Secrets Manager calls for the step (from its log line; 0 for the template).
	calls int
	wall  time.Duration
}

var reportLine = regexp.MustCompile(`REPORT RequestId: (\S+)\t(?:Init Duration: ([0-9.]+) ms\t)?Duration: ([0-9.]+) ms`)

func milliseconds(text string) time.Duration {
	value, _ := strconv.ParseFloat(text, 64)
	return time.Duration(value * float64(time.Millisecond))
}

// invokeMeasured runs one step, fails the benchmark unless it succeeds, and returns the emulator's
// REPORT figures for it (the emulator prints them before it answers).
func (fn *function) invokeMeasured(event rotator.Event) measured {
	fn.t.Helper()
	fn.mu.Lock()
	defer fn.mu.Unlock()
	body, _ := json.Marshal(event)
	requestID := fmt.Sprintf("bench-%s-%d", event.Step, time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	request, _ := http.NewRequestWithContext(ctx, http.MethodPost, fn.url, bytes.NewReader(body))
	request.Header.Set("X-Amzn-RequestId", requestID)
	started := time.Now()
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		fn.t.Fatalf("invoking %s through the emulator: %v\n%s", event.Step, err, fn.output.String())
	}
	payload, _ := io.ReadAll(response.Body)
	response.Body.Close()
	result := measured{wall: time.Since(started)}
	var functionError struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if response.StatusCode != http.StatusOK || (json.Unmarshal(payload, &functionError) == nil && functionError.ErrorMessage != "") {
		fn.t.Fatalf("%s failed (status %d): %s\n%s", event.Step, response.StatusCode, payload, fn.output.String())
	}
	fn.invokes++
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		for _, match := range reportLine.FindAllStringSubmatch(fn.output.String(), -1) {
			if match[1] == requestID {
				result.duration = milliseconds(match[3])
				if match[2] != "" {
					result.init = milliseconds(match[2])
				}
				if lines := fn.logLines(); len(lines) > 0 && lines[len(lines)-1].Token == event.ClientRequestToken && lines[len(lines)-1].Step == event.Step {
					result.self = time.Duration(lines[len(lines)-1].DurationMS * float64(time.Millisecond))
					result.calls = lines[len(lines)-1].SecretsManagerCalls
				}
				return result
			}
		}
		if time.Now().After(deadline) {
			fn.t.Fatalf("no REPORT line for %s; output:\n%s", event.Step, fn.output.String())
		}
	}
}

// rotateMeasured plays Secrets Manager for one rotation (as secretFixture.rotate) and returns the
// handler time: the sum of the four steps' Durations, plus the Init Duration on a cold start.
func rotateMeasured(s *secretFixture) (handler, self time.Duration, perStep []measured) {
	s.t.Helper()
	token := newToken()
	if err := s.startRotation(token); err != nil {
		s.t.Fatalf("starting the rotation: %v", err)
	}
	// RotateSecret also starts LocalStack's own rotation in a background thread, which invokes the
	// placeholder function and fails: let it end before the first step, so that LocalStack's extra
	// work lands in no contender's figures.
	time.Sleep(rotationSettle)
	for _, step := range steps {
		m := s.fn.invokeMeasured(rotator.Event{SecretID: s.arn, ClientRequestToken: token, Step: step})
		handler += m.init + m.duration
		self += m.self
		perStep = append(perStep, m)
	}
	return handler, self, perStep
}

// rotationSettle is the pause between RotateSecret and the first step (rotateMeasured).
const rotationSettle = 100 * time.Millisecond

// stepFigures describes one rotation step by step: the emulator's Duration (and Init Duration),
// and the rotator's Secrets Manager calls.
func stepFigures(perStep []measured) string {
	parts := make([]string, len(perStep))
	for i, m := range perStep {
		parts[i] = fmt.Sprintf("%s %.1f ms", steps[i], ms(m.duration))
		if m.init > 0 {
			parts[i] += fmt.Sprintf(" + init %.1f ms", ms(m.init))
		}
		if m.self > 0 {
			parts[i] += fmt.Sprintf(" (%d calls)", m.calls)
		}
	}
	return strings.Join(parts, ", ")
}

// benchApp is a PostgreSQL user with its secret, rotated by a contender's function.
func benchApp(b *testing.B, db database, endpoint string, c contender) *app {
	b.Helper()
	if c.db != nil {
		db = c.db
	}
	a := &app{username: "bench_" + randomSuffix(), password: "Init-" + randomSuffix() + "-pw"}
	a.table = db.createApp(b, a.username, a.password)
	a.secretFixture = createSecret(b, db, endpoint, connection(db, a.username, a.password))
	a.fn = c.start(b, endpoint)
	return a
}

// startTemplate runs the template under the emulator with the Python runtime interface client
// (awslambdaric), the way Lambda's python3.13 runtime runs it: the emulator starts
// `python -m awslambdaric lambda_function.lambda_handler` at the first invocation.
func startTemplate(b *testing.B, endpoint string) *function {
	b.Helper()
	return startTemplateFile(b, endpoint, templatePath())
}

// startTemplateFile runs the template at path (the PostgreSQL or the MongoDB one) as startTemplate does.
func startTemplateFile(b *testing.B, endpoint, path string) *function {
	b.Helper()
	python := installYardstick(b)
	dir := filepath.Dir(path)
	home := b.TempDir()
	env := map[string]string{
		// The template requires it; AWS's templates are deployed with it set to the region's endpoint.
		rotator.EnvSecretsManagerEndpoint: endpoint,
		"AWS_DEFAULT_REGION":              acctest.Region,
		"LAMBDA_TASK_ROOT":                dir,
		"_HANDLER":                        "lambda_function.lambda_handler",
		// No ~/.aws of the machine's; no bytecode written next to the template (Lambda's task root is read-only).
		"HOME":                    home,
		"PYTHONDONTWRITEBYTECODE": "1",
	}
	if templateKeepAlive() {
		env["PYTHONPATH"] = keepAliveSiteCustomize(b)
	}
	return startRuntime(b, endpoint, env, dir, python, "-m", "awslambdaric", "lambda_function.lambda_handler")
}

// templateKeepAlive (BENCH_TEMPLATE_KEEPALIVE=1) puts the template on the rotator's footing for
// connections. LocalStack's gateway closes a connection after each answer unless the request asks
// for keep-alive; the rotator asks, boto3 does not, so by default the template opens a connection
// per call here, where on AWS its client (one per invocation) would keep one for the invocation.
// With it, a sitecustomize module has botocore ask for keep-alive too; the template file itself is
// unchanged.
func templateKeepAlive() bool { return os.Getenv("BENCH_TEMPLATE_KEEPALIVE") == "1" }

func keepAliveSiteCustomize(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	const module = `# bench-rotator with BENCH_TEMPLATE_KEEPALIVE=1: botocore asks for keep-alive, as the rotator does.
from botocore import handlers


def _keep_alive(request, **kwargs):
    request.headers["Connection"] = "keep-alive"


handlers.BUILTIN_HANDLERS.append(("before-send", _keep_alive))
`
	if err := os.WriteFile(filepath.Join(dir, "sitecustomize.py"), []byte(module), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

func startRotator(b *testing.B, endpoint string) *function {
	b.Helper()
	return startFunction(b, endpoint, map[string]string{rotator.EnvSecretsManagerEndpoint: endpoint})
}

// startBaseline runs another build of the rotator, $ROTATOR_BASELINE (make bench-rotator
// ROTATOR_BASELINE_REF=<git ref> builds it with scripts/build-rotator-baseline.sh), so that a
// change's before and after are measured in the same run.
func startBaseline(b *testing.B, endpoint string) *function {
	b.Helper()
	bootstrap := os.Getenv("ROTATOR_BASELINE")
	return startRuntime(b, endpoint, map[string]string{rotator.EnvSecretsManagerEndpoint: endpoint}, filepath.Dir(bootstrap), bootstrap)
}

// installYardstick checks the template and installs its Python runtime (scripts/install-yardstick.sh).
func installYardstick(b *testing.B) string {
	b.Helper()
	content, err := os.ReadFile(templatePath())
	if err != nil {
		b.Fatalf("the yardstick template is not at %s (%v): put %s there unmodified, or name it with ROTATION_TEMPLATE",
			templatePath(), err, templateSource)
	}
	if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) != templateSHA256 {
		b.Fatalf("%s is not the unmodified template %s: SHA-256 %x, want %s", templatePath(), templateSource, sum, templateSHA256)
	}
	out, err := exec.Command("bash", filepath.Join(acctest.RepoRoot(), "scripts", "install-yardstick.sh")).Output()
	if err != nil {
		b.Fatalf("scripts/install-yardstick.sh: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// BenchmarkRotatorVersusTemplate measures, in one run, our rotator and AWS's Python single-user
// PostgreSQL template the same way: each under the AWS Lambda Runtime Interface Emulator (its
// REPORT lines give the durations, as Lambda's do), against the same LocalStack (directly, not
// through the harness's recording proxy) and the same PostgreSQL server, on secrets of the same
// shape (plaintext: the harness's plain server has no TLS, and ssl=false keeps the template from
// trying TLS first). Handler time of a rotation is the sum of its four steps' Durations; cold is
// the first rotation of a new execution environment with its Init Duration added (the emulator
// dispatches the init without waiting for it, so the process start lands in the first Duration; the
// median of BENCH_COLD environments, 7 by default); warm is the median of BENCH_WARM rotations (21 by
// default, at least 9) in one environment after its first. The
// contenders take turns at every rotation, so they see the same machine. With $ROTATOR_BASELINE
// (another build of the rotator) it is a third contender: a change's before and after, in one run;
// with BENCH_TLS=1 the rotator also rotates over verified TLS. The rotator on MongoDB (FerretDB) is
// always a contender, beside PostgreSQL, and AWS's MongoDB template when it is present. Figures are logged and reported as
// metrics, never asserted: run with make bench-rotator (-benchtime=1x).
func BenchmarkRotatorVersusTemplate(b *testing.B) {
	requireAcc(b)
	db := postgresDatabase{srv: dbserver.Shared(b, dbserver.Options{Engine: dbserver.Postgres})}
	endpoint := acctest.LocalStackEndpoint(b)
	installYardstick(b)
	contenders := []contender{{name: "rotator", start: startRotator}, {name: "template", start: startTemplate}}
	if baseline := os.Getenv("ROTATOR_BASELINE"); baseline != "" {
		if _, err := os.Stat(baseline); err != nil {
			b.Fatalf("ROTATOR_BASELINE: %v", err)
		}
		contenders = append(contenders, contender{name: "baseline", start: startBaseline})
	}
	if os.Getenv("BENCH_TLS") == "1" {
		// What verified TLS costs the rotator (the default for a secret without ssl = false): the
		// harness's TLS server, its test CA given as DB_CA_BUNDLE_PEM. Not compared with the
		// template, which verifies against a fixed /etc/pki/tls/cert.pem.
		tlsDB := postgresDatabase{srv: dbserver.Shared(b, dbserver.Options{Engine: dbserver.Postgres, TLS: true})}
		contenders = append(contenders, contender{name: "rotator-tls", db: tlsDB, start: func(b *testing.B, endpoint string) *function {
			return startFunction(b, endpoint, map[string]string{
				rotator.EnvSecretsManagerEndpoint: endpoint,
				rotator.EnvDatabaseCABundlePEM:    string(tlsDB.srv.CACertPEM),
			})
		}})
	}
	// The rotator on MongoDB (FerretDB, plaintext like the PostgreSQL server), beside PostgreSQL,
	// and AWS's MongoDB template on the same server when it is present.
	mongoDB := mongoDatabase{srv: dbserver.Shared(b, dbserver.Options{Engine: dbserver.FerretDB})}
	contenders = append(contenders, contender{name: "rotator-mongo", db: mongoDB, start: startRotator})
	if haveMongoTemplate(b) {
		contenders = append(contenders, contender{name: "template-mongo", db: mongoDB, start: func(b *testing.B, endpoint string) *function {
			return startTemplateFile(b, endpoint, mongoTemplatePath())
		}})
	}
	coldRuns := benchCount(b, "BENCH_COLD", 7, 1)
	warmRuns := benchCount(b, "BENCH_WARM", 21, warmRotations)
	for range b.N {
		cold := map[string][]time.Duration{}
		coldSelf := map[string][]time.Duration{}
		lastCold := map[string][]measured{}
		lastWarm := map[string][]measured{}
		for range coldRuns {
			for _, c := range contenders {
				a := benchApp(b, db, endpoint, c)
				handler, self, perStep := rotateMeasured(a.secretFixture)
				a.assertCurrentLogsIn()
				lastCold[c.name] = perStep
				cold[c.name] = append(cold[c.name], handler)
				coldSelf[c.name] = append(coldSelf[c.name], self)
				a.fn.stop()
			}
		}
		warm := map[string][]time.Duration{}
		warmSelf := map[string][]time.Duration{}
		apps := map[string]*app{}
		for _, c := range contenders {
			apps[c.name] = benchApp(b, db, endpoint, c)
			_, _, _ = rotateMeasured(apps[c.name].secretFixture) // the cold start, not counted
		}
		for range warmRuns {
			for _, c := range contenders {
				handler, self, perStep := rotateMeasured(apps[c.name].secretFixture)
				lastWarm[c.name] = perStep
				warm[c.name] = append(warm[c.name], handler)
				warmSelf[c.name] = append(warmSelf[c.name], self)
			}
		}
		for _, c := range contenders {
			apps[c.name].assertCurrentLogsIn()
			b.Logf("%-8s cold %8.2f ms (median of %d: %v), warm %7.2f ms (median of %d: %v)", c.name,
				ms(median(cold[c.name])), coldRuns, msList(cold[c.name]), ms(median(warm[c.name])), warmRuns, msList(warm[c.name]))
			b.Logf("%-8s last cold rotation: %s", c.name, stepFigures(lastCold[c.name]))
			b.Logf("%-8s last warm rotation: %s", c.name, stepFigures(lastWarm[c.name]))
		}
		b.Logf("rotator's own log line (handler only, no process start): cold %.2f ms, warm %.2f ms",
			ms(median(coldSelf["rotator"])), ms(median(warmSelf["rotator"])))
		warmRatio := ms(median(warm["template"])) / ms(median(warm["rotator"]))
		coldRatio := ms(median(cold["template"])) / ms(median(cold["rotator"]))
		if templateKeepAlive() {
			b.Logf("the template's botocore asked for keep-alive (BENCH_TEMPLATE_KEEPALIVE=1)")
		}
		b.Logf("template / rotator: warm %.1fx (goal >= 3x), cold %.1fx (goal >= 6x)", warmRatio, coldRatio)
		// The machine's load moves both contenders' times together; the ratio of each rotation pair
		// (taken one right after the other) is steadier than the ratio of the medians.
		warmPaired, coldPaired := pairedRatio(warm["template"], warm["rotator"]), pairedRatio(cold["template"], cold["rotator"])
		b.Logf("template / rotator, median of the paired rotations' ratios: warm %.1fx, cold %.1fx", warmPaired, coldPaired)
		b.ReportMetric(warmPaired, "warm-paired-ratio")
		b.ReportMetric(coldPaired, "cold-paired-ratio")
		if _, ok := warm["baseline"]; ok {
			b.Logf("template / baseline (%s): warm %.1fx, cold %.1fx", os.Getenv("ROTATOR_BASELINE"),
				ms(median(warm["template"]))/ms(median(warm["baseline"])), ms(median(cold["template"]))/ms(median(cold["baseline"])))
			b.ReportMetric(ms(median(warm["baseline"])), "baseline-warm-ms")
			b.ReportMetric(ms(median(cold["baseline"])), "baseline-cold-ms")
		}
		b.Logf("rotator on MongoDB (FerretDB) / on PostgreSQL: warm %.1fx, cold %.1fx",
			ms(median(warm["rotator-mongo"]))/ms(median(warm["rotator"])), ms(median(cold["rotator-mongo"]))/ms(median(cold["rotator"])))
		if _, ok := warm["template-mongo"]; ok {
			mongoWarm, mongoCold := pairedRatio(warm["template-mongo"], warm["rotator-mongo"]), pairedRatio(cold["template-mongo"], cold["rotator-mongo"])
			b.Logf("MongoDB template / rotator, median of the paired rotations' ratios: warm %.1fx, cold %.1fx", mongoWarm, mongoCold)
			b.ReportMetric(ms(median(warm["template-mongo"])), "template-mongo-warm-ms")
			b.ReportMetric(ms(median(cold["template-mongo"])), "template-mongo-cold-ms")
			b.ReportMetric(mongoWarm, "mongo-warm-paired-ratio")
			b.ReportMetric(mongoCold, "mongo-cold-paired-ratio")
		}
		b.ReportMetric(ms(median(warm["rotator-mongo"])), "rotator-mongo-warm-ms")
		b.ReportMetric(ms(median(cold["rotator-mongo"])), "rotator-mongo-cold-ms")
		b.ReportMetric(ms(median(warm["rotator"])), "rotator-warm-ms")
		b.ReportMetric(ms(median(cold["rotator"])), "rotator-cold-ms")
		b.ReportMetric(ms(median(warm["template"])), "template-warm-ms")
		b.ReportMetric(ms(median(cold["template"])), "template-cold-ms")
		b.ReportMetric(warmRatio, "warm-ratio")
		b.ReportMetric(coldRatio, "cold-ratio")
	}
}

// pairedRatio is the median of numerator[i] / denominator[i].
func pairedRatio(numerator, denominator []time.Duration) float64 {
	ratios := make([]float64, len(numerator))
	for i := range numerator {
		ratios[i] = ms(numerator[i]) / ms(denominator[i])
	}
	slices.Sort(ratios)
	return ratios[len(ratios)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func msList(values []time.Duration) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = strconv.FormatFloat(ms(v), 'f', 1, 64)
	}
	return strings.Join(parts, " ")
}
