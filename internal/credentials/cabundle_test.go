package credentials

import (
	"strings"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/rdsca"
)

func TestParseCABundle(t *testing.T) {
	certs, err := ParseCABundle(rdsca.PEM())
	if err != nil || len(certs) < 2 {
		t.Fatalf("the Amazon RDS bundle: %d certificates, %v", len(certs), err)
	}
	first := string(rdsca.PEM())
	first = first[:strings.Index(first, "-----END CERTIFICATE-----")+len("-----END CERTIFICATE-----")] + "\n"
	if certs, err := ParseCABundle([]byte(first)); err != nil || len(certs) != 1 {
		t.Fatalf("one certificate: %d, %v", len(certs), err)
	}
	for name, bad := range map[string]string{
		"empty":           "",
		"not PEM":         "not a certificate",
		"a key":           "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"text after":      first + "trailing words",
		"broken DER":      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"key after certs": first + "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
	} {
		if _, err := ParseCABundle([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
