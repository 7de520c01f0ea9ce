// Package rds is a small RDS client for the two read-only operations the provider calls
// (DescribeDBInstances, DescribeDBClusters), with the names and shapes of
// github.com/aws/aws-sdk-go-v2/service/rds, whose generated package (2.4 MB of the binary) it
// replaces. Calls go through internal/awsclient/awsrpc: the shared aws.Config's credentials, HTTP
// client, retryer and endpoint resolution, and the SDK's error wording.
package rds

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/awsrpc"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/rds/types"
)

// ServiceID is the SDK's service id.
const ServiceID = "RDS"

var service = awsrpc.Service{ID: ServiceID, SigningName: "rds", APIVersion: "2014-10-31",
	// The errors of DescribeDBInstances and DescribeDBClusters in the API model.
	ModeledErrors: []string{"DBInstanceNotFound", "DBClusterNotFoundFault"}}

// Options are the client's settings.
type Options = awsrpc.Options

// Client is an RDS client.
type Client struct {
	rpc *awsrpc.QueryClient
}

// New returns a client with options o.
func New(o Options, optFns ...func(*Options)) *Client {
	return &Client{rpc: &awsrpc.QueryClient{Client: awsrpc.New(service, o, optFns...), Version: "2014-10-31"}}
}

// NewFromConfig returns a client that uses cfg as the SDK's NewFromConfig would.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	return New(awsrpc.OptionsFromConfig(cfg, service, nil), optFns...)
}

func (c *Client) call(ctx context.Context, operation string, params url.Values, result any, optFns []func(*Options)) error {
	o := c.rpc.Options
	for _, fn := range optFns {
		fn(&o)
	}
	return c.rpc.Call(ctx, operation, params, result, o)
}

// DescribeDBInstancesInput names the instance to describe (all when empty).
type DescribeDBInstancesInput struct {
	DBInstanceIdentifier *string
	Marker               *string
	MaxRecords           *int32
}

// DescribeDBInstancesOutput lists instances.
type DescribeDBInstancesOutput struct {
	DBInstances []types.DBInstance `xml:"DBInstances>DBInstance"`
	Marker      *string            `xml:"Marker"`
}

// DescribeDBInstances describes DB instances.
func (c *Client) DescribeDBInstances(ctx context.Context, params *DescribeDBInstancesInput, optFns ...func(*Options)) (*DescribeDBInstancesOutput, error) {
	if params == nil {
		params = &DescribeDBInstancesInput{}
	}
	form := url.Values{}
	setString(form, "DBInstanceIdentifier", params.DBInstanceIdentifier)
	setString(form, "Marker", params.Marker)
	setInt(form, "MaxRecords", params.MaxRecords)
	out := &DescribeDBInstancesOutput{}
	if err := c.call(ctx, "DescribeDBInstances", form, out, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeDBClustersInput names the cluster to describe (all when empty).
type DescribeDBClustersInput struct {
	DBClusterIdentifier *string
	Marker              *string
	MaxRecords          *int32
}

// DescribeDBClustersOutput lists clusters.
type DescribeDBClustersOutput struct {
	DBClusters []types.DBCluster `xml:"DBClusters>DBCluster"`
	Marker     *string           `xml:"Marker"`
}

// DescribeDBClusters describes DB clusters.
func (c *Client) DescribeDBClusters(ctx context.Context, params *DescribeDBClustersInput, optFns ...func(*Options)) (*DescribeDBClustersOutput, error) {
	if params == nil {
		params = &DescribeDBClustersInput{}
	}
	form := url.Values{}
	setString(form, "DBClusterIdentifier", params.DBClusterIdentifier)
	setString(form, "Marker", params.Marker)
	setInt(form, "MaxRecords", params.MaxRecords)
	out := &DescribeDBClustersOutput{}
	if err := c.call(ctx, "DescribeDBClusters", form, out, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

func setString(form url.Values, key string, value *string) {
	if value != nil {
		form.Set(key, *value)
	}
}

func setInt(form url.Values, key string, value *int32) {
	if value != nil {
		form.Set(key, fmt.Sprint(*value))
	}
}
