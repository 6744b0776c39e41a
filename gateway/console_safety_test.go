package gateway_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// The console's appointments, meeting-point and check-in pages, through
// the gateway's handler on a real database: each change made in a page is
// checked through the API.

// safetyEnv: a participant (the staff user's own; her windows mon-fri
// 10:00-12:00 Madrid) with SMS consent, and a meeting point.
func safetyEnv(t *testing.T) (*gatewaytest.Env, *webUser, string) {
	t.Helper()
	e, svc := withConsole(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("consent: %d %s", r.Status, r.Body)
	}
	return e, signInAs(t, e, svc, auth.RoleStaff), code
}

// follow is the page a 303 leads to.
func (u *webUser) follow(p webPage) webPage {
	u.t.Helper()
	if p.Status != http.StatusSeeOther {
		u.t.Fatalf("want 303, got %d: %s", p.Status, p.Body)
	}
	return u.get(p.Header.Get("Location"))
}

// noPhone fails when a page shows her number.
func noPhone(t *testing.T, p webPage) {
	t.Helper()
	for _, s := range []string{"612 345 678", "612345678"} {
		if strings.Contains(p.Body, s) {
			t.Errorf("a page shows her phone number")
		}
	}
}

func apptsOf(t *testing.T, e *gatewaytest.Env, code string) []map[string]any {
	t.Helper()
	r := e.Do(auth.RoleStaff, "GET", "/v1/appointments?participant="+code, nil)
	if r.Status != 200 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	var out []map[string]any
	for _, it := range r.JSON(t)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func book(u *webUser, code, start string) webPage {
	return u.post("/appointments", url.Values{"participant": {code}, "venue": {"sala 1"}, "meeting_point": {"Metro Sants"},
		"start": {start}, "kind": {"individual"}, "reminders": {"24h", "2h"}, "week": {"2026-W23"}})
}

func TestConsoleAppointmentsBookMoveCancel(t *testing.T) {
	t.Parallel()
	e, u, code := safetyEnv(t)
	// The meeting point through its page.
	if p := u.follow(u.post("/meeting-points", url.Values{"name": {"Metro Sants"}, "kind": {"metro"}})); !strings.Contains(p.Body, "Metro Sants") {
		t.Fatalf("meeting points page: %d %s", p.Status, p.Body)
	}
	if p := u.get("/appointments?venue=sala+1&week=2026-W23"); p.Status != 200 || !strings.Contains(p.Body, "<table") {
		t.Fatalf("week view: %d", p.Status)
	}
	// Thu 4 Jun 08:30 UTC (the reader's zone) = 10:30 Madrid.
	p := u.follow(book(u, code, "2026-06-04T08:30"))
	noPhone(t, p)
	if !strings.Contains(p.Body, "The session is booked.") || !strings.Contains(p.Body, "Reminder 24 hours before: goes") ||
		!strings.Contains(p.Body, "10:30 her time") || !strings.Contains(p.Body, code) {
		t.Fatalf("after booking: %s", p.Body)
	}
	as := apptsOf(t, e, code)
	if len(as) != 1 || as[0]["starts_at"] != "2026-06-04T08:30:00Z" || as[0]["venue"] != "sala 1" {
		t.Fatalf("API after booking: %v", as)
	}
	id := as[0]["id"].(string)

	// Move to Fri 5 Jun 09:00 UTC: the old reminders are cancelled, new ones scheduled.
	p = u.follow(u.post("/appointments/"+id+"/move", url.Values{"start": {"2026-06-05T09:00"}, "venue": {"sala 1"}, "week": {"2026-W23"}}))
	if !strings.Contains(p.Body, "The session is moved.") || !strings.Contains(p.Body, "cancelled, it will not be sent") {
		t.Fatalf("after moving: %s", p.Body)
	}
	if as := apptsOf(t, e, code); as[0]["starts_at"] != "2026-06-05T09:00:00Z" {
		t.Fatalf("API after moving: %v", as)
	}

	// Cancel: the notice's fate is told in words.
	p = u.follow(u.post("/appointments/"+id+"/cancel", url.Values{"venue": {"sala 1"}, "week": {"2026-W23"}}))
	if !strings.Contains(p.Body, "The session is cancelled.") || !strings.Contains(p.Body, "The notice that the session is cancelled") {
		t.Fatalf("after cancelling: %s", p.Body)
	}
	if as := apptsOf(t, e, code); as[0]["status"] != "canceled" {
		t.Fatalf("API after cancelling: %v", as)
	}
	if strings.Contains(p.Body, `action="/appointments/`+id) {
		t.Error("a cancelled session is still in the week")
	}
}

// A reminder that cannot be placed in her safe hours is said to be
// skipped, in words.
func TestConsoleAppointmentSkippedReminderInWords(t *testing.T) {
	t.Parallel()
	_, u, code := safetyEnv(t)
	u.post("/meeting-points", url.Values{"name": {"Metro Sants"}, "kind": {"metro"}})
	// Wed 3 Jun 08:30 UTC: 2 days before is already past → skipped.
	p := u.follow(u.post("/appointments", url.Values{"participant": {code}, "venue": {"sala 1"}, "meeting_point": {"Metro Sants"},
		"start": {"2026-06-03T08:30"}, "kind": {"individual"}, "reminders": {"2d"}}))
	if !strings.Contains(p.Body, "skipped, its time has already passed.") {
		t.Fatalf("skipped reminder not told: %s", p.Body)
	}
}

var slotButton = regexp.MustCompile(`name="use_slot" value="([0-9T:-]+)"`)

// Two individual sessions 15 minutes apart at one venue: the second is
// refused with the nearest free slots, which fill the form.
func TestConsoleAppointmentSpacingShowsFreeSlots(t *testing.T) {
	t.Parallel()
	e, u, code := safetyEnv(t)
	e.MeetingPoint("Metro Sants")
	if p := book(u, code, "2026-06-04T08:30"); p.Status != http.StatusSeeOther {
		t.Fatalf("first: %d %s", p.Status, p.Body)
	}
	p := book(u, code, "2026-06-04T08:45")
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, `role="alert"`) || !strings.Contains(p.Body, "at least 30 minutes apart") {
		t.Fatalf("second: %d %s", p.Status, p.Body)
	}
	slots := slotButton.FindAllStringSubmatch(p.Body, -1)
	if len(slots) != 2 || slots[0][1] != "2026-06-04T08:00" || slots[1][1] != "2026-06-04T09:00" {
		t.Fatalf("free slots: %v", slots)
	}
	if !strings.Contains(p.Body, "10:00 her time") || !strings.Contains(p.Body, `value="`+code+`"`) {
		t.Fatalf("refused form lost what was typed or her time: %s", p.Body)
	}
	if len(apptsOf(t, e, code)) != 1 {
		t.Fatal("the refused session was booked")
	}
	// The later slot's button fills the form; nothing is booked yet.
	f := url.Values{"participant": {code}, "venue": {"sala 1"}, "meeting_point": {"Metro Sants"}, "start": {"2026-06-04T08:45"},
		"kind": {"individual"}, "use_slot": {slots[1][1]}}
	p = u.post("/appointments", f)
	if p.Status != 200 || !strings.Contains(p.Body, `name="start" type="datetime-local" value="2026-06-04T09:00"`) {
		t.Fatalf("slot did not fill the form: %d %s", p.Status, p.Body)
	}
	if len(apptsOf(t, e, code)) != 1 {
		t.Fatal("choosing a slot booked it")
	}
	if p := book(u, code, "2026-06-04T09:00"); p.Status != http.StatusSeeOther {
		t.Fatalf("free slot: %d %s", p.Status, p.Body)
	}
	// The week shows both with the spacing between them.
	p = u.get("/appointments?venue=sala+1&week=2026-W23")
	if !strings.Contains(p.Body, "30 minutes after the previous individual session") {
		t.Fatalf("spacing not shown: %s", p.Body)
	}
}

