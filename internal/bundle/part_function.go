package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// Lambda settings of the rotator.
const (
	rotatorRuntime = "provided.al2023"
	rotatorHandler = "bootstrap"
)

// functionPart is the rotator: our Go rotator's zip as a Lambda function on the role.
var functionPart = part{
	name:   PartFunction,
	needs:  []string{PartRole, PartLogGroup},
	id:     func(st *State) string { return st.FunctionName },
	label:  func(st *State) string { return "Lambda function " + st.FunctionName },
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.createFunction(ctx, spec, st) },
	update: func(ctx context.Context, d Deps, c *change) error {
		return d.updateFunction(ctx, c.prior, c.spec, c.st, c.plan[PartRole] == Add || c.plan[PartFunction] == Repair)
	},
	// Deleting the function takes its permission with it.
	remove: func(ctx context.Context, d Deps, st *State) error { return d.deleteFunction(ctx, st) },
	read: func(ctx context.Context, d Deps, o *observation) error {
		out, err := d.findFunctionByName(ctx, o.prior.FunctionName)
		switch {
		case isNotFound(err):
			forgetFunction(o.st)
		case err != nil:
			return fmt.Errorf("reading Lambda function %s: %w", o.prior.FunctionName, err)
		default:
			o.s.readFunction(d, o.st, o.prior, out)
		}
		return nil
	},
	forget:  forgetFunction,
	drifted: func(s *seen) bool { return s.functionChangedOutside },
	tagger:  func(d Deps, st *State) tagger { return d.functionTagger(st.FunctionName, st.FunctionARN) },
	attributes: []Attribute{
		{Name: "rotation_function_arn", Get: func(st *State) string { return st.FunctionARN }, Set: (*State).SetFunctionARN},
		// The provider compares the hash with its own rotator's: a new release updates the code.
		{Name: "rotation_code_sha256", Get: func(st *State) string { return st.CodeSHA256 }, Set: func(st *State, v string) { st.CodeSHA256 = v },
			unknownWhen: func(c Changes) bool { return c[PartFunction] == Repair }},
	},
	locatedFrom: PartSecret,
	locate: func(_ context.Context, _ Deps, o *observation) error {
		// The function is the secret's rotation function, or the one named after the secret.
		o.st.FunctionName = FunctionName(o.st.SecretName, "")
		if arn := aws.ToString(o.s.secret.RotationLambdaARN); arn != "" {
			o.st.SetFunctionARN(arn)
		}
		return nil
	},
	owned:       func(o *observation) bool { return hasBundleTag(o.s.function.Tags, o.st.SecretName) },
	find:        func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.findFunction(ctx, spec, st) },
	deleteStage: 0,
}

func forgetFunction(st *State) { st.FunctionName, st.FunctionARN, st.CodeSHA256 = "", "", "" }

// functionEnvironment is what the rotator reads: password rules, strategy, the user's CA bundle
// (credentials.ssl_ca_bundle) when there is one and, when the provider block names one, the
// Secrets Manager endpoint (awsclient.Client.RotatorEndpoint).
func (d Deps) functionEnvironment(spec *Spec) (map[string]string, error) {
	r := spec.Rotation
	return d.environment(strconv.FormatInt(r.PasswordLength, 10), r.ExcludeCharacters, r.Strategy, spec.Credentials.SSLCABundle)
}

// environment is functionEnvironment from the values of the settings that show as attributes.
func (d Deps) environment(passwordLength, excludeCharacters, strategy, caBundle string) (map[string]string, error) {
	env := map[string]string{
		credentials.EnvPasswordLength:    passwordLength,
		credentials.EnvExcludeCharacters: excludeCharacters,
		credentials.EnvRotationStrategy:  strategy,
	}
	if caBundle != "" {
		env[credentials.EnvDatabaseCABundlePEM] = caBundle
	}
	endpoint, err := d.AWS.RotatorEndpoint()
	if endpoint != "" {
		env[credentials.EnvSecretsManagerEndpoint] = endpoint
	}
	return env, err
}

