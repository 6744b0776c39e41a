package gateway

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/httpx"
)

const ctxActor = "actor"

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
	return &Actor{Name: "anonymous", RequestID: httpx.RequestIDOf(c), IP: net.ParseIP(c.ClientIP())}
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
			httpx.Fail(c, errs.Internal(err))
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
		httpx.Fail(c, errs.Internal(err))
		return
	}
	// Expiry is wall-clock time, as AddUserWith and the database set it.
	if u.DisabledAt.Valid || (u.ExpiresAt.Valid && !time.Now().Before(u.ExpiresAt.Time)) {
		s.authFailed(c, key)
		return
	}
	httpx.SetUserID(c, u.ID)
	c.Set(ctxActor, &Actor{UserID: u.ID, Name: u.Name, Role: Role(u.Role), RequestID: httpx.RequestIDOf(c), IP: net.ParseIP(ip)})
	c.Next()
}

// authFailed answers a failed authentication: the one generic 401, or 429
// once the address has spent its failures.
func (s *Server) authFailed(c *gin.Context, key string) {
	if wait := s.authThrottle.failed(key, time.Now()); wait > 0 {
		s.metrics.authFailures.WithLabelValues("throttled").Inc()
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		httpx.Fail(c, errs.New("too_many_attempts", "too many failed authentications from this address; wait and try again"))
		return
	}
	s.metrics.authFailures.WithLabelValues("unauthorized").Inc()
	httpx.Fail(c, errAuth)
}

func (s *Server) require(min Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if actorOf(c).Role.rank() < min.rank() {
			httpx.Fail(c, errs.New("forbidden", "this needs the %s role", min))
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
