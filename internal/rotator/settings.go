package rotator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// Strategy is how a rotation changes credentials.
type Strategy string

const (
	// StrategySingleUser changes the password of the secret's own user.
	StrategySingleUser Strategy = credentials.StrategySingleUser
	// StrategyAlternatingUsers switches between the user and its "_clone", changed by the master
	// user named in the secret's masterarn, so the previous credentials keep working until the next
	// rotation.
	StrategyAlternatingUsers Strategy = credentials.StrategyAlternatingUsers
)

// Strategies lists the accepted values of ROTATION_STRATEGY.
var Strategies = []Strategy{StrategySingleUser, StrategyAlternatingUsers}

// Environment variable names the function reads; the bundle sets them on the function. The
// password ones are those of the AWS rotation templates.
const (
	EnvPasswordLength           = credentials.EnvPasswordLength
	EnvExcludeCharacters        = credentials.EnvExcludeCharacters
	EnvExcludeNumbers           = credentials.EnvExcludeNumbers
	EnvExcludePunctuation       = credentials.EnvExcludePunctuation
	EnvExcludeUppercase         = credentials.EnvExcludeUppercase
	EnvExcludeLowercase         = credentials.EnvExcludeLowercase
	EnvRequireEachIncludedType  = credentials.EnvRequireEachIncludedType
	EnvRotationStrategy         = credentials.EnvRotationStrategy
	EnvSecretsManagerEndpoint   = credentials.EnvSecretsManagerEndpoint
	EnvDatabaseCABundle         = credentials.EnvDatabaseCABundle
	EnvDatabaseCABundlePEM      = credentials.EnvDatabaseCABundlePEM
	defaultPasswordLength       = 32
	defaultExcludeCharacters    = ":/@\"'\\"
	maxPasswordLength           = 4096
	defaultRequireEachType      = true
	defaultRotationStrategyName = StrategySingleUser
)

// Settings is the function's configuration, read once per execution environment.
type Settings struct {
	Strategy                Strategy
	PasswordLength          int64
	ExcludeCharacters       string
	ExcludeNumbers          bool
	ExcludePunctuation      bool
	ExcludeUppercase        bool
	ExcludeLowercase        bool
	RequireEachIncludedType bool
}

// DefaultSettings are the AWS templates' defaults: 32 characters without : / @ " ' \ (":" breaks libpq connection URIs), every type
// required, single user.
func DefaultSettings() Settings {
	return Settings{
		Strategy:                defaultRotationStrategyName,
		PasswordLength:          defaultPasswordLength,
		ExcludeCharacters:       defaultExcludeCharacters,
		RequireEachIncludedType: defaultRequireEachType,
	}
}

// SettingsFromEnv reads the settings from environment variables through lookup (os.LookupEnv).
// A variable set to the empty string counts as set: EXCLUDE_CHARACTERS="" allows every character.
func SettingsFromEnv(lookup func(string) (string, bool)) (Settings, error) {
	settings := DefaultSettings()
	var problems []string
	if value, ok := lookup(EnvPasswordLength); ok && strings.TrimSpace(value) != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil || n < 1 || n > maxPasswordLength {
			problems = append(problems, fmt.Sprintf("%s=%q is not a whole number from 1 to %d", EnvPasswordLength, value, maxPasswordLength))
		} else {
			settings.PasswordLength = n
		}
	}
	if value, ok := lookup(EnvExcludeCharacters); ok {
		settings.ExcludeCharacters = value
	}
	for name, target := range map[string]*bool{
		EnvExcludeNumbers:          &settings.ExcludeNumbers,
		EnvExcludePunctuation:      &settings.ExcludePunctuation,
		EnvExcludeUppercase:        &settings.ExcludeUppercase,
		EnvExcludeLowercase:        &settings.ExcludeLowercase,
		EnvRequireEachIncludedType: &settings.RequireEachIncludedType,
	} {
		value, ok := lookup(name)
		if !ok || strings.TrimSpace(value) == "" {
			continue
		}
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s=%q is not true or false", name, value))
			continue
		}
		*target = b
	}
	if value, ok := lookup(EnvRotationStrategy); ok && strings.TrimSpace(value) != "" {
		settings.Strategy = Strategy(strings.TrimSpace(value))
		if settings.Strategy != StrategySingleUser && settings.Strategy != StrategyAlternatingUsers {
			problems = append(problems, fmt.Sprintf("%s=%q is not %s or %s", EnvRotationStrategy, value, StrategySingleUser, StrategyAlternatingUsers))
		}
	}
	if settings.ExcludeNumbers && settings.ExcludePunctuation && settings.ExcludeUppercase && settings.ExcludeLowercase {
		problems = append(problems, "every character type is excluded, so no password can be generated")
	}
	if len(problems) > 0 {
		// The loop over a map above visits variables in random order; sort for a stable message.
		slices.Sort(problems)
		return settings, failure(CodeInvalidSettings, "the rotation function's environment is invalid: %s; fix the function's environment variables",
			strings.Join(problems, "; "))
	}
	return settings, nil
}