// Meeting-point names pass the discreet filter; a refused name is not
// shown back.
func TestConsoleMeetingPointRefused(t *testing.T) {
	t.Parallel()
	_, u, _ := safetyEnv(t)
	bad := "Calle Mayor 12, 3º 2ª"
	p := u.post("/meeting-points", url.Values{"name": {bad}, "kind": {"landmark"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "neutral name of a public place") || strings.Contains(p.Body, "Calle Mayor") {
		t.Fatalf("refused name: %d %s", p.Status, p.Body)
	}
}

// A meeting point's at forms through its page: shown, saved (checked
// through the API and used in her reminder), a refused form neither
// saved nor shown back, and a post from another site refused.
func TestConsoleMeetingPointAtForms(t *testing.T) {
	t.Parallel()
	e, u, _ := safetyEnv(t)
	u.follow(u.post("/meeting-points", url.Values{"name": {"Plaça Reial"}, "kind": {"landmark"}}))
	var id int64
	if err := e.DB.QueryRow(`SELECT id FROM meeting_points WHERE name = 'Plaça Reial'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/meeting-points/%d", id)
	// The list links to the form; the form shows each language's default.
	if p := u.get("/meeting-points"); p.Status != http.StatusOK || !strings.Contains(p.Body, `href="`+path+`"`) {
		t.Fatalf("list: %d %s", p.Status, p.Body)
	}
	p := u.get(path)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `name="at_ca"`) || !strings.Contains(p.Body, `placeholder="a Plaça Reial"`) ||
		!strings.Contains(p.Body, `placeholder="en Plaça Reial"`) {
		t.Fatalf("form: %d %s", p.Status, p.Body)
	}
	// Saved: shown in the form and the list, and through the API.
	p = u.follow(u.post(path, url.Values{"at_ca": {"a la Plaça Reial"}, "at_fr": {" à la  Plaça Reial "}, "at_es": {""}}))
	if !strings.Contains(p.Body, `value="a la Plaça Reial"`) || !strings.Contains(p.Body, `value="à la Plaça Reial"`) {
		t.Fatalf("saved form: %s", p.Body)
	}
	if p := u.get("/meeting-points"); !strings.Contains(p.Body, "a la Plaça Reial") {
		t.Errorf("list lacks the form: %s", p.Body)
	}
	r := e.Do(auth.RoleStaff, "GET", "/v1/meeting-points", nil)
	if !strings.Contains(string(r.Body), `"at_forms":{"ca":"a la Plaça Reial","fr":"à la Plaça Reial"}`) {
		t.Fatalf("api: %s", r.Body)
	}
	// Refused: 422 with the sentence, the field marked, the typed text
	// not shown back and nothing saved.
	bad := "a la Plaça Reial, Calle Mayor 12"
	p = u.post(path, url.Values{"at_ca": {"a la Plaça Reial"}, "at_es": {bad}})
	if p.Status != http.StatusUnprocessableEntity || strings.Contains(p.Body, "Calle Mayor") || !strings.Contains(p.Body, `id="at-es" name="at_es" lang="es" value="" placeholder="en Plaça Reial" maxlength="120" autocomplete="off" aria-describedby="at-hint" aria-invalid="true"`) {
		t.Fatalf("refused: %d %s", p.Status, p.Body)
	}
	p = u.post(path, url.Values{"at_it": {"al Mercat"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "must contain the meeting point") {
		t.Fatalf("lacks name: %d %s", p.Status, p.Body)
	}
	if r := e.Do(auth.RoleStaff, "GET", "/v1/meeting-points", nil); !strings.Contains(string(r.Body), `"at_forms":{"ca":"a la Plaça Reial","fr":"à la Plaça Reial"}`) {
		t.Fatalf("a refused post changed the forms: %s", r.Body)
	}
	// The page carries the forms it shows in hidden fields, and a save
	// sends only the languages changed from them: two readers who loaded
	// the same page and each changed one language both keep their change,
	// and an emptied field removes its language only.
	p = u.get(path)
	if !strings.Contains(p.Body, `name="was_ca" value="a la Plaça Reial"`) || !strings.Contains(p.Body, `name="was_it" value=""`) {
		t.Fatalf("hidden loaded values: %s", p.Body)
	}
	loaded := func() url.Values {
		f := url.Values{}
		for l, v := range map[string]string{"ca": "a la Plaça Reial", "fr": "à la Plaça Reial", "es": "", "it": "", "pt": "", "ro": "", "en": ""} {
			f.Set("at_"+l, v)
			f.Set("was_"+l, v)
		}
		return f
	}
	first, second := loaded(), loaded()
	first.Set("at_it", "alla Plaça Reial")
	second.Set("at_pt", "na Plaça Reial")
	second.Set("at_fr", "")
	for _, f := range []url.Values{first, second} {
		if p := u.post(path, f); p.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.Status, p.Body)
		}
	}
	if r := e.Do(auth.RoleStaff, "GET", "/v1/meeting-points", nil); !strings.Contains(string(r.Body), `"at_forms":{"ca":"a la Plaça Reial","it":"alla Plaça Reial","pt":"na Plaça Reial"}`) {
		t.Fatalf("two readers' saves: %s", r.Body)
	}
	// Nothing changed: nothing is saved (no audit event).
	before := len(e.AuditActions())
	if p := u.post(path, url.Values{"at_ca": {"a la Plaça Reial"}, "was_ca": {"a la Plaça Reial"}}); p.Status != http.StatusSeeOther || len(e.AuditActions()) != before {
		t.Fatalf("unchanged save: %d, %d audit events after %d", p.Status, len(e.AuditActions()), before)
	}
	// Another site cannot post the form.
	cross := httptest.NewRequest("POST", path, strings.NewReader(url.Values{"at_ca": {"al Plaça Reial"}}.Encode()))
	cross.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cross.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := u.serve(cross); p.Status != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", p.Status)
	}
	// An unknown point is the not-found page.
	if p := u.get("/meeting-points/999999"); p.Status != http.StatusNotFound {
		t.Errorf("unknown point: %d", p.Status)
	}
}

const duressWord = "girasolazul"

// A check-in plan made with a duress word: the word is in no page, not
// after an error either, and not in the logs; a change may keep it.
func TestConsoleCheckinPlanDuressNeverShown(t *testing.T) {
	t.Parallel()
	e, u, code := safetyEnv(t)
	path := "/participants/" + code + "/checkins"
	if p := u.get(path); p.Status != 200 || !strings.Contains(p.Body, "She has no check-in plan.") {
		t.Fatalf("empty plan page: %d %s", p.Status, p.Body)
	}
	form := url.Values{"mode": {"every"}, "every_days": {"2"}, "at": {"10:30"}, "channel": {"auto"}, "grace": {"2h"},
		"ok_reply": {"bien"}, "help_reply": {"ayuda"}, "duress": {duressWord, "", ""}}
	// Refused first (a time outside her windows): the form comes back
	// without the word.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("at", "22:00")
	p := u.post(path, bad)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "outside her safe contact hours") {
		t.Fatalf("refused plan: %d %s", p.Status, p.Body)
	}
	pages := []webPage{p}
	p = u.follow(u.post(path, form))
	pages = append(pages, p)
	if !strings.Contains(p.Body, "The check-in plan is saved.") || !strings.Contains(p.Body, "1 word set (never shown).") {
		t.Fatalf("after saving: %s", p.Body)
	}
	plan := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/checkin-plan", nil).JSON(t)["plan"].(map[string]any)
	if plan["duress_words"] != 1.0 || plan["every_days"] != 2.0 || plan["at"] != "10:30" {
		t.Fatalf("API plan: %v", plan)
	}
	// Change it (weekdays) keeping the word.
	change := url.Values{"mode": {"weekdays"}, "weekdays": {"mon", "thu"}, "at": {"11:00"}, "channel": {"sms"}, "grace": {"1h"},
		"ok_reply": {"bien"}, "help_reply": {"ayuda"}, "keep_duress": {"on"}}
	p = u.follow(u.post(path, change))
	pages = append(pages, p)
	plan = e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/checkin-plan", nil).JSON(t)["plan"].(map[string]any)
	if plan["duress_words"] != 1.0 || plan["at"] != "11:00" || len(plan["weekdays"].([]any)) != 2 {
		t.Fatalf("API plan after change: %v", plan)
	}
	// Changing a reply while keeping the words is refused alike whether
	// the new reply is a kept word or not: no oracle for the words.
	var answers []string
	for _, guess := range []string{duressWord, "otra cosa"} {
		g := url.Values{}
		for k, v := range change {
			g[k] = v
		}
		g.Set("ok_reply", guess)
		r := u.post(path, g)
		alert := ""
		if i := strings.Index(r.Body, `id="form-error">`); i >= 0 {
			alert, _, _ = strings.Cut(r.Body[i:], "<")
		}
		answers = append(answers, fmt.Sprintf("%d %s", r.Status, alert))
	}
	if answers[0] != answers[1] || !strings.HasPrefix(answers[0], "400 ") {
		t.Errorf("a right and a wrong guess answered %v", answers)
	}
	// An error re-render after the word was typed.
	again := url.Values{}
	for k, v := range change {
		again[k] = v
	}
	again.Set("ok_reply", duressWord)
	again["duress"] = []string{duressWord}
	p = u.post(path, again)
	if p.Status < 400 {
		t.Fatalf("same ok and duress word accepted: %d", p.Status)
	}
	again.Set("ok_reply", "bien")
	again.Set("at", "23:00")
	pages = append(pages, u.post(path, again), u.get(path), u.get("/appointments"))
	for i, pg := range pages {
		if strings.Contains(strings.ToLower(pg.Body), duressWord) {
			t.Errorf("page %d shows the duress word", i)
		}
		noPhone(t, pg)
	}
	if strings.Contains(e.Logs.String(), duressWord) {
		t.Error("the logs hold the duress word")
	}
	// Stop.
	p = u.follow(u.post(path+"/stop", nil))
	if !strings.Contains(p.Body, "The check-in plan is stopped") || !strings.Contains(p.Body, "She has no check-in plan.") {
		t.Fatalf("after stopping: %s", p.Body)
	}
	if r := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/checkin-plan", nil); r.Status != 404 {
		t.Fatalf("API after stopping: %d", r.Status)
	}
}

// Roles and caseload: a staff member who is not her caseworker sees her
// session only as "booked" and is refused her plan and her bookings; a
// supervisor is not; signed-out readers go to sign in.
func TestConsoleSafetyCaseloadRefusals(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	r := e.Do(auth.RoleSupervisor, "POST", "/v1/participants", gatewaytest.Maria())
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	code := r.JSON(t)["code"].(string)
	e.MeetingPoint("Metro Sants")
	if r := e.Do(auth.RoleSupervisor, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": "2026-06-04T08:30:00Z",
		"meeting_point": "Metro Sants", "kind": "individual", "venue": "sala 1", "reminders": []string{}}); r.Status != 201 {
		t.Fatalf("book: %d %s", r.Status, r.Body)
	}
	staff := signInAs(t, e, svc, auth.RoleStaff)
	p := staff.get("/appointments?venue=sala+1&week=2026-W23")
	if p.Status != 200 || strings.Contains(p.Body, code) || !strings.Contains(p.Body, "booked (another caseworker") || strings.Contains(p.Body, "/move") {
		t.Fatalf("staff week view: %d %s", p.Status, p.Body)
	}
	if p := staff.get("/participants/" + code + "/checkins"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Only her caseworker or a supervisor") {
		t.Fatalf("staff plan page: %d %s", p.Status, p.Body)
	}
	if p := staff.post("/participants/"+code+"/checkins", url.Values{"mode": {"every"}, "every_days": {"2"}, "at": {"10:30"},
		"ok_reply": {"bien"}, "help_reply": {"ayuda"}}); p.Status != http.StatusForbidden {
		t.Fatalf("staff plan post: %d %s", p.Status, p.Body)
	}
	if p := book(staff, code, "2026-06-05T08:30"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Only her caseworker or a supervisor") {
		t.Fatalf("staff booking: %d %s", p.Status, p.Body)
	}
	sup := signInAs(t, e, svc, auth.RoleSupervisor)
	p = sup.get("/appointments?venue=sala+1&week=2026-W23")
	if p.Status != 200 || !strings.Contains(p.Body, code) || !strings.Contains(p.Body, "/move") {
		t.Fatalf("supervisor week view: %d", p.Status)
	}
	if p := sup.get("/participants/" + code + "/checkins"); p.Status != 200 {
		t.Fatalf("supervisor plan page: %d", p.Status)
	}
	if p := sup.get("/participants/NOPE99/checkins"); p.Status != http.StatusNotFound {
		t.Fatalf("unknown participant: %d", p.Status)
	}
	// Signed out: to the sign-in page.
	anon := &webUser{t: t, e: e, cookie: &http.Cookie{Name: "sc_session", Value: "x"}}
	if p := anon.get("/appointments"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/signin") {
		t.Fatalf("signed out: %d %v", p.Status, p.Header)
	}
}
