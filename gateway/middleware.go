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

	"safecontact/db"
	"safecontact/errs"
)

const (
	ctxRequestID = "request_id"
	ctxErrCode   = "err_code"
	ctxErrCause  = "err_cause"
	ctxActor     = "actor"
)

var errsMethod = errs.Error{Code: "method_not_allowed", Message: "method not allowed on this route"}

// requestID takes a well-formed X-Request-Id from the caller or makes one,
// and echoes it so a person can quote it.
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

// validRequestID admits short ids of safe characters only, so a caller
// cannot smuggle text (a phone number, say) into our logs through it.
func validRequestID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	digits := 0
	for _, r := range id {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r == '_':
		default:
			return false
		}
	}
	// A long run of digits could be a phone number: refuse it.
	return digits < 7 || digits < len(id)/2
}

// accessLog writes one JSON line per request: route template (not the raw
// path or query), status, latency, request id and error code. Never a
// body, a header value or a query string.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
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

func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		fail(c, errs.New("unauthorized", "missing bearer token: send Authorization: Bearer <token>"))
		return
	}
	u, err := s.tokens.lookup(c.Request.Context(), s.q, HashToken(strings.TrimSpace(token)))
	if errors.Is(err, sql.ErrNoRows) {
		fail(c, errs.New("unauthorized", "unknown or revoked token"))
		return
	}
	if err != nil {
		fail(c, errs.Internal(err))
		return
	}
	if u.DisabledAt.Valid {
		fail(c, errs.New("unauthorized", "this user is disabled"))
		return
	}
	c.Set(ctxActor, &Actor{UserID: u.ID, Name: u.Name, Role: Role(u.Role), RequestID: c.GetString(ctxRequestID), IP: net.ParseIP(c.ClientIP())})
	c.Next()
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

// purge forgets every cached token (after a user is disabled).
func (tc *tokenCache) purge() {
	tc.mu.Lock()
	clear(tc.m)
	tc.mu.Unlock()
}
