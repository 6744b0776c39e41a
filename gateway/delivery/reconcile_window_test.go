package delivery_test

import (
	"context"
	"net/http"
	"safecontact/gateway/gatewaytest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/message"
)

// sendWithoutCallback sends message id at the provider the way the worker
// would, but with its delivery reports lost, and returns the provider's id.
func sendWithoutCallback(t *testing.T, p *gatewaytest.Pipeline, tw *channels.Twilio, id uuid.UUID) string {
	t.Helper()
	ctx := context.Background()
	q := db.New(p.DB)
	m, _ := q.MessageByID(ctx, id)
	part, _ := q.ParticipantByID(ctx, m.ParticipantID)
	out, err := p.OutgoingOf(m, part)
	if err != nil {
		t.Fatal(err)
	}
	out.StatusCallback = ""
	rc, err := tw.Send(ctx, *out)
	if err != nil {
		t.Fatal(err)
	}
	return rc.ProviderID
}

// TestReconcileByWindow: a burst of lost delivery reports is settled from
// a paged listing of the provider's messages by send window, many messages
// per provider call, not one fetch each, in one pass whatever Batch is. A
// message the listing does not show (still in the provider's queue: no
// date_sent) is fetched on its own and, the provider holding it, stays
// sent. The window is by send_at: a reminder created three days before it
// was sent is reconciled too.
func TestReconcileByWindow(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	tw := p.Twilio().(*channels.Twilio)
	p.Fake.SetMaxPageSize(7) // several pages for a few dozen messages
	p.Server.SetProviderLookup(tw, gateway.ReconcileConfig{Every: time.Nanosecond, StuckAfter: time.Minute, Batch: 5})
	code := p.ConsentingParticipant("+34 612 000 996", false)
	q := db.New(p.DB)
	ctx := context.Background()
	// The rows keep their real send and record times (the fake's date_sent
	// is real time too); the pass runs three minutes later.
	sentAt := func(status string, created time.Duration) (uuid.UUID, string) {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, recordatorio"})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		id := uuid.MustParse(r.JSON(t)["id"].(string))
		sid := sendWithoutCallback(t, p, tw, id)
		if status != "queued" {
			if err := p.Fake.SetStatus(sid, status); err != nil {
				t.Fatal(err)
			}
		}
		p.DB.Exec(`UPDATE messages SET status = 'sending' WHERE id = $1`, id)
		if _, err := p.DB.Exec(`UPDATE messages SET status = 'sent', provider_id = $2, created_at = now() - $3::interval WHERE id = $1`,
			id, sid, created.String()); err != nil {
			t.Fatal(err)
		}
		return id, sid
	}
	var burst []uuid.UUID
	for range 30 {
		id, _ := sentAt("delivered", 0)
		burst = append(burst, id)
	}
	reminder, _ := sentAt("delivered", 72*time.Hour) // written three days ahead
	stillSent, _ := sentAt("sent", 0)
	queued, queuedSid := sentAt("queued", 0)

	before := p.Fake.Requests()
	n, err := p.Server.Delivery().Reconcile(ctx, time.Now().Add(3*time.Minute))
	if err != nil || n != 31 {
		t.Fatalf("reconcile: %d %v, want 31 settled", n, err)
	}
	for _, id := range append(burst, reminder) {
		m, _ := q.MessageByID(ctx, id)
		if m.Status != "delivered" {
			t.Fatalf("%s: %s after the pass, want delivered", id, m.Status)
		}
	}
	var evCode string
	if err := p.DB.QueryRow(`SELECT code FROM message_events WHERE message_id = $1 AND status = 'delivered'`, reminder).Scan(&evCode); err != nil || evCode != "reconciled" {
		t.Fatalf("reminder's event code %q (%v), want reconciled", evCode, err)
	}
	for _, id := range []uuid.UUID{stillSent, queued} {
		m, _ := q.MessageByID(ctx, id)
		if m.Status != message.StatusSent || m.ReconcileChecks != 1 {
			t.Fatalf("%s: %s after %d checks, want sent, checked once", id, m.Status, m.ReconcileChecks)
		}
	}
	// The cost: the listing's pages (33 messages in the window at 7 a page,
	// whatever else the fake holds in it) and one fetch, for the queued one.
	lists, fetches := 0, 0
	for _, r := range p.Fake.Requests()[len(before):] {
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/Messages.json"):
			lists++
		case r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/Messages/"+queuedSid+".json"):
			fetches++
		case r.Method == http.MethodGet:
			t.Fatalf("a per-message fetch the listing made needless: %s", r.Path)
		}
	}
	if lists < 5 || lists > 6 || fetches != 1 {
		t.Fatalf("%d listing pages and %d fetches, want 5-6 pages and 1 fetch", lists, fetches)
	}
	for _, id := range []uuid.UUID{reminder, stillSent, queued} {
		assertForwardHistory(t, p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id.String(), nil).JSON(t))
	}
}

