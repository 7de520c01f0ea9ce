package rotator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// mongoEngine serves the MongoDB wire protocol: Amazon DocumentDB (whose secrets say engine
// "mongo") and MongoDB. Users live in the secret's dbname (admin when absent, as in AWS's
// DocumentDB templates), which is also the authentication database. The SCRAM mechanism is the
// one the server offers for the user (the driver asks with saslSupportedMechs): SCRAM-SHA-256
// where the server has it, SCRAM-SHA-1 otherwise (DocumentDB 4.0).
type mongoEngine struct{}

// MongoDB error codes the rotator tells apart.
const (
	mongoAuthenticationFailed = 18
)

func (mongoEngine) DefaultPort() int             { return 27017 }
func (mongoEngine) DefaultDBName() string        { return "admin" }
func (mongoEngine) CheckUsername(_ string) error { return nil }

func (mongoEngine) Connect(ctx context.Context, creds Credentials) (Session, error) {
	opts := options.Client().
		SetHosts([]string{net.JoinHostPort(creds.Host, strconv.Itoa(creds.Port))}).
		// One server, the one the secret names: no discovery of a replica set's other members
		// (a DocumentDB cluster endpoint is the primary), no retryable writes (DocumentDB has none).
		SetDirect(true).
		SetRetryWrites(false).
		SetAppName("secretsbundle-rotator").
		SetConnectTimeout(connectTimeout).
		SetServerSelectionTimeout(connectTimeout).
		SetMaxPoolSize(1).
		SetAuth(options.Credential{AuthSource: creds.DBName, Username: creds.Username, Password: creds.Password})
	// Verified TLS unless the secret says ssl=false; never a fallback to plaintext.
	if config := creds.tlsConfig(); config != nil {
		opts.SetTLSConfig(config)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, failure(CodeDBUnreachable, "preparing a MongoDB connection to %s: %v", endpoint(creds), err)
	}
	session := &mongoSession{client: client, db: client.Database(creds.DBName), username: creds.Username}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	// The driver connects lazily: the first command logs in.
	if err := session.command(ctx, bson.D{{Key: "ping", Value: 1}}, nil); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, classifyMongoConnectError(err, creds)
	}
	return session, nil
}

func classifyMongoConnectError(err error, creds Credentials) error {
	var commandErr mongo.CommandError
	text := err.Error()
	switch {
	case errors.As(err, &commandErr) && commandErr.Code == mongoAuthenticationFailed,
		strings.Contains(text, "auth error"), strings.Contains(text, "AuthenticationFailed"):
		return failure(CodeDBLoginFailed, "MongoDB at %s refused the login of %q to database %q", endpoint(creds), creds.Username, creds.DBName)
	case creds.TLS != tlsDisable && isTLSError(err):
		return tlsFailure("MongoDB", err, creds)
	}
	return failure(CodeDBUnreachable, "cannot reach MongoDB at %s: %s; check the host, port, the function's network access and that the server runs", endpoint(creds), mongoErrorText(err))
}

type mongoSession struct {
	client   *mongo.Client
	db       *mongo.Database
	username string
}

// command runs a command on the secret's database and decodes its answer into result (unless nil).
func (s *mongoSession) command(ctx context.Context, command bson.D, result any) error {
	answer := s.db.RunCommand(ctx, command)
	if result == nil {
		return answer.Err()
	}
	return answer.Decode(result)
}

// SetOwnPassword changes the password with updateUser as the user itself, as AWS's DocumentDB
// single-user template does (MongoDB: the changeOwnPassword action). The server keeps the
// user's SCRAM mechanisms. The password travels inside the command document over the
// authenticated (TLS) connection; MongoDB and DocumentDB redact it from their logs.
func (s *mongoSession) SetOwnPassword(ctx context.Context, password string) error {
	if err := s.command(ctx, bson.D{{Key: "updateUser", Value: s.username}, {Key: "pwd", Value: password}}, nil); err != nil {
		return failure(CodeDBStatementFailed, "changing the password of MongoDB user %q: %s", s.username, mongoErrorText(err))
	}
	return nil
}

// mongoRole is one role of a user, as usersInfo reports it and createUser takes it.
type mongoRole struct {
	Role string `bson:"role"`
	DB   string `bson:"db"`
}

type mongoUsersInfo struct {
	Users []struct {
		User  string      `bson:"user"`
		Roles []mongoRole `bson:"roles"`
	} `bson:"users"`
}

