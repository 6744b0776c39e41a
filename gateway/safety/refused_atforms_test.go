package safety

import (
	"context"
	"slices"
	"testing"

	"safecontact/db"
	"safecontact/db/dbtest"
)

// RefusedAtForms finds the stored at forms the current rule refuses (one
// registered under a looser rule), by meeting point and language, and
// leaves alone good, blank and never-rendered ones.
func TestRefusedAtForms(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	q := db.New(pool)
	good, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "Café de Flore", Kind: "landmark",
		AtForms: []byte(`{"fr": "au Café de Flore", "en": "at the Café de Flore", "es": ""}`)})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "Gare de Lyon", Kind: "landmark",
		AtForms: []byte(`{"fr": "fuir à la Gare de Lyon", "en": "at Gare de Lyon", "ro": "fugi la Gare de Lyon", "de": "am Gare de Lyon"}`)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := RefusedAtForms(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want := []RefusedAtForm{{bad.ID, "fr"}, {bad.ID, "ro"}}
	if !slices.Equal(got, want) {
		t.Fatalf("RefusedAtForms = %v, want %v (good is %d)", got, want, good.ID)
	}
}
