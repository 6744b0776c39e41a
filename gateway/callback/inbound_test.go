package callback_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"safecontact/channels/twiliotest"
	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
	"safecontact/gateway/gatewaytest"
)

func TestInboundStopReplyUnmatchedDuplicate(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithWebhooks())
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 200 001"
	b["any_time"] = true
	b["safe_windows"] = []string{}
	code := e.CreateParticipant(b)
	for _, ch := range []string{"sms", "whatsapp"} {
		g := gatewaytest.Grant(ch)
		g["accept_whatsapp_risk"] = ch == "whatsapp"
		if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", g); r.Status != 201 {
			t.Fatalf("grant: %d %s", r.Status, r.Body)
		}
	}
	const her = "+34612200001"
	const reply = "Hola, ¿a qué hora es la cita mañana?"

	// A reply lands in her caseworker's inbox (the staff user who created her).
	replySid := gatewaytest.NextMessageSid()
	e.Inbound(replySid, her, reply)
	e.Inbound(replySid, her, reply) // duplicate webhook: applied once
	items := e.InboxItems(auth.RoleStaff, "")
	if len(items) != 1 || items[0]["participant"] != code || items[0]["text"] != reply || items[0]["read"] != false ||
		items[0]["channel"] != "sms" || items[0]["kind"] != "reply" {
		t.Fatalf("inbox: %v", items)
	}
	// Not her caseworker: nothing.
	if other := e.InboxItems(auth.RoleSupervisor, ""); len(other) != 0 {
		t.Fatalf("another user's inbox: %v", other)
	}
	id := int64(items[0]["id"].(float64))
	if r := e.Do(auth.RoleSupervisor, "POST", fmt.Sprintf("/v1/inbox/%d/read", id), nil); r.Status != 404 {
		t.Fatalf("mark read by another: %d", r.Status)
	}
	if r := e.Do(auth.RoleStaff, "POST", fmt.Sprintf("/v1/inbox/%d/read", id), nil); r.Status != 200 || r.JSON(t)["read"] != true {
		t.Fatalf("mark read: %d %s", r.Status, r.Body)
	}
	if items := e.InboxItems(auth.RoleStaff, ""); items[0]["read"] != true {
		t.Fatalf("after read: %v", items)
	}
	acts := e.ParticipantAuditActions(code)
	if !strings.Contains(acts, "inbound.received") || !strings.Contains(acts, "inbox.read") || !strings.Contains(acts, "inbox.marked_read") {
		t.Fatalf("audit: %s", acts)
	}

	// "baja" (Spanish STOP), however it is typed: SMS consent revoked, once.
	stopSid := gatewaytest.NextMessageSid()
	e.Inbound(stopSid, her, "  BAJA. ")
	e.Inbound(stopSid, her, "  BAJA. ")
	r := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/consents", nil)
	cons := r.JSON(t)
	if st := cons["channels"].(map[string]any)["sms"].(map[string]any)["state"]; st != "revoked" {
		t.Fatalf("sms after baja: %v", st)
	}
	if st := cons["channels"].(map[string]any)["whatsapp"].(map[string]any)["state"]; st != "granted" {
		t.Fatalf("whatsapp after an SMS baja: %v", st)
	}
	var revokes int
	e.DB.QueryRow(`SELECT count(*) FROM consent_events WHERE kind = 'revoked' AND source = 'inbound_stop' AND channel = 'sms'`).Scan(&revokes)
	if revokes != 1 {
		t.Fatalf("%d revocations for one STOP sent twice", revokes)
	}
	// The next SMS is refused.
	r = e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, ¿qué tal todo?"})
	if r.Status != 403 || r.ErrCode(t) != "consent_revoked" {
		t.Fatalf("send after STOP: %d %s", r.Status, r.Body)
	}
	// A STOP is not an inbox item.
	if items := e.InboxItems(auth.RoleStaff, ""); len(items) != 1 {
		t.Fatalf("inbox after STOP: %v", items)
	}
	// "ARRÊT" on WhatsApp revokes WhatsApp.
	e.Inbound(gatewaytest.NextMessageSid(), "whatsapp:"+her, "Arrêt")
	r = e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/consents", nil)
	if st := r.JSON(t)["channels"].(map[string]any)["whatsapp"].(map[string]any)["state"]; st != "revoked" {
		t.Fatalf("whatsapp after arrêt: %v", st)
	}

	// An unknown number: stored unmatched, sealed, never answered.
	const stranger = "+34699999001"
	const strangerText = "quien eres, dime tu nombre"
	e.Inbound(gatewaytest.NextMessageSid(), stranger, strangerText)
	var kind string
	var pid *int64
	var idx, body []byte
	e.DB.QueryRow(`SELECT kind, participant_id, from_index, body_enc FROM inbound_messages WHERE participant_id IS NULL`).Scan(&kind, &pid, &idx, &body)
	if kind != "unmatched" || pid != nil || string(idx) != string(e.Keys.BlindIndex(stranger)) || len(body) == 0 {
		t.Fatalf("unmatched row: %s %v", kind, pid)
	}
	var n int
	e.DB.QueryRow(`SELECT count(*) FROM inbound_messages`).Scan(&n)
	if n != 4 {
		t.Fatalf("%d inbound rows, want 4 (reply, stop, arrêt, unmatched)", n)
	}

	// Nothing in clear: not the numbers, not the texts, in any table or log.
	needles := []string{"612200001", "699999001", "qué hora es", "dime tu nombre"}
	var dump string
	e.DB.QueryRow(`SELECT string_agg(row_to_json(i)::text, ' ') FROM inbound_messages i`).Scan(&dump)
	var audit string
	e.DB.QueryRow(`SELECT string_agg(coalesce(details::text, ''), ' ') FROM audit_events`).Scan(&audit)
	for _, s := range needles {
		if strings.Contains(dump, s) || strings.Contains(audit, s) || strings.Contains(e.Logs.String(), s) {
			t.Errorf("%q found in clear (table, audit or logs)", s)
		}
	}
	// The raw bytes of the sealed bodies, too.
	rows, err := e.DB.Query(`SELECT coalesce(body_enc, '') FROM inbound_messages`)
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
	if !strings.Contains(e.Logs.String(), `"route":"/webhooks/twilio/inbound"`) {
		t.Fatal("expected request logs for the webhook")
	}

	// Forged: unsigned or signed for another URL → 403, nothing stored.
	form := url.Values{"MessageSid": {gatewaytest.NextMessageSid()}, "From": {her}, "To": {"+15005550006"}, "Body": {"baja"}}
	if r := e.PostHook(callback.RouteInbound, "", form, false); r.Status != 403 {
		t.Fatalf("unsigned: %d", r.Status)
	}
	req := httptest.NewRequest("POST", callback.RouteInbound, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(gatewaytest.HookToken, "https://evil.example.org"+callback.RouteInbound, form))
	w := httptest.NewRecorder()
	e.Server.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusForbidden {
		t.Fatalf("signed for another URL: %d", w.Code)
	}
	e.DB.QueryRow(`SELECT count(*) FROM inbound_messages`).Scan(&n)
	if n != 4 {
		t.Fatalf("a forged webhook was stored")
	}
}

