package console

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"safecontact/errs"
	"safecontact/gateway/auth/signin"
)

// accountPages are the sign-in steps and her own account pages: the
// pages every role has, served by the core.
type accountPages struct{ c *Console }

// routes is the core's part of the route table: static files, the
// sign-in steps, the account pages and the fallback. The area packages'
// pages join through Page.
func (c *Console) routes() {
	c.mux.HandleFunc("GET /static/{hash}/{name...}", c.static)

	a := accountPages{c}
	c.public("GET /signin", a.signinPage)
	c.public("POST /signin", a.signinPost)
	c.public("POST /signout", a.signoutPost)
	c.step("GET /signin/code", signin.StageSecondFactor, a.codePage)
	c.step("POST /signin/code", signin.StageSecondFactor, a.codePost)
	c.step("GET /signin/password", signin.StageChangePassword, a.forcedPasswordPage)
	c.step("POST /signin/password", signin.StageChangePassword, a.forcedPasswordPost)
	c.step("GET /signin/enrol", signin.StageEnrol, a.enrolPage)
	c.step("POST /signin/enrol", signin.StageEnrol, a.enrolPost)

	c.Page("GET /{$}", "staff", a.home)
	c.Page("GET /account", "staff", a.account)
	c.Page("POST /account/preferences", "staff", a.preferencesPost)
	c.Page("POST /account/password", "staff", a.passwordPost)
	c.Page("GET /account/totp", "staff", a.enrolPage)
	c.Page("POST /account/totp", "staff", a.enrolPost)
	c.Page("POST /account/totp/reauth", "staff", a.totpReauthPost)
	c.Page("GET /account/recovery-codes", "staff", a.renewCodesPage)
	c.Page("POST /account/recovery-codes", "staff", a.renewCodesPost)
	c.Nav(NavEntry{Label: "nav.home", Path: "/", Order: NavOrderHome})
	c.Nav(NavEntry{Label: "nav.account", Path: "/account", Order: NavOrderAccount})

	// Anything else: the 404 page for staff, the sign-in page for others.
	// (ServeMux picks the most specific pattern, so the area pages mounted
	// after New are not shadowed by it.)
	c.Page("/", "staff", c.NotFound)
}

// signinData is the sign-in form's. The name typed is never shown back
// after a failure: people type their password into the name field, and
// on a shared laptop the next person would read it.
type signinData struct {
	Next string
}

func (p accountPages) signinPage(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	next := safeNext(r.URL.Query().Get("next"))
	if st.sess != nil {
		Redirect(w, r, stagePath(st.sess.Stage, next))
		return
	}
	p.c.RenderView(w, r, http.StatusOK, "signin", &View{Flash: flash(st.L, r), Data: signinData{Next: next}})
}

// setCookies sends the cookies of a sign-in step's result: the session's,
// and the device's when the sign-in completed.
func (p accountPages) setCookies(w http.ResponseWriter, r *http.Request, res signin.Result) {
	p.c.cookies.Set(w, r, res.Token)
	p.c.cookies.SetDevice(w, r, res)
}

func (p accountPages) signinPost(w http.ResponseWriter, r *http.Request) {
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	res, err := p.c.auth.SignIn(r.Context(), name, password, p.c.client(r))
	if err != nil {
		if errors.Is(err, signin.ErrNoAddress) {
			p.c.log.ErrorContext(r.Context(), "console: sign-in refused: the request has no client address (check the listener and trusted proxies)")
		}
		p.c.refuse(w, r, "signin", &View{Data: signinData{Next: next}}, err)
		return
	}
	if old := stateOf(r); old.sess != nil {
		// A second sign-in on this browser replaces the first session.
		p.c.auth.SignOut(r.Context(), old.token, p.c.client(r))
	}
	p.setCookies(w, r, res)
	Redirect(w, r, stagePath(res.Stage, next))
}

func (p accountPages) signoutPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if st.token != "" {
		if err := p.c.auth.SignOut(r.Context(), st.token, p.c.client(r)); err != nil {
			p.c.Fail(w, r, err)
			return
		}
	}
	p.c.cookies.Clear(w, r)
	Redirect(w, r, "/signin?m=signed_out")
}

type codeData struct{ Next string }

func (p accountPages) codePage(w http.ResponseWriter, r *http.Request) {
	p.c.RenderView(w, r, http.StatusOK, "code", &View{Data: codeData{Next: safeNext(r.URL.Query().Get("next"))}})
}

func (p accountPages) codePost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	next := safeNext(r.PostFormValue("next"))
	res, err := p.c.auth.SecondFactor(r.Context(), st.token, r.PostFormValue("code"), p.c.client(r))
	if err != nil {
		if p.stepGone(w, r, err) {
			return
		}
		p.c.refuse(w, r, "code", &View{Data: codeData{Next: next}}, err)
		return
	}
	p.setCookies(w, r, res)
	Redirect(w, r, stagePath(res.Stage, next))
}

