package accessevents

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

type fakeDescribe struct {
	calls int
	out   *secretsmanager.DescribeSecretOutput
	err   error
}

func (f *fakeDescribe) DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	f.calls++
	return f.out, f.err
}

func TestResolveSecretFullARNNeedsNoCall(t *testing.T) {
	fake := &fakeDescribe{err: errors.New("must not be called")}
	arn, name, err := ResolveSecret(context.Background(), fake, testARN)
	if err != nil || arn != testARN || name != testName || fake.calls != 0 {
		t.Fatalf("got %q %q %v after %d calls; want the ARN as given, its name, no call", arn, name, err, fake.calls)
	}
}

func TestResolveSecretByName(t *testing.T) {
	fake := &fakeDescribe{out: &secretsmanager.DescribeSecretOutput{ARN: aws.String(testARN), Name: aws.String(testName)}}
	arn, name, err := ResolveSecret(context.Background(), fake, testName)
	if err != nil || arn != testARN || name != testName || fake.calls != 1 {
		t.Fatalf("got %q %q %v after %d calls", arn, name, err, fake.calls)
	}
}

func TestResolveSecretNotFound(t *testing.T) {
	fake := &fakeDescribe{err: &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}}
	_, _, err := ResolveSecret(context.Background(), fake, "gone")
	if !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("error %v, want ErrSecretNotFound", err)
	}
}
