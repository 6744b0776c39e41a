package console_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/console"
)

// client is a cookie-keeping HTTP client that does not follow redirects.
func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func checkHeaders(t *testing.T, what string, res *http.Response, static bool) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": console.CSP,
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Cache-Control":           "no-store",
	}
	if static {
		want["Cache-Control"] = "public, max-age=31536000, immutable"
	}
	for k, v := range want {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
	for _, must := range []string{"frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'", "script-src 'self'", "style-src 'self'", "object-src 'none'"} {
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), must) {
			t.Errorf("%s: CSP lacks %s", what, must)
		}
	}
	if strings.Contains(res.Header.Get("Content-Security-Policy"), "unsafe") {
		t.Errorf("%s: CSP allows something unsafe", what)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	b.addUser(t, "ana", "staff")
	c := client(t)
	get := func(p string) *http.Response {
		res, err := c.Get(b.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := get("/signin")
	page := body(t, res)
	checkHeaders(t, "sign-in page", res, false)
	checkHeaders(t, "signed-out home (redirect)", get("/"), false)
	checkHeaders(t, "signed-out unknown path", get("/nowhere"), false)
	res = post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {"wrong password!"}}, nil)
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: status %d", res.StatusCode)
	}
	checkHeaders(t, "failed sign-in", res, false)
	res = post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("sign-in: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	checkHeaders(t, "sign-in redirect", res, false)
	for _, p := range []string{"/", "/account", "/account/totp", "/nowhere", "/test/supervisor"} {
		checkHeaders(t, p, get(p), false)
	}
	// Static files: the layout's links, cacheable for ever under their hash.
	links := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(links) != 3 {
		t.Fatalf("layout links %v", links)
	}
	for _, l := range links {
		res := get(l[1])
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", l[1], res.StatusCode)
		}
		checkHeaders(t, l[1], res, true)
	}
	if res := get("/static/000000000000/app.css"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a stale asset hash: %d", res.StatusCode)
	}
	// No inline script or style anywhere in the pages.
	for _, p := range []string{"/", "/account", "/account/totp"} {
		html := body(t, get(p))
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=`).MatchString(html) {
			t.Errorf("%s has inline script or style", p)
		}
	}
}

// Cross-origin form posts are refused whatever the session cookie says
// (http.CrossOriginProtection), with the 403 page; same-origin ones pass.
func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	b.addUser(t, "ana", "staff")
	c := client(t)
	post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil)
	for name, hdr := range map[string]map[string]string{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": "cross-site"},
		"Sec-Fetch-Site same-site":  {"Sec-Fetch-Site": "same-site"},
		"Origin only, other host":   {"Origin": "http://evil.example"},
		"Origin only, other port":   {"Origin": "http://127.0.0.2:1"},
		"cross-site sign-out":       {"Sec-Fetch-Site": "cross-site"},
	} {
		target := "/account/preferences"
		if strings.Contains(name, "sign-out") {
			target = "/signout"
		}
		res := post(t, c, b.srv.URL+target, url.Values{"language": {"es"}}, hdr)
		html := body(t, res)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(html, "sent from another site") {
			t.Errorf("%s: status %d", name, res.StatusCode)
		}
		checkHeaders(t, name, res, false)
	}
	// Nothing changed, and she is still signed in.
	var lang *string
	b.db.QueryRow(`SELECT language FROM console_accounts`).Scan(&lang)
	if lang != nil {
		t.Fatalf("a cross-origin post changed her language to %q", *lang)
	}
	res := post(t, c, b.srv.URL+"/account/preferences", url.Values{"language": {"es"}}, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": b.srv.URL})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin post: %d %s", res.StatusCode, body(t, res))
	}
}

func TestRolesAndFallbacks(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	b.addUser(t, "ana", "staff")
	c := client(t)
	// Signed out, any page (known or not) leads to sign-in, keeping the way back.
	res, _ := c.Get(b.srv.URL + "/test/supervisor")
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/signin?next=%2Ftest%2Fsupervisor" {
		t.Fatalf("signed out: %d %s", res.StatusCode, loc)
	}
	res = post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}, "next": {"/test/supervisor"}}, nil)
	if loc := res.Header.Get("Location"); loc != "/test/supervisor" {
		t.Fatalf("after sign-in: %s", loc)
	}
	res, _ = c.Get(b.srv.URL + "/test/supervisor")
	if html := body(t, res); res.StatusCode != http.StatusForbidden || !strings.Contains(html, "Your role (caseworker) does not give access") {
		t.Fatalf("staff on a supervisor page: %d", res.StatusCode)
	}
	res, _ = c.Get(b.srv.URL + "/no/such/page")
	if html := body(t, res); res.StatusCode != http.StatusNotFound || !strings.Contains(html, "Page not found") {
		t.Fatalf("unknown page: %d", res.StatusCode)
	}
	// An open redirect through next is not possible.
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		res := post(t, client(t), b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}, "next": {next}}, nil)
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%q led to %q", next, loc)
		}
	}
}

// The vendored files are the ones VERSIONS.md lists.
func TestVendoredChecksums(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"static/vendor", "browsertest/vendor"} {
		md, err := os.ReadFile(dir + "/VERSIONS.md")
		if err != nil {
			t.Fatal(err)
		}
		rows := regexp.MustCompile("(?m)^\\| `([^`]+)` \\|.*\\| `([0-9a-f]{64})` \\|$").FindAllStringSubmatch(string(md), -1)
		if len(rows) == 0 {
			t.Fatalf("%s/VERSIONS.md lists no file", dir)
		}
		for _, r := range rows {
			b, err := os.ReadFile(dir + "/" + r[1])
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != r[2] {
				t.Errorf("%s/%s: sha256 differs from VERSIONS.md", dir, r[1])
			}
		}
	}
}

// A page refreshing itself (RefreshHeader) does not keep an idle session
// open; her clicks do.
func TestRefreshIsNotActivity(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	b.addUser(t, "ana", "staff")
	c := client(t)
	post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil)
	get := func(refresh bool) *http.Response {
		req, _ := http.NewRequest("GET", b.srv.URL+"/", nil)
		if refresh {
			req.Header.Set(console.RefreshHeader, "1")
			req.Header.Set("HX-Request", "true")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	b.clock.Advance(20 * time.Minute)
	if res := get(true); res.StatusCode != http.StatusOK {
		t.Fatalf("refresh after 20 min: %d", res.StatusCode)
	}
	b.clock.Advance(10 * time.Minute)
	res := get(true)
	if res.StatusCode != http.StatusNoContent || res.Header.Get("HX-Redirect") != "/signin?m=ended" {
		t.Fatalf("refresh after 30 idle minutes: %d %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
}

// An unexpected failure shows the error page, with the headers, and no
// detail of the cause.
func TestInternalErrorPage(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	b.addUser(t, "ana", "staff")
	c := client(t)
	post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil)
	b.db.Close()
	res, err := c.Get(b.srv.URL + "/account")
	if err != nil {
		t.Fatal(err)
	}
	html := body(t, res)
	if res.StatusCode != http.StatusInternalServerError || !strings.Contains(html, "Something went wrong") || strings.Contains(html, "sql") {
		t.Fatalf("%d %s", res.StatusCode, html)
	}
	checkHeaders(t, "error page", res, false)
}

var recoveryCodeRE = regexp.MustCompile(`<li>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</li>`)
var secretRE = regexp.MustCompile(`id="totp-secret">([^<]+)<`)

// Whoever sits at her unattended, signed-in laptop can neither put a
// second step on her account (locking her out) nor mint recovery codes:
// both ask for her password (and a current code) first. Setting one up
// ends her other sessions.
func TestSecondFactorChangesNeedPassword(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	b.addUser(t, "ana", "staff")
	c, other := client(t), client(t)
	post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil)
	post(t, other, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil)
	// She walks away; somebody else clicks "Set up a second step".
	res, _ := c.Get(b.srv.URL + "/account/totp")
	html := body(t, res)
	if res.StatusCode != http.StatusOK || secretRE.MatchString(html) || !strings.Contains(html, `name="current"`) {
		t.Fatalf("second step without her password: %d, secret shown %v", res.StatusCode, secretRE.MatchString(html))
	}
	res = post(t, c, b.srv.URL+"/account/totp", url.Values{"code": {"123456"}}, nil)
	if html := body(t, res); recoveryCodeRE.MatchString(html) || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirming without her password: %d", res.StatusCode)
	}
	res = post(t, c, b.srv.URL+"/account/totp/reauth", url.Values{"current": {"a guess at it"}}, nil)
	if html := body(t, res); res.StatusCode != http.StatusUnauthorized || !strings.Contains(html, "current password is wrong") {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	// She comes back and does it herself.
	res = post(t, c, b.srv.URL+"/account/totp/reauth", url.Values{"current": {pw}}, nil)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/account/totp" {
		t.Fatalf("reauthenticated: %d %s", res.StatusCode, loc)
	}
	res, _ = c.Get(b.srv.URL + "/account/totp")
	m := secretRE.FindStringSubmatch(body(t, res))
	if m == nil {
		t.Fatal("no secret after reauthenticating")
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	codeNow, _ := signin.TOTPCode(secret, b.clock.Now())
	res = post(t, c, b.srv.URL+"/account/totp", url.Values{"code": {codeNow}}, nil)
	if codes := recoveryCodeRE.FindAllStringSubmatch(body(t, res), -1); len(codes) != signin.RecoveryCodeCount {
		t.Fatalf("enrolled: %d codes", len(codes))
	}
	// Her other session has ended.
	res, _ = other.Get(b.srv.URL + "/account")
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/signin") {
		t.Fatalf("her other session after enrolment: %d %s", res.StatusCode, loc)
	}
	// New recovery codes: the button without her password and code makes none.
	res = post(t, c, b.srv.URL+"/account/recovery-codes", nil, nil)
	if html := body(t, res); recoveryCodeRE.MatchString(html) || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("recovery codes without her password: %d", res.StatusCode)
	}
	res = post(t, c, b.srv.URL+"/account/recovery-codes", url.Values{"current": {pw}, "code": {"000000"}}, nil)
	if html := body(t, res); recoveryCodeRE.MatchString(html) {
		t.Fatal("recovery codes with a wrong code")
	}
	b.clock.Advance(30 * time.Second)
	codeNow, _ = signin.TOTPCode(secret, b.clock.Now())
	res = post(t, c, b.srv.URL+"/account/recovery-codes", url.Values{"current": {pw}, "code": {codeNow}}, nil)
	if codes := recoveryCodeRE.FindAllStringSubmatch(body(t, res), -1); len(codes) != signin.RecoveryCodeCount {
		t.Fatalf("renewed with password and code: %d codes", len(codes))
	}
}

