package delivery_test

import (
	"context"
	"net/http"
	"net/url"
	"safecontact/gateway/gatewaytest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/channels/twiliotest"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/message"
)

// answeredThen is the provider as reconciliation asks it, with another
// writer landing right after each answer, before reconciliation writes
// what it learnt: the interleaving a delivery callback or the worker's
// outcome can make, driven deterministically.
type answeredThen struct {
	gateway.ProviderLookup
	afterFetch, afterList func()
}

func (l answeredThen) FetchMessageStatus(ctx context.Context, sid string) (string, error) {
	st, err := l.ProviderLookup.FetchMessageStatus(ctx, sid)
	l.afterFetch()
	return st, err
}

func (l answeredThen) ListMessagesToPaged(ctx context.Context, channel, to string, after time.Time, limit int, pageTimeout time.Duration) ([]channels.ProviderMessage, bool, error) {
	out, covered, err := l.ProviderLookup.ListMessagesToPaged(ctx, channel, to, after, limit, pageTimeout)
	l.afterList()
	return out, covered, err
}

// TestReconcileAnswerOlderThanTheRow: the provider answers "sent", then a
// delivered callback settles the message before reconciliation writes;
// and for a message without a provider id, the listing matches its text,
// then the worker's outcome (failed) lands first. Reconciliation checks
// the locked row and writes in one transaction: the newer status stays,
// nothing moves back, nothing is grafted onto the settled row (no
// provider id, no reconciled event or audit entry), and the pass counts
// no change.
func TestReconcileAnswerOlderThanTheRow(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop() // no worker: the test is the other writer
	tw := p.Twilio().(*channels.Twilio)
	code := p.ConsentingParticipant("+34 612 000 777", false)
	q := db.New(p.DB)
	ctx := context.Background()
	accept := func(body string) uuid.UUID {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": body})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		return uuid.MustParse(r.JSON(t)["id"].(string))
	}

	// Sent, its delivery report lost for now: stuck in sent.
	delivered := accept("Hola, texto siete")
	sid := sendWithoutCallback(t, p, tw, delivered)
	if err := p.Fake.SetStatus(sid, "sent"); err != nil {
		t.Fatal(err)
	}
	p.DB.Exec(`UPDATE messages SET status = 'sending' WHERE id = $1`, delivered)
	if _, err := p.DB.Exec(`UPDATE messages SET status = 'sent', provider_id = $2, updated_at = now() - interval '20 minutes',
		created_at = now() - interval '30 minutes', send_at = now() - interval '30 minutes' WHERE id = $1`, delivered, sid); err != nil {
		t.Fatal(err)
	}
	// Unknown, no provider id; the provider holds its text.
	failed := accept("Hola, texto ocho")
	failedSid := sendWithoutCallback(t, p, tw, failed)
	if err := p.Fake.SetStatus(failedSid, "sent"); err != nil {
		t.Fatal(err)
	}
	p.DB.Exec(`UPDATE messages SET status = 'sending' WHERE id = $1`, failed)
	if _, err := p.DB.Exec(`UPDATE messages SET status = 'unknown', updated_at = now() - interval '2 minutes',
		created_at = now() - interval '3 minutes', send_at = now() - interval '3 minutes' WHERE id = $1`, failed); err != nil {
		t.Fatal(err)
	}

	callback := func() {
		u := p.HTTP.URL + "/webhooks/twilio/status?m=" + delivered.String()
		form := url.Values{"MessageSid": {sid}, "MessageStatus": {"delivered"}, "AccountSid": {p.Fake.AccountSID()}}
		req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", twiliotest.Sign(p.Fake.AuthToken(), u, form))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode/100 != 2 {
			t.Errorf("callback: %v %v", err, resp)
			return
		}
		resp.Body.Close() // answered after the callback's transaction committed
	}
	var failedAt time.Time
	workerFails := func() {
		failedAt = time.Now().Add(-time.Second).Truncate(time.Millisecond)
		if moved, err := message.MoveStatus(ctx, q, failed, message.StatusFailed, "provider_30007", failedAt); err != nil || !moved {
			t.Errorf("worker outcome: %v %v", moved, err)
		}
	}
	fetches, lists := 0, 0
	p.Server.SetProviderLookup(answeredThen{ProviderLookup: tw,
		afterFetch: func() { fetches++; callback() },
		afterList:  func() { lists++; workerFails() },
	}, gateway.ReconcileConfig{Every: time.Nanosecond})

	n, err := p.Server.Delivery().Reconcile(ctx, time.Now())
	if err != nil || n != 0 {
		t.Fatalf("reconcile: %d changed (%v), want none: the rows had moved past the answers", n, err)
	}
	if fetches != 1 || lists != 1 {
		t.Fatalf("%d fetches and %d listings, want one each", fetches, lists)
	}
	m, _ := q.MessageByID(ctx, delivered)
	if m.Status != "delivered" || m.ProviderID.String != sid {
		t.Fatalf("delivered: %s %q after the pass", m.Status, m.ProviderID.String)
	}
	m, _ = q.MessageByID(ctx, failed)
	if m.Status != message.StatusFailed || m.ProviderID.Valid || m.ErrorCode.String != "provider_30007" ||
		!m.UpdatedAt.Equal(failedAt) || !m.FinalAt.Time.Equal(failedAt) {
		t.Fatalf("failed: %s provider id %q code %q updated %v final %v after the pass: the reconciliation rewrote a settled row",
			m.Status, m.ProviderID.String, m.ErrorCode.String, m.UpdatedAt, m.FinalAt.Time)
	}
	var reconciled, audited int
	if err := p.DB.QueryRow(`SELECT count(*) FROM message_events WHERE message_id = ANY($1) AND code = 'reconciled'`,
		db.Array([]uuid.UUID{delivered, failed})).Scan(&reconciled); err != nil {
		t.Fatal(err)
	}
	if err := p.DB.QueryRow(`SELECT count(*) FROM audit_events WHERE actor_name = $1`, auth.SystemActor("reconcile").Name).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if reconciled != 0 || audited != 0 {
		t.Fatalf("%d reconciled events and %d reconciliation audit entries, want none", reconciled, audited)
	}
	for _, id := range []uuid.UUID{delivered, failed} {
		assertForwardHistory(t, p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id.String(), nil).JSON(t))
	}
}
