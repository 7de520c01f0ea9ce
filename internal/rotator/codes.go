package rotator

import (
	"errors"
	"fmt"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// Code is the stable identifier of a rotation failure. It is written in every failed step's log
// line, so the bundle can show the latest failure's cause without parsing prose; codes are never
// renamed.
type Code = credentials.Code

const (
	CodeInvalidEvent        Code = "invalid_event"
	CodeUnknownStep         Code = "unknown_step"
	CodeInvalidSettings     Code = "invalid_settings"
	CodeRotationDisabled    Code = "rotation_disabled"
	CodeTokenUnknown        Code = "token_unknown"
	CodeTokenNotPending     Code = "token_not_pending"
	CodeCurrentMissing      Code = "current_missing"
	CodeSecretsManagerError Code = "secrets_manager_error"
	CodeInvalidSecret       Code = "invalid_secret"
	CodeMissingKeys         Code = "missing_keys"
	CodeUnknownEngine       Code = "unknown_engine"
	CodeMasterMissing       Code = "master_missing"
	CodeMasterMismatch      Code = "master_mismatch"
	CodePendingStale        Code = "pending_stale"
	CodeUsernameTooLong     Code = "username_too_long"
	CodeDBUnreachable       Code = "db_unreachable"
	CodeDBLoginFailed       Code = "db_login_failed"
	CodeDBTLSFailed         Code = "db_tls_failed"
	CodeDBStatementFailed   Code = "db_statement_failed"
	CodeTestFailed          Code = "test_failed"
)

// Error is a rotation failure with its stable code. Its message says what failed, on which
// secret or database object, and what to do; it never contains a password.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string {
	return string(e.Code) + ": " + e.Message
}

func failure(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of a rotation failure, or "" for any other error.
func CodeOf(err error) Code {
	var rotationErr *Error
	if errors.As(err, &rotationErr) {
		return rotationErr.Code
	}
	return ""
}

// messageOf is an error's message without its code prefix, for quoting one failure in another.
func messageOf(err error) string {
	var rotationErr *Error
	if errors.As(err, &rotationErr) {
		return rotationErr.Message
	}
	return err.Error()
}
