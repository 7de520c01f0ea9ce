package bundle

import (
	"maps"
	"slices"
)

// Spec is the desired configuration of a bundle, as the provider's plan describes it.
type Spec struct {
	Name                 string
	Description          string
	KMSKeyID             string
	RecoveryWindowInDays int64
	// RestoreScheduledForDeletion: when the name is held by a secret scheduled for deletion that
	// carries this bundle's tag, Create restores it and adopts it instead of failing.
	RestoreScheduledForDeletion bool
	Credentials                 Credentials
	// Database, when set, names the RDS instance or cluster whose engine, host, port and database
	// name fill the credentials' empty fields.
	Database *Database
	Rotation Rotation
	Alert    Alert
	// RotationAlert and ReaderAlert alert the deletion alert's topic on rotation events and on
	// reads by identities outside Readers.
	RotationAlert RotationAlert
	ReaderAlert   ReaderAlert
	// ResourcePolicy is the secret's resource policy (JSON) as configured; Readers, when it is
	// empty, are the IAM ARNs (or patterns with *) that alone, with the rotator's role, may read
	// the secret's value. With neither, the bundle puts no policy.
	ResourcePolicy string
	Readers        []string
	// Tags are the resource's own tags, DefaultTags the provider's default_tags: they come down
	// separately, and every part carries TagsAll (and the bundle tag).
	Tags        map[string]string
	DefaultTags map[string]string
}

// TagsAll are the default tags overlaid with the resource's own: what every part carries besides
// the bundle tag, and what tags_all shows.
func (s *Spec) TagsAll() map[string]string {
	all := map[string]string{}
	maps.Copy(all, s.DefaultTags)
	maps.Copy(all, s.Tags)
	return all
}

// clone is a deep copy of s.
func (s *Spec) clone() *Spec {
	c := *s
	c.Tags, c.DefaultTags = maps.Clone(s.Tags), maps.Clone(s.DefaultTags)
	if s.Credentials.SSL != nil {
		ssl := *s.Credentials.SSL
		c.Credentials.SSL = &ssl
	}
	if s.Database != nil {
		db := *s.Database
		c.Database = &db
	}
	l := &c.Rotation.Lambda
	l.SubnetIDs, l.SecurityGroupIDs = slices.Clone(l.SubnetIDs), slices.Clone(l.SecurityGroupIDs)
	a := &c.Alert
	a.EmailAddresses, a.SMSNumbers, a.Events = slices.Clone(a.EmailAddresses), slices.Clone(a.SMSNumbers), slices.Clone(a.Events)
	a.Subscriptions = slices.Clone(a.Subscriptions)
	c.Readers = slices.Clone(s.Readers)
	c.RotationAlert.Events = slices.Clone(s.RotationAlert.Events)
	return &c
}

// Credentials are the keys of the secret's JSON in the RDS credentials format.
type Credentials struct {
	Engine   string
	Host     string
	Port     int64
	DBName   string
	Username string
	// Password is set only when a new password is to be written: at creation (empty means
	// generate one) or when password_wo_version changes. Rotation owns it otherwise.
	Password string
	// SSL nil leaves the key out: the rotator logs in with verified TLS, as with true.
	SSL *bool
	// SSLCABundle is PEM CA certificates the rotator trusts besides the Amazon RDS CAs and the
	// system's; it reaches the function as DB_CA_BUNDLE_PEM, not the secret.
	SSLCABundle string
}

// Database names the RDS instance or cluster the credentials are for.
type Database struct {
	InstanceIdentifier string
	ClusterIdentifier  string
}

// Rotation is the rotator and its schedule.
type Rotation struct {
	Enabled                bool
	AutomaticallyAfterDays int64
	ScheduleExpression     string
	Duration               string
	RotateImmediately      bool
	WaitForFirstRotation   bool
	Strategy               string
	MasterSecretARN        string
	PasswordLength         int64
	ExcludeCharacters      string
	Lambda                 Lambda
}

// Lambda is the rotator function's configuration.
type Lambda struct {
	Name             string
	Architecture     string
	MemorySize       int64
	Timeout          int64
	SubnetIDs        []string
	SecurityGroupIDs []string
	LogRetentionDays int64
}

// Alert is the deletion alert: an EventBridge rule on the chosen CloudTrail events of the secret,
// targeting a topic that is given or created.
type Alert struct {
	Enabled        bool
	TopicARN       string
	EmailAddresses []string
	SMSNumbers     []string // E.164 phone numbers subscribed with protocol sms
	// Subscriptions are subscribers of other protocols (SubscriptionProtocols): queues,
	// functions, webhooks.
	Subscriptions []Subscription
	Events        []string
}

// inVPC reports whether the rotator runs in a VPC, which needs ENI permissions on its role.
func (l Lambda) inVPC() bool { return len(l.SubnetIDs) > 0 }
