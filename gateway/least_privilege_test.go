package gateway

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/keys"
)

// The tests of least privilege and fail-closed defaults. Each names the
// finding of the security review it answers (see the README's threat
// model): they fail on the code before these changes.

// lpEnv is an env with a second staff user who is nobody's caseworker.
type lpEnv struct {
	*env
	tok map[string]string // relation -> token
}

const (
	relCaseworker = "caseworker" // staff-user: her caseworker
	relOther      = "other"      // other-staff: staff, not her caseworker
	relSupervisor = "supervisor"
	relAdmin      = "admin"
)

var relations = []string{relCaseworker, relOther, relSupervisor, relAdmin}

func newLP(t *testing.T) *lpEnv {
	e := newEnv(t)
	other, err := AddUser(context.Background(), e.db, SystemActor("test"), "other-staff", RoleStaff)
	if err != nil {
		t.Fatal(err)
	}
	return &lpEnv{env: e, tok: map[string]string{relCaseworker: e.tokens[RoleStaff], relOther: other,
		relSupervisor: e.tokens[RoleSupervisor], relAdmin: e.tokens[RoleAdmin]}}
}

// as sends a request with a token.
func (e *env) as(token, method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	saved := e.tokens[RoleStaff]
	e.tokens[RoleStaff] = token
	defer func() { e.tokens[RoleStaff] = saved }()
	return e.do(RoleStaff, method, path, body, hdr...)
}

var phoneN atomic.Int64

// fixture is one participant of staff-user's with what the write routes
// act on: sms consent, a duress escalation and its call-back task, an
// unread reply, an appointment and a check-in plan.
type fixture struct {
	code, phone  string
	part         db.Participant
	escalation   string
	task         int64
	inbound      int64
	appointment  string
	meetingPoint string
}

