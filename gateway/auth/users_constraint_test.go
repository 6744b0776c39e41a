package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/errs"
)

// duplicateUserName answers duplicate_user for a clash on the users' name
// only, told by the constraint's name in the schema; a clash on the token
// hash is another error.
func TestDuplicateUserNameConstraint(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	q := db.New(pool)
	hash := func(b byte) []byte {
		h := make([]byte, 32)
		h[0] = b
		return h
	}
	if _, err := q.CreateUserExpiring(ctx, db.CreateUserExpiringParams{Name: "first", Role: "staff", TokenHash: hash(1)}); err != nil {
		t.Fatal(err)
	}
	_, err := q.CreateUserExpiring(ctx, db.CreateUserExpiringParams{Name: "first", Role: "staff", TokenHash: hash(2)})
	if e := duplicateUserName(err); e == nil || errs.As(e).Code != CodeDuplicateUser || errs.As(e).Field != "name" {
		t.Fatalf("same name: %v -> %v, want %s", err, e, CodeDuplicateUser)
	}
	_, err = q.CreateUserExpiring(ctx, db.CreateUserExpiringParams{Name: "second", Role: "staff", TokenHash: hash(1)})
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "23505" {
		t.Fatalf("same token hash: %v, want a unique violation", err)
	}
	if e := duplicateUserName(err); e != nil {
		t.Fatalf("same token hash (%s) -> %v, want no duplicate_user", pg.ConstraintName, e)
	}
	if e := duplicateUserName(errors.New("other")); e != nil {
		t.Fatalf("another error -> %v", e)
	}
}