// stepGone handles a sign-in step whose session ended or moved on
// meanwhile (another tab, the stage timeout): back to the start.
func (p accountPages) stepGone(w http.ResponseWriter, r *http.Request, err error) bool {
	if errors.Is(err, signin.ErrNoSession) || errors.Is(err, signin.ErrWrongStage) {
		p.c.cookies.Clear(w, r)
		Redirect(w, r, "/signin?m=ended")
		return true
	}
	return false
}

type passwordData struct {
	UserName string
	Min      int
	Next     string
}

func (p accountPages) forcedPasswordPage(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	p.c.RenderView(w, r, http.StatusOK, "password", &View{Data: passwordData{UserName: st.sess.Name, Min: signin.MinPasswordLen, Next: safeNext(r.URL.Query().Get("next"))}})
}

var errMismatch = errs.Field("password_mismatch", "confirm", "the two new passwords differ")

func (p accountPages) forcedPasswordPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	data := passwordData{UserName: st.sess.Name, Min: signin.MinPasswordLen, Next: safeNext(r.PostFormValue("next"))}
	pw := r.PostFormValue("new")
	if pw != r.PostFormValue("confirm") {
		p.c.refuse(w, r, "password", &View{Data: data}, errMismatch)
		return
	}
	res, err := p.c.auth.ChangePassword(r.Context(), st.token, "", pw, p.c.client(r))
	if err != nil {
		if p.stepGone(w, r, err) {
			return
		}
		p.c.refuse(w, r, "password", &View{Data: data}, err)
		return
	}
	p.setCookies(w, r, res)
	Redirect(w, r, stagePath(res.Stage, data.Next))
}

type enrolData struct {
	Required bool
	// Change: she has a second step and is replacing it.
	Change bool
	Action string
	QR     template.HTML
	Secret string
}

// enrolPage shows the QR code and key of a pending second factor, at the
// enrolment step of signing in (/signin/enrol) or from her account
// (/account/totp, after she typed her password and current code again).
func (p accountPages) enrolPage(w http.ResponseWriter, r *http.Request) {
	p.showEnrolment(w, r, http.StatusOK, nil)
}

func (p accountPages) showEnrolment(w http.ResponseWriter, r *http.Request, status int, refused error) {
	st := stateOf(r)
	en, err := p.c.auth.BeginTOTP(r.Context(), st.token)
	if err != nil {
		if errors.Is(err, signin.ErrReauthRequired) {
			p.showReauth(w, r, "/account/totp/reauth", "totp", nil)
			return
		}
		if p.stepGone(w, r, err) {
			return
		}
		p.c.Fail(w, r, err)
		return
	}
	qr, err := qrSVG(en.URL, st.L.T("enrol.qr_label"))
	if err != nil {
		p.c.Fail(w, r, err)
		return
	}
	v := &View{Data: enrolData{
		Required: st.sess.Stage == signin.StageEnrol, Change: st.sess.TOTPEnabled, Action: r.URL.Path, QR: qr,
		Secret: groupSecret(en.Secret),
	}}
	if refused != nil {
		p.c.refuse(w, r, "enrol", v, refused)
		return
	}
	p.c.RenderView(w, r, status, "enrol", v)
}

// groupSecret splits a base32 key into groups of four for typing.
func groupSecret(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

type recoveryData struct {
	Codes []string
	Next  string
}

func (p accountPages) enrolPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	res, codes, err := p.c.auth.ConfirmTOTP(r.Context(), st.token, r.PostFormValue("code"), p.c.client(r))
	if err != nil {
		if errors.Is(err, signin.ErrReauthRequired) {
			Redirect(w, r, "/account/totp") // the reauthentication ran out: ask again
			return
		}
		if p.stepGone(w, r, err) {
			return
		}
		p.showEnrolment(w, r, 0, err)
		return
	}
	if res.Token != "" {
		p.setCookies(w, r, res)
	}
	// Shown in this response only: no-store, and reloading re-posts a
	// form that now fails.
	p.c.RenderView(w, r, http.StatusOK, "recovery", &View{User: st.sess, Data: recoveryData{Codes: codes, Next: "/"}})
}

// reauthData is the form that asks for her password (and a current code,
// if she has a second step) before a change to her second step.
type reauthData struct {
	UserName string
	Action   string
	// Purpose is "totp" (set up or change the second step) or
	// "recovery" (new recovery codes).
	Purpose  string
	NeedCode bool
}

func (p accountPages) showReauth(w http.ResponseWriter, r *http.Request, action, purpose string, refused error) {
	st := stateOf(r)
	v := &View{Data: reauthData{UserName: st.sess.Name, Action: action, Purpose: purpose, NeedCode: st.sess.TOTPEnabled}}
	if refused != nil {
		p.c.refuse(w, r, "reauth", v, refused)
		return
	}
	p.c.RenderView(w, r, http.StatusOK, "reauth", v)
}

// reauthenticate checks the reauthentication form's password and code.
func (p accountPages) reauthenticate(r *http.Request) error {
	return p.c.auth.Reauthenticate(r.Context(), stateOf(r).token, r.PostFormValue("current"), r.PostFormValue("code"), p.c.client(r))
}

