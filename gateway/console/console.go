// Package console is the core of the web console for caseworkers, the
// worker on call and supervisors: server-rendered pages (html/template,
// embedded), a class-less stylesheet and htmx for small enhancements,
// every flow working with JavaScript off. It is served by the gateway's
// binary at / beside the JSON API and calls services through narrow
// interfaces (Auth for signing in), never the API over HTTP. It does not
// import the gateway.
//
// The core serves the security middleware, the sign-in steps and her
// account pages, and owns every template, the message catalogue
// (Catalog, Localizer) and the static files, all embedded here.
// The task pages live in one package per area beside it (participantui,
// safetyui, oncallui, messageui, referralui, supervisorui): each imports
// the core, renders the core's templates by name (Render, RenderView),
// answers errors with its pages (Fail, NotFound) and registers its routes
// with Page and a role. The core imports none of them; the gateway mounts
// them in console_mount.go, which is the console's route table.
//
// Invariants, and why:
//   - Every response carries a strict Content-Security-Policy (no inline
//     script or style, no framing, forms only to us, no <base>), no
//     Referer, and pages Cache-Control: no-store: a shared office laptop
//     must not keep a participant's page in its cache or history, and an
//     injected string must not run. A request that came over TLS also
//     gets Strict-Transport-Security (behind a TLS-terminating proxy, the
//     proxy sets it).
//   - Unsafe methods from another origin are refused before any handler
//     runs (http.CrossOriginProtection: the browser's Sec-Fetch-Site, else
//     Origin against Host). No token to forget in a form, it works with
//     JavaScript off, and the SameSite=Strict session cookie is a second,
//     independent barrier.
//   - Every page but sign-in needs a signed-in session, checked on every
//     request against the database (a disabled user stops at her next
//     click), and a role at least the page's: Page is the only way an
//     area registers a route, so no area page skips the check.
//   - The layout's menu is made of the entries the core and the areas
//     declare with Nav when they mount, each refused unless its page is
//     registered for a role every reader of the entry has: a reader never
//     sees a link her role cannot open, and an area left out leaves no
//     link behind.
//   - A request body is bounded by maxForm before any handler reads it;
//     only the routes an area names with LimitBody (a package file, a
//     referral form) may send more.
//   - Text comes from the message catalogue in her language; times are
//     shown in her zone (Localizer).
package console

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"safecontact/errs"
	"safecontact/gateway/auth/signin"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed static
var staticFS embed.FS

// Auth is what the console needs for signing in and sessions;
// *signin.Service implements it.
type Auth interface {
	SignIn(ctx context.Context, name, password string, c signin.Client) (signin.Result, error)
	SecondFactor(ctx context.Context, token, code string, c signin.Client) (signin.Result, error)
	ChangePassword(ctx context.Context, token, current, newPassword string, c signin.Client) (signin.Result, error)
	// Reauthenticate checks her password (and code) again before a
	// change to her second step or recovery codes.
	Reauthenticate(ctx context.Context, token, password, code string, c signin.Client) error
	BeginTOTP(ctx context.Context, token string) (signin.Enrolment, error)
	ConfirmTOTP(ctx context.Context, token, code string, c signin.Client) (signin.Result, []string, error)
	RenewRecoveryCodes(ctx context.Context, token string, c signin.Client) ([]string, error)
	RecoveryCodesLeft(ctx context.Context, userID int64) (int, error)
	SetPreferences(ctx context.Context, token, lang, zone string) error
	// Session returns the live session of token or signin.ErrNoSession;
	// activity false for requests a page makes by itself.
	Session(ctx context.Context, token string, activity bool) (*signin.Session, error)
	SignOut(ctx context.Context, token string, c signin.Client) error
}

