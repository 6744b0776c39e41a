package gateway_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"safecontact/gateway/auth"
	"safecontact/gateway/console/browsertest"
	"safecontact/gateway/gatewaytest"
)

// The safety pages in Chromium against the gateway's own handler: a
// meeting point, two individual sessions 15 minutes apart at one venue
// (the second refused with the free slots, one of which fills the form),
// and a check-in plan with a duress word. Each page is checked with axe
// and photographed; every document carries the security headers.
func TestConsoleSafetyBrowser(t *testing.T) {
	b := browsertest.New(t)
	e, svc := withConsole(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status >= 300 {
		t.Fatalf("consent: %d %s", r.Status, r.Body)
	}
	u := signInAs(t, e, svc, auth.RoleStaff)
	srv := httptest.NewServer(e.Server.Handler())
	t.Cleanup(srv.Close)
	b.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "sc_session", Value: u.cookie.Value, URL: srv.URL,
			HTTPOnly: new(true), SameSite: network.CookieSameSiteStrict})
		return err
	}))
	shot := func(name string) {
		t.Helper()
		b.Screenshot(name)
		b.CheckAxe(name)
	}
	status := func(want string) {
		t.Helper()
		if s := b.Text(`[role=status]`); !strings.Contains(s, want) {
			t.Fatalf("status %q, want %q", s, want)
		}
	}

	b.Navigate(srv.URL + "/meeting-points")
	b.SetValue("#mp-name", "Metro Sants")
	b.Click(`form[action="/meeting-points"] button[type=submit]`)
	status("The meeting point is added.")
	shot("meeting-points")

	b.Navigate(srv.URL + "/appointments?" + url.Values{"venue": {"sala 1"}, "week": {"2026-W23"}}.Encode())
	shot("appointments-empty-week")
	bookAt := func(start string) {
		t.Helper()
		b.SetValue("#participant", code)
		b.SetValue("#venue", "sala 1")
		b.SetValue("#meeting_point", "Metro Sants")
		b.SetValue("#start", start)
		b.Click(`form[action="/appointments"][method="post"] > button[type=submit]`)
	}
	bookAt("2026-06-04T08:30")
	status("The session is booked.")
	shot("appointments-booked")

	bookAt("2026-06-04T08:45")
	if s := b.Text(`[role=alert]`); !strings.Contains(s, "at least 30 minutes apart") {
		t.Fatalf("alert %q", s)
	}
	if s := b.Text("#free-slots"); !strings.Contains(s, "08:00") || !strings.Contains(s, "09:00") {
		t.Fatalf("free slots %q", s)
	}
	shot("appointments-refused-free-slots")
	b.Click(`#free-slots button:last-of-type`)
	if v := b.Value("#start"); v != "2026-06-04T09:00" {
		t.Fatalf("the free slot did not fill the form: %q", v)
	}
	b.Click(`form[action="/appointments"][method="post"] > button[type=submit]`)
	status("The session is booked.")
	if s := b.Text("table.week"); !strings.Contains(s, "30 minutes after the previous individual session") {
		t.Fatalf("week %q", s)
	}
	shot("appointments-two-sessions")

	b.Navigate(srv.URL + "/participants/" + code + "/checkins")
	shot("checkins-none")
	b.SetValue("#every_days", "2")
	b.SetValue("#at", "10:30")
	b.SetValue("#ok_reply", "bien")
	b.SetValue("#help_reply", "ayuda")
	b.SetValue("#duress-1", duressWord)
	b.Click(`form[action$="/checkins"] > button[type=submit]`)
	status("The check-in plan is saved.")
	if s := b.Text("main"); strings.Contains(strings.ToLower(s), duressWord) || !strings.Contains(s, "1 word set (never shown).") {
		t.Fatalf("plan page: %q", s)
	}
	if v := b.Value("#duress-1"); v != "" {
		t.Fatal("the duress field came back filled")
	}
	shot("checkins-plan")

	docs := 0
	for _, d := range b.Documents() {
		if !strings.HasPrefix(d.URL, srv.URL) {
			continue
		}
		docs++
		for k, v := range map[string]string{
			"content-security-policy": "frame-ancestors 'none'", "referrer-policy": "no-referrer",
			"cache-control": "no-store", "x-content-type-options": "nosniff",
		} {
			if !strings.Contains(d.Headers[k], v) {
				t.Errorf("%s (%d): %s = %q", d.URL, d.Status, k, d.Headers[k])
			}
		}
	}
	if docs < 6 {
		t.Errorf("only %d documents recorded", docs)
	}
	for _, m := range b.Console() {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("console: %s", m)
		}
	}
	if strings.Contains(e.Logs.String(), duressWord) {
		t.Error("the logs hold the duress word")
	}
}