// A signed-out visit keeps the path she was going to, never the query (a
// search typed into a page must not travel into the sign-in address).
func TestSignedOutKeepsPathNotQuery(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	res, _ := client(t).Get(b.srv.URL + "/test/supervisor?q=M.R.+Madrid")
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/signin?next=%2Ftest%2Fsupervisor" {
		t.Fatalf("%d %s", res.StatusCode, loc)
	}
}

// The name typed is never shown back after a failed sign-in: people type
// their password into the name field.
func TestFailedSignInDoesNotShowName(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	b.addUser(t, "ana", "staff")
	res := post(t, client(t), b.srv.URL+"/signin", url.Values{"name": {"my-secret-passphrase"}, "password": {"x"}}, nil)
	if html := body(t, res); res.StatusCode != http.StatusUnauthorized || strings.Contains(html, "my-secret-passphrase") {
		t.Fatalf("%d, typed name shown: %v", res.StatusCode, strings.Contains(html, "my-secret-passphrase"))
	}
}

// Over TLS every response carries Strict-Transport-Security; plain HTTP
// (dev on loopback) does not.
func TestStrictTransportSecurityOverTLS(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	srv := httptest.NewTLSServer(b.console.Handler())
	t.Cleanup(srv.Close)
	for _, p := range []string{"/signin", "/", "/nowhere"} {
		res, err := srv.Client().Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Strict-Transport-Security"); got != console.HSTS {
			t.Errorf("%s over TLS: %q", p, got)
		}
	}
	res, _ := client(t).Get(b.srv.URL + "/signin")
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain HTTP: %q", got)
	}
}