// Config is the console's settings.
type Config struct {
	// DefaultZone is the time zone for staff who chose none (IANA; "" = UTC).
	DefaultZone string
	// AllowLoopbackHTTP lets the session cookie work over plain HTTP from
	// a loopback address (`gateway dev`). Never in production.
	AllowLoopbackHTTP bool
	// TrustedOrigins may post forms here although they are another origin
	// (e.g. "https://console.example.org" behind a rewriting proxy).
	TrustedOrigins []string
	// ClientIP is the client's address (default: the connection's). The
	// gateway passes its trusted-proxy-aware one.
	ClientIP func(*http.Request) net.IP
	// RequestID is the request's id for the audit log (default: a fresh
	// random id). The gateway passes its own.
	RequestID func(*http.Request) string
}

// Deps are what the console is built from.
type Deps struct {
	Auth Auth
	// Catalog is the UI message catalogue (nil: the built-in one).
	Catalog *Catalog
	Log     *slog.Logger
	Config  Config
}

// RefreshHeader marks a request a page makes by itself (an htmx poll,
// with hx-headers): it does not count as activity for the idle timeout.
const RefreshHeader = "X-Console-Refresh"

// maxForm bounds a form post's body.
const maxForm = 64 << 10

// Console serves the pages.
type Console struct {
	auth    Auth
	cat     *Catalog
	log     *slog.Logger
	cfg     Config
	zone    *time.Location
	cookies signin.Cookies
	mux     *http.ServeMux
	handler http.Handler
	pages   map[string]*template.Template
	assets  map[string]asset // by file name under static/
	// limits are the body bounds of the routes allowed more than
	// maxForm ("POST /referrals/import"), set by LimitBody before serving.
	limits map[string]int64
	// getPages are the roles of the GET pages at fixed paths, and nav the
	// menu's entries in order (Nav).
	getPages map[string]string
	nav      []NavEntry
}

type asset struct {
	hash  string
	body  []byte
	ctype string
}

// New builds the console and its sign-in and account routes. Task pages
// are added with Page before the handler serves.
func New(d Deps) (*Console, error) {
	if d.Auth == nil {
		return nil, errors.New("console: Auth is required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Catalog == nil {
		cat, err := BuiltinCatalog()
		if err != nil {
			return nil, err
		}
		d.Catalog = cat
	}
	if d.Config.ClientIP == nil {
		d.Config.ClientIP = remoteIP
	}
	if d.Config.RequestID == nil {
		d.Config.RequestID = func(*http.Request) string { return randomID() }
	}
	zone, err := time.LoadLocation(d.Config.DefaultZone)
	if err != nil || d.Config.DefaultZone == "Local" {
		return nil, fmt.Errorf("console: default time zone %q is not an IANA zone name", d.Config.DefaultZone)
	}
	c := &Console{
		auth: d.Auth, cat: d.Catalog, log: d.Log, cfg: d.Config, zone: zone,
		cookies: signin.Cookies{AllowLoopbackHTTP: d.Config.AllowLoopbackHTTP},
		mux:     http.NewServeMux(),
		limits:  map[string]int64{},
		// The roles of the GET pages, for Nav's check.
		getPages: map[string]string{},
	}
	if err := c.loadAssets(); err != nil {
		return nil, err
	}
	if err := c.parseTemplates(); err != nil {
		return nil, err
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range d.Config.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("console: trusted origin %q: %w", o, err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(c.crossOrigin))
	c.handler = c.secure(cop.Handler(c.mux))
	c.routes()
	return c, nil
}

// Handler serves the console.
func (c *Console) Handler() http.Handler { return c.handler }

// Logger is the console's logger, for the area pages' own log lines.
func (c *Console) Logger() *slog.Logger { return c.log }

// LimitBody lets the route pattern ("POST /referrals/import": a method
// and an exact path) take bodies of up to n bytes instead of maxForm.
// Called while mounting, before the handler serves.
func (c *Console) LimitBody(pattern string, n int64) {
	c.limits[pattern] = n
}

func remoteIP(r *http.Request) net.IP {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return nil
	}
	return net.ParseIP(host)
}

func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CSP is the Content-Security-Policy of every response: only our own
// scripts, styles and fonts; images also from data: (the stylesheet draws
// some form controls with data: SVG); no plugins, no <base>, forms only
// to us, never inside a frame.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// HSTS is the Strict-Transport-Security of a response to a request that
// came over TLS: browsers use HTTPS for the console's host for two years.
// Not includeSubDomains: the console cannot speak for the organisation's
// other hosts.
const HSTS = "max-age=63072000"

// secure sets the security headers on every response and bounds bodies.
func (c *Console) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", HSTS)
		}
		limit := int64(maxForm)
		if n, ok := c.limits[r.Method+" "+r.URL.Path]; ok {
			limit = n
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// crossOrigin answers a refused cross-origin post with the 403 page.
func (c *Console) crossOrigin(w http.ResponseWriter, r *http.Request) {
	c.log.InfoContext(r.Context(), "console: cross-origin request refused", "method", r.Method, "route", RouteOf(r))
	L := c.cat.Localizer(c.cat.Pick("", r), c.zone)
	c.RenderView(w, r, http.StatusForbidden, "forbidden", &View{L: L, Error: L.T("forbidden.cross_origin")})
}

// RouteOf is the path's first segment, for logs: paths can hold a
// participant's code, which logs do not need.
func RouteOf(r *http.Request) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return "/" + seg
}

