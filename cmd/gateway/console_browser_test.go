package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"safecontact/gateway/auth/signin"
	"safecontact/gateway/console/browsertest"
)

// In a real browser, against `gateway serve`: the administrator made by
// `users add --generate-password` signs in with the printed password,
// chooses her own, sets up her second step (an admin must), keeps her
// recovery codes and reaches the home page. Every page is screenshotted
// and checked with axe-core, and every document the console sent carries
// its security headers.
func TestBrowserFirstSignInThroughServe(t *testing.T) {
	b := browsertest.New(t)
	s, pw := startServe(t, "admin:admin")
	// Pages are read and acted on only through browsertest's helpers
	// (Runtime.evaluate and mouse events), never chromedp's node queries,
	// which were seen to go stale after a POST under load.
	do := func(path string) { b.Navigate(s.base + path) }
	at := func(want, heading string) {
		t.Helper()
		loc := browsertest.Get(b, chromedp.Location())
		if p, _, _ := strings.Cut(strings.TrimPrefix(loc, s.base), "?"); p != want {
			t.Fatalf("at %s, want %s", p, want)
		}
		if h := b.Text("h1"); h != heading {
			t.Fatalf("heading %q, want %q", h, heading)
		}
	}
	shot := func(name string) { t.Helper(); b.Screenshot(name); b.CheckAxe(name) }
	submit := func(form string, fields ...string) {
		t.Helper()
		for i := 0; i+1 < len(fields); i += 2 {
			b.SetValue("#"+fields[i], fields[i+1])
		}
		b.Click(form + " button[type=submit]")
	}

	do("/")
	at("/signin", "Sign in")
	shot("signin")
	submit(`form[action="/signin"]`, "name", "admin", "password", pw["admin"])
	at("/signin/password", "Choose your password")
	shot("choose-password")
	mine := "lanterns along the harbour wall"
	submit(`form[action="/signin/password"]`, "new", mine, "confirm", mine)
	at("/signin/enrol", "Set up your second step")
	shot("enrol")
	secret := strings.ReplaceAll(b.Text("#totp-secret"), " ", "")
	code, err := signin.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	submit(`form[action="/signin/enrol"]`, "code", code)
	at("/signin/enrol", "Your recovery codes")
	shot("recovery-codes")
	b.Click(`main a[href="/"]`)
	at("/", "Hello, admin.")
	shot("home-admin")

	docs := b.Documents()
	if len(docs) < 5 {
		t.Fatalf("only %d documents recorded", len(docs))
	}
	for _, d := range docs {
		if !strings.HasPrefix(d.URL, s.base) {
			continue
		}
		for k, v := range map[string]string{
			"content-security-policy": "frame-ancestors 'none'", "referrer-policy": "no-referrer",
			"cache-control": "no-store", "x-content-type-options": "nosniff",
		} {
			if !strings.Contains(d.Headers[k], v) {
				t.Errorf("%s (%d): %s = %q", d.URL, d.Status, k, d.Headers[k])
			}
		}
	}
	for _, m := range b.Console() {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("browser console: %s", m)
		}
	}
}