// A completed sign-in leaves a long-lived device cookie (HttpOnly,
// SameSite=Strict), which signing out keeps; with it she signs in while
// somebody elsewhere keeps her name blocked.
func TestDeviceCookieLetsHerInDuringLockout(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	b.addUser(t, "ana", "staff")
	c := client(t)
	res := post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil)
	var dev *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "sc_device" {
			dev = ck
		}
	}
	if dev == nil || !dev.HttpOnly || dev.SameSite != http.SameSiteStrictMode || dev.MaxAge != 90*24*3600 || dev.Path != "/" {
		t.Fatalf("device cookie %+v", dev)
	}
	res = post(t, c, b.srv.URL+"/signout", nil, nil)
	for _, ck := range res.Cookies() {
		if ck.Name == "sc_device" {
			t.Fatal("signing out dropped the device cookie")
		}
	}
	stranger := client(t)
	for range 6 {
		post(t, stranger, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {"guess guess"}}, nil)
	}
	if res := post(t, client(t), b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a browser that never signed her in: %d", res.StatusCode)
	}
	if res := post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("her own browser: %d", res.StatusCode)
	}
}

// A staff member promoted while signed in, without a second step, is
// sent to sign in again with a word why, and from there to enrolment.
func TestPromotedSessionSentToEnrolment(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	id := b.addUser(t, "ana", "staff")
	c := client(t)
	post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil)
	b.db.Exec(`UPDATE users SET role = 'supervisor' WHERE id = $1`, id)
	res, _ := c.Get(b.srv.URL + "/account")
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin?m=second_step") {
		t.Fatalf("promoted session: %d %s", res.StatusCode, loc)
	}
	res, _ = c.Get(b.srv.URL + loc)
	if html := body(t, res); !strings.Contains(html, "Your role now needs a second step") {
		t.Fatal("no word of why")
	}
	res = post(t, c, b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}}, nil)
	if loc := res.Header.Get("Location"); loc != "/signin/enrol" {
		t.Fatalf("signing in again: %s", loc)
	}
}

