package rotator

import (
	"strings"
	"testing"
)

func envOf(values map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		value, ok := values[name]
		return value, ok
	}
}

func TestSettingsFromEnvDefaults(t *testing.T) {
	settings, err := SettingsFromEnv(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if settings != DefaultSettings() || settings.PasswordLength != 32 || settings.ExcludeCharacters != ":/@\"'\\" || !settings.RequireEachIncludedType {
		t.Errorf("defaults: %+v", settings)
	}
}

func TestSettingsFromEnvReadsEveryVariable(t *testing.T) {
	settings, err := SettingsFromEnv(envOf(map[string]string{
		EnvPasswordLength: "20", EnvExcludeCharacters: "", EnvExcludeNumbers: "true", EnvExcludePunctuation: "TRUE",
		EnvExcludeUppercase: "1", EnvExcludeLowercase: "false", EnvRequireEachIncludedType: "false", EnvRotationStrategy: "alternating_users",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{Strategy: StrategyAlternatingUsers, PasswordLength: 20, ExcludeNumbers: true, ExcludePunctuation: true, ExcludeUppercase: true}
	if settings != want {
		t.Errorf("got %+v, want %+v", settings, want)
	}
	password, err := settings.generatePassword()
	if err != nil || len(password) != 20 || strings.Trim(password, lowerCharacters) != "" {
		t.Errorf("password %q (%v), want 20 lower-case letters", password, err)
	}
}

func TestSettingsFromEnvRejectsBadValues(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"length":   {EnvPasswordLength: "0"},
		"bool":     {EnvExcludeNumbers: "sometimes"},
		"strategy": {EnvRotationStrategy: "round_robin"},
		"all excluded": {EnvExcludeNumbers: "true", EnvExcludePunctuation: "true",
			EnvExcludeUppercase: "true", EnvExcludeLowercase: "true"},
	} {
		if _, err := SettingsFromEnv(envOf(env)); CodeOf(err) != CodeInvalidSettings {
			t.Errorf("%s: got %v, want an invalid_settings error", name, err)
		}
	}
}
