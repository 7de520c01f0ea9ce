package rotator

import (
	"errors"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// The character classes of Secrets Manager's GetRandomPassword, as credentials defines them.
const (
	upperCharacters       = credentials.UppercaseCharacters
	lowerCharacters       = credentials.LowercaseCharacters
	numberCharacters      = credentials.NumberCharacters
	punctuationCharacters = credentials.PunctuationCharacters
)

// generatePassword makes the rotation's new password with the function's password settings, by
// credentials.GeneratePassword (locally, instead of a GetRandomPassword round trip per rotation);
// rules it cannot meet are the function's invalid settings.
func (s Settings) generatePassword() (string, error) {
	password, err := credentials.GeneratePassword(credentials.PasswordRules{
		Length:                  s.PasswordLength,
		ExcludeCharacters:       s.ExcludeCharacters,
		ExcludeUppercase:        s.ExcludeUppercase,
		ExcludeLowercase:        s.ExcludeLowercase,
		ExcludeNumbers:          s.ExcludeNumbers,
		ExcludePunctuation:      s.ExcludePunctuation,
		RequireEachIncludedType: s.RequireEachIncludedType,
	})
	switch {
	case errors.Is(err, credentials.ErrNoCharacters):
		return "", failure(CodeInvalidSettings, "the password settings exclude every character; fix the function's EXCLUDE_* variables")
	case errors.Is(err, credentials.ErrTooShort):
		return "", failure(CodeInvalidSettings, "PASSWORD_LENGTH=%d is shorter than the character types REQUIRE_EACH_INCLUDED_TYPE asks for: %v", s.PasswordLength, err)
	}
	return password, err
}
