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

// routes is the console's route table: the sign-in steps, the account
// pages, static files and the fallbacks. Task pages join through Page.
func (c *Console) routes() {
	c.mux.HandleFunc("GET /static/{hash}/{name...}", c.static)

	c.public("GET /signin", c.signinPage)
	c.public("POST /signin", c.signinPost)
	c.public("POST /signout", c.signoutPost)
	c.step("GET /signin/code", signin.StageSecondFactor, c.codePage)
	c.step("POST /signin/code", signin.StageSecondFactor, c.codePost)
	c.step("GET /signin/password", signin.StageChangePassword, c.forcedPasswordPage)
	c.step("POST /signin/password", signin.StageChangePassword, c.forcedPasswordPost)
	c.step("GET /signin/enrol", signin.StageEnrol, c.enrolPage)
	c.step("POST /signin/enrol", signin.StageEnrol, c.enrolPost)

	c.Page("GET /{$}", "staff", c.home)
	c.Page("GET /account", "staff", c.account)
	c.Page("POST /account/preferences", "staff", c.preferencesPost)
	c.Page("POST /account/password", "staff", c.passwordPost)
	c.Page("GET /account/totp", "staff", c.enrolPage)
	c.Page("POST /account/totp", "staff", c.enrolPost)
	c.Page("POST /account/totp/reauth", "staff", c.totpReauthPost)
	c.Page("GET /account/recovery-codes", "staff", c.renewCodesPage)
	c.Page("POST /account/recovery-codes", "staff", c.renewCodesPost)
	if c.oncall != nil {
		c.onCallRoutes()
	}

	if c.safety != nil {
		c.safetyRoutes()
	}
	if c.parts != nil {
		c.participantRoutes()
	}
	if c.oversight != nil {
		c.supervisorRoutes()
		c.adminRoutes()
	}

	if c.messages != nil {
		c.messageRoutes()
	}
	if c.referrals != nil {
		c.referralRoutes()
	}

	// Anything else: the 404 page for staff, the sign-in page for others.
	c.Page("/", "staff", c.notFound)
}

// signinData is the sign-in form's. The name typed is never shown back
// after a failure: people type their password into the name field, and
// on a shared laptop the next person would read it.
type signinData struct {
	Next string
}

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	next := safeNext(r.URL.Query().Get("next"))
	if st.sess != nil {
		redirect(w, r, stagePath(st.sess.Stage, next))
		return
	}
	c.render(w, r, http.StatusOK, "signin", &View{Flash: flash(st.L, r), Data: signinData{Next: next}})
}

// setCookies sends the cookies of a sign-in step's result: the session's,
// and the device's when the sign-in completed.
func (c *Console) setCookies(w http.ResponseWriter, r *http.Request, res signin.Result) {
	c.cookies.Set(w, r, res.Token)
	c.cookies.SetDevice(w, r, res)
}

func (c *Console) signinPost(w http.ResponseWriter, r *http.Request) {
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	res, err := c.auth.SignIn(r.Context(), name, password, c.client(r))
	if err != nil {
		if errors.Is(err, signin.ErrNoAddress) {
			c.log.ErrorContext(r.Context(), "console: sign-in refused: the request has no client address (check the listener and trusted proxies)")
		}
		c.refuse(w, r, "signin", &View{Data: signinData{Next: next}}, err)
		return
	}
	if old := stateOf(r); old.sess != nil {
		// A second sign-in on this browser replaces the first session.
		c.auth.SignOut(r.Context(), old.token, c.client(r))
	}
	c.setCookies(w, r, res)
	redirect(w, r, stagePath(res.Stage, next))
}

func (c *Console) signoutPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if st.token != "" {
		if err := c.auth.SignOut(r.Context(), st.token, c.client(r)); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.cookies.Clear(w, r)
	redirect(w, r, "/signin?m=signed_out")
}

type codeData struct{ Next string }

func (c *Console) codePage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "code", &View{Data: codeData{Next: safeNext(r.URL.Query().Get("next"))}})
}

func (c *Console) codePost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	next := safeNext(r.PostFormValue("next"))
	res, err := c.auth.SecondFactor(r.Context(), st.token, r.PostFormValue("code"), c.client(r))
	if err != nil {
		if c.stepGone(w, r, err) {
			return
		}
		c.refuse(w, r, "code", &View{Data: codeData{Next: next}}, err)
		return
	}
	c.setCookies(w, r, res)
	redirect(w, r, stagePath(res.Stage, next))
}

