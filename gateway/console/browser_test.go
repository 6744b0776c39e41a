package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/console/browsertest"
)

// The browser tests drive Debian's Chromium against the console served by
// the real sign-in service on a fresh database: with the default argon2id
// parameters for the sign-in with a second step, with cheap ones where a
// test signs in many times (the parameters are the only difference). Each page visited gets a screenshot and an axe-core check;
// every document's headers and the console's messages are checked at the
// end.

type tab struct {
	t *testing.T
	b *browsertest.Browser
	bundle
}

func browse(t *testing.T, params signin.Params) *tab {
	t.Helper()
	b := browsertest.New(t)
	p := &tab{t: t, b: b, bundle: setup(t, params)}
	t.Cleanup(p.checkAll)
	return p
}

// checkAll: every page from the console carried the security headers,
// and no page reported a Content-Security-Policy violation or an
// uncaught exception.
func (p *tab) checkAll() {
	docs := p.b.Documents()
	if len(docs) == 0 {
		p.t.Error("no page was recorded")
	}
	for _, d := range docs {
		if !strings.HasPrefix(d.URL, p.srv.URL) {
			continue
		}
		for k, v := range map[string]string{
			"content-security-policy": "default-src 'self'", "referrer-policy": "no-referrer",
			"cache-control": "no-store", "x-content-type-options": "nosniff",
		} {
			if !strings.Contains(d.Headers[k], v) {
				p.t.Errorf("%s (%d): %s = %q", d.URL, d.Status, k, d.Headers[k])
			}
		}
	}
	for _, m := range p.b.Console() {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy") {
			p.t.Errorf("console: %s (%s)", m, m.URL)
		}
	}
}

func (p *tab) open(path string) {
	p.t.Helper()
	p.b.Navigate(p.srv.URL + path)
}

// shot takes a screenshot of the current page and checks it with axe.
func (p *tab) shot(name string) {
	p.t.Helper()
	p.b.Screenshot(name)
	p.b.CheckAxe(name)
}

func (p *tab) heading() string {
	p.t.Helper()
	return p.b.Text("h1")
}

func (p *tab) path() string {
	p.t.Helper()
	loc := browsertest.Get(p.b, chromedp.Location())
	path, _, _ := strings.Cut(strings.TrimPrefix(loc, p.srv.URL), "?")
	return path
}

// submit types into fields (by id) and clicks the form's submit button,
// then waits for the next page.
func (p *tab) submit(form string, fields ...string) {
	p.t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		p.b.SetValue("#"+fields[i], fields[i+1])
	}
	p.b.Click(form + " button[type=submit]")
}

// click clicks a link or button (a CSS selector) and waits for the next
// page.
func (p *tab) click(sel string) {
	p.t.Helper()
	p.b.Click(sel)
}

func (p *tab) signIn(name, password string) {
	p.t.Helper()
	p.open("/signin")
	p.submit(`form[action="/signin"]`, "name", name, "password", password)
}

func (p *tab) alert() string {
	p.t.Helper()
	return p.b.Text(`[role=alert]`)
}

func (p *tab) expect(path, heading string) {
	p.t.Helper()
	if got := p.path(); got != path {
		p.t.Fatalf("at %s, want %s", got, path)
	}
	if got := p.heading(); got != heading {
		p.t.Fatalf("heading %q, want %q", got, heading)
	}
}

func (p *tab) totp(secret string) string {
	p.t.Helper()
	code, err := signin.TOTPCode(secret, p.clock.Now())
	if err != nil {
		p.t.Fatal(err)
	}
	return code
}

