package gateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/channels/twiliotest"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/delivery"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
)

// pipeline is a gateway with everything running: HTTP on a real listener
// (so the fake Twilio can call back), relay, workers and scheduler, and
// twilio-go pointed at the fake.
type pipeline struct {
	*gatewaytest.Env
	fake   *twiliotest.Fake
	http   *httptest.Server
	worker *delivery.Worker
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newPipeline(t *testing.T) *pipeline { return newPipelineNATS(t, "", 1) }

// newPipelineNATS is newPipeline against the NATS servers at natsURL with
// streams of that many replicas ("" for an in-process server).
func newPipelineNATS(t *testing.T, natsURL string, replicas int) *pipeline {
	t.Helper()
	return newPipelineConfig(t, gateway.Config{}, natsURL, replicas)
}

// newPipelineConfig is newPipelineNATS with the service configured as cfg
// (its public URL and Twilio token are the pipeline's).
func newPipelineConfig(t *testing.T, cfg gateway.Config, natsURL string, replicas int) *pipeline {
	t.Helper()
	fake := twiliotest.New(t, "testauthtoken0123456789abcdef000")
	t.Cleanup(fake.Close)
	// The handler is set once the server exists; the URL is needed first.
	var h http.Handler
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	cfg.PublicURL, cfg.TwilioAuthToken = hs.URL, fake.AuthToken()
	e := gatewaytest.New(t, gatewaytest.WithConfig(cfg), gatewaytest.WithNATS(natsURL, replicas))
	// Real time for the pipeline: the relay, worker and callbacks run on it.
	e.Clock.Set(time.Now())
	e.Server.SetNow(func() time.Time { return time.Now().UTC() })
	h = e.Server.Handler()
	tw, err := channels.NewTwilio(channels.TwilioConfig{AccountSID: fake.AccountSID(), AuthToken: fake.AuthToken(), APIBaseURL: fake.URL(),
		From: "+15005550006", WhatsAppFrom: "+15005550007"})
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline{Env: e, fake: fake, http: hs}
	p.worker = e.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": tw, "whatsapp": tw}, gateway.WorkerConfig{
		StatusCallback: hs.URL + "/webhooks/twilio/status", MaxDeliver: 3,
		Backoff: []time.Duration{50 * time.Millisecond}, Concurrency: 4,
	})
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *pipeline) start() {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	for _, run := range []func(context.Context){p.Server.Delivery().Relay().Run, p.worker.Run} {
		p.wg.Add(1)
		go func() { defer p.wg.Done(); run(ctx) }()
	}
}

// releaseRetries runs the scheduler (leader) in the background, so retries
// waiting in the database are released when due. Tests that drive the
// scheduler themselves do not call it.
func (p *pipeline) releaseRetries() {
	sc := p.Server.NewScheduler()
	sc.Every = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sc.Run(ctx) }()
	p.T.Cleanup(func() { cancel(); <-done })
}

func (p *pipeline) stop() {
	if p.cancel != nil {
		p.cancel()
		p.wg.Wait()
		p.cancel = nil
	}
}

// consentingParticipant creates a participant reachable now on sms and whatsapp.
func (p *pipeline) consentingParticipant(phone string, monitored bool) string {
	p.T.Helper()
	b := gatewaytest.Maria()
	b["phone"] = phone
	b["monitored"] = monitored
	b["any_time"] = true
	b["safe_windows"] = []string{}
	code := p.CreateParticipant(b)
	for _, ch := range []string{"sms", "whatsapp"} {
		g := gatewaytest.Grant(ch)
		g["accept_whatsapp_risk"] = ch == "whatsapp"
		if r := p.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", g); r.Status != 201 {
			p.T.Fatalf("grant %s: %d %s", ch, r.Status, r.Body)
		}
	}
	return code
}

