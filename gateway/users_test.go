package gateway

import (
	"context"
	"testing"

	"safecontact/db/dbtest"
	"safecontact/gateway/auth"
)

// Disabling a user ends her console sessions in the same transaction
// (signin.EndUserSessions), and nobody else's.
func TestDisableUserEndsConsoleSessions(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	for _, name := range []string{"leaver", "stayer"} {
		if _, err := AddUser(ctx, pool, auth.SystemActor("test"), name, auth.RoleStaff); err != nil {
			t.Fatal(err)
		}
		_, err := pool.Exec(`INSERT INTO console_sessions (token_hash, user_id, stage, created_at, last_seen_at, expires_at)
			SELECT sha256(convert_to($1 || n, 'UTF8')), id, 'signed_in', now(), now(), now() + interval '12 hours'
			FROM users, generate_series(1, 2) AS n WHERE name = $1`, name)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := DisableUser(ctx, pool, auth.SystemActor("test"), "leaver"); err != nil {
		t.Fatal(err)
	}
	count := func(name string) (n int) {
		pool.QueryRow(`SELECT count(*) FROM console_sessions s JOIN users u ON u.id = s.user_id WHERE u.name = $1`, name).Scan(&n)
		return n
	}
	if count("leaver") != 0 || count("stayer") != 2 {
		t.Fatalf("sessions left: leaver %d, stayer %d", count("leaver"), count("stayer"))
	}
}
