package safety_test

import (
	"strings"
	"testing"
	"time"

	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

func messagesOf(t *testing.T, r gatewaytest.Resp) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range r.JSON(t)["messages"].([]any) {
		out = append(out, m.(map[string]any))
	}
	return out
}

func TestMeetingPointsRefuseAddresses(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	e.MeetingPoint("Metro Sants, exit Carrer de Sants")
	for _, bad := range []string{"Calle Mayor 12, 3º 2ª", "call +34 612 345 678", "www.example.org", "a@b.org", "Casa de acogida Fundación Esperanza"} {
		r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": bad, "kind": "landmark"})
		if r.Status != 422 || r.ErrCode(t) != "meeting_point_not_neutral" {
			t.Errorf("%q: %d %s", bad, r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), bad) {
			t.Errorf("error echoes the name %q", bad)
		}
	}
	if r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Metro Sants, exit Carrer de Sants", "kind": "metro"}); r.Status != 409 {
		t.Fatalf("duplicate: %d %s", r.Status, r.Body)
	}
	r := e.Do(auth.RoleStaff, "GET", "/v1/meeting-points", nil)
	if r.Status != 200 || len(r.JSON(t)["items"].([]any)) != 1 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
}

// TestAppointmentReminderTimes: clock Tue 2026-06-02 12:30 Madrid; her
// windows mon-fri 10:00-12:00, sat 18:00-02:00.
func TestAppointmentReminderTimes(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	e.MeetingPoint("Metro Sants")
	// Thu 2026-06-04 10:30 Madrid (08:30Z).
	r := e.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": "2026-06-04T08:30:00Z",
		"meeting_point": "Metro Sants", "kind": "individual", "venue": "sala 1", "reminders": []string{"24h", "2h"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	ms := messagesOf(t, r)
	if len(ms) != 2 {
		t.Fatalf("messages: %s", r.Body)
	}
	// 24h before: Wed 10:30 Madrid, inside her window: as asked.
	if ms[0]["status"] != "scheduled" || ms[0]["send_at"] != "2026-06-03T08:30:00Z" || ms[0]["adjusted"] == true {
		t.Errorf("24h reminder: %v", ms[0])
	}
	// 2h before: Thu 08:30 Madrid, outside: the latest safe moment before
	// it is Wed 11:55 Madrid (5 minutes before her window closes).
	if ms[1]["status"] != "scheduled" || ms[1]["send_at"] != "2026-06-03T09:55:00Z" || ms[1]["adjusted"] != true {
		t.Errorf("2h reminder: %v", ms[1])
	}
	var tmpl, variant, status string
	var prio int
	if err := e.DB.QueryRow(`SELECT template_id, variant, status, priority FROM messages WHERE id = $1`, ms[1]["message_id"]).Scan(&tmpl, &variant, &status, &prio); err != nil {
		t.Fatal(err)
	}
	if tmpl != "appointment_reminder" || variant != "discreet" || status != "scheduled" || prio != 0 {
		t.Errorf("row: %s %s %s %d", tmpl, variant, status, prio)
	}
	// Wed 2026-06-03 09:00 Madrid with a 2h reminder: 07:00 Madrid is
	// outside, and no window opens between now and then: skipped.
	r = e.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": "2026-06-03T07:00:00Z",
		"meeting_point": "Metro Sants", "kind": "individual", "venue": "sala 2", "reminders": []string{"2h"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	ms = messagesOf(t, r)
	if len(ms) != 1 || ms[0]["status"] != "skipped" || ms[0]["code"] != "no_safe_time" || ms[0]["message_id"] != nil {
		t.Fatalf("skipped: %s", r.Body)
	}
	if a := e.ParticipantAuditActions(code); !strings.Contains(a, "reminder.skipped") || !strings.Contains(a, "reminder.scheduled") || !strings.Contains(a, "appointment.created") {
		t.Fatalf("audit: %s", a)
	}
	// Listing shows both appointments and their reminders.
	r = e.Do(auth.RoleStaff, "GET", "/v1/appointments?participant="+code, nil)
	if r.Status != 200 || len(r.JSON(t)["items"].([]any)) != 2 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
}

func TestAppointmentWithoutConsentStillCreated(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	e.MeetingPoint("Plaça Catalunya, fountain")
	r := e.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": "2026-06-04T08:30:00Z",
		"meeting_point": "Plaça Catalunya, fountain", "venue": "sala 1"})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	ref, _ := r.JSON(t)["reminders_refused"].(map[string]any)
	if ref["code"] != "no_consent" || len(messagesOf(t, r)) != 0 {
		t.Fatalf("refusal: %s", r.Body)
	}
	var n int
	e.DB.QueryRow(`SELECT count(*) FROM messages`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d messages stored", n)
	}
}

