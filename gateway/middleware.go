package gateway

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/textcheck"
)

const (
	ctxRequestID = "request_id"
	ctxErrCode   = "err_code"
	ctxErrCause  = "err_cause"
	ctxActor     = "actor"
)

var errsMethod = errs.Error{Code: "method_not_allowed", Message: "method not allowed on this route"}

// requestID takes a well-formed X-Request-Id from the caller or makes one,
// and echoes it so a person can quote it. The id goes into every audit
// event of the request, so only fixed formats are accepted.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !validRequestID(id) {
		var b [8]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

// validRequestID admits only the shapes proxies and clients generate — 16
// or 32 lower-case hex digits, or a UUID in its canonical 8-4-4-4-12 form
// (either case) — so a caller cannot put text (a name, an address, a
// sentence) into the logs and the audit chain through it, and a proxy's
// id still correlates its log with ours. Digits are not limited: a random
// UUID has a run of five decimal digits more often than not, and refusing
// those broke correlation for most requests. What the fixed alphabet still
// lets through is a deliberate insider writing a number's digits into a
// header, which no check of a hex id can tell from noise; the threat
// model (README) says so.
func validRequestID(id string) bool {
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

// setAPIHeaders sets the headers of apiHeaders; unknown routes and
// methods under /v1 (answered outside the group) get them too.
func setAPIHeaders(c *gin.Context) {
	if !strings.HasPrefix(c.Request.URL.Path, "/v1/") && c.Request.URL.Path != "/v1" {
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", "application/json; charset=utf-8")
}

// apiHeaders sets what every /v1 answer carries, errors included: no
// caching anywhere (answers hold codes, initials, sometimes a number),
// no content sniffing, JSON. It also refuses a path or query that holds
// control, format or direction characters (a NUL there used to reach
// PostgreSQL and give a 500): 422 invalid_text, naming no value.
func (s *Server) apiHeaders(c *gin.Context) {
	setAPIHeaders(c)
	if textcheck.Chars("path", c.Request.URL.Path) != nil {
		fail(c, errs.New(textcheck.CodeInvalidText, "the path contains a control, formatting or direction character"))
		return
	}
	for k, vs := range c.Request.URL.Query() {
		for _, v := range append(vs, k) {
			if textcheck.Chars("query", v) != nil {
				fail(c, errs.New(textcheck.CodeInvalidText, "the query string contains a control, formatting or direction character"))
				return
			}
		}
	}
	c.Next()
}

// accessLog writes one JSON line per request: route template (not the raw
// path or query), status, latency, request id and error code. Never a
// body, a header value or a query string.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" && c.GetBool(ctxConsole) {
		route = "console" // its paths can hold a participant's code
	} else if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	d := time.Since(start)
	s.metrics.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(status)).Inc()
	s.metrics.latency.WithLabelValues(route, c.Request.Method).Observe(d.Seconds())
	attrs := []slog.Attr{
		slog.String("request_id", c.GetString(ctxRequestID)),
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Float64("ms", float64(d.Microseconds())/1000),
	}
	if a, ok := c.Get(ctxActor); ok {
		attrs = append(attrs, slog.Int64("user_id", a.(*Actor).UserID))
	}
	level := slog.LevelInfo
	if code := c.GetString(ctxErrCode); code != "" {
		attrs = append(attrs, slog.String("code", code))
	}
	if cause, ok := c.Get(ctxErrCause); ok {
		level = slog.LevelError
		attrs = append(attrs, slog.String("err", redactErr(cause.(error))))
	}
	s.log.LogAttrs(c.Request.Context(), level, "http", attrs...)
}

// redactErr renders an internal error for the log. Driver errors can quote
// values (a unique violation echoes the key); we keep only the message's
// shape for those.
func redactErr(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "Key ("); i >= 0 {
		msg = msg[:i] + "[detail redacted]"
	}
	return msg
}

