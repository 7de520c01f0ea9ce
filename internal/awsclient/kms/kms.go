// Package kms is a small KMS client for the one read-only operation the provider calls
// (DescribeKey, to resolve a key given by alias or id to its ARN), with the names and shapes of
// github.com/aws/aws-sdk-go-v2/service/kms, whose generated package would grow the binary for one
// call. Calls go through internal/awsclient/awsrpc: the shared aws.Config's credentials, HTTP
// client, retryer and endpoint resolution, and the SDK's error wording.
package kms

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/awsrpc"
)

// ServiceID is the SDK's service id.
const ServiceID = "KMS"

var service = awsrpc.Service{ID: ServiceID, SigningName: "kms", APIVersion: "2014-11-01",
	// The errors of DescribeKey in the API model.
	ModeledErrors: []string{"DependencyTimeoutException", "InvalidArnException", "KMSInternalException", "NotFoundException"}}

// Options are the client's settings.
type Options = awsrpc.Options

// Client is a KMS client.
type Client struct {
	rpc *awsrpc.JSONClient
}

// New returns a client with options o.
func New(o Options, optFns ...func(*Options)) *Client {
	for _, fn := range optFns {
		fn(&o)
	}
	return &Client{rpc: &awsrpc.JSONClient{Client: awsrpc.New(service, o), TargetPrefix: "TrentService"}}
}

// NewFromConfig returns a client that uses cfg as the SDK's NewFromConfig would.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	return New(awsrpc.OptionsFromConfig(cfg, service, nil), optFns...)
}

// DescribeKeyInput names the key: key id, key ARN, alias name or alias ARN.
type DescribeKeyInput struct {
	KeyId *string `json:"KeyId"`
}

// KeyMetadata is the part of a key's metadata the provider reads.
type KeyMetadata struct {
	Arn          *string `json:"Arn"`
	KeyId        *string `json:"KeyId"`
	AWSAccountId *string `json:"AWSAccountId"`
	KeyManager   *string `json:"KeyManager"`
	KeyState     *string `json:"KeyState"`
}

// DescribeKeyOutput is the key's metadata.
type DescribeKeyOutput struct {
	KeyMetadata *KeyMetadata `json:"KeyMetadata"`
}

// DescribeKey describes a key.
func (c *Client) DescribeKey(ctx context.Context, params *DescribeKeyInput, optFns ...func(*Options)) (*DescribeKeyOutput, error) {
	o := c.rpc.Options
	for _, fn := range optFns {
		fn(&o)
	}
	out := &DescribeKeyOutput{}
	if err := c.rpc.Call(ctx, "DescribeKey", params, out, o); err != nil {
		return nil, err
	}
	return out, nil
}
