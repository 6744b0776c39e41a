package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"safecontact/channels/twiliotest"
	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
)

const (
	hookBase  = "https://gw.example.org"
	hookToken = "inboundtesttoken0123456789abcdef"
)

func newHookEnv(t *testing.T) *env {
	return newEnvWith(t, Config{PublicURL: hookBase, TwilioAuthToken: hookToken})
}

// postHook posts a form webhook to route, signed for hookBase as Twilio
// would sign it (sign=false: unsigned).
func (e *env) postHook(route, query string, form url.Values, sign bool) resp {
	e.t.Helper()
	target := route
	if query != "" {
		target += "?" + query
	}
	req := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sign {
		req.Header.Set("X-Twilio-Signature", twiliotest.Sign(hookToken, hookBase+target, form))
	}
	w := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(w, req)
	return resp{Status: w.Code, Body: w.Body.Bytes(), Header: w.Header()}
}

var sidN atomic.Int64

func nextMessageSid() string { return fmt.Sprintf("SM%032x", sidN.Add(1)) }

// inbound posts Twilio's incoming-message webhook and checks the answer
// is an empty TwiML response (never an auto-reply).
func (e *env) inbound(sid, from, body string) {
	e.t.Helper()
	to := "+15005550006"
	if strings.HasPrefix(from, "whatsapp:") {
		to = "whatsapp:+15005550007"
	}
	r := e.postHook(callback.RouteInbound, "", url.Values{"MessageSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {"AC" + strings.Repeat("0", 32)},
		"From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}}, true)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") ||
		strings.TrimSpace(string(r.Body)) != `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response></Response>" {
		e.t.Fatalf("inbound: %d %q %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
}

func (e *env) inboxItems(role auth.Role, query string) []map[string]any {
	e.t.Helper()
	r := e.do(role, "GET", "/v1/inbox"+query, nil)
	if r.Status != 200 {
		e.t.Fatalf("inbox: %d %s", r.Status, r.Body)
	}
	var out []map[string]any
	for _, it := range r.json(e.t)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func TestInboundStopReplyUnmatchedDuplicate(t *testing.T) {
	e := newHookEnv(t)
	b := maria()
	b["phone"] = "+34 612 200 001"
	b["any_time"] = true
	b["safe_windows"] = []string{}
	code := e.createParticipant(b)
	for _, ch := range []string{"sms", "whatsapp"} {
		g := grant(ch)
		g["accept_whatsapp_risk"] = ch == "whatsapp"
		if r := e.do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", g); r.Status != 201 {
			t.Fatalf("grant: %d %s", r.Status, r.Body)
		}
	}
	const her = "+34612200001"
	const reply = "Hola, ¿a qué hora es la cita mañana?"

	// A reply lands in her caseworker's inbox (the staff user who created her).
	replySid := nextMessageSid()
	e.inbound(replySid, her, reply)
	e.inbound(replySid, her, reply) // duplicate webhook: applied once
	items := e.inboxItems(auth.RoleStaff, "")
	if len(items) != 1 || items[0]["participant"] != code || items[0]["text"] != reply || items[0]["read"] != false ||
		items[0]["channel"] != "sms" || items[0]["kind"] != "reply" {
		t.Fatalf("inbox: %v", items)
	}
	// Not her caseworker: nothing.
	if other := e.inboxItems(auth.RoleSupervisor, ""); len(other) != 0 {
		t.Fatalf("another user's inbox: %v", other)
	}
	id := int64(items[0]["id"].(float64))
	if r := e.do(auth.RoleSupervisor, "POST", fmt.Sprintf("/v1/inbox/%d/read", id), nil); r.Status != 404 {
		t.Fatalf("mark read by another: %d", r.Status)
	}
	if r := e.do(auth.RoleStaff, "POST", fmt.Sprintf("/v1/inbox/%d/read", id), nil); r.Status != 200 || r.json(t)["read"] != true {
		t.Fatalf("mark read: %d %s", r.Status, r.Body)
	}
	if items := e.inboxItems(auth.RoleStaff, ""); items[0]["read"] != true {
		t.Fatalf("after read: %v", items)
	}
	acts := voiceAuditActions(t, e, code)
	if !strings.Contains(acts, "inbound.received") || !strings.Contains(acts, "inbox.read") || !strings.Contains(acts, "inbox.marked_read") {
		t.Fatalf("audit: %s", acts)
	}

	// "baja" (Spanish STOP), however it is typed: SMS consent revoked, once.
	stopSid := nextMessageSid()
	e.inbound(stopSid, her, "  BAJA. ")
	e.inbound(stopSid, her, "  BAJA. ")
	r := e.do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/consents", nil)
	cons := r.json(t)
	if st := cons["channels"].(map[string]any)["sms"].(map[string]any)["state"]; st != "revoked" {
		t.Fatalf("sms after baja: %v", st)
	}
	if st := cons["channels"].(map[string]any)["whatsapp"].(map[string]any)["state"]; st != "granted" {
		t.Fatalf("whatsapp after an SMS baja: %v", st)
	}
	var revokes int
	e.db.QueryRow(`SELECT count(*) FROM consent_events WHERE kind = 'revoked' AND source = 'inbound_stop' AND channel = 'sms'`).Scan(&revokes)
	if revokes != 1 {
		t.Fatalf("%d revocations for one STOP sent twice", revokes)
	}
	// The next SMS is refused.
	r = e.do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, ¿qué tal todo?"})
	if r.Status != 403 || r.errCode(t) != "consent_revoked" {
		t.Fatalf("send after STOP: %d %s", r.Status, r.Body)
	}
	// A STOP is not an inbox item.
	if items := e.inboxItems(auth.RoleStaff, ""); len(items) != 1 {
		t.Fatalf("inbox after STOP: %v", items)
	}
	// "ARRÊT" on WhatsApp revokes WhatsApp.
	e.inbound(nextMessageSid(), "whatsapp:"+her, "Arrêt")
	r = e.do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/consents", nil)
	if st := r.json(t)["channels"].(map[string]any)["whatsapp"].(map[string]any)["state"]; st != "revoked" {
		t.Fatalf("whatsapp after arrêt: %v", st)
	}

	// An unknown number: stored unmatched, sealed, never answered.
	const stranger = "+34699999001"
	const strangerText = "quien eres, dime tu nombre"
	e.inbound(nextMessageSid(), stranger, strangerText)
	var kind string
	var pid *int64
	var idx, body []byte
	e.db.QueryRow(`SELECT kind, participant_id, from_index, body_enc FROM inbound_messages WHERE participant_id IS NULL`).Scan(&kind, &pid, &idx, &body)
	if kind != "unmatched" || pid != nil || string(idx) != string(e.keys.BlindIndex(stranger)) || len(body) == 0 {
		t.Fatalf("unmatched row: %s %v", kind, pid)
	}
	var n int
	e.db.QueryRow(`SELECT count(*) FROM inbound_messages`).Scan(&n)
	if n != 4 {
		t.Fatalf("%d inbound rows, want 4 (reply, stop, arrêt, unmatched)", n)
	}

	// Nothing in clear: not the numbers, not the texts, in any table or log.
	needles := []string{"612200001", "699999001", "qué hora es", "dime tu nombre"}
	var dump string
	e.db.QueryRow(`SELECT string_agg(row_to_json(i)::text, ' ') FROM inbound_messages i`).Scan(&dump)
	var audit string
	e.db.QueryRow(`SELECT string_agg(coalesce(details::text, ''), ' ') FROM audit_events`).Scan(&audit)
	for _, s := range needles {
		if strings.Contains(dump, s) || strings.Contains(audit, s) || strings.Contains(e.logs.String(), s) {
			t.Errorf("%q found in clear (table, audit or logs)", s)
		}
	}
	// The raw bytes of the sealed bodies, too.
	rows, err := e.db.Query(`SELECT coalesce(body_enc, '') FROM inbound_messages`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var raw []byte
		rows.Scan(&raw)
		for _, s := range needles {
			if strings.Contains(string(raw), s) {
				t.Errorf("a stored body holds %q in clear", s)
			}
		}
	}
	rows.Close()
	if !strings.Contains(e.logs.String(), `"route":"/webhooks/twilio/inbound"`) {
		t.Fatal("expected request logs for the webhook")
	}

	// Forged: unsigned or signed for another URL → 403, nothing stored.
	form := url.Values{"MessageSid": {nextMessageSid()}, "From": {her}, "To": {"+15005550006"}, "Body": {"baja"}}
	if r := e.postHook(callback.RouteInbound, "", form, false); r.Status != 403 {
		t.Fatalf("unsigned: %d", r.Status)
	}
	req := httptest.NewRequest("POST", callback.RouteInbound, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(hookToken, "https://evil.example.org"+callback.RouteInbound, form))
	w := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusForbidden {
		t.Fatalf("signed for another URL: %d", w.Code)
	}
	e.db.QueryRow(`SELECT count(*) FROM inbound_messages`).Scan(&n)
	if n != 4 {
		t.Fatalf("a forged webhook was stored")
	}
}

func TestInboundCallMeAndCheckinHook(t *testing.T) {
	e := newHookEnv(t)
	b := maria()
	b["phone"] = "+34 612 200 002"
	b["any_time"] = true
	b["safe_windows"] = []string{}
	code := e.createParticipant(b)
	const her = "+34612200002"
	// "Llámame" without voice consent: kept for the inbox, no task.
	e.inbound(nextMessageSid(), her, "Llámame")
	var tasks int
	e.db.QueryRow(`SELECT count(*) FROM callback_tasks`).Scan(&tasks)
	if tasks != 0 {
		t.Fatal("a call-back was queued without voice consent")
	}
	e.do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", grant("voice"))
	e.inbound(nextMessageSid(), her, "llamame por favor!")
	var reason, prio string
	e.db.QueryRow(`SELECT reason, priority FROM callback_tasks`).Scan(&reason, &prio)
	if reason != "call_me_reply" || prio != "normal" {
		t.Fatalf("task %s %s", reason, prio)
	}
	items := e.inboxItems(auth.RoleStaff, "")
	if len(items) != 2 || items[0]["kind"] != "call_me" || items[1]["kind"] != "call_me" {
		t.Fatalf("inbox: %v", items)
	}
	// The check-in hook takes a reply to a pending check-in; the rest go on.
	var seen []string
	e.srv.SetCheckinReply(callback.CheckinReplyFunc(func(ctx context.Context, q *db.Queries, p db.Participant, body string, now time.Time) (bool, error) {
		seen = append(seen, p.Code)
		return body == "bien 42", nil
	}))
	e.inbound(nextMessageSid(), her, "bien 42")
	e.inbound(nextMessageSid(), her, "Fine") // "fine" is a stop word for Italian speakers only
	if len(seen) != 2 || seen[0] != code {
		t.Fatalf("hook saw %v", seen)
	}
	items = e.inboxItems(auth.RoleStaff, "")
	if len(items) != 4 || items[0]["text"] != "Fine" || items[1]["kind"] != "checkin_reply" {
		t.Fatalf("inbox: %v", items)
	}
	var checkins int
	e.db.QueryRow(`SELECT count(*) FROM inbound_messages WHERE kind = 'checkin_reply'`).Scan(&checkins)
	if checkins != 1 {
		t.Fatalf("%d check-in replies", checkins)
	}
	r := e.do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/contactability?channel=voice", nil)
	if r.json(t)["allowed"] != true {
		t.Fatalf("her consent changed: %s", r.Body)
	}
	// Supervisors see replies of participants without a caseworker.
	if r := e.do(auth.RoleStaff, "GET", "/v1/inbox?unassigned=true", nil); r.Status != 403 {
		t.Fatalf("unassigned as staff: %d", r.Status)
	}
}
