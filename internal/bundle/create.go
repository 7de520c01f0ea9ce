package bundle

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// Create makes every part of the bundle. Independent parts are created concurrently, in the
// stages secret ∥ role ∥ log group ∥ topic; role policy ∥ function ∥ rule ∥ subscriptions ∥ log
// retention; permission; schedule. The critical path is CreateRole → CreateFunction (and its
// wait) → AddPermission → RotateSecret.
//
// When a part fails, what was created is deleted in reverse order and the error returned with a
// nil State. When that rollback fails too, the returned State holds the survivors and the error
// is a *CreateError. A failed first rotation does not fail Create: the bundle exists, and
// State.LastRotationError says why.
func Create(ctx context.Context, d Deps, spec *Spec) (*State, error) {
	if err := d.fillFromDatabase(ctx, spec); err != nil {
		return nil, err
	}
	if spec.Credentials.Password == "" {
		password, err := GeneratePassword(spec.Rotation.PasswordLength, spec.Rotation.ExcludeCharacters)
		if err != nil {
			return nil, err
		}
		spec.Credentials.Password = password
	}
	value, err := secretJSON(spec, "")
	if err != nil {
		return nil, err
	}
	st := &State{SecretName: spec.Name}
	secretToken := newToken()
	alert := spec.Alert.Enabled
	createdTopic := alert && spec.Alert.TopicARN == ""
	if alert && !createdTopic {
		st.TopicARN = spec.Alert.TopicARN
	}
	var rotationToken string

	first := stage{
		{name: "secret " + spec.Name,
			run:     func(ctx context.Context) error { return d.createSecret(ctx, spec, st, value, secretToken) },
			cleanup: func(ctx context.Context) error { return d.deleteSecret(ctx, st, 0) }},
		{name: "IAM role " + RoleName(spec.Name),
			run:     func(ctx context.Context) error { return d.createRole(ctx, spec, st) },
			cleanup: func(ctx context.Context) error { return d.deleteRole(ctx, st) }},
		{name: "log group " + LogGroupName(FunctionName(spec.Name, spec.Rotation.Lambda.Name)),
			run:     func(ctx context.Context) error { return d.createLogGroup(ctx, spec, st) },
			cleanup: func(ctx context.Context) error { return d.deleteLogGroup(ctx, st) }},
	}
	if createdTopic {
		first = append(first, step{name: "SNS topic " + TopicName(spec.Name),
			run:     func(ctx context.Context) error { return d.createTopic(ctx, spec, st) },
			cleanup: func(ctx context.Context) error { return d.deleteTopic(ctx, st) }})
	}
	second := stage{
		{name: "inline policy of IAM role " + RoleName(spec.Name),
			run:     func(ctx context.Context) error { return d.putRolePolicy(ctx, spec, st) },
			cleanup: func(ctx context.Context) error { return d.deleteRolePolicy(ctx, st) }},
		{name: "Lambda function " + FunctionName(spec.Name, spec.Rotation.Lambda.Name),
			run:     func(ctx context.Context) error { return d.createFunction(ctx, spec, st) },
			cleanup: func(ctx context.Context) error { return d.deleteFunction(ctx, st) }},
		{name: "retention of log group",
			run: func(ctx context.Context) error { return d.putLogRetention(ctx, spec, st) }},
	}
	if alert {
		second = append(second, step{name: "EventBridge rule " + RuleName(spec.Name),
			run:     func(ctx context.Context) error { return d.putRule(ctx, spec, st, true) },
			cleanup: func(ctx context.Context) error { return d.deleteRule(ctx, st) }})
	}
	if createdTopic && len(spec.Alert.EmailAddresses) > 0 {
		second = append(second, step{name: "e-mail subscriptions",
			run: func(ctx context.Context) error { return d.subscribe(ctx, spec, st) }})
	}
	stages := []stage{first, second, {
		{name: "Lambda permission " + permissionID,
			run:     func(ctx context.Context) error { return d.addPermission(ctx, st) },
			cleanup: func(ctx context.Context) error { return d.removePermission(ctx, st) }},
	}}
	if spec.Rotation.Enabled {
		stages = append(stages, stage{{name: "rotation schedule",
			run: func(ctx context.Context) (err error) {
				rotationToken, err = d.rotate(ctx, spec, st, spec.Rotation.RotateImmediately)
				return err
			}}})
	}

	survivors, runErr, rollbackErr := runStages(ctx, stages)
	if runErr != nil {
		if rollbackErr == nil {
			return nil, &CreateError{Err: runErr}
		}
		return st, &CreateError{Err: runErr, RollbackErr: rollbackErr, Survivors: survivors}
	}
	if rotationToken != "" && spec.Rotation.WaitForFirstRotation {
		if err := d.waitRotation(ctx, st, rotationToken); err != nil {
			st.LastRotationError = err.Error()
		}
		return st, nil
	}
	// Without a wait the dates are still Secrets Manager's to compute; a failed read only leaves
	// them empty until the next refresh.
	_ = d.refreshDates(ctx, st)
	return st, nil
}