// stepGone handles a sign-in step whose session ended or moved on
// meanwhile (another tab, the stage timeout): back to the start.
func (c *Console) stepGone(w http.ResponseWriter, r *http.Request, err error) bool {
	if errors.Is(err, signin.ErrNoSession) || errors.Is(err, signin.ErrWrongStage) {
		c.cookies.Clear(w, r)
		redirect(w, r, "/signin?m=ended")
		return true
	}
	return false
}

type passwordData struct {
	UserName string
	Min      int
	Next     string
}

func (c *Console) forcedPasswordPage(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	c.render(w, r, http.StatusOK, "password", &View{Data: passwordData{UserName: st.sess.Name, Min: signin.MinPasswordLen, Next: safeNext(r.URL.Query().Get("next"))}})
}

var errMismatch = errs.Field("password_mismatch", "confirm", "the two new passwords differ")

func (c *Console) forcedPasswordPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	data := passwordData{UserName: st.sess.Name, Min: signin.MinPasswordLen, Next: safeNext(r.PostFormValue("next"))}
	pw := r.PostFormValue("new")
	if pw != r.PostFormValue("confirm") {
		c.refuse(w, r, "password", &View{Data: data}, errMismatch)
		return
	}
	res, err := c.auth.ChangePassword(r.Context(), st.token, "", pw, c.client(r))
	if err != nil {
		if c.stepGone(w, r, err) {
			return
		}
		c.refuse(w, r, "password", &View{Data: data}, err)
		return
	}
	c.setCookies(w, r, res)
	redirect(w, r, stagePath(res.Stage, data.Next))
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
func (c *Console) enrolPage(w http.ResponseWriter, r *http.Request) {
	c.showEnrolment(w, r, http.StatusOK, nil)
}

