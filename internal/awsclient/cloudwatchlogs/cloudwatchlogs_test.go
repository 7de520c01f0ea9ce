package cloudwatchlogs_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/awsrpc/awsrpctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
)

var server = awsrpctest.JSONServer

func client(endpoint string, optFns ...func(*cloudwatchlogs.Options)) *cloudwatchlogs.Client {
	return cloudwatchlogs.New(awsrpctest.Options(endpoint), optFns...)
}

// Every operation sends its target and its input's members, and decodes its answer.
func TestOperations(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		op, answer, want string
		call             func(*cloudwatchlogs.Client) (any, error)
		check            func(any) bool
	}{
		{"CreateLogGroup", `{}`, `{"logGroupName":"/aws/lambda/f","kmsKeyId":"k","tags":{"a":"b"}}`, func(c *cloudwatchlogs.Client) (any, error) {
			return c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/f"), KmsKeyId: aws.String("k"), Tags: map[string]string{"a": "b"}})
		}, nil},
		{"DeleteLogGroup", `{}`, `{"logGroupName":"g"}`, func(c *cloudwatchlogs.Client) (any, error) {
			return c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("g")})
		}, nil},
		{"DescribeLogGroups", `{"logGroups":[{"logGroupName":"g","retentionInDays":7}],"nextToken":"n"}`, `{"logGroupNamePrefix":"g","limit":5,"nextToken":"t"}`, func(c *cloudwatchlogs.Client) (any, error) {
			return c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("g"), Limit: aws.Int32(5), NextToken: aws.String("t")})
		}, func(o any) bool {
			d, ok := o.(*cloudwatchlogs.DescribeLogGroupsOutput)
			return ok && len(d.LogGroups) == 1 && aws.ToInt32(d.LogGroups[0].RetentionInDays) == 7 && aws.ToString(d.NextToken) == "n"
		}},
		{"DeleteRetentionPolicy", `{}`, `{"logGroupName":"g"}`, func(c *cloudwatchlogs.Client) (any, error) {
			return c.DeleteRetentionPolicy(ctx, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String("g")})
		}, nil},
		{"PutRetentionPolicy", `{}`, `{"logGroupName":"g","retentionInDays":14}`, func(c *cloudwatchlogs.Client) (any, error) {
			return c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(14)})
		}, nil},
		{"FilterLogEvents", `{"events":[{"message":"m","timestamp":5}],"nextToken":"n"}`, `{"logGroupName":"g","logStreamNames":["s"],"filterPattern":"p","startTime":1,"endTime":2,"limit":3,"nextToken":"t"}`, func(c *cloudwatchlogs.Client) (any, error) {
			return c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g"), LogStreamNames: []string{"s"}, FilterPattern: aws.String("p"),
				StartTime: aws.Int64(1), EndTime: aws.Int64(2), Limit: aws.Int32(3), NextToken: aws.String("t")})
		}, func(o any) bool {
			f, ok := o.(*cloudwatchlogs.FilterLogEventsOutput)
			return ok && len(f.Events) == 1 && aws.ToString(f.Events[0].Message) == "m" && aws.ToInt64(f.Events[0].Timestamp) == 5 && aws.ToString(f.NextToken) == "n"
		}},
		{"TagResource", `{}`, `{"resourceArn":"arn:g","tags":{"a":"b"}}`, func(c *cloudwatchlogs.Client) (any, error) {
			return c.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String("arn:g"), Tags: map[string]string{"a": "b"}})
		}, nil},
		{"UntagResource", `{}`, `{"resourceArn":"arn:g","tagKeys":["a"]}`, func(c *cloudwatchlogs.Client) (any, error) {
			return c.UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: aws.String("arn:g"), TagKeys: []string{"a"}})
		}, nil},
		{"ListTagsForResource", `{"tags":{"a":"b"}}`, `{"resourceArn":"arn:g"}`, func(c *cloudwatchlogs.Client) (any, error) {
			return c.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String("arn:g")})
		}, func(o any) bool {
			l, ok := o.(*cloudwatchlogs.ListTagsForResourceOutput)
			return ok && reflect.DeepEqual(l.Tags, map[string]string{"a": "b"})
		}},
	} {
		t.Run(c.op, func(t *testing.T) {
			srv, seen := server(t, 200, c.answer)
			out, err := c.call(client(srv.URL))
			if err != nil || reflect.ValueOf(out).IsNil() {
				t.Fatalf("%s: %+v, %v", c.op, out, err)
			}
			if c.check != nil && !c.check(out) {
				t.Errorf("%s output %+v from %s", c.op, out, c.answer)
			}
			got := seen()
			if len(got) != 1 || got[0].Target != "Logs_20140328."+c.op || !awsrpctest.JSONEqual(got[0].Body, c.want) {
				t.Errorf("%s sent %+v, want target Logs_20140328.%s body %s", c.op, got, c.op, c.want)
			}

			failing, _ := server(t, 400, `{"__type":"ResourceNotFoundException","message":"no"}`)
			out, err = c.call(client(failing.URL))
			if err == nil || !reflect.ValueOf(out).IsNil() {
				t.Errorf("%s on a 400: %+v, %v; want no output and an error", c.op, out, err)
			}
		})
	}
}

// The result filter (the provider's ignore_tags) sees each decoded output before the caller; a
// per-call option applies to that call only.
func TestResultFilterAndPerCallOptions(t *testing.T) {
	srv, seen := server(t, 200, `{"tags":{"keep":"1","drop":"2"}}`)
	filter := func(o *cloudwatchlogs.Options) {
		o.ResultFilter = func(out any) {
			if l, ok := out.(*cloudwatchlogs.ListTagsForResourceOutput); ok {
				delete(l.Tags, "drop")
			}
		}
	}
	out, err := client(srv.URL, filter).ListTagsForResource(context.Background(), &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String("arn:g")})
	if err != nil || !reflect.DeepEqual(out.Tags, map[string]string{"keep": "1"}) {
		t.Errorf("with the filter: %+v, %v", out, err)
	}
	out, err = client(srv.URL).ListTagsForResource(context.Background(), &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String("arn:g")}, filter)
	if err != nil || !reflect.DeepEqual(out.Tags, map[string]string{"keep": "1"}) {
		t.Errorf("with the filter as a per-call option: %+v, %v", out, err)
	}
	out, err = client(srv.URL).ListTagsForResource(context.Background(), &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String("arn:g")})
	if err != nil || len(out.Tags) != 2 {
		t.Errorf("without a filter: %+v, %v", out, err)
	}
	if n := len(seen()); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
}
