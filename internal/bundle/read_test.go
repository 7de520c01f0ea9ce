package bundle

import (
	"context"
	"maps"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// reportingSecrets and reportingLambda answer like the fakes, then let a row of TestReadNormalises
// change what AWS reports.
type reportingSecrets struct {
	fakeSecrets
	describe func(*secretsmanager.DescribeSecretOutput)
	value    string
}

func (s reportingSecrets) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	out, err := s.fakeSecrets.DescribeSecret(ctx, in, opts...)
	if err == nil && s.describe != nil {
		s.describe(out)
	}
	return out, err
}

func (s reportingSecrets) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	out, err := s.fakeSecrets.GetSecretValue(ctx, in, opts...)
	if err == nil && s.value != "" {
		out.SecretString = aws.String(s.value)
	}
	return out, err
}

type reportingLambda struct {
	fakeLambda
	function func(*lambdatypes.FunctionConfiguration)
}

func (s reportingLambda) GetFunction(ctx context.Context, in *lambda.GetFunctionInput, opts ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	out, err := s.fakeLambda.GetFunction(ctx, in, opts...)
	if err == nil && s.function != nil {
		s.function(out.Configuration)
	}
	return out, err
}

// deployed is the function as the bundle deploys testSpec's: the settings Read reports.
func deployed(c *lambdatypes.FunctionConfiguration) {
	c.Architectures = []lambdatypes.Architecture{lambdatypes.ArchitectureArm64}
	c.MemorySize, c.Timeout = aws.Int32(128), aws.Int32(30)
	c.Environment = &lambdatypes.EnvironmentResponse{Variables: map[string]string{
		credentials.EnvPasswordLength: "32", credentials.EnvExcludeCharacters: ":/@\"'\\", credentials.EnvRotationStrategy: StrategySingleUser}}
}

func rules(days int64, expression, duration string) func(*secretsmanager.DescribeSecretOutput) {
	return func(out *secretsmanager.DescribeSecretOutput) {
		out.RotationEnabled = aws.Bool(true)
		out.RotationRules = &smtypes.RotationRulesType{ScheduleExpression: aws.String(expression), Duration: aws.String(duration)}
		if days != 0 {
			out.RotationRules.AutomaticallyAfterDays = aws.Int64(days)
		}
	}
}

