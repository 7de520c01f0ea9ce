package rdsca

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

// TestBundle checks every certificate of the embedded copy: an Amazon RDS CA (subject and issuer
// in Amazon Web Services' RDS organisation), a CA certificate, a root's self-signature intact (a
// copy error in the base64 breaks it), and valid today. It prints each one's subject and validity.
func TestBundle(t *testing.T) {
	rest := PEM()
	byName := map[string]*x509.Certificate{}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			t.Fatalf("block %q is not a certificate", block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("certificate %d: %v", len(certs)+1, err)
		}
		certs = append(certs, cert)
		byName[cert.Subject.String()] = cert
	}
	if strings.TrimSpace(string(rest)) != "" {
		t.Fatalf("text after the last certificate: %q", rest)
	}
	if len(certs) == 0 {
		t.Fatal("the bundle holds no certificate")
	}
	now := time.Now()
	for _, cert := range certs {
		t.Logf("%s | issuer %s | %s .. %s", cert.Subject.CommonName, cert.Issuer.CommonName, cert.NotBefore.Format(time.DateOnly), cert.NotAfter.Format(time.DateOnly))
		for _, name := range []struct{ what, org, unit, cn string }{
			{"subject", first(cert.Subject.Organization), first(cert.Subject.OrganizationalUnit), cert.Subject.CommonName},
			{"issuer", first(cert.Issuer.Organization), first(cert.Issuer.OrganizationalUnit), cert.Issuer.CommonName},
		} {
			if name.org != "Amazon Web Services, Inc." || name.unit != "Amazon RDS" || !strings.HasPrefix(name.cn, "Amazon RDS ") {
				t.Errorf("%s: %s is not an Amazon RDS CA (O=%q OU=%q CN=%q)", cert.Subject, name.what, name.org, name.unit, name.cn)
			}
		}
		if !cert.IsCA || !cert.BasicConstraintsValid {
			t.Errorf("%s is not a CA certificate", cert.Subject)
		}
		if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
			t.Errorf("%s is not valid now (%s to %s)", cert.Subject, cert.NotBefore, cert.NotAfter)
		}
		issuer, ok := byName[cert.Issuer.String()]
		if !ok {
			t.Errorf("%s: its issuer %s is not in the bundle", cert.Subject, cert.Issuer)
			continue
		}
		if err := cert.CheckSignatureFrom(issuer); err != nil {
			t.Errorf("%s: signature by %s does not verify: %v", cert.Subject, cert.Issuer, err)
		}
	}
}

// TestPartitions: the roots of both GovCloud (US) regions are embedded, for each of the three CA
// families; the China regions' CAs are not (README.md), so no certificate names them.
func TestPartitions(t *testing.T) {
	names := map[string]bool{}
	rest := PEM()
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		names[cert.Subject.CommonName] = true
	}
	for _, region := range []string{"us-gov-west-1", "us-gov-east-1", "us-east-1", "eu-west-1"} {
		for _, family := range []string{"RSA2048 G1", "RSA4096 G1", "ECC384 G1"} {
			if name := "Amazon RDS " + region + " Root CA " + family; !names[name] {
				t.Errorf("%s is not embedded", name)
			}
		}
	}
	for name := range names {
		if strings.Contains(name, " cn-") {
			t.Errorf("%s is embedded, but README.md says the China regions' CAs are not", name)
		}
	}
	if len(govCloud) == 0 || !strings.HasSuffix(string(PEM()), string(govCloud)) {
		t.Error("PEM() does not end with the GovCloud roots")
	}
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}
