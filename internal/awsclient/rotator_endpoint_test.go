package awsclient

import "testing"

func TestRotatorEndpoint(t *testing.T) {
	for endpoint, ok := range map[string]bool{
		"":                               true,
		"https://secretsmanager.example": true,
		"https://vpce-1.secretsmanager.us-east-1.vpce.amazonaws.com": true,
		"http://127.0.0.1:4566":  true,
		"http://localhost:4566":  true,
		"http://[::1]:4566":      true,
		"http://localstack:4566": false,
		"http://10.0.0.5":        false,
		"ftp://127.0.0.1":        false,
		"not a url":              false,
	} {
		c := &Client{Endpoints: map[string]string{"secretsmanager": endpoint}}
		got, err := c.RotatorEndpoint()
		if ok && (err != nil || got != endpoint) {
			t.Errorf("RotatorEndpoint(%q) = %q, %v; want it accepted", endpoint, got, err)
		}
		if !ok && err == nil {
			t.Errorf("RotatorEndpoint(%q) accepted an endpoint that is neither https nor loopback", endpoint)
		}
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:4566")
	if got, _ := (&Client{}).RotatorEndpoint(); got != "" {
		t.Errorf("RotatorEndpoint took %q from the environment; only the provider block opts in", got)
	}
}