func withTags(tags map[string]string) func(*secretsmanager.DescribeSecretOutput) {
	return func(out *secretsmanager.DescribeSecretOutput) {
		for k, v := range tags {
			out.Tags = append(out.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
	}
}

const masterARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf"

// TestReadNormalises holds the rules by which Read turns what AWS reports into the observed Spec,
// one row a rule: each row fails when its rule is removed. prior is the Spec of the last apply (a
// change of testSpec), want the change Read must make to it (nil: none).
func TestReadNormalises(t *testing.T) {
	rows := map[string]struct {
		prior    func(*Spec)
		describe func(*secretsmanager.DescribeSecretOutput)
		value    string
		function func(*lambdatypes.FunctionConfiguration)
		// noFunction: the secret has no function of ours (yet), as on an import of an adopted secret.
		noFunction bool
		want       func(*Spec)
	}{
		"description as reported": {
			describe: func(out *secretsmanager.DescribeSecretOutput) { out.Description = aws.String("changed by hand") },
			want:     func(s *Spec) { s.Description = "changed by hand" },
		},
		"an unreported KMS key keeps the configured one": {
			prior: func(s *Spec) { s.KMSKeyID = "alias/orders" },
		},
		"a reported KMS key replaces the configured one": {
			prior:    func(s *Spec) { s.KMSKeyID = "alias/orders" },
			describe: func(out *secretsmanager.DescribeSecretOutput) { out.KmsKeyId = aws.String("alias/other") },
			want:     func(s *Spec) { s.KMSKeyID = "alias/other" },
		},
		"the default days as reported": {
			describe: rules(30, "", "3h"),
		},
		"other days as reported": {
			describe: rules(7, "", "3h"),
			want:     func(s *Spec) { s.Rotation.AutomaticallyAfterDays = 7 },
		},
		"a schedule reported with its days stays a schedule": {
			prior:    func(s *Spec) { s.Rotation.AutomaticallyAfterDays, s.Rotation.ScheduleExpression = 0, "rate(10 days)" },
			describe: rules(10, "rate(12 days)", "3h"),
			want:     func(s *Spec) { s.Rotation.ScheduleExpression = "rate(12 days)" },
		},
		"a schedule without days replaces days": {
			describe: rules(0, "cron(0 4 * * ? *)", "3h"),
			want:     func(s *Spec) { s.Rotation.ScheduleExpression = "cron(0 4 * * ? *)" },
		},
		"an unreported window keeps the configured one": {
			describe: rules(30, "", ""),
		},
		"a reported window as reported": {
			describe: rules(30, "", "5h"),
			want:     func(s *Spec) { s.Rotation.Duration = "5h" },
		},
		"the schedule of a rotation turned off is not drift": {
			// AWS keeps the last rules after CancelRotateSecret; the configuration's apply when
			// rotation is turned on again. Reporting them made a perpetual diff when the days
			// changed in the same apply that turned rotation off.
			prior: func(s *Spec) { s.Rotation.Enabled, s.Rotation.AutomaticallyAfterDays = false, 14 },
			describe: func(out *secretsmanager.DescribeSecretOutput) {
				rules(30, "", "5h")(out)
				out.RotationEnabled = aws.Bool(false)
			},
		},
		"rotation turned off outside": {
			describe: func(out *secretsmanager.DescribeSecretOutput) { out.RotationEnabled = aws.Bool(false) },
			want:     func(s *Spec) { s.Rotation.Enabled = false },
		},
		"default tags subtracted, own tags kept": {
			prior:    func(s *Spec) { s.DefaultTags = map[string]string{"env": "prod", "owner": "platform"} },
			describe: withTags(map[string]string{"owner": "someone else", "added": "by hand"}),
			want: func(s *Spec) {
				s.Tags = map[string]string{"team": "orders", "owner": "someone else", "added": "by hand"}
				s.DefaultTags = map[string]string{"env": "prod"}
			},
		},
		"an own tag equal to a default stays own": {
			prior: func(s *Spec) {
				s.Tags = map[string]string{"env": "prod"}
				s.DefaultTags = map[string]string{"env": "prod"}
			},
			want: func(s *Spec) { s.DefaultTags = map[string]string{} },
		},
		"credentials as the value holds them": {
			value: `{"engine":"mysql","host":"other.internal","port":"3307","username":"admin","dbname":"sales","ssl":"false","password":"x"}`,
			want: func(s *Spec) {
				ssl := false
				s.Credentials = Credentials{Engine: "mysql", Host: "other.internal", Port: 3307, DBName: "sales", Username: "admin", SSL: &ssl}
			},
		},
		"the clone is the configured user": {
			value: `{"engine":"postgres","host":"db.internal","port":5432,"username":"app_clone","dbname":"orders","password":"x"}`,
		},
		"import: a master secret means alternating users and the user without _clone": {
			prior:      func(s *Spec) { s.Credentials = Credentials{} },
			noFunction: true,
			value:      `{"engine":"postgres","host":"db.internal","port":5432,"username":"app_clone","dbname":"orders","password":"x","masterarn":"` + masterARN + `"}`,
			want: func(s *Spec) {
				s.Credentials = Credentials{Engine: "postgres", Host: "db.internal", Port: 5432, DBName: "orders", Username: "app"}
				s.Rotation.Strategy, s.Rotation.MasterSecretARN = StrategyAlternatingUsers, masterARN
			},
		},
		"import: a Redshift secret with a master secret stays single user": {
			prior:      func(s *Spec) { s.Credentials = Credentials{} },
			noFunction: true,
			value:      `{"engine":"redshift","host":"wh.internal","port":5439,"username":"etl","dbname":"dev","password":"x","masterarn":"` + masterARN + `"}`,
			want: func(s *Spec) {
				s.Credentials = Credentials{Engine: "redshift", Host: "wh.internal", Port: 5439, DBName: "dev", Username: "etl"}
				s.Rotation.MasterSecretARN = masterARN
			},
		},
		"import: a DocumentDB secret as AWS writes it": {
			prior:      func(s *Spec) { s.Credentials = Credentials{} },
			noFunction: true,
			value:      `{"engine":"mongo","host":"docs.cluster-x.docdb.amazonaws.com","port":27017,"username":"app_clone","ssl":true,"password":"x","masterarn":"` + masterARN + `"}`,
			want: func(s *Spec) {
				ssl := true
				s.Credentials = Credentials{Engine: "mongo", Host: "docs.cluster-x.docdb.amazonaws.com", Port: 27017, Username: "app", SSL: &ssl}
				s.Rotation.Strategy, s.Rotation.MasterSecretARN = StrategyAlternatingUsers, masterARN
			},
		},
		"the function's settings as reported": {
			function: func(c *lambdatypes.FunctionConfiguration) {
				deployed(c)
				c.MemorySize = aws.Int32(256)
				c.Environment.Variables[credentials.EnvPasswordLength] = "40"
			},
			want: func(s *Spec) { s.Rotation.Lambda.MemorySize, s.Rotation.PasswordLength = 256, 40 },
		},
		"a function that reports no settings keeps the configured ones": {
			function: func(c *lambdatypes.FunctionConfiguration) {},
		},
		"the strategy from the function's environment": {
			function: func(c *lambdatypes.FunctionConfiguration) {
				deployed(c)
				c.Environment.Variables[credentials.EnvRotationStrategy] = StrategyAlternatingUsers
			},
			want: func(s *Spec) { s.Rotation.Strategy = StrategyAlternatingUsers },
		},
		"a VPC placement as reported": {
			function: func(c *lambdatypes.FunctionConfiguration) {
				deployed(c)
				c.VpcConfig = &lambdatypes.VpcConfigResponse{VpcId: aws.String("vpc-1"), SubnetIds: []string{"subnet-b", "subnet-a"}, SecurityGroupIds: []string{"sg-1"}}
			},
			want: func(s *Spec) {
				s.Rotation.Lambda.SubnetIDs, s.Rotation.Lambda.SecurityGroupIDs = []string{"subnet-a", "subnet-b"}, []string{"sg-1"}
			},
		},
		"no VPC reported keeps the configured placement": {
			prior: func(s *Spec) {
				s.Rotation.Lambda.SubnetIDs, s.Rotation.Lambda.SecurityGroupIDs = []string{"subnet-a"}, []string{"sg-1"}
			},
			function: func(c *lambdatypes.FunctionConfiguration) {
				deployed(c)
				c.VpcConfig = &lambdatypes.VpcConfigResponse{}
			},
		},
	}
	for name, row := range rows {
		t.Run(name, func(t *testing.T) {
			f := newFakeAWS()
			_, st := created(t, f)
			if row.noFunction {
				delete(f.functions, st.FunctionName)
			}
			prior := testSpec()
			if row.prior != nil {
				row.prior(prior)
			}
			d := f.deps()
			describe := func(out *secretsmanager.DescribeSecretOutput) {
				// What AWS reports of the prior Spec's secret, then what the row changes.
				out.Description = aws.String(prior.Description)
				rules(prior.Rotation.AutomaticallyAfterDays, prior.Rotation.ScheduleExpression, prior.Rotation.Duration)(out)
				withTags(prior.TagsAll())(out)
				if row.describe != nil {
					row.describe(out)
				}
			}
			d.AWS.SecretsManager = reportingSecrets{fakeSecrets: fakeSecrets{f: f}, describe: describe, value: row.value}
			function := row.function
			if function == nil {
				function = deployed
			}
			d.AWS.Lambda = reportingLambda{fakeLambda: fakeLambda{f: f}, function: function}

			want := prior.clone()
			want.DefaultTags = maps.Clone(prior.DefaultTags)
			if want.DefaultTags == nil {
				want.DefaultTags = map[string]string{}
			}
			if row.want != nil {
				row.want(want)
			}
			got, _, err := Read(context.Background(), d, prior, st)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Read's Spec:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}