// userRoles reads a user of the session's database: found is false when there is none.
func (s *mongoSession) userRoles(ctx context.Context, user string) (roles []mongoRole, found bool, err error) {
	var info mongoUsersInfo
	if err := s.command(ctx, bson.D{{Key: "usersInfo", Value: user}}, &info); err != nil {
		return nil, false, failure(CodeDBStatementFailed, "reading MongoDB user %q with usersInfo: %s; the master user needs the viewUser action (userAdmin or userAdminAnyDatabase)", user, mongoErrorText(err))
	}
	for _, u := range info.Users {
		if u.User == user {
			return u.Roles, true, nil
		}
	}
	return nil, false, nil
}

// CloneUser, as the master user: the clone gets the source's roles and the password, in one
// createUser (or updateUser when it exists), so no half-made clone logs in; rotating back to the
// base user changes its password only (its roles are the ones its owners manage).
func (s *mongoSession) CloneUser(ctx context.Context, source, clone, password string) error {
	if source == clone+cloneSuffix {
		if err := s.command(ctx, bson.D{{Key: "updateUser", Value: clone}, {Key: "pwd", Value: password}}, nil); err != nil {
			return failure(CodeDBStatementFailed, "setting the password of MongoDB user %q: %s; the master user needs the changePassword action on database %q", clone, mongoErrorText(err), s.db.Name())
		}
		return nil
	}
	roles, found, err := s.userRoles(ctx, source)
	if err != nil {
		return err
	}
	if !found {
		return failure(CodeDBStatementFailed, "the MongoDB user %q that the secret names does not exist in database %q; the master user cannot clone it", source, s.db.Name())
	}
	_, exists, err := s.userRoles(ctx, clone)
	if err != nil {
		return err
	}
	verb := "createUser"
	if exists {
		verb = "updateUser"
	}
	rolesValue := bson.A{}
	for _, r := range roles {
		rolesValue = append(rolesValue, bson.D{{Key: "role", Value: r.Role}, {Key: "db", Value: r.DB}})
	}
	if err := s.command(ctx, bson.D{{Key: verb, Value: clone}, {Key: "pwd", Value: password}, {Key: "roles", Value: rolesValue}}, nil); err != nil {
		return failure(CodeDBStatementFailed, "%s of the clone %q with the roles of %q: %s; the master user needs createUser, changePassword and grantRole on database %q", verb, clone, source, mongoErrorText(err), s.db.Name())
	}
	return nil
}

// GrantsMatch implements grantChecker: the pending clone holds the roles of the base user, each
// read by the user itself (usersInfo on oneself needs no privilege).
func (s *mongoSession) GrantsMatch(ctx context.Context, source Session) error {
	other, ok := source.(*mongoSession)
	if !ok {
		return nil
	}
	mine, _, err := s.userRoles(ctx, s.username)
	if err != nil {
		return err
	}
	theirs, _, err := other.userRoles(ctx, other.username)
	if err != nil {
		return err
	}
	if missing, extra := roleDifference(theirs, mine); len(missing) > 0 || len(extra) > 0 {
		return failure(CodeTestFailed, "MongoDB user %q does not hold the same roles as %q (missing: %s; extra: %s); the clone was not completed — cancel the rotation and rotate again, which copies them",
			s.username, other.username, listOrNone(missing), listOrNone(extra))
	}
	return nil
}

// roleDifference lists the roles of want that got lacks, and those got has beyond want.
func roleDifference(want, got []mongoRole) (missing, extra []string) {
	name := func(r mongoRole) string { return r.Role + "@" + r.DB }
	for _, r := range want {
		if !slices.Contains(got, r) {
			missing = append(missing, name(r))
		}
	}
	for _, r := range got {
		if !slices.Contains(want, r) {
			extra = append(extra, name(r))
		}
	}
	return missing, extra
}

func (s *mongoSession) Probe(ctx context.Context) error {
	if err := s.command(ctx, bson.D{{Key: "ping", Value: 1}}, nil); err != nil {
		return failure(CodeTestFailed, "the ping command as MongoDB user %q failed: %s", s.username, mongoErrorText(err))
	}
	return nil
}

func (s *mongoSession) Close(ctx context.Context) error {
	return s.client.Disconnect(ctx)
}

// mongoErrorText keeps the server's code and message: a command error never echoes the
// command's fields (the password among them).
func mongoErrorText(err error) string {
	var commandErr mongo.CommandError
	if errors.As(err, &commandErr) {
		return fmt.Sprintf("%s (%s, code %d)", commandErr.Message, commandErr.Name, commandErr.Code)
	}
	return err.Error()
}
