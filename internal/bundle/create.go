package bundle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/rds"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/redshift"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// Create makes every part of the bundle, in the stages the catalogue's needs give: secret ∥ role ∥
// log group ∥ topic; role policy ∥ function ∥ log retention ∥ rule ∥ subscriptions; permission;
// schedule. The critical path is CreateRole → CreateFunction (and its wait) → AddPermission →
// RotateSecret.
//
// When a part fails, what was created is deleted in reverse order and the error returned with a
// nil State; a part whose create got no answer is looked up by its name and the bundle tag. When
// that rollback fails too, the returned State holds the survivors and the error is a *CreateError.
// A failed first rotation does not fail Create: the bundle exists, and State.LastRotationError
// says why.
func Create(ctx context.Context, d Deps, spec *Spec) (*State, error) {
	if err := d.fillFromDatabase(ctx, spec); err != nil {
		return nil, err
	}
	if spec.Credentials.Password == "" {
		password, err := firstPassword(spec.Rotation)
		if err != nil {
			return nil, err
		}
		spec.Credentials.Password = password
	}
	if _, err := secretJSON(spec, ""); err != nil {
		return nil, err
	}
	st := &State{SecretName: spec.Name}
	if spec.Alert.Enabled && spec.Alert.TopicARN != "" {
		st.TopicARN = spec.Alert.TopicARN
	}
	var rotationToken string
	d.began, d.firstRotation = time.Now(), &rotationToken
	stages := stagesOf(spec, func(p *part) step {
		var runErr error
		return step{name: p.name + " of " + spec.Name,
			run: func(ctx context.Context) error {
				runErr = p.create(ctx, d, spec, st)
				return runErr
			},
			cleanup: p.cleanup(d, spec, st, &runErr)}
	})
	survivors, runErr, rollbackErr := runStages(ctx, stages)
	if runErr != nil {
		if rollbackErr == nil {
			createErr := &CreateError{Err: runErr}
			if hasErrorCode(runErr, "ResourceExistsException") {
				// The name is taken: say by what, and how to take it over when it is a bundle.
				if createErr.Existing = d.existingBundle(ctx, spec); len(createErr.Existing) > 0 {
					createErr.TakeOver = takeOverAdvice(spec.Name, createErr.Existing)
				}
			}
			return nil, createErr
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

// fillFromDatabase completes the credentials from the RDS instance or cluster named in the spec
// (a DocumentDB cluster is one: the same API, engine docdb), or the Redshift cluster when the
// credentials' engine is redshift: engine, host, port and database name, where the configuration
// leaves them empty.
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
	case db.ClusterIdentifier != "" && c.Engine == credentials.EngineRedshift:
		out, err := d.AWS.Redshift.DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(db.ClusterIdentifier)})
		if err != nil {
			return fmt.Errorf("looking up Redshift cluster %s for database.cluster_identifier: %w", db.ClusterIdentifier, err)
		}
		if len(out.Clusters) == 0 {
			return fmt.Errorf("the Redshift cluster %s, named in database.cluster_identifier, does not exist in %s", db.ClusterIdentifier, d.AWS.Region)
		}
		cluster := out.Clusters[0]
		dbname = aws.ToString(cluster.DBName)
		if cluster.Endpoint != nil {
			host, port = aws.ToString(cluster.Endpoint.Address), int64(aws.ToInt32(cluster.Endpoint.Port))
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
		c.Engine = credentials.SecretEngine(engine)
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
		spec.Credentials.Port = credentials.DefaultPort(spec.Credentials.Engine)
	}
}
