package gateway_test

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
// directory in Chromium, then fills in the new-referral form and delivers
// the referral to the partner's inbox: each page is checked with axe-core and
// photographed, and every page carries the security headers.
func TestBrowserReferrals(t *testing.T) {
	b := browsertest.New(t)
	a, org, svc, bAtA := refPair(t)
	id := org.id(t, org.ok(t, auth.RoleStaff, "POST", "/v1/referrals/import", string(refPackage(t, a, bAtA, false)), 201, octet...), "referral", "id")
	admin := signInAs(t, org.Env, svc, auth.RoleAdmin)
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

	// The admin sends a referral to the partner: the form, the draft's
	// page with the filter's warning, delivery to the partner's inbox.
	var aAtOrg string
	if err := org.DB.QueryRow(`SELECT id::text FROM partners WHERE name = 'Fundación Puente'`).Scan(&aAtOrg); err != nil {
		t.Fatal(err)
	}
	b.Navigate(srv.URL + "/referrals")
	b.Click(`main a[href="/referrals/new"]`)
	expect("h1", "New referral")
	shot("referrals-new")
	b.SetValue("#partner", aAtOrg)
	for _, q := range []string{"#can_coincide", "#protected_witness", "#judicial_process", "#lives_with_exploiters", "#recent_threats", "#imminent_danger"} {
		b.SetValue(q, "no")
	}
	b.SetValue("#risk_date", "2026-05-02")
	b.SetValue("#risk_role", "social_worker")
	b.SetValue("#initials", "MR")
	b.SetValue("#languages", "ro, es")
	b.SetValue("#notice_language", "ro")
	b.SetValue("#time_zone", "Europe/Madrid")
	b.SetValue("#safe_windows", "mon-fri 16:00-18:00")
	b.SetValue("#monitored", "yes")
	b.SetChecked("#channel-sms", true)
	b.SetChecked("#need-shelter", true)
	b.SetChecked("#consent_agreed", true)
	b.SetValue("#consent_evidence", "signed form 14/2026")
	b.SetValue("#notes", "She lives at Calle Mayor 5.")
	b.Click(`form[action="/referrals"] button[type="submit"]`)
	expect("[role=status]", "saved as a draft")
	expect("main dl", "Sent to Fundación Puente")
	expect("#ref-warnings + ul", "Notes")
	expect("#ref-delivery", "Not delivered")
	shot("referrals-draft")
	b.Click(`main form[action$="/deliver"] button`)
	expect("[role=status]", "Delivered to the partner's inbox.")
	expect("#ref-delivery", "Delivered")
	b.Navigate(srv.URL + "/referrals")
	expect("#referrals-sent", "Fundación Puente")
	expect("#referrals-sent", "Delivered")
	shot("referrals-list-sent")
	if n := referralCount(t, a.Env, "received"); n != 1 {
		t.Errorf("the partner received %d referrals", n)
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
