package delivery_test

import (
	"context"
	"safecontact/gateway/gatewaytest"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/message"
)

// TestReconcileResolvesForward: messages left unknown (callbacks lost, a
// timeout, a crash) are settled forward by asking the provider: delivered
// by its id; found in the listing by text when its id was never recorded.
// Absent from the listing proves nothing (the provider may still hold it in
// its queue): never requeued, it stays unknown; a stuck sending row moves
// to unknown (reconcile_unproven). With NoListMatch (RequestRedaction) even
// a listed message is not matched.
func TestReconcileResolvesForward(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop() // no worker: the test sets the states a crash leaves
	tw := p.Twilio().(*channels.Twilio)
	p.Server.SetProviderLookup(tw, gateway.ReconcileConfig{Every: time.Nanosecond, UnknownSettle: time.Second})
	code := p.ConsentingParticipant("+34 612 000 999", false)
	q := db.New(p.DB)
	ctx := context.Background()
	accept := func(body string) uuid.UUID {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": body})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		return uuid.MustParse(r.JSON(t)["id"].(string))
	}
	// sendAtProvider sends m the way the worker would, status callback
	// and all, and returns the provider's id.
	sendAtProvider := func(id uuid.UUID) string {
		m, err := q.MessageByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		part, err := q.ParticipantByID(ctx, m.ParticipantID)
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.OutgoingOf(m, part)
		if err != nil {
			t.Fatal(err)
		}
		out.StatusCallback = "" // its callbacks are lost
		rc, err := tw.Send(ctx, *out)
		if err != nil {
			t.Fatal(err)
		}
		return rc.ProviderID
	}
	leaveUnknown := func(id uuid.UUID, sid string, age time.Duration) {
		if _, err := p.DB.Exec(`UPDATE messages SET status = 'sending' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := p.DB.Exec(`UPDATE messages SET status = 'unknown', provider_id = nullif($2, ''), updated_at = now() - interval '2 minutes',
			created_at = now() - $3::interval, send_at = now() - $3::interval WHERE id = $1`, id, sid, age.String()); err != nil {
			t.Fatal(err)
		}
	}
	delivered := accept("Hola, texto uno")
	sid := sendAtProvider(delivered)
	if err := p.Fake.SetStatus(sid, "delivered"); err != nil {
		t.Fatal(err)
	}
	leaveUnknown(delivered, sid, time.Minute)

	found := accept("Hola, texto dos")
	foundSid := sendAtProvider(found)
	if err := p.Fake.SetStatus(foundSid, "sent"); err != nil { // listed once it left the queue
		t.Fatal(err)
	}
	leaveUnknown(found, "", time.Minute)

	never := accept("Hola, texto tres")
	leaveUnknown(never, "", time.Minute)

	old := accept("Hola, texto cuatro")
	leaveUnknown(old, "", 7*time.Hour)

	// A worker that died mid-send 20 minutes ago left this one sending.
	stuck := accept("Hola, texto cinco")
	if _, err := p.DB.Exec(`UPDATE messages SET status = 'sending', updated_at = now() - interval '20 minutes',
		created_at = now() - interval '30 minutes', send_at = now() - interval '30 minutes' WHERE id = $1`, stuck); err != nil {
		t.Fatal(err)
	}

	sc := p.Server.NewScheduler()
	n, err := p.Server.Delivery().Reconcile(ctx, time.Now())
	if err != nil || n != 3 {
		t.Fatalf("reconcile: %d %v", n, err)
	}
	check := func(id uuid.UUID, status, wantSid string) {
		t.Helper()
		m, err := q.MessageByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != status || m.ProviderID.String != wantSid {
			t.Fatalf("%s: status %s sid %q, want %s %q", id, m.Status, m.ProviderID.String, status, wantSid)
		}
	}
	check(delivered, "delivered", sid)
	check(found, message.StatusSent, foundSid)
	check(never, message.StatusUnknown, "")
	check(old, message.StatusUnknown, "")
	check(stuck, message.StatusUnknown, "")
	if m, _ := q.MessageByID(ctx, stuck); m.ErrorCode.String != "reconcile_unproven" {
		t.Fatalf("stuck: code %q", m.ErrorCode.String)
	}
	// A second pass finds nothing more to do; nothing moved back.
	if n, err := p.Server.Delivery().Reconcile(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("second pass: %d %v", n, err)
	}
	for _, id := range []uuid.UUID{delivered, found, never, old, stuck} {
		assertForwardHistory(t, p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id.String(), nil).JSON(t))
	}
	// Nothing is due again: no row went back to the queue.
	if n, err := sc.Tick(ctx); err != nil || n != 0 {
		t.Fatalf("tick released %d (%v), want nothing", n, err)
	}

	// RequestRedaction: the provider keeps neither body nor number, so a
	// listed message with the same text is not taken as this one.
	p.Server.SetProviderLookup(tw, gateway.ReconcileConfig{Every: time.Nanosecond, UnknownSettle: time.Second, NoListMatch: true})
	redacted := accept("Hola, texto seis")
	sendAtProvider(redacted)
	leaveUnknown(redacted, "", time.Minute)
	if _, err := p.Server.Delivery().Reconcile(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	check(redacted, message.StatusUnknown, "")
}
