// Package signintest sets up the sign-in service for tests: a clock the
// test moves, an audit function that writes the real audit table, cheap
// hashing parameters, and fixture factories for users.
package signintest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/sqlc-dev/pqtype"

	"safecontact/db"
	"safecontact/gateway/auth/signin"
	"safecontact/keys"
)

// Clock is a clock the test moves. It starts at a fixed instant in the
// middle of a TOTP step.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at 2026-06-02 08:00:10 UTC.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 6, 2, 8, 0, 10, 0, time.UTC)} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// FastParams hash in a millisecond: for tests only.
var FastParams = signin.Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

// Audit writes e to audit_events as the gateway's Append does (actor
// columns and JSON details), so tests read real rows.
func Audit(ctx context.Context, q *db.Queries, e signin.AuditEvent) error {
	var details pqtype.NullRawMessage
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return err
		}
		details = pqtype.NullRawMessage{RawMessage: b, Valid: true}
	}
	_, err := q.AppendAudit(ctx, db.AppendAuditParams{
		ActorID: sql.NullInt64{Int64: e.Actor.UserID, Valid: e.Actor.UserID != 0}, ActorName: e.Actor.Name,
		ActorRole: e.Actor.Role, Action: e.Action, RequestID: e.Actor.RequestID, Details: details,
	})
	return err
}

// Bundle is what New sets up besides the service.
type Bundle struct {
	DB    *sql.DB
	Clock *Clock
}

// New builds a sign-in service on pool with a test clock and the audit
// table; cfg's zero fields take the defaults, but Params defaults to
// FastParams.
func New(t testing.TB, pool *sql.DB, cfg signin.Config) (*signin.Service, Bundle) {
	t.Helper()
	if cfg.Params == (signin.Params{}) {
		cfg.Params = FastParams
	}
	clock := NewClock()
	svc, err := signin.New(signin.Deps{DB: pool, Keys: keys.NewTestRing(), Audit: Audit, Now: clock.Now, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return svc, Bundle{DB: pool, Clock: clock}
}

// AddUser creates a user with a role and a console password (not to be
// changed at first sign-in) and returns her id.
func AddUser(t testing.TB, svc *signin.Service, pool *sql.DB, name, role, password string) int64 {
	t.Helper()
	ctx := context.Background()
	token := make([]byte, 32)
	rand.Read(token)
	var id int64
	err := db.InTx(ctx, pool, func(q *db.Queries, _ *sql.Tx) error {
		u, err := q.CreateUser(ctx, db.CreateUserParams{Name: name, Role: role, TokenHash: token})
		if err != nil {
			return err
		}
		id = u.ID
		return svc.SetPassword(ctx, q, signin.Actor{Name: "test"}, u.ID, password, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Actions lists the audit actions recorded so far, in order.
func Actions(t testing.TB, pool *sql.DB) []string {
	t.Helper()
	rows, err := pool.Query("SELECT action FROM audit_events ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		out = append(out, a)
	}
	return out
}