func TestBrowserSignInWithTOTP(t *testing.T) {
	p := browse(t, signin.DefaultParams)
	p.addUser(t, "sara", "supervisor")
	p.open("/")
	p.expect("/signin", "Sign in")
	p.shot("signin")

	// A supervisor must set up a second step at her first sign-in.
	p.signIn("sara", pw)
	p.expect("/signin/enrol", "Set up your second step")
	p.shot("enrol")
	secret := strings.ReplaceAll(p.b.Text("#totp-secret"), " ", "")
	if len(secret) != 32 {
		t.Fatalf("secret %q", secret)
	}
	if n := browsertest.Get(p.b, chromedp.Evaluate[int](`document.querySelectorAll("svg.qr path").length`)); n != 1 {
		t.Fatal("no QR code")
	}
	// The answer is the recovery-codes page itself (200, no redirect).
	p.submit(`form[action="/signin/enrol"]`, "code", p.totp(secret))
	p.expect("/signin/enrol", "Your recovery codes")
	p.shot("recovery-codes")
	codes := strings.Fields(p.b.Text("#recovery-codes"))
	if len(codes) != signin.RecoveryCodeCount {
		t.Fatalf("recovery codes %q", codes)
	}
	p.click(`main a[href="/"]`)
	p.expect("/", "Hello, sara.")
	p.shot("home-supervisor")

	// The session cookie: HttpOnly, SameSite=Strict, a session cookie.
	var found bool
	for _, c := range p.b.Cookies() {
		if c.Name == "sc_session" {
			found = true
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict || !c.Session {
				t.Errorf("cookie %+v", c)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}

	// Sign out, and in again with password and a code from her app.
	p.submit(`form[action="/signout"]`)
	p.expect("/signin", "Sign in")
	if s := p.b.Text(`[role=status]`); s != "You have signed out." {
		t.Fatalf("flash %q", s)
	}
	p.shot("signed-out")
	p.signIn("sara", pw)
	p.expect("/signin/code", "Second step")
	p.shot("second-step")
	// The code she enrolled with, in the same 30-second step: refused.
	p.submit(`form[action="/signin/code"]`, "code", p.totp(secret))
	if a := p.alert(); !strings.Contains(a, "already used") {
		t.Fatalf("replayed code: %q", a)
	}
	p.shot("second-step-replayed")
	p.clock.Advance(30 * time.Second)
	p.submit(`form[action="/signin/code"]`, "code", p.totp(secret))
	p.expect("/", "Hello, sara.")

	// A supervisor page opens for her.
	p.open("/test/supervisor")
	if txt := p.b.Text("body"); txt != "supervisor page for sara" {
		t.Fatalf("supervisor page: %q", txt)
	}
}

func TestBrowserWrongPasswordThrottled(t *testing.T) {
	p := browse(t, signintest.FastParams)
	p.addUser(t, "ana", "staff")
	for i := 1; i <= 3; i++ {
		p.signIn("ana", fmt.Sprintf("wrong password %d", i))
		if a := p.alert(); !strings.Contains(a, "wrong") {
			t.Fatalf("failure %d: %q", i, a)
		}
	}
	p.shot("signin-wrong-password")
	p.signIn("ana", "wrong password 4")
	if a := p.alert(); a != "Too many failed attempts. Try again in 5 seconds." {
		t.Fatalf("4th failure: %q", a)
	}
	p.shot("signin-throttled")
	// Blocked: the right password is refused too. The name typed is not
	// shown back (people type their password into it).
	p.signIn("ana", pw)
	if a := p.alert(); !strings.HasPrefix(a, "Too many failed attempts") {
		t.Fatalf("right password while blocked: %q", a)
	}
	if v := p.b.Value("#name"); v != "" {
		t.Fatalf("name field %q", v)
	}
	p.clock.Advance(5 * time.Second)
	p.signIn("ana", pw)
	p.expect("/", "Hello, ana.")
}

func TestBrowserSessionEnds(t *testing.T) {
	p := browse(t, signintest.FastParams)
	id := p.addUser(t, "ana", "staff")
	p.signIn("ana", pw)
	p.expect("/", "Hello, ana.")
	p.shot("home-staff")
	var token string
	for _, c := range p.b.Cookies() {
		if c.Name == "sc_session" {
			token = c.Value
		}
	}

	// Signed out, the old cookie is worth nothing: put it back and try.
	p.submit(`form[action="/signout"]`)
	restore := func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "sc_session", Value: token, URL: p.srv.URL, HTTPOnly: new(true), SameSite: network.CookieSameSiteStrict})
		return err
	}
	p.b.Do(chromedp.Func(restore))
	p.open("/account")
	p.expect("/signin", "Sign in")
	if s := p.b.Text(`[role=status]`); s != "Your session has ended. Sign in again." {
		t.Fatalf("flash %q", s)
	}

	// Disabled by an administrator (or the CLI, from another process):
	// her open page stops at the next click.
	p.signIn("ana", pw)
	p.expect("/", "Hello, ana.")
	if _, err := p.db.Exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	p.click(`nav a[href="/account"]`)
	p.expect("/signin", "Sign in")
	p.shot("session-ended")

	// Idle for 30 minutes: the same.
	p.db.Exec(`UPDATE users SET disabled_at = NULL WHERE id = $1`, id)
	p.signIn("ana", pw)
	p.expect("/", "Hello, ana.")
	p.clock.Advance(30 * time.Minute)
	p.open("/account")
	p.expect("/signin", "Sign in")
}

