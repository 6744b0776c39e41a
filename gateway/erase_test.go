package gateway_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
	"safecontact/gateway/gatewaytest"
	"safecontact/keys"
)

func TestEraseContent(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewVoicePipeline(t, nil)
	code := p.ConsentingParticipant("+34 612 300 001", false)
	send := func() string {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, nos vemos el martes en el sitio de siempre"})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)["id"].(string)
	}
	p.Fake.AutoDeliver("delivered")
	delivered := []string{send(), send()}
	for _, id := range delivered {
		p.WaitStatus(id, "delivered")
	}
	p.Fake.AutoDeliver()
	inFlight := send() // the provider has it, not final yet: cannot be redacted now
	p.WaitStatus(inFlight, "sent")
	p.Stop()
	pending := send() // queued, never sent: canceled by the erase
	// Her reply, through the real webhook.
	if err := p.Fake.PostCallback(context.Background(), p.HTTP.URL+callback.RouteInbound, url.Values{"MessageSid": {gatewaytest.NextMessageSid()},
		"From": {"+34612300001"}, "To": {"+15005550006"}, "Body": {"vale, allí estaré"}}); err != nil {
		t.Fatal(err)
	}

	path := "/v1/participants/" + code + "/erase-content"
	if r := p.Do(auth.RoleStaff, "POST", path, map[string]any{}); r.Status != 422 || r.ErrCode(t) != "reason_required" {
		t.Fatalf("no reason: %d %s", r.Status, r.Body)
	}
	if r := p.Do(auth.RoleStaff, "POST", path, map[string]any{"reason": "she asked, call her at 612300001"}); r.Status != 422 || r.ErrCode(t) != "reason_has_number" {
		t.Fatalf("number in reason: %d %s", r.Status, r.Body)
	}
	r := p.Do(auth.RoleStaff, "POST", path, map[string]any{"reason": "she asked us to delete what we wrote"})
	res := r.JSON(t)
	// Her reply is unread: never erased (it may be a plea for help).
	if r.Status != 200 || res["messages"].(float64) != 4 || res["canceled"].(float64) != 1 || res["inbound"].(float64) != 0 || res["unread_kept"].(float64) != 1 ||
		res["provider_requested"].(float64) != 4 || res["provider_redacted"].(float64) != 3 || res["provider_pending"].(float64) != 1 {
		t.Fatalf("erase: %d %s", r.Status, r.Body)
	}
	var withBody int
	p.DB.QueryRow(`SELECT count(*) FROM messages WHERE content_enc IS NOT NULL`).Scan(&withBody)
	var inboundBody int
	p.DB.QueryRow(`SELECT count(*) FROM inbound_messages WHERE body_enc IS NOT NULL`).Scan(&inboundBody)
	if withBody != 0 || inboundBody != 1 {
		t.Fatalf("bodies left: %d messages, %d inbound", withBody, inboundBody)
	}
	// Metadata stays; the pending message is canceled.
	if m := p.WaitStatus(pending, "canceled"); m["error_code"] != "content_erased" {
		t.Fatalf("pending: %v", m)
	}
	p.WaitStatus(delivered[0], "delivered")
	// The provider's copies of the final messages are redacted.
	for _, id := range delivered {
		var sid string
		p.DB.QueryRow(`SELECT provider_id FROM messages WHERE id = $1`, id).Scan(&sid)
		if m, ok := p.Fake.Message(sid); !ok || m.Body != "" {
			t.Fatalf("provider copy of %s: %q", id, m.Body)
		}
	}
	// Once the in-flight one is final, erasing again redacts exactly it.
	var sid string
	p.DB.QueryRow(`SELECT provider_id FROM messages WHERE id = $1`, inFlight).Scan(&sid)
	if err := p.Fake.SetStatus(sid, "delivered"); err != nil {
		t.Fatal(err)
	}
	// Her caseworker reads the reply; the next erase removes it too.
	inbox := p.Do(auth.RoleStaff, "GET", "/v1/inbox", nil).JSON(t)["items"].([]any)
	if len(inbox) != 1 || inbox[0].(map[string]any)["text"] != "vale, allí estaré" {
		t.Fatalf("inbox after erase: %v", inbox)
	}
	if r := p.Do(auth.RoleStaff, "POST", "/v1/inbox/"+strconv.Itoa(int(inbox[0].(map[string]any)["id"].(float64)))+"/read", nil); r.Status != 200 {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
	res2, err := p.Server.Messages().EraseContent(context.Background(), auth.SystemActor("duress"), code, "duress word received")
	if err != nil {
		t.Fatal(err)
	}
	if res2.Inbound != 1 || res2.UnreadKept != 0 || res2.Messages != 0 || res2.ProviderRequested != 1 || res2.ProviderRedacted != 1 || res2.ProviderPending != 0 {
		t.Fatalf("second erase: %+v", res2)
	}
	if m, _ := p.Fake.Message(sid); m.Body != "" {
		t.Fatal("the in-flight message was not redacted on the second run")
	}
	acts := p.Env.ParticipantAuditActions(code)
	if strings.Count(acts, "content.erased") != 2 || strings.Count(acts, "content.provider_redacted") != 2 {
		t.Fatalf("audit: %s", acts)
	}
	if r := p.Do(auth.RoleStaff, "POST", "/v1/participants/P-00000/erase-content", map[string]any{"reason": "no such participant"}); r.Status != 404 {
		t.Fatalf("unknown participant: %d", r.Status)
	}
}

// Her texts are erased only once a person has been shown them (GET
// /v1/inbox): a blind "mark read" does not make a reply erasable, and a
// check-in answer (which the check-in logic read only for its word) is
// kept too until her caseworker has read it.
func TestEraseKeepsTextsNoPersonWasShown(t *testing.T) {
	t.Parallel()
	e := newLP(t)
	f := e.fixture()
	// A check-in answer too.
	ctx := context.Background()
	if err := db.InTx(ctx, e.DB, func(q *db.Queries, _ *sql.Tx) error {
		_, err := q.InsertInbound(ctx, db.InsertInboundParams{ProviderSid: gatewaytest.NextMessageSid(), ParticipantID: sql.NullInt64{Int64: f.part.ID, Valid: true},
			FromIndex: f.part.PhoneIndex, Channel: "sms", Kind: "checkin_reply", BodyEnc: e.Keys.Seal(keys.Body, []byte("bien, pero él volvió")), ReceivedAt: e.Clock.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	erase := func() map[string]any {
		r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+f.code+"/erase-content", map[string]any{"reason": "she asked us, paper form"})
		if r.Status != 200 {
			t.Fatalf("erase: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)
	}
	if r := e.Do(auth.RoleStaff, "POST", fmt.Sprintf("/v1/inbox/%d/read", f.inbound), nil); r.Status != 200 {
		t.Fatalf("mark read: %d", r.Status)
	}
	if res := erase(); res["unread_kept"].(float64) != 2 || res["inbound"].(float64) != 0 {
		t.Fatalf("erase after a blind mark-read: %v", res)
	}
	var kept int
	e.DB.QueryRow(`SELECT count(*) FROM inbound_messages WHERE body_enc IS NOT NULL`).Scan(&kept)
	if kept != 2 {
		t.Fatalf("%d texts kept", kept)
	}
	// Her caseworker reads them; then they go.
	items := e.InboxItems(auth.RoleStaff, "")
	if len(items) != 2 {
		t.Fatalf("inbox: %v", items)
	}
	if res := erase(); res["unread_kept"].(float64) != 0 || res["inbound"].(float64) != 2 {
		t.Fatalf("erase after reading: %v", res)
	}
}