func (e *lpEnv) fixture() *fixture {
	e.t.Helper()
	ctx := context.Background()
	n := phoneN.Add(1)
	f := &fixture{phone: fmt.Sprintf("+3461270%04d", n)}
	b := maria()
	b["phone"] = f.phone
	b["monitored"] = false
	f.code = e.createParticipant(b)
	if r := e.do(RoleStaff, "POST", "/v1/participants/"+f.code+"/consents", grant("sms")); r.Status != 201 {
		e.t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	f.meetingPoint = fmt.Sprintf("Metro Sants exit %c", 'A'+rune(n%26))
	e.do(RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": f.meetingPoint, "kind": "metro"})
	r := e.do(RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": f.code, "starts_at": "2026-06-10T09:00:00Z",
		"meeting_point": f.meetingPoint, "kind": "group", "venue": "Room B", "reminders": []string{}})
	if r.Status != 201 {
		e.t.Fatalf("appointment: %d %s", r.Status, r.Body)
	}
	f.appointment = r.json(e.t)["id"].(string)
	if r := e.do(RoleStaff, "POST", "/v1/participants/"+f.code+"/checkin-plan", map[string]any{"every": "72h", "at": "11:00",
		"ok_reply": "bien", "help_reply": "llamame", "duress_words": []string{"pan"}}); r.Status != 201 && r.Status != 200 {
		e.t.Fatalf("plan: %d %s", r.Status, r.Body)
	}
	err := db.InTx(ctx, e.db, func(q *db.Queries, tx *sql.Tx) error {
		p, err := q.ParticipantByCode(ctx, f.code)
		if err != nil {
			return err
		}
		f.part = p
		id, err := e.srv.openEscalation(ctx, q, SystemActor("test"), p, uuid.NullUUID{}, "duress", true, e.clock.Now())
		if err != nil {
			return err
		}
		f.escalation = id.String()
		t, err := q.CallbackTaskBySourceKey(ctx, sql.NullString{String: "escalation:" + id.String(), Valid: true})
		if err != nil {
			return err
		}
		f.task = t.ID
		if err := e.srv.applyInbound(ctx, q, channels.Inbound{ProviderID: nextMessageSid(), From: f.phone, To: "+15005550006", Body: "necesito hablar", Channel: "sms"}, e.clock.Now()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT max(id) FROM inbound_messages WHERE participant_id = $1`, p.ID).Scan(&f.inbound)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// writeCase is one write route: how to call it on a fixture, and the
// status each relation gets.
type writeCase struct {
	call func(e *lpEnv, f *fixture, rel string) (token, path string, body any)
	want map[string]int
}

// same: every relation gets status.
func same(status int) map[string]int {
	return map[string]int{relCaseworker: status, relOther: status, relSupervisor: status, relAdmin: status}
}

// team: her caseworker, supervisors and admins get ok; other staff 403.
func team(ok int) map[string]int {
	return map[string]int{relCaseworker: ok, relOther: 403, relSupervisor: ok, relAdmin: ok}
}

func adminOnly(ok int) map[string]int {
	return map[string]int{relCaseworker: 403, relOther: 403, relSupervisor: 403, relAdmin: ok}
}

func byRel(path string, body any) func(e *lpEnv, f *fixture, rel string) (string, string, any) {
	return func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		return e.tok[rel], strings.NewReplacer(":code", f.code, ":esc", f.escalation, ":appt", f.appointment).Replace(path), body
	}
}

// claimed claims the fixture's task for rel first.
func claimed(action string, body any) func(e *lpEnv, f *fixture, rel string) (string, string, any) {
	return func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		if r := e.as(e.tok[rel], "POST", fmt.Sprintf("/v1/callbacks/%d/claim", f.task), nil); r.Status != 200 {
			e.t.Fatalf("claim as %s: %d %s", rel, r.Status, r.Body)
		}
		return e.tok[rel], fmt.Sprintf("/v1/callbacks/%d/%s", f.task, action), body
	}
}

// freshUser: a self-service route run by a new user of rel's role (the
// route changes the caller's own token or phone).
func freshUser(path string, body any) func(e *lpEnv, f *fixture, rel string) (string, string, any) {
	return func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		role := map[string]Role{relCaseworker: RoleStaff, relOther: RoleStaff, relSupervisor: RoleSupervisor, relAdmin: RoleAdmin}[rel]
		tok, err := AddUser(context.Background(), e.db, SystemActor("test"), fmt.Sprintf("self-%d", phoneN.Add(1)), role)
		if err != nil {
			e.t.Fatal(err)
		}
		return tok, path, body
	}
}

// writeRoutes is the table: every write route of the router. A route
// added without an entry fails TestWriteRoutesAccessTable.
func writeRoutes() map[string]writeCase {
	reason := map[string]any{"reason": "she asked us, recorded on the paper form"}
	return map[string]writeCase{
		"POST /v1/participants": {func(e *lpEnv, f *fixture, rel string) (string, string, any) {
			b := maria()
			b["phone"] = fmt.Sprintf("+3461280%04d", phoneN.Add(1))
			return e.tok[rel], "/v1/participants", b
		}, same(201)},
		"PATCH /v1/participants/:code":                    {byRel("/v1/participants/:code", map[string]any{"language": "it"}), team(200)},
		"POST /v1/participants/:code/consents":            {byRel("/v1/participants/:code/consents", grant("whatsapp")), team(201)},
		"DELETE /v1/participants/:code/consents/:channel": {byRel("/v1/participants/:code/consents/sms", reason), same(200)},
		"POST /v1/participants/:code/erase-content":       {byRel("/v1/participants/:code/erase-content", reason), team(200)},
		"POST /v1/participants/:code/reveal-phone":        {byRel("/v1/participants/:code/reveal-phone", reason), team(200)},
		"POST /v1/participants/:code/checkin-plan": {byRel("/v1/participants/:code/checkin-plan", map[string]any{"every": "72h", "at": "11:30",
			"ok_reply": "vale", "help_reply": "ayuda", "duress_words": []string{"sal"}}), team(200)},
		"DELETE /v1/participants/:code/checkin-plan": {byRel("/v1/participants/:code/checkin-plan", nil), team(204)},
		"POST /v1/messages": {func(e *lpEnv, f *fixture, rel string) (string, string, any) {
			return e.tok[rel], "/v1/messages", map[string]any{"participant": f.code, "channel": "sms", "body": "Hola, nos vemos pronto"}
		}, team(202)},
		"POST /v1/messages/preview": {func(e *lpEnv, f *fixture, rel string) (string, string, any) {
			return e.tok[rel], "/v1/messages/preview", map[string]any{"participant": f.code, "channel": "sms", "body": "Hola, nos vemos pronto"}
		}, team(200)},
		"POST /v1/appointments": {func(e *lpEnv, f *fixture, rel string) (string, string, any) {
			return e.tok[rel], "/v1/appointments", map[string]any{"participant": f.code, "starts_at": "2026-06-11T09:00:00Z",
				"meeting_point": f.meetingPoint, "kind": "group", "venue": "Room B", "reminders": []string{}}
		}, team(201)},
		"PATCH /v1/appointments/:id":       {byRel("/v1/appointments/:appt", map[string]any{"starts_at": "2026-06-12T09:00:00Z"}), team(200)},
		"DELETE /v1/appointments/:id":      {byRel("/v1/appointments/:appt", nil), team(200)},
		"POST /v1/escalations/:id/ack":     {byRel("/v1/escalations/:esc/ack", nil), same(200)},
		"POST /v1/escalations/:id/resolve": {byRel("/v1/escalations/:esc/resolve", map[string]any{"outcome": "safe", "note": "called her back, she is safe"}), team(200)},
		"POST /v1/callbacks/:id/claim": {func(e *lpEnv, f *fixture, rel string) (string, string, any) {
			return e.tok[rel], fmt.Sprintf("/v1/callbacks/%d/claim", f.task), nil
		}, same(200)},
		"POST /v1/callbacks/:id/release":  {claimed("release", nil), same(200)},
		"POST /v1/callbacks/:id/complete": {claimed("complete", map[string]any{"outcome": "no_answer"}), same(200)},
		"POST /v1/callbacks/:id/connect":  {claimed("connect", nil), same(503)}, // no Twilio voice here: not a refusal of access
		"POST /v1/inbox/:id/read": {func(e *lpEnv, f *fixture, rel string) (string, string, any) {
			return e.tok[rel], fmt.Sprintf("/v1/inbox/%d/read", f.inbound), nil
		}, map[string]int{relCaseworker: 200, relOther: 404, relSupervisor: 404, relAdmin: 404}},
		"POST /v1/meeting-points": {func(e *lpEnv, f *fixture, rel string) (string, string, any) {
			return e.tok[rel], "/v1/meeting-points", map[string]any{"name": "Bus stop Nord " + map[string]string{relCaseworker: "A", relOther: "B", relSupervisor: "C", relAdmin: "D"}[rel], "kind": "bus"}
		}, same(201)},
		"PUT /v1/me/phone":         {freshUser("/v1/me/phone", map[string]any{"phone": "+34 699 000 111"}), same(200)},
		"DELETE /v1/me/phone":      {freshUser("/v1/me/phone", nil), same(204)},
		"POST /v1/me/rotate-token": {freshUser("/v1/me/rotate-token", nil), same(200)},
		"POST /v1/users": {func(e *lpEnv, f *fixture, rel string) (string, string, any) {
			return e.tok[rel], "/v1/users", map[string]any{"name": fmt.Sprintf("new-%s-%d", rel, phoneN.Add(1)), "role": "staff"}
		}, adminOnly(201)},
		"POST /v1/users/:name/disable": {func(e *lpEnv, f *fixture, rel string) (string, string, any) {
			return e.tok[rel], "/v1/users/" + e.victim() + "/disable", nil
		}, adminOnly(204)},
		"POST /v1/users/:name/rotate-token": {func(e *lpEnv, f *fixture, rel string) (string, string, any) {
			return e.tok[rel], "/v1/users/" + e.victim() + "/rotate-token", nil
		}, adminOnly(200)},
	}
}

// victim is a fresh staff user to disable or rotate.
func (e *lpEnv) victim() string {
	name := fmt.Sprintf("victim-%d", phoneN.Add(1))
	if _, err := AddUser(context.Background(), e.db, SystemActor("test"), name, RoleStaff); err != nil {
		e.t.Fatal(err)
	}
	return name
}

// Findings 1 and 3: object-level access, every write route × role ×
// relationship, walking the router so a new route needs an entry.
func TestWriteRoutesAccessTable(t *testing.T) {
	e := newLP(t)
	table := writeRoutes()
	for _, rt := range e.srv.router.Routes() {
		if rt.Method == "GET" || strings.HasPrefix(rt.Path, "/webhooks/") {
			continue // reads are covered below; webhooks are signature-checked, no roles
		}
		key := rt.Method + " " + rt.Path
		wc, ok := table[key]
		if !ok {
			t.Errorf("write route %s has no entry in the access table", key)
			continue
		}
		for _, rel := range relations {
			f := e.fixture()
			tok, path, body := wc.call(e, f, rel)
			r := e.as(tok, rt.Method, path, body)
			if r.Status != wc.want[rel] {
				t.Errorf("%s as %s: %d %s, want %d", key, rel, r.Status, r.Body, wc.want[rel])
			}
			if r.Status == 403 && r.errCode(t) != "forbidden" {
				t.Errorf("%s as %s: 403 with %s", key, rel, r.Body)
			}
		}
		delete(table, key)
	}
	for key := range table {
		t.Errorf("the access table lists %s, which the router does not have", key)
	}
}

// Finding 3: another staff member cannot reassign her to herself and then
// act; reads of her profile, consents (evidence), messages, plans are hers.
func TestOtherStaffSeeOnlyWhatTheWorkNeeds(t *testing.T) {
	e := newLP(t)
	f := e.fixture()
	other := e.tok[relOther]
	for _, b := range []map[string]any{{"caseworker": "other-staff"}, {"phone": "+34 699 111 222"}, {"monitored": true}} {
		if r := e.as(other, "PATCH", "/v1/participants/"+f.code, b); r.Status != 403 {
			t.Errorf("other staff PATCH %v: %d %s", b, r.Status, r.Body)
		}
	}
	for _, p := range []string{"/v1/participants/" + f.code + "/consents", "/v1/participants/" + f.code + "/messages",
		"/v1/participants/" + f.code + "/checkin-plan", "/v1/participants/" + f.code + "/contactability", "/v1/appointments?participant=" + f.code} {
		if r := e.as(other, "GET", p, nil); r.Status != 403 {
			t.Errorf("other staff GET %s: %d", p, r.Status)
		}
	}
	// The list and the profile show her code, initials and caseworker only.
	r := e.as(other, "GET", "/v1/participants/"+f.code, nil)
	if r.Status != 200 || r.json(t)["access"] != "limited" || strings.Contains(string(r.Body), "•") || strings.Contains(string(r.Body), "monitored") {
		t.Errorf("limited view: %d %s", r.Status, r.Body)
	}
	for _, it := range e.as(other, "GET", "/v1/participants", nil).json(t)["items"].([]any) {
		if m := it.(map[string]any); m["access"] != "limited" || m["phone"] != nil || m["safe_windows"] != nil {
			t.Errorf("list item for other staff: %v", m)
		}
	}
	// Her caseworker reassigns her to a colleague: allowed.
	if r := e.do(RoleStaff, "PATCH", "/v1/participants/"+f.code, map[string]any{"caseworker": "other-staff"}); r.Status != 200 {
		t.Fatalf("caseworker reassigns: %d %s", r.Status, r.Body)
	}
	if r := e.as(other, "GET", "/v1/participants/"+f.code+"/consents", nil); r.Status != 200 {
		t.Errorf("new caseworker reads consents: %d", r.Status)
	}
}

// Finding 3: a duress escalation is resolved only with a note, by her
// caseworker or a supervisor.
func TestDuressResolveNeedsNoteAndCaseworker(t *testing.T) {
	e := newLP(t)
	f := e.fixture()
	path := "/v1/escalations/" + f.escalation + "/resolve"
	if r := e.as(e.tok[relOther], "POST", path, map[string]any{"outcome": "safe", "note": "she is fine, I checked"}); r.Status != 403 {
		t.Fatalf("other staff: %d %s", r.Status, r.Body)
	}
	if r := e.do(RoleStaff, "POST", path, map[string]any{"outcome": "safe"}); r.Status != 422 || r.errCode(t) != "note_required" {
		t.Fatalf("no note: %d %s", r.Status, r.Body)
	}
	if r := e.do(RoleStaff, "POST", path, map[string]any{"outcome": "safe", "note": "call her on 612 345 678"}); r.Status != 422 || r.errCode(t) != "contact_details_in_text" {
		t.Fatalf("number in note: %d %s", r.Status, r.Body)
	}
	if r := e.do(RoleStaff, "POST", path, map[string]any{"outcome": "safe", "note": "called her back, she is safe"}); r.Status != 200 {
		t.Fatalf("caseworker with note: %d %s", r.Status, r.Body)
	}
}

// Finding 1: reveals are her caseworker's, within a daily budget; a
// burst and the first refusal alert the supervisors; refusals are audited.
func TestRevealBudgetAndBurstAlert(t *testing.T) {
	e := newLP(t)
	var codes []string
	for range 6 {
		codes = append(codes, e.fixture().code)
	}
	reveal := func(tok, code string) resp {
		return e.as(tok, "POST", "/v1/participants/"+code+"/reveal-phone", map[string]any{"reason": "calling her back about Tuesday"})
	}
	// Someone else's participants: refused, recorded.
	for _, c := range codes {
		if r := reveal(e.tok[relOther], c); r.Status != 403 {
			t.Fatalf("other staff reveal: %d %s", r.Status, r.Body)
		}
	}
	var refused int
	e.db.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'phone.reveal_refused'`).Scan(&refused)
	if refused != 6 {
		t.Fatalf("%d refusals recorded, want 6", refused)
	}
	notices := func() int {
		var n int
		e.db.QueryRow(`SELECT count(*) FROM staff_notices`).Scan(&n)
		return n
	}
	for i, c := range codes[:5] {
		if r := reveal(e.tok[relCaseworker], c); r.Status != 200 {
			t.Fatalf("reveal %d: %d %s", i, r.Status, r.Body)
		}
		if i == 1 && notices() != 0 {
			t.Fatal("notice before the burst")
		}
		if i == 2 && notices() != 1 { // the third within an hour: one supervisor alerted
			t.Fatalf("burst: %d notices", notices())
		}
	}
	r := reveal(e.tok[relCaseworker], codes[5])
	if r.Status != 429 || r.errCode(t) != "reveal_budget_exhausted" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("over budget: %d %s", r.Status, r.Body)
	}
	if notices() != 2 {
		t.Fatalf("budget reached: %d notices", notices())
	}
	reveal(e.tok[relCaseworker], codes[5])
	if notices() != 2 {
		t.Fatal("a second refusal alerted again")
	}
	// A supervisor still can.
	if r := reveal(e.tok[relSupervisor], codes[5]); r.Status != 200 {
		t.Fatalf("supervisor: %d %s", r.Status, r.Body)
	}
	// The notices go out through the staff-alert sender, naming nobody.
	sink := channels.NewSink("")
	if _, err := e.db.Exec(`UPDATE users SET phone_enc = $1 WHERE name = 'supervisor-user'`, e.keys.Seal(keys.Contact, []byte("+34699000999"))); err != nil {
		t.Fatal(err)
	}
	if n, err := e.srv.NewStaffAlerter(sink).Flush(context.Background()); err != nil || n != 2 {
		t.Fatalf("flush: %d %v", n, err)
	}
	for _, m := range sink.Recent() {
		if strings.Contains(m.Body, "staff-user") || strings.Contains(m.Body, "P-") {
			t.Errorf("notice names someone: %q", m.Body)
		}
	}
}

// Finding 4: free-text fields keep no numbers, addresses or links; the
// error says to reference the paper form and quotes nothing.
func TestFreeTextFieldsRefuseContactDetails(t *testing.T) {
	e := newLP(t)
	f := e.fixture()
	for _, c := range []struct {
		path, method string
		body         map[string]any
		code         string
	}{
		{"/v1/participants/" + f.code + "/consents", "POST", map[string]any{"channel": "voice", "evidence": "verbal, her new number 612 345 999", "notice_language": "es"}, "contact_details_in_text"},
		{"/v1/participants/" + f.code + "/consents", "POST", map[string]any{"channel": "voice", "evidence": "form at www.example.org", "notice_language": "es"}, "contact_details_in_text"},
		{"/v1/appointments", "POST", map[string]any{"participant": f.code, "starts_at": "2026-06-11T09:00:00Z", "meeting_point": f.meetingPoint, "kind": "group", "venue": "Calle Mayor 5, 2º"}, "contact_details_in_text"},
		{"/v1/meeting-points", "POST", map[string]any{"name": "Bar at 612345678", "kind": "landmark"}, "meeting_point_not_neutral"},
		{"/v1/participants/" + f.code, "PATCH", map[string]any{"caseworker": "ask@ong.org"}, "contact_details_in_text"},
		{"/v1/users", "POST", map[string]any{"name": "612345678", "role": "staff"}, "invalid_user_name"},
		{"/v1/participants/" + f.code + "/erase-content", "POST", map[string]any{"reason": "she lives at Calle Mayor 5"}, "reason_has_number"},
	} {
		r := e.do(RoleAdmin, c.method, c.path, c.body)
		if r.Status != 422 || r.errCode(t) != c.code {
			t.Errorf("%s %s %v: %d %s", c.method, c.path, c.body, r.Status, r.Body)
		}
		for _, v := range c.body {
			if s, ok := v.(string); ok && len(s) > 4 && strings.Contains(string(r.Body), s) {
				t.Errorf("error echoes %q", s)
			}
		}
	}
	// A form reference is what staff should write.
	if r := e.do(RoleStaff, "POST", "/v1/participants/"+f.code+"/consents", map[string]any{"channel": "voice", "evidence": "signed form F-2026-115, filed", "notice_language": "es"}); r.Status != 201 {
		t.Fatalf("form reference: %d %s", r.Status, r.Body)
	}
}

// Finding 5: a NUL byte (and control, bidi, format characters) in any of
// the places the review found gives a clean 4xx, never a 500.
func TestNulAndControlCharactersNever500(t *testing.T) {
	e := newLP(t)
	f := e.fixture()
	type place struct {
		method, path string
		body         func(s string) map[string]any
	}
	places := []place{
		{"DELETE", "/v1/participants/" + f.code + "/consents/sms", func(s string) map[string]any { return map[string]any{"reason": "she asked " + s} }},
		{"POST", "/v1/participants/" + f.code + "/consents", func(s string) map[string]any {
			return map[string]any{"channel": "voice", "evidence": "signed " + s, "notice_language": "es"}
		}},
		{"POST", "/v1/appointments", func(s string) map[string]any {
			return map[string]any{"participant": f.code, "starts_at": "2026-06-11T09:00:00Z", "meeting_point": f.meetingPoint, "kind": "group", "venue": "Room " + s}
		}},
		{"POST", "/v1/appointments", func(s string) map[string]any {
			return map[string]any{"participant": f.code, "starts_at": "2026-06-11T09:00:00Z", "meeting_point": "Metro " + s, "kind": "group", "venue": "Room B"}
		}},
		{"PATCH", "/v1/appointments/" + f.appointment, func(s string) map[string]any { return map[string]any{"meeting_point": "Metro " + s} }},
		{"POST", "/v1/meeting-points", func(s string) map[string]any { return map[string]any{"name": "Metro " + s, "kind": "metro"} }},
		{"PATCH", "/v1/participants/" + f.code, func(s string) map[string]any { return map[string]any{"caseworker": "staff" + s} }},
		{"POST", "/v1/participants", func(s string) map[string]any {
			b := maria()
			b["caseworker"] = "x" + s
			return b
		}},
		{"POST", "/v1/users", func(s string) map[string]any { return map[string]any{"name": "new" + s, "role": "staff"} }},
		{"POST", "/v1/participants/" + f.code + "/reveal-phone", func(s string) map[string]any { return map[string]any{"reason": "calling her " + s} }},
		{"POST", "/v1/participants/" + f.code + "/erase-content", func(s string) map[string]any { return map[string]any{"reason": "she asked " + s} }},
		{"POST", "/v1/escalations/" + f.escalation + "/resolve", func(s string) map[string]any { return map[string]any{"outcome": "safe", "note": "she is safe " + s} }},
		{"POST", "/v1/participants/" + f.code + "/checkin-plan", func(s string) map[string]any {
			return map[string]any{"every": "72h", "at": "11:00", "ok_reply": "ok" + s, "help_reply": "ayuda"}
		}},
	}
	for _, bad := range []string{"\x00", "a\x1b[2K", "\u202e", "\u200b", "\u0085", "x\ny"} {
		for _, p := range places {
			// Inside the text: leading and trailing white space is trimmed.
			r := e.do(RoleAdmin, p.method, p.path, p.body("a"+bad+"b"))
			if r.Status != 422 || (r.errCode(t) != "invalid_text" && r.errCode(t) != "invalid_user_name") {
				t.Errorf("%s %s with %q: %d %s", p.method, p.path, bad, r.Status, r.Body)
			}
		}
		// Query filters and path parameters too.
		for _, q := range []string{"/v1/audit?actor=a" + urlEsc(bad), "/v1/audit?action=x" + urlEsc(bad), "/v1/audit/export?actor=" + urlEsc(bad),
			"/v1/users/a" + urlEsc(bad) + "/disable"} {
			method := "GET"
			if strings.HasSuffix(q, "/disable") {
				method = "POST"
			}
			if r := e.do(RoleAdmin, method, q, nil); r.Status != 422 || r.errCode(t) != "invalid_text" {
				t.Errorf("%s %q: %d %s", method, q, r.Status, r.Body)
			}
		}
	}
}

func urlEsc(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// Finding 6: user names are slugs of one script, counted in characters;
// a look-alike of an existing name is refused; the CLI listing cannot be
// overwritten by escapes (cmd/gateway).
func TestUserNameRules(t *testing.T) {
	e := newLP(t)
	for name, code := range map[string]string{
		"admin\x1b[1A\x1b[2Kroot": "invalid_text",
		"evil\nadmin":             "invalid_text",
		"adm\u202enimda":          "invalid_text",
		"аdmin-user":              "invalid_user_name", // Cyrillic а, Latin rest
		"ѕtaff-user":              "invalid_user_name", // mixed
		"Admin-User":              "duplicate_user",    // a look-alike of admin-user
		"admin-uѕer":              "invalid_user_name",
		"a/b":                     "invalid_user_name",
		"+34612345678":            "invalid_user_name",
		strings.Repeat("é", 65):   "invalid_user_name",
	} {
		r := e.do(RoleAdmin, "POST", "/v1/users", map[string]any{"name": name, "role": "admin"})
		if r.Status/100 != 4 || r.errCode(t) != code {
			t.Errorf("%q: %d %s, want %s", name, r.Status, r.Body, code)
		}
	}
	if r := e.do(RoleAdmin, "POST", "/v1/users", map[string]any{"name": strings.Repeat("é", 64), "role": "staff"}); r.Status != 201 {
		t.Errorf("64 characters (128 bytes): %d %s", r.Status, r.Body)
	}
}

// Finding 9: every /v1 answer, whatever the route, method or outcome, is
// JSON with no-store and nosniff.
func TestAPIHeadersOnEveryRoute(t *testing.T) {
	e := newLP(t)
	f := e.fixture()
	check := func(what string, r resp) {
		t.Helper()
		if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d headers %v", what, r.Status, r.Header)
		}
	}
	repl := strings.NewReplacer(":code", f.code, ":channel", "sms", ":id", "1", ":name", "nobody")
	for _, rt := range e.srv.router.Routes() {
		if !strings.HasPrefix(rt.Path, "/v1") {
			continue
		}
		path := repl.Replace(rt.Path)
		if rt.Path == "/v1/audit/export" {
			// The export is a download (text/csv or NDJSON); it still must not be cached.
			r := e.do(RoleSupervisor, rt.Method, path, nil)
			if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("export headers %v", r.Header)
			}
			continue
		}
		for _, role := range []Role{"", RoleStaff, RoleAdmin} {
			check(fmt.Sprintf("%s %s as %q", rt.Method, path, role), e.do(role, rt.Method, path, nil))
		}
	}
	check("unknown /v1 route", e.do(RoleStaff, "GET", "/v1/nowhere", nil))
	check("wrong method", e.do(RoleStaff, "PUT", "/v1/participants", nil))
}

// Finding 10: one generic 401; failures throttled per address with a
// metric; expiry; the last admin stays; rotation keeps the user.
func TestTokenHardening(t *testing.T) {
	e := newLP(t)
	ctx := context.Background()
	// Disabled and unknown tokens get the same answer.
	disabled, _ := AddUser(ctx, e.db, SystemActor("test"), "leaver", RoleStaff)
	if err := DisableUser(ctx, e.db, SystemActor("test"), "leaver"); err != nil {
		t.Fatal(err)
	}
	expiring, _ := AddUserWith(ctx, e.db, SystemActor("test"), NewUser{Name: "temp-worker", Role: RoleStaff, ExpiresIn: 90 * 24 * time.Hour})
	if r := e.as(expiring, "GET", "/v1/participants", nil); r.Status != 200 {
		t.Fatalf("expiring token before expiry: %d", r.Status)
	}
	e.db.Exec(`UPDATE users SET expires_at = now() - interval '1 minute' WHERE name = 'temp-worker'`)
	e.srv.tokens.purge()
	bodies := map[string]bool{}
	for _, tok := range []string{disabled, NewToken(), expiring, "garbage"} {
		r := e.as(tok, "GET", "/v1/participants", nil)
		if r.Status != 401 {
			t.Fatalf("token: %d %s", r.Status, r.Body)
		}
		bodies[string(r.Body)] = true
	}
	if len(bodies) != 1 {
		t.Fatalf("401 answers differ: %v", bodies)
	}
	// Ten failures per address, then 429 before any lookup.
	for i := 0; i < 20; i++ {
		e.as(NewToken(), "GET", "/v1/participants", nil)
	}
	r := e.as(NewToken(), "GET", "/v1/participants", nil)
	if r.Status != 429 || r.errCode(t) != "too_many_attempts" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("throttle: %d %s", r.Status, r.Body)
	}
	if m := string(e.metrics().Body); !strings.Contains(m, `safecontact_auth_failures_total{result="throttled"}`) ||
		!strings.Contains(m, `safecontact_auth_failures_total{result="unauthorized"} 10`) {
		t.Fatalf("metrics: %s", m)
	}
	// Another address is not affected.
	req := httptest.NewRequest("GET", "/v1/participants", nil)
	req.RemoteAddr = "198.51.100.7:4000"
	req.Header.Set("Authorization", "Bearer "+e.tokens[RoleStaff])
	w := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("other address: %d", w.Code)
	}
	// The last active admin cannot be disabled.
	e.srv.authThrottle = newAuthThrottle()
	if r := e.do(RoleAdmin, "POST", "/v1/users/admin-user/disable", nil); r.Status != 409 || r.errCode(t) != "last_admin" {
		t.Fatalf("last admin: %d %s", r.Status, r.Body)
	}
	// Rotation: a new token works, the old one does not, the user stays.
	old := e.tokens[RoleSupervisor]
	r = e.do(RoleAdmin, "POST", "/v1/users/supervisor-user/rotate-token", map[string]any{"expires": "30d"})
	if r.Status != 200 || r.json(t)["expires_at"] == nil {
		t.Fatalf("rotate: %d %s", r.Status, r.Body)
	}
	fresh := r.json(t)["token"].(string)
	if r := e.as(old, "GET", "/v1/participants", nil); r.Status != 401 {
		t.Fatalf("old token: %d", r.Status)
	}
	if r := e.as(fresh, "GET", "/v1/audit", nil); r.Status != 200 {
		t.Fatalf("new token: %d %s", r.Status, r.Body)
	}
	users := e.do(RoleAdmin, "GET", "/v1/users", nil).json(t)["items"].([]any)
	for _, u := range users {
		if m := u.(map[string]any); m["name"] == "temp-worker" && m["expires_at"] == nil {
			t.Fatalf("users list without expiry: %v", m)
		}
	}
}

