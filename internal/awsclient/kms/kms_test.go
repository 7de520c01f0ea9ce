package kms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/awsrpc/awsrpctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/kms"
)

// DescribeKey sends TrentService.DescribeKey with the key id and decodes the metadata.
func TestDescribeKey(t *testing.T) {
	srv, seen := awsrpctest.JSONServer(t, 200, `{"KeyMetadata":{"Arn":"arn:aws:kms:us-east-1:123456789012:key/k-1","KeyId":"k-1","AWSAccountId":"123456789012","KeyManager":"CUSTOMER","KeyState":"Enabled"}}`)
	out, err := kms.New(awsrpctest.Options(srv.URL)).DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String("alias/orders")})
	if err != nil {
		t.Fatal(err)
	}
	m := out.KeyMetadata
	if aws.ToString(m.Arn) != "arn:aws:kms:us-east-1:123456789012:key/k-1" || aws.ToString(m.KeyManager) != "CUSTOMER" || aws.ToString(m.AWSAccountId) != "123456789012" ||
		aws.ToString(m.KeyId) != "k-1" || aws.ToString(m.KeyState) != "Enabled" {
		t.Errorf("metadata %+v", m)
	}
	requests := seen()
	if len(requests) != 1 || requests[0].Target != "TrentService.DescribeKey" || !awsrpctest.JSONEqual(requests[0].Body, `{"KeyId":"alias/orders"}`) {
		t.Errorf("requests %+v, want one TrentService.DescribeKey with the key id", requests)
	}
}

// A missing key is the modeled NotFoundException.
func TestDescribeKeyNotFound(t *testing.T) {
	srv, _ := awsrpctest.JSONServer(t, 400, `{"__type":"NotFoundException","message":"Alias arn:aws:kms:us-east-1:123456789012:alias/none is not found."}`)
	_, err := kms.New(awsrpctest.Options(srv.URL)).DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String("alias/none")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NotFoundException" {
		t.Fatalf("err %v, want NotFoundException", err)
	}
}
