package bundle

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/rds"
	rdstypes "github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/rds/types"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/redshift"
)

type fakeRDS struct {
	awsclient.RDSAPI
	instances map[string]rdstypes.DBInstance
	clusters  map[string]rdstypes.DBCluster
}

func (f fakeRDS) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	instance, ok := f.instances[aws.ToString(in.DBInstanceIdentifier)]
	if !ok {
		return nil, apiError("DBInstanceNotFound", "DBInstance not found")
	}
	return &rds.DescribeDBInstancesOutput{DBInstances: []rdstypes.DBInstance{instance}}, nil
}

func (f fakeRDS) DescribeDBClusters(_ context.Context, in *rds.DescribeDBClustersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	cluster, ok := f.clusters[aws.ToString(in.DBClusterIdentifier)]
	if !ok {
		return nil, apiError("DBClusterNotFoundFault", "DBCluster not found")
	}
	return &rds.DescribeDBClustersOutput{DBClusters: []rdstypes.DBCluster{cluster}}, nil
}

func TestCredentialsFromTheDatabase(t *testing.T) {
	f := newFakeAWS()
	deps := f.deps()
	deps.AWS.RDS = fakeRDS{
		instances: map[string]rdstypes.DBInstance{"orders": {Engine: aws.String("postgres"), DBName: aws.String("orders"),
			Endpoint: &rdstypes.Endpoint{Address: aws.String("orders.abc.rds.amazonaws.com"), Port: aws.Int32(5433)}}},
		clusters: map[string]rdstypes.DBCluster{"billing": {Engine: aws.String("aurora-mysql"), Endpoint: aws.String("billing.cluster.rds.amazonaws.com"), Port: aws.Int32(3306)}},
	}

	spec := testSpec()
	spec.Credentials = Credentials{Username: "app"}
	spec.Database = &Database{InstanceIdentifier: "orders"}
	if err := deps.fillFromDatabase(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if c := spec.Credentials; c.Engine != "postgres" || c.Host != "orders.abc.rds.amazonaws.com" || c.Port != 5433 || c.DBName != "orders" {
		t.Errorf("credentials from the instance = %+v", c)
	}
	value, err := secretJSON(&Spec{Credentials: Credentials{Engine: "postgres", Host: "h", Username: "u", Password: "p"}, Database: spec.Database}, "")
	if err != nil || !strings.Contains(value, `"dbInstanceIdentifier":"orders"`) {
		t.Errorf("the identifier is not stored: %s %v", value, err)
	}

	spec = testSpec()
	spec.Credentials = Credentials{Username: "app", Host: "configured.example"}
	spec.Database = &Database{ClusterIdentifier: "billing"}
	if err := deps.fillFromDatabase(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if c := spec.Credentials; c.Engine != "aurora-mysql" || c.Host != "configured.example" || c.Port != 3306 {
		t.Errorf("configured values must win over the cluster's: %+v", c)
	}

	spec.Database = &Database{InstanceIdentifier: "missing"}
	if err := deps.fillFromDatabase(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "database.instance_identifier") {
		t.Errorf("a missing instance should name the attribute: %v", err)
	}
}

// A DocumentDB cluster is an RDS API cluster whose engine is docdb: the secret's engine is mongo,
// as AWS writes DocumentDB secrets, with the cluster's endpoint and port.
func TestCredentialsFromADocumentDBCluster(t *testing.T) {
	f := newFakeAWS()
	deps := f.deps()
	deps.AWS.RDS = fakeRDS{clusters: map[string]rdstypes.DBCluster{"docs": {Engine: aws.String("docdb"),
		Endpoint: aws.String("docs.cluster-abc.eu-west-1.docdb.amazonaws.com"), Port: aws.Int32(27017)}}}
	spec := testSpec()
	spec.Credentials = Credentials{Username: "app"}
	spec.Database = &Database{ClusterIdentifier: "docs"}
	if err := deps.fillFromDatabase(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if c := spec.Credentials; c.Engine != "mongo" || c.Host != "docs.cluster-abc.eu-west-1.docdb.amazonaws.com" || c.Port != 27017 || c.DBName != "" {
		t.Errorf("credentials from the DocumentDB cluster = %+v", c)
	}
}

type fakeRedshift map[string]redshift.Cluster

func (f fakeRedshift) DescribeClusters(_ context.Context, in *redshift.DescribeClustersInput, _ ...func(*redshift.Options)) (*redshift.DescribeClustersOutput, error) {
	cluster, ok := f[aws.ToString(in.ClusterIdentifier)]
	if !ok {
		return nil, apiError("ClusterNotFound", "Cluster not found")
	}
	return &redshift.DescribeClustersOutput{Clusters: []redshift.Cluster{cluster}}, nil
}

// With engine redshift, database.cluster_identifier names a Redshift cluster: its endpoint, port
// and database fill the credentials, and RDS is not asked.
func TestCredentialsFromARedshiftCluster(t *testing.T) {
	f := newFakeAWS()
	deps := f.deps()
	deps.AWS.RDS = fakeRDS{}
	deps.AWS.Redshift = fakeRedshift{"warehouse": {DBName: aws.String("analytics"),
		Endpoint: &redshift.Endpoint{Address: aws.String("warehouse.abc.eu-west-1.redshift.amazonaws.com"), Port: aws.Int32(5439)}}}
	spec := testSpec()
	spec.Credentials = Credentials{Engine: "redshift", Username: "etl"}
	spec.Database = &Database{ClusterIdentifier: "warehouse"}
	if err := deps.fillFromDatabase(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if c := spec.Credentials; c.Engine != "redshift" || c.Host != "warehouse.abc.eu-west-1.redshift.amazonaws.com" || c.Port != 5439 || c.DBName != "analytics" {
		t.Errorf("credentials from the Redshift cluster = %+v", c)
	}
	spec.Database = &Database{ClusterIdentifier: "missing"}
	if err := deps.fillFromDatabase(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "Redshift cluster missing") || !strings.Contains(err.Error(), "database.cluster_identifier") {
		t.Errorf("a missing cluster should name it and the attribute: %v", err)
	}
	// Without engine redshift the identifier is an RDS (Aurora, DocumentDB) cluster's.
	spec.Credentials = Credentials{Username: "etl"}
	spec.Database = &Database{ClusterIdentifier: "warehouse"}
	if err := deps.fillFromDatabase(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "RDS cluster warehouse") {
		t.Errorf("without engine redshift the RDS cluster should be looked up: %v", err)
	}
}
