package awsclient

import (
	"context"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/rds"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/redshift"
)

// RDSAPI is the part of the rds client this provider uses.
type RDSAPI interface {
	DescribeDBInstances(ctx context.Context, params *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	DescribeDBClusters(ctx context.Context, params *rds.DescribeDBClustersInput, optFns ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
}

var _ RDSAPI = (*rds.Client)(nil)

// RedshiftAPI is the part of the redshift client this provider uses: a Redshift cluster named by
// database.cluster_identifier with credentials.engine = "redshift".
type RedshiftAPI interface {
	DescribeClusters(ctx context.Context, params *redshift.DescribeClustersInput, optFns ...func(*redshift.Options)) (*redshift.DescribeClustersOutput, error)
}

var _ RedshiftAPI = (*redshift.Client)(nil)
