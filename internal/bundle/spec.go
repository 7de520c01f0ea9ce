package bundle

// Spec is the desired configuration of a bundle, as the provider's plan describes it.
type Spec struct {
	Name                 string
	Description          string
	KMSKeyID             string
	RecoveryWindowInDays int64
	Credentials          Credentials
	// Database, when set, names the RDS instance or cluster whose engine, host, port and database
	// name fill the credentials' empty fields.
	Database *Database
	Rotation Rotation
	Alert    Alert
	// Tags are the user's and the provider's default tags merged; the bundle tag is added to them.
	Tags map[string]string
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
