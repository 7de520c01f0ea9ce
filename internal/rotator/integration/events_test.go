package integration

import "github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"

func eventFor(step, secretID, token string) rotator.Event {
	return rotator.Event{Step: step, SecretID: secretID, ClientRequestToken: token}
}
