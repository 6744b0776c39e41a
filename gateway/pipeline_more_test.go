package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"safecontact/channels"
	"safecontact/channels/twiliotest"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
	"safecontact/keys"
)

func TestIdempotencyKeyReplay(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	code := p.ConsentingParticipant("+34 612 000 555", false)
	body := map[string]any{"participant": code, "channel": "sms", "body": "Hola, ¿todo bien por ahí?"}
	first := p.Do(auth.RoleStaff, "POST", "/v1/messages", body, "Idempotency-Key", "req-42")
	if first.Status != 202 {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	again := p.Do(auth.RoleStaff, "POST", "/v1/messages", body, "Idempotency-Key", "req-42")
	if again.Status != 202 || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s (first %s)", again.Status, again.Body, first.Body)
	}
	// The same key with another body is refused.
	other := map[string]any{"participant": code, "channel": "sms", "body": "Otro mensaje distinto"}
	if r := p.Do(auth.RoleStaff, "POST", "/v1/messages", other, "Idempotency-Key", "req-42"); r.Status != 409 || r.ErrCode(t) != "idempotency_reused" {
		t.Fatalf("reused key: %d %s", r.Status, r.Body)
	}
	// Another user's key space is separate.
	if r := p.Do(auth.RoleSupervisor, "POST", "/v1/messages", body, "Idempotency-Key", "req-42"); r.Status != 202 || r.JSON(t)["id"] == first.JSON(t)["id"] {
		t.Fatalf("other user, same key: %d %s", r.Status, r.Body)
	}
	var n int
	p.DB.QueryRow(`SELECT count(*) FROM messages`).Scan(&n)
	if n != 2 {
		t.Fatalf("%d messages stored, want 2 (one per user)", n)
	}
	// A refusal is replayed too.
	p.Do(auth.RoleStaff, "DELETE", "/v1/participants/"+code+"/consents/sms", map[string]any{"reason": "she asked us to stop"})
	ref := p.Do(auth.RoleStaff, "POST", "/v1/messages", body, "Idempotency-Key", "req-43")
	ref2 := p.Do(auth.RoleStaff, "POST", "/v1/messages", body, "Idempotency-Key", "req-43")
	if ref.Status != 403 || ref.ErrCode(t) != "consent_revoked" || string(ref2.Body) != string(ref.Body) {
		t.Fatalf("refusal replay: %d %s / %s", ref.Status, ref.Body, ref2.Body)
	}
}

func TestScheduledMessageReleasedByScheduler(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Fake.AutoDeliver("delivered")
	b := gatewaytest.Maria() // monitored, windows mon-fri 10:00-12:00, sat 18:00-02:00 Madrid
	b["phone"] = "+34 612 000 666"
	code := p.CreateParticipant(b)
	p.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	// Put the clock on Tuesday 2026-06-02 13:00 Madrid (after her window).
	clock := p.Clock
	clock.Set(time.Date(2026, 6, 2, 11, 0, 0, 0, time.UTC))
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "please_contact"})
	acc := r.JSON(t)
	if r.Status != 202 || acc["status"] != "scheduled" || acc["send_at"] != "2026-06-03T08:00:00Z" || acc["variant"] != "discreet" {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	id := acc["id"].(string)
	sc := p.Server.NewScheduler()
	// Not yet due: a tick moves nothing.
	if n, err := sc.Tick(context.Background()); err != nil || n != 0 {
		t.Fatalf("tick before due: %d %v", n, err)
	}
	clock.Set(time.Date(2026, 6, 3, 8, 0, 30, 0, time.UTC))
	if n, err := sc.Tick(context.Background()); err != nil || n != 1 {
		t.Fatalf("tick when due: %d %v", n, err)
	}
	m := p.WaitStatus(id, "delivered")
	if h := gatewaytest.HistoryOf(m); h != "scheduled,queued,sending,sent,delivered" && h != "scheduled,queued,sending,delivered" {
		t.Fatalf("history = %s", h)
	}
}

