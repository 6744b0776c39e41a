package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"safecontact/db/dbtest"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/participant"
)

func TestAuditEndpointsNeedSupervisor(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	paths := []string{"/v1/audit", "/v1/audit/export?format=csv", "/v1/audit/export?format=jsonl", "/v1/audit/verify",
		"/v1/participants/" + code + "/contact-log"}
	for _, path := range paths {
		for _, tc := range []struct {
			role auth.Role
			want int
		}{{"", 401}, {auth.RoleStaff, 403}, {auth.RoleSupervisor, 200}, {auth.RoleAdmin, 200}} {
			t.Run(fmt.Sprintf("%s as %q", path, tc.role), func(t *testing.T) {
				r := e.Do(tc.role, "GET", path, nil)
				if r.Status != tc.want {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.want, r.Body)
				}
				if tc.want == 403 && r.ErrCode(t) != "forbidden" {
					t.Fatalf("code %s", r.ErrCode(t))
				}
			})
		}
	}
	// A refused read is not a read: nothing was recorded for staff.
	var n int
	e.DB.QueryRow(`SELECT count(*) FROM audit_events WHERE action LIKE 'audit.%' AND actor_role = 'staff'`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d audit reads recorded for staff", n)
	}
}

func TestAuditListFiltersPagesAndIsAudited(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	a := e.CreateParticipant(gatewaytest.Maria())
	b := gatewaytest.Maria()
	b["phone"] = "+34 699 000 111"
	bcode := e.CreateParticipant(b)
	for _, ch := range []string{"sms", "voice"} {
		if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+a+"/consents", gatewaytest.Grant(ch)); r.Status != 201 {
			t.Fatalf("grant: %d %s", r.Status, r.Body)
		}
	}
	e.Seal()

	list := func(q string) (items []map[string]any, next string) {
		t.Helper()
		r := e.Do(auth.RoleSupervisor, "GET", "/v1/audit?"+q, nil)
		if r.Status != 200 {
			t.Fatalf("GET /v1/audit?%s: %d %s", q, r.Status, r.Body)
		}
		var out struct {
			Items      []map[string]any `json:"items"`
			NextCursor *string          `json:"next_cursor"`
		}
		json.Unmarshal(r.Body, &out)
		if out.NextCursor != nil {
			next = *out.NextCursor
		}
		return out.Items, next
	}
	items, _ := list("participant=" + a)
	if len(items) != 3 || items[0]["action"] != "consent.granted" || items[2]["action"] != "participant.created" {
		t.Fatalf("her events, newest first: %v", items)
	}
	first := items[0]
	if first["seq"] == nil || first["participant"] != a || first["actor"].(map[string]any)["name"] != "staff-user" || first["request_id"] == "" {
		t.Fatalf("event view: %v", first)
	}
	// Reading was recorded, with the filter, against her code.
	p, d, who := e.LastAudit("audit.read")
	if p != a || who != "supervisor-user" || d["view"] != "audit" || d["returned"].(float64) != 3 || d["filters"].(map[string]any)["participant"] != a {
		t.Fatalf("audit.read: %s %v %s", p, d, who)
	}
	if items, _ := list("action=participant.created"); len(items) != 2 {
		t.Fatalf("action filter: %d", len(items))
	}
	if items, _ := list("actor=admin-user"); len(items) != 0 {
		t.Fatalf("actor filter: %v", items)
	}
	if items, _ := list("actor=staff-user&participant=" + bcode); len(items) != 1 {
		t.Fatalf("actor+participant filter: %v", items)
	}
	// The events have real timestamps (database clock): a window around now.
	now := time.Now().UTC()
	win := "from=" + url.QueryEscape(now.Add(-time.Hour).Format(time.RFC3339)) + "&to=" + url.QueryEscape(now.Add(time.Hour).Format(time.RFC3339))
	// Her 3 events and the first read of them (recorded against her).
	if items, _ := list(win + "&participant=" + a); len(items) != 4 || items[0]["action"] != "audit.read" {
		t.Fatalf("time window: %d", len(items))
	}
	if items, _ := list("to=2020-01-01"); len(items) != 0 {
		t.Fatalf("before 2020: %v", items)
	}
	// Pages of two, by cursor, cover everything once.
	seen := map[float64]bool{}
	cursor, pages := "", 0
	for {
		items, next := list("limit=2&cursor=" + cursor)
		pages++
		for _, it := range items {
			id := it["id"].(float64)
			if seen[id] {
				t.Fatalf("id %v twice", id)
			}
			seen[id] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if pages < 3 {
		t.Fatalf("%d pages", pages)
	}
	for _, q := range []string{"participant=maria", "from=yesterday", "from=2026-06-02&to=2026-06-01", "limit=0", "cursor=!!", "action=" + strings.Repeat("x", 65)} {
		if r := e.Do(auth.RoleSupervisor, "GET", "/v1/audit?"+q, nil); r.Status != 400 || (r.ErrCode(t) != "invalid_parameter" && r.ErrCode(t) != "invalid_cursor") {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}

func TestAuditExportCSVAndJSONL(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	// One event with sealed content, as the worker writes for message.sent.
	pub, sec := gatewaytest.AuditKeyPair(t)
	sealed, _ := pub.Seal([]byte(`{"text":"hola"}`))
	if _, err := audit.Append(context.Background(), e.Queries, auth.SystemActor("worker"), audit.Event{Action: "message.sent", ParticipantCode: code, Sealed: sealed}); err != nil {
		t.Fatal(err)
	}
	e.Seal()

	r := e.Do(auth.RoleSupervisor, "GET", "/v1/audit/export?format=jsonl", nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/x-ndjson" || !strings.Contains(r.Header.Get("Content-Disposition"), ".jsonl") {
		t.Fatalf("jsonl: %d %v", r.Status, r.Header)
	}
	lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n")
	var recs []audit.ExportRecord
	for _, l := range lines {
		var rec audit.ExportRecord
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		recs = append(recs, rec)
	}
	// 3 users, created, granted, sent (sealed) + the export itself (not yet sealed).
	if len(recs) != 7 || recs[6].Action != "audit.exported" || recs[6].Seq != nil || recs[5].Seq == nil || *recs[5].Seq != 6 {
		t.Fatalf("records: %s", r.Body)
	}
	if recs[5].Action != "message.sent" || recs[5].Hash == nil || len(*recs[5].Hash) != 64 {
		t.Fatalf("sealed record: %+v", recs[5])
	}
	if got, err := sec.Open(recs[5].SealedContent); err != nil || string(got) != `{"text":"hola"}` {
		t.Fatalf("sealed content from the export: %q %v", got, err)
	}
	// Details are exactly Postgres's text (with its spacing), so the export
	// verifies offline.
	if !strings.Contains(lines[4], `"details":{"channel": "sms"`) {
		t.Fatalf("details re-encoded: %s", lines[4])
	}
	rep, err := audit.VerifyExport(bytes.NewReader(r.Body), audit.VerifyOptions{}, false)
	if err != nil || !rep.OK || rep.Checked != 6 || rep.Unsealed != 1 {
		t.Fatalf("offline verify: %+v %v", rep, err)
	}
	// An edited line fails offline.
	bad := strings.Replace(string(r.Body), `"action":"consent.granted"`, `"action":"consent.revoked"`, 1)
	if rep, _ := audit.VerifyExport(strings.NewReader(bad), audit.VerifyOptions{}, false); rep.OK || *rep.FirstBadSeq != 5 {
		t.Fatalf("edited export: %+v", rep)
	}
	p, d, _ := e.LastAudit("audit.exported")
	if p != "" || d["format"] != "jsonl" {
		t.Fatalf("audit.exported: %q %v", p, d)
	}

	r = e.Do(auth.RoleSupervisor, "GET", "/v1/audit/export?format=csv&participant="+code, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %d %v", r.Status, r.Header)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(audit.CSVHeader, ",") {
		t.Fatalf("header %v", rows[0])
	}
	// created, granted, sent, the jsonl export is not hers; this export is.
	if len(rows) != 1+4 || rows[1][6] != "participant.created" || rows[3][11] == "" || rows[3][13] == "" || rows[4][6] != "audit.exported" {
		t.Fatalf("csv rows: %v", rows)
	}
	if p, _, _ := e.LastAudit("audit.exported"); p != code {
		t.Fatalf("a filtered export is recorded against her: %q", p)
	}
	if r := e.Do(auth.RoleSupervisor, "GET", "/v1/audit/export?format=xml", nil); r.Status != 400 || r.ErrCode(t) != "invalid_parameter" {
		t.Fatalf("xml: %d %s", r.Status, r.Body)
	}
}

func TestAuditVerifyEndpoint(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	for range 3 {
		b := gatewaytest.Maria()
		b["phone"] = fmt.Sprintf("+34 612 000 %03d", len(e.AuditActions()))
		e.CreateParticipant(b)
	}
	e.Seal()
	r := e.Do(auth.RoleSupervisor, "GET", "/v1/audit/verify", nil)
	m := r.JSON(t)
	if r.Status != 200 || m["ok"] != true || m["checked"].(float64) != 6 || m["first_bad_seq"] != nil {
		t.Fatalf("verify: %d %s", r.Status, r.Body)
	}
	head := m["head"].(map[string]any)
	if _, d, who := e.LastAudit("audit.verified"); d["ok"] != true || d["head_seq"].(float64) != 6 || who != "supervisor-user" {
		t.Fatalf("audit.verified: %v", d)
	}
	// The head as a checkpoint: holds.
	q := fmt.Sprintf("?checkpoint_seq=%v&checkpoint_hash=%s", head["seq"], head["hash"])
	if r := e.Do(auth.RoleSupervisor, "GET", "/v1/audit/verify"+q, nil); r.Status != 200 {
		t.Fatalf("checkpoint: %d %s", r.Status, r.Body)
	}
	if r := e.Do(auth.RoleSupervisor, "GET", "/v1/audit/verify?checkpoint_seq=6&checkpoint_hash="+strings.Repeat("ab", 32), nil); r.Status != 409 || r.ErrCode(t) != "checkpoint_mismatch" {
		t.Fatalf("wrong checkpoint: %d %s", r.Status, r.Body)
	}
	if r := e.Do(auth.RoleSupervisor, "GET", "/v1/audit/verify?checkpoint_seq=6&checkpoint_hash=zz", nil); r.Status != 400 {
		t.Fatalf("bad checkpoint: %d %s", r.Status, r.Body)
	}
	// A malformed hash is refused with one fixed sentence, whatever is
	// wrong with it: never a character of it.
	for _, h := range []string{"Q", "zz", strings.Repeat("ab", 31) + "aQ", strings.Repeat("ab", 31) + "a", strings.Repeat("ab", 33), "ab%E2%9C%93ab"} {
		r := e.Do(auth.RoleSupervisor, "GET", "/v1/audit/verify?checkpoint_seq=6&checkpoint_hash="+h, nil)
		er, _ := r.JSON(t)["error"].(map[string]any)
		if r.Status != 400 || er["code"] != "invalid_parameter" || er["field"] != "checkpoint_hash" || er["message"] != "checkpoint_hash must be 64 hex characters" {
			t.Errorf("checkpoint hash %q: %d %s", h, r.Status, r.Body)
		}
	}
	// A superuser edits an event: the verifier names it.
	e.Seal()
	dbtest.Tamper(t, e.DB, "UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = 5")
	r = e.Do(auth.RoleSupervisor, "GET", "/v1/audit/verify", nil)
	m = r.JSON(t)
	if r.Status != 409 || r.ErrCode(t) != "audit_chain_broken" || m["first_bad_seq"].(float64) != 5 || m["ok"] != false {
		t.Fatalf("after tampering: %d %s", r.Status, r.Body)
	}
	if _, d, _ := e.LastAudit("audit.verified"); d["ok"] != false || d["first_bad_seq"].(float64) != 5 {
		t.Fatalf("audit.verified after tampering: %v", d)
	}
}

func TestRevealPhone(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	path := "/v1/participants/" + code + "/reveal-phone"
	for _, tc := range []struct {
		name string
		body any
		want int
		code string
	}{
		{"no body", nil, 422, "reason_required"},
		{"no reason", map[string]any{}, 422, "reason_required"},
		{"blank reason", map[string]any{"reason": "   "}, 422, "reason_required"},
		{"too short", map[string]any{"reason": "call"}, 422, "reason_required"},
		{"too long", map[string]any{"reason": strings.Repeat("a", 501)}, 422, "reason_required"},
		{"a number in the reason", map[string]any{"reason": "she asked to be called on +34 699 123 456"}, 422, "reason_has_number"},
		{"unknown field", map[string]any{"reason": "callback requested", "phone": "x"}, 422, "unknown_field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(auth.RoleStaff, "POST", path, tc.body)
			if r.Status != tc.want || r.ErrCode(t) != tc.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if strings.Contains(string(r.Body), "612") {
				t.Fatal("the number leaked into an error")
			}
		})
	}
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/P-ZZZZZ/reveal-phone", map[string]any{"reason": "callback requested"}); r.Status != 404 {
		t.Fatalf("unknown participant: %d", r.Status)
	}
	var before int
	e.DB.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'phone.revealed'`).Scan(&before)
	if before != 0 {
		t.Fatal("refused reveals were recorded as reveals")
	}
	reason := "voice call-back she asked for on 2026-06-02, line was busy"
	r := e.Do(auth.RoleStaff, "POST", path, map[string]any{"reason": reason})
	if r.Status != 200 || r.JSON(t)["phone"] != "+34612345678" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("reveal: %d %s %v", r.Status, r.Body, r.Header)
	}
	p, d, who := e.LastAudit("phone.revealed")
	if p != code || who != "staff-user" || d["reason"] != reason {
		t.Fatalf("phone.revealed: %s %s %v", p, who, d)
	}
	// The number is in the response only: not in the log, the audit rows or the logs.
	e.Seal()
	var rows string
	e.DB.QueryRow(`SELECT string_agg(row_to_json(a)::text, E'\n') FROM audit_events a`).Scan(&rows)
	for _, needle := range []string{"612345678", "612 345 678"} {
		if strings.Contains(rows, needle) || strings.Contains(e.Logs.String(), needle) {
			t.Fatalf("the number %q is in the audit rows or the logs", needle)
		}
	}
}

func TestContactLog(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	b := gatewaytest.Maria()
	b["any_time"] = true
	b["safe_windows"] = []string{}
	b["monitored"] = false
	code := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "please_contact"}); r.Status != 403 {
		t.Fatalf("refused: %d %s", r.Status, r.Body)
	}
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "please_contact"})
	if r.Status != 202 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	e.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"monitored": true})
	e.Seal()

	r = e.Do(auth.RoleSupervisor, "GET", "/v1/participants/"+code+"/contact-log", nil)
	if r.Status != 200 {
		t.Fatalf("contact log: %d %s", r.Status, r.Body)
	}
	var out struct {
		Participant string                      `json:"participant"`
		Items       []participant.TimelineEntry `json:"items"`
	}
	json.Unmarshal(r.Body, &out)
	var acts []string
	for _, it := range out.Items {
		acts = append(acts, it.Action)
	}
	if strings.Join(acts, ",") != "participant.created,message.refused,consent.granted,message.accepted,participant.updated" {
		t.Fatalf("timeline: %v", acts)
	}
	acc := out.Items[3]
	if acc.Who != "staff-user" || acc.Channel != "sms" || acc.Status != "queued" || acc.Template != "please_contact" || acc.TemplateVer == nil ||
		acc.ConsentVersion == nil || *acc.ConsentVersion != 1 || acc.MessageStatus != "queued" || acc.Seq == nil || acc.MessageID == "" {
		t.Fatalf("accepted entry: %+v", acc)
	}
	if !strings.Contains(acc.Summary, "template please_contact") || !strings.Contains(acc.Summary, "consent version 1") {
		t.Fatalf("summary: %q", acc.Summary)
	}
	if ref := out.Items[1]; ref.Code != "no_consent" || !strings.Contains(ref.Summary, "refused (no_consent)") {
		t.Fatalf("refused entry: %+v", ref)
	}
	if up := out.Items[4]; up.Summary != "profile updated: monitored" {
		t.Fatalf("update entry: %+v", up)
	}
	p, d, who := e.LastAudit("audit.read")
	if p != code || d["view"] != "contact_log" || who != "supervisor-user" {
		t.Fatalf("audit.read: %s %v", p, d)
	}
	// Her reads show in her log next time.
	r = e.Do(auth.RoleSupervisor, "GET", "/v1/participants/"+code+"/contact-log?limit=2", nil)
	json.Unmarshal(r.Body, &out)
	if len(out.Items) != 2 || r.JSON(t)["next_cursor"] == nil {
		t.Fatalf("page: %s", r.Body)
	}
	r = e.Do(auth.RoleSupervisor, "GET", "/v1/participants/"+code+"/contact-log?cursor="+r.JSON(t)["next_cursor"].(string), nil)
	json.Unmarshal(r.Body, &out)
	if len(out.Items) != 5 || out.Items[4].Action != "audit.read" || out.Items[4].Summary != "contact log read" {
		t.Fatalf("second page: %s", r.Body)
	}
	if r := e.Do(auth.RoleSupervisor, "GET", "/v1/participants/P-ZZZZZ/contact-log", nil); r.Status != 404 {
		t.Fatalf("unknown: %d", r.Status)
	}
	_ = http.StatusOK
}
