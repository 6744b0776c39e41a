package templates

import (
	"slices"

	"safecontact/errs"
)

// Error is the gateway's one error type (stable code, human message, request
// field). Messages produced by this package name parameters, never their
// values: a parameter may be a meeting point or free text that must not reach
// a log.
type Error = errs.Error

// Stable error codes returned by this package. The gateway maps them to HTTP
// statuses in one table.
const (
	CodeUnknownTemplate    = "unknown_template"    // no template with that id
	CodeMissingParam       = "missing_param"       // a declared parameter (or time_zone) is absent
	CodeInvalidParam       = errs.CodeInvalidParam // a parameter, language, variant or time zone is malformed
	CodeUnsupportedChannel = "unsupported_channel" // the template is not meant for that channel
	CodeSensitiveContent   = "sensitive_content"   // a discreet rendering would carry sensitive content
	CodeInvalidTemplate    = "invalid_template"    // a template file does not parse or validate
	CodeInvalidTerms       = "invalid_terms"       // a deployment terms file does not parse
)

// renderRefusals are the codes with which Render refuses a request: the
// template, a parameter or the channel does not allow it.
var renderRefusals = []string{CodeUnknownTemplate, CodeMissingParam, CodeInvalidParam,
	CodeUnsupportedChannel, CodeSensitiveContent, CodeInvalidTemplate}

// IsRenderRefusal: err (or what it wraps) is Render refusing the request,
// which asking again will not change; any other error (the database, a
// network) is not.
func IsRenderRefusal(err error) bool {
	return err != nil && slices.Contains(renderRefusals, errs.Code(err))
}

func newErr(code, field, msg string) *Error {
	return &Error{Code: code, Field: field, Message: msg}
}
