package safety

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/errs"
)

// duplicateMeetingPointName answers duplicate_meeting_point for a clash on
// the meeting points' name only, told by the constraint's name in the
// schema; another unique violation (the primary key) is another error.
func TestDuplicateMeetingPointNameConstraint(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	q := db.New(pool)
	a, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "Metro Sol", Kind: "metro", AtForms: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "Metro Tirso", Kind: "metro", AtForms: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = q.UpdateMeetingPoint(ctx, db.UpdateMeetingPointParams{ID: b.ID, Name: a.Name, AtForms: []byte(`{}`)})
	if e := duplicateMeetingPointName(err); e == nil || errs.As(e).Code != CodeDuplicateMeetingPoint || errs.As(e).Field != "name" {
		t.Fatalf("rename onto another's name: %v -> %v, want %s", err, e, CodeDuplicateMeetingPoint)
	}
	_, err = pool.ExecContext(ctx, `INSERT INTO meeting_points (id, name, kind) VALUES ($1, 'Metro Lavapiés', 'metro')`, a.ID)
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "23505" {
		t.Fatalf("same id: %v, want a unique violation", err)
	}
	if e := duplicateMeetingPointName(err); e != nil {
		t.Fatalf("same id (%s) -> %v, want no duplicate_meeting_point", pg.ConstraintName, e)
	}
	if e := duplicateMeetingPointName(errors.New("other")); e != nil {
		t.Fatalf("another error -> %v", e)
	}
}
