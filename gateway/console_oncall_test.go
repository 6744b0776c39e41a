package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
)

// The on-call pages (call-backs, inbox, escalations) through the gateway's
// handler, checked against the API and the audit log.

// onCallEnv is withConsole on an env that takes signed webhooks, so her
// replies arrive through the real inbound webhook.
func onCallEnv(t *testing.T) (*env, *signin.Service) {
	t.Helper()
	e := newHookEnv(t)
	svc, _, err := e.srv.NewConsole(ConsoleConfig{Signin: signin.Config{Params: signintest.FastParams}, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	return e, svc
}

// callMeParticipant is a participant reachable any time who consented to
// calls and replied "call me": one call-back task in the queue. caseworker
// "" is the staff user.
func (e *env) callMeParticipant(phone, caseworker string) string {
	e.t.Helper()
	b := maria()
	b["phone"] = phone
	b["any_time"] = true
	b["safe_windows"] = []string{}
	b["monitored"] = false
	if caseworker != "" {
		b["caseworker"] = caseworker
	}
	code := e.createParticipant(b)
	for _, ch := range []string{"sms", "voice"} {
		if r := e.do(auth.RoleSupervisor, "POST", "/v1/participants/"+code+"/consents", grant(ch)); r.Status != 201 {
			e.t.Fatalf("grant %s: %d %s", ch, r.Status, r.Body)
		}
	}
	e.inbound(nextMessageSid(), e164(phone), "Llámame por favor")
	return code
}

func e164(phone string) string { return strings.ReplaceAll(phone, " ", "") }

// apiTask is the queue's task of participant code as the API shows it to
// role (nil: not in the queue).
func (e *env) apiTask(role auth.Role, code string) map[string]any {
	e.t.Helper()
	r := e.do(role, "GET", "/v1/callbacks", nil)
	if r.Status != 200 {
		e.t.Fatalf("callbacks: %d %s", r.Status, r.Body)
	}
	for _, it := range r.json(e.t)["items"].([]any) {
		if m := it.(map[string]any); m["participant"] == code {
			return m
		}
	}
	return nil
}

// longDigits finds what looks like a phone number: 7 or more digits in a
// row, spaces and dots allowed between them.
var longDigits = regexp.MustCompile(`\+?\d(?:[ .\-]?\d){6,}`)

// noPhone fails if a page shows a phone number.
func noPhone(t *testing.T, what string, p webPage, phones ...string) {
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
	code := e.callMeParticipant(herPhone, "")
	task := e.apiTask(auth.RoleStaff, code)
	if task == nil {
		t.Fatal("no call-back task")
	}
	id := fmt.Sprint(int64(task["id"].(float64)))
	base := "/callbacks/" + id
	staff := signInAs(t, e, svc, auth.RoleStaff)
	sup := signInAs(t, e, svc, auth.RoleSupervisor)

	p := staff.get("/callbacks")
	if p.Status != 200 || !strings.Contains(p.Body, code) || !strings.Contains(p.Body, "she asked to be called") ||
		!strings.Contains(p.Body, `action="`+base+`/claim"`) || !strings.Contains(p.Body, "nobody yet") {
		t.Fatalf("queue: %d\n%s", p.Status, p.Body)
	}
	noPhone(t, "queue", p, herPhone)

	// Claim: the API sees her claim; the page offers her the call and the outcome.
	wantSeeOther(t, "claim", staff.post(base+"/claim", nil), "/callbacks?m=claimed")
	if tk := e.apiTask(auth.RoleStaff, code); tk["status"] != "claimed" || tk["claimed_by"] != "staff-user" {
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
	if tk := e.apiTask(auth.RoleStaff, code); tk["status"] != "open" || tk["claimed_by"] != nil {
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
	if tk := e.apiTask(auth.RoleStaff, code); tk["status"] != "open" || tk["last_result"] != "no_answer" {
		t.Fatalf("after no answer: %v", tk)
	}
	wantSeeOther(t, "claim a third time", staff.post(base+"/claim", nil), "/callbacks?m=claimed")
	wantSeeOther(t, "reached", staff.post(base+"/complete", url.Values{"outcome": {"reached"}}), "/callbacks?m=completed")
	if tk := e.apiTask(auth.RoleStaff, code); tk != nil {
		t.Fatalf("a completed task is still queued: %v", tk)
	}
	acts := voiceAuditActions(t, e, code)
	for _, a := range []string{"callback.claimed", "callback.released", "callback.requeued", "callback.completed"} {
		if !strings.Contains(acts, a) {
			t.Errorf("audit lacks %s: %s", a, acts)
		}
	}
	p = staff.get("/callbacks?m=completed")
	if !strings.Contains(p.Body, "Nobody is waiting for a call-back.") || !strings.Contains(p.Body, "The outcome is recorded") {
		t.Fatalf("empty queue:\n%s", p.Body)
	}
	noPhone(t, "empty queue", p, herPhone)
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
