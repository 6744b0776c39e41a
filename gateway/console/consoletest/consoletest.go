// Package consoletest builds the console's core for an area's tests: on a
// fresh database, with the real sign-in service (fast hashing, a test
// clock), served over plain HTTP from loopback. A test mounts its area
// on Env.Console, then signs in a user of a role and requests pages as
// her browser would (same-origin forms, the session cookie).
//
// The clients work on any console handler (the gateway's, with every
// area mounted, too): SignIn needs only the sign-in service.
package consoletest

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/text/language"

	"safecontact/db/dbtest"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/console"
)

// Password is every test user's password.
const Password = "correct horse battery staple"

// Env is a console core on a fresh database.
type Env struct {
	T       testing.TB
	Console *console.Console
	Signin  *signin.Service
	DB      *sql.DB
	Clock   *signintest.Clock
	users   atomic.Int64
}

// New builds the core (no area mounted) with the catalogue built in,
// Europe/Madrid as the default zone and the plain-HTTP loopback cookie.
func New(t testing.TB) *Env {
	t.Helper()
	pool, _ := dbtest.New(t)
	svc, b := signintest.New(t, pool, signin.Config{})
	c, err := console.New(console.Deps{
		Auth: svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Config: console.Config{DefaultZone: "Europe/Madrid", AllowLoopbackHTTP: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, Console: c, Signin: svc, DB: pool, Clock: b.Clock}
}

// As adds a user of role (a fresh name) and signs her in.
func (e *Env) As(role string) *Client {
	e.T.Helper()
	name := fmt.Sprintf("%s-%d", role, e.users.Add(1))
	signintest.AddUser(e.T, e.Signin, e.DB, name, role, Password)
	return SignIn(e.T, e.Console.Handler(), e.Signin, e.Clock.Now, name, Password)
}

// Pending adds a user of role who must still enrol a second step (a
// supervisor or an admin) and starts her sign-in: a client whose session
// has not reached the pages yet.
func (e *Env) Pending(role string) *Client {
	e.T.Helper()
	name := fmt.Sprintf("%s-%d", role, e.users.Add(1))
	signintest.AddUser(e.T, e.Signin, e.DB, name, role, Password)
	res, err := e.Signin.SignIn(context.Background(), name, Password, signin.Client{IP: net.IPv4(127, 0, 0, 1), RequestID: "consoletest"})
	if err != nil {
		e.T.Fatal(err)
	}
	if res.Stage == signin.StageSignedIn {
		e.T.Fatalf("%s: signed in without a second step", role)
	}
	return &Client{t: e.T, h: e.Console.Handler(), cookie: sessionCookie(e.T, res.Token)}
}

// Anonymous is a client with no session.
func (e *Env) Anonymous() *Client {
	return &Client{t: e.T, h: e.Console.Handler()}
}

// SignIn signs the user name in through svc, enrolling a second step at
// now when her role needs one, and returns a client of h with her
// session.
func SignIn(t testing.TB, h http.Handler, svc *signin.Service, now func() time.Time, name, password string) *Client {
	t.Helper()
	ctx := context.Background()
	c := signin.Client{IP: net.IPv4(127, 0, 0, 1), RequestID: "consoletest"}
	res, err := svc.SignIn(ctx, name, password, c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage == signin.StageEnrol {
		en, err := svc.BeginTOTP(ctx, res.Token)
		if err != nil {
			t.Fatal(err)
		}
		code, err := totp.GenerateCodeCustom(en.Secret, now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		if res, _, err = svc.ConfirmTOTP(ctx, res.Token, code, c); err != nil {
			t.Fatal(err)
		}
	}
	if res.Stage != signin.StageSignedIn {
		t.Fatalf("%s: sign-in stopped at %v", name, res.Stage)
	}
	return &Client{t: t, h: h, cookie: sessionCookie(t, res.Token)}
}

// Cookie is the client's session cookie, for a test that sends its own
// requests.
func (c *Client) Cookie() *http.Cookie { return c.cookie }

// sessionCookie is the cookie the console sets for a loopback browser.
func sessionCookie(t testing.TB, token string) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	signin.Cookies{AllowLoopbackHTTP: true}.Set(w, loopback(httptest.NewRequest("GET", "/", nil)), token)
	cookies := w.Result().Cookies()
	if len(cookies) == 0 {
		t.Fatal("consoletest: no session cookie")
	}
	return cookies[0]
}

func loopback(r *http.Request) *http.Request {
	r.RemoteAddr = "127.0.0.1:5000"
	return r
}

// Client is a browser: a session (or none) on one handler.
type Client struct {
	t      testing.TB
	h      http.Handler
	cookie *http.Cookie
	lang   string
}

// In is the client with a browser asking for lang (Accept-Language):
// the console speaks it to a user who chose no language.
func (c *Client) In(lang string) *Client {
	cc := *c
	cc.lang = lang
	return &cc
}

// Page is an answer.
type Page struct {
	Status int
	Body   string
	Header http.Header
}

// Do serves req with the client's cookie, from loopback.
func (c *Client) Do(req *http.Request) Page {
	loopback(req)
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, req)
	return Page{Status: w.Code, Body: w.Body.String(), Header: w.Header()}
}

// Get fetches path.
func (c *Client) Get(path string) Page {
	return c.Do(httptest.NewRequest("GET", path, nil))
}

// Post submits form to path as a same-origin form.
func (c *Client) Post(path string, form url.Values) Page {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(req)
}

// Refused reports whether p is how the core refuses a page to the
// reader: the 403 page for a signed-in session, a redirect to sign in
// for none.
func (p Page) Refused() bool {
	switch p.Status {
	case http.StatusForbidden:
		return true
	case http.StatusSeeOther:
		return strings.HasPrefix(p.Header.Get("Location"), "/signin")
	}
	return false
}

var (
	navBlock = regexp.MustCompile(`(?s)<nav\b[^>]*>(.*?)</nav>`)
	navLink  = regexp.MustCompile(`<a href="([^"]*)"`)
)

// NavLinks are the paths the page's menu links to, in order.
func (p Page) NavLinks() []string {
	m := navBlock.FindStringSubmatch(p.Body)
	if m == nil {
		return nil
	}
	var out []string
	for _, l := range navLink.FindAllStringSubmatch(m[1], -1) {
		out = append(out, l[1])
	}
	return out
}

var (
	alerts = []*regexp.Regexp{
		regexp.MustCompile(`(?s)<p role="alert"[^>]*>(.*?)</p>`),
		regexp.MustCompile(`(?s)<div role="alert"[^>]*>(.*?)</div>`),
	}
	tag    = regexp.MustCompile(`<[^>]*>`)
	spaces = regexp.MustCompile(`\s+`)
)

// Alert is the text of the page's first error (role=alert), without its
// markup, "" if none.
func (p Page) Alert() string {
	for _, re := range alerts {
		if m := re.FindStringSubmatch(p.Body); m != nil {
			return strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(tag.ReplaceAllString(m[1], "")), " "))
		}
	}
	return ""
}

