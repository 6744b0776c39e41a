package gateway

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"safecontact/gateway/auth"
	"safecontact/gateway/console/browsertest"
)

// An administrator walks the referrals list, a received referral's page
// (the pre-evaluation in words and the decision forms) and the partner
// directory in Chromium: each page is checked with axe-core and
// photographed, and every page carries the security headers.
func TestBrowserReferrals(t *testing.T) {
	b := browsertest.New(t)
	a, org, svc, bAtA := refPair(t)
	id := org.id(t, org.ok(t, auth.RoleStaff, "POST", "/v1/referrals/import", string(refPackage(t, a, bAtA, false)), 201, octet...), "referral", "id")
	admin := signInAs(t, org.env, svc, auth.RoleAdmin)
	srv := org.web
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

	b.Navigate(srv.URL + "/referrals")
	expect("h1", "Referrals")
	expect("#referrals-received", "Fundación Puente")
	shot("referrals-list")

	b.Click(`#referrals-received a[href="/referrals/` + id + `"]`)
	expect("h1", "Referral "+id)
	expect("#ref-pre + p + ul", "strict confidentiality")
	expect("main", "(e) Has she been threatened lately?")
	shot("referrals-show")

	b.Click(`nav a[href="/admin/partners"]`)
	expect("h1", "Partner organisations")
	expect("main", "Fundación Puente")
	expect("main", a.org.Public().Fingerprint())
	shot("referrals-partners")
	for _, sel := range []string{"main"} {
		if body := b.Text(sel); strings.Contains(body, e2eDigits) || fullPhone.MatchString(body) {
			t.Error("a phone number on the partner page")
		}
	}

	docs := b.Documents()
	if len(docs) < 3 {
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