// totpReauthPost checks her password (and code) before the second step
// can be set up or changed, then shows the QR code.
func (p accountPages) totpReauthPost(w http.ResponseWriter, r *http.Request) {
	if err := p.reauthenticate(r); err != nil {
		p.showReauth(w, r, "/account/totp/reauth", "totp", err)
		return
	}
	Redirect(w, r, "/account/totp")
}

func (p accountPages) renewCodesPage(w http.ResponseWriter, r *http.Request) {
	if !stateOf(r).sess.TOTPEnabled {
		Redirect(w, r, "/account")
		return
	}
	p.showReauth(w, r, "/account/recovery-codes", "recovery", nil)
}

// renewCodesPost makes new recovery codes once her password and a
// current code are checked again, in the same form.
func (p accountPages) renewCodesPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if !st.sess.TOTPEnabled {
		Redirect(w, r, "/account")
		return
	}
	if err := p.reauthenticate(r); err != nil {
		p.showReauth(w, r, "/account/recovery-codes", "recovery", err)
		return
	}
	codes, err := p.c.auth.RenewRecoveryCodes(r.Context(), st.token, p.c.client(r))
	if err != nil {
		p.c.Fail(w, r, err)
		return
	}
	p.c.RenderView(w, r, http.StatusOK, "recovery", &View{Data: recoveryData{Codes: codes, Next: "/account"}})
}

type homeData struct {
	RecoveryLeft int
}

func (p accountPages) home(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	d := homeData{RecoveryLeft: -1}
	if st.sess.TOTPEnabled {
		n, err := p.c.auth.RecoveryCodesLeft(r.Context(), st.sess.UserID)
		if err != nil {
			p.c.Fail(w, r, err)
			return
		}
		d.RecoveryLeft = n
	}
	p.c.RenderView(w, r, http.StatusOK, "home", &View{Flash: flash(st.L, r), Data: d})
}

type langOption struct {
	Tag, Name string
	Selected  bool
}

type accountData struct {
	UserName     string
	Languages    []langOption
	Zone         string
	DefaultZone  string
	Zones        []string
	Min          int
	RecoveryLeft int
}

// ZoneSuggestions are offered in the time-zone fields (any IANA name is
// accepted).
var ZoneSuggestions = []string{
	"Europe/Madrid", "Europe/Lisbon", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Brussels",
	"Europe/Amsterdam", "Europe/Berlin", "Europe/Rome", "Europe/Vienna", "Europe/Warsaw", "Europe/Bucharest",
	"Europe/Sofia", "Europe/Athens", "Europe/Kyiv", "Europe/Istanbul", "Atlantic/Canary", "Africa/Lagos",
	"America/Mexico_City", "America/Bogota", "America/Sao_Paulo", "UTC",
}

func (p accountPages) account(w http.ResponseWriter, r *http.Request) {
	p.showAccount(w, r, http.StatusOK, nil)
}

func (p accountPages) showAccount(w http.ResponseWriter, r *http.Request, status int, refused error) {
	st := stateOf(r)
	d := accountData{UserName: st.sess.Name, Zone: st.sess.TimeZone, DefaultZone: p.c.zone.String(), Zones: ZoneSuggestions, Min: signin.MinPasswordLen, RecoveryLeft: -1}
	for _, tag := range p.c.cat.Languages() {
		d.Languages = append(d.Languages, langOption{Tag: tag.String(), Name: LanguageName(tag), Selected: tag.String() == st.sess.Language})
	}
	if st.sess.TOTPEnabled {
		n, err := p.c.auth.RecoveryCodesLeft(r.Context(), st.sess.UserID)
		if err != nil {
			p.c.Fail(w, r, err)
			return
		}
		d.RecoveryLeft = n
	}
	v := &View{Flash: flash(st.L, r), Data: d}
	if refused != nil {
		p.c.refuse(w, r, "account", v, refused)
		return
	}
	p.c.RenderView(w, r, status, "account", v)
}

func (p accountPages) preferencesPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	lang, zone := r.PostFormValue("language"), strings.TrimSpace(r.PostFormValue("time_zone"))
	if lang != "" && !p.c.cat.Has(lang) {
		p.showAccount(w, r, 0, errs.Field("invalid_language", "language", "not a console language"))
		return
	}
	if lang != "" {
		lang = language.Make(lang).String()
	}
	if err := p.c.auth.SetPreferences(r.Context(), st.token, lang, zone); err != nil {
		p.showAccount(w, r, 0, err)
		return
	}
	Redirect(w, r, "/account?m=preferences_saved")
}

func (p accountPages) passwordPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	pw := r.PostFormValue("new")
	if pw != r.PostFormValue("confirm") {
		p.showAccount(w, r, 0, errMismatch)
		return
	}
	res, err := p.c.auth.ChangePassword(r.Context(), st.token, r.PostFormValue("current"), pw, p.c.client(r))
	if err != nil {
		p.showAccount(w, r, 0, err)
		return
	}
	p.setCookies(w, r, res)
	Redirect(w, r, "/account?m=password_changed")
}
