package rotator

import (
	"errors"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

func TestRoleDifference(t *testing.T) {
	base := []mongoRole{{"readWrite", "app"}, {"read", "reports"}}
	missing, extra := roleDifference(base, []mongoRole{{"read", "reports"}, {"dbAdmin", "app"}})
	if !slices.Equal(missing, []string{"readWrite@app"}) || !slices.Equal(extra, []string{"dbAdmin@app"}) {
		t.Errorf("missing %v, extra %v", missing, extra)
	}
	if missing, extra := roleDifference(base, []mongoRole{{"read", "reports"}, {"readWrite", "app"}}); len(missing)+len(extra) != 0 {
		t.Errorf("the same roles in another order differ: missing %v, extra %v", missing, extra)
	}
	// The same role name on another database is another role.
	if missing, _ := roleDifference(base[:1], []mongoRole{{"readWrite", "other"}}); len(missing) != 1 {
		t.Error("readWrite@other counted as readWrite@app")
	}
}

func TestClassifyMongoConnectError(t *testing.T) {
	creds := Credentials{Host: "db", Port: 27017, Username: "app", DBName: "admin"}
	for _, c := range []struct {
		err  error
		want Code
	}{
		{mongo.CommandError{Code: 18, Name: "AuthenticationFailed", Message: "Authentication failed."}, CodeDBLoginFailed},
		{errors.New("connection() error occurred during connection handshake: auth error: sasl conversation error: unable to authenticate using mechanism \"SCRAM-SHA-256\": (AuthenticationFailed) Authentication failed."), CodeDBLoginFailed},
		{errors.New("server selection error: context deadline exceeded, current topology: { Type: Single, Servers: [{ Addr: db:27017, Type: Unknown, Last error: dial tcp db:27017: connect: connection refused }, ] }"), CodeDBUnreachable},
		{errors.New("server selection error: ... tls: failed to verify certificate: x509: certificate signed by unknown authority"), CodeDBTLSFailed},
	} {
		err := classifyMongoConnectError(c.err, creds)
		var rotatorErr *Error
		if !errors.As(err, &rotatorErr) || rotatorErr.Code != c.want {
			t.Errorf("%v: got %v, want code %s", c.err, err, c.want)
		}
	}
	creds.TLS = tlsDisable
	var rotatorErr *Error
	if err := classifyMongoConnectError(errors.New("x509: unknown authority"), creds); !errors.As(err, &rotatorErr) || rotatorErr.Code != CodeDBUnreachable {
		t.Errorf("a TLS error with ssl false: %v", err)
	}
}
