package gateway_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// The console's participant pages, through the gateway's handler on a
// real database: the access rule and the audit log are the API's.

// herNumber is maria()'s phone, in the ways it could leak into a page.
var herNumber = []string{"+34612345678", "612345678", "612 345 678"}

func noNumber(t *testing.T, what string, p webPage) {
	t.Helper()
	for _, n := range herNumber {
		if strings.Contains(html.UnescapeString(p.Body), n) {
			t.Errorf("%s: the page shows her full number", what)
		}
	}
}

// A participant whose caseworker is the supervisor: staff-user is "other
// staff" for her.
func supervisorsParticipant(e *gatewaytest.Env) string {
	e.T.Helper()
	body := gatewaytest.Maria()
	body["phone"] = "+34 622 111 222"
	r := e.Do(auth.RoleSupervisor, "POST", "/v1/participants", body)
	if r.Status != http.StatusCreated {
		e.T.Fatalf("create: %d %s", r.Status, r.Body)
	}
	return r.JSON(e.T)["code"].(string)
}

func TestConsoleParticipantsListAndPage(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	mine := e.CreateParticipant(gatewaytest.Maria())
	theirs := supervisorsParticipant(e)
	staff := signInAs(t, e, svc, auth.RoleStaff)

	list := staff.get("/participants")
	if list.Status != http.StatusOK || !strings.Contains(list.Body, `href="/participants/`+mine+`"`) || !strings.Contains(list.Body, theirs) {
		t.Fatalf("list: %d %s", list.Status, list.Body)
	}
	if !strings.Contains(list.Body, "staff-user") || !strings.Contains(list.Body, "supervisor-user") || !strings.Contains(list.Body, "Not yours") {
		t.Error("the list does not show each caseworker, or the limited view of another's participant")
	}
	noNumber(t, "list", list)

	for q, want := range map[string][]string{"M.R.": {mine, theirs}, strings.ToLower(mine): {mine}} {
		p := staff.get("/participants?q=" + url.QueryEscape(q))
		for _, code := range want {
			if p.Status != http.StatusOK || !strings.Contains(p.Body, code) {
				t.Errorf("search %q: %d, %s missing", q, p.Status, code)
			}
		}
		if len(want) == 1 && strings.Contains(p.Body, theirs) {
			t.Errorf("search %q shows another participant", q)
		}
	}
	// A number is no search, and is not shown back.
	p := staff.get("/participants?q=612345678")
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "participant code") {
		t.Errorf("search by number: %d", p.Status)
	}
	noNumber(t, "search by number", p)

	page := staff.get("/participants/" + mine)
	if page.Status != http.StatusOK {
		t.Fatalf("her page: %d %s", page.Status, page.Body)
	}
	for _, want := range []string{
		`class="banner-monitored"`, "+34•••••5678", "mon-fri 10:00-12:00",
		`href="/participants/` + mine + `/compose"`, `href="/participants/` + mine + `/messages"`,
		// The env's clock: Tue 2 Jun 2026 10:30 UTC, 12:30 in Madrid,
		// after her Tuesday window; the reader's zone is UTC.
		"not safe (now)", "(10:00 yours)",
		"SMS: not allowed, she has not given consent for it.",
		`action="/participants/` + mine + `/reveal"`, `action="/participants/` + mine + `/consents"`,
	} {
		if !strings.Contains(html.UnescapeString(page.Body), want) {
			t.Errorf("her page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "<title>"+mine) || !strings.Contains(page.Body, "<title>Participant "+mine) {
		t.Error("title")
	}
	noNumber(t, "her page", page)

	// Another's participant: the limited view, with the stop form only.
	other := staff.get("/participants/" + theirs)
	if other.Status != http.StatusOK || !strings.Contains(other.Body, "not on your caseload") {
		t.Fatalf("another's participant: %d %s", other.Status, other.Body)
	}
	for _, leak := range []string{"+34•", "mon-fri", "/reveal", `/consents"`, "banner-monitored", "Consent history"} {
		if strings.Contains(html.UnescapeString(other.Body), leak) {
			t.Errorf("the limited view shows %q", leak)
		}
	}
	if !strings.Contains(other.Body, `/consents/revoke"`) {
		t.Error("the limited view has no stop form")
	}
	// Her supervisor sees her whole page.
	sup := signInAs(t, e, svc, auth.RoleSupervisor).get("/participants/" + theirs)
	if sup.Status != http.StatusOK || !strings.Contains(html.UnescapeString(sup.Body), "+34•••••1222") {
		t.Errorf("supervisor: %d", sup.Status)
	}
	if p := staff.get("/participants/P-00000"); p.Status != http.StatusNotFound {
		t.Errorf("unknown code: %d", p.Status)
	}

	// Without a session: the sign-in page, the search left behind.
	anon := &webUser{t: t, e: e, cookie: &http.Cookie{Name: "other", Value: "x"}}
	if p := anon.get("/participants?q=M.R."); p.Status != http.StatusSeeOther || strings.Contains(p.Header.Get("Location"), "M.R") {
		t.Errorf("signed out: %d %s", p.Status, p.Header.Get("Location"))
	}
}

func TestConsoleParticipantCreate(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	staff := signInAs(t, e, svc, auth.RoleStaff)
	form := func(mod func(url.Values)) url.Values {
		f := url.Values{
			"initials": {"A.B."}, "phone": {"+34 612 345 678"}, "language": {"ro"}, "time_zone": {"Europe/Bucharest"},
			"safe_windows": {"mon-fri 10:00-12:00\r\nsat 18:00-20:00\r\n"}, "monitored": {"on"},
			"channel_preference": {"whatsapp", "", "sms"},
		}
		if mod != nil {
			mod(f)
		}
		return f
	}
	if p := staff.get("/participants/new"); p.Status != http.StatusOK || !strings.Contains(p.Body, "Initials only") || !strings.Contains(p.Body, "no name is stored") {
		t.Fatalf("form: %d", p.Status)
	}
	for name, c := range map[string]struct {
		mod   func(url.Values)
		field string
		words string
	}{
		"a name field":   {func(f url.Values) { f.Set("name", "Maria Rodriguez") }, "initials", "Real names are never stored"},
		"a name typed":   {func(f url.Values) { f.Set("initials", "Maria") }, "initials", "Initials are 1 to 4 letters"},
		"a bad number":   {func(f url.Values) { f.Set("phone", "+34 612 345") }, "phone", "not a valid phone number"},
		"no number":      {func(f url.Values) { f.Del("phone") }, "phone", "This field is required"},
		"a bad zone":     {func(f url.Values) { f.Set("time_zone", "Madrid") }, "zone", "time zone such as"},
		"a bad window":   {func(f url.Values) { f.Set("safe_windows", "weekdays mornings") }, "windows", "A safe time is not valid"},
		"a bad language": {func(f url.Values) { f.Set("language", "spanish!") }, "language", "language code"},
		"a bad channel":  {func(f url.Values) { f["channel_preference"] = []string{"pigeon"} }, "pref", "Choose SMS"},
		"an extra field": {func(f url.Values) { f.Set("notes", "x") }, "", "does not take"},
	} {
		p := staff.post("/participants", form(c.mod))
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, c.words) || !strings.Contains(p.Body, `role="alert"`) {
			t.Errorf("%s: %d, want 422 with %q", name, p.Status, c.words)
			continue
		}
		if c.field != "" && !strings.Contains(p.Body, `id="`+c.field+`-error"`) {
			t.Errorf("%s: the error is not beside the field", name)
		}
		noNumber(t, name, p)
		if strings.Contains(p.Body, "Maria Rodriguez") {
			t.Errorf("%s: the name is shown back", name)
		}
	}
	p := staff.post("/participants", form(nil))
	loc := p.Header.Get("Location")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/participants/P-") {
		t.Fatalf("create: %d %s", p.Status, p.Body)
	}
	code := strings.TrimSuffix(strings.TrimPrefix(loc, "/participants/"), "?m=created")
	m := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code, nil).JSON(t)
	if m["initials"] != "AB" || m["caseworker"] != "staff-user" || m["monitored"] != true || m["time_zone"] != "Europe/Bucharest" ||
		len(m["safe_windows"].([]any)) != 2 || len(m["channel_preference"].([]any)) != 2 || m["channel_preference"].([]any)[0] != "whatsapp" {
		t.Errorf("created: %v", m)
	}
	page := staff.get(loc)
	if !strings.Contains(page.Body, "She is registered") {
		t.Error("no confirmation")
	}
	noNumber(t, "her new page", page)
	if _, _, actor := e.LastAudit("participant.created"); actor != "staff-user" {
		t.Errorf("audited as %q", actor)
	}
}

