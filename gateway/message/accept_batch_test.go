package message

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"safecontact/consent"
	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/gateway/auth"
	"safecontact/gateway/participant"
	"safecontact/keys"
	"safecontact/templates"
)

// testService is a message service on a fresh database, with its
// participant writes made directly.
type testService struct {
	*Service
	t   *testing.T
	now time.Time
}

func newTestService(t *testing.T) *testService {
	t.Helper()
	pool, _ := dbtest.New(t)
	ring := keys.NewTestRing()
	now := time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	log := slog.New(slog.DiscardHandler)
	cat, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	parts := participant.New(participant.Deps{DB: pool, Keys: ring, Now: clock, Log: log}, participant.Config{DefaultRegion: "ES"})
	s := New(Deps{DB: pool, Keys: ring, Now: clock, Log: log, Catalog: cat, Participants: parts},
		Config{ConsentReviewAge: 90 * 24 * time.Hour, APIDBTimeout: 5 * time.Second, BodyRetention: 7 * 24 * time.Hour})
	t.Cleanup(s.Close)
	return &testService{Service: s, t: t, now: now}
}

// participant stores a participant reachable at any time, not monitored,
// with a consent grant per channel, and returns her code.
func (ts *testService) participant(phone string, channels ...string) string {
	ts.t.Helper()
	ctx := context.Background()
	e164, err := consent.ParsePhone(phone, "", "phone")
	if err != nil {
		ts.t.Fatal(err)
	}
	code := consent.NewCode()
	p, err := ts.q.CreateParticipant(ctx, db.CreateParticipantParams{Code: code, Initials: "M.R.", Language: "es", TimeZone: "Europe/Madrid",
		PhoneEnc: ts.d.Keys.Seal(keys.Contact, []byte(e164)), PhoneIndex: ts.d.Keys.BlindIndex(e164), PhoneMask: consent.MaskPhone(e164),
		AnyTime: true, SafeWindows: []string{}, ChannelPreference: []string{}})
	if err != nil {
		ts.t.Fatal(err)
	}
	for i, ch := range channels {
		if _, err := ts.q.AppendConsentEvent(ctx, db.AppendConsentEventParams{ParticipantID: p.ID, Channel: ch, Kind: string(consent.KindGranted),
			At: ts.now.Add(time.Duration(i-10) * time.Minute), Actor: "test", Source: "staff", Evidence: "signed form F-2026-114", NoticeLanguage: "es"}); err != nil {
			ts.t.Fatal(err)
		}
	}
	return code
}

// One statement reads a batch of participants with their ledgers: each
// code gets her own participant and events in ledger order, an unknown
// code gets nothing, a code asked twice gets the same answer twice.
func TestLookupBatch(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	withTwo := s.participant("+34 612 345 678", "sms", "voice")
	none := s.participant("+34 612 000 111")

	codes := []string{withTwo, "P-ZZZZZ", none, withTwo}
	got, err := s.lookupBatch(context.Background(), codes)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(codes) {
		t.Fatalf("%d answers for %d codes", len(got), len(codes))
	}
	tests := []struct {
		name     string
		f        found
		code     string
		channels []consent.Channel
	}{
		{"two grants, in ledger order", got[0], withTwo, []consent.Channel{consent.SMS, consent.Voice}},
		{"the same code again", got[3], withTwo, []consent.Channel{consent.SMS, consent.Voice}},
		{"no consent yet", got[2], none, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.f.ok || tc.f.p.Code != tc.code {
				t.Fatalf("got %q (found %v), want %q", tc.f.p.Code, tc.f.ok, tc.code)
			}
			var chs []consent.Channel
			for _, ev := range tc.f.hist {
				if ev.Kind != consent.KindGranted || ev.At.IsZero() || ev.ID == 0 {
					t.Errorf("event %+v", ev)
				}
				chs = append(chs, ev.Channel)
			}
			if len(chs) != len(tc.channels) || (len(chs) > 0 && (chs[0] != tc.channels[0] || chs[1] != tc.channels[1])) {
				t.Fatalf("channels %v, want %v", chs, tc.channels)
			}
		})
	}
	if got[1].ok {
		t.Fatalf("unknown code found: %+v", got[1].p.Code)
	}
}

// The write itself: a message decided on an old row version or a shorter
// ledger is not written; on current data it is.
func TestAcceptWriteChecksVersion(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	code := s.participant("+34 612 345 678", "sms")
	f, _, err := s.lookup(context.Background(), code, true)
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Participant: code, Channel: "sms", Body: "Hola, ¿hablamos mañana?"}
	tests := []struct {
		name    string
		version int64
		ledger  int
		written int
	}{
		{"current", f.version, len(f.hist), 1},
		{"older row", f.version - 1, len(f.hist), 0},
		{"shorter ledger", f.version, len(f.hist) - 1, 0},
		{"check skipped", -1, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := s.compose(context.Background(), auth.SystemActor("test"), in, f.p, f.hist, s.now)
			if err != nil || !m.decision.Allowed {
				t.Fatalf("compose: %v %+v", err, m.decision)
			}
			g := f
			g.version = tc.version
			g.hist = f.hist[:tc.ledger]
			nm, _, err := s.newRow(auth.SystemActor("test"), g, m, 0, s.now)
			if err != nil {
				t.Fatal(err)
			}
			n, err := insertMessages(context.Background(), s.q, []row{nm})
			if err != nil || n != tc.written {
				t.Fatalf("written %d, %v; want %d", n, err, tc.written)
			}
		})
	}
}