func (s *Server) recovered(c *gin.Context, v any) {
	s.log.ErrorContext(c.Request.Context(), "panic", "request_id", c.GetString(ctxRequestID), "panic", strings.SplitN(strings.TrimSpace(toString(v)), "\n", 2)[0])
	fail(c, errs.Internal(errors.New("panic")))
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

func (s *Server) limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			fail(c, errs.New("body_too_large", "request body is larger than %d bytes", n))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

// Role is a staff user's role. Each role includes the ones below it.
type Role string

const (
	RoleStaff      Role = "staff"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case RoleStaff:
		return 1
	case RoleSupervisor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.rank() == 0 {
		return "", errs.Field("invalid_role", "role", "role must be staff, supervisor or admin")
	}
	return r, nil
}

// Actor is who is acting: a staff user over the API, or the system.
type Actor struct {
	UserID    int64
	Name      string
	Role      Role
	RequestID string
	IP        net.IP
}

// SystemActor is the actor of automated work (scheduler, workers, webhooks).
func SystemActor(what string) *Actor { return &Actor{Name: "system:" + what, Role: "system"} }

func actorOf(c *gin.Context) *Actor {
	if a, ok := c.Get(ctxActor); ok {
		return a.(*Actor)
	}
	return &Actor{Name: "anonymous", RequestID: c.GetString(ctxRequestID), IP: net.ParseIP(c.ClientIP())}
}

// HashToken is how API tokens are stored: SHA-256. Tokens carry 256 random
// bits, so a slow hash would add nothing but latency.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// errAuth is the one answer to a failed authentication: a missing,
// malformed, unknown, expired or disabled token all look the same, so a
// leaked token's owner cannot be told from a guess.
var errAuth = errs.New("unauthorized", "authentication failed: send Authorization: Bearer <token> with a valid, current token")

// authenticate looks the token up first and consults the per-address
// throttle only when authentication fails (auth_throttle.go): a request
// with a valid token is never refused by the throttle, so many staff
// behind one proxy (or one NAT) are not locked out by someone else's bad
// guesses. The cost of guessing stays bounded: unknown tokens are refused
// from memory (tokenIndex) once their address has failed too often.
func (s *Server) authenticate(c *gin.Context) {
	ip := c.ClientIP()
	key := throttleKey(ip)
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" || len(token) > 128 {
		s.authFailed(c, key)
		return
	}
	hash := HashToken(token)
	if s.authThrottle.tripped(key, time.Now()) && !s.tokens.cached(hash) {
		// This address keeps failing: look up only tokens the index knows.
		known, err := s.tokenIndex.has(c.Request.Context(), s.q, hash)
		if err != nil {
			fail(c, errs.Internal(err))
			return
		}
		if !known {
			s.authFailed(c, key)
			return
		}
	}
	u, err := s.tokens.lookup(c.Request.Context(), s.q, hash)
	if errors.Is(err, sql.ErrNoRows) {
		s.authFailed(c, key)
		return
	}
	if err != nil {
		fail(c, errs.Internal(err))
		return
	}
	// Expiry is wall-clock time, as AddUserWith and the database set it.
	if u.DisabledAt.Valid || (u.ExpiresAt.Valid && !time.Now().Before(u.ExpiresAt.Time)) {
		s.authFailed(c, key)
		return
	}
	c.Set(ctxActor, &Actor{UserID: u.ID, Name: u.Name, Role: Role(u.Role), RequestID: c.GetString(ctxRequestID), IP: net.ParseIP(ip)})
	c.Next()
}

// authFailed answers a failed authentication: the one generic 401, or 429
// once the address has spent its failures.
func (s *Server) authFailed(c *gin.Context, key string) {
	if wait := s.authThrottle.failed(key, time.Now()); wait > 0 {
		s.metrics.authFailures.WithLabelValues("throttled").Inc()
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		fail(c, errs.New("too_many_attempts", "too many failed authentications from this address; wait and try again"))
		return
	}
	s.metrics.authFailures.WithLabelValues("unauthorized").Inc()
	fail(c, errAuth)
}

func (s *Server) require(min Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if actorOf(c).Role.rank() < min.rank() {
			fail(c, errs.New("forbidden", "this needs the %s role", min))
			return
		}
		c.Next()
	}
}

// tokenCache remembers token lookups for a moment: every API request
// authenticates, and at hundreds of requests a second the lookup is a
// real share of the database's work. A user disabled through this process
// is dropped at once; through another process (or the CLI) within ttl.
type tokenCache struct {
	ttl time.Duration
	mu  sync.RWMutex
	m   map[string]tokenEntry
}

type tokenEntry struct {
	u       db.User
	expires time.Time
}

func newTokenCache(ttl time.Duration) *tokenCache {
	return &tokenCache{ttl: ttl, m: map[string]tokenEntry{}}
}

func (tc *tokenCache) lookup(ctx context.Context, q *db.Queries, hash []byte) (db.User, error) {
	now := time.Now()
	tc.mu.RLock()
	e, ok := tc.m[string(hash)]
	tc.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.u, nil
	}
	u, err := q.UserByTokenHash(ctx, hash)
	if err != nil {
		return u, err // unknown tokens are not cached: nothing to gain from guessing
	}
	tc.mu.Lock()
	if len(tc.m) > 10_000 {
		clear(tc.m)
	}
	tc.m[string(hash)] = tokenEntry{u: u, expires: now.Add(tc.ttl)}
	tc.mu.Unlock()
	return u, nil
}

// cached reports whether hash was looked up (and found) within ttl.
func (tc *tokenCache) cached(hash []byte) bool {
	tc.mu.RLock()
	e, ok := tc.m[string(hash)]
	tc.mu.RUnlock()
	return ok && time.Now().Before(e.expires)
}

// purge forgets every cached token (after a user is disabled).
func (tc *tokenCache) purge() {
	tc.mu.Lock()
	clear(tc.m)
	tc.mu.Unlock()
}