func TestSessionSpacing(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	e.MeetingPoint("Metro Sants")
	book := func(at, kind string) gatewaytest.Resp {
		return e.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": at,
			"meeting_point": "Metro Sants", "kind": kind, "venue": "sala 1", "reminders": []string{}})
	}
	if r := book("2026-06-10T10:00:00Z", "individual"); r.Status != 201 {
		t.Fatalf("first: %d %s", r.Status, r.Body)
	}
	r := book("2026-06-10T10:20:00Z", "individual")
	if r.Status != 409 || r.ErrCode(t) != "session_spacing" {
		t.Fatalf("conflict: %d %s", r.Status, r.Body)
	}
	fs := r.JSON(t)["free_slots"].(map[string]any)
	if fs["earlier"] != "2026-06-10T09:30:00Z" || fs["later"] != "2026-06-10T10:30:00Z" {
		t.Fatalf("free slots: %v", fs)
	}
	if r := book("2026-06-10T10:30:00Z", "individual"); r.Status != 201 {
		t.Fatalf("exactly 30 minutes later: %d %s", r.Status, r.Body)
	}
	r = book("2026-06-10T10:10:00Z", "individual")
	fs = r.JSON(t)["free_slots"].(map[string]any)
	if r.Status != 409 || fs["earlier"] != "2026-06-10T09:30:00Z" || fs["later"] != "2026-06-10T11:00:00Z" {
		t.Fatalf("between two: %d %s", r.Status, r.Body)
	}
	// Group sessions are not bound by the rule.
	if r := book("2026-06-10T10:10:00Z", "group"); r.Status != 201 {
		t.Fatalf("group: %d %s", r.Status, r.Body)
	}
	// Moving onto a busy slot is refused too; moving to a free one works.
	id := book("2026-06-10T12:00:00Z", "individual").JSON(t)["id"].(string)
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/appointments/"+id, map[string]any{"starts_at": "2026-06-10T10:45:00Z"}); r.Status != 409 {
		t.Fatalf("move onto busy: %d %s", r.Status, r.Body)
	}
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/appointments/"+id, map[string]any{"starts_at": "2026-06-10T12:10:00Z"}); r.Status != 200 {
		t.Fatalf("move near itself: %d %s", r.Status, r.Body)
	}
	// Configurable spacing.
	e2 := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{SessionSpacing: time.Hour}))
	c2 := e2.CreateParticipant(gatewaytest.Maria())
	e2.MeetingPoint("Metro Sants")
	e2.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": c2, "starts_at": "2026-06-10T10:00:00Z", "meeting_point": "Metro Sants", "venue": "v", "reminders": []string{}})
	if r := e2.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": c2, "starts_at": "2026-06-10T10:45:00Z", "meeting_point": "Metro Sants", "venue": "v", "reminders": []string{}}); r.Status != 409 {
		t.Fatalf("1h spacing: %d %s", r.Status, r.Body)
	}
}

