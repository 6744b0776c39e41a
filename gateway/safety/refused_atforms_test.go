package safety

import (
	"cmp"
	"context"
	"slices"
	"testing"

	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/templates"
)

// RefusedAtForms finds the stored names and at forms the current rules
// refuse (registered under looser ones), by meeting point, language and
// reason, and leaves alone good, blank and never-rendered ones.
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
	// A name and a form with a letter drawn as a symbol (🅿️), as render
	// refuses them now.
	sym, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "🅿\ufe0f Sants", Kind: "landmark",
		AtForms: []byte(`{"es": "en el 🅿\ufe0f Sants"}`)})
	if err != nil {
		t.Fatal(err)
	}
	symForm, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "Metro Sants", Kind: "metro",
		AtForms: []byte(`{"es": "en el Metro Sants 🅿\ufe0f", "en": "at Metro Sants"}`)})
	if err != nil {
		t.Fatal(err)
	}
	// A form whose lead is drawn in full-width letters, registered before
	// they were extra words; a name with º, ° and ª folded as letters is
	// not refused.
	wide, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "Mercat del Born", Kind: "landmark",
		AtForms: []byte(`{"es": "ｅｎ ｅｌ Mercat del Born", "ca": "al Mercat del Born"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "Plaza 1° de Mayo", Kind: "landmark",
		AtForms: []byte(`{"es": "en la Plaza 1º de Mayo", "ca": "a la Plaza 1º de Mayo"}`)}); err != nil {
		t.Fatal(err)
	}
	got, err := RefusedAtForms(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want := []RefusedAtForm{{bad.ID, "fr", ReasonAtFormWords}, {bad.ID, "ro", ReasonAtFormWords},
		{sym.ID, "", templates.ReasonLetterSymbols}, {sym.ID, "es", templates.ReasonLetterSymbols},
		{symForm.ID, "es", templates.ReasonLetterSymbols}, {wide.ID, "es", ReasonAtFormWords}}
	slices.SortStableFunc(got, func(a, b RefusedAtForm) int { return cmp.Compare(a.MeetingPointID, b.MeetingPointID) })
	if !slices.Equal(got, want) {
		t.Fatalf("RefusedAtForms = %v, want %v (good is %d)", got, want, good.ID)
	}
}
