package gateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"safecontact/gateway/auth"
	"safecontact/gateway/console/browsertest"
)

// A caseworker in Chromium, through the gateway's own handler: the list,
// registering a participant (refused once, in words), her page, recording
// her consent and withdrawing it, each page checked with axe-core and
// photographed, the change checked through the API.
func TestConsoleParticipantsBrowser(t *testing.T) {
	e, svc := withConsole(t)
	staff := signInAs(t, e, svc, auth.RoleStaff)
	srv := httptest.NewServer(e.Server.Handler())
	t.Cleanup(srv.Close)
	b := browsertest.New(t)
	b.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "sc_session", Value: staff.cookie.Value, URL: srv.URL, HTTPOnly: new(true), SameSite: network.CookieSameSiteStrict})
		return err
	}))
	heading := func(want string) {
		t.Helper()
		if got := b.Text("h1"); !strings.HasPrefix(got, want) {
			t.Fatalf("heading %q, want %q…", got, want)
		}
	}
	shot := func(name string) {
		t.Helper()
		b.Screenshot(name)
		b.CheckAxe(name)
	}

	b.Navigate(srv.URL + "/participants")
	heading("Participants")
	shot("participants-list")

	b.Click(`main a[href="/participants/new"]`)
	heading("Register a participant")
	shot("participants-new")
	for id, v := range map[string]string{"initials": "Maria", "phone": "+34 612 345 678", "language": "es", "time_zone": "Europe/Madrid", "safe_windows": "mon-fri 10:00-12:00"} {
		b.SetValue("#"+id, v)
	}
	b.Click(`form[action="/participants"] button[type=submit]`)
	if a := b.Text("#initials-error"); !strings.Contains(a, "Initials are 1 to 4 letters") {
		t.Fatalf("a name as initials: %q", a)
	}
	shot("participants-new-refused")
	// Her number is not shown back: it is typed again.
	for id, v := range map[string]string{"initials": "M.R.", "phone": "+34 612 345 678", "pref0": "sms", "pref1": "voice"} {
		b.SetValue("#"+id, v)
	}
	b.Click(`form[action="/participants"] button[type=submit]`)
	heading("Participant P-")
	code := strings.Fields(b.Text("h1"))[1]
	if s := b.Text(`[role=status]`); !strings.Contains(s, "She is registered") {
		t.Fatalf("flash %q", s)
	}
	shot("participant-page")

	b.SetValue("#grant-channel", "sms")
	b.SetValue("#grant-evidence", "signed form 12")
	b.SetValue("#grant-notice", "es")
	b.Click(`form[action$="/consents"] button[type=submit]`)
	if s := b.Text(`[role=status]`); s != "Her consent is recorded." {
		t.Fatalf("flash %q", s)
	}
	shot("participant-consent-granted")
	state := func() string {
		t.Helper()
		r := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/consents", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("consents: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)["channels"].(map[string]any)["sms"].(map[string]any)["state"].(string)
	}
	if s := state(); s != "granted" {
		t.Fatalf("after the grant: %s", s)
	}

	b.SetValue("#revoke-channel", "sms")
	b.SetValue("#revoke-reason", "she asked by phone")
	b.Click(`form[action$="/consents/revoke"] button[type=submit]`)
	if s := b.Text(`[role=status]`); s != "Her consent is revoked." {
		t.Fatalf("flash %q", s)
	}
	shot("participant-consent-revoked")
	if s := state(); s != "revoked" {
		t.Fatalf("after the revocation: %s", s)
	}

	for _, d := range b.Documents() {
		if !strings.HasPrefix(d.URL, srv.URL) {
			continue
		}
		for k, v := range map[string]string{
			"content-security-policy": "default-src 'self'", "referrer-policy": "no-referrer",
			"cache-control": "no-store", "x-content-type-options": "nosniff", "x-frame-options": "DENY",
		} {
			if !strings.Contains(d.Headers[k], v) {
				t.Errorf("%s (%d): %s = %q", d.URL, d.Status, k, d.Headers[k])
			}
		}
		for _, n := range herNumber {
			if strings.Contains(d.URL, n) {
				t.Errorf("her number in a URL: %s", d.URL)
			}
		}
	}
	for _, m := range b.Console() {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy") {
			t.Errorf("console: %s (%s)", m, m.URL)
		}
	}
}
