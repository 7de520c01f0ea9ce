package bundle

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Strategies of the rotator, as its ROTATION_STRATEGY accepts them.
const (
	StrategySingleUser       = "single_user"
	StrategyAlternatingUsers = "alternating_users"
)

// CloneSuffix makes the alternating user's name from the configured one, as the rotator does.
const CloneSuffix = "_clone"

// Strategies lists the strategies, for validators and documentation.
var Strategies = []string{StrategySingleUser, StrategyAlternatingUsers}

// Engines are the engine values of the RDS credentials format the rotator supports.
var Engines = []string{"postgres", "mysql", "mariadb", "aurora-postgresql", "aurora-mysql"}

// DefaultPort is each engine's usual port, used when the configuration gives none.
func DefaultPort(engine string) int64 {
	if strings.Contains(engine, "postgres") {
		return 5432
	}
	return 3306
}

// secretKeys are the keys Terraform manages; every other key of the JSON (added by the rotator or
// by hand) is kept as it is.
var secretKeys = []string{"engine", "host", "port", "dbname", "username", "ssl", "masterarn", "dbInstanceIdentifier", "dbClusterIdentifier"}

// secretJSON merges the spec's credentials into current (the JSON of the current version, or
// empty at creation). The password is taken from the spec only when it holds one; otherwise the
// current password stays, because rotation owns it.
func secretJSON(spec *Spec, current string) (string, error) {
	fields := map[string]any{}
	if current != "" {
		if err := json.Unmarshal([]byte(current), &fields); err != nil {
			return "", errors.New("the secret's current value is not a JSON object, so its credential keys cannot be updated; put a JSON object in it or replace the resource")
		}
	}
	for _, key := range secretKeys {
		if key != "username" {
			delete(fields, key)
		}
	}
	c := spec.Credentials
	currentUser, _ := fields["username"].(string)
	fields["engine"] = c.Engine
	fields["host"] = c.Host
	fields["port"] = c.Port
	fields["username"] = c.Username
	if currentUser == c.Username+CloneSuffix && c.Password == "" {
		// Alternating users: rotation has moved the secret to the clone, whose password it
		// holds; keep the pair together.
		fields["username"] = currentUser
	}
	if c.DBName != "" {
		fields["dbname"] = c.DBName
	}
	if c.SSL != nil {
		fields["ssl"] = *c.SSL
	}
	if spec.Rotation.Strategy == StrategyAlternatingUsers && spec.Rotation.MasterSecretARN != "" {
		fields["masterarn"] = spec.Rotation.MasterSecretARN
	}
	if spec.Database != nil {
		if spec.Database.InstanceIdentifier != "" {
			fields["dbInstanceIdentifier"] = spec.Database.InstanceIdentifier
		}
		if spec.Database.ClusterIdentifier != "" {
			fields["dbClusterIdentifier"] = spec.Database.ClusterIdentifier
		}
	}
	if c.Password != "" {
		fields["password"] = c.Password
	}
	if _, ok := fields["password"]; !ok {
		return "", errors.New("no password to store: set credentials.password_wo or let the provider generate one at creation")
	}
	encoded, err := json.Marshal(fields)
	if err != nil {
		return "", fmt.Errorf("encoding the secret value: %w", err)
	}
	return string(encoded), nil
}

// CredentialKeys are the Terraform-managed keys read back from a secret value, for drift.
type CredentialKeys struct {
	Engine   string
	Host     string
	Port     int64
	DBName   string
	Username string
	SSL      *bool
	// MasterARN is the alternating-users master secret (masterarn).
	MasterARN string
}

func parseCredentialKeys(value string) (CredentialKeys, bool) {
	var raw struct {
		Engine    string          `json:"engine"`
		Host      string          `json:"host"`
		Port      json.RawMessage `json:"port"`
		DBName    string          `json:"dbname"`
		Username  string          `json:"username"`
		SSL       *bool           `json:"ssl"`
		MasterARN string          `json:"masterarn"`
	}
	if err := json.Unmarshal([]byte(value), &raw); err != nil {
		return CredentialKeys{}, false
	}
	keys := CredentialKeys{Engine: raw.Engine, Host: raw.Host, DBName: raw.DBName, Username: raw.Username, SSL: raw.SSL, MasterARN: raw.MasterARN}
	// The port is a number in the RDS format, but people store it as a string too.
	var port int64
	if err := json.Unmarshal(raw.Port, &port); err != nil {
		var s string
		if json.Unmarshal(raw.Port, &s) == nil {
			_, _ = fmt.Sscan(s, &port)
		}
	}
	keys.Port = port
	return keys, true
}

// Character classes of generated passwords, as GetRandomPassword draws them.
const (
	lowercase   = "abcdefghijklmnopqrstuvwxyz"
	uppercase   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits      = "0123456789"
	punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// GeneratePassword draws the first password locally, with the rules the rotator's
// GetRandomPassword calls use (length, excluded characters, one of each included class), so that
// creating the secret does not wait for an extra API call.
func GeneratePassword(length int64, exclude string) (string, error) {
	var classes []string
	for _, class := range []string{lowercase, uppercase, digits, punctuation} {
		kept := strings.Map(func(r rune) rune {
			if strings.ContainsRune(exclude, r) {
				return -1
			}
			return r
		}, class)
		if kept != "" {
			classes = append(classes, kept)
		}
	}
	if len(classes) == 0 {
		return "", errors.New("rotation.exclude_characters excludes every character a password can have; allow some letters or digits")
	}
	if length < int64(len(classes)) {
		return "", fmt.Errorf("rotation.password_length %d is too short to hold one character of each of the %d allowed kinds", length, len(classes))
	}
	all := strings.Join(classes, "")
	password := make([]byte, length)
	for i := range password {
		pool := all
		if i < len(classes) {
			pool = classes[i]
		}
		password[i] = pool[randomIndex(len(pool))]
	}
	// The first characters were one per class; shuffle so their position gives nothing away.
	for i := len(password) - 1; i > 0; i-- {
		j := randomIndex(i + 1)
		password[i], password[j] = password[j], password[i]
	}
	return string(password), nil
}

func randomIndex(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		// crypto/rand never fails on supported platforms.
		panic(err)
	}
	return int(v.Int64())
}
