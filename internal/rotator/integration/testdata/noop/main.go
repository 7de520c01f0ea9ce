// Command noop is a rotation function that does nothing: RotateSecret's wall time with it is
// LocalStack's own cost of the four invocations, subtracted from the rotator's to get its handler
// time, as the yardstick was measured.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, map[string]any) error { return nil })
}
