package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"safecontact/errs"
	"safecontact/textcheck"
)

// RequestID takes a well-formed X-Request-Id from the caller or makes one,
// and echoes it so a person can quote it. The id goes into every audit
// event of the request, so only fixed formats are accepted.
func RequestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !ValidRequestID(id) {
		var b [8]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(KeyRequestID, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

// ValidRequestID admits only the shapes proxies and clients generate — 16
// or 32 lower-case hex digits, or a UUID in its canonical 8-4-4-4-12 form
// (either case) — so a caller cannot put text (a name, an address, a
// sentence) into the logs and the audit chain through it, and a proxy's
// id still correlates its log with ours. Digits are not limited: a random
// UUID has a run of five decimal digits more often than not, and refusing
// those broke correlation for most requests. What the fixed alphabet still
// lets through is a deliberate insider writing a number's digits into a
// header, which no check of a hex id can tell from noise; the threat
// model (README) says so.
func ValidRequestID(id string) bool {
	switch len(id) {
	case 16, 32:
		for i := 0; i < len(id); i++ {
			if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
		return true
	case 36:
		_, err := uuid.Parse(id) // 36 characters: only the canonical form
		return err == nil
	}
	return false
}

// SetAPIHeaders sets the headers of APIHeaders; unknown routes and
// methods under /v1 (answered outside the group) get them too.
func SetAPIHeaders(c *gin.Context) {
	if !strings.HasPrefix(c.Request.URL.Path, "/v1/") && c.Request.URL.Path != "/v1" {
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", "application/json; charset=utf-8")
}

// APIHeaders sets what every /v1 answer carries, errors included: no
// caching anywhere (answers hold codes, initials, sometimes a number),
// no content sniffing, JSON. It also refuses a path or query that holds
// control, format or direction characters (a NUL there used to reach
// PostgreSQL and give a 500): 422 invalid_text, naming no value.
func APIHeaders(c *gin.Context) {
	SetAPIHeaders(c)
	if textcheck.Chars("path", c.Request.URL.Path) != nil {
		Fail(c, errs.New(textcheck.CodeInvalidText, "the path contains a control, formatting or direction character"))
		return
	}
	for k, vs := range c.Request.URL.Query() {
		for _, v := range append(vs, k) {
			if textcheck.Chars("query", v) != nil {
				Fail(c, errs.New(textcheck.CodeInvalidText, "the query string contains a control, formatting or direction character"))
				return
			}
		}
	}
	c.Next()
}

// NoMethod answers a known path with a method it does not take.
func NoMethod(c *gin.Context) {
	SetAPIHeaders(c)
	Fail(c, errs.New(errs.CodeMethodNotAllowed, "method not allowed on this route"))
}

// Observe receives each request's route template, method, status and
// latency (the server counts them in its metrics).
type Observe func(route, method string, status int, d time.Duration)

// AccessLog writes one JSON line per request: route template (not the raw
// path or query), status, latency, request id and error code. Never a
// body, a header value or a query string.
func AccessLog(log *slog.Logger, observe Observe) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if name := c.GetString(keyRoute); route == "" && name != "" {
			route = name // a mounted handler's paths can hold a participant's code
		} else if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		d := time.Since(start)
		if observe != nil {
			observe(route, c.Request.Method, status, d)
		}
		attrs := []slog.Attr{
			slog.String("request_id", c.GetString(KeyRequestID)),
			slog.String("method", c.Request.Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("ms", float64(d.Microseconds())/1000),
		}
		if id, ok := c.Get(keyUserID); ok {
			attrs = append(attrs, slog.Int64("user_id", id.(int64)))
		}
		level := slog.LevelInfo
		if code := c.GetString(keyErrCode); code != "" {
			attrs = append(attrs, slog.String("code", code))
		}
		if cause, ok := c.Get(keyErrCause); ok {
			level = slog.LevelError
			attrs = append(attrs, slog.String("err", RedactErr(cause.(error))))
		}
		log.LogAttrs(c.Request.Context(), level, "http", attrs...)
	}
}

// RedactErr renders an internal error for the log. Driver errors can quote
// values (a unique violation echoes the key); we keep only the message's
// shape for those.
func RedactErr(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "Key ("); i >= 0 {
		msg = msg[:i] + "[detail redacted]"
	}
	return msg
}

// Recovery turns a handler's panic into a 500 and logs only the first
// line of what it panicked with.
func Recovery(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecovery(func(c *gin.Context, v any) {
		log.ErrorContext(c.Request.Context(), "panic", "request_id", c.GetString(KeyRequestID), "panic", strings.SplitN(strings.TrimSpace(toString(v)), "\n", 2)[0])
		Fail(c, errs.Internal(errors.New("panic")))
	})
}

func toString(v any) string {
	if e, ok := v.(error); ok {
		return e.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "non-error panic"
}

// LimitBody refuses a body over n bytes (413 body_too_large), by its
// declared length at once, else when the handler reads past n.
func LimitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			Fail(c, errs.New(errs.CodeBodyTooLarge, "request body is larger than %d bytes", n))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}
