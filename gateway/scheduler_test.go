package gateway_test

import (
	"context"
	"testing"
	"time"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// TestReleaseDueSetBased: the set-based release queues due reminders with
// the same outbox subject and event as releaseDue.
func TestReleaseDueSetBased(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	e.MeetingPoint("Metro Sants")
	r := e.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": "2026-06-04T08:30:00Z",
		"meeting_point": "Metro Sants", "venue": "sala 1", "reminders": []string{"24h", "2h"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	sc := e.Server.NewScheduler()
	if n, err := sc.ReleaseDueSetBased(context.Background(), time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC)); err != nil || n != 1 {
		t.Fatalf("release: %d %v", n, err)
	}
	var subject, status string
	if err := e.DB.QueryRow(`SELECT o.subject, m.status FROM outbox o JOIN messages m ON m.id = o.message_id`).Scan(&subject, &status); err != nil {
		t.Fatal(err)
	}
	var events int
	e.DB.QueryRow(`SELECT count(*) FROM message_events WHERE status = 'queued'`).Scan(&events)
	if subject != "contact.sms" || status != "queued" || events != 1 {
		t.Fatalf("subject %s status %s events %d", subject, status, events)
	}
}
