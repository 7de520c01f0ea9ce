// Package types holds the CloudWatch Logs shapes the provider reads, with the names and Go types
// of github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types (only the fields the provider uses).
package types

// LogGroup is one DescribeLogGroups result.
type LogGroup struct {
	Arn             *string `json:"arn,omitempty"`
	CreationTime    *int64  `json:"creationTime,omitempty"`
	LogGroupArn     *string `json:"logGroupArn,omitempty"`
	LogGroupName    *string `json:"logGroupName,omitempty"`
	RetentionInDays *int32  `json:"retentionInDays,omitempty"`
	StoredBytes     *int64  `json:"storedBytes,omitempty"`
}

// FilteredLogEvent is one FilterLogEvents result.
type FilteredLogEvent struct {
	EventId       *string `json:"eventId,omitempty"`
	IngestionTime *int64  `json:"ingestionTime,omitempty"`
	LogStreamName *string `json:"logStreamName,omitempty"`
	Message       *string `json:"message,omitempty"`
	Timestamp     *int64  `json:"timestamp,omitempty"`
}
