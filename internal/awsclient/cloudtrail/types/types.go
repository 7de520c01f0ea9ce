// Package types holds the CloudTrail shapes the provider reads, with the names and Go types of
// github.com/aws/aws-sdk-go-v2/service/cloudtrail/types (only the fields the provider uses).
package types

import "time"

// LookupAttributeKey is the attribute a LookupEvents call filters on.
type LookupAttributeKey string

// The lookup attribute keys.
const (
	LookupAttributeKeyEventId      LookupAttributeKey = "EventId"
	LookupAttributeKeyEventName    LookupAttributeKey = "EventName"
	LookupAttributeKeyReadOnly     LookupAttributeKey = "ReadOnly"
	LookupAttributeKeyUsername     LookupAttributeKey = "Username"
	LookupAttributeKeyResourceType LookupAttributeKey = "ResourceType"
	LookupAttributeKeyResourceName LookupAttributeKey = "ResourceName"
	LookupAttributeKeyEventSource  LookupAttributeKey = "EventSource"
	LookupAttributeKeyAccessKeyId  LookupAttributeKey = "AccessKeyId"
)

// LookupAttribute is one LookupEvents filter.
type LookupAttribute struct {
	AttributeKey   LookupAttributeKey `json:"AttributeKey"`
	AttributeValue *string            `json:"AttributeValue"`
}

// Resource is a resource an event refers to.
type Resource struct {
	ResourceName *string `json:"ResourceName,omitempty"`
	ResourceType *string `json:"ResourceType,omitempty"`
}

// Event is one LookupEvents result.
type Event struct {
	AccessKeyId     *string
	CloudTrailEvent *string
	EventId         *string
	EventName       *string
	EventSource     *string
	EventTime       *time.Time
	ReadOnly        *string
	Resources       []Resource
	Username        *string
}

// Trail is one DescribeTrails result.
type Trail struct {
	HomeRegion          *string `json:"HomeRegion,omitempty"`
	IsMultiRegionTrail  *bool   `json:"IsMultiRegionTrail,omitempty"`
	IsOrganizationTrail *bool   `json:"IsOrganizationTrail,omitempty"`
	Name                *string `json:"Name,omitempty"`
	S3BucketName        *string `json:"S3BucketName,omitempty"`
	TrailARN            *string `json:"TrailARN,omitempty"`
}

// ReadWriteType is the kind of events an event selector logs.
type ReadWriteType string

// The read/write types.
const (
	ReadWriteTypeReadOnly  ReadWriteType = "ReadOnly"
	ReadWriteTypeWriteOnly ReadWriteType = "WriteOnly"
	ReadWriteTypeAll       ReadWriteType = "All"
)

// EventSelector is a trail's basic event selector.
type EventSelector struct {
	IncludeManagementEvents       *bool         `json:"IncludeManagementEvents,omitempty"`
	ReadWriteType                 ReadWriteType `json:"ReadWriteType,omitempty"`
	ExcludeManagementEventSources []string      `json:"ExcludeManagementEventSources,omitempty"`
}

// AdvancedFieldSelector is one condition of an advanced event selector.
type AdvancedFieldSelector struct {
	Field         *string  `json:"Field"`
	Equals        []string `json:"Equals,omitempty"`
	NotEquals     []string `json:"NotEquals,omitempty"`
	StartsWith    []string `json:"StartsWith,omitempty"`
	NotStartsWith []string `json:"NotStartsWith,omitempty"`
	EndsWith      []string `json:"EndsWith,omitempty"`
	NotEndsWith   []string `json:"NotEndsWith,omitempty"`
}

// AdvancedEventSelector is a trail's advanced event selector.
type AdvancedEventSelector struct {
	Name           *string                 `json:"Name,omitempty"`
	FieldSelectors []AdvancedFieldSelector `json:"FieldSelectors"`
}
