package accessevents

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail/types"
)

// Records as CloudTrail writes them (trimmed of fields we do not read).
const (
	assumedRoleRecord = `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:app-session","arn":"arn:aws:sts::123456789012:assumed-role/app-role/app-session","accountId":"123456789012","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::123456789012:role/app-role","accountId":"123456789012","userName":"app-role"},"attributes":{"creationDate":"2026-11-28T10:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-28T10:15:42Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-sdk-go-v2/1.30.0 os/linux","requestParameters":{"secretId":"app-db"},"responseElements":null,"requestID":"6f8d1b2a-0000-4000-8000-000000000001","eventID":"c0ffee00-0000-4000-8000-000000000001","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}`
	failedUserRecord  = `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAEXAMPLE","userName":"alice"},"eventTime":"2026-11-28T09:00:00Z","eventSource":"secretsmanager.amazonaws.com","eventName":"DeleteSecret","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.4","userAgent":"aws-cli/2.15.0","errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: secretsmanager:DeleteSecret","requestParameters":null,"responseElements":null,"requestID":"r-2","eventID":"e-2","readOnly":false,"eventType":"AwsApiCall"}`
	serviceRecord     = `{"eventVersion":"1.08","userIdentity":{"type":"AWSService","invokedBy":"secretsmanager.amazonaws.com"},"eventTime":"2026-11-28T08:00:00Z","eventSource":"secretsmanager.amazonaws.com","eventName":"RotationSucceeded","awsRegion":"us-east-1","sourceIPAddress":"secretsmanager.amazonaws.com","userAgent":"secretsmanager.amazonaws.com","requestID":"r-3","eventID":"e-3","readOnly":false,"eventType":"AwsServiceEvent"}`
)

func TestParseEventAssumedRole(t *testing.T) {
	at := time.Date(2026, 11, 28, 10, 15, 42, 0, time.UTC)
	got := ParseEvent(types.Event{
		EventId: aws.String("c0ffee00-0000-4000-8000-000000000001"), EventName: aws.String("GetSecretValue"),
		EventTime: aws.Time(at), ReadOnly: aws.String("true"), AccessKeyId: aws.String("ASIAEXAMPLE"),
		Username: aws.String("app-session"), EventSource: aws.String("secretsmanager.amazonaws.com"),
		CloudTrailEvent: aws.String(assumedRoleRecord),
	})
	want := Event{
		EventID: "c0ffee00-0000-4000-8000-000000000001", EventTime: at, EventName: "GetSecretValue",
		EventSource: "secretsmanager.amazonaws.com", Username: "app-session",
		PrincipalARN: "arn:aws:sts::123456789012:assumed-role/app-role/app-session", PrincipalType: "AssumedRole",
		AccessKeyID: "ASIAEXAMPLE", SourceIPAddress: "203.0.113.7", UserAgent: "aws-sdk-go-v2/1.30.0 os/linux",
		AWSRegion: "eu-west-1", ReadOnly: true, RequestID: "6f8d1b2a-0000-4000-8000-000000000001",
		IssuerARN: "arn:aws:iam::123456789012:role/app-role",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed\n%+v\nwant\n%+v", got, want)
	}
}

// With only the record (no summary fields), the record fills everything, the session name too.
func TestParseEventFromRecordAlone(t *testing.T) {
	got := ParseEvent(types.Event{CloudTrailEvent: aws.String(assumedRoleRecord)})
	if got.Username != "app-session" || got.EventID != "c0ffee00-0000-4000-8000-000000000001" || got.AccessKeyID != "ASIAEXAMPLE" ||
		!got.EventTime.Equal(time.Date(2026, 11, 28, 10, 15, 42, 0, time.UTC)) || !got.ReadOnly {
		t.Fatalf("parsed %+v: want the record's id, time, key and session name", got)
	}
}

func TestParseEventError(t *testing.T) {
	got := ParseEvent(types.Event{EventId: aws.String("e-2"), ReadOnly: aws.String("false"), CloudTrailEvent: aws.String(failedUserRecord)})
	if got.ErrorCode != "AccessDenied" || got.ErrorMessage == "" || got.Username != "alice" || got.PrincipalType != "IAMUser" ||
		got.PrincipalARN != "arn:aws:iam::123456789012:user/alice" || got.ReadOnly || got.EventName != "DeleteSecret" {
		t.Fatalf("parsed %+v", got)
	}
}

func TestParseEventAWSService(t *testing.T) {
	got := ParseEvent(types.Event{CloudTrailEvent: aws.String(serviceRecord)})
	if got.PrincipalType != "AWSService" || got.PrincipalARN != "secretsmanager.amazonaws.com" || got.EventName != "RotationSucceeded" {
		t.Fatalf("parsed %+v: want the invoking service as principal", got)
	}
}

// A record that does not parse still lists, from LookupEvents' summary fields.
func TestParseEventBrokenRecord(t *testing.T) {
	at := time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC)
	got := ParseEvent(types.Event{EventId: aws.String("e-4"), EventName: aws.String("GetSecretValue"), EventTime: aws.Time(at),
		Username: aws.String("bob"), AccessKeyId: aws.String("AKIABOB"), ReadOnly: aws.String("true"), CloudTrailEvent: aws.String("{not json")})
	want := Event{EventID: "e-4", EventName: "GetSecretValue", EventTime: at, Username: "bob", AccessKeyID: "AKIABOB", ReadOnly: true}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed %+v, want %+v", got, want)
	}
}
