package delivery_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
)

// TestStatusRankMatchesSQL: the Go mirror of the ranks and of the move rule
// agrees with migration 00014's functions (the ranks as 00022 left them)
// for every pair of statuses.
func TestStatusRankMatchesSQL(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	all := []string{"", "bogus", message.StatusScheduled, message.StatusQueued, message.StatusSending, message.StatusUnknown, message.StatusSent, "undelivered", message.StatusFailed,
		"canceled", message.StatusDropped, message.StatusDroppedUnsafe, message.StatusDroppedCallRefused, channels.SinkStatus, "delivered", "read"}
	for _, a := range all {
		var r int
		if err := e.DB.QueryRow("SELECT message_status_rank($1)", a).Scan(&r); err != nil {
			t.Fatal(err)
		}
		if r != message.Rank(a) {
			t.Fatalf("rank(%q): sql %d, go %d", a, r, message.Rank(a))
		}
		for _, b := range all {
			for _, pid := range []bool{false, true} {
				var ok bool
				if err := e.DB.QueryRow("SELECT message_status_may_move($1, $2, $3)", a, b, pid).Scan(&ok); err != nil {
					t.Fatal(err)
				}
				if ok != message.MayMove(a, b, pid) {
					t.Fatalf("may_move(%q, %q, %v): sql %v, go %v", a, b, pid, ok, message.MayMove(a, b, pid))
				}
			}
		}
	}
}

// racingSender sends through the real Twilio client (the fake creates the
// message), lets the fake post a callback for it, and then reports err: the
// order a slow provider produces (it took the message and called back
// before the client gave up).
type racingSender struct {
	tw   channels.Sender
	fake interface {
		Deliver(sid, status string) error
	}
	callback string
	err      error
}

func (r *racingSender) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	rc, err := r.tw.Send(ctx, m)
	if err != nil {
		return rc, err
	}
	if err := r.fake.Deliver(rc.ProviderID, r.callback); err != nil {
		return rc, err
	}
	return channels.Receipt{}, r.err
}

// TestLateFailureNeverMovesBack drives the racing writers: a delivery
// callback that lands before the worker's own failure (timeout → unknown,
// 503 → retry, refusal → failed). Each time the message stays delivered,
// its history never goes back, and the late outcome is an audit event.
func TestLateFailureNeverMovesBack(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop() // this test calls the worker itself
	tw := p.Twilio()
	code := p.ConsentingParticipant("+34 612 000 444", false)
	cases := []struct {
		name string
		err  error
	}{
		{"timeout", &channels.SendError{Code: "provider_timeout", Retryable: true, Err: context.DeadlineExceeded}},
		{"503", &channels.SendError{Code: "provider_unavailable", Retryable: true, HTTPStatus: 503}},
		{"refused", &channels.SendError{Code: "rejected", HTTPStatus: 400}},
	}
	for _, c := range cases {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		id := r.JSON(t)["id"].(string)
		w := p.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": &racingSender{tw: tw, fake: p.Fake, callback: "delivered", err: c.err}},
			gateway.WorkerConfig{StatusCallback: p.HTTP.URL + "/webhooks/twilio/status"})
		if out := w.Handle(context.Background(), id, 1); out != channels.Done {
			t.Fatalf("%s: outcome %v, want done", c.name, out)
		}
		m := p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil).JSON(t)
		if m["status"] != "delivered" || gatewaytest.HistoryOf(m) != "queued,sending,delivered" {
			t.Fatalf("%s: status %v history %s", c.name, m["status"], gatewaytest.HistoryOf(m))
		}
		var n int
		if err := p.DB.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'message.late_outcome' AND details->>'message_id' = $1 AND details->>'kept' = 'delivered'`, id).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%s: late outcome events %d %v", c.name, n, err)
		}
		if err := p.DB.QueryRow(`SELECT count(*) FROM audit_events WHERE action IN ('message.unknown', 'message.failed') AND details->>'message_id' = $1`, id).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s: %d status audit events after delivery", c.name, n)
		}
	}
}

// TestTwoWorkersOneMessage: the same queue entry handled twice at once (a
// redelivery while the first worker still sends) sends once and ends
// forward, never back.
func TestTwoWorkersOneMessage(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	code := p.ConsentingParticipant("+34 612 000 445", false)
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"})
	id := r.JSON(t)["id"].(string)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); p.Worker.Handle(context.Background(), id, 1) }()
	}
	wg.Wait()
	if n := p.Fake.Created(); n != 1 {
		t.Fatalf("created %d times", n)
	}
	m := p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil).JSON(t)
	// Either the second claim came after the record (nothing to do) or
	// during the send (unknown, then sent by the first worker's record).
	if m["status"] != message.StatusSent {
		t.Fatalf("status %v history %s", m["status"], gatewaytest.HistoryOf(m))
	}
	assertForwardHistory(t, m)
}

func assertForwardHistory(t *testing.T, m map[string]any) {
	t.Helper()
	prev := ""
	for _, s := range strings.Split(gatewaytest.HistoryOf(m), ",") {
		if prev != "" && !message.MayMove(prev, s, false) {
			t.Fatalf("history moves back %s → %s: %s", prev, s, gatewaytest.HistoryOf(m))
		}
		prev = s
	}
}

// TestBackwardsUpdateRefusedBySQL: a writer that forgets the rule is
// stopped by the trigger, whatever the query.
func TestBackwardsUpdateRefusedBySQL(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	code := p.ConsentingParticipant("+34 612 000 446", false)
	p.Fake.AutoDeliver("delivered")
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"})
	id := r.JSON(t)["id"].(string)
	p.WaitStatus(id, "delivered")
	_, err := p.DB.Exec(`UPDATE messages SET status = 'unknown' WHERE id = $1`, id)
	if err == nil || !strings.Contains(err.Error(), "may not move") {
		t.Fatalf("backwards update: %v", err)
	}
	// The query every writer uses says "not moved" instead.
	moved, err := message.MoveStatus(context.Background(), db.New(p.DB), uuid.MustParse(id), message.StatusFailed, "x", time.Now())
	if moved || err != nil {
		t.Fatalf("moveStatus after delivered: %v %v", moved, err)
	}
}
