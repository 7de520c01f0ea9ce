package rotator

import (
	"strings"
	"testing"
)

func TestGeneratePasswordFollowsTheRules(t *testing.T) {
	s := DefaultSettings()
	seen := map[byte]bool{}
	for range 200 {
		password, err := s.generatePassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(password) != 32 {
			t.Fatalf("length %d", len(password))
		}
		if strings.ContainsAny(password, s.ExcludeCharacters) || strings.ContainsRune(password, ' ') {
			t.Fatalf("%q holds an excluded character", password)
		}
		for _, class := range []string{upperCharacters, lowerCharacters, numberCharacters, punctuationCharacters} {
			if !strings.ContainsAny(password, class) {
				t.Fatalf("%q lacks a character of %q", password, class)
			}
		}
		for i := range len(password) {
			seen[password[i]] = true
		}
	}
	// 94 printable characters minus the 6 excluded: all should appear in 6,400 draws.
	if len(seen) != 94-len(s.ExcludeCharacters) {
		t.Errorf("%d distinct characters in 200 passwords, want %d", len(seen), 94-len(s.ExcludeCharacters))
	}

	s = Settings{PasswordLength: 12, ExcludePunctuation: true, ExcludeUppercase: true, ExcludeCharacters: "0123456789abcdef", RequireEachIncludedType: true}
	password, err := s.generatePassword()
	if err != nil || len(password) != 12 || strings.Trim(password, "ghijklmnopqrstuvwxyz6789") != "" && strings.ContainsAny(password, "0123456789abcdefABCDEF!@#") {
		t.Errorf("restricted password %q, %v", password, err)
	}
	if strings.ContainsAny(password, "0123456789") {
		t.Errorf("%q holds an excluded digit", password)
	}

	if _, err := (Settings{PasswordLength: 2, RequireEachIncludedType: true}).generatePassword(); CodeOf(err) != CodeInvalidSettings {
		t.Errorf("2 characters for 4 required types: %v", err)
	}
	if _, err := (Settings{PasswordLength: 8, ExcludeCharacters: upperCharacters + lowerCharacters + numberCharacters + punctuationCharacters}).generatePassword(); CodeOf(err) != CodeInvalidSettings {
		t.Errorf("every character excluded: %v", err)
	}
}
