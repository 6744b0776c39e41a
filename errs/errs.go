// Package errs defines the one error type the gateway shows to people and
// programs: a stable machine-readable code, a sentence a person understands,
// and optionally the request field at fault. Domain packages return it; the
// HTTP layer maps codes to statuses with the one table in status.go.
//
// Messages must never contain a phone number, a message body or a key.
package errs

import (
	"errors"
	"fmt"
)

// The codes every part of the API can answer with; a capability's own
// codes are constants in its package.
const (
	CodeInternal          = "internal"
	CodeUnavailable       = "unavailable"
	CodeInvalidJSON       = "invalid_json"
	CodeBodyTooLarge      = "body_too_large"
	CodeInvalidCursor     = "invalid_cursor"
	CodeInvalidParameter  = "invalid_parameter"
	CodeNotFound          = "not_found"
	CodeMethodNotAllowed  = "method_not_allowed"
	CodeUnauthorized      = "unauthorized"
	CodeForbidden         = "forbidden"
	CodeInvalidSignature  = "invalid_signature"
	CodeUnknownField      = "unknown_field"
	CodeRealNameForbidden = "real_name_forbidden"
	CodeMissingField      = "missing_field"
)

// CodeInvalidParam: a value outside its field's rules, where the message
// API and the renderer check it (a template parameter, a confirmed name,
// a signature name). Declared here once for templates, textcheck and
// gateway/message, which each name it as their own CodeInvalidParam.
// Not CodeInvalidParameter (a malformed request parameter, 400).
const CodeInvalidParam = "invalid_param"

// Error is the gateway's error type.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Details are structured facts about the refusal, for the person who
	// made the request only (never logged).
	Details any `json:"details,omitempty"`
	// Err is an internal cause, logged but never shown.
	Err error `json:"-"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Code + " (" + e.Field + "): " + e.Message
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an error about one request field.
func Field(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure; the cause is kept for logs only.
func Internal(err error) *Error {
	return &Error{Code: CodeInternal, Message: "internal error; the request id in the logs identifies it", Err: err}
}

// Code returns the code of err if it is (or wraps) an *Error, else "internal".
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// As returns the *Error in err's chain, or an internal error wrapping err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
