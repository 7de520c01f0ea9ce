package credentials

import (
	"encoding/json"
	"strings"
)

// Engines are the engine values the rotator supports.
var Engines = []string{"postgres", "mysql", "mariadb", "aurora-postgresql", "aurora-mysql", EngineMongo, EngineRedshift}

// EngineMongo is the engine of Amazon DocumentDB's secrets (and MongoDB's): the MongoDB wire
// protocol. EngineRedshift is Amazon Redshift's, which the rotator rotates with the single-user
// strategy only (SingleUserOnly).
const (
	EngineMongo    = "mongo"
	EngineRedshift = "redshift"
)

// SecretEngine is the secret's engine for an engine the RDS API reports: DocumentDB's docdb is
// mongo, as AWS writes DocumentDB secrets; the others are the same.
func SecretEngine(rdsEngine string) string {
	if rdsEngine == "docdb" {
		return EngineMongo
	}
	return rdsEngine
}

// SingleUserOnly reports whether an engine is rotated by the single-user strategy only.
func SingleUserOnly(engine string) bool { return engine == EngineRedshift }

// DefaultPort is an engine's usual port, used when neither the configuration nor RDS gives one.
func DefaultPort(engine string) int64 {
	switch {
	case engine == EngineMongo:
		return 27017
	case engine == EngineRedshift:
		return 5439
	case strings.Contains(engine, "postgres"):
		return 5432
	}
	return 3306
}

// UsernameLimit is the longest user name an engine accepts, and whether it counts bytes (true) or
// characters: PostgreSQL's NAMEDATALEN - 1 = 63 bytes, MySQL 8's 32 characters, MariaDB's 80
// characters (mysql.user's User column). 0 for an engine without a documented limit here.
func UsernameLimit(engine string) (limit int, bytes bool) {
	switch engine {
	case "postgres", "aurora-postgresql":
		return 63, true
	case "mysql", "aurora-mysql":
		return 32, false
	case "mariadb":
		return 80, false
	}
	return 0, false
}

// Rotation strategies, as the rotator's ROTATION_STRATEGY accepts them.
const (
	StrategySingleUser       = "single_user"
	StrategyAlternatingUsers = "alternating_users"
)

// Strategies lists the strategies, for validators and documentation.
var Strategies = []string{StrategySingleUser, StrategyAlternatingUsers}

// CloneSuffix makes the alternating user's name from the configured one, as in the AWS templates.
const CloneSuffix = "_clone"

// Staging labels of the rotation protocol.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// Environment variables the rotator reads and the bundle sets. The password ones are those of the
// AWS rotation templates.
const (
	EnvPasswordLength          = "PASSWORD_LENGTH"
	EnvExcludeCharacters       = "EXCLUDE_CHARACTERS"
	EnvExcludeNumbers          = "EXCLUDE_NUMBERS"
	EnvExcludePunctuation      = "EXCLUDE_PUNCTUATION"
	EnvExcludeUppercase        = "EXCLUDE_UPPERCASE"
	EnvExcludeLowercase        = "EXCLUDE_LOWERCASE"
	EnvRequireEachIncludedType = "REQUIRE_EACH_INCLUDED_TYPE"
	EnvRotationStrategy        = "ROTATION_STRATEGY"
	EnvSecretsManagerEndpoint  = "SECRETS_MANAGER_ENDPOINT"
	// EnvDatabaseCABundle names a PEM file of CA certificates shipped with the function.
	EnvDatabaseCABundle = "DB_CA_BUNDLE"
	// EnvDatabaseCABundlePEM holds PEM CA certificates themselves: the bundle sets it from
	// credentials.ssl_ca_bundle. The rotator trusts them besides the Amazon RDS CAs and the system's.
	EnvDatabaseCABundlePEM = "DB_CA_BUNDLE_PEM"
)

// Outcome says how a rotation step ended.
type Outcome string

const (
	// OutcomeSucceeded: the step did its work.
	OutcomeSucceeded Outcome = "succeeded"
	// OutcomeAlreadyDone: the step had nothing to do, because an earlier attempt for the same
	// token already did it or the token is already AWSCURRENT.
	OutcomeAlreadyDone Outcome = "already_done"
	// OutcomeFailed: the step failed; Code and Error say why.
	OutcomeFailed Outcome = "failed"
)

// Code is the stable identifier of a rotation failure; codes are never renamed.
type Code string

// LogLine is the one JSON line the rotator writes to stdout per step. The bundle reads the latest
// line with outcome "failed" from the function's log group to show the last rotation error, so
// fields are only ever added, never renamed.
type LogLine struct {
	Step    string  `json:"step"`
	Secret  string  `json:"secret"`
	Token   string  `json:"token"`
	Outcome Outcome `json:"outcome"`
	// DurationMS is the handler's own time for the step, in milliseconds.
	DurationMS float64 `json:"duration_ms"`
	// SecretsManagerCalls counts the Secrets Manager API calls the step made.
	SecretsManagerCalls int    `json:"secrets_manager_calls"`
	Error               string `json:"error,omitempty"`
	Code                Code   `json:"code,omitempty"`
}

// ParseLogLine reads a rotator log line from a log event's message. Lines the rotator did not
// write (the runtime's START/END/REPORT lines, anything else on stdout) return false.
func ParseLogLine(message string) (LogLine, bool) {
	message = strings.TrimSpace(message)
	if !strings.HasPrefix(message, "{") {
		return LogLine{}, false
	}
	var line LogLine
	if err := json.Unmarshal([]byte(message), &line); err != nil {
		return LogLine{}, false
	}
	if line.Step == "" || line.Outcome == "" {
		return LogLine{}, false
	}
	return line, true
}
