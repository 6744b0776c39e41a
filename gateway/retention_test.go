package gateway_test

import (
	"context"
	"testing"
	"time"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
)

func TestRetentionPurgesBodiesKeepsMetadata(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	b := gatewaytest.Maria()
	b["any_time"] = true
	b["safe_windows"] = []string{}
	b["monitored"] = false
	code := e.CreateParticipant(b)
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	now := e.Clock.Now()
	day := 24 * time.Hour
	type msg struct {
		status  string
		final   time.Duration // age of final_at; 0 = not final
		updated time.Duration // age of updated_at
		purged  bool
		created time.Duration // age of created_at; 0 = a minute before the older of the two
	}
	cases := map[string]msg{
		"delivered 8 days ago":              {"delivered", 8 * day, 8 * day, true, 0},
		"failed 7 days and a minute ago":    {"failed", 7*day + time.Minute, 7 * day, true, 0},
		"delivered 6 days ago":              {"delivered", 6 * day, 6 * day, false, 0},
		"sent 8 days ago, no delivery":      {"sent", 0, 8 * day, true, 0},
		"sent yesterday, no delivery":       {"sent", 0, day, false, 0},
		"queued for a month (still to go)":  {"queued", 0, 30 * day, false, 0},
		"scheduled long ago, still waiting": {"scheduled", 0, 30 * day, false, 0},
		// Written a month ahead (an appointment reminder), delivered
		// yesterday: the retention counts from the final status.
		"created a month ago, delivered yesterday": {"delivered", day, day, false, 30 * day},
	}
	ids := map[string]string{}
	for name, m := range cases {
		r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, ¿hablamos el martes?"})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		id := r.JSON(t)["id"].(string)
		ids[name] = id
		var final any
		if m.final > 0 {
			final = now.Add(-m.final)
		}
		created := m.created
		if created == 0 {
			created = max(m.final, m.updated) + time.Minute
		}
		if _, err := e.DB.Exec(`UPDATE messages SET status = $2, final_at = $3, updated_at = $4, created_at = $5 WHERE id = $1`, id, m.status, final, now.Add(-m.updated), now.Add(-created)); err != nil {
			t.Fatal(err)
		}
	}
	before := len(e.AuditActions())

	// The scheduler leader runs the purge as a step, with the injectable clock.
	if e.Server.Config().BodyRetention != 7*24*time.Hour {
		t.Fatalf("default retention %s", e.Server.Config().BodyRetention)
	}
	if _, err := e.Server.Messages().Steps()[0].Run(context.Background(), e.Server.Now()); err != nil {
		t.Fatal(err)
	}
	for name, m := range cases {
		var hasBody bool
		var status string
		e.DB.QueryRow(`SELECT content_enc IS NOT NULL, status FROM messages WHERE id = $1`, ids[name]).Scan(&hasBody, &status)
		if hasBody == m.purged || status != m.status {
			t.Errorf("%s: body kept %v, status %s", name, hasBody, status)
		}
		// The metadata is still there for the contact log.
		if r := e.Do(auth.RoleStaff, "GET", "/v1/messages/"+ids[name], nil); r.Status != 200 {
			t.Errorf("%s: GET after purge %d", name, r.Status)
		}
	}
	acts := e.AuditActions()
	if len(acts) != before+1 || acts[len(acts)-1] != "message.bodies_purged" {
		t.Fatalf("audit after purge: %v", acts[before:])
	}
	_, d, who := e.LastAudit("message.bodies_purged")
	if d["final"].(float64) != 2 || d["sent_no_final_status"].(float64) != 1 || who != "system:retention" {
		t.Fatalf("purge event: %v by %s", d, who)
	}
	// The message.accepted events stayed, and the chain (sealed by that
	// same tick) verifies.
	var accepted int
	e.DB.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'message.accepted'`).Scan(&accepted)
	if accepted != len(cases) {
		t.Fatalf("%d message.accepted events", accepted)
	}
	// Nothing more to purge: no new event.
	n, err := message.PurgeBodies(context.Background(), e.DB, now, 7*24*time.Hour)
	if err != nil || n != 0 || len(e.AuditActions()) != before+1 {
		t.Fatalf("second purge: %d %v", n, err)
	}
	// A shorter retention takes the 6-day-old delivered one, yesterday's
	// sent one and the month-old one delivered yesterday.
	if n, err := message.PurgeBodies(context.Background(), e.DB, now, time.Hour); err != nil || n != 3 {
		t.Fatalf("1h retention: %d %v", n, err)
	}
}
