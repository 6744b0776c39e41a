package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
)

func TestPipelineEndToEndDelivered(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Fake.AutoDeliver("sent", "delivered")
	code := p.ConsentingParticipant("+34 612 345 678", false)
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
	m := p.WaitStatus(id, "delivered")
	if h := gatewaytest.HistoryOf(m); h != "queued,sending,sent,delivered" && h != "queued,sending,delivered" {
		t.Fatalf("history = %s", h)
	}
	// The fake got exactly one request, through twilio-go, with the body,
	// the E.164 number and a status callback carrying our id.
	var creates int
	for _, rq := range p.Fake.Requests() {
		if rq.Method == "POST" && strings.HasSuffix(rq.Path, "/Messages.json") {
			creates++
			if rq.Form.Get("To") != "+34612345678" || rq.Form.Get("From") != "+15005550006" || !strings.Contains(rq.Form.Get("Body"), "podemos hablar") {
				t.Errorf("create form = %v", rq.Form)
			}
			if rq.Form.Get("StatusCallback") != p.HTTP.URL+"/webhooks/twilio/status?m="+id {
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
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Stop() // accept while no worker runs
	code := p.ConsentingParticipant("+34 612 000 111", false)
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "please_contact"})
	if r.Status != http.StatusAccepted {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	if r := p.Do(auth.RoleStaff, "DELETE", "/v1/participants/"+code+"/consents/sms", map[string]any{"reason": "she said no more SMS"}); r.Status != 200 {
		t.Fatalf("revoke: %d", r.Status)
	}
	p.Start()
	m := p.WaitStatus(id, message.StatusDropped)
	if m["error_code"] != "consent_revoked" {
		t.Fatalf("dropped with %v", m["error_code"])
	}
	if n := p.Fake.Created(); n != 0 {
		t.Fatalf("fake received %d messages after revocation", n)
	}
}

func TestPipelineRetryThenPermanentAndOptOut(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.ReleaseRetries()
	code := p.ConsentingParticipant("+34 612 000 222", false)
	send := func() string {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Nos vemos pronto, un abrazo"})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)["id"].(string)
	}
	// Two 503s, then success: retried, sent once. A 503 says the
	// provider is down, not the message: those tries are given back.
	p.Fake.FailNext(2, 503, 0)
	id := send()
	m := p.WaitStatus(id, "sent")
	if m["attempts"].(float64) != 1 || gatewaytest.HistoryOf(m) != "queued,sending,scheduled,queued,sending,scheduled,queued,sending,sent" {
		t.Fatalf("attempts = %v, history %s; want 1 after two provider-down retries", m["attempts"], gatewaytest.HistoryOf(m))
	}
	// Invalid number: permanent, no retry.
	p.Fake.FailNext(1, 400, 21211)
	id = send()
	if m := p.WaitStatus(id, "failed"); m["error_code"] != "invalid_number" || m["attempts"].(float64) != 1 {
		t.Fatalf("invalid number: %v attempts %v", m["error_code"], m["attempts"])
	}
	// 21610: she replied STOP to the provider → SMS consent revoked.
	p.Fake.FailNext(1, 400, 21610)
	id = send()
	p.WaitStatus(id, "failed")
	r := p.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/consents", nil)
	hist := r.JSON(t)["history"].([]any)
	last := hist[len(hist)-1].(map[string]any)
	if last["kind"] != "revoked" || last["source"] != "provider_opt_out" || last["channel"] != "sms" {
		t.Fatalf("after 21610: %s", r.Body)
	}
	// Retries exhausted: failed. Only refusals that are not the provider
	// being down count (here our credentials: 401, 20003); 503s never
	// exhaust a message (TestOutageSpendsNoAttempts).
	p.Fake.FailNext(10, 401, 20003)
	code2 := p.ConsentingParticipant("+34 612 000 333", false)
	r = p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code2, "channel": "sms", "body": "Nos vemos pronto, un abrazo"})
	id = r.JSON(t)["id"].(string)
	if m := p.WaitStatus(id, "failed"); m["error_code"] != "retries_exhausted" {
		t.Fatalf("exhausted: %v", m["error_code"])
	}
	p.Fake.ClearFailures()
}

func TestStatusWebhookSignatureAndOrder(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	code := p.ConsentingParticipant("+34 612 000 444", false)
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hasta el martes, un saludo"})
	id := r.JSON(t)["id"].(string)
	m := p.WaitStatus(id, "sent")
	_ = m
	msg, err := db.New(p.DB).MessageByID(context.Background(), uuid.MustParse(id))
	if err != nil {
		t.Fatal(err)
	}
	sid := msg.ProviderID.String
	// delivered, then a late "sent" and a duplicate "delivered": stays delivered.
	for _, st := range []string{"delivered", "sent", "delivered", "queued"} {
		if err := p.Fake.Deliver(sid, st); err != nil {
			t.Fatalf("deliver %s: %v", st, err)
		}
	}
	m = p.WaitStatus(id, "delivered")
	if h := gatewaytest.HistoryOf(m); h != "queued,sending,sent,delivered" {
		t.Fatalf("history = %s", h)
	}
	// Forged: wrong signature → 403, nothing changes, the expected
	// signature is not echoed.
	form := "MessageSid=" + sid + "&MessageStatus=failed&AccountSid=" + p.Fake.AccountSID()
	req, _ := http.NewRequest("POST", p.HTTP.URL+"/webhooks/twilio/status?m="+id, strings.NewReader(form))
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
	if m := p.WaitStatus(id, "delivered"); m["status"] != "delivered" {
		t.Fatal("forged callback changed the status")
	}
	// Oversized body: refused.
	big := strings.Repeat("a", httpx.MaxWebhookBody+10)
	resp, err = http.Post(p.HTTP.URL+"/webhooks/twilio/status", "application/x-www-form-urlencoded", strings.NewReader("Body="+big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("oversized callback: %d", resp.StatusCode)
	}
}