// loadAssets reads static/ and gives each file a content hash for its URL.
func (c *Console) loadAssets() error {
	c.assets = map[string]asset{}
	return fs.WalkDir(staticFS, "static", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		c.assets[strings.TrimPrefix(p, "static/")] = asset{hash: hex.EncodeToString(sum[:6]), body: b, ctype: ctype}
		return nil
	})
}

// assetURL is the URL of a static file: /static/<content hash>/<name>, so
// it can be cached for ever and a new version gets a new URL.
func (c *Console) assetURL(name string) (string, error) {
	a, ok := c.assets[name]
	if !ok {
		return "", fmt.Errorf("console: no static file %q", name)
	}
	return "/static/" + a.hash + "/" + name, nil
}

func (c *Console) static(w http.ResponseWriter, r *http.Request) {
	a, ok := c.assets[r.PathValue("name")]
	if !ok || a.hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(a.body)
}

// parseTemplates parses each page (templates/<page>.html) with the
// layout and the shared pieces (templates/_*.html).
func (c *Console) parseTemplates() error {
	files, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil {
		return err
	}
	funcs := template.FuncMap{"static": c.assetURL}
	c.pages = map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templatesFS, "templates/layout.html", "templates/_*.html", f)
		if err != nil {
			return fmt.Errorf("console: template %s: %w", name, err)
		}
		c.pages[name] = t
	}
	return nil
}

// View is what every page template gets.
type View struct {
	L *Localizer
	// User is the signed-in session (nil on the sign-in pages).
	User *signin.Session
	// Flash is a confirmation shown once (role=status).
	Flash string
	// Error is a problem to fix (role=alert).
	Error string
	// Data is the page's own data.
	Data any
	// Menu is the layout's menu for User (filled by RenderView).
	Menu []NavLink
}

type ctxKey struct{}

type state struct {
	sess  *signin.Session
	token string
	L     *Localizer
	// ended is why a session the request carried has ended ("" = none, or
	// not told): the flash the sign-in page shows.
	ended string
}

func stateOf(r *http.Request) *state {
	st, _ := r.Context().Value(ctxKey{}).(*state)
	return st
}

// SessionOf is the signed-in session of a request served through Page.
func SessionOf(r *http.Request) *signin.Session {
	if st := stateOf(r); st != nil {
		return st.sess
	}
	return nil
}

// LocalizerOf is the reader's localizer of a request served through Page.
func LocalizerOf(r *http.Request) *Localizer {
	if st := stateOf(r); st != nil {
		return st.L
	}
	return nil
}

// Render writes page (templates/<page>.html in the layout) with data as
// View.Data; for handlers registered with Page.
func (c *Console) Render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	c.RenderView(w, r, status, page, &View{Data: data})
}

