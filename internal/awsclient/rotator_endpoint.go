package awsclient

import (
	"context"
	"fmt"
	"net"
	"time"
)

// RotatorEndpoint is the Secrets Manager endpoint the rotator Lambda is told to call: the
// provider block's endpoints.secretsmanager, and nothing else. It is never taken from the
// environment of whoever runs Terraform, so a developer's AWS_ENDPOINT_URL cannot end up in a
// function in the cloud. Because the rotator sends passwords there, it must be https, except on
// a loopback address (LocalStack and test harnesses). Empty means the Lambda's own default.
func (c *Client) RotatorEndpoint() (string, error) {
	endpoint := c.Endpoints["secretsmanager"]
	if endpoint == "" {
		return "", nil
	}
	if err := SafeRotatorEndpoint(endpoint); err != nil {
		return "", err
	}
	return endpoint, nil
}

// SafeRotatorEndpoint reports why endpoint may not be given to the rotator, or nil: it must be
// https, or http to a loopback address.
func SafeRotatorEndpoint(endpoint string) error {
	if err := SecureEndpoint(endpoint); err != nil {
		return fmt.Errorf("endpoints.secretsmanager %q is given to the rotator, which sends database passwords there: it %w", endpoint, err)
	}
	return nil
}

// isLoopback reports whether host is a loopback address, or a name whose every address is one
// (localhost, localhost.localstack.cloud).
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return false
		}
	}
	return true
}
