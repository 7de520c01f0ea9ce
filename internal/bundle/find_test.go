package bundle

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// untaggedSecret reports the secret without the bundle tag, as a secret made elsewhere.
type untaggedSecret struct{ fakeSecrets }

func (s untaggedSecret) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	out, err := s.fakeSecrets.DescribeSecret(ctx, in, opts...)
	if err == nil {
		out.Tags = []smtypes.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}
	}
	return out, err
}

// scheduledSecret reports the secret scheduled for deletion.
type scheduledSecret struct{ fakeSecrets }

var deletionDate = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func (s scheduledSecret) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	out, err := s.fakeSecrets.DescribeSecret(ctx, in, opts...)
	if err == nil {
		out.DeletedDate = aws.Time(deletionDate)
	}
	return out, err
}

// foreignFunction reports the rotator without the bundle tag: someone else's function of that name.
type foreignFunction struct{ fakeLambda }

func (s foreignFunction) GetFunction(ctx context.Context, in *lambda.GetFunctionInput, opts ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	out, err := s.fakeLambda.GetFunction(ctx, in, opts...)
	if err == nil {
		out.Tags = map[string]string{BundleTagKey: "another/secret"}
	}
	return out, err
}

func TestFindRefusesASecretWithoutTheBundleTag(t *testing.T) {
	f := newFakeAWS()
	created(t, f)
	d := f.deps()
	d.AWS.SecretsManager = untaggedSecret{fakeSecrets{f: f}}
	_, _, err := Find(context.Background(), d, "prod/orders/db")
	if err == nil || !strings.Contains(err.Error(), "has no tag "+BundleTagKey) || !strings.Contains(err.Error(), "tag-resource --secret-id prod/orders/db") {
		t.Fatalf("Find = %v, want the refusal that says how to tag the secret", err)
	}
}

func TestFindLeavesAFunctionThatIsNotTheBundles(t *testing.T) {
	f := newFakeAWS()
	created(t, f)
	d := f.deps()
	d.AWS.Lambda = foreignFunction{fakeLambda{f: f}}
	_, got, err := Find(context.Background(), d, "prod/orders/db")
	if err != nil {
		t.Fatal(err)
	}
	if got.FunctionName != "" || got.FunctionARN != "" {
		t.Errorf("Find adopted another bundle's function: %+v", got)
	}
	if got.RuleName == "" || got.SecretARN == "" {
		t.Errorf("Find dropped the bundle's own parts: %+v", got)
	}
}

// A secret scheduled for deletion is not found, on every path: Find refuses it, Read reports it
// with its deletion date.
func TestASecretScheduledForDeletionIsNotFound(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	d := f.deps()
	d.AWS.SecretsManager = scheduledSecret{fakeSecrets{f: f}}
	if _, _, err := Find(context.Background(), d, "prod/orders/db"); err == nil || !strings.Contains(err.Error(), "scheduled for deletion") {
		t.Errorf("Find = %v, want the secret refused as scheduled for deletion", err)
	}
	_, obs, err := Read(context.Background(), d, spec, st)
	if err != nil || obs == nil || !obs.SecretDeleted || !obs.SecretDeletionDate.Equal(deletionDate) {
		t.Fatalf("Read = %+v, %v; want SecretDeleted on %v", obs, err, deletionDate)
	}
	f.fail("DescribeSecret", apiError("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion."))
	if _, err := f.deps().findSecretByID(context.Background(), st.SecretARN); !isNotFound(err) {
		t.Errorf("a secret marked for deletion = %v, want not found", err)
	}
	f.fail("DescribeSecret", apiError("AccessDeniedException", "not authorized"))
	if _, err := f.deps().findSecretByID(context.Background(), st.SecretARN); err == nil || isNotFound(err) {
		t.Errorf("a denied DescribeSecret = %v, want the error, not 'not found'", err)
	}
}

// Import takes the created topic's subscribers into the configuration, by protocol, every page.
func TestFindImportsEverySubscriberByProtocol(t *testing.T) {
	f := newFakeAWS()
	spec := testSpec()
	spec.Alert.SMSNumbers = []string{"+15555550100"}
	spec.Alert.Subscriptions = []Subscription{{Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:123456789012:pages"}}
	if _, err := Create(context.Background(), f.deps(), spec); err != nil {
		t.Fatal(err)
	}
	imported, _, err := Find(context.Background(), f.deps(), "prod/orders/db")
	if err != nil {
		t.Fatal(err)
	}
	a := imported.Alert
	if !a.Enabled || a.TopicARN != "" || !slices.Equal(a.EmailAddresses, spec.Alert.EmailAddresses) ||
		!slices.Equal(a.SMSNumbers, spec.Alert.SMSNumbers) || !slices.Equal(a.Subscriptions, spec.Alert.Subscriptions) {
		t.Errorf("imported alert %+v, want the subscribers of %+v", a, spec.Alert)
	}
	f.fail("ListSubscriptionsByTopic", apiError("AuthorizationError", "not authorized to ListSubscriptionsByTopic"))
	if _, _, err := Find(context.Background(), f.deps(), "prod/orders/db"); err == nil || !strings.Contains(err.Error(), "reading SNS topic") {
		t.Errorf("a denied listing on import = %v, want an error naming the topic (refresh reports it the same way)", err)
	}
}

// A function named in the configuration (rotation.lambda.name) comes back from import by name.
func TestFindImportsTheFunctionsOwnName(t *testing.T) {
	f := newFakeAWS()
	spec := testSpec()
	spec.Rotation.Lambda.Name = "orders-rotator"
	if _, err := Create(context.Background(), f.deps(), spec); err != nil {
		t.Fatal(err)
	}
	d := f.deps()
	d.AWS.SecretsManager = rotatedBy{fakeSecrets{f: f}, functionARN("orders-rotator")}
	imported, got, err := Find(context.Background(), d, "prod/orders/db")
	if err != nil {
		t.Fatal(err)
	}
	if got.FunctionName != "orders-rotator" || imported.Rotation.Lambda.Name != "orders-rotator" {
		t.Errorf("Find = %q, spec %q; want the configured function", got.FunctionName, imported.Rotation.Lambda.Name)
	}
}

// rotatedBy reports the secret's rotation function.
type rotatedBy struct {
	fakeSecrets
	functionARN string
}

func (s rotatedBy) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	out, err := s.fakeSecrets.DescribeSecret(ctx, in, opts...)
	if err == nil {
		out.RotationLambdaARN = aws.String(s.functionARN)
	}
	return out, err
}