// RenderView writes page with v: for a page that also shows a Flash or an
// Error. v.L and v.User are filled from the request when nil.
func (c *Console) RenderView(w http.ResponseWriter, r *http.Request, status int, page string, v *View) {
	if st := stateOf(r); st != nil {
		if v.L == nil {
			v.L = st.L
		}
		if v.User == nil && st.sess != nil && st.sess.Stage == signin.StageSignedIn {
			v.User = st.sess
		}
	}
	if v.User != nil && v.Menu == nil {
		v.Menu = c.Menu(v.User)
	}
	if v.L == nil {
		v.L = c.cat.Localizer(c.cat.Pick("", r), c.zone)
	}
	t, ok := c.pages[page]
	var buf bytes.Buffer
	if !ok {
		c.Fail(w, r, fmt.Errorf("console: no page template %q", page))
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		c.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Fail answers an unexpected error: logged with the request's route, the
// reader sees the error page.
func (c *Console) Fail(w http.ResponseWriter, r *http.Request, err error) {
	c.log.ErrorContext(r.Context(), "console", "route", RouteOf(r), "err", err)
	if t, ok := c.pages["error"]; ok {
		var buf bytes.Buffer
		L := c.cat.Localizer(c.cat.Pick("", r), c.zone)
		if t.ExecuteTemplate(&buf, "layout", &View{L: L}) == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write(buf.Bytes())
			return
		}
	}
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// load finds the request's session and localizer. A request with
// RefreshHeader does not count as her activity.
func (c *Console) load(r *http.Request) (*state, error) {
	st := &state{token: c.cookies.Token(r)}
	if st.token != "" {
		sess, err := c.auth.Session(r.Context(), st.token, r.Header.Get(RefreshHeader) == "")
		switch {
		case errors.Is(err, signin.ErrSecondFactorNeeded):
			st.ended = "second_step"
		case errors.Is(err, signin.ErrNoSession):
			st.ended = "ended"
		case err != nil:
			return nil, err
		default:
			st.sess = sess
		}
	}
	lang, zone := "", c.zone
	if st.sess != nil {
		lang = st.sess.Language
		if z, err := time.LoadLocation(st.sess.TimeZone); err == nil && st.sess.TimeZone != "" {
			zone = z
		}
	}
	st.L = c.cat.Localizer(c.cat.Pick(lang, r), zone)
	return st, nil
}

func (c *Console) client(r *http.Request) signin.Client {
	return signin.Client{IP: c.cfg.ClientIP(r), RequestID: c.cfg.RequestID(r), Device: c.cookies.Device(r)}
}

// Redirect sends her to target with 303 (a GET after a form). An htmx
// request gets HX-Redirect instead, so a fragment never swaps in a whole
// sign-in page.
func Redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// stagePath is the page of a sign-in step; next is where a signed-in
// session goes.
func stagePath(st signin.Stage, next string) string {
	switch st {
	case signin.StageSecondFactor:
		return withNext("/signin/code", next)
	case signin.StageChangePassword:
		return withNext("/signin/password", next)
	case signin.StageEnrol:
		return withNext("/signin/enrol", next)
	}
	if next == "" {
		return "/"
	}
	return next
}

func withNext(p, next string) string {
	if next == "" || next == "/" {
		return p
	}
	return p + "?next=" + url.QueryEscape(next)
}

// safeNext keeps a post-sign-in destination only if it is a path on this
// site (never "//host" or a scheme): no open redirect.
func safeNext(s string) string {
	if len(s) > 512 || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return u.RequestURI()
}

// signedOut sends a request without a usable session to the sign-in
// page: a GET keeps the path she was going to (never its query: a search
// typed into a page must not travel into the sign-in page's address and
// the browser's history); a session that just ended says so.
func (c *Console) signedOut(w http.ResponseWriter, r *http.Request, st *state) {
	q := url.Values{}
	if st.token != "" {
		c.cookies.Clear(w, r)
		q.Set("m", cmp.Or(st.ended, "ended"))
	}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		if n := safeNext(r.URL.EscapedPath()); n != "" {
			q.Set("next", n)
		}
	}
	target := "/signin"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	Redirect(w, r, target)
}

// Page registers a page (pattern as for http.ServeMux, e.g. "GET
// /participants/{code}") for signed-in staff whose role includes role
// ("staff", "supervisor", "admin"). Others get the sign-in page, their
// pending sign-in step, or the 403 page.
func (c *Console) Page(pattern, role string, h http.HandlerFunc) {
	c.mux.HandleFunc(pattern, c.guard(role, h))
	c.notePage(pattern, role)
}

func (c *Console) guard(role string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, err := c.load(r)
		if err != nil {
			c.Fail(w, r, err)
			return
		}
		switch {
		case st.sess == nil:
			c.signedOut(w, r, st)
			return
		case st.sess.Stage != signin.StageSignedIn:
			Redirect(w, r, stagePath(st.sess.Stage, ""))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, st))
		if !st.sess.AtLeast(role) {
			c.RenderView(w, r, http.StatusForbidden, "forbidden", &View{})
			return
		}
		h(w, r)
	}
}

