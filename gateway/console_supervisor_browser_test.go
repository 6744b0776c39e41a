package gateway_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"safecontact/gateway/auth"
	"safecontact/gateway/console/browsertest"
)

// An administrator (who is also a supervisor) walks the dashboard, the
// audit log (a search, a check of the chain) and the user pages (adding
// a user) in Chromium: each page is checked with axe-core and
// photographed, and every page carries the security headers.
func TestBrowserSupervisorAndAdmin(t *testing.T) {
	b := browsertest.New(t)
	e, svc := withConsole(t)
	// Messages are stamped by the database's clock; the dashboard counts
	// the server clock's days.
	e.Clock.Set(time.Now())
	code := e.MonitoredParticipant("+34 612 004 888")
	if r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "please_contact"}); r.Status >= 300 {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "whatsapp", "template": "please_contact"})
	admin := signInAs(t, e, svc, auth.RoleAdmin)
	srv := httptest.NewServer(e.Server.Handler())
	t.Cleanup(srv.Close)
	b.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "sc_session", Value: admin.cookie.Value, URL: srv.URL, HTTPOnly: new(true), SameSite: network.CookieSameSiteStrict})
		return err
	}))
	shot := func(name string) {
		t.Helper()
		b.Screenshot(name)
		b.CheckAxe(name)
	}
	expect := func(sel, want string) {
		t.Helper()
		if got := b.Text(sel); !strings.Contains(got, want) {
			t.Fatalf("%s: %q, want %q", sel, got, want)
		}
	}

	b.Navigate(srv.URL + "/dashboard")
	expect("h1", "Dashboard")
	expect("main", "1 message in these days.")
	shot("supervisor-dashboard")

	e.Seal()
	b.Click(`nav a[href="/audit"]`)
	expect("h1", "Audit log")
	expect("#chain-state", "Nobody has checked")
	b.Click(`form[action="/audit/verify"] button`)
	expect("[role=status]", "checked now")
	expect("#chain-state", "Intact")
	b.SetValue("#f-action", "participant.created")
	b.Click(`form[action="/audit"] button[type=submit]`)
	expect("#audit-events", code)
	if strings.Contains(b.Text("#audit-events"), "audit.verified") {
		t.Error("the action filter let other actions through")
	}
	shot("supervisor-audit")

	b.Click(`#audit-events a[href="/participants/` + code + `/contact-log"]`)
	expect("h1", code)
	shot("supervisor-contact-log")

	b.Click(`nav a[href="/admin/users"]`)
	expect("h1", "Users")
	expect("#users", "supervisor-user")
	shot("admin-users")
	b.SetValue("#new-name", "lucia")
	b.Click(`form[action="/admin/users"] button[type=submit]`)
	if s := b.Text("#secret"); len(s) < 20 {
		t.Fatalf("the first password shown: %q", s)
	}
	shot("admin-user-created")
	b.Click(`main a[href="/admin/users"]`)
	expect("#users", "lucia")
	if body := b.Text("main"); fullPhone.MatchString(body) {
		t.Error("a full phone number on the users page")
	}

	docs := b.Documents()
	if len(docs) < 6 {
		t.Fatalf("only %d pages recorded", len(docs))
	}
	for _, d := range docs {
		if !strings.HasPrefix(d.URL, srv.URL) {
			continue
		}
		for k, v := range map[string]string{
			"content-security-policy": "frame-ancestors 'none'", "referrer-policy": "no-referrer",
			"cache-control": "no-store", "x-content-type-options": "nosniff", "x-frame-options": "DENY",
		} {
			if !strings.Contains(d.Headers[k], v) {
				t.Errorf("%s (%d): %s = %q", d.URL, d.Status, k, d.Headers[k])
			}
		}
	}
	for _, m := range b.Console() {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy") {
			t.Errorf("console: %s (%s)", m, m.URL)
		}
	}
}
