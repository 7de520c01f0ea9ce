package rotator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// fakeSecretsManager models one secret's versions and staging labels the way Secrets Manager keeps
// them, plus other secrets (the master) by ARN.
type fakeSecretsManager struct {
	mu              sync.Mutex
	arn             string
	rotationEnabled bool
	versions        map[string]*fakeVersion
	others          map[string]string
	// failures maps an operation name to the error it returns.
	failures      map[string]error
	calls         []string
	passwordCount int
	lastPut       *secretsmanager.PutSecretValueInput
	lastRandom    *secretsmanager.GetRandomPasswordInput
}

type fakeVersion struct {
	value    string
	hasValue bool
	stages   []string
}

func newFakeSecretsManager(arn, currentValue string) *fakeSecretsManager {
	return &fakeSecretsManager{
		arn:             arn,
		rotationEnabled: true,
		versions:        map[string]*fakeVersion{"v1": {value: currentValue, hasValue: true, stages: []string{stageCurrent}}},
		others:          map[string]string{},
		failures:        map[string]error{},
	}
}

func (f *fakeSecretsManager) record(op string) error {
	f.calls = append(f.calls, op)
	return f.failures[op]
}

// startRotation does what RotateSecret does before invoking the function: a version for the token
// with AWSPENDING and no value yet.
func (f *fakeSecretsManager) startRotation(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.moveStage(stagePending, token)
}

func (f *fakeSecretsManager) moveStage(stage, to string) {
	for _, version := range f.versions {
		version.stages = slices.DeleteFunc(version.stages, func(s string) bool { return s == stage })
	}
	version, ok := f.versions[to]
	if !ok {
		version = &fakeVersion{}
		f.versions[to] = version
	}
	version.stages = append(version.stages, stage)
}

func (f *fakeSecretsManager) stageHolder(stage string) string {
	for id, version := range f.versions {
		if slices.Contains(version.stages, stage) {
			return id
		}
	}
	return ""
}

func (f *fakeSecretsManager) valueOf(stage string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.versions[f.stageHolder(stage)].value
}

func (f *fakeSecretsManager) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("DescribeSecret"); err != nil {
		return nil, err
	}
	stages := map[string][]string{}
	for id, version := range f.versions {
		if len(version.stages) > 0 {
			stages[id] = slices.Clone(version.stages)
		}
	}
	return &secretsmanager.DescribeSecretOutput{ARN: aws.String(f.arn), RotationEnabled: aws.Bool(f.rotationEnabled), VersionIdsToStages: stages}, nil
}

func (f *fakeSecretsManager) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("GetSecretValue"); err != nil {
		return nil, err
	}
	id := aws.ToString(in.SecretId)
	if id != f.arn {
		value, ok := f.others[id]
		if !ok {
			return nil, &types.ResourceNotFoundException{Message: aws.String("no secret " + id)}
		}
		return &secretsmanager.GetSecretValueOutput{ARN: in.SecretId, SecretString: aws.String(value), VersionId: aws.String("master-v1")}, nil
	}
	versionID := aws.ToString(in.VersionId)
	if versionID == "" {
		versionID = f.stageHolder(stageCurrent)
	}
	version, ok := f.versions[versionID]
	if !ok || !version.hasValue {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value for VersionId: " + versionID)}
	}
	return &secretsmanager.GetSecretValueOutput{ARN: aws.String(f.arn), SecretString: aws.String(version.value), VersionId: aws.String(versionID)}, nil
}

func (f *fakeSecretsManager) PutSecretValue(_ context.Context, in *secretsmanager.PutSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("PutSecretValue"); err != nil {
		return nil, err
	}
	f.lastPut = in
	token := aws.ToString(in.ClientRequestToken)
	if version, ok := f.versions[token]; ok && version.hasValue {
		if version.value != aws.ToString(in.SecretString) {
			return nil, &types.ResourceExistsException{Message: aws.String("version exists with another value")}
		}
		return &secretsmanager.PutSecretValueOutput{}, nil
	}
	stages := in.VersionStages
	if len(stages) == 0 {
		stages = []string{stageCurrent}
	}
	if stages[0] == stageCurrent {
		if previous := f.stageHolder(stageCurrent); previous != "" {
			f.moveStage(stagePrevious, previous)
		}
	}
	for _, stage := range stages {
		f.moveStage(stage, token)
	}
	f.versions[token].value = aws.ToString(in.SecretString)
	f.versions[token].hasValue = true
	return &secretsmanager.PutSecretValueOutput{}, nil
}