// step registers a handler for one sign-in step: only a session at that
// stage reaches it.
func (c *Console) step(pattern string, stage signin.Stage, h http.HandlerFunc) {
	c.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		st, err := c.load(r)
		if err != nil {
			c.Fail(w, r, err)
			return
		}
		if st.sess == nil {
			c.signedOut(w, r, st)
			return
		}
		if st.sess.Stage != stage {
			Redirect(w, r, stagePath(st.sess.Stage, ""))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, st)))
	})
}

// public registers a handler that needs no session (signing in).
func (c *Console) public(pattern string, h http.HandlerFunc) {
	c.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		st, err := c.load(r)
		if err != nil {
			c.Fail(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, st)))
	})
}

// NotFound is every unknown path: the 404 page when signed in, else the
// sign-in page (nothing about the site's paths is told to strangers).
// Area pages answer an id that names nothing with it too.
func (c *Console) NotFound(w http.ResponseWriter, r *http.Request) {
	c.RenderView(w, r, http.StatusNotFound, "notfound", &View{})
}

// ErrorText is the sentence for a refused request, in her language.
func ErrorText(L *Localizer, err error) string {
	code := errs.Code(err)
	args := []any{}
	switch code {
	case "signin_throttled":
		args = append(args, "count", int((signin.RetryAfter(err)+time.Second-1)/time.Second))
	case "password_too_short":
		args = append(args, "min", signin.MinPasswordLen)
	case "password_too_long":
		args = append(args, "max", signin.MaxPasswordLen)
	case "signin_busy":
		args = append(args, "count", busyRetry)
	}
	if s := L.T("error."+code, args...); !strings.HasPrefix(s, "⟦") {
		return s
	}
	return L.T("error.generic")
}

// busyRetry is the Retry-After (seconds) of a sign-in refused because the
// password-hashing queue is full: it drains in about that time.
const busyRetry = 3

// statusOf is the HTTP status of a refused form.
func statusOf(err error) int {
	switch errs.Code(err) {
	case "signin_failed", "code_wrong", "code_used", "password_wrong":
		return http.StatusUnauthorized
	case "signin_throttled":
		return http.StatusTooManyRequests
	case "signin_busy", "client_address_unknown":
		return http.StatusServiceUnavailable
	}
	return http.StatusUnprocessableEntity
}

// refuse re-renders a form with the error, or fails on an internal error.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, page string, v *View, err error) {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == "internal" {
		c.Fail(w, r, err)
		return
	}
	if d := signin.RetryAfter(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
	if errors.Is(err, signin.ErrBusy) {
		w.Header().Set("Retry-After", strconv.Itoa(busyRetry))
	}
	if v.L == nil {
		v.L = stateOf(r).L
	}
	v.Error = ErrorText(v.L, err)
	c.RenderView(w, r, statusOf(err), page, v)
}

// flash is the confirmation named by ?m= (only catalogue keys).
func flash(L *Localizer, r *http.Request) string {
	m := r.URL.Query().Get("m")
	switch m {
	case "signed_out", "ended", "second_step", "password_changed", "preferences_saved":
		return L.T("flash." + m)
	}
	return ""
}