// Finding 11: unknown fields are not echoed; request ids only in fixed
// shapes reach the audit log; duplicate_phone only for her caseworker.
func TestNoCallerDataEchoed(t *testing.T) {
	e := newLP(t)
	f := e.fixture()
	r := e.do(RoleStaff, "POST", "/v1/participants", map[string]any{"initials": "AB", "phone_612345678": "x"})
	if r.Status != 422 || r.errCode(t) != "unknown_field" || strings.Contains(string(r.Body), "612345678") {
		t.Fatalf("unknown field: %d %s", r.Status, r.Body)
	}
	r = e.do(RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": f.code, "template": "x", "params": map[string]any{"612345678": 5}})
	if r.Status/100 != 4 || strings.Contains(string(r.Body), "612345678") {
		t.Fatalf("wrong type under a caller's key: %d %s", r.Status, r.Body)
	}
	for id, kept := range map[string]bool{
		"maria-lopez-calle-mayor-5": false, "0123456789abcdef": false, "a1b2c3d4e5f6a7b8": true,
		"3f2b8c1e-4d5a-4b6c-9e8f-1a2b3c4d5e6f": true, "612345678abcdefa": false,
	} {
		r := e.do(RoleStaff, "POST", "/v1/participants/"+f.code+"/reveal-phone", map[string]any{"reason": "calling her about the visit"}, "X-Request-Id", id)
		if got := r.Header.Get("X-Request-Id"); (got == id) != kept {
			t.Errorf("request id %q answered as %q", id, got)
		}
		var stored string
		e.db.QueryRow(`SELECT request_id FROM audit_events WHERE action = 'phone.revealed' ORDER BY id DESC LIMIT 1`).Scan(&stored)
		if (stored == id) != kept {
			t.Errorf("request id %q stored as %q", id, stored)
		}
	}
	// The same number by her caseworker: duplicate_phone; by someone else:
	// a neutral refusal that does not say the number is taken.
	b := maria()
	b["phone"] = f.phone
	if r := e.do(RoleStaff, "POST", "/v1/participants", b); r.Status != 409 || r.errCode(t) != "duplicate_phone" {
		t.Fatalf("caseworker: %d %s", r.Status, r.Body)
	}
	r = e.as(e.tok[relOther], "POST", "/v1/participants", b)
	if r.Status != 409 || r.errCode(t) != "number_unavailable" || strings.Contains(string(r.Body), "another participant") {
		t.Fatalf("other staff: %d %s", r.Status, r.Body)
	}
	var n int
	e.db.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'participant.number_refused'`).Scan(&n)
	if n != 1 {
		t.Fatalf("number_refused recorded %d times", n)
	}
}

// Finding 2: a sink never reports delivered; it keeps masked numbers;
// /v1/dev/sink exists only on a sink instance, and reading it is audited.
func TestSinkNeverDelivers(t *testing.T) {
	p := newPipeline(t)
	if r := p.do(RoleStaff, "GET", "/v1/dev/sink", nil); r.Status != 404 {
		t.Fatalf("dev sink without --sink: %d", r.Status)
	}
	p.stop()
	dir := t.TempDir()
	sink := channels.NewSink(dir)
	p.srv.sink = sink
	p.srv.router = p.srv.routes()
	p.worker = p.srv.NewWorker(map[string]channels.Sender{"sms": sink, "whatsapp": sink}, WorkerConfig{Concurrency: 1})
	p.start()
	code := p.consentingParticipant("+34 612 777 001", false)
	r := p.do(RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, hasta el martes"})
	if r.Status != 202 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	m := p.waitStatus(r.json(t)["id"].(string), channels.SinkStatus)
	for _, h := range m["history"].([]any) {
		if h.(map[string]any)["status"] == "delivered" {
			t.Fatalf("history says delivered: %v", m["history"])
		}
	}
	items := p.do(RoleStaff, "GET", "/v1/dev/sink", nil)
	if items.Status != 200 || strings.Contains(string(items.Body), "612777001") || !strings.Contains(string(items.Body), "•") {
		t.Fatalf("dev sink: %d %s", items.Status, items.Body)
	}
	if _, _, actor := p.lastAudit("dev_sink.read"); actor != "staff-user" {
		t.Fatalf("dev sink read not audited: %q", actor)
	}
}

// Finding 7: no plain HTTP off loopback without a proxy said to be in
// front; the TLS pair reloads on SIGHUP (listen_test.go has the rest).
func TestListenRule(t *testing.T) {
	for _, c := range []struct {
		cfg AppConfig
		ok  bool
	}{
		{AppConfig{Addr: "127.0.0.1:8080"}, true},
		{AppConfig{Addr: "[::1]:8080"}, true},
		{AppConfig{Addr: "localhost:8080"}, true},
		{AppConfig{Addr: "0.0.0.0:8080"}, false},
		{AppConfig{Addr: ":8080"}, false},
		{AppConfig{Addr: "10.0.0.5:8080"}, false},
		{AppConfig{Addr: "0.0.0.0:8080", InsecureBehindProxy: true}, true},
		{AppConfig{Addr: "0.0.0.0:8443", TLSCert: "c.pem", TLSKey: "k.pem"}, true},
		{AppConfig{Addr: "127.0.0.1:8443", TLSCert: "c.pem"}, false},
	} {
		if err := checkListen(c.cfg); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.cfg, err)
		}
	}
	// /metrics is not on the API port.
	e := newEnv(t)
	if r := e.do("", "GET", "/metrics", nil); r.Status != http.StatusNotFound {
		t.Fatalf("/metrics on the API handler: %d", r.Status)
	}
}
