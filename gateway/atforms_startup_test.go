package gateway

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"safecontact/db"
	"safecontact/db/dbtest"
)

// At startup each stored at form the current rule refuses is logged by
// its meeting point and language, never by its text.
func TestWarnRefusedAtForms(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	mp, err := db.New(pool).CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "Gare de Lyon", Kind: "landmark",
		AtForms: []byte(`{"fr": "fuir à la Gare de Lyon", "en": "at Gare de Lyon"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	warnRefusedAtForms(ctx, pool, slog.New(slog.NewTextHandler(&buf, nil)))
	out := buf.String()
	if strings.Count(out, "level=WARN") != 1 || !strings.Contains(out, fmt.Sprintf("meeting_point_id=%d", mp.ID)) || !strings.Contains(out, "lang=fr") {
		t.Fatalf("log:\n%s", out)
	}
	if strings.Contains(out, "fuir") || strings.Contains(out, "Lyon") {
		t.Fatalf("the log names the form or the place:\n%s", out)
	}
}

// A stored name or at form that fails the monitored-text check (a letter
// drawn as a symbol) is logged too, by meeting point, language and
// reason, never by its text.
func TestWarnRefusedMeetingPointText(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	q := db.New(pool)
	name, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "🅿\ufe0f Sants", Kind: "landmark", AtForms: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	form, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: "Metro Sants", Kind: "metro",
		AtForms: []byte(`{"es": "en el Metro Sants 🅿\ufe0f"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	warnRefusedAtForms(ctx, pool, slog.New(slog.NewTextHandler(&buf, nil)))
	out := buf.String()
	if strings.Count(out, "level=WARN") != 2 || strings.Count(out, "reason=letter_symbols") != 2 ||
		!strings.Contains(out, fmt.Sprintf("meeting_point_id=%d reason", name.ID)) ||
		!strings.Contains(out, fmt.Sprintf("meeting_point_id=%d lang=es", form.ID)) {
		t.Fatalf("log:\n%s", out)
	}
	if strings.Contains(out, "Sants") || strings.Contains(out, "🅿") {
		t.Fatalf("the log names the place:\n%s", out)
	}
}