// TestReconcileByRecipient: when the window listing is cut before it
// reaches the candidates (here the provider filters by whole days, as
// Twilio documents, and newer messages of other senders fill WindowMax),
// each recipient with several candidates gets one listing of her own
// messages, and they are settled without a fetch each.
func TestReconcileByRecipient(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	tw := p.Twilio().(*channels.Twilio)
	p.Fake.SetMaxPageSize(5)
	p.Server.SetProviderLookup(tw, gateway.ReconcileConfig{Every: time.Nanosecond, StuckAfter: time.Minute, Batch: 1, WindowMin: 2, WindowMax: 10})
	q := db.New(p.DB)
	ctx := context.Background()
	var stuck []uuid.UUID
	for _, phone := range []string{"+34 612 000 994", "+34 612 000 993"} {
		code := p.ConsentingParticipant(phone, false)
		for range 3 {
			r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola"})
			if r.Status != 202 {
				t.Fatalf("accept: %d %s", r.Status, r.Body)
			}
			id := uuid.MustParse(r.JSON(t)["id"].(string))
			sid := sendWithoutCallback(t, p, tw, id)
			p.Fake.SetStatus(sid, "delivered")
			p.DB.Exec(`UPDATE messages SET status = 'sending' WHERE id = $1`, id)
			if _, err := p.DB.Exec(`UPDATE messages SET status = 'sent', provider_id = $2 WHERE id = $1`, id, sid); err != nil {
				t.Fatal(err)
			}
			stuck = append(stuck, id)
		}
	}
	// Newer messages of the same account to someone else: a day-wide
	// listing, newest first, meets these first.
	for range 12 {
		rc, err := tw.Send(ctx, channels.Outgoing{Channel: "sms", To: "+34600000777", Body: "otro"})
		if err != nil {
			t.Fatal(err)
		}
		p.Fake.SetStatus(rc.ProviderID, "delivered")
	}
	before := len(p.Fake.Requests())
	n, err := p.Server.Delivery().Reconcile(ctx, time.Now().Add(3*time.Minute))
	if err != nil || n != len(stuck) {
		t.Fatalf("reconcile: %d %v, want %d settled", n, err, len(stuck))
	}
	for _, id := range stuck {
		if m, _ := q.MessageByID(ctx, id); m.Status != "delivered" {
			t.Fatalf("%s: %s, want delivered", id, m.Status)
		}
	}
	lists, fetches := 0, 0
	for _, r := range p.Fake.Requests()[before:] {
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/Messages.json"):
			lists++
		case r.Method == http.MethodGet:
			fetches++
		}
	}
	// The cut window listing (2 pages of 5), then one page per recipient.
	if fetches != 0 || lists != 4 {
		t.Fatalf("%d listing pages and %d fetches, want 4 and 0", lists, fetches)
	}
}