func TestBrowserCrossOriginFormRefused(t *testing.T) {
	p := browse(t, signintest.FastParams)
	p.addUser(t, "ana", "staff")
	p.signIn("ana", pw)
	p.expect("/", "Hello, ana.")
	// Another origin on the same host (same site: the SameSite=Strict
	// cookie would go along) posts a form to the console.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>prize</title><form method="post" action="%s/account/preferences"><input type="hidden" name="language" value="es"><button type="submit">Win</button></form>`, p.srv.URL)
	}))
	defer evil.Close()
	p.b.Navigate(evil.URL)
	p.click("button")
	if a := p.alert(); !strings.Contains(a, "sent from another site") {
		t.Fatalf("cross-origin post: %q", a)
	}
	docs := p.b.Documents()
	if last := docs[len(docs)-1]; last.Status != http.StatusForbidden {
		t.Fatalf("status %d", last.Status)
	}
	p.shot("cross-origin-refused")
	var lang *string
	p.db.QueryRow(`SELECT language FROM console_accounts`).Scan(&lang)
	if lang != nil {
		t.Fatal("the cross-origin post changed her preferences")
	}
}

func TestBrowserPagesAndLanguage(t *testing.T) {
	p := browse(t, signintest.FastParams)
	p.addUser(t, "ana", "staff")
	// An administrator set her password: she chooses her own first.
	if _, err := p.db.Exec(`UPDATE console_accounts SET must_change_password = true`); err != nil {
		t.Fatal(err)
	}
	p.signIn("ana", pw)
	p.expect("/signin/password", "Choose your password")
	p.shot("forced-password-change")
	p.submit(`form[action="/signin/password"]`, "new", "ana", "confirm", "ana")
	if a := p.alert(); !strings.Contains(a, "at least 12 characters") {
		t.Fatalf("short password: %q", a)
	}
	p.submit(`form[action="/signin/password"]`, "new", "my own long passphrase", "confirm", "my own long passphrase")
	p.expect("/", "Hello, ana.")
	// htmx loaded under the Content-Security-Policy.
	if v := browsertest.Get(p.b, chromedp.Evaluate[string](`typeof htmx === "object" ? htmx.version : ""`)); !strings.HasPrefix(v, "2.0.") {
		t.Fatalf("htmx version %q", v)
	}

	p.open("/test/supervisor")
	if h := p.heading(); h != "Not allowed" {
		t.Fatalf("403 page heading %q", h)
	}
	p.shot("forbidden")
	p.open("/no/such/page")
	p.expect("/no/such/page", "Page not found")
	p.shot("not-found")

	p.open("/account")
	p.expect("/account", "Your account")
	p.shot("account")
	// Spanish, in her zone.
	p.b.SetValue("#language", "es")
	p.b.SetValue("#time_zone", "America/Bogota")
	p.submit(`form[action="/account/preferences"]`)
	p.expect("/account", "Tu cuenta")
	if s := p.b.Text(`[role=status]`); s != "Guardado." {
		t.Fatalf("flash %q", s)
	}
	if l := browsertest.Get(p.b, chromedp.Evaluate[string](`document.documentElement.lang`)); l != "es" {
		t.Fatalf("lang %q", l)
	}
	p.shot("account-es")
	p.open("/")
	p.expect("/", "Hola, ana.")
	// The session's end in Bogotá: the test clock's 08:00:10 UTC + 12 h.
	if txt := p.b.Text("main"); !strings.Contains(txt, "mar 2 jun 2026, 15:00") {
		t.Fatalf("home in Spanish, Bogotá time: %q", txt)
	}
	p.shot("home-es")
	// A staff member may turn on a second step from her account, after
	// typing her password again.
	p.open("/account/totp")
	p.expect("/account/totp", "Confirma que eres tú")
	p.shot("reauth-es")
	p.submit(`form[action="/account/totp/reauth"]`, "current", "my own long passphrase")
	p.expect("/account/totp", "Configura tu segundo paso")
	p.shot("enrol-offered-es")

	// With JavaScript off, signing in, a form and signing out all work.
	p.submit(`form[action="/signout"]`)
	p.b.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	p.signIn("ana", "my own long passphrase")
	p.expect("/", "Hola, ana.")
	if loaded := browsertest.Get(p.b, chromedp.Evaluate[bool](`typeof window.htmx !== "undefined"`)); loaded {
		t.Fatal("scripts still ran")
	}
	p.open("/account")
	p.b.SetValue("#language", "en")
	p.submit(`form[action="/account/preferences"]`)
	p.expect("/account", "Your account")
	p.b.Screenshot("account-no-javascript")
	p.submit(`form[action="/signout"]`)
	p.expect("/signin", "Sign in")
}