func TestConsoleParticipantConsent(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	theirs := supervisorsParticipant(e)
	staff := signInAs(t, e, svc, auth.RoleStaff)
	consents := func(c string) map[string]any {
		t.Helper()
		r := e.Do(auth.RoleSupervisor, "GET", "/v1/participants/"+c+"/consents", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("consents: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)
	}
	state := func(c, ch string) string {
		return consents(c)["channels"].(map[string]any)[ch].(map[string]any)["state"].(string)
	}

	// Refused in words beside the field, nothing recorded.
	p := staff.post("/participants/"+code+"/consents", url.Values{"channel": {"sms"}, "notice_language": {"es"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="grant-evidence-error"`) || !strings.Contains(p.Body, "Say where her consent is recorded") {
		t.Errorf("no evidence: %d", p.Status)
	}
	p = staff.post("/participants/"+code+"/consents", url.Values{"channel": {"sms"}, "evidence": {"form 12"}, "notice_language": {"es"}, "allow_voicemail": {"on"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Voicemail applies only") {
		t.Errorf("voicemail on sms: %d", p.Status)
	}
	if s := state(code, "sms"); s != "none" {
		t.Fatalf("a refused grant recorded %s", s)
	}

	p = staff.post("/participants/"+code+"/consents", url.Values{"channel": {"sms"}, "evidence": {"signed form 2026-06-02"}, "notice_language": {"es"}, "expires_at": {"2026-12-31"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("grant: %d %s", p.Status, p.Body)
	}
	c := consents(code)
	sms := c["channels"].(map[string]any)["sms"].(map[string]any)
	if sms["state"] != "granted" || sms["expires_at"] != "2026-12-31T23:00:00Z" { // the end of 31 Dec in Madrid
		t.Errorf("after the grant: %v", sms)
	}
	if h := c["history"].([]any); len(h) != 1 || h[0].(map[string]any)["evidence"] != "signed form 2026-06-02" || h[0].(map[string]any)["actor"] != "staff-user" {
		t.Errorf("history: %v", h)
	}
	page := staff.get(strings.TrimSuffix(p.Header.Get("Location"), "#consent"))
	for _, want := range []string{"Her consent is recorded.", "signed form 2026-06-02", "SMS: allowed, discreet wording, next safe time Wed 10:00 her time (08:00 yours)."} {
		if !strings.Contains(html.UnescapeString(page.Body), want) {
			t.Errorf("her page after the grant lacks %q", want)
		}
	}

	// Revoking needs a reason without a number.
	for reason, words := range map[string]string{"": "Say why", "call +34 612 345 678": "leave out any number"} {
		p = staff.post("/participants/"+code+"/consents/revoke", url.Values{"channel": {"sms"}, "reason": {reason}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, words) || !strings.Contains(p.Body, `id="revoke-error"`) {
			t.Errorf("revoke with %q: %d", reason, p.Status)
		}
		noNumber(t, "revoke refused", p)
	}
	p = staff.post("/participants/"+code+"/consents/revoke", url.Values{"channel": {"sms"}, "reason": {"she asked by phone"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", p.Status, p.Body)
	}
	if s := state(code, "sms"); s != "revoked" {
		t.Errorf("after the revocation: %s", s)
	}
	if page := staff.get(strings.TrimSuffix(p.Header.Get("Location"), "#consent")); !strings.Contains(page.Body, "SMS: not allowed, she withdrew her consent.") || !strings.Contains(page.Body, "reason: she asked by phone") {
		t.Error("her page after the revocation")
	}

	// Another's participant: no grant, but she can stop contact.
	e.Do(auth.RoleSupervisor, "POST", "/v1/participants/"+theirs+"/consents", map[string]any{"channel": "voice", "evidence": "form 7", "notice_language": "es"})
	p = staff.post("/participants/"+theirs+"/consents", url.Values{"channel": {"sms"}, "evidence": {"form 9"}, "notice_language": {"es"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Only her caseworker or a supervisor") || state(theirs, "sms") != "none" {
		t.Errorf("grant on another's participant: %d", p.Status)
	}
	p = staff.post("/participants/"+theirs+"/consents/revoke", url.Values{"channel": {"voice"}, "reason": {"she phoned the front desk"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Contact by Voice call is now: withdrawn.") || strings.Contains(p.Body, "form 7") {
		t.Errorf("revoke on another's participant: %d %s", p.Status, p.Body)
	}
	if s := state(theirs, "voice"); s != "revoked" {
		t.Errorf("another's participant after the revocation: %s", s)
	}
}

func TestConsoleParticipantReveal(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	theirs := supervisorsParticipant(e)
	staff := signInAs(t, e, svc, auth.RoleStaff)

	p := staff.post("/participants/"+code+"/reveal", url.Values{"reason": {""}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="reveal-error"`) || !strings.Contains(p.Body, "Say why") {
		t.Errorf("no reason: %d", p.Status)
	}
	noNumber(t, "reveal without a reason", p)
	for _, a := range e.AuditActions() {
		if a == "phone.revealed" {
			t.Fatal("a reveal without a reason was recorded as shown")
		}
	}

	p = staff.post("/participants/"+code+"/reveal", url.Values{"reason": {"to arrange the court date by phone"}})
	if p.Status != http.StatusOK || !strings.Contains(html.UnescapeString(p.Body), "+34612345678") || p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("reveal: %d %s", p.Status, p.Header.Get("Cache-Control"))
	}
	if i, j := strings.Index(p.Body, "<title>"), strings.Index(p.Body, "</title>"); strings.Contains(p.Body[i:j], "612") {
		t.Error("the number is in the title")
	}
	who, details, actor := e.LastAudit("phone.revealed")
	if who != code || actor != "staff-user" || details["reason"] != "to arrange the court date by phone" {
		t.Errorf("audit: %s %s %v", who, actor, details)
	}

	// Not hers: refused, recorded, nothing shown.
	p = staff.post("/participants/"+theirs+"/reveal", url.Values{"reason": {"to arrange the court date by phone"}})
	if p.Status != http.StatusForbidden || strings.Contains(p.Body, "622111222") || strings.Contains(html.UnescapeString(p.Body), "+34•") {
		t.Errorf("reveal another's: %d", p.Status)
	}
	if who, _, _ := e.LastAudit("phone.reveal_refused"); who != theirs {
		t.Errorf("refusal audited for %q", who)
	}
}

// Her page in the reader's language and zone: an hour only partly inside
// her window says so, "now" is marked, the reader's own clock is beside
// hers, and the decision is in words.
func TestConsoleParticipantWeekInReadersLanguage(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	body := gatewaytest.Maria()
	body["safe_windows"] = []string{"tue 12:30-14:00"} // 12:30 in Madrid is the env's now
	code := e.CreateParticipant(body)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", map[string]any{"channel": "sms", "evidence": "form 3", "notice_language": "es"}); r.Status != http.StatusCreated {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	staff := signInAs(t, e, svc, auth.RoleStaff)
	if err := svc.SetPreferences(context.Background(), staff.cookie.Value, "es", "America/Bogota"); err != nil {
		t.Fatal(err)
	}
	page := staff.get("/participants/" + code)
	text := html.UnescapeString(page.Body)
	for _, want := range []string{
		"<h1>Participante " + code + " (MR)</h1>", "Su teléfono puede estar vigilado.",
		"en parte (ahora)", "(05:00 tu hora)", "<td class=\"safe\">segura</td>",
		"SMS: permitido, redacción discreta, ahora (dentro de un horario seguro).",
		"WhatsApp: no permitido, no ha dado su consentimiento para este canal.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("her page lacks %q", want)
		}
	}
	noNumber(t, "her page in Spanish", page)
}

// Her caseworker marks her phone as possibly monitored from her page (and
// back), as the API's PATCH does: audited, refused for other staff.
func TestConsoleParticipantMonitored(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	body := gatewaytest.Maria()
	body["monitored"] = false
	code := e.CreateParticipant(body)
	theirs := supervisorsParticipant(e)
	staff := signInAs(t, e, svc, auth.RoleStaff)

	page := staff.get("/participants/" + code)
	if !strings.Contains(page.Body, `href="/participants/`+code+`/checkins"`) || strings.Contains(page.Body, "/contact-log") {
		t.Error("her page to her caseworker: no link to her check-in plan, or one to the supervisors' contact log")
	}
	if sup := signInAs(t, e, svc, auth.RoleSupervisor).get("/participants/" + code); !strings.Contains(sup.Body, `href="/participants/`+code+`/contact-log"`) {
		t.Error("her page to a supervisor: no link to her contact log")
	}
	if !strings.Contains(page.Body, `action="/participants/`+code+`/monitored"`) || strings.Contains(page.Body, "banner-monitored") {
		t.Fatalf("her page has no monitored form, or says monitored: %d", page.Status)
	}
	p := staff.post("/participants/"+code+"/monitored", url.Values{"monitored": {"on"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/participants/"+code+"?m=saved#profile" {
		t.Fatalf("mark: %d %q", p.Status, p.Header.Get("Location"))
	}
	page = staff.get("/participants/" + code + "?m=saved")
	if !strings.Contains(page.Body, "banner-monitored") || !strings.Contains(page.Body, "Her profile is saved.") || !strings.Contains(page.Body, "Mark her phone as not monitored") {
		t.Errorf("after marking: the page does not say monitored")
	}
	who, details, actor := e.LastAudit("participant.updated")
	if who != code || actor != "staff-user" || details["monitored"] != true {
		t.Errorf("audit: %s %s %v", who, actor, details)
	}

	if p := staff.post("/participants/"+code+"/monitored", url.Values{"monitored": {"maybe"}}); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "field-error") {
		t.Errorf("a bad value: %d", p.Status)
	}
	if p := staff.post("/participants/"+code+"/monitored", url.Values{"monitored": {"off"}}); p.Status != http.StatusSeeOther {
		t.Errorf("unmark: %d", p.Status)
	}
	if p := staff.post("/participants/"+theirs+"/monitored", url.Values{"monitored": {"on"}}); p.Status != http.StatusForbidden {
		t.Errorf("another's participant: %d", p.Status)
	}
	// Writing to another's participant is refused for her, not for the
	// reader's role.
	if p := staff.get("/participants/" + theirs + "/compose"); p.Status != http.StatusForbidden || strings.Contains(p.Body, "does not give access to this page") || !strings.Contains(p.Body, "caseworker or a supervisor") {
		t.Errorf("compose to another's participant: %d", p.Status)
	}
}