func vpcConfig(l Lambda) *lambdatypes.VpcConfig {
	// An empty VpcConfig takes a function out of its VPC; nil leaves it as it is.
	return &lambdatypes.VpcConfig{SubnetIds: nonNil(l.SubnetIDs), SecurityGroupIds: nonNil(l.SecurityGroupIDs)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CodeSHA256 is the base64 SHA-256 of a deployment package, as Lambda reports CodeSha256.
func CodeSHA256(zip []byte) string {
	sum := sha256.Sum256(zip)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func (d Deps) createFunction(ctx context.Context, spec *Spec, st *State) error {
	l := spec.Rotation.Lambda
	name := FunctionName(spec.Name, l.Name)
	code, err := d.RotatorCode(l.Architecture)
	if err != nil {
		return fmt.Errorf("loading the rotator for Lambda function %s: %w", name, err)
	}
	env, err := d.functionEnvironment(spec)
	if err != nil {
		return fmt.Errorf("Lambda function %s: %w", name, err)
	}
	input := &lambda.CreateFunctionInput{
		FunctionName:  aws.String(name),
		Role:          aws.String(st.RoleARN),
		Runtime:       rotatorRuntime,
		Handler:       aws.String(rotatorHandler),
		Architectures: []lambdatypes.Architecture{lambdatypes.Architecture(l.Architecture)},
		Code:          &lambdatypes.FunctionCode{ZipFile: code},
		MemorySize:    aws.Int32(int32(l.MemorySize)),
		Timeout:       aws.Int32(int32(l.Timeout)),
		Environment:   &lambdatypes.Environment{Variables: env},
		Description:   aws.String("Rotates the secret " + spec.Name + " (secretsbundle)"),
		Tags:          partTags(spec),
	}
	if l.inVPC() {
		input.VpcConfig = vpcConfig(l)
	}
	var out *lambda.CreateFunctionOutput
	err = retryOn(ctx, func() (err error) {
		out, err = d.AWS.Lambda.CreateFunction(ctx, input)
		return err
	}, errRoleNotAssumable, errRoleLacksVPCAccess)
	switch {
	case isAlreadyExists(err) && d.findFunction(ctx, spec, st) == nil && st.FunctionName != "":
		// The SDK retried a CreateFunction whose answer was lost: the function is ours.
	case err != nil:
		return fmt.Errorf("creating Lambda function %s: %w", name, err)
	default:
		st.FunctionName, st.FunctionARN, st.CodeSHA256 = name, aws.ToString(out.FunctionArn), aws.ToString(out.CodeSha256)
	}
	if st.CodeSHA256 == "" {
		st.CodeSHA256 = CodeSHA256(code)
	}
	return d.waitFunctionReady(ctx, name)
}

// findFunction records the bundle's function when it exists and carries the bundle tag.
func (d Deps) findFunction(ctx context.Context, spec *Spec, st *State) error {
	name := FunctionName(spec.Name, spec.Rotation.Lambda.Name)
	out, err := d.findFunctionByName(ctx, name)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("looking up Lambda function %s: %w", name, err)
	}
	c := out.Configuration
	modified, _ := time.Parse("2006-01-02T15:04:05.000-0700", aws.ToString(c.LastModified))
	if hasBundleTag(out.Tags, spec.Name) && createdSince(modified, d.began) {
		st.FunctionName, st.FunctionARN, st.CodeSHA256 = name, aws.ToString(c.FunctionArn), aws.ToString(c.CodeSha256)
	}
	return nil
}

func (d Deps) deleteFunction(ctx context.Context, st *State) error {
	if st.FunctionName == "" {
		return nil
	}
	if _, err := d.AWS.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(st.FunctionName)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting Lambda function %s: %w", st.FunctionName, err)
	}
	forgetFunction(st)
	st.PermissionID = ""
	return nil
}

// updateFunction changes the function's configuration and code where they differ from spec.
func (d Deps) updateFunction(ctx context.Context, prior, spec *Spec, st *State, putBack bool) error {
	l, p := spec.Rotation.Lambda, prior.Rotation.Lambda
	env, err := d.functionEnvironment(spec)
	if err != nil {
		return fmt.Errorf("Lambda function %s: %w", st.FunctionName, err)
	}
	priorEnv, _ := d.functionEnvironment(prior)
	// A new role, or Plan's repair of a function changed outside Terraform, puts the whole
	// configuration back.
	configChanged := putBack || l.MemorySize != p.MemorySize || l.Timeout != p.Timeout ||
		!maps.Equal(env, priorEnv) ||
		!slices.Equal(l.SubnetIDs, p.SubnetIDs) || !slices.Equal(l.SecurityGroupIDs, p.SecurityGroupIDs)
	if configChanged {
		input := &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(st.FunctionName),
			Role:         aws.String(st.RoleARN),
			MemorySize:   aws.Int32(int32(l.MemorySize)),
			Timeout:      aws.Int32(int32(l.Timeout)),
			Environment:  &lambdatypes.Environment{Variables: env},
			VpcConfig:    vpcConfig(l),
		}
		err := retryOn(ctx, func() error {
			_, err := d.AWS.Lambda.UpdateFunctionConfiguration(ctx, input)
			return err
		}, errUpdateInProgress, errRoleNotAssumable, errRoleLacksVPCAccess)
		if err != nil {
			return fmt.Errorf("updating the configuration of Lambda function %s: %w", st.FunctionName, err)
		}
		if err := d.waitFunctionReady(ctx, st.FunctionName); err != nil {
			return err
		}
	}
	code, err := d.RotatorCode(l.Architecture)
	if err != nil {
		return fmt.Errorf("loading the rotator for Lambda function %s: %w", st.FunctionName, err)
	}
	if sha := CodeSHA256(code); sha != st.CodeSHA256 || l.Architecture != p.Architecture {
		var out *lambda.UpdateFunctionCodeOutput
		err := retryOn(ctx, func() (err error) {
			out, err = d.AWS.Lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{
				FunctionName:  aws.String(st.FunctionName),
				ZipFile:       code,
				Architectures: []lambdatypes.Architecture{lambdatypes.Architecture(l.Architecture)},
			})
			return err
		}, errUpdateInProgress)
		if err != nil {
			return fmt.Errorf("updating the code of Lambda function %s: %w", st.FunctionName, err)
		}
		st.CodeSHA256 = aws.ToString(out.CodeSha256)
		if err := d.waitFunctionReady(ctx, st.FunctionName); err != nil {
			return err
		}
	}
	return nil
}

func (d Deps) functionTagger(name, arn string) tagger {
	return tagger{what: "Lambda function " + name,
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := d.AWS.Lambda.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(arn), Tags: set})
			return err
		},
		untag: func(ctx context.Context, keys []string) error {
			_, err := d.AWS.Lambda.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(arn), TagKeys: keys})
			return err
		}}
}
