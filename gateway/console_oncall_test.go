package gateway_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/console"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/safety"
)

// The on-call pages (call-backs, inbox, escalations) through the gateway's
// handler, checked against the API and the audit log.

// onCallEnv is withConsole on an env that takes signed webhooks, so her
// replies arrive through the real inbound webhook.
func onCallEnv(t *testing.T) (*gatewaytest.Env, *signin.Service) {
	t.Helper()
	e := gatewaytest.New(t, gatewaytest.WithWebhooks())
	svc, _, err := e.Server.NewConsole(gateway.ConsoleConfig{Signin: signin.Config{Params: signintest.FastParams}, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	return e, svc
}

// callMeParticipant is a participant reachable any time who consented to
// calls and replied "call me": one call-back task in the queue. caseworker
// "" is the staff user.
func callMeParticipant(e *gatewaytest.Env, phone, caseworker string) string {
	e.T.Helper()
	b := gatewaytest.Maria()
	b["phone"] = phone
	b["any_time"] = true
	b["safe_windows"] = []string{}
	b["monitored"] = false
	if caseworker != "" {
		b["caseworker"] = caseworker
	}
	code := e.CreateParticipant(b)
	for _, ch := range []string{"sms", "voice"} {
		if r := e.Do(auth.RoleSupervisor, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant(ch)); r.Status != 201 {
			e.T.Fatalf("grant %s: %d %s", ch, r.Status, r.Body)
		}
	}
	e.Inbound(gatewaytest.NextMessageSid(), e164(phone), "Llámame por favor")
	return code
}

func e164(phone string) string { return strings.ReplaceAll(phone, " ", "") }

// apiTask is the queue's task of participant code as the API shows it to
// role (nil: not in the queue).
func apiTask(e *gatewaytest.Env, role auth.Role, code string) map[string]any {
	e.T.Helper()
	r := e.Do(role, "GET", "/v1/callbacks", nil)
	if r.Status != 200 {
		e.T.Fatalf("callbacks: %d %s", r.Status, r.Body)
	}
	for _, it := range r.JSON(e.T)["items"].([]any) {
		if m := it.(map[string]any); m["participant"] == code {
			return m
		}
	}
	return nil
}

// longDigits finds what looks like a phone number: 7 or more digits in a
// row, spaces and dots allowed between them, standing alone (not inside
// an id such as a UUID).
var longDigits = regexp.MustCompile(`(?:^|[^\w-])(\+?\d(?:[ .]?\d){6,})(?:[^\w-]|$)`)

// noPhone fails if a page shows a phone number.
func noNumberShown(t *testing.T, what string, p webPage, phones ...string) {
	t.Helper()
	for _, ph := range phones {
		if strings.Contains(p.Body, ph) || strings.Contains(p.Body, e164(ph)) || strings.Contains(p.Body, strings.TrimPrefix(e164(ph), "+34")) {
			t.Errorf("%s shows the number %s", what, ph)
		}
	}
	if m := longDigits.FindString(p.Body); m != "" {
		t.Errorf("%s shows a long number %q", what, m)
	}
}

func wantSeeOther(t *testing.T, what string, p webPage, location string) {
	t.Helper()
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != location {
		t.Fatalf("%s: %d %q, want 303 to %s\n%s", what, p.Status, p.Header.Get("Location"), location, p.Body)
	}
}

func TestConsoleCallbacksQueue(t *testing.T) {
	t.Parallel()
	e, svc := onCallEnv(t)
	const herPhone = "+34 612 300 001"
	code := callMeParticipant(e, herPhone, "")
	task := apiTask(e, auth.RoleStaff, code)
	if task == nil {
		t.Fatal("no call-back task")
	}
	id := fmt.Sprint(int64(task["id"].(float64)))
	base := "/callbacks/" + id
	staff := signInAs(t, e, svc, auth.RoleStaff)
	sup := signInAs(t, e, svc, auth.RoleSupervisor)

	p := staff.get("/callbacks")
	if p.Status != 200 || !strings.Contains(p.Body, code) || !strings.Contains(p.Body, "she asked to be called") ||
		!strings.Contains(p.Body, `action="`+base+`/claim"`) || !strings.Contains(p.Body, "nobody yet") || !strings.Contains(p.Body, `<dd lang="es">español</dd>`) {
		t.Fatalf("queue: %d\n%s", p.Status, p.Body)
	}
	noNumberShown(t, "queue", p, herPhone)

	// Claim: the API sees her claim; the page offers her the call and the outcome.
	wantSeeOther(t, "claim", staff.post(base+"/claim", nil), "/callbacks?m=claimed")
	if tk := apiTask(e, auth.RoleStaff, code); tk["status"] != "claimed" || tk["claimed_by"] != "staff-user" {
		t.Fatalf("after claim: %v", tk)
	}
	p = staff.get("/callbacks?m=claimed")
	if !strings.Contains(p.Body, "The call-back is yours") || !strings.Contains(p.Body, `action="`+base+`/connect"`) ||
		!strings.Contains(p.Body, `action="`+base+`/complete"`) || strings.Contains(p.Body, `action="`+base+`/claim"`) {
		t.Fatalf("claimed page:\n%s", p.Body)
	}
	// Another worker sees the claim as someone else's and cannot take it.
	p = sup.get("/callbacks")
	if !strings.Contains(p.Body, "staff-user (another worker)") || strings.Contains(p.Body, `action="`+base+`/claim"`) || strings.Contains(p.Body, `action="`+base+`/connect"`) {
		t.Fatalf("another's claim:\n%s", p.Body)
	}
	p = sup.post(base+"/claim", nil)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "Another worker has already claimed this call-back.") || !strings.Contains(p.Body, `role="alert"`) {
		t.Fatalf("claim of a claimed task: %d\n%s", p.Status, p.Body)
	}
	// Connect: this gateway has no calls set up; said in words.
	p = staff.post(base+"/connect", nil)
	if p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Body, "Calls are not set up on this gateway") {
		t.Fatalf("connect: %d\n%s", p.Status, p.Body)
	}
	// Release: back in the queue.
	wantSeeOther(t, "release", staff.post(base+"/release", nil), "/callbacks?m=released")
	if tk := apiTask(e, auth.RoleStaff, code); tk["status"] != "open" || tk["claimed_by"] != nil {
		t.Fatalf("after release: %v", tk)
	}
	// Complete without a claim, then with a bad outcome: refused in words.
	if p := staff.post(base+"/complete", url.Values{"outcome": {"reached"}}); p.Status != http.StatusConflict || !strings.Contains(p.Body, "Claim this call-back first.") {
		t.Fatalf("complete unclaimed: %d\n%s", p.Status, p.Body)
	}
	wantSeeOther(t, "claim again", staff.post(base+"/claim", nil), "/callbacks?m=claimed")
	if p := staff.post(base+"/complete", url.Values{"outcome": {"maybe"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Choose how the call went.") {
		t.Fatalf("bad outcome: %d\n%s", p.Status, p.Body)
	}
	// No answer: re-queued for later; reached: closed, gone from the queue.
	wantSeeOther(t, "no answer", staff.post(base+"/complete", url.Values{"outcome": {"no_answer"}}), "/callbacks?m=requeued")
	if tk := apiTask(e, auth.RoleStaff, code); tk["status"] != "open" || tk["last_result"] != "no_answer" {
		t.Fatalf("after no answer: %v", tk)
	}
	wantSeeOther(t, "claim a third time", staff.post(base+"/claim", nil), "/callbacks?m=claimed")
	wantSeeOther(t, "reached", staff.post(base+"/complete", url.Values{"outcome": {"reached"}}), "/callbacks?m=completed")
	if tk := apiTask(e, auth.RoleStaff, code); tk != nil {
		t.Fatalf("a completed task is still queued: %v", tk)
	}
	acts := e.ParticipantAuditActions(code)
	for _, a := range []string{"callback.claimed", "callback.released", "callback.requeued", "callback.completed"} {
		if !strings.Contains(acts, a) {
			t.Errorf("audit lacks %s: %s", a, acts)
		}
	}
	p = staff.get("/callbacks?m=completed")
	if !strings.Contains(p.Body, "Nobody is waiting for a call-back.") || !strings.Contains(p.Body, "The outcome is recorded") {
		t.Fatalf("empty queue:\n%s", p.Body)
	}
	noNumberShown(t, "empty queue", p, herPhone)
	if p := staff.post("/callbacks/999999/claim", nil); p.Status != http.StatusNotFound {
		t.Fatalf("unknown task: %d", p.Status)
	}
	if p := staff.post(base+"/explode", nil); p.Status != http.StatusNotFound {
		t.Fatalf("unknown action: %d", p.Status)
	}
}

// Signed out: the pages send her to sign in; a form post does nothing.
func TestConsoleOnCallSignedOut(t *testing.T) {
	t.Parallel()
	e, _ := onCallEnv(t)
	anon := &webUser{t: t, e: e, cookie: &http.Cookie{Name: "sc_none", Value: "x"}}
	for _, path := range []string{"/callbacks", "/inbox", "/escalations"} {
		p := anon.get(path)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/signin") {
			t.Errorf("%s signed out: %d %v", path, p.Status, p.Header)
		}
	}
	if p := anon.post("/callbacks/1/claim", nil); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/signin") {
		t.Errorf("post signed out: %d", p.Status)
	}
}

