package db

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// UniqueViolation returns the name of the constraint err violates when
// err is a unique violation (SQLSTATE 23505), else "". Callers compare the
// name with the constraint they mean, so a unique index added later is
// not mistaken for it.
func UniqueViolation(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return pg.ConstraintName
	}
	return ""
}
