package rotator

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

// The character classes of Secrets Manager's GetRandomPassword: letters, digits and the 32 ASCII
// punctuation characters (no space: the rotator never asks for IncludeSpace).
const (
	upperCharacters       = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerCharacters       = "abcdefghijklmnopqrstuvwxyz"
	numberCharacters      = "0123456789"
	punctuationCharacters = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// generatePassword makes a password with GetRandomPassword's rules, locally with crypto/rand
// instead of a call to Secrets Manager (AWS's own templates make that call; it is a round trip per
// rotation and needs no secret): PasswordLength characters from the classes not excluded, minus
// ExcludeCharacters, each character drawn uniformly; with RequireEachIncludedType, at least one
// character of every class that is left.
func (s Settings) generatePassword() (string, error) {
	var classes []string
	for _, class := range []struct {
		characters string
		excluded   bool
	}{
		{upperCharacters, s.ExcludeUppercase},
		{lowerCharacters, s.ExcludeLowercase},
		{numberCharacters, s.ExcludeNumbers},
		{punctuationCharacters, s.ExcludePunctuation},
	} {
		if class.excluded {
			continue
		}
		kept := strings.Map(func(r rune) rune {
			if strings.ContainsRune(s.ExcludeCharacters, r) {
				return -1
			}
			return r
		}, class.characters)
		if kept != "" {
			classes = append(classes, kept)
		}
	}
	all := strings.Join(classes, "")
	if all == "" {
		return "", failure(CodeInvalidSettings, "the password settings exclude every character; fix the function's EXCLUDE_* variables")
	}
	length := int(s.PasswordLength)
	if s.RequireEachIncludedType && length < len(classes) {
		return "", failure(CodeInvalidSettings, "PASSWORD_LENGTH=%d is shorter than the %d character types REQUIRE_EACH_INCLUDED_TYPE asks for", length, len(classes))
	}
	password := make([]byte, 0, length)
	if s.RequireEachIncludedType {
		for _, class := range classes {
			c, err := randomCharacter(class)
			if err != nil {
				return "", err
			}
			password = append(password, c)
		}
	}
	for len(password) < length {
		c, err := randomCharacter(all)
		if err != nil {
			return "", err
		}
		password = append(password, c)
	}
	// Shuffle, so the required characters are not always first.
	for i := len(password) - 1; i > 0; i-- {
		j, err := randomIndex(i + 1)
		if err != nil {
			return "", err
		}
		password[i], password[j] = password[j], password[i]
	}
	return string(password), nil
}

func randomCharacter(characters string) (byte, error) {
	i, err := randomIndex(len(characters))
	if err != nil {
		return 0, err
	}
	return characters[i], nil
}

func randomIndex(n int) (int, error) {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, fmt.Errorf("reading random bytes: %w", err)
	}
	return int(i.Int64()), nil
}
