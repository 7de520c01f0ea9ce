package rotator

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/rdsca"
)

// rdsHostSuffixes are the endpoint suffixes of RDS and Aurora (commercial, China and GovCloud
// partitions: GovCloud endpoints end in .rds.amazonaws.com too).
var rdsHostSuffixes = []string{".rds.amazonaws.com", ".rds.amazonaws.com.cn"}

// IsRDSHost reports whether host is an RDS or Aurora endpoint, whose certificates the embedded
// Amazon RDS CAs verify.
func IsRDSHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, suffix := range rdsHostSuffixes {
		if strings.HasSuffix(host, suffix) {
			return true
		}
	}
	return false
}

// RootPool is the trust store for database servers: the system's roots (a self-managed server with
// a certificate from a public CA), the Amazon RDS CAs embedded in the function (every RDS and
// Aurora endpoint), and the user's own bundle for servers under a private CA: inline PEM (from
// DB_CA_BUNDLE_PEM) and/or a PEM file (DB_CA_BUNDLE).
func RootPool(inlinePEM, path string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		// A function image without a system store still verifies RDS and the user's CAs.
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(rdsca.PEM()) {
		return nil, failure(CodeInvalidSettings, "the embedded Amazon RDS CA bundle holds no certificate; rebuild the function")
	}
	if strings.TrimSpace(inlinePEM) != "" {
		if err := appendPEM(pool, []byte(inlinePEM)); err != nil {
			return nil, failure(CodeInvalidSettings, "the database CA bundle in %s (credentials.ssl_ca_bundle) is invalid: %v; give one or more PEM certificates", EnvDatabaseCABundlePEM, err)
		}
	}
	if path != "" {
		content, err := os.ReadFile(path)
		if err != nil {
			return nil, failure(CodeInvalidSettings, "reading the database CA bundle %s named by %s: %v; ship the file with the function or unset the variable", path, EnvDatabaseCABundle, err)
		}
		if err := appendPEM(pool, content); err != nil {
			return nil, failure(CodeInvalidSettings, "the database CA bundle %s named by %s is invalid: %v", path, EnvDatabaseCABundle, err)
		}
	}
	return pool, nil
}

// RootPoolOnce returns a function that builds RootPool on its first call and returns the same
// pool (or error) to every later or concurrent call: the bootstrap builds the trust store only
// when a TLS login first needs it (Config.LoadRootCAs).
func RootPoolOnce(inlinePEM, path string) func() (*x509.CertPool, error) {
	return sync.OnceValues(func() (*x509.CertPool, error) {
		return RootPool(inlinePEM, path)
	})
}

// CheckCABundle checks the user's CA bundle (DB_CA_BUNDLE_PEM and/or the file DB_CA_BUNDLE names)
// with RootPool's rules without building the trust store: the bootstrap reports its error from
// every step, whether or not the step logs in with TLS.
func CheckCABundle(inlinePEM, path string) error {
	if strings.TrimSpace(inlinePEM) != "" {
		if _, err := credentials.ParseCABundle([]byte(inlinePEM)); err != nil {
			return failure(CodeInvalidSettings, "the database CA bundle in %s (credentials.ssl_ca_bundle) is invalid: %v; give one or more PEM certificates", EnvDatabaseCABundlePEM, err)
		}
	}
	if path != "" {
		content, err := os.ReadFile(path)
		if err != nil {
			return failure(CodeInvalidSettings, "reading the database CA bundle %s named by %s: %v; ship the file with the function or unset the variable", path, EnvDatabaseCABundle, err)
		}
		if _, err := credentials.ParseCABundle(content); err != nil {
			return failure(CodeInvalidSettings, "the database CA bundle %s named by %s is invalid: %v", path, EnvDatabaseCABundle, err)
		}
	}
	return nil
}

func appendPEM(pool *x509.CertPool, content []byte) error {
	certs, err := credentials.ParseCABundle(content)
	if err != nil {
		return err
	}
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	return nil
}

// certificateProblem names what went wrong with the server's certificate, from crypto/tls's and
// crypto/x509's errors, which the drivers wrap or flatten into text.
func certificateProblem(err error) string {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return "the server's certificate is signed by an unknown authority (" + certificateName(unknown.Cert) + ")"
	case errors.As(err, &hostname):
		return "the server's certificate does not name the host: " + hostname.Error()
	case errors.As(err, &invalid):
		return "the server's certificate is invalid: " + invalid.Error()
	}
	text := err.Error()
	switch {
	case strings.Contains(text, "certificate signed by unknown authority"):
		return "the server's certificate is signed by an unknown authority: " + text
	case strings.Contains(text, "certificate is valid for"), strings.Contains(text, "doesn't contain any IP SANs"):
		return "the server's certificate does not name the host: " + text
	}
	return text
}

func certificateName(cert *x509.Certificate) string {
	if cert == nil {
		return "no certificate"
	}
	return fmt.Sprintf("subject %q, issuer %q", cert.Subject.String(), cert.Issuer.String())
}

// tlsAdvice is what to do about a failed TLS login.
func tlsAdvice(creds Credentials) string {
	if IsRDSHost(creds.Host) {
		return "RDS and Aurora certificates are verified against the Amazon RDS CAs embedded in the rotator; check that the host is the instance's or cluster's endpoint"
	}
	return "enable TLS on the server and add its CA certificate to credentials.ssl_ca_bundle, or set ssl = false to log in in plaintext"
}