func TestSchedulerLeaderLock(t *testing.T) {
	e := gatewaytest.New(t)
	a, b := e.Server.NewScheduler(), e.Server.NewScheduler()
	a.Every, b.Every = 20*time.Millisecond, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	doneA := make(chan struct{})
	go func() { a.Run(ctx); close(doneA) }()
	time.Sleep(100 * time.Millisecond)
	// b cannot take the lock while a holds it.
	conn, _ := e.DB.Conn(context.Background())
	defer conn.Close()
	var got bool
	conn.QueryRowContext(context.Background(), "SELECT pg_try_advisory_lock($1)", gateway.LeaderLockKey).Scan(&got)
	if got {
		t.Fatal("the leader lock was free while a scheduler ran")
	}
	cancel()
	<-doneA
	ctxB, cancelB := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancelB()
	go b.Run(ctxB)
	time.Sleep(200 * time.Millisecond)
	conn.QueryRowContext(context.Background(), "SELECT pg_try_advisory_lock($1)", gateway.LeaderLockKey).Scan(&got)
	if got {
		t.Fatal("no scheduler took over the lock after the leader stopped")
	}
}

// TestNATSRestartMidRun: messages accepted while NATS is down wait in the
// outbox and go out once it is back; none is lost or doubled.
func TestNATSRestartMidRun(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Fake.AutoDeliver("delivered")
	code := p.ConsentingParticipant("+34 612 000 777", false)
	send := func(n int) []string {
		var ids []string
		for i := 0; i < n; i++ {
			r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, hasta pronto amiga"})
			if r.Status != 202 {
				t.Fatalf("accept: %d %s", r.Status, r.Body)
			}
			ids = append(ids, r.JSON(t)["id"].(string))
		}
		return ids
	}
	ids := send(5)
	for _, id := range ids {
		p.WaitStatus(id, "delivered")
	}
	// Stop NATS: accepting still works (Postgres is the store of record).
	p.NATS.Shutdown()
	down := send(10)
	var queued int
	p.DB.QueryRow(`SELECT count(*) FROM outbox`).Scan(&queued)
	if queued == 0 {
		t.Fatal("nothing waited in the outbox while NATS was down")
	}
	// Restart on the same store; the client reconnects.
	dir := p.NATSDir
	ns, err := channels.StartEmbedded(dir, p.NATSPort)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	for _, id := range down {
		p.WaitStatus(id, "delivered")
	}
	if got := p.Fake.Created(); got != 15 {
		t.Fatalf("provider got %d messages, want 15 (no loss, no doubles)", got)
	}
}

