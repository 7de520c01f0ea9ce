package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Keys of the RDS credentials format.
const (
	KeyEngine               = "engine"
	KeyHost                 = "host"
	KeyPort                 = "port"
	KeyDBName               = "dbname"
	KeyUsername             = "username"
	KeyPassword             = "password"
	KeySSL                  = "ssl"
	KeyMasterARN            = "masterarn"
	KeyDBInstanceIdentifier = "dbInstanceIdentifier"
	KeyDBClusterIdentifier  = "dbClusterIdentifier"
)

// ErrNotObject is Parse's error for a value that is not a JSON object. It never quotes the value,
// which holds a password.
var ErrNotObject = errors.New("the secret value is not a JSON object")

// Value is one secret value in the RDS credentials format. Fields holds every key as stored.
type Value struct {
	Fields map[string]json.RawMessage
}

// Parse reads a secret value. Only a value that is not a JSON object is an error; a key of an
// unusable type is reported by the accessors.
func Parse(value string) (*Value, error) {
	fields := map[string]json.RawMessage{}
	decoder := json.NewDecoder(strings.NewReader(value))
	decoder.UseNumber()
	if err := decoder.Decode(&fields); err != nil || fields == nil {
		return nil, ErrNotObject
	}
	return &Value{Fields: fields}, nil
}

// New is an empty value, for a secret created from scratch.
func New() *Value { return &Value{Fields: map[string]json.RawMessage{}} }

// Has reports whether key is present and not null.
func (v *Value) Has(key string) bool {
	raw, ok := v.Fields[key]
	return ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// String returns the string value of key; false when the key is absent, null or not a string.
func (v *Value) String(key string) (string, bool) {
	raw, ok := v.Fields[key]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// Port returns the port: 0 and no error when absent; an error naming the stored text when it is
// not a TCP port number (the port is no secret).
func (v *Value) Port() (int64, error) {
	if !v.Has(KeyPort) {
		return 0, nil
	}
	raw := v.Fields[KeyPort]
	text := string(raw)
	if s, ok := v.String(KeyPort); ok {
		text = s
	}
	port, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("port %s is not a TCP port number (1-65535)", string(raw))
	}
	return port, nil
}

// SSL returns the ssl key: nil and no error when absent; an error when it is neither a boolean nor
// a string spelling one.
func (v *Value) SSL() (*bool, error) {
	if !v.Has(KeySSL) {
		return nil, nil
	}
	raw := v.Fields[KeySSL]
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return &b, nil
	}
	if s, ok := v.String(KeySSL); ok {
		if b, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			return &b, nil
		}
	}
	return nil, fmt.Errorf("ssl %s is not true or false", string(raw))
}

// Set stores a key: a string, an int64, a bool or anything json.Marshal takes.
func (v *Value) Set(key string, value any) error {
	encoded, err := marshalUnescaped(value)
	if err != nil {
		return err
	}
	v.Fields[key] = encoded
	return nil
}

// Delete removes a key.
func (v *Value) Delete(key string) { delete(v.Fields, key) }

// Encode writes the value as JSON: keys sorted, no HTML escaping.
func (v *Value) Encode() (string, error) {
	encoded, err := marshalUnescaped(v.Fields)
	return string(encoded), err
}

// Credentials are the keys of a value typed by the rules above; a key that is absent or unusable
// is empty (Port 0, SSL nil). Problems lists the keys present with an unusable value, for callers
// that must refuse them (the rotator) rather than skip them (drift, the data source).
type Credentials struct {
	Engine    string
	Host      string
	Port      int64
	DBName    string
	Username  string
	Password  string
	SSL       *bool
	MasterARN string
	// DBInstanceIdentifier and DBClusterIdentifier name the RDS database, when the value does.
	DBInstanceIdentifier string
	DBClusterIdentifier  string
	Problems             []error
}

// Credentials reads the typed keys.
func (v *Value) Credentials() Credentials {
	var c Credentials
	for key, target := range map[string]*string{
		KeyEngine: &c.Engine, KeyHost: &c.Host, KeyDBName: &c.DBName, KeyUsername: &c.Username,
		KeyPassword: &c.Password, KeyMasterARN: &c.MasterARN,
		KeyDBInstanceIdentifier: &c.DBInstanceIdentifier, KeyDBClusterIdentifier: &c.DBClusterIdentifier,
	} {
		*target, _ = v.String(key)
	}
	var err error
	if c.Port, err = v.Port(); err != nil {
		c.Problems = append(c.Problems, err)
	}
	if c.SSL, err = v.SSL(); err != nil {
		c.Problems = append(c.Problems, err)
	}
	return c
}

// ParseCredentials is Parse then Credentials.
func ParseCredentials(value string) (Credentials, error) {
	v, err := Parse(value)
	if err != nil {
		return Credentials{}, err
	}
	return v.Credentials(), nil
}

// marshalUnescaped is json.Marshal without HTML escaping: passwords may hold <, > and &, and are
// kept literal rather than \u-escaped, as the AWS templates and consoles write them.
func marshalUnescaped(value any) ([]byte, error) {
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(value); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
