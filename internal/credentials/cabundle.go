package credentials

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ParseCABundle parses a PEM CA bundle strictly: every block a certificate, at least one, no other
// text. It is the rule for EnvDatabaseCABundlePEM (credentials.ssl_ca_bundle): the provider checks
// the attribute with it at plan time and the rotator reads the variable with it.
func ParseCABundle(content []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := content
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("a PEM block is a %q, not a CERTIFICATE", block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %v", len(certs)+1, err)
		}
		certs = append(certs, cert)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("text outside PEM blocks")
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate (-----BEGIN CERTIFICATE-----)")
	}
	return certs, nil
}
