// Package redshift is a small Amazon Redshift client for the one read-only operation the provider
// calls (DescribeClusters, by identifier), with the names and shapes of
// github.com/aws/aws-sdk-go-v2/service/redshift, whose generated package would add megabytes to
// the binary for one call. Calls go through internal/awsclient/awsrpc, as the rds client's do.
package redshift

import (
	"context"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/awsrpc"
)

// ServiceID is the SDK's service id.
const ServiceID = "Redshift"

var service = awsrpc.Service{ID: ServiceID, SigningName: "redshift", APIVersion: "2012-12-01",
	// The error of DescribeClusters for an unknown identifier in the API model.
	ModeledErrors: []string{"ClusterNotFound"}}

// Options are the client's settings.
type Options = awsrpc.Options

// Client is a Redshift client.
type Client struct {
	rpc *awsrpc.QueryClient
}

// New returns a client with options o.
func New(o Options, optFns ...func(*Options)) *Client {
	for _, fn := range optFns {
		fn(&o)
	}
	return &Client{rpc: &awsrpc.QueryClient{Client: awsrpc.New(service, o), Version: service.APIVersion}}
}

// NewFromConfig returns a client that uses cfg as the SDK's NewFromConfig would.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	return New(awsrpc.OptionsFromConfig(cfg, service, nil), optFns...)
}

// Endpoint is a cluster's connection endpoint.
type Endpoint struct {
	Address *string `xml:"Address"`
	Port    *int32  `xml:"Port"`
}

// Cluster is one DescribeClusters result (only the fields the provider reads).
type Cluster struct {
	ClusterIdentifier *string   `xml:"ClusterIdentifier"`
	ClusterStatus     *string   `xml:"ClusterStatus"`
	DBName            *string   `xml:"DBName"`
	Endpoint          *Endpoint `xml:"Endpoint"`
	MasterUsername    *string   `xml:"MasterUsername"`
}

// DescribeClustersInput names the cluster to describe (all when empty).
type DescribeClustersInput struct {
	ClusterIdentifier *string
}

// DescribeClustersOutput lists clusters.
type DescribeClustersOutput struct {
	Clusters []Cluster `xml:"Clusters>Cluster"`
	Marker   *string   `xml:"Marker"`
}

// DescribeClusters describes provisioned clusters.
func (c *Client) DescribeClusters(ctx context.Context, params *DescribeClustersInput, optFns ...func(*Options)) (*DescribeClustersOutput, error) {
	form := url.Values{}
	if params != nil && params.ClusterIdentifier != nil {
		form.Set("ClusterIdentifier", *params.ClusterIdentifier)
	}
	o := c.rpc.Options
	for _, fn := range optFns {
		fn(&o)
	}
	out := &DescribeClustersOutput{}
	if err := c.rpc.Call(ctx, "DescribeClusters", form, out, o); err != nil {
		return nil, err
	}
	return out, nil
}
