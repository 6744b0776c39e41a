package delivery

import (
	"context"
	"database/sql"
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

// listingBundle is what the tests of reconciliation's listings share: a
// fresh database, a key ring, the fake Twilio (pages of 25) and the real
// client talking to it, and the registry the Service's metrics are in.
type listingBundle struct {
	pool *sql.DB
	ring *keys.Ring
	fake *twiliotest.Fake
	tw   *channels.Twilio
	q    *db.Queries
	reg  *prometheus.Registry
}

// setupListing returns a Service with default settings on a listingBundle.
func setupListing(t *testing.T) (*Service, listingBundle) {
	t.Helper()
	pool, _ := dbtest.New(t)
	b := listingBundle{pool: pool, ring: keys.NewTestRing(), fake: twiliotest.New(t, "testtoken"),
		q: db.New(pool), reg: prometheus.NewRegistry()}
	b.fake.SetMaxPageSize(25)
	tw, err := channels.NewTwilio(channels.TwilioConfig{AccountSID: b.fake.AccountSID(), AuthToken: "testtoken",
		APIBaseURL: b.fake.URL(), From: "+34600000000"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tw.Close)
	b.tw = tw
	s := New(Deps{DB: pool, Keys: b.ring, Reg: b.reg,
		OpenContent: func(c []byte) (Content, error) { return message.OpenContent(b.ring, c) }}, Config{})
	return s, b
}

// stuckMessage is a message with text, due sendAgo ago (an SQL interval),
// moved through statuses with its last change updatedAgo ago, whose send
// was never recorded although the provider created and delivered it
// (sent sentAgo ago), followed by later more of hers, all delivered: her
// listing reaches it on page later/25. It returns the message's id.
func (b listingBundle) stuckMessage(t *testing.T, phone, text, sendAgo string, statuses []string, updatedAgo string, sentAgo time.Duration, later int) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	p, err := b.q.CreateParticipant(ctx, db.CreateParticipantParams{Code: "P-0" + phone[len(phone)-4:], Initials: "AB",
		Language: "es", TimeZone: "Europe/Madrid", PhoneEnc: b.ring.Seal(keys.Contact, []byte(phone)),
		PhoneIndex: b.ring.BlindIndex(phone), PhoneMask: "+34 ••• " + phone[len(phone)-4:], SafeWindows: []string{}, ChannelPreference: []string{"sms"}})
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.Must(uuid.NewV7())
	if _, err := b.pool.Exec(`INSERT INTO messages (id, participant_id, channel, status, variant, language, content_enc, send_at, consent_version)
		VALUES ($1, $2, 'sms', 'queued', 'standard', 'es', $3, now() - $4::interval, 1)`,
		id, p.ID, message.Seal(b.ring, message.Content{Text: text}), sendAgo); err != nil {
		t.Fatal(err)
	}
	for _, st := range statuses {
		if _, err := b.pool.Exec(`UPDATE messages SET status = $2, updated_at = now() - $3::interval WHERE id = $1`, id, st, updatedAgo); err != nil {
			t.Fatal(err)
		}
	}
	rc, err := b.tw.Send(ctx, channels.Outgoing{Channel: "sms", To: phone, Body: text})
	if err != nil {
		t.Fatal(err)
	}
	b.fake.SetStatus(rc.ProviderID, "delivered")
	b.fake.SetDateSent(rc.ProviderID, time.Now().Add(-sentAgo))
	for i := range later {
		rc, err := b.tw.Send(ctx, channels.Outgoing{Channel: "sms", To: phone, Body: fmt.Sprintf("Hola, otro mensaje %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		b.fake.SetStatus(rc.ProviderID, "delivered")
	}
	return id
}

// UnprovenCount reads safecontact_reconcile_unproven_total for one reason
// from g (for this package's tests and delivery_test's).
func UnprovenCount(g prometheus.Gatherer, reason string) float64 {
	mfs, err := g.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "safecontact_reconcile_unproven_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