// Whatever next says, the redirect after sign-in stays on this site.
func TestNextNeverLeavesTheSite(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	b.addUser(t, "ana", "staff")
	base, _ := url.Parse(b.srv.URL + "/signin")
	for _, next := range []string{"//evil.example", "/\\evil.example", "/%2F%2Fevil.example", "/%5Cevil.example", "/.//evil.example", "/..//evil.example", "/%2e%2e//evil.example", "http://evil.example/", "/%0d%0aX:y", "/\u3002/evil", "/a?b=//evil", "///evil.example", "/%09/evil.example", "/\x00/evil"} {
		for _, hx := range []bool{false, true} {
			h := map[string]string{}
			if hx {
				h["HX-Request"] = "true"
			}
			res := post(t, client(t), b.srv.URL+"/signin", url.Values{"name": {"ana"}, "password": {pw}, "next": {next}}, h)
			loc := res.Header.Get("Location") + res.Header.Get("HX-Redirect")
			body(t, res)
			u, err := base.Parse(loc)
			if (err == nil && u.Host != base.Host) || strings.ContainsAny(loc, "\r\n") {
				t.Errorf("next=%q (htmx %v) led to %q", next, hx, loc)
			}
		}
	}
}

// A cookie of a pending sign-in step reaches no page or account action:
// each sends it back to its step.
func TestPendingStageReachesNoPage(t *testing.T) {
	t.Parallel()
	b := setup(t, signintest.FastParams)
	b.addUser(t, "boss", "supervisor") // must enrol
	c := client(t)
	post(t, c, b.srv.URL+"/signin", url.Values{"name": {"boss"}, "password": {pw}}, nil)
	for _, p := range []string{"/", "/account", "/test/supervisor", "/account/totp", "/account/recovery-codes"} {
		res, _ := c.Get(b.srv.URL + p)
		body(t, res)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin/enrol") {
			t.Errorf("GET %s at the enrol step: %d %s", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	for _, p := range []string{"/account/preferences", "/account/password", "/account/recovery-codes", "/account/totp", "/account/totp/reauth", "/signin/code", "/signin/password"} {
		res := post(t, c, b.srv.URL+p, url.Values{"language": {"es"}, "new": {"abcdefghijklmnop"}, "confirm": {"abcdefghijklmnop"}, "code": {"123456"}, "current": {pw}}, nil)
		body(t, res)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin/enrol") {
			t.Errorf("POST %s at the enrol step: %d %s", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
}
