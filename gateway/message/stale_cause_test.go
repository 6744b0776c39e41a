package message

import (
	"context"
	"errors"
	"strings"
	"testing"

	"safecontact/errs"
	"safecontact/gateway/auth"
)

// A write refused on stale data says why: the meeting point its text
// names changed (errStalePlace: the points are read again, and the answer
// once the attempts run out says so) or only her record did (errStale:
// the points' cache is kept).
func TestStaleCause(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	ctx := context.Background()
	code := s.participant("+34 612 345 679", "sms")
	var point int64
	if err := s.d.DB.QueryRow(`INSERT INTO meeting_points (name, kind, at_forms) VALUES ('Plaça Reial', 'landmark', '{"es": "en la Plaça Reial"}')
		RETURNING id`).Scan(&point); err != nil {
		t.Fatal(err)
	}
	in := Input{Participant: code, Channel: "sms", Template: "meet_proposal",
		Params: map[string]string{"when": "2026-03-12T09:00:00Z", "place": "Plaça Reial"}}
	a := auth.SystemActor("test")
	if _, _, err := s.lookup(ctx, code, true); err != nil { // now cached
		t.Fatal(err)
	}
	s.known.get(s.q, s.d.Log)

	// Her record changed after it was read.
	if _, err := s.d.DB.Exec(`UPDATE participants SET initials = 'M.X.' WHERE code = $1`, code); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.accept(ctx, a, in, 0, "", nil, s.now, false)
	if !errors.Is(err, errStale) || errors.Is(err, errStalePlace) {
		t.Fatalf("her record changed: %v, want errStale", err)
	}
	if s.known.at.IsZero() {
		t.Error("the meeting points are read again after only her record changed")
	}
	if e := errs.As(staleRefusal(err)); e.Code != errs.CodeUnavailable || !strings.Contains(e.Message, "her record changed") {
		t.Errorf("answer after her record changed: %s %q", e.Code, e.Message)
	}

	// The point renamed after the points were read.
	if _, err := s.d.DB.Exec(`UPDATE meeting_points SET name = 'Plaça del Rei', at_forms = '{}' WHERE id = $1`, point); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.accept(ctx, a, in, 0, "", nil, s.now, true)
	if !errors.Is(err, errStalePlace) || !errors.Is(err, errStale) {
		t.Fatalf("the point renamed: %v, want errStalePlace", err)
	}
	if !s.known.at.IsZero() {
		t.Error("the meeting points' cache is kept after the point changed")
	}
	if e := errs.As(staleRefusal(err)); e.Code != errs.CodeUnavailable || !strings.Contains(e.Message, "the meeting point changed while the message was written") {
		t.Errorf("answer after the point changed: %s %q", e.Code, e.Message)
	}
}

// errStalePlace is an errStale (the request is decided again) whose text
// names only the meeting point, not her participant data.
func TestStalePlaceText(t *testing.T) {
	if !errors.Is(errStalePlace, errStale) || errors.Is(errStale, errStalePlace) {
		t.Fatal("errStalePlace must be an errStale, and not the reverse")
	}
	if msg := errStalePlace.Error(); msg != "the meeting point changed since it was read" {
		t.Errorf("errStalePlace says %q", msg)
	}
}
