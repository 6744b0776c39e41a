package gateway_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/gatewaytest"
)

// The Compose and Messages pages, through the gateway's handler on a real
// database: what they show, what they send (checked through the API),
// and who may use them.

// withConsoleConfig is withConsole on a server with cfg.
func withConsoleConfig(t *testing.T, cfg gateway.Config) (*gatewaytest.Env, *signin.Service) {
	t.Helper()
	e := gatewaytest.New(t, gatewaytest.WithConfig(cfg))
	svc, _, err := e.Server.NewConsole(gateway.ConsoleConfig{Signin: signin.Config{Params: signintest.FastParams}, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	return e, svc
}

var keyField = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// composeForm opens her compose page and returns the form's key.
func composeForm(t *testing.T, u *webUser, code string) string {
	t.Helper()
	p := u.get("/participants/" + code + "/compose")
	if p.Status != http.StatusOK {
		t.Fatalf("compose page: %d %s", p.Status, p.Body)
	}
	m := keyField.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("compose page has no idempotency key: %s", p.Body)
	}
	return m[1]
}

// messageCount is how many messages she has, through the API.
func messageCount(t *testing.T, e *gatewaytest.Env, code string) int {
	t.Helper()
	r := e.Do(auth.RoleSupervisor, "GET", "/v1/participants/"+code+"/messages", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	return len(r.JSON(t)["items"].([]any))
}

// noLeak: nothing of her number or the text is in a page's address.
func noLeak(t *testing.T, p webPage, secrets ...string) {
	t.Helper()
	loc := p.Header.Get("Location") + p.Header.Get("HX-Redirect")
	for _, s := range append(secrets, "612", "%2B34", "+34") {
		if s != "" && (strings.Contains(loc, s) || strings.Contains(loc, url.QueryEscape(s))) {
			t.Errorf("Location %q holds %q", loc, s)
		}
	}
}

// noFullPhone: no page shows her full number.
func noFullPhone(t *testing.T, p webPage, digits string) {
	t.Helper()
	flat := strings.NewReplacer(" ", "", "\u00a0", "", "-", "").Replace(p.Body)
	if strings.Contains(flat, digits) {
		t.Errorf("the page shows her full number")
	}
}

// Free text to a monitored phone (a programme that filters): the preview
// shows the discreet text her phone will show, the removed words marked
// with their category in words, the SMS parts and when it goes.
func TestConsoleComposePreviewMonitored(t *testing.T) {
	t.Parallel()
	e, svc := withConsoleConfig(t, filterPolicy())
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 005 001"
	code := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	u := signInAs(t, e, svc, auth.RoleStaff)
	key := composeForm(t, u, code)
	page := u.get("/participants/" + code + "/compose")
	if !strings.Contains(page.Body, "Her phone may be monitored") || !strings.Contains(page.Body, `href="/participants/`+code+`"`) {
		t.Fatalf("compose page does not warn: %s", page.Body)
	}
	noFullPhone(t, page, "612005001")
	text := "Hola guapa, el jueves a las 10 te acompaño a la UCRIF por la declaración."
	p := u.post("/participants/"+code+"/compose/preview", url.Values{"idempotency_key": {key}, "kind": {"text"}, "body": {text}, "channel": {"sms"}})
	if p.Status != http.StatusOK {
		t.Fatalf("preview: %d %s", p.Status, p.Body)
	}
	for _, want := range []string{"discreet wording", "<mark>declaración <span class=\"cat\">[legal]</span></mark>", "UCRIF <span class=\"cat\">[",
		`id="segments">1 SMS part`, "It goes at her next safe time", "her time", `id="send"`, key} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	shown := regexp.MustCompile(`(?s)<blockquote class="phone" lang="es" id="preview-text">(.*?)</blockquote>`).FindStringSubmatch(p.Body)
	if shown == nil || strings.Contains(shown[1], "UCRIF") || strings.Contains(shown[1], "declaración") || !strings.Contains(shown[1], "jueves a las 10") {
		t.Fatalf("her phone would show %q", shown)
	}
	noFullPhone(t, p, "612005001")
	// A text that is mostly sensitive is refused in words, with what
	// would have been removed marked; it cannot be sent.
	p2 := u.post("/participants/"+code+"/compose/preview", url.Values{"idempotency_key": {key}, "kind": {"text"}, "body": {"Cita con la psicóloga y la abogada en el juzgado"}, "channel": {"sms"}})
	if p2.Status != http.StatusUnprocessableEntity || !strings.Contains(p2.Body, "this text is mostly sensitive") || !strings.Contains(p2.Body, `<span class="cat">[health]</span></mark>`) || strings.Contains(p2.Body, `id="send"`) {
		t.Fatalf("mostly sensitive: %d %s", p2.Status, p2.Body)
	}
	// Nothing of the text in the title.
	if title := regexp.MustCompile(`<title>(.*?)</title>`).FindStringSubmatch(p.Body); title == nil || strings.Contains(title[1], "jueves") {
		t.Fatalf("title %q", title)
	}
}

// Send answers 303 to her messages page with one message; the same form
// posted again (a double click) still leaves one; no address carries her
// number or the text; the messages page shows the message without text.
func TestConsoleComposeSendOnce(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 005 002"
	b["monitored"] = false
	code := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	u := signInAs(t, e, svc, auth.RoleStaff)
	key := composeForm(t, u, code)
	text := "Hola, ¿podemos hablar mañana por la mañana?"
	form := url.Values{"idempotency_key": {key}, "kind": {"text"}, "body": {text}, "channel": {"auto"}}
	for i := 0; i < 2; i++ {
		p := u.post("/participants/"+code+"/compose/send", form)
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/participants/"+code+"/messages?m=sent" {
			t.Fatalf("send %d: %d %q %s", i, p.Status, p.Header.Get("Location"), p.Body)
		}
		noLeak(t, p, "hablar", "podemos")
		if n := messageCount(t, e, code); n != 1 {
			t.Fatalf("after send %d: %d messages", i, n)
		}
	}
	p := u.get("/participants/" + code + "/messages?m=sent")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Your message was accepted") || !strings.Contains(p.Body, "waiting for her safe time") || !strings.Contains(p.Body, "10:00 her time") ||
		!strings.Contains(p.Body, "SMS") || !strings.Contains(p.Body, "Free text") || !strings.Contains(p.Body, "deleted 7 days after") {
		t.Fatalf("messages page: %d %s", p.Status, p.Body)
	}
	if strings.Contains(p.Body, "hablar") {
		t.Fatal("the messages page shows the text")
	}
	if !strings.Contains(p.Body, `hx-trigger="every 3s"`) || !strings.Contains(p.Body, "X-Console-Refresh") {
		t.Fatal("a message on its way does not refresh the page")
	}
	noFullPhone(t, p, "612005002")
	// A new form is a new message.
	form.Set("idempotency_key", composeForm(t, u, code))
	if p := u.post("/participants/"+code+"/compose/send", form); p.Status != http.StatusSeeOther || messageCount(t, e, code) != 2 {
		t.Fatalf("second form: %d, %d messages", p.Status, messageCount(t, e, code))
	}
	// The same key with another text is refused in words, and the form
	// comes back with a new key.
	form.Set("body", "Hola, ¿qué tal?")
	p = u.post("/participants/"+code+"/compose/send", form)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "already used for another message") || strings.Contains(p.Body, form.Get("idempotency_key")) {
		t.Fatalf("reused key: %d %s", p.Status, p.Body)
	}
	if n := messageCount(t, e, code); n != 2 {
		t.Fatalf("%d messages", n)
	}
}