// L is the built-in catalogue's localizer for lang (UTC), for the words
// a page should show.
func L(t testing.TB, lang string) *console.Localizer {
	t.Helper()
	cat, err := console.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return cat.Localizer(language.MustParse(lang), time.UTC)
}

// Languages are the catalogue's languages, for tables over them.
func Languages(t testing.TB) []string {
	t.Helper()
	cat, err := console.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tag := range cat.Languages() {
		out = append(out, tag.String())
	}
	return out
}

// Visitor is a client of an access table: who she is and her role ("" for
// none: not signed in, or still signing in).
type Visitor struct {
	Name, Role string
	*Client
}

// Opens reports whether the visitor's role includes role, as Page checks
// it.
func (v Visitor) Opens(role string) bool {
	return v.Role != "" && (&signin.Session{Role: v.Role}).AtLeast(role)
}

// Everyone are the visitors of an access table: nobody signed in, a
// supervisor still signing in, and one signed-in user of each role.
func (e *Env) Everyone() []Visitor {
	e.T.Helper()
	return []Visitor{
		{"anonymous", "", e.Anonymous()},
		{"signing in", "", e.Pending("supervisor")},
		{"staff", "staff", e.As("staff")},
		{"supervisor", "supervisor", e.As("supervisor")},
		{"admin", "admin", e.As("admin")},
	}
}

// PageAccess is a row of an access table: a page, the least role that
// opens it, and the menu link that goes with it ("" for none).
type PageAccess struct {
	Path, Role, Nav string
}

// CheckPages requests every page of pages as every visitor of Everyone:
// a visitor whose role does not open it is refused (the sign-in page or
// her pending step) and her menu does not link to it; one whose role
// does gets 200 and the menu link.
func (e *Env) CheckPages(t *testing.T, pages []PageAccess) {
	t.Helper()
	for _, v := range e.Everyone() {
		for _, p := range pages {
			t.Run(v.Name+p.Path, func(t *testing.T) {
				pg := v.Get(p.Path)
				links := pg.NavLinks()
				if !v.Opens(p.Role) {
					if !pg.Refused() {
						t.Fatalf("%d %v", pg.Status, pg.Header)
					}
					if p.Nav != "" && slices.Contains(links, p.Nav) {
						t.Errorf("the refused page's menu links to %s: %v", p.Nav, links)
					}
					return
				}
				if pg.Status != http.StatusOK {
					t.Fatalf("%d", pg.Status)
				}
				if p.Nav != "" && !slices.Contains(links, p.Nav) {
					t.Errorf("menu %v lacks %s", links, p.Nav)
				}
			})
		}
	}
}

// CheckRefused fails t unless p is a form refused (a 4xx status) with the
// alert want.
func (p Page) CheckRefused(t *testing.T, want string) {
	t.Helper()
	if p.Status < 400 || p.Status >= 500 {
		t.Fatalf("%d", p.Status)
	}
	if got := p.Alert(); got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
}