func TestInboundCallMeAndCheckinHook(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithWebhooks())
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 200 002"
	b["any_time"] = true
	b["safe_windows"] = []string{}
	code := e.CreateParticipant(b)
	const her = "+34612200002"
	// "Llámame" without voice consent: kept for the inbox, no task.
	e.Inbound(gatewaytest.NextMessageSid(), her, "Llámame")
	var tasks int
	e.DB.QueryRow(`SELECT count(*) FROM callback_tasks`).Scan(&tasks)
	if tasks != 0 {
		t.Fatal("a call-back was queued without voice consent")
	}
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("voice"))
	e.Inbound(gatewaytest.NextMessageSid(), her, "llamame por favor!")
	var reason, prio string
	e.DB.QueryRow(`SELECT reason, priority FROM callback_tasks`).Scan(&reason, &prio)
	if reason != "call_me_reply" || prio != "normal" {
		t.Fatalf("task %s %s", reason, prio)
	}
	items := e.InboxItems(auth.RoleStaff, "")
	if len(items) != 2 || items[0]["kind"] != "call_me" || items[1]["kind"] != "call_me" {
		t.Fatalf("inbox: %v", items)
	}
	// The check-in hook takes a reply to a pending check-in; the rest go on.
	var seen []string
	e.Server.SetCheckinReply(callback.CheckinReplyFunc(func(ctx context.Context, q *db.Queries, p db.Participant, body string, now time.Time) (bool, error) {
		seen = append(seen, p.Code)
		return body == "bien 42", nil
	}))
	e.Inbound(gatewaytest.NextMessageSid(), her, "bien 42")
	e.Inbound(gatewaytest.NextMessageSid(), her, "Fine") // "fine" is a stop word for Italian speakers only
	if len(seen) != 2 || seen[0] != code {
		t.Fatalf("hook saw %v", seen)
	}
	items = e.InboxItems(auth.RoleStaff, "")
	if len(items) != 4 || items[0]["text"] != "Fine" || items[1]["kind"] != "checkin_reply" {
		t.Fatalf("inbox: %v", items)
	}
	var checkins int
	e.DB.QueryRow(`SELECT count(*) FROM inbound_messages WHERE kind = 'checkin_reply'`).Scan(&checkins)
	if checkins != 1 {
		t.Fatalf("%d check-in replies", checkins)
	}
	r := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/contactability?channel=voice", nil)
	if r.JSON(t)["allowed"] != true {
		t.Fatalf("her consent changed: %s", r.Body)
	}
	// Supervisors see replies of participants without a caseworker.
	if r := e.Do(auth.RoleStaff, "GET", "/v1/inbox?unassigned=true", nil); r.Status != 403 {
		t.Fatalf("unassigned as staff: %d", r.Status)
	}
}
