package awsclient

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

func TestIsSecretMarkedForDeletion(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&types.InvalidRequestException{Message: aws.String("You can't perform this operation on the secret because it was marked for deletion.")}, true},
		{&smithy.GenericAPIError{Code: "InvalidRequestException", Message: "You tried to perform the operation on a secret that's currently marked deleted."}, true},
		{fmt.Errorf("deleting secret: %w", &smithy.GenericAPIError{Code: "InvalidRequestException", Message: "... currently marked deleted."}), true},
		{&smithy.GenericAPIError{Code: "InvalidRequestException", Message: "You can't delete secret that has replicas."}, false},
		{&smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "marked for deletion"}, false},
		{fmt.Errorf("marked for deletion"), false},
		{nil, false},
	} {
		if got := IsSecretMarkedForDeletion(tc.err); got != tc.want {
			t.Errorf("IsSecretMarkedForDeletion(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