// fillFromDatabase completes the credentials from the RDS instance or cluster named in the spec:
// engine, host, port and database name, where the configuration leaves them empty.
func (d Deps) fillFromDatabase(ctx context.Context, spec *Spec) error {
	db := spec.Database
	if db == nil {
		defaultPort(spec)
		return nil
	}
	c := &spec.Credentials
	var engine, host, dbname string
	var port int64
	switch {
	case db.InstanceIdentifier != "":
		out, err := d.AWS.RDS.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(db.InstanceIdentifier)})
		if err != nil {
			return fmt.Errorf("looking up RDS instance %s for database.instance_identifier: %w", db.InstanceIdentifier, err)
		}
		if len(out.DBInstances) == 0 {
			return fmt.Errorf("RDS instance %s, named in database.instance_identifier, does not exist in %s", db.InstanceIdentifier, d.AWS.Region)
		}
		instance := out.DBInstances[0]
		engine, dbname = aws.ToString(instance.Engine), aws.ToString(instance.DBName)
		if instance.Endpoint != nil {
			host, port = aws.ToString(instance.Endpoint.Address), int64(aws.ToInt32(instance.Endpoint.Port))
		}
	case db.ClusterIdentifier != "":
		out, err := d.AWS.RDS.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(db.ClusterIdentifier)})
		if err != nil {
			return fmt.Errorf("looking up RDS cluster %s for database.cluster_identifier: %w", db.ClusterIdentifier, err)
		}
		if len(out.DBClusters) == 0 {
			return fmt.Errorf("RDS cluster %s, named in database.cluster_identifier, does not exist in %s", db.ClusterIdentifier, d.AWS.Region)
		}
		cluster := out.DBClusters[0]
		engine, host, dbname, port = aws.ToString(cluster.Engine), aws.ToString(cluster.Endpoint), aws.ToString(cluster.DatabaseName), int64(aws.ToInt32(cluster.Port))
	default:
		return errors.New("database needs instance_identifier or cluster_identifier")
	}
	if c.Engine == "" {
		c.Engine = engine
	}
	if c.Host == "" {
		c.Host = host
	}
	if c.Port == 0 {
		c.Port = port
	}
	if c.DBName == "" {
		c.DBName = dbname
	}
	if c.Host == "" {
		return fmt.Errorf("the RDS database named in database has no endpoint yet (is it still being created?); set credentials.host or apply again when it is available")
	}
	defaultPort(spec)
	return nil
}

// defaultPort fills the engine's usual port when neither the configuration nor RDS gave one.
func defaultPort(spec *Spec) {
	if spec.Credentials.Port == 0 {
		spec.Credentials.Port = DefaultPort(spec.Credentials.Engine)
	}
}