func (f *fakeSecretsManager) UpdateSecretVersionStage(_ context.Context, in *secretsmanager.UpdateSecretVersionStageInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("UpdateSecretVersionStage"); err != nil {
		return nil, err
	}
	stage := aws.ToString(in.VersionStage)
	holder := f.stageHolder(stage)
	if holder != "" && holder != aws.ToString(in.RemoveFromVersionId) {
		return nil, &types.InvalidParameterException{Message: aws.String(fmt.Sprintf("%s is attached to %s, not %s", stage, holder, aws.ToString(in.RemoveFromVersionId)))}
	}
	if stage == stageCurrent && holder != "" {
		f.moveStage(stagePrevious, holder)
	}
	f.moveStage(stage, aws.ToString(in.MoveToVersionId))
	return &secretsmanager.UpdateSecretVersionStageOutput{}, nil
}

func (f *fakeSecretsManager) GetRandomPassword(_ context.Context, in *secretsmanager.GetRandomPasswordInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("GetRandomPassword"); err != nil {
		return nil, err
	}
	f.lastRandom = in
	f.passwordCount++
	return &secretsmanager.GetRandomPasswordOutput{RandomPassword: aws.String(fmt.Sprintf("Generated'Pw\\%d!", f.passwordCount))}, nil
}

func (f *fakeSecretsManager) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// fakeDatabase is a server with users and passwords; fakeEngine logs in to it.
type fakeDatabase struct {
	mu    sync.Mutex
	users map[string]string
	// memberOf records the clone's role membership (alternating users).
	memberOf map[string]string
	down     bool
	// crashAfterSet makes the next password change take effect and then fail, like a function
	// that dies between ALTER USER and the step's return.
	crashAfterSet bool
	// errorText, when set, is the error every statement returns.
	errorText string
}

type fakeEngine struct {
	db        *fakeDatabase
	maxLength int
}

func (e fakeEngine) DefaultPort() int      { return 5432 }
func (e fakeEngine) DefaultDBName() string { return "postgres" }
func (e fakeEngine) CheckUsername(username string) error {
	if len(username) > e.maxLength {
		return failure(CodeUsernameTooLong, "%q is longer than %d", username, e.maxLength)
	}
	return nil
}

func (e fakeEngine) Connect(_ context.Context, creds Credentials) (Session, error) {
	e.db.mu.Lock()
	defer e.db.mu.Unlock()
	if e.db.down {
		return nil, failure(CodeDBUnreachable, "connection refused")
	}
	if password, ok := e.db.users[creds.Username]; !ok || password != creds.Password {
		return nil, failure(CodeDBLoginFailed, "password authentication failed for %q", creds.Username)
	}
	return &fakeSession{db: e.db, username: creds.Username}, nil
}

type fakeSession struct {
	db       *fakeDatabase
	username string
}

func (s *fakeSession) SetOwnPassword(_ context.Context, password string) error {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if s.db.errorText != "" {
		return errors.New(s.db.errorText)
	}
	s.db.users[s.username] = password
	if s.db.crashAfterSet {
		s.db.crashAfterSet = false
		return failure(CodeDBStatementFailed, "connection lost after the password change")
	}
	return nil
}

func (s *fakeSession) CloneUser(_ context.Context, source, clone, password string) error {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if _, ok := s.db.users[clone]; !ok {
		s.db.memberOf[clone] = source
	}
	s.db.users[clone] = password
	return nil
}

func (s *fakeSession) Probe(context.Context) error { return nil }
func (s *fakeSession) Close(context.Context) error { return nil }

func (db *fakeDatabase) password(username string) string {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.users[username]
}
