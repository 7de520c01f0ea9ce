package bundle

import (
	"errors"
	"fmt"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// The contract with the rotator lives in internal/credentials; these names stay for the provider.
const (
	StrategySingleUser       = credentials.StrategySingleUser
	StrategyAlternatingUsers = credentials.StrategyAlternatingUsers
	// CloneSuffix makes the alternating user's name from the configured one, as the rotator does.
	CloneSuffix = credentials.CloneSuffix
)

// secretKeys are the keys Terraform manages; every other key of the JSON (added by the rotator or
// by hand) is kept as it is.
var secretKeys = []string{credentials.KeyEngine, credentials.KeyHost, credentials.KeyPort, credentials.KeyDBName, credentials.KeyUsername,
	credentials.KeySSL, credentials.KeyMasterARN, credentials.KeyDBInstanceIdentifier, credentials.KeyDBClusterIdentifier}

// secretJSON merges the spec's credentials into current (the JSON of the current version, or
// empty at creation). The password is taken from the spec only when it holds one; otherwise the
// current password stays, because rotation owns it.
func secretJSON(spec *Spec, current string) (string, error) {
	v := credentials.New()
	if current != "" {
		var err error
		if v, err = credentials.Parse(current); err != nil {
			return "", errors.New("the secret's current value is not a JSON object, so its credential keys cannot be updated; put a JSON object in it or replace the resource")
		}
	}
	currentUser, _ := v.String(credentials.KeyUsername)
	for _, key := range secretKeys {
		v.Delete(key)
	}
	c := spec.Credentials
	username := c.Username
	if currentUser == c.Username+CloneSuffix && c.Password == "" {
		// Alternating users: rotation has moved the secret to the clone, whose password it
		// holds; keep the pair together.
		username = currentUser
	}
	set := map[string]any{credentials.KeyEngine: c.Engine, credentials.KeyHost: c.Host, credentials.KeyPort: c.Port, credentials.KeyUsername: username}
	if c.DBName != "" {
		set[credentials.KeyDBName] = c.DBName
	}
	if c.SSL != nil {
		set[credentials.KeySSL] = *c.SSL
	}
	if spec.Rotation.Strategy == StrategyAlternatingUsers && spec.Rotation.MasterSecretARN != "" {
		set[credentials.KeyMasterARN] = spec.Rotation.MasterSecretARN
	}
	if db := spec.Database; db != nil {
		if db.InstanceIdentifier != "" {
			set[credentials.KeyDBInstanceIdentifier] = db.InstanceIdentifier
		}
		if db.ClusterIdentifier != "" {
			set[credentials.KeyDBClusterIdentifier] = db.ClusterIdentifier
		}
	}
	if c.Password != "" {
		set[credentials.KeyPassword] = c.Password
	}
	for key, value := range set {
		if err := v.Set(key, value); err != nil {
			return "", fmt.Errorf("encoding the secret value: %w", err)
		}
	}
	if !v.Has(credentials.KeyPassword) {
		return "", errors.New("no password to store: set credentials.password_wo or let the provider generate one at creation")
	}
	encoded, err := v.Encode()
	if err != nil {
		return "", fmt.Errorf("encoding the secret value: %w", err)
	}
	return encoded, nil
}

// CredentialKeys are the Terraform-managed keys read back from a secret value, for drift (the
// password left out).
type CredentialKeys = credentials.Credentials

// parseCredentialKeys reads the managed keys by the contract's rules; a key with an unusable value
// reads as absent, so the rest of the value is still compared.
func parseCredentialKeys(value string) (CredentialKeys, bool) {
	c, err := credentials.ParseCredentials(value)
	if err != nil {
		return CredentialKeys{}, false
	}
	c.Password = ""
	return c, true
}

// Character classes of generated passwords, as GetRandomPassword draws them.
// firstPassword draws the first password with the rules the rotator's later ones use
// (credentials.GeneratePassword, one of each class left), so that creating the secret does not wait
// for an extra API call; rules it cannot meet are named by their attributes.
func firstPassword(r Rotation) (string, error) {
	password, err := credentials.GeneratePassword(credentials.PasswordRules{Length: r.PasswordLength, ExcludeCharacters: r.ExcludeCharacters, RequireEachIncludedType: true})
	switch {
	case errors.Is(err, credentials.ErrNoCharacters):
		return "", errors.New("rotation.exclude_characters excludes every character a password can have; allow some letters or digits")
	case errors.Is(err, credentials.ErrTooShort):
		return "", fmt.Errorf("rotation.password_length %d is too short to hold one character of each of the allowed kinds: %w", r.PasswordLength, err)
	}
	return password, err
}
