package dbtest

import (
	"context"
	"database/sql"
	"testing"
)

// Tamper runs statements as a superuser with triggers off, the way an
// attacker with database rights would (tests of tamper evidence).
func Tamper(t testing.TB, pool *sql.DB, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "SET session_replication_role = origin")
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
