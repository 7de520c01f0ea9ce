package bundle

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	logtypes "github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs/types"
)

// existingLogs is the fake CloudWatch Logs where the rotator's log group already exists (the SDK's
// retry of a CreateLogGroup whose answer was lost), tagged for bundle and created at created;
// DescribeLogGroups also lists, first, an older neighbour whose name only starts with the group's.
type existingLogs struct {
	fakeLogs
	bundle      string
	created     time.Time
	describeErr error
	tagsErr     error
	tagged      []string // the ARNs ListTagsForResource was asked about
}

func (s *existingLogs) CreateLogGroup(ctx context.Context, in *cloudwatchlogs.CreateLogGroupInput, opts ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error) {
	if _, err := s.fakeLogs.CreateLogGroup(ctx, in, opts...); err != nil {
		return nil, err
	}
	return nil, apiError("ResourceAlreadyExistsException", "The specified log group already exists")
}

func (s *existingLogs) DescribeLogGroups(_ context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	if s.describeErr != nil {
		return nil, s.describeErr
	}
	prefix := aws.ToString(in.LogGroupNamePrefix)
	return &cloudwatchlogs.DescribeLogGroupsOutput{LogGroups: []logtypes.LogGroup{
		{LogGroupName: aws.String(prefix + "-other"), CreationTime: aws.Int64(s.created.Add(-time.Hour).UnixMilli())},
		{LogGroupName: aws.String(prefix), CreationTime: aws.Int64(s.created.UnixMilli())},
	}}, nil
}

func (s *existingLogs) ListTagsForResource(_ context.Context, in *cloudwatchlogs.ListTagsForResourceInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsForResourceOutput, error) {
	s.tagged = append(s.tagged, aws.ToString(in.ResourceArn))
	if s.tagsErr != nil {
		return nil, s.tagsErr
	}
	return &cloudwatchlogs.ListTagsForResourceOutput{Tags: map[string]string{BundleTagKey: s.bundle}}, nil
}

// A CreateLogGroup that meets the group this create made adopts it; a group another bundle
// tagged, one older than this create, or one whose lookup fails is an error naming the group.
func TestCreateAdoptsItsOwnLogGroupOnAlreadyExists(t *testing.T) {
	spec := testSpec()
	name := LogGroupName(FunctionName(spec.Name, spec.Rotation.Lambda.Name))
	for _, c := range []struct {
		name  string
		logs  existingLogs
		adopt bool
	}{
		{"this bundle's, made by this create", existingLogs{bundle: spec.Name, created: time.Now()}, true},
		{"another bundle's", existingLogs{bundle: "prod/other/db", created: time.Now()}, false},
		{"this bundle's, older than this create", existingLogs{bundle: spec.Name, created: time.Now().Add(-time.Hour)}, false},
		{"lookup fails", existingLogs{bundle: spec.Name, created: time.Now(), describeErr: errors.New("throttled")}, false},
		{"tags unreadable", existingLogs{bundle: spec.Name, created: time.Now(), tagsErr: errors.New("denied")}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeAWS()
			d := f.deps()
			logs := c.logs
			logs.fakeLogs = fakeLogs{f: f}
			d.AWS.Logs = &logs
			st, err := Create(context.Background(), d, spec)
			if c.adopt {
				if err != nil {
					t.Fatalf("Create: %v; want the group adopted", err)
				}
				if st.LogGroupName != name {
					t.Errorf("state log group %q, want %q", st.LogGroupName, name)
				}
				if len(logs.tagged) != 1 || logs.tagged[0] != d.arns().logGroupARN(name) {
					t.Errorf("tags read of %v; want only %s (not the neighbour's)", logs.tagged, d.arns().logGroupARN(name))
				}
				return
			}
			if err == nil || st != nil || !strings.Contains(err.Error(), "creating log group "+name) {
				t.Errorf("Create: state returned %v, error %v; want no state and the create's error naming the group", st != nil, err)
			}
		})
	}
}
