// Package httpx is the HTTP plumbing every capability's handlers share:
// writing an error (the code->status table is errs.Status), strict JSON
// binding, cursor paging, the request id, the access log, recovery, the
// body limit, the /v1 headers, and Twilio's signed forms and TwiML.
//
// It knows gin and errs, nothing of the service: no package under
// gateway/ is below it.
package httpx

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/errs"
)

// Keys of what the middleware keeps on the gin context.
const (
	// KeyRequestID holds the request id (RequestID sets it).
	KeyRequestID = "request_id"
	keyErrCode   = "err_code"
	keyErrCause  = "err_cause"
	keyUserID    = "user_id"
	keyRoute     = "route_name"
)

// ErrorBody is the JSON shape of every error answer.
type ErrorBody struct {
	Error *errs.Error `json:"error"`
}

// Fail writes err as the JSON error body and records its code for the
// request log. Internal causes go to the log, never to the client.
func Fail(c *gin.Context, err error) {
	e := errs.As(err)
	if e.Code == errs.CodeInternal && e.Err != nil && db.Unavailable(e.Err) {
		// The database (or its pool) did not answer: the client may try
		// again, and an Idempotency-Key makes that safe.
		e = &errs.Error{Code: errs.CodeUnavailable, Message: "the service is briefly unavailable; try again (with the same Idempotency-Key)", Err: e.Err}
	}
	if errs.Status(e) == http.StatusServiceUnavailable {
		c.Header("Retry-After", RetryAfterSeconds)
	}
	c.Set(keyErrCode, e.Code)
	if e.Err != nil || e.Code == errs.CodeInternal {
		var cause error = e
		if e.Err != nil {
			cause = e.Err
		}
		c.Set(keyErrCause, cause)
	}
	c.AbortWithStatusJSON(errs.Status(e), ErrorBody{Error: e})
}

// RetryAfterSeconds: what a 503 tells the client to wait. A database
// restart takes seconds; the outbox and idempotency make the retry safe.
const RetryAfterSeconds = "2"

// NotFound is the participant/resource-agnostic 404.
func NotFound(what string) *errs.Error {
	return errs.New(errs.CodeNotFound, "%s not found", what)
}

// IsErr reports whether err is an *errs.Error with that code.
func IsErr(err error, code string) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Code == code
}

// SetUserID records who made the request, for the access log.
func SetUserID(c *gin.Context, id int64) { c.Set(keyUserID, id) }

// SetRouteName names a request no gin route matched (a mounted handler's
// paths), for the access log instead of "unmatched".
func SetRouteName(c *gin.Context, name string) { c.Set(keyRoute, name) }

// RequestIDOf is the request's id (set by RequestID).
func RequestIDOf(c *gin.Context) string { return c.GetString(KeyRequestID) }

// SetErrCode records an error code for the access log when a handler
// writes its own error answer instead of calling Fail.
func SetErrCode(c *gin.Context, code string) { c.Set(keyErrCode, code) }
