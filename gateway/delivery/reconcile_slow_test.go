package delivery

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/gateway/message"
	"safecontact/keys"
)

// TestReconcileListingSlow: a message left sending without a provider id
// whose listing of hers runs out of time at every check is not left
// sending until it ages past Lookback: after SlowListings checks in a row
// it is unproven, unknown with code reconcile_unproven, counted as
// listing_slow. A message whose listing runs out of time at fewer checks
// in a row, then answers in time, is settled from it as usual, and never
// counted as listing_slow. Both are in the same passes: her listings
// differ only in depth (the fake delays one page index of every listing).
func TestReconcileListingSlow(t *testing.T) {
	s, b := setupListing(t)
	f, tw, q, pool := b.fake, b.tw, b.q, b.pool
	ctx := context.Background()
	// stuck is a message the provider delivered whose send was never
	// recorded (sending for three minutes, no provider id), followed by
	// `later` more of hers: her listing reaches it on page later/25.
	stuck := func(phone string, later int) uuid.UUID {
		return b.stuckMessage(t, phone, "Hola, nos vemos el martes", "4 minutes", []string{"sending"}, "3 minutes", 3*time.Minute, later)
	}
	slowCount := func() float64 { return UnprovenCount(b.reg, "listing_slow") }

	always := stuck("+34612000991", 80)   // her message on page 3
	recovers := stuck("+34612000992", 60) // on page 2
	s.SetProviderLookup(tw, ReconcileConfig{UnknownSettle: time.Second, CallTimeout: 200 * time.Millisecond,
		RecheckAfter: time.Millisecond, RecheckMax: time.Millisecond})
	if got := s.reconcileCfg.SlowListings; got != 3 {
		t.Fatalf("SlowListings default %d, want 3", got)
	}
	now := time.Now()
	pass := func(slowPage int) {
		t.Helper()
		f.SetPageLatency(slowPage, 2*time.Second)
		now = now.Add(time.Minute) // past every next check
		if _, err := s.Reconcile(ctx, now); err != nil {
			t.Fatal(err)
		}
		f.SetPageLatency(0, 0)
	}
	status := func(id uuid.UUID) db.Message {
		t.Helper()
		m, err := q.MessageByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	// Two checks in a row out of time: both are left sending, to be asked
	// again, and nothing is counted.
	for i := range 2 {
		pass(2)
		for _, id := range []uuid.UUID{always, recovers} {
			if m := status(id); m.Status != message.StatusSending || m.ProviderID.Valid {
				t.Fatalf("slow check %d: %s (provider id %v), want sending without one", i+1, m.Status, m.ProviderID.Valid)
			}
		}
		if c := slowCount(); c != 0 {
			t.Fatalf("slow check %d: listing_slow counted %v, want 0", i+1, c)
		}
	}

	// The third check: hers (page 3) still out of time, the other's
	// (three pages) in time.
	pass(3)
	if m := status(always); m.Status != message.StatusUnknown || m.ProviderID.Valid || m.ErrorCode.String != message.CodeReconcileUnproven {
		t.Fatalf("third slow check: %s %q (provider id %v), want unknown %s without one", m.Status, m.ErrorCode.String, m.ProviderID.Valid, message.CodeReconcileUnproven)
	}
	if m := status(recovers); m.Status != "delivered" || !m.ProviderID.Valid {
		t.Fatalf("fast again: %s (provider id %v), want delivered with one", m.Status, m.ProviderID.Valid)
	}
	if c := slowCount(); c != 1 {
		t.Fatalf("listing_slow counted %v, want 1", c)
	}
	var reason string
	if err := pool.QueryRow(`SELECT details->>'reason' FROM audit_events WHERE details->>'message_id' = $1 AND details ? 'reason'`, always.String()).Scan(&reason); err != nil || reason != "listing_slow" {
		t.Fatalf("audit reason %q (%v), want listing_slow", reason, err)
	}

	// Once unknown, a listing in time settles it forward as before.
	pass(5)
	if m := status(always); m.Status != "delivered" || !m.ProviderID.Valid {
		t.Fatalf("listing in time after listing_slow: %s (provider id %v), want delivered with one", m.Status, m.ProviderID.Valid)
	}
	if c := slowCount(); c != 1 {
		t.Fatalf("listing_slow counted %v after the listing answered, want 1", c)
	}
}

// answers is a ProviderLookup whose listings of hers give, in turn, the
// errors it holds (nil: an empty listing that reached the window).
type answers struct {
	errs []error
	n    int
}

func (a *answers) FetchMessageStatus(context.Context, string) (string, error) {
	return "", errors.New("not asked in this test")
}

func (a *answers) ListMessagesSent(context.Context, string, string, time.Time, time.Time, int) ([]channels.ProviderMessage, bool, error) {
	return nil, true, nil
}

func (a *answers) ListMessagesToPaged(context.Context, string, string, time.Time, int, time.Duration) ([]channels.ProviderMessage, bool, error) {
	err := a.errs[min(a.n, len(a.errs)-1)]
	a.n++
	return nil, err == nil, err
}

// TestReconcileListingSlowInARow: only checks in a row count. A listing
// that fails otherwise (the provider refusing, say) ends the run: two
// slow checks, a refusal, two slow checks leave the message sending; the
// third slow check in a row makes it unknown, listing_slow.
func TestReconcileListingSlowInARow(t *testing.T) {
	pool, _ := dbtest.New(t)
	ring := keys.NewTestRing()
	s := New(Deps{DB: pool, Keys: ring,
		OpenContent: func(b []byte) (Content, error) { return message.OpenContent(ring, b) }}, Config{})
	q := db.New(pool)
	ctx := context.Background()
	const phone = "+34612000993"
	p, err := q.CreateParticipant(ctx, db.CreateParticipantParams{Code: "P-00993", Initials: "AB",
		Language: "es", TimeZone: "Europe/Madrid", PhoneEnc: ring.Seal(keys.Contact, []byte(phone)),
		PhoneIndex: ring.BlindIndex(phone), PhoneMask: "+34 ••• 0993", SafeWindows: []string{}, ChannelPreference: []string{"sms"}})
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.Must(uuid.NewV7())
	if _, err := pool.Exec(`INSERT INTO messages (id, participant_id, channel, status, variant, language, content_enc, send_at, consent_version)
		VALUES ($1, $2, 'sms', 'queued', 'standard', 'es', $3, now() - interval '4 minutes', 1)`,
		id, p.ID, message.Seal(ring, message.Content{Text: "Hola"})); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(`UPDATE messages SET status = 'sending', updated_at = now() - interval '3 minutes' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	slow := fmt.Errorf("twilio: %w", context.DeadlineExceeded)
	refused := &channels.SendError{Code: "provider_unavailable", Retryable: true, Err: errors.New("twilio: 503")}
	a := &answers{errs: []error{slow, slow, refused, slow, slow, slow}}
	s.SetProviderLookup(a, ReconcileConfig{UnknownSettle: time.Second, RecheckAfter: time.Millisecond, RecheckMax: time.Millisecond})
	now := time.Now()
	for i := range len(a.errs) {
		now = now.Add(time.Minute)
		if _, err := s.Reconcile(ctx, now); err != nil {
			t.Fatal(err)
		}
		m, err := q.MessageByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := message.StatusSending
		if i == len(a.errs)-1 {
			want = message.StatusUnknown
		}
		if m.Status != want {
			t.Fatalf("after check %d (%v): %s, want %s", i+1, a.errs[i], m.Status, want)
		}
	}
	if a.n != len(a.errs) {
		t.Fatalf("%d listings, want %d", a.n, len(a.errs))
	}
}