// waitStatus polls a message until it reaches want or the deadline.
func (p *pipeline) waitStatus(id, want string) map[string]any {
	p.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last map[string]any
	for time.Now().Before(deadline) {
		r := p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil)
		last = r.JSON(p.T)
		if last["status"] == want {
			return last
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.T.Fatalf("message %s: status %v, want %s; history %v", id, last["status"], want, last["history"])
	return nil
}

func historyOf(m map[string]any) string {
	var out []string
	for _, h := range m["history"].([]any) {
		out = append(out, h.(map[string]any)["status"].(string))
	}
	return strings.Join(out, ",")
}

func TestPipelineEndToEndDelivered(t *testing.T) {
	p := newPipeline(t)
	p.fake.AutoDeliver("sent", "delivered")
	code := p.consentingParticipant("+34 612 345 678", false)
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{
		"participant": code, "channel": "sms", "body": "Hola, ¿podemos hablar mañana por la mañana?",
	})
	if r.Status != http.StatusAccepted {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	acc := r.JSON(t)
	if acc["status"] != "queued" || acc["channel"] != "sms" || acc["variant"] != "standard" {
		t.Fatalf("accepted: %s", r.Body)
	}
	id := acc["id"].(string)
	m := p.waitStatus(id, "delivered")
	if h := historyOf(m); h != "queued,sending,sent,delivered" && h != "queued,sending,delivered" {
		t.Fatalf("history = %s", h)
	}
	// The fake got exactly one request, through twilio-go, with the body,
	// the E.164 number and a status callback carrying our id.
	var creates int
	for _, rq := range p.fake.Requests() {
		if rq.Method == "POST" && strings.HasSuffix(rq.Path, "/Messages.json") {
			creates++
			if rq.Form.Get("To") != "+34612345678" || rq.Form.Get("From") != "+15005550006" || !strings.Contains(rq.Form.Get("Body"), "podemos hablar") {
				t.Errorf("create form = %v", rq.Form)
			}
			if rq.Form.Get("StatusCallback") != p.http.URL+"/webhooks/twilio/status?m="+id {
				t.Errorf("StatusCallback = %q", rq.Form.Get("StatusCallback"))
			}
		}
	}
	if creates != 1 {
		t.Fatalf("fake received %d creates, want 1", creates)
	}
	// Nothing was said about the number or the body in the logs.
	for _, needle := range []string{"612345678", "612 345 678", "podemos hablar"} {
		if strings.Contains(p.Logs.String(), needle) {
			t.Errorf("logs contain %q", needle)
		}
	}
	// Audit: accepted, sent, delivered.
	evs, _ := db.New(p.DB).AuditForParticipant(context.Background(), sqlNullString(code))
	var acts []string
	for _, e := range evs {
		acts = append(acts, e.Action)
	}
	if a := strings.Join(acts, ","); !strings.Contains(a, "message.accepted") || !strings.Contains(a, "message.sent") || !strings.Contains(a, "message.delivered") {
		t.Fatalf("audit = %s", a)
	}
}

func TestPipelineConsentRevokedBeforeSend(t *testing.T) {
	p := newPipeline(t)
	p.stop() // accept while no worker runs
	code := p.consentingParticipant("+34 612 000 111", false)
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "please_contact"})
	if r.Status != http.StatusAccepted {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	if r := p.Do(auth.RoleStaff, "DELETE", "/v1/participants/"+code+"/consents/sms", map[string]any{"reason": "she said no more SMS"}); r.Status != 200 {
		t.Fatalf("revoke: %d", r.Status)
	}
	p.start()
	m := p.waitStatus(id, message.StatusDropped)
	if m["error_code"] != "consent_revoked" {
		t.Fatalf("dropped with %v", m["error_code"])
	}
	if n := p.fake.Created(); n != 0 {
		t.Fatalf("fake received %d messages after revocation", n)
	}
}