// A template to her: parameters typed in her time; the send goes through.
func TestConsoleComposeTemplate(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 005 003"
	code := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	u := signInAs(t, e, svc, auth.RoleStaff)
	key := composeForm(t, u, code)
	form := url.Values{"idempotency_key": {key}, "kind": {"tpl:appointment_cancelled"}, "param.appointment_cancelled.when": {"2026-06-10T10:00"}, "channel": {"sms"}}
	p := u.post("/participants/"+code+"/compose/preview", form)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "10:00") || !strings.Contains(p.Body, "discreet wording") || strings.Contains(p.Body, "<mark>") {
		t.Fatalf("template preview: %d %s", p.Status, p.Body)
	}
	if p := u.post("/participants/"+code+"/compose/send", form); p.Status != http.StatusSeeOther {
		t.Fatalf("send: %d %s", p.Status, p.Body)
	}
	r := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/messages", nil)
	items := r.JSON(t)["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["template_id"] != "appointment_cancelled" || items[0].(map[string]any)["variant"] != "discreet" {
		t.Fatalf("messages: %s", r.Body)
	}
	// A missing parameter is said in words.
	form.Set("param.appointment_cancelled.when", "")
	if p := u.post("/participants/"+code+"/compose/preview", form); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "a parameter of the template is missing: when") {
		t.Fatalf("missing parameter: %d %s", p.Status, p.Body)
	}
}

