package gateway_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"safecontact/gateway/auth"
	"safecontact/gateway/console/browsertest"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/safety"
)

// The worker on call in Chromium: the call-back queue (claim), the inbox
// (open a reply) and the escalation ladder (acknowledge, resolve a duress
// escalation with a note), each page checked with axe-core and
// photographed; every page carries the security headers and no page
// reports a Content-Security-Policy violation.
func TestConsoleOnCallBrowser(t *testing.T) {
	b := browsertest.New(t) // skipped without Chromium, except in CI
	e, svc := onCallEnv(t)
	const callMe, replier, duress = "+34 612 300 031", "+34 612 300 032", "+34 612 300 033"
	code := callMeParticipant(e, callMe, "")
	task := apiTask(e, auth.RoleStaff, code)
	if task == nil {
		t.Fatal("no call-back task")
	}
	taskID := int64(task["id"].(float64))
	rb := gatewaytest.Maria()
	rb["phone"] = replier
	replierCode := e.CreateParticipant(rb)
	e.Inbound(gatewaytest.NextMessageSid(), e164(replier), "Hola, ¿podemos hablar el jueves?")
	var replyID int64
	if err := e.DB.QueryRow(`SELECT i.id FROM inbound_messages i JOIN participants p ON p.id = i.participant_id WHERE p.code = $1`, replierCode).Scan(&replyID); err != nil {
		t.Fatal(err)
	}
	_, escID := duressEscalation(e, duress, "staff-user")
	staff := signInAs(t, e, svc, auth.RoleStaff)

	srv := httptest.NewServer(e.Server.Handler())
	t.Cleanup(srv.Close)
	httpOnly := true
	b.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "sc_session", Value: staff.cookie.Value,
			URL: srv.URL + "/", HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteStrict})
		return err
	}))
	page := func(name string) {
		t.Helper()
		b.Screenshot(name)
		b.CheckAxe(name)
	}

	// Call-backs: claim hers.
	b.Navigate(srv.URL + "/callbacks")
	if h := b.Text("h1"); h != "Call-backs" {
		t.Fatalf("h1 %q", h)
	}
	page("callbacks")
	b.Click(fmt.Sprintf(`form[action="/callbacks/%d/claim"] button[type=submit]`, taskID))
	if s := b.Text(`[role=status]`); !strings.Contains(s, "The call-back is yours") {
		t.Fatalf("after claim: %q", s)
	}
	page("callbacks-claimed")
	if tk := apiTask(e, auth.RoleStaff, code); tk["status"] != "claimed" {
		t.Fatalf("after claim: %v", tk)
	}

	// Inbox: open the reply.
	b.Navigate(srv.URL + "/inbox")
	page("inbox")
	b.Click(fmt.Sprintf(`a[href="/inbox/%d"]`, replyID))
	if s := b.Text("blockquote"); s != "Hola, ¿podemos hablar el jueves?" {
		t.Fatalf("reply: %q", s)
	}
	page("reply")

	// Escalations: acknowledge, then resolve with a note.
	b.Navigate(srv.URL + "/escalations")
	if s := b.Text(".protocol-text"); s != safety.DefaultEmergencyProtocol {
		t.Fatalf("protocol: %q", s)
	}
	page("escalations")
	b.Click(`form[action="/escalations/` + escID + `/ack"] button[type=submit]`)
	if s := b.Text(`[role=status]`); !strings.Contains(s, "Acknowledged") {
		t.Fatalf("after ack: %q", s)
	}
	b.Click(`a[href="/escalations/` + escID + `/resolve"]`)
	page("resolve")
	b.SetValue("#outcome", "callback_done")
	b.SetValue("#note", "Called her back; she is safe.")
	b.Click(`form[action="/escalations/` + escID + `/resolve"] button[type=submit]`)
	if s := b.Text(`[role=status]`); !strings.Contains(s, "The escalation is resolved.") {
		t.Fatalf("after resolve: %q", s)
	}
	page("escalations-resolved")
	if v := apiEscalation(e, auth.RoleStaff, escID); v["status"] != "resolved" {
		t.Fatalf("after resolve: %v", v)
	}

	docs := b.Documents()
	if len(docs) < 8 {
		t.Errorf("%d pages recorded", len(docs))
	}
	for _, d := range docs {
		for k, v := range map[string]string{
			"content-security-policy": "default-src 'self'", "referrer-policy": "no-referrer",
			"cache-control": "no-store", "x-content-type-options": "nosniff", "x-frame-options": "DENY",
		} {
			if !strings.Contains(d.Headers[k], v) {
				t.Errorf("%s (%d): %s = %q", d.URL, d.Status, k, d.Headers[k])
			}
		}
		if strings.Contains(d.URL, "podemos") {
			t.Errorf("a reply's text in a URL: %s", d.URL)
		}
	}
	for _, m := range b.Console() {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy") {
			t.Errorf("console: %s (%s)", m, m.URL)
		}
	}
}
