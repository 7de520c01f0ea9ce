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
		password, err := GeneratePassword(spec.Rotation.PasswordLength, spec.Rotation.ExcludeCharacters)
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

// Update brings the bundle from prior (the spec it was last applied with) to spec, in place, as
// Plan says: missing parts (deleted out of band, or newly enabled) are created, the others
// updated, parts no longer wanted deleted once their dependents are updated. It runs in the same
// stages as Create. There is no rollback: the returned State is what exists, also on error, so
// Terraform saves it and the next apply continues.
//
// The password is written only when spec.Credentials.Password is set (password_wo_version bumped);
// otherwise changed credential keys are merged into the current value, keeping rotation's password.
func Update(ctx context.Context, d Deps, prior, spec *Spec, current *State) (*State, error) {
	st := *current
	s := &st
	if err := d.fillFromDatabase(ctx, spec); err != nil {
		return s, err
	}
	c := &change{prior: prior, spec: spec, st: s, plan: Plan(prior, spec, s)}
	// A topic no longer ours is deleted at the end, once the rule points elsewhere.
	oldTopic := *s
	if !wantsCreatedTopic(spec) {
		s.TopicARN, s.TopicCreated, s.Subscriptions = spec.Alert.TopicARN, false, nil
		if !spec.Alert.Enabled {
			s.TopicARN = ""
		}
	}
	stages := stagesOf(spec, func(p *part) step {
		return step{name: p.name, run: func(ctx context.Context) error {
			if c.plan[p.name] == Add {
				return p.create(ctx, d, spec, s)
			}
			return p.update(ctx, d, c)
		}}
	})
	if _, err, _ := runStages(ctx, stages); err != nil {
		return s, err
	}
	for _, p := range removalOrder() {
		if c.plan[p.name] != Remove {
			continue
		}
		target := s
		if p.name == PartTopic {
			target = &oldTopic
		}
		if err := safely(p.name, func() error { return p.remove(ctx, d, target) }); err != nil {
			return s, err
		}
	}
	return s, d.refreshDates(ctx, s)
}

// Delete removes every part the bundle made, dependents first and the secret last with its
// recovery window (0 deletes at once). A topic given by ARN is never deleted. Parts already gone
// count as deleted. On error st still names what is left, so Terraform keeps it.
func Delete(ctx context.Context, d Deps, st *State, recoveryWindowInDays int64) error {
	var stages []stage
	for _, p := range removalOrder() {
		if p.deletedWith != "" {
			continue
		}
		for len(stages) <= p.deleteStage {
			stages = append(stages, nil)
		}
		remove := p.remove
		if p.name == PartSecret {
			remove = func(ctx context.Context, d Deps, st *State) error {
				return d.deleteSecret(ctx, st, recoveryWindowInDays)
			}
		}
		stages[p.deleteStage] = append(stages[p.deleteStage], step{name: p.name, run: func(ctx context.Context) error { return remove(ctx, d, st) }})
	}
	for _, s := range stages {
		if err := runStage(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// removalOrder lists the parts that can be removed, by deleteStage.
func removalOrder() []*part {
	var parts []*part
	for stage := 0; len(parts) < countRemovable(); stage++ {
		for _, p := range catalogue {
			if p.remove != nil && p.deleteStage == stage {
				parts = append(parts, p)
			}
		}
	}
	return parts
}

func countRemovable() int {
	n := 0
	for _, p := range catalogue {
		if p.remove != nil {
			n++
		}
	}
	return n
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