// Refusals in words: no consent (preview and send, nothing sent), and
// free text to a monitored phone under the default policy.
func TestConsoleComposeRefusals(t *testing.T) {
	t.Parallel()
	e, svc := withConsoleConfig(t, gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextRefuse}})
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 005 004"
	code := e.CreateParticipant(b)
	u := signInAs(t, e, svc, auth.RoleStaff)
	key := composeForm(t, u, code)
	// A template without consent: refused in words, at preview and send.
	form := url.Values{"idempotency_key": {key}, "kind": {"tpl:please_contact"}, "channel": {"sms"}}
	for _, path := range []string{"preview", "send"} {
		p := u.post("/participants/"+code+"/compose/"+path, form)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "she has not given consent for this channel") {
			t.Fatalf("%s without consent: %d %s", path, p.Status, p.Body)
		}
		if strings.Contains(p.Body, `id="send"`) {
			t.Fatalf("%s: a refused message can be sent", path)
		}
	}
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	page := u.get("/participants/" + code + "/compose")
	if !strings.Contains(page.Body, "sends her templates only") || !regexp.MustCompile(`id="k-text"[^>]*disabled`).MatchString(page.Body) {
		t.Fatalf("the free-text choice is not refused up front: %s", page.Body)
	}
	// Free text anyway (a stale form): refused in words.
	form = url.Values{"idempotency_key": {key}, "kind": {"text"}, "body": {"Hola, ¿qué tal?"}, "channel": {"sms"}}
	p := u.post("/participants/"+code+"/compose/preview", form)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `role="alert"`) || !strings.Contains(p.Body, "this programme sends her templates only. Choose a template.") {
		t.Fatalf("free text: %d %s", p.Status, p.Body)
	}
	if n := messageCount(t, e, code); n != 0 {
		t.Fatalf("%d messages", n)
	}
	// The refusal is audited as the API's is.
	var n int
	if err := e.DB.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'message.refused' AND participant_code = $1`, code).Scan(&n); err != nil || n != 1 {
		t.Fatalf("refusals audited: %d %v", n, err)
	}
}

// Under the default policy a monitored phone gets templates only: the
// compose form offers the everyday templates, and one previews in its
// discreet wording, her language, one SMS part.
func TestConsoleComposeEverydayTemplates(t *testing.T) {
	t.Parallel()
	e, svc := withConsoleConfig(t, gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextRefuse}})
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 005 006"
	code := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	u := signInAs(t, e, svc, auth.RoleStaff)
	key := composeForm(t, u, code)
	page := u.get("/participants/" + code + "/compose")
	for _, id := range []string{"running_late", "cannot_make_it", "meet_proposal", "message_received", "how_are_you", "call_at", "good_luck"} {
		if !strings.Contains(page.Body, `id="k-`+id+`"`) {
			t.Errorf("compose form lacks %s", id)
		}
	}
	form := url.Values{"idempotency_key": {key}, "kind": {"tpl:running_late"}, "param.running_late.minutes": {"10"}, "channel": {"sms"}}
	p := u.post("/participants/"+code+"/compose/preview", form)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "discreet wording") || !strings.Contains(p.Body, "Llego en 10 min.") ||
		!strings.Contains(p.Body, `id="segments">1 SMS part`) || !strings.Contains(p.Body, `id="send"`) {
		t.Fatalf("running_late preview: %d %s", p.Status, p.Body)
	}
}

// Another caseworker's participant: every page and form is refused, and
// nothing is sent.
func TestConsoleComposeOtherCaseload(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 005 005"
	code := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	ctx := context.Background()
	if _, err := gateway.AddUser(ctx, e.DB, auth.SystemActor("test"), "other-staff", auth.RoleStaff); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, e.DB, func(q *db.Queries, _ *sql.Tx) error {
		u, err := q.UserByName(ctx, "other-staff")
		if err != nil {
			return err
		}
		return svc.SetPassword(ctx, q, signin.Actor{Name: "test"}, u.ID, consolePassword, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.SignIn(ctx, "other-staff", consolePassword, signin.Client{IP: []byte{127, 0, 0, 1}, RequestID: "test"})
	if err != nil || res.Stage != signin.StageSignedIn {
		t.Fatalf("sign in: %v %v", res.Stage, err)
	}
	other := &webUser{t: t, e: e, cookie: &http.Cookie{Name: "sc_session", Value: res.Token}}
	for _, p := range []webPage{
		other.get("/participants/" + code + "/compose"),
		other.get("/participants/" + code + "/messages"),
		other.post("/participants/"+code+"/compose/preview", url.Values{"idempotency_key": {"k1"}, "kind": {"text"}, "body": {"Hola, ¿qué tal?"}, "channel": {"sms"}}),
		other.post("/participants/"+code+"/compose/send", url.Values{"idempotency_key": {"k1"}, "kind": {"text"}, "body": {"Hola, ¿qué tal?"}, "channel": {"sms"}}),
	} {
		if p.Status != http.StatusForbidden || strings.Contains(p.Body, "M.R.") {
			t.Errorf("other caseworker: %d", p.Status)
		}
	}
	if n := messageCount(t, e, code); n != 0 {
		t.Fatalf("%d messages", n)
	}
	// Her own caseworker's supervisor may.
	if p := signInAs(t, e, svc, auth.RoleSupervisor).get("/participants/" + code + "/messages"); p.Status != http.StatusOK {
		t.Fatalf("supervisor: %d", p.Status)
	}
	// Signed out: the sign-in page, and the path kept without a query.
	anon := &webUser{t: t, e: e, cookie: &http.Cookie{Name: "sc_other", Value: "x"}}
	if p := anon.post("/participants/"+code+"/compose/send", url.Values{"body": {"Hola"}}); p.Status != http.StatusSeeOther || strings.Contains(p.Header.Get("Location"), "Hola") {
		t.Fatalf("signed out: %d %q", p.Status, p.Header.Get("Location"))
	}
}

// A template that promises her a call, from the console: refused in words
// while she has not consented to calls or the time is past, sent once it
// holds.
func TestConsoleComposePromisedCall(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	b := gatewaytest.Maria()
	b["phone"], b["monitored"], b["any_time"], b["safe_windows"] = "+34 612 005 011", false, true, []string{}
	code := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	u := signInAs(t, e, svc, auth.RoleStaff)
	key := composeForm(t, u, code)
	// Tomorrow 10:30 her time (the clock is Tuesday 2 June, 12:30 in Madrid).
	form := url.Values{"idempotency_key": {key}, "kind": {"tpl:call_at"}, "param.call_at.when": {"2026-06-03T10:30"}, "channel": {"sms"}}
	for _, path := range []string{"preview", "send"} {
		p := u.post("/participants/"+code+"/compose/"+path, form)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "she has not consented to voice calls") || strings.Contains(p.Body, `id="send"`) {
			t.Fatalf("%s without voice consent: %d %s", path, p.Status, p.Body)
		}
	}
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("voice")); r.Status != 201 {
		t.Fatalf("grant voice: %d %s", r.Status, r.Body)
	}
	form.Set("idempotency_key", composeForm(t, u, code))
	form.Set("param.call_at.when", "2026-06-01T10:30")
	if p := u.post("/participants/"+code+"/compose/preview", form); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "the time of the promised call has already passed") {
		t.Fatalf("past: %d %s", p.Status, p.Body)
	}
	if n := messageCount(t, e, code); n != 0 {
		t.Fatalf("%d messages after refusals", n)
	}
	form.Set("param.call_at.when", "2026-06-03T10:30")
	if p := u.post("/participants/"+code+"/compose/send", form); p.Status != http.StatusSeeOther || messageCount(t, e, code) != 1 {
		t.Fatalf("send: %d %s", p.Status, p.Body)
	}
}

// Under the plain policy the compose page previews free text to a
// monitored phone exactly as typed when the scan finds nothing in it, and
// otherwise refuses it in words of its own (not the mostly-sensitive
// ones), the words to rephrase marked with their category; a refused
// text cannot be sent and nothing is queued.
func TestConsoleComposePlain(t *testing.T) {
	t.Parallel()
	e, svc := withConsoleConfig(t, plainPolicy())
	code := e.MonitoredParticipant("+34 612 005 011")
	e.MeetingPoint("Metro Sol")
	u := signInAs(t, e, svc, auth.RoleStaff)
	key := composeForm(t, u, code)
	form := func(body string) url.Values {
		return url.Values{"idempotency_key": {key}, "kind": {"text"}, "body": {body}, "channel": {"sms"}}
	}
	clean := "Hola, el jueves a las 10:30 nos vemos en Metro Sol y tomamos un café, ¿vale?"
	p := u.post("/participants/"+code+"/compose/preview", form(clean))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="send"`) || strings.Contains(p.Body, "<mark>") {
		t.Fatalf("clean preview: %d %s", p.Status, p.Body)
	}
	shown := regexp.MustCompile(`(?s)<blockquote class="phone" lang="es" id="preview-text">(.*?)</blockquote>`).FindStringSubmatch(p.Body)
	if shown == nil || shown[1] != "Hola, el jueves a las 10:30 nos vemos en Metro Sol y tomamos un café, ¿vale?" {
		t.Fatalf("her phone would show %q", shown)
	}
	sensitive := "Hola, el jueves a las 10 nos vemos en Metro Sol y luego vamos a ver a la abogada, ¿vale?"
	for _, path := range []string{"preview", "send"} {
		p := u.post("/participants/"+code+"/compose/"+path, form(sensitive))
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `role="alert"`) ||
			!strings.Contains(p.Body, "only as written, with nothing sensitive in it") || strings.Contains(p.Body, "mostly sensitive") ||
			strings.Contains(p.Body, `id="send"`) || strings.Contains(p.Body, `id="preview-text"`) {
			t.Fatalf("%s: %d %s", path, p.Status, p.Body)
		}
		if path == "preview" && !strings.Contains(p.Body, `<mark>abogada <span class="cat">[legal]</span></mark>`) {
			t.Fatalf("preview does not mark the word: %s", p.Body)
		}
		noLeak(t, p, "abogada")
	}
	if n := messageCount(t, e, code); n != 0 {
		t.Fatalf("%d messages after the refusals", n)
	}
	if n := outboxRows(t, e); n != 0 {
		t.Fatalf("%d queued after the refusals", n)
	}
	if p := u.post("/participants/"+code+"/compose/send", url.Values{"idempotency_key": {composeForm(t, u, code)}, "kind": {"text"}, "body": {clean}, "channel": {"sms"}}); p.Status != http.StatusSeeOther || messageCount(t, e, code) != 1 {
		t.Fatalf("clean send: %d %s", p.Status, p.Body)
	}
}
