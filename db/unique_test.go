package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"safecontact/db"
	"safecontact/db/dbtest"
)

// UniqueViolation names the violated unique constraint, also through a
// wrapped error, and gives "" for any other error.
func TestUniqueViolation(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	if _, err := pool.ExecContext(ctx, `CREATE TABLE uv (a int CONSTRAINT uv_a_key UNIQUE, b int NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.ExecContext(ctx, `INSERT INTO uv VALUES (1, 1)`); err != nil {
		t.Fatal(err)
	}
	_, err := pool.ExecContext(ctx, `INSERT INTO uv VALUES (1, 2)`)
	if got := db.UniqueViolation(fmt.Errorf("insert: %w", err)); got != "uv_a_key" {
		t.Errorf("unique violation: got %q, want uv_a_key (err %v)", got, err)
	}
	_, err = pool.ExecContext(ctx, `INSERT INTO uv VALUES (2, NULL)`)
	if err == nil {
		t.Fatal("NULL into a NOT NULL column accepted")
	}
	if got := db.UniqueViolation(err); got != "" {
		t.Errorf("not-null violation: got %q, want \"\"", got)
	}
	for _, err := range []error{nil, errors.New("other")} {
		if got := db.UniqueViolation(err); got != "" {
			t.Errorf("%v: got %q, want \"\"", err, got)
		}
	}
}
