package delivery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/delivery"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
)

// TestReconcileUnknownBehindHerLaterMessages: a gateway killed mid-send
// leaves a message unknown without a provider id, and her later messages
// keep going out before reconciliation asks (here 60 of them, as in the
// chaos experiment "kill", where every recipient got about one a second).
// Her listing is newest first, so the message lies behind them: the
// listing is read down to the message's send window (several pages), not
// cut at the first ListLimit it shows, and the provider's copy settles it
// forward. A listing cut before the window's older edge (more of her
// messages than ListLimit since then) proves nothing: the message stays
// unknown, counted as listing_cut, not as no_match (which would say her
// whole window was read).
func TestReconcileUnknownBehindHerLaterMessages(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop() // no worker: the test sets the states a crash leaves
	tw := p.Twilio().(*channels.Twilio)
	p.Fake.SetMaxPageSize(25) // her listing takes several pages
	p.Server.SetProviderLookup(tw, gateway.ReconcileConfig{Every: time.Nanosecond, UnknownSettle: time.Second})
	q := db.New(p.DB)
	ctx := context.Background()

	// crashed returns a message sent at the provider (delivered, its
	// callbacks lost) whose send was never recorded, then later messages
	// to her the provider sent after it.
	crashed := func(phone string, later int) uuid.UUID {
		code := p.ConsentingParticipant(phone, false)
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, nos vemos el martes"})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		id := uuid.MustParse(r.JSON(t)["id"].(string))
		sid := sendWithoutCallback(t, p, tw, id)
		if err := p.Fake.SetStatus(sid, "delivered"); err != nil {
			t.Fatal(err)
		}
		if err := p.Fake.SetDateSent(sid, time.Now().Add(-30*time.Second)); err != nil {
			t.Fatal(err)
		}
		p.DB.Exec(`UPDATE messages SET status = 'sending' WHERE id = $1`, id)
		if _, err := p.DB.Exec(`UPDATE messages SET status = 'unknown', error_code = 'crash_during_send', updated_at = now() - interval '2 minutes',
			send_at = now() - interval '1 minute' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		m, _ := q.MessageByID(ctx, id)
		part, _ := q.ParticipantByID(ctx, m.ParticipantID)
		to, err := p.OutgoingOf(m, part)
		if err != nil {
			t.Fatal(err)
		}
		for i := range later {
			rc, err := tw.Send(ctx, channels.Outgoing{Channel: "sms", To: to.To, Body: fmt.Sprintf("Hola, otro mensaje %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			p.Fake.SetStatus(rc.ProviderID, "delivered")
		}
		return id
	}
	behind := crashed("+34 612 000 981", 60)
	n, err := p.Server.Delivery().Reconcile(ctx, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("reconcile: %d %v, want 1 settled", n, err)
	}
	m, _ := q.MessageByID(ctx, behind)
	if m.Status != "delivered" || !m.ProviderID.Valid {
		t.Fatalf("behind 60 later messages: %s (provider id %v), want delivered with the provider's id", m.Status, m.ProviderID.Valid)
	}
	assertForwardHistory(t, p.Do(auth.RoleStaff, "GET", "/v1/messages/"+behind.String(), nil).JSON(t))

	// More of her messages since it than ListLimit: the listing is cut
	// before its window; the message stays unknown, and says why.
	p.Server.SetProviderLookup(tw, gateway.ReconcileConfig{Every: time.Nanosecond, UnknownSettle: time.Second, ListLimit: 40})
	cut := crashed("+34 612 000 982", 60)
	cutBefore := unproven(p, "listing_cut")
	noMatchBefore := unproven(p, "no_match")
	if _, err := p.Server.Delivery().Reconcile(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if m, _ := q.MessageByID(ctx, cut); m.Status != message.StatusUnknown || m.ProviderID.Valid {
		t.Fatalf("cut listing: %s (provider id %v), want unknown without one", m.Status, m.ProviderID.Valid)
	}
	if d := unproven(p, "listing_cut") - cutBefore; d != 1 {
		t.Fatalf("listing_cut counted %v times, want 1", d)
	}
	if d := unproven(p, "no_match") - noMatchBefore; d != 0 {
		t.Fatalf("no_match counted %v times for a cut listing, want 0", d)
	}

	// A cut listing that shows one unrecorded send with the same text
	// (another send to her that a crash left unrecorded, newer than ours)
	// proves nothing either: the part not read may hold ours, so the one
	// match is not taken for it.
	twin := crashed("+34 612 000 983", 60)
	tm, _ := q.MessageByID(ctx, twin)
	tpart, _ := q.ParticipantByID(ctx, tm.ParticipantID)
	to, err := p.OutgoingOf(tm, tpart)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := tw.Send(ctx, channels.Outgoing{Channel: "sms", To: to.To, Body: to.Body})
	if err != nil {
		t.Fatal(err)
	}
	p.Fake.SetStatus(rc.ProviderID, "undelivered")
	cutBefore = unproven(p, "listing_cut")
	if _, err := p.Server.Delivery().Reconcile(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if m, _ := q.MessageByID(ctx, twin); m.Status != message.StatusUnknown || m.ProviderID.Valid {
		t.Fatalf("cut listing with one same-text send: %s (provider id %q), want unknown without one", m.Status, m.ProviderID.String)
	}
	if d := unproven(p, "listing_cut") - cutBefore; d != 1 {
		t.Fatalf("listing_cut counted %v times, want 1", d)
	}
}

// unproven reads safecontact_reconcile_unproven_total for one reason.
func unproven(p *gatewaytest.Pipeline, reason string) float64 {
	return delivery.UnprovenCount(p.Server.Registry(), reason)
}
