package delivery

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"safecontact/channels"
	"safecontact/channels/twiliotest"
	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/gateway/message"
	"safecontact/keys"
)

// TestReconcileListingPerPageTimeout: a message without a provider id is
// looked for in her listing, read down to its send window past her later
// messages, several pages deep. CallTimeout bounds each page, not the
// whole listing: slow pages that together take longer than it still
// settle the message. A page that does not answer within CallTimeout
// fails the listing: the message is left as it was, to be asked about
// again at its next check, and not counted as listing_cut (a slow
// provider says nothing about her listing). A listing whose pages each
// answer in time but together overrun ListBudget fails the same way.
func TestReconcileListingPerPageTimeout(t *testing.T) {
	pool, _ := dbtest.New(t)
	ring := keys.NewTestRing()
	f := twiliotest.New(t, "testtoken")
	f.SetMaxPageSize(25)
	tw, err := channels.NewTwilio(channels.TwilioConfig{AccountSID: f.AccountSID(), AuthToken: "testtoken",
		APIBaseURL: f.URL(), From: "+34600000000"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tw.Close)
	reg := prometheus.NewRegistry()
	s := New(Deps{DB: pool, Keys: ring, Reg: reg,
		OpenContent: func(b []byte) (Content, error) { return message.OpenContent(ring, b) }}, Config{})
	q := db.New(pool)
	ctx := context.Background()

	// crashed is a message the provider delivered (its callbacks lost)
	// whose send was never recorded, followed by 60 more of hers: three
	// pages of her listing, the message on the last.
	const text = "Hola, nos vemos el martes"
	crashed := func(phone string) uuid.UUID {
		p, err := q.CreateParticipant(ctx, db.CreateParticipantParams{Code: "P-0" + phone[len(phone)-4:], Initials: "AB",
			Language: "es", TimeZone: "Europe/Madrid", PhoneEnc: ring.Seal(keys.Contact, []byte(phone)),
			PhoneIndex: ring.BlindIndex(phone), PhoneMask: "+34 ••• " + phone[len(phone)-4:], SafeWindows: []string{}, ChannelPreference: []string{"sms"}})
		if err != nil {
			t.Fatal(err)
		}
		id := uuid.Must(uuid.NewV7())
		if _, err := pool.Exec(`INSERT INTO messages (id, participant_id, channel, status, variant, language, content_enc, send_at, consent_version)
			VALUES ($1, $2, 'sms', 'queued', 'standard', 'es', $3, now() - interval '1 minute', 1)`,
			id, p.ID, message.Seal(ring, message.Content{Text: text})); err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{"sending", "unknown"} {
			if _, err := pool.Exec(`UPDATE messages SET status = $2, updated_at = now() - interval '2 minutes' WHERE id = $1`, id, st); err != nil {
				t.Fatal(err)
			}
		}
		rc, err := tw.Send(ctx, channels.Outgoing{Channel: "sms", To: phone, Body: text})
		if err != nil {
			t.Fatal(err)
		}
		f.SetStatus(rc.ProviderID, "delivered")
		f.SetDateSent(rc.ProviderID, time.Now().Add(-30*time.Second))
		for i := range 60 {
			rc, err := tw.Send(ctx, channels.Outgoing{Channel: "sms", To: phone, Body: fmt.Sprintf("Hola, otro mensaje %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			f.SetStatus(rc.ProviderID, "delivered")
		}
		return id
	}
	cut := func() float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != "safecontact_reconcile_unproven_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "reason" && l.GetValue() == "listing_cut" {
						return m.GetCounter().GetValue()
					}
				}
			}
		}
		return 0
	}

	// Every page answers in 150 ms: three take longer than one CallTimeout,
	// each within it.
	slow := crashed("+34612000981")
	s.SetProviderLookup(tw, ReconcileConfig{UnknownSettle: time.Second, CallTimeout: 300 * time.Millisecond})
	f.SetLatency(150 * time.Millisecond)
	if n, err := s.Reconcile(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("slow pages: %d changed, %v; want 1", n, err)
	}
	f.SetLatency(0)
	if m, _ := q.MessageByID(ctx, slow); m.Status != "delivered" || !m.ProviderID.Valid {
		t.Fatalf("slow pages: %s (provider id %v), want delivered with one", m.Status, m.ProviderID.Valid)
	}

	// The third page, which holds the message, does not answer within
	// CallTimeout: an error, the message left for its next check.
	stalled := crashed("+34612000982")
	s.SetProviderLookup(tw, ReconcileConfig{UnknownSettle: time.Second, CallTimeout: 200 * time.Millisecond})
	f.SetPageLatency(2, 2*time.Second)
	before := cut()
	if n, _ := s.Reconcile(ctx, time.Now()); n != 0 {
		t.Fatalf("stalled page: %d changed; want 0", n)
	}
	if m, _ := q.MessageByID(ctx, stalled); m.Status != message.StatusUnknown || m.ProviderID.Valid {
		t.Fatalf("stalled page: %s (provider id %v), want unknown without one", m.Status, m.ProviderID.Valid)
	}
	f.SetPageLatency(0, 0)

	// Every page within CallTimeout, the three over ListBudget: the same.
	over := crashed("+34612000983")
	s.SetProviderLookup(tw, ReconcileConfig{UnknownSettle: time.Second, CallTimeout: 300 * time.Millisecond, ListBudget: 350 * time.Millisecond})
	f.SetLatency(150 * time.Millisecond)
	if n, _ := s.Reconcile(ctx, time.Now()); n != 0 {
		t.Fatalf("over the listing's budget: %d changed; want 0", n)
	}
	f.SetLatency(0)
	if m, _ := q.MessageByID(ctx, over); m.Status != message.StatusUnknown || m.ProviderID.Valid {
		t.Fatalf("over the listing's budget: %s (provider id %v), want unknown without one", m.Status, m.ProviderID.Valid)
	}
	if d := cut() - before; d != 0 {
		t.Fatalf("listing_cut counted %v times for slow listings, want 0", d)
	}

	// At its next check, with the provider answering, it is settled.
	s.SetProviderLookup(tw, ReconcileConfig{UnknownSettle: time.Second, CallTimeout: 300 * time.Millisecond, RecheckAfter: time.Millisecond})
	time.Sleep(10 * time.Millisecond)
	if _, err := s.Reconcile(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{stalled, over} {
		if m, _ := q.MessageByID(ctx, id); m.Status != "delivered" {
			t.Fatalf("next check: %s, want delivered", m.Status)
		}
	}
}
