package awsclient

import (
	"context"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/rds"
)

// RDSAPI is the part of the rds client this provider uses.
type RDSAPI interface {
	DescribeDBInstances(ctx context.Context, params *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	DescribeDBClusters(ctx context.Context, params *rds.DescribeDBClustersInput, optFns ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
}

var _ RDSAPI = (*rds.Client)(nil)