// TestAppointmentMoveAndCancel runs the whole Pipeline: pending reminders
// are canceled and the notices reach the fake Twilio.
func TestAppointmentMoveAndCancel(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Fake.AutoDeliver("delivered")
	code := p.ConsentingParticipant("+34 612 000 321", false)
	p.MeetingPoint("Metro Sants")
	start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Minute)
	r := p.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": start, "meeting_point": "Metro Sants",
		"venue": "sala 1", "reminders": []string{"24h", "2h"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	first := messagesOf(t, r)
	p.MeetingPoint("Bus stop Plaça Espanya")
	r = p.Do(auth.RoleStaff, "PATCH", "/v1/appointments/"+id, map[string]any{"starts_at": start.Add(24 * time.Hour), "meeting_point": "Bus stop Plaça Espanya"})
	if r.Status != 200 {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	var canceled, notices, reminders int
	var noticeID string
	for _, m := range messagesOf(t, r) {
		switch {
		case m["status"] == "canceled":
			canceled++
		case m["kind"] == "changed":
			notices++
			noticeID = m["message_id"].(string)
		case m["kind"] == "reminder" && m["status"] == "scheduled":
			reminders++
		}
	}
	if canceled != 2 || notices != 1 || reminders != 2 {
		t.Fatalf("move messages: %s", r.Body)
	}
	for _, m := range first {
		got := p.WaitStatus(m["message_id"].(string), "canceled")
		if h := gatewaytest.HistoryOf(got); h != "scheduled,canceled" {
			t.Fatalf("canceled reminder history %s", h)
		}
	}
	p.WaitStatus(noticeID, "delivered")
	r = p.Do(auth.RoleStaff, "DELETE", "/v1/appointments/"+id, nil)
	if r.Status != 200 || r.JSON(t)["status"] != "canceled" {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	canceled, notices = 0, 0
	for _, m := range messagesOf(t, r) {
		if m["status"] == "canceled" {
			canceled++
		}
		if m["kind"] == "cancelled" {
			notices++
			p.WaitStatus(m["message_id"].(string), "delivered")
		}
	}
	if canceled != 2 || notices != 1 {
		t.Fatalf("cancel messages: %s", r.Body)
	}
	var bodies []string
	for _, rq := range p.Fake.Requests() {
		if rq.Method == "POST" && strings.HasSuffix(rq.Path, "/Messages.json") {
			bodies = append(bodies, rq.Form.Get("Body"))
		}
	}
	if len(bodies) != 2 || !strings.Contains(bodies[0], "Plaça Espanya") {
		t.Fatalf("sent: %q", bodies)
	}
	if a := p.Env.ParticipantAuditActions(code); !strings.Contains(a, "appointment.moved") || !strings.Contains(a, "appointment.cancelled") || strings.Count(a, "reminder.canceled") != 4 {
		t.Fatalf("audit: %s", a)
	}
	if r := p.Do(auth.RoleStaff, "PATCH", "/v1/appointments/"+id, map[string]any{"starts_at": start}); r.Status != 409 {
		t.Fatalf("move cancelled: %d", r.Status)
	}
}

// A point created with a decomposed name ("c" + U+0327) is stored NFC and
// booked by either form of its name: a booking looks the name up in the
// form it is stored in.
func TestBookAtADecomposedName(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Plac\u0327a  Reial", "kind": "landmark"})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	for i, name := range []string{"Plac\u0327a Reial", "Plaça  Reial"} {
		at := []string{"2026-06-04T08:30:00Z", "2026-06-11T08:30:00Z"}[i]
		r := e.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": at,
			"meeting_point": name, "venue": "sala 1", "reminders": []string{}})
		if r.Status != 201 {
			t.Errorf("book at %+q: %d %s", name, r.Status, r.Body)
		}
	}
	var n int
	if err := e.DB.QueryRow(`SELECT count(*) FROM appointments a JOIN meeting_points mp ON mp.id = a.meeting_point_id WHERE mp.name = 'Plaça Reial'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d appointments at the point, want 2", n)
	}
}