// titleOf is a page's <title>.
func titleOf(p webPage) string {
	_, after, _ := strings.Cut(p.Body, "<title>")
	t, _, _ := strings.Cut(after, "</title>")
	return t
}

func TestConsoleInbox(t *testing.T) {
	t.Parallel()
	e, svc := onCallEnv(t)
	const herPhone, otherPhone = "+34 612 300 011", "+34 612 300 012"
	const text = "¿A qué hora es la cita mañana?"
	b := gatewaytest.Maria()
	b["phone"] = herPhone
	code := e.CreateParticipant(b)
	b = gatewaytest.Maria()
	b["phone"] = otherPhone
	b["caseworker"] = "supervisor-user"
	other := e.CreateParticipant(b)
	e.Inbound(gatewaytest.NextMessageSid(), e164(herPhone), text)
	e.Inbound(gatewaytest.NextMessageSid(), e164(otherPhone), "Gracias por todo")
	var id int64
	if err := e.DB.QueryRow(`SELECT i.id FROM inbound_messages i JOIN participants p ON p.id = i.participant_id WHERE p.code = $1`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	staff := signInAs(t, e, svc, auth.RoleStaff)
	sup := signInAs(t, e, svc, auth.RoleSupervisor)

	// The list: who and when, unread, no text; nothing is read by listing.
	p := staff.get("/inbox")
	link := fmt.Sprintf(`href="/inbox/%d"`, id)
	if p.Status != 200 || !strings.Contains(p.Body, code) || !strings.Contains(p.Body, "<strong>unread</strong>") || !strings.Contains(p.Body, link) ||
		strings.Contains(p.Body, "cita") || strings.Contains(p.Body, other) {
		t.Fatalf("inbox: %d\n%s", p.Status, p.Body)
	}
	noNumberShown(t, "inbox", p, herPhone, otherPhone)
	if acts := e.ParticipantAuditActions(code); strings.Contains(acts, "inbox.") {
		t.Fatalf("listing read something: %s", acts)
	}
	// A supervisor's inbox: her own participants, and those without a
	// caseworker.
	if p := sup.get("/inbox"); p.Status != 200 || !strings.Contains(p.Body, other) || strings.Contains(p.Body, code) ||
		!strings.Contains(p.Body, "Participants without a caseworker") || strings.Contains(p.Body, "Gracias") {
		t.Fatalf("supervisor's inbox: %d\n%s", p.Status, p.Body)
	}
	// Someone else's participant: not found, nothing recorded.
	if p := sup.get(fmt.Sprintf("/inbox/%d", id)); p.Status != http.StatusNotFound || strings.Contains(p.Body, "cita") {
		t.Fatalf("another's reply: %d", p.Status)
	}
	// Opening it: her text, recorded as shown and read, as the API's read path does.
	p = staff.get(fmt.Sprintf("/inbox/%d", id))
	if p.Status != 200 || !strings.Contains(p.Body, "¿A qué hora es la cita mañana?") || strings.Contains(titleOf(p), "cita") {
		t.Fatalf("open: %d %q\n%s", p.Status, titleOf(p), p.Body)
	}
	noNumberShown(t, "reply", p, herPhone)
	acts := e.ParticipantAuditActions(code)
	if !strings.Contains(acts, "inbox.read") || !strings.Contains(acts, "inbox.marked_read") {
		t.Fatalf("opening not audited: %s", acts)
	}
	_, details, actor := e.LastAudit("inbox.read")
	if actor != "staff-user" || fmt.Sprint(details["inbound_ids"]) != fmt.Sprintf("[%d]", id) {
		t.Fatalf("inbox.read: %s %v", actor, details)
	}
	var shown bool
	e.DB.QueryRow(`SELECT shown_at IS NOT NULL FROM inbound_messages WHERE id = $1`, id).Scan(&shown)
	if !shown {
		t.Fatal("an opened reply is not marked shown")
	}
	if items := e.InboxItems(auth.RoleStaff, ""); len(items) != 1 || items[0]["read"] != true {
		t.Fatalf("API after opening: %v", items)
	}
	if p := staff.get("/inbox"); !strings.Contains(p.Body, ">read<") || strings.Contains(p.Body, "<strong>unread</strong>") {
		t.Fatalf("inbox after opening:\n%s", p.Body)
	}
	// Opening again is another reading, recorded (the API read above was
	// one too); it stays read once.
	staff.get(fmt.Sprintf("/inbox/%d", id))
	if acts := e.ParticipantAuditActions(code); strings.Count(acts, "inbox.read") != 3 || strings.Count(acts, "inbox.marked_read") != 1 {
		t.Fatalf("second opening: %s", acts)
	}
	if p := staff.get("/inbox/0"); p.Status != http.StatusNotFound {
		t.Fatalf("/inbox/0: %d", p.Status)
	}
	// Times in the reader's zone: 10:30 UTC is 12:30 in Madrid.
	if err := svc.SetPreferences(context.Background(), staff.cookie.Value, "", "Europe/Madrid"); err != nil {
		t.Fatal(err)
	}
	if p := staff.get("/inbox"); !strings.Contains(p.Body, `datetime="2026-06-02T12:30:00&#43;02:00">Tue 2 Jun 2026, 12:30</time>`) {
		t.Fatalf("inbox in Madrid time:\n%s", p.Body)
	}
}

// duressEscalation gives the participant (phone, caseworker) a check-in
// plan and has her send its duress word through the inbound webhook: an
// urgent duress escalation. It returns her code and the escalation's id.
func duressEscalation(e *gatewaytest.Env, phone, caseworker string) (code, id string) {
	e.T.Helper()
	b := gatewaytest.Maria()
	b["phone"] = phone
	b["any_time"] = true
	b["safe_windows"] = []string{}
	b["monitored"] = false
	b["caseworker"] = caseworker
	code = e.CreateParticipant(b)
	if r := e.Do(auth.RoleSupervisor, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		e.T.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	plan := map[string]any{"every": "72h", "at": "13:00", "channel": "sms", "grace": "2h", "ok_reply": "Vale", "help_reply": "ayuda", "duress_words": []string{"tomate"}}
	if r := e.Do(auth.RoleSupervisor, "POST", "/v1/participants/"+code+"/checkin-plan", plan); r.Status != 200 && r.Status != 201 {
		e.T.Fatalf("plan: %d %s", r.Status, r.Body)
	}
	e.Inbound(gatewaytest.NextMessageSid(), e164(phone), "tomate")
	if err := e.DB.QueryRow(`SELECT e.id::text FROM escalations e JOIN participants p ON p.id = e.participant_id WHERE p.code = $1`, code).Scan(&id); err != nil {
		e.T.Fatalf("no escalation: %v", err)
	}
	return code, id
}

func apiEscalation(e *gatewaytest.Env, role auth.Role, id string) map[string]any {
	e.T.Helper()
	r := e.Do(role, "GET", "/v1/escalations/"+id, nil)
	if r.Status != 200 {
		e.T.Fatalf("escalation: %d %s", r.Status, r.Body)
	}
	return r.JSON(e.T)
}

func TestConsoleEscalations(t *testing.T) {
	t.Parallel()
	e, svc := onCallEnv(t)
	const herPhone, otherPhone = "+34 612 300 021", "+34 612 300 022"
	code, id := duressEscalation(e, herPhone, "staff-user")
	other, otherID := duressEscalation(e, otherPhone, "supervisor-user")
	staff := signInAs(t, e, svc, auth.RoleStaff)

	// The ladder: her escalation whole, the other one as the API's limited
	// view; the protocol in full; a poll and a refresh link.
	p := staff.get("/escalations")
	if p.Status != 200 || !strings.Contains(p.Body, code) || !strings.Contains(p.Body, "she sent her duress word") ||
		!strings.Contains(p.Body, "1 of 3: a call-back is queued") || !strings.Contains(p.Body, html.EscapeString(safety.DefaultEmergencyProtocol)) ||
		!strings.Contains(p.Body, `hx-headers='{"X-Console-Refresh": "1"}'`) || !strings.Contains(p.Body, `hx-trigger="every 30s"`) ||
		!strings.Contains(p.Body, `<a href="/escalations">Refresh the list</a>`) || !strings.Contains(p.Body, `href="/escalations/`+id+`/resolve"`) {
		t.Fatalf("ladder: %d\n%s", p.Status, p.Body)
	}
	_, otherPart, _ := strings.Cut(p.Body, `id="esc-`+otherID+`"`)
	otherPart, _, _ = strings.Cut(otherPart, "</article>")
	if !strings.Contains(p.Body, other) || !strings.Contains(otherPart, "She is not in your caseload") ||
		strings.Contains(otherPart, "duress") || strings.Contains(otherPart, "/resolve") {
		t.Fatalf("the limited view:\n%s", otherPart)
	}
	if apiEscalation(e, auth.RoleStaff, otherID)["access"] != "limited" {
		t.Fatal("the API does not limit the other escalation")
	}
	noNumberShown(t, "ladder", p, herPhone, otherPhone)

	// The page's own refresh is not her activity.
	var seen1, seen2 string
	e.DB.QueryRow(`SELECT max(last_seen_at)::text FROM console_sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'staff-user'`).Scan(&seen1)
	e.Clock.Set(e.Clock.Now().Add(5 * time.Minute))
	req := httptest.NewRequest("GET", "/escalations", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set(console.RefreshHeader, "1")
	if p := staff.serve(req); p.Status != 200 || !strings.Contains(p.Body, `id="ladder"`) {
		t.Fatalf("poll: %d", p.Status)
	}
	e.DB.QueryRow(`SELECT max(last_seen_at)::text FROM console_sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'staff-user'`).Scan(&seen2)
	if seen1 == "" || seen1 != seen2 {
		t.Fatalf("a poll counted as activity: %q then %q", seen1, seen2)
	}

	// Acknowledge.
	wantSeeOther(t, "ack", staff.post("/escalations/"+id+"/ack", nil), "/escalations?m=acknowledged")
	if v := apiEscalation(e, auth.RoleStaff, id); v["status"] != "acknowledged" {
		t.Fatalf("after ack: %v", v)
	}
	if p := staff.get("/escalations?m=acknowledged"); !strings.Contains(p.Body, "Acknowledged. Follow the protocol below.") || !strings.Contains(p.Body, "yes, someone is on it") {
		t.Fatalf("after ack:\n%s", p.Body)
	}
	// Resolving a duress escalation: a note is required; contact details are refused, and not shown back.
	base := "/escalations/" + id + "/resolve"
	p = staff.get(base)
	noNumberShown(t, "resolve page", p, herPhone)
	if p.Status != 200 || !strings.Contains(p.Body, `<textarea id="note" name="note"`) || !strings.Contains(p.Body, "Required for a duress escalation") || !strings.Contains(p.Body, html.EscapeString(safety.DefaultEmergencyProtocol)) {
		t.Fatalf("resolve page: %d\n%s", p.Status, p.Body)
	}
	p = staff.post(base, url.Values{"outcome": {"safe"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "a duress escalation is never closed without one") || !strings.Contains(p.Body, `role="alert"`) {
		t.Fatalf("duress resolve without a note: %d\n%s", p.Status, p.Body)
	}
	p = staff.post(base, url.Values{"outcome": {"safe"}, "note": {"called her on +34 699 111 222, she is safe"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "must not hold contact details") {
		t.Fatalf("note with a number: %d\n%s", p.Status, p.Body)
	}
	noNumberShown(t, "refused note", p, "+34 699 111 222")
	if v := apiEscalation(e, auth.RoleStaff, id); v["status"] != "acknowledged" {
		t.Fatalf("resolved by a refused form: %v", v)
	}
	// Outside her team: the limited page, and resolving is refused in words.
	if p := staff.get("/escalations/" + otherID + "/resolve"); p.Status != 200 || strings.Contains(p.Body, `name="note"`) || !strings.Contains(p.Body, "She is not in your caseload") {
		t.Fatalf("another's resolve page: %d\n%s", p.Status, p.Body)
	}
	p = staff.post("/escalations/"+otherID+"/resolve", url.Values{"outcome": {"safe"}, "note": {"called her, she is safe"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Only her caseworker or a supervisor can do this.") {
		t.Fatalf("resolve outside her team: %d\n%s", p.Status, p.Body)
	}
	// Resolved with a note.
	wantSeeOther(t, "resolve", staff.post(base, url.Values{"outcome": {"callback_done"}, "note": {"Called her back, she is safe at home."}}), "/escalations?m=resolved")
	if v := apiEscalation(e, auth.RoleStaff, id); v["status"] != "resolved" || v["outcome"] != "callback_done" {
		t.Fatalf("after resolve: %v", v)
	}
	p = staff.get("/escalations?m=resolved")
	if !strings.Contains(p.Body, "The escalation is resolved.") || strings.Contains(p.Body, `id="esc-`+id+`"`) || !strings.Contains(p.Body, `id="esc-`+otherID+`"`) {
		t.Fatalf("after resolve:\n%s", p.Body)
	}
	if p := staff.post("/escalations/"+id+"/ack", nil); p.Status != http.StatusConflict || !strings.Contains(p.Body, "already resolved") {
		t.Fatalf("ack of a resolved one: %d", p.Status)
	}
	if p := staff.post("/escalations/nope/ack", nil); p.Status != http.StatusNotFound {
		t.Fatalf("unknown escalation: %d", p.Status)
	}
	// A duress escalation acknowledged outside her team: the ladder goes
	// on, and her team is offered to acknowledge it, which stops it.
	wantSeeOther(t, "ack outside her team", staff.post("/escalations/"+otherID+"/ack", nil), "/escalations?m=acknowledged")
	if v := apiEscalation(e, auth.RoleSupervisor, otherID); v["status"] != "acknowledged" || v["next_step_at"] == nil {
		t.Fatalf("after an ack outside her team: %v", v)
	}
	sup := signInAs(t, e, svc, auth.RoleSupervisor)
	ackOther := `action="/escalations/` + otherID + `/ack"`
	if p := sup.get("/escalations"); !strings.Contains(p.Body, "the ladder goes on until her caseworker or a supervisor acknowledges it") || !strings.Contains(p.Body, ackOther) {
		t.Fatalf("supervisor's ladder after an ack outside her team:\n%s", p.Body)
	}
	if p := staff.get("/escalations"); strings.Contains(p.Body, ackOther) {
		t.Fatal("the colleague outside her team is offered to acknowledge again")
	}
	wantSeeOther(t, "supervisor's ack", sup.post("/escalations/"+otherID+"/ack", nil), "/escalations?m=acknowledged")
	if v := apiEscalation(e, auth.RoleSupervisor, otherID); v["next_step_at"] != nil {
		t.Fatalf("the ladder goes on after her team's ack: %v", v)
	}
	if p := sup.get("/escalations"); strings.Contains(p.Body, ackOther) {
		t.Fatal("acknowledged by her team, still offered")
	}
	// A supervisor acts on every participant: the other one whole.
	if p := sup.get("/escalations/" + otherID + "/resolve"); !strings.Contains(p.Body, `name="note"`) {
		t.Fatalf("supervisor's resolve page:\n%s", p.Body)
	}
	noNumberShown(t, "supervisor's ladder", sup.get("/escalations"), herPhone, otherPhone)
}

// A call-back not due yet shows when, in the reader's time and, for her
// caseworker and the supervisors, in hers; staff outside her team work
// the queue without her time zone, as the API gives it.
func TestConsoleCallbacksHerTime(t *testing.T) {
	t.Parallel()
	e, svc := onCallEnv(t)
	var codes []string
	for i, cw := range []string{"staff-user", "supervisor-user"} {
		b := gatewaytest.Maria() // Madrid, mon-fri 10:00-12:00; now is Tue 12:30 there
		b["phone"] = fmt.Sprintf("+34 612 300 04%d", i)
		b["monitored"] = false
		b["caseworker"] = cw
		code := e.CreateParticipant(b)
		for _, ch := range []string{"sms", "voice"} {
			if r := e.Do(auth.RoleSupervisor, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant(ch)); r.Status != 201 {
				t.Fatalf("grant %s: %d %s", ch, r.Status, r.Body)
			}
		}
		e.Inbound(gatewaytest.NextMessageSid(), e164(b["phone"].(string)), "llámame")
		codes = append(codes, code)
	}
	p := signInAs(t, e, svc, auth.RoleStaff).get("/callbacks")
	mine, others, _ := strings.Cut(p.Body, codes[1])
	if !strings.Contains(mine, "not before Wed 3 Jun 2026, 08:00 (10:00 her time)") {
		t.Fatalf("her caseworker's queue:\n%s", p.Body)
	}
	if !strings.Contains(others, "not before Wed 3 Jun 2026, 08:00") || strings.Contains(others, "her time") {
		t.Fatalf("the queue outside her team:\n%s", others)
	}
}

// "Call her now" places the call as the API's connect does: the staff
// member's own phone rings first, from the programme's number.
func TestConsoleCallbackConnect(t *testing.T) {
	p := gatewaytest.NewVoicePipeline(t, nil)
	svc, _, err := p.Server.NewConsole(gateway.ConsoleConfig{Signin: signin.Config{Params: signintest.FastParams}, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Do(auth.RoleStaff, "PUT", "/v1/me/phone", map[string]any{"phone": gatewaytest.StaffPhone}); r.Status != 200 {
		t.Fatalf("set phone: %d %s", r.Status, r.Body)
	}
	const herPhone = "+34 612 100 051"
	code := p.VoiceParticipant(herPhone, false, false)
	_, task := p.QueueVoice(code, false)
	id := gatewaytest.TaskID(task)
	staff := signInAs(t, p.Env, svc, auth.RoleStaff)
	base := fmt.Sprintf("/callbacks/%d", id)
	wantSeeOther(t, "claim", staff.post(base+"/claim", nil), "/callbacks?m=claimed")
	wantSeeOther(t, "connect", staff.post(base+"/connect", nil), "/callbacks?m=connected")
	if n := p.Fake.CallsCreated(); n != 1 {
		t.Fatalf("%d calls placed", n)
	}
	if tk := p.Callback(id); tk["call_state"] != "staff_ringing" {
		t.Fatalf("after connect: %v", tk)
	}
	pg := staff.get("/callbacks?m=connected")
	if !strings.Contains(pg.Body, "Calling: your phone will ring now.") || !strings.Contains(pg.Body, "ringing") {
		t.Fatalf("after connect:\n%s", pg.Body)
	}
	noNumberShown(t, "queue during a call", pg, herPhone, gatewaytest.StaffPhone)
	// A call in progress: the second click is refused in words.
	if pg := staff.post(base+"/connect", nil); pg.Status != http.StatusConflict || !strings.Contains(pg.Body, "A call for this call-back is in progress.") {
		t.Fatalf("second connect: %d\n%s", pg.Status, pg.Body)
	}
	if acts := p.Env.ParticipantAuditActions(code); !strings.Contains(acts, "callback.connected") {
		t.Fatalf("audit: %s", acts)
	}
}
