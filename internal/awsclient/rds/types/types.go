// Package types holds the RDS shapes the provider reads, with the names and Go types of
// github.com/aws/aws-sdk-go-v2/service/rds/types (only the fields the provider uses).
package types

// Endpoint is a DB instance's connection endpoint.
type Endpoint struct {
	Address      *string `xml:"Address"`
	Port         *int32  `xml:"Port"`
	HostedZoneId *string `xml:"HostedZoneId"`
}

// DBInstance is one DescribeDBInstances result.
type DBInstance struct {
	DBInstanceIdentifier *string   `xml:"DBInstanceIdentifier"`
	DBInstanceArn        *string   `xml:"DBInstanceArn"`
	DBInstanceStatus     *string   `xml:"DBInstanceStatus"`
	DBName               *string   `xml:"DBName"`
	Endpoint             *Endpoint `xml:"Endpoint"`
	Engine               *string   `xml:"Engine"`
	EngineVersion        *string   `xml:"EngineVersion"`
	MasterUsername       *string   `xml:"MasterUsername"`
}

// DBCluster is one DescribeDBClusters result.
type DBCluster struct {
	DBClusterIdentifier *string `xml:"DBClusterIdentifier"`
	DBClusterArn        *string `xml:"DBClusterArn"`
	Status              *string `xml:"Status"`
	DatabaseName        *string `xml:"DatabaseName"`
	Endpoint            *string `xml:"Endpoint"`
	ReaderEndpoint      *string `xml:"ReaderEndpoint"`
	Engine              *string `xml:"Engine"`
	EngineVersion       *string `xml:"EngineVersion"`
	MasterUsername      *string `xml:"MasterUsername"`
	Port                *int32  `xml:"Port"`
}
