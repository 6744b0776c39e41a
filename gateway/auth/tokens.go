package auth

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/httpx"
)

// errAuth is the one answer to a failed authentication: a missing,
// malformed, unknown, expired or disabled token all look the same, so a
// leaked token's owner cannot be told from a guess.
var errAuth = errs.New(errs.CodeUnauthorized, "authentication failed: send Authorization: Bearer <token> with a valid, current token")

// CodeTooManyAttempts: the address has spent its failed authentications.
const CodeTooManyAttempts = "too_many_attempts"

// Tokens authenticates API requests by bearer token.
type Tokens struct {
	q        *db.Queries
	cache    *tokenCache
	throttle *authThrottle
	index    *tokenIndex
	failures *prometheus.CounterVec // by result: unauthorized, throttled
}

// TokenConfig tunes Tokens; zero fields take the defaults.
type TokenConfig struct {
	// CacheTTL is how long a token lookup is remembered (default 2 s): a
	// user disabled through another process is refused within it.
	CacheTTL time.Duration
}

// WithDefaults is c with its zero fields set to their defaults (CacheTTL
// 2 s). The gateway's configuration fills them once; NewTokens fills them
// again for a caller that did not.
func (c TokenConfig) WithDefaults() TokenConfig {
	if c.CacheTTL == 0 {
		c.CacheTTL = 2 * time.Second
	}
	return c
}

// NewTokens makes the authenticator over q. failures counts refusals by
// result (unauthorized, throttled); nil: not counted.
func NewTokens(q *db.Queries, failures *prometheus.CounterVec, cfg TokenConfig) *Tokens {
	cfg = cfg.WithDefaults()
	return &Tokens{q: q, cache: newTokenCache(cfg.CacheTTL), throttle: newAuthThrottle(), index: newTokenIndex(), failures: failures}
}

// Forget drops every remembered lookup (after a user is disabled or a
// token rotated through this process).
func (t *Tokens) Forget() { t.cache.purge() }

// Reload makes the throttle's index of active tokens reload on its next
// miss (after a token is made or changed through this process).
func (t *Tokens) Reload() { t.index.stale() }

func (t *Tokens) count(result string) {
	if t.failures != nil {
		t.failures.WithLabelValues(result).Inc()
	}
}

// Authenticate looks the token up first and consults the per-address
// throttle only when authentication fails (throttle.go): a request
// with a valid token is never refused by the throttle, so many staff
// behind one proxy (or one NAT) are not locked out by someone else's bad
// guesses. The cost of guessing stays bounded: unknown tokens are refused
// from memory (tokenIndex) once their address has failed too often.
func (t *Tokens) Authenticate(c *gin.Context) {
	ip := c.ClientIP()
	key := throttleKey(ip)
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" || len(token) > 128 {
		t.authFailed(c, key)
		return
	}
	hash := HashToken(token)
	if t.throttle.tripped(key, time.Now()) && !t.cache.cached(hash) {
		// This address keeps failing: look up only tokens the index knows.
		known, err := t.index.has(c.Request.Context(), t.q, hash)
		if err != nil {
			httpx.Fail(c, errs.Internal(err))
			return
		}
		if !known {
			t.authFailed(c, key)
			return
		}
	}
	u, err := t.cache.lookup(c.Request.Context(), t.q, hash)
	if errors.Is(err, sql.ErrNoRows) {
		t.authFailed(c, key)
		return
	}
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	// Expiry is wall-clock time, as AddUserWith and the database set it.
	if u.DisabledAt.Valid || (u.ExpiresAt.Valid && !time.Now().Before(u.ExpiresAt.Time)) {
		t.authFailed(c, key)
		return
	}
	SetActor(c, &Actor{UserID: u.ID, Name: u.Name, Role: Role(u.Role), RequestID: httpx.RequestIDOf(c), IP: net.ParseIP(ip)})
	c.Next()
}

// authFailed answers a failed authentication: the one generic 401, or 429
// once the address has spent its failures.
func (t *Tokens) authFailed(c *gin.Context, key string) {
	if wait := t.throttle.failed(key, time.Now()); wait > 0 {
		t.count("throttled")
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		httpx.Fail(c, errs.New(CodeTooManyAttempts, "too many failed authentications from this address; wait and try again"))
		return
	}
	t.count("unauthorized")
	httpx.Fail(c, errAuth)
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