func TestPipelineRetryThenPermanentAndOptOut(t *testing.T) {
	p := newPipeline(t)
	p.releaseRetries()
	code := p.consentingParticipant("+34 612 000 222", false)
	send := func() string {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Nos vemos pronto, un abrazo"})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)["id"].(string)
	}
	// Two 503s, then success: retried, sent once. A 503 says the
	// provider is down, not the message: those tries are given back.
	p.fake.FailNext(2, 503, 0)
	id := send()
	m := p.waitStatus(id, "sent")
	if m["attempts"].(float64) != 1 || historyOf(m) != "queued,sending,scheduled,queued,sending,scheduled,queued,sending,sent" {
		t.Fatalf("attempts = %v, history %s; want 1 after two provider-down retries", m["attempts"], historyOf(m))
	}
	// Invalid number: permanent, no retry.
	p.fake.FailNext(1, 400, 21211)
	id = send()
	if m := p.waitStatus(id, "failed"); m["error_code"] != "invalid_number" || m["attempts"].(float64) != 1 {
		t.Fatalf("invalid number: %v attempts %v", m["error_code"], m["attempts"])
	}
	// 21610: she replied STOP to the provider → SMS consent revoked.
	p.fake.FailNext(1, 400, 21610)
	id = send()
	p.waitStatus(id, "failed")
	r := p.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/consents", nil)
	hist := r.JSON(t)["history"].([]any)
	last := hist[len(hist)-1].(map[string]any)
	if last["kind"] != "revoked" || last["source"] != "provider_opt_out" || last["channel"] != "sms" {
		t.Fatalf("after 21610: %s", r.Body)
	}
	// Retries exhausted: failed. Only refusals that are not the provider
	// being down count (here our credentials: 401, 20003); 503s never
	// exhaust a message (TestOutageSpendsNoAttempts).
	p.fake.FailNext(10, 401, 20003)
	code2 := p.consentingParticipant("+34 612 000 333", false)
	r = p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code2, "channel": "sms", "body": "Nos vemos pronto, un abrazo"})
	id = r.JSON(t)["id"].(string)
	if m := p.waitStatus(id, "failed"); m["error_code"] != "retries_exhausted" {
		t.Fatalf("exhausted: %v", m["error_code"])
	}
	p.fake.ClearFailures()
}

func TestStatusWebhookSignatureAndOrder(t *testing.T) {
	p := newPipeline(t)
	code := p.consentingParticipant("+34 612 000 444", false)
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hasta el martes, un saludo"})
	id := r.JSON(t)["id"].(string)
	m := p.waitStatus(id, "sent")
	_ = m
	msg, err := db.New(p.DB).MessageByID(context.Background(), uuid.MustParse(id))
	if err != nil {
		t.Fatal(err)
	}
	sid := msg.ProviderID.String
	// delivered, then a late "sent" and a duplicate "delivered": stays delivered.
	for _, st := range []string{"delivered", "sent", "delivered", "queued"} {
		if err := p.fake.Deliver(sid, st); err != nil {
			t.Fatalf("deliver %s: %v", st, err)
		}
	}
	m = p.waitStatus(id, "delivered")
	if h := historyOf(m); h != "queued,sending,sent,delivered" {
		t.Fatalf("history = %s", h)
	}
	// Forged: wrong signature → 403, nothing changes, the expected
	// signature is not echoed.
	form := "MessageSid=" + sid + "&MessageStatus=failed&AccountSid=" + p.fake.AccountSID()
	req, _ := http.NewRequest("POST", p.http.URL+"/webhooks/twilio/status?m="+id, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJl")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("forged callback: %d", resp.StatusCode)
	}
	if m := p.waitStatus(id, "delivered"); m["status"] != "delivered" {
		t.Fatal("forged callback changed the status")
	}
	// Oversized body: refused.
	big := strings.Repeat("a", httpx.MaxWebhookBody+10)
	resp, err = http.Post(p.http.URL+"/webhooks/twilio/status", "application/x-www-form-urlencoded", strings.NewReader("Body="+big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("oversized callback: %d", resp.StatusCode)
	}
}