// TestRedeliveryWhileSendingLeftAlone: a delivery that finds its message
// marked sending moments ago (another copy of the entry is being sent now)
// leaves it alone and comes back later: no unknown, no crash alert, no send.
func TestRedeliveryWhileSendingLeftAlone(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	code := p.ConsentingParticipant("+34 612 000 887", false)
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"})
	id := uuid.MustParse(r.JSON(t)["id"].(string))
	q := db.New(p.DB)
	if err := q.MarkSendingMany(context.Background(), db.MarkSendingManyParams{Ids: db.Array([]uuid.UUID{id}), Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if out := p.Worker.Handle(context.Background(), id.String(), 2); out != channels.Retry {
		t.Fatalf("outcome %v, want retry later", out)
	}
	m, err := q.MessageByID(context.Background(), id)
	if err != nil || m.Status != message.StatusSending || m.ErrorCode.Valid {
		t.Fatalf("status %s code %v (%v), want sending untouched", m.Status, m.ErrorCode, err)
	}
	if n := p.Fake.Created(); n != 0 {
		t.Fatalf("sent %d times", n)
	}
}

// TestWorkerKilledMidSend: a message found "sending" when redelivered is
// not sent again; it becomes unknown, and a later callback resolves it.
func TestWorkerKilledMidSend(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	code := p.ConsentingParticipant("+34 612 000 888", false)
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"})
	id := uuid.MustParse(r.JSON(t)["id"].(string))
	// The state a worker leaves when killed between "sending" and its
	// record, a while ago (a fresh one is another delivery's send in flight).
	q := db.New(p.DB)
	if err := q.MarkSendingMany(context.Background(), db.MarkSendingManyParams{Ids: db.Array([]uuid.UUID{id}), Now: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	p.Start()
	m := p.WaitStatus(id.String(), message.StatusUnknown)
	if m["error_code"] != "crash_during_send" {
		t.Fatalf("unknown with %v", m["error_code"])
	}
	time.Sleep(200 * time.Millisecond)
	if n := p.Fake.Created(); n != 0 {
		t.Fatalf("a message mid-send was resent %d times", n)
	}
	// A provider "queued" callback must not make it look sendable again;
	// a "delivered" one resolves it.
	post := func(status string) {
		u := p.HTTP.URL + "/webhooks/twilio/status?m=" + id.String()
		form := url.Values{"MessageSid": {"SM" + strings.Repeat("a", 32)}, "MessageStatus": {status}, "AccountSid": {p.Fake.AccountSID()}}
		req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", twiliotest.Sign(p.Fake.AuthToken(), u, form))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode/100 != 2 {
			t.Fatalf("callback %s: %v %v", status, err, resp)
		}
		resp.Body.Close()
	}
	post("queued")
	if m := p.WaitStatus(id.String(), message.StatusUnknown); m["status"] != message.StatusUnknown {
		t.Fatal("a queued callback moved an unknown message")
	}
	post("delivered")
	p.WaitStatus(id.String(), "delivered")
}

// TestNATSPayloadsAreIDsOnly reads what was published: message ids, no
// number, no text.
func TestNATSPayloadsAreIDsOnly(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Stop() // let entries stay in the stream
	code := p.ConsentingParticipant("+34 612 000 999", false)
	for _, ch := range []string{"sms", "whatsapp"} {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": ch, "body": "Texto secreto de prueba"})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
	}
	if _, err := p.Server.Delivery().Relay().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := p.JS.Stream(ctx, channels.StreamContact)
	if err != nil {
		t.Fatal(err)
	}
	uuidRe := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	seen := 0
	for seq := uint64(1); seq <= 2; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		seen++
		if !uuidRe.Match(m.Data) {
			t.Errorf("payload on %s is not a bare message id: %q", m.Subject, m.Data)
		}
		all := string(m.Data) + m.Subject
		for k, v := range m.Header {
			all += k + strings.Join(v, "")
		}
		for _, needle := range []string{"612000999", "612 000 999", "secreto"} {
			if strings.Contains(all, needle) {
				t.Errorf("NATS message carries %q", needle)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("read %d stream entries", seen)
	}
	_ = jetstream.StreamConfig{}
	_ = http.StatusOK
}

// TestMonitoredAfterAcceptIsNotSent: a standard-wording message accepted
// before her phone was flagged monitored is dropped, not sent.
func TestMonitoredAfterAcceptIsNotSent(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	code := p.ConsentingParticipant("+34 612 001 000", false)
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "appointment_reminder",
		"params": map[string]string{"when": "2026-12-01T09:00:00Z", "place": "Metro Sants"}})
	if r.Status != 202 || r.JSON(t)["variant"] != "standard" {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	if r := p.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"monitored": true}); r.Status != 200 {
		t.Fatalf("patch: %d", r.Status)
	}
	p.Start()
	if m := p.WaitStatus(id, message.StatusDroppedUnsafe); m["error_code"] != "now_monitored" {
		t.Fatalf("dropped with %v", m["error_code"])
	}
	if n := p.Fake.Created(); n != 0 {
		t.Fatalf("provider got %d messages", n)
	}
}

func TestPreviewAndDiscreetFreeText(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	code := p.ConsentingParticipant("+34 612 002 000", true) // monitored
	// Preview of a template: the exact discreet text, nothing stored.
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "template": "appointment_reminder",
		"params": map[string]string{"when": "2026-12-01T09:00:00Z", "place": "Metro Sants"}})
	m := r.JSON(t)
	if r.Status != 200 || m["decision"].(map[string]any)["variant"] != "discreet" || !strings.Contains(m["text"].(string), "Metro Sants") {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}
	if strings.Contains(strings.ToLower(m["text"].(string)), "psic") {
		t.Fatalf("discreet text names therapy: %s", m["text"])
	}
	var n int
	p.DB.QueryRow(`SELECT count(*) FROM messages`).Scan(&n)
	if n != 0 {
		t.Fatalf("preview stored %d messages", n)
	}
	// Free text to a monitored phone goes through the filter; a capitalised
	// name must be a registered meeting point to stay (unknown_name).
	if r := p.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Metro Sants", "kind": "metro"}); r.Status != 201 {
		t.Fatalf("meeting point: %d %s", r.Status, r.Body)
	}
	body := "Hola, mañana a las 10:00 nos vemos en la parada de Metro Sants. La psicóloga del centro te espera, llama al 612 345 678"
	r = p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": body})
	if r.Status != 202 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	acc := r.JSON(t)
	cats := map[string]bool{}
	for _, x := range acc["redactions"].([]any) {
		cats[x.(map[string]any)["category"].(string)] = true
	}
	if !cats["health"] || !cats["phone"] {
		t.Fatalf("redactions = %v", acc["redactions"])
	}
	// What is stored (and will be sent) is the stripped text.
	msg, _ := db.New(p.DB).MessageByID(context.Background(), uuid.MustParse(acc["id"].(string)))
	plain, err := p.Keys.Open(keys.Body, msg.ContentEnc)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(plain); strings.Contains(s, "psic") || strings.Contains(s, "612") || !strings.Contains(s, "Metro Sants") {
		t.Fatalf("stored content: %s", s)
	}
	if string(msg.Redactions.RawMessage) == "" || strings.Contains(string(msg.Redactions.RawMessage), "psic") {
		t.Fatalf("stored redactions: %s", msg.Redactions.RawMessage)
	}
	// Mostly sensitive: refused.
	r = p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Cita con la psicóloga y la abogada en el juzgado"})
	if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
		t.Fatalf("mostly sensitive: %d %s", r.Status, r.Body)
	}
	// Her message list.
	r = p.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/messages", nil)
	if items := r.JSON(t)["items"].([]any); r.Status != 200 || len(items) != 1 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	// The refusal is audited.
	evs, _ := db.New(p.DB).AuditForParticipant(context.Background(), sqlNullString(code))
	var acts []string
	for _, e := range evs {
		acts = append(acts, e.Action)
	}
	if !strings.Contains(strings.Join(acts, ","), "message.accepted") {
		t.Fatalf("audit = %v", acts)
	}
}

// TestIdempotentAnswerStoredSealed: the stored answer lists what the
// filter removed (her number here), so it is kept sealed, not in clear.
func TestIdempotentAnswerStoredSealed(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	code := p.ConsentingParticipant("+34 612 003 000", true)
	body := map[string]any{"participant": code, "channel": "sms", "body": "Hola guapa, nos vemos el martes por la tarde. Llámame al 699 111 222"}
	first := p.Do(auth.RoleStaff, "POST", "/v1/messages", body, "Idempotency-Key", "k-1")
	if first.Status != 202 || !strings.Contains(string(first.Body), "699 111 222") {
		t.Fatalf("accept: %d %s", first.Status, first.Body)
	}
	var stored []byte
	if err := p.DB.QueryRow(`SELECT response FROM idempotency_keys`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), "699") || strings.Contains(string(stored), "redactions") {
		t.Fatal("the idempotent answer is stored in clear")
	}
	again := p.Do(auth.RoleStaff, "POST", "/v1/messages", body, "Idempotency-Key", "k-1")
	if string(again.Body) != string(first.Body) {
		t.Fatalf("replay differs: %s vs %s", again.Body, first.Body)
	}
}