func (c *Console) showEnrolment(w http.ResponseWriter, r *http.Request, status int, refused error) {
	st := stateOf(r)
	en, err := c.auth.BeginTOTP(r.Context(), st.token)
	if err != nil {
		if errors.Is(err, signin.ErrReauthRequired) {
			c.showReauth(w, r, "/account/totp/reauth", "totp", nil)
			return
		}
		if c.stepGone(w, r, err) {
			return
		}
		c.fail(w, r, err)
		return
	}
	qr, err := qrSVG(en.URL, st.L.T("enrol.qr_label"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v := &View{Data: enrolData{
		Required: st.sess.Stage == signin.StageEnrol, Change: st.sess.TOTPEnabled, Action: r.URL.Path, QR: qr,
		Secret: groupSecret(en.Secret),
	}}
	if refused != nil {
		c.refuse(w, r, "enrol", v, refused)
		return
	}
	c.render(w, r, status, "enrol", v)
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

func (c *Console) enrolPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	res, codes, err := c.auth.ConfirmTOTP(r.Context(), st.token, r.PostFormValue("code"), c.client(r))
	if err != nil {
		if errors.Is(err, signin.ErrReauthRequired) {
			redirect(w, r, "/account/totp") // the reauthentication ran out: ask again
			return
		}
		if c.stepGone(w, r, err) {
			return
		}
		c.showEnrolment(w, r, 0, err)
		return
	}
	if res.Token != "" {
		c.setCookies(w, r, res)
	}
	// Shown in this response only: no-store, and reloading re-posts a
	// form that now fails.
	c.render(w, r, http.StatusOK, "recovery", &View{User: st.sess, Data: recoveryData{Codes: codes, Next: "/"}})
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

func (c *Console) showReauth(w http.ResponseWriter, r *http.Request, action, purpose string, refused error) {
	st := stateOf(r)
	v := &View{Data: reauthData{UserName: st.sess.Name, Action: action, Purpose: purpose, NeedCode: st.sess.TOTPEnabled}}
	if refused != nil {
		c.refuse(w, r, "reauth", v, refused)
		return
	}
	c.render(w, r, http.StatusOK, "reauth", v)
}

// reauthenticate checks the reauthentication form's password and code.
func (c *Console) reauthenticate(r *http.Request) error {
	return c.auth.Reauthenticate(r.Context(), stateOf(r).token, r.PostFormValue("current"), r.PostFormValue("code"), c.client(r))
}

// totpReauthPost checks her password (and code) before the second step
// can be set up or changed, then shows the QR code.
func (c *Console) totpReauthPost(w http.ResponseWriter, r *http.Request) {
	if err := c.reauthenticate(r); err != nil {
		c.showReauth(w, r, "/account/totp/reauth", "totp", err)
		return
	}
	redirect(w, r, "/account/totp")
}

func (c *Console) renewCodesPage(w http.ResponseWriter, r *http.Request) {
	if !stateOf(r).sess.TOTPEnabled {
		redirect(w, r, "/account")
		return
	}
	c.showReauth(w, r, "/account/recovery-codes", "recovery", nil)
}

// renewCodesPost makes new recovery codes once her password and a
// current code are checked again, in the same form.
func (c *Console) renewCodesPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if !st.sess.TOTPEnabled {
		redirect(w, r, "/account")
		return
	}
	if err := c.reauthenticate(r); err != nil {
		c.showReauth(w, r, "/account/recovery-codes", "recovery", err)
		return
	}
	codes, err := c.auth.RenewRecoveryCodes(r.Context(), st.token, c.client(r))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "recovery", &View{Data: recoveryData{Codes: codes, Next: "/account"}})
}

type homeData struct {
	RecoveryLeft int
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	d := homeData{RecoveryLeft: -1}
	if st.sess.TOTPEnabled {
		n, err := c.auth.RecoveryCodesLeft(r.Context(), st.sess.UserID)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		d.RecoveryLeft = n
	}
	c.render(w, r, http.StatusOK, "home", &View{Flash: flash(st.L, r), Data: d})
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

// zoneSuggestions are offered in the time-zone field (any IANA name is
// accepted).
var zoneSuggestions = []string{
	"Europe/Madrid", "Europe/Lisbon", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Brussels",
	"Europe/Amsterdam", "Europe/Berlin", "Europe/Rome", "Europe/Vienna", "Europe/Warsaw", "Europe/Bucharest",
	"Europe/Sofia", "Europe/Athens", "Europe/Kyiv", "Europe/Istanbul", "Atlantic/Canary", "Africa/Lagos",
	"America/Mexico_City", "America/Bogota", "America/Sao_Paulo", "UTC",
}

func (c *Console) account(w http.ResponseWriter, r *http.Request) {
	c.showAccount(w, r, http.StatusOK, nil)
}

func (c *Console) showAccount(w http.ResponseWriter, r *http.Request, status int, refused error) {
	st := stateOf(r)
	d := accountData{UserName: st.sess.Name, Zone: st.sess.TimeZone, DefaultZone: c.zone.String(), Zones: zoneSuggestions, Min: signin.MinPasswordLen, RecoveryLeft: -1}
	for _, tag := range c.cat.Languages() {
		d.Languages = append(d.Languages, langOption{Tag: tag.String(), Name: LanguageName(tag), Selected: tag.String() == st.sess.Language})
	}
	if st.sess.TOTPEnabled {
		n, err := c.auth.RecoveryCodesLeft(r.Context(), st.sess.UserID)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		d.RecoveryLeft = n
	}
	v := &View{Flash: flash(st.L, r), Data: d}
	if refused != nil {
		c.refuse(w, r, "account", v, refused)
		return
	}
	c.render(w, r, status, "account", v)
}

func (c *Console) preferencesPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	lang, zone := r.PostFormValue("language"), strings.TrimSpace(r.PostFormValue("time_zone"))
	if lang != "" && !c.cat.Has(lang) {
		c.showAccount(w, r, 0, errs.Field("invalid_language", "language", "not a console language"))
		return
	}
	if lang != "" {
		lang = language.Make(lang).String()
	}
	if err := c.auth.SetPreferences(r.Context(), st.token, lang, zone); err != nil {
		c.showAccount(w, r, 0, err)
		return
	}
	redirect(w, r, "/account?m=preferences_saved")
}

func (c *Console) passwordPost(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	pw := r.PostFormValue("new")
	if pw != r.PostFormValue("confirm") {
		c.showAccount(w, r, 0, errMismatch)
		return
	}
	res, err := c.auth.ChangePassword(r.Context(), st.token, r.PostFormValue("current"), pw, c.client(r))
	if err != nil {
		c.showAccount(w, r, 0, err)
		return
	}
	c.setCookies(w, r, res)
	redirect(w, r, "/account?m=password_changed")
}
