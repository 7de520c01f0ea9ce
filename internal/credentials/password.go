package credentials

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// The character classes of Secrets Manager's GetRandomPassword: letters, digits and the 32 ASCII
// punctuation characters (no space: neither the bundle nor the rotator asks for IncludeSpace).
const (
	UppercaseCharacters   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	LowercaseCharacters   = "abcdefghijklmnopqrstuvwxyz"
	NumberCharacters      = "0123456789"
	PunctuationCharacters = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// PasswordRules are GetRandomPassword's parameters, as the bundle's first password and the
// rotator's new ones use them.
type PasswordRules struct {
	Length             int64
	ExcludeCharacters  string
	ExcludeUppercase   bool
	ExcludeLowercase   bool
	ExcludeNumbers     bool
	ExcludePunctuation bool
	// RequireEachIncludedType asks for at least one character of every class that is left.
	RequireEachIncludedType bool
}

// Errors of GeneratePassword, for callers to word in their own terms (an attribute, a variable).
var (
	// ErrNoCharacters: the rules exclude every character.
	ErrNoCharacters = errors.New("the password rules exclude every character")
	// ErrTooShort: the length cannot hold one character of each required class.
	ErrTooShort = errors.New("the password length is shorter than the number of character classes it must include")
)

// GeneratePassword makes a password with GetRandomPassword's rules, locally with crypto/rand
// instead of a call to Secrets Manager (a round trip that needs no secret): Length characters from
// the classes not excluded, minus ExcludeCharacters, each drawn uniformly, shuffled so that the
// required characters are not always first. It is the one password generator of the project.
func GeneratePassword(r PasswordRules) (string, error) {
	var classes []string
	for _, class := range []struct {
		characters string
		excluded   bool
	}{
		{UppercaseCharacters, r.ExcludeUppercase},
		{LowercaseCharacters, r.ExcludeLowercase},
		{NumberCharacters, r.ExcludeNumbers},
		{PunctuationCharacters, r.ExcludePunctuation},
	} {
		if class.excluded {
			continue
		}
		kept := strings.Map(func(c rune) rune {
			if strings.ContainsRune(r.ExcludeCharacters, c) {
				return -1
			}
			return c
		}, class.characters)
		if kept != "" {
			classes = append(classes, kept)
		}
	}
	all := strings.Join(classes, "")
	if all == "" {
		return "", ErrNoCharacters
	}
	if r.RequireEachIncludedType && r.Length < int64(len(classes)) {
		return "", fmt.Errorf("%w (%d characters, %d classes)", ErrTooShort, r.Length, len(classes))
	}
	password := make([]byte, 0, r.Length)
	if r.RequireEachIncludedType {
		for _, class := range classes {
			c, err := randomCharacter(class)
			if err != nil {
				return "", err
			}
			password = append(password, c)
		}
	}
	for int64(len(password)) < r.Length {
		c, err := randomCharacter(all)
		if err != nil {
			return "", err
		}
		password = append(password, c)
	}
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
