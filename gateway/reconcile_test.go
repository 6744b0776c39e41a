package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
)

// TestReconcileResolvesForward: messages left unknown (callbacks lost, a
// timeout, a crash) are settled by asking the provider: delivered by its
// id; found in the listing by text when its id was never recorded; proven
// never sent → back to the queue; never sent and too old → failed.
func TestReconcileResolvesForward(t *testing.T) {
	p := newPipeline(t)
	p.stop() // no worker: the test sets the states a crash leaves
	tw := mustTwilio(t, p).(*channels.Twilio)
	p.srv.SetProviderLookup(tw, ReconcileConfig{Every: time.Nanosecond, UnknownSettle: time.Second})
	code := p.consentingParticipant("+34 612 000 999", false)
	q := db.New(p.db)
	ctx := context.Background()
	accept := func(body string) uuid.UUID {
		r := p.do(RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": body})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		return uuid.MustParse(r.json(t)["id"].(string))
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
		out, err := p.worker.outgoing(m, part)
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
		if _, err := p.db.Exec(`UPDATE messages SET status = 'sending' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := p.db.Exec(`UPDATE messages SET status = 'unknown', provider_id = nullif($2, ''), updated_at = now() - interval '2 minutes',
			created_at = now() - $3::interval WHERE id = $1`, id, sid, age.String()); err != nil {
			t.Fatal(err)
		}
	}
	delivered := accept("Hola, texto uno")
	sid := sendAtProvider(delivered)
	if err := p.fake.SetStatus(sid, "delivered"); err != nil {
		t.Fatal(err)
	}
	leaveUnknown(delivered, sid, time.Minute)

	found := accept("Hola, texto dos")
	foundSid := sendAtProvider(found)
	leaveUnknown(found, "", time.Minute)

	never := accept("Hola, texto tres")
	leaveUnknown(never, "", time.Minute)

	old := accept("Hola, texto cuatro")
	leaveUnknown(old, "", 7*time.Hour)

	sc := p.srv.NewScheduler()
	n, err := sc.reconcile(ctx, time.Now())
	if err != nil || n != 4 {
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
	check(found, StatusSent, foundSid)
	check(never, StatusScheduled, "")
	check(old, StatusFailed, "")
	if m, _ := q.MessageByID(ctx, old); m.ErrorCode.String != "never_sent_too_late" {
		t.Fatalf("too late: code %q", m.ErrorCode.String)
	}
	// A second pass finds nothing more to do; nothing moved back.
	if n, err := sc.reconcile(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("second pass: %d %v", n, err)
	}
	for _, id := range []uuid.UUID{delivered, found, never, old} {
		assertForwardHistory(t, p.do(RoleStaff, "GET", "/v1/messages/"+id.String(), nil).json(t))
	}
	// The requeued one is sent by the worker when the scheduler releases it.
	p.start()
	p.releaseRetries()
	p.waitStatus(never.String(), StatusSent)
	if n := p.fake.Created(); n != 3 {
		t.Fatalf("provider created %d messages, want 3 (two before, the requeued one now)", n)
	}
}
