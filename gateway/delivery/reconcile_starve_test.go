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

// TestReconcileDoesNotStarve: rows reconciliation cannot change (sent
// messages whose carrier never reports delivery) wait for their next check
// and drop out after SentChecks answers, so an unknown message behind them
// is reached.
func TestReconcileDoesNotStarve(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	tw := p.Twilio().(*channels.Twilio)
	p.Server.SetProviderLookup(tw, gateway.ReconcileConfig{Every: time.Nanosecond, UnknownSettle: time.Second, StuckAfter: time.Minute, Batch: 3})
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
	send := func(id uuid.UUID) string { return sendWithoutCallback(t, p, tw, id) }
	set := func(id uuid.UUID, status, sid string, age time.Duration) {
		p.DB.Exec(`UPDATE messages SET status = 'sending' WHERE id = $1`, id)
		if _, err := p.DB.Exec(`UPDATE messages SET status = $2, provider_id = nullif($3, ''), updated_at = now() - $4::interval, created_at = now() - $4::interval, send_at = now() - $4::interval WHERE id = $1`, id, status, sid, age.String()); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		id := accept("Hola, sin informe " + string(rune('a'+i)))
		sid := send(id)
		if err := p.Fake.SetStatus(sid, "sent"); err != nil {
			t.Fatal(err)
		}
		set(id, message.StatusSent, sid, 3*time.Hour)
	}
	unk := accept("Hola, desconocido")
	sid := send(unk)
	p.Fake.SetStatus(sid, "delivered")
	set(unk, message.StatusUnknown, sid, 2*time.Hour)
	before := p.Fake.RequestCount()
	for range 5 {
		if _, err := p.Server.Delivery().Reconcile(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	m, _ := q.MessageByID(ctx, unk)
	if m.Status != "delivered" {
		t.Errorf("starved: delivered-at-provider message %s after 5 passes", m.Status)
	}
	// Five passes asked about each of the four once (the rest wait for
	// their next check): 4 fetches, not 5 × 3.
	if n := p.Fake.RequestCount() - before; n != 4 {
		t.Errorf("provider requests: %d, want 4", n)
	}
	// After SentChecks answers of sent, a sent row is not asked about again.
	for range 3 {
		p.DB.Exec(`UPDATE messages SET reconcile_next_at = NULL`)
		p.Server.Delivery().Reconcile(ctx, time.Now())
	}
	p.DB.Exec(`UPDATE messages SET reconcile_next_at = NULL`)
	before = p.Fake.RequestCount()
	if _, err := p.Server.Delivery().Reconcile(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := p.Fake.RequestCount() - before; n != 0 {
		t.Errorf("sent rows asked about %d times after 3 answers", n)
	}
}

// TestReconcileRowErrorDoesNotStopPass: a provider error about one message
// (its id unknown at the provider) is that message's; the next one in the
// pass is still settled.
func TestReconcileRowErrorDoesNotStopPass(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	tw := p.Twilio().(*channels.Twilio)
	p.Server.SetProviderLookup(tw, gateway.ReconcileConfig{Every: time.Nanosecond, UnknownSettle: time.Second})
	code := p.ConsentingParticipant("+34 612 000 998", false)
	q := db.New(p.DB)
	ctx := context.Background()
	var ids []uuid.UUID
	for i, sid := range []string{"SM00000000000000000000000000000000", ""} {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola " + string(rune('a'+i))})
		id := uuid.MustParse(r.JSON(t)["id"].(string))
		ids = append(ids, id)
		if sid == "" {
			m, _ := q.MessageByID(ctx, id)
			part, _ := q.ParticipantByID(ctx, m.ParticipantID)
			out, _ := p.OutgoingOf(m, part)
			out.StatusCallback = ""
			rc, err := tw.Send(ctx, *out)
			if err != nil {
				t.Fatal(err)
			}
			sid = rc.ProviderID
			p.Fake.SetStatus(sid, "delivered")
		}
		p.DB.Exec(`UPDATE messages SET status = 'sending' WHERE id = $1`, id)
		if _, err := p.DB.Exec(`UPDATE messages SET status = 'unknown', provider_id = $2, updated_at = now() - interval '2 hours' + $3 * interval '1 minute',
			created_at = now() - interval '3 hours', send_at = now() - interval '3 hours' WHERE id = $1`, id, sid, i); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := p.Server.Delivery().Reconcile(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("reconcile: %d %v", n, err)
	}
	if m, _ := q.MessageByID(ctx, ids[1]); m.Status != "delivered" {
		t.Fatalf("second message %s after the first one's error", m.Status)
	}
}
