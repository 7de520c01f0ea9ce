package rotator

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/rdsca"
)

// RDS and Aurora endpoints of every partition: commercial, China (.amazonaws.com.cn) and GovCloud
// (us-gov-*, under .rds.amazonaws.com), instances, clusters and proxies.
func TestIsRDSHost(t *testing.T) {
	for host, want := range map[string]bool{
		"db.abcdefghijkl.us-east-1.rds.amazonaws.com":                 true,
		"app.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com":        true,
		"app.cluster-ro-abcdefghijkl.cn-north-1.rds.amazonaws.com.cn": true,
		"db.abcdefghijkl.cn-northwest-1.rds.amazonaws.com.cn":         true,
		"db.abcdefghijkl.us-gov-west-1.rds.amazonaws.com":             true,
		"app.cluster-abcdefghijkl.us-gov-east-1.rds.amazonaws.com":    true,
		"proxy.proxy-abcdefghijkl.us-gov-west-1.rds.amazonaws.com":    true,
		"DB.ABCDEFGHIJKL.US-EAST-1.RDS.AMAZONAWS.COM.":                true,
		"db.example.com":                false,
		"rds.amazonaws.com.example.com": false,
		"db.abcdefghijkl.us-east-1.rds.amazonaws.com.cn.attacker.example": false,
		"db.abcdefghijkl.us-east-1.redshift.amazonaws.com":                false,
		"10.0.0.12": false,
	} {
		if got := IsRDSHost(host); got != want {
			t.Errorf("IsRDSHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// The trust store holds every embedded Amazon RDS CA, the GovCloud roots included, next to the
// system's roots.
func TestRootPoolTrustsTheEmbeddedRDSCAs(t *testing.T) {
	pool, err := RootPool("", "")
	if err != nil {
		t.Fatal(err)
	}
	rest := rdsca.PEM()
	var govCloud int
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
		if strings.Contains(cert.Subject.CommonName, "us-gov-") {
			govCloud++
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool}); err != nil {
			t.Errorf("%s does not verify against the trust store: %v", cert.Subject.CommonName, err)
		}
	}
	if govCloud != 6 {
		t.Errorf("%d GovCloud roots embedded, want 6 (RSA2048, RSA4096, ECC384 for us-gov-west-1 and us-gov-east-1)", govCloud)
	}
}
