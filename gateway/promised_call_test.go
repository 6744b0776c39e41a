package gateway_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
)

// callT0 is Tuesday 2026-06-02 08:30 UTC, 10:30 in Madrid (CEST): inside
// her weekday window.
var callT0 = time.Date(2026, 6, 2, 8, 30, 0, 0, time.UTC)

// callParticipant creates a participant (not monitored, Madrid, weekdays
// 10:00-12:00 and 17:00-19:00) who consented to SMS and, with voice, to
// calls too, and returns her code.
func callParticipant(t *testing.T, e *gatewaytest.Env, phone string, voice bool) string {
	t.Helper()
	b := gatewaytest.Maria()
	b["phone"], b["monitored"] = phone, false
	b["safe_windows"] = []string{"mon-fri 10:00-12:00", "mon-fri 17:00-19:00"}
	code := e.CreateParticipant(b)
	chans := []string{"sms"}
	if voice {
		chans = append(chans, "voice")
	}
	for _, ch := range chans {
		if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant(ch)); r.Status != http.StatusCreated {
			t.Fatalf("grant %s: %d %s", ch, r.Status, r.Body)
		}
	}
	return code
}

func promiseBody(code, template string, when time.Time) map[string]any {
	return map[string]any{"participant": code, "channel": "sms", "template": template,
		"params": map[string]string{"when": when.UTC().Format(time.RFC3339)}}
}

// A message that tells her she will be called is refused, at preview and
// at accept, when that call may not be made: she has not consented to
// calls, the time is past, more than 30 days ahead or outside her safe
// hours. The refusal names the code and params.when, is audited like any
// refusal (no text, no number) and nothing is stored or queued.
func TestPromisedCallRefusedAtAccept(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	e.Clock.Set(callT0)
	noVoice := callParticipant(t, e, "+34 612 007 001", false)
	voice := callParticipant(t, e, "+34 612 007 002", true)

	// Wednesday 10:30 Madrid: a good time for her.
	good := callT0.Add(24 * time.Hour)
	cases := []struct {
		name, code, template string
		when                 time.Time
		status               int
		want                 string
	}{
		{"no voice consent", noVoice, "call_at", good, http.StatusForbidden, "call_not_consented"},
		{"no voice consent, callback_notice", noVoice, "callback_notice", good, http.StatusForbidden, "call_not_consented"},
		{"yesterday", voice, "call_at", callT0.Add(-24 * time.Hour), http.StatusUnprocessableEntity, "call_time_past"},
		{"now", voice, "callback_notice", callT0, http.StatusUnprocessableEntity, "call_time_past"},
		{"in 31 days", voice, "call_at", callT0.Add(31 * 24 * time.Hour), http.StatusUnprocessableEntity, "call_time_too_far"},
		// Wednesday 14:00 Madrid: between her windows.
		{"outside her hours", voice, "call_at", callT0.Add(24*time.Hour + 3*time.Hour + 30*time.Minute), http.StatusUnprocessableEntity, "call_time_unsafe"},
		// Saturday 11:00 Madrid.
		{"on Saturday", voice, "callback_notice", callT0.Add(4*24*time.Hour + 30*time.Minute), http.StatusUnprocessableEntity, "call_time_unsafe"},
	}
	for _, c := range cases {
		pv := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", promiseBody(c.code, c.template, c.when))
		if pv.Status != http.StatusOK {
			t.Fatalf("%s: preview %d %s", c.name, pv.Status, pv.Body)
		}
		d := pv.JSON(t)["decision"].(map[string]any)
		if d["allowed"] != false || d["code"] != c.want || d["field"] != "params.when" || d["channel"] != "voice" || pv.JSON(t)["text"] != nil {
			t.Errorf("%s: preview decision %v", c.name, d)
		}
		r := e.Do(auth.RoleStaff, "POST", "/v1/messages", promiseBody(c.code, c.template, c.when))
		if r.Status != c.status || r.ErrCode(t) != c.want {
			t.Errorf("%s: accept %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.want)
			continue
		}
		if f := r.JSON(t)["error"].(map[string]any)["field"]; f != "params.when" {
			t.Errorf("%s: field %v", c.name, f)
		}
		participant, details, actor := e.LastAudit(message.ActionRefused)
		if participant != c.code || details["code"] != c.want || details["field"] != "params.when" || details["template_id"] != c.template ||
			details["channel"] != "voice" || details["requested"] != "sms" || actor != "staff-user" {
			t.Errorf("%s: audit %s %v %s", c.name, participant, details, actor)
		}
	}
	var msgs, outbox, refused int
	if err := e.DB.QueryRow(`SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM outbox),
		(SELECT count(*) FROM audit_events WHERE action = 'message.refused')`).Scan(&msgs, &outbox, &refused); err != nil {
		t.Fatal(err)
	}
	if msgs != 0 || outbox != 0 || refused != len(cases) {
		t.Fatalf("after refusals: %d messages, %d outbox rows, %d refusals audited (want 0, 0, %d)", msgs, outbox, refused, len(cases))
	}
	// The refusals' audit details carry neither a text nor her number.
	rows, err := e.DB.Query(`SELECT details::text FROM audit_events WHERE action = 'message.refused'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		rows.Scan(&s)
		for _, needle := range []string{"612", "llamo", "llamar", "call you", callT0.Format("2006-01-02")} {
			if strings.Contains(s, needle) {
				t.Errorf("refusal audit holds %q: %s", needle, s)
			}
		}
	}

	// A good time, with voice consent: previewed, accepted, and the
	// promised time kept for the worker's re-check.
	pv := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", promiseBody(voice, "call_at", good))
	if d := pv.JSON(t)["decision"].(map[string]any); d["allowed"] != true || d["field"] != nil || !strings.Contains(pv.JSON(t)["text"].(string), "miércoles 3 de junio, 10:30") {
		t.Fatalf("preview: %s", pv.Body)
	}
	r := e.Do(auth.RoleStaff, "POST", "/v1/messages", promiseBody(voice, "call_at", good))
	if r.Status != http.StatusAccepted || r.JSON(t)["status"] != "queued" {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	var promised sql.NullTime
	if err := e.DB.QueryRow(`SELECT promised_call_at FROM messages WHERE id = $1`, r.JSON(t)["id"]).Scan(&promised); err != nil ||
		!promised.Valid || !promised.Time.Equal(good) {
		t.Fatalf("promised_call_at = %v %v, want %v", promised, err, good)
	}
	// A template that promises nothing is not held to her voice consent.
	r = e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": noVoice, "channel": "sms", "template": "please_contact"})
	if r.Status != http.StatusAccepted {
		t.Fatalf("please_contact: %d %s", r.Status, r.Body)
	}
	if err := e.DB.QueryRow(`SELECT promised_call_at FROM messages WHERE id = $1`, r.JSON(t)["id"]).Scan(&promised); err != nil || promised.Valid {
		t.Fatalf("please_contact promised_call_at = %v %v", promised, err)
	}
	// Her channel's own refusal comes first: no SMS consent is no_consent,
	// whatever the call.
	b := gatewaytest.Maria()
	b["phone"], b["monitored"] = "+34 612 007 003", false
	none := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/messages", promiseBody(none, "call_at", callT0.Add(-time.Hour))); r.Status != http.StatusForbidden || r.ErrCode(t) != "no_consent" {
		t.Fatalf("no sms consent: %d %s", r.Status, r.Body)
	}
}

// The worker's re-check just before sending decides the promised call
// again: a promise whose voice consent was withdrawn, whose time has passed
// or that her new safe hours exclude is dropped, never sent, with the
// call's code (dropped_consent_revoked for the consent, dropped_call_refused
// for the time, which says nothing of her consent); one that still holds
// is sent.
func TestPromisedCallRecheckedAtDelivery(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Stop() // this test runs the worker itself, on the test's clock
	p.Clock.Set(callT0)
	ctx := context.Background()
	accept := func(code string, when time.Time) string {
		t.Helper()
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", promiseBody(code, "call_at", when))
		if r.Status != http.StatusAccepted || r.JSON(t)["status"] != "queued" {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)["id"].(string)
	}
	dropped := func(name, id, code string) {
		t.Helper()
		p.Worker.Handle(ctx, id, 1)
		m := p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil).JSON(t)
		status := message.StatusDroppedCallRefused
		if code == "call_not_consented" {
			status = message.StatusDropped
		}
		if m["status"] != status || m["error_code"] != code {
			t.Errorf("%s: status %v, error_code %v; want %s %s", name, m["status"], m["error_code"], status, code)
		}
		var n int
		if err := p.DB.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'message.dropped' AND details->>'message_id' = $1 AND details->>'code' = $2`, id, code).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d message.dropped events with %s (%v)", name, n, code, err)
		}
	}
	// Today 17:30 Madrid: a good time when accepted.
	today := callT0.Add(7 * time.Hour)

	// Her voice consent is withdrawn after the text was accepted.
	a := callParticipant(t, p.Env, "+34 612 007 011", true)
	id := accept(a, today)
	if r := p.Do(auth.RoleStaff, "DELETE", "/v1/participants/"+a+"/consents/voice", map[string]any{"reason": "she no longer wants calls"}); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	dropped("voice revoked", id, "call_not_consented")

	// The text waited (an outage) until after the promised time.
	b := callParticipant(t, p.Env, "+34 612 007 012", true)
	id = accept(b, callT0.Add(30*time.Minute)) // 11:00 Madrid
	p.Clock.Set(callT0.Add(time.Hour))
	dropped("time passed", id, "call_time_past")
	p.Clock.Set(callT0)

	// Her safe hours changed: the afternoon is no longer safe.
	c := callParticipant(t, p.Env, "+34 612 007 013", true)
	id = accept(c, today)
	if r := p.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+c, map[string]any{"safe_windows": []string{"mon-fri 10:00-12:00"}}); r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	dropped("hours changed", id, "call_time_unsafe")
	// A promise queued without its time (before that time was kept, or
	// by an older process): the call cannot be decided, so the text is
	// dropped, not sent unchecked.
	old := callParticipant(t, p.Env, "+34 612 007 015", true)
	for _, tmpl := range []string{"call_at", "callback_notice"} {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", promiseBody(old, tmpl, today))
		if r.Status != http.StatusAccepted {
			t.Fatalf("accept %s: %d %s", tmpl, r.Status, r.Body)
		}
		id := r.JSON(t)["id"].(string)
		if _, err := p.DB.Exec(`UPDATE messages SET promised_call_at = NULL WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		dropped(tmpl+" without its promised time", id, "call_not_consented")
	}
	if n := p.Fake.Created(); n != 0 {
		t.Fatalf("the fake received %d messages for broken promises", n)
	}

	// A promise that still holds is sent.
	d := callParticipant(t, p.Env, "+34 612 007 014", true)
	id = accept(d, today)
	p.Worker.Handle(ctx, id, 1)
	if m := p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil).JSON(t); m["status"] != "sent" {
		t.Fatalf("kept promise: status %v %v", m["status"], m["error_code"])
	}
	if n := p.Fake.Created(); n != 1 {
		t.Fatalf("the fake received %d messages, want 1", n)
	}
}

// A text accepted between her windows goes out at the next one: a call
// promised after now but before then is refused as past, with a message
// that says the text reaches her only after the call (not "not in the
// future", which reads as wrong to staff who chose a later hour).
func TestPromisedCallBeforeHerNextWindow(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	e.Clock.Set(callT0.Add(2 * time.Hour)) // Tuesday 12:30 Madrid: her next window opens at 17:00
	code := callParticipant(t, e, "+34 612 007 021", true)
	at := callT0.Add(3*time.Hour + 30*time.Minute) // 14:00 Madrid
	pv := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", promiseBody(code, "call_at", at))
	d := pv.JSON(t)["decision"].(map[string]any)
	if d["allowed"] != false || d["code"] != "call_time_past" || d["field"] != "params.when" ||
		!strings.Contains(d["reason"].(string), "next safe window") {
		t.Fatalf("preview decision %v", d)
	}
	r := e.Do(auth.RoleStaff, "POST", "/v1/messages", promiseBody(code, "call_at", at))
	if r.Status != http.StatusUnprocessableEntity || r.ErrCode(t) != "call_time_past" ||
		!strings.Contains(r.JSON(t)["error"].(map[string]any)["message"].(string), "next safe window") {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	// A time in the past keeps its own sentence.
	r = e.Do(auth.RoleStaff, "POST", "/v1/messages", promiseBody(code, "call_at", callT0))
	if r.Status != http.StatusUnprocessableEntity || r.ErrCode(t) != "call_time_past" ||
		!strings.Contains(r.JSON(t)["error"].(map[string]any)["message"].(string), "not in the future") {
		t.Fatalf("past: %d %s", r.Status, r.Body)
	}
}

// A text that states a time in her time zone is written at accept in the
// zone she has then, and the zone is kept with it (rendered_tz): when
// staff change her zone before it is sent, the worker's re-check drops it
// (dropped_call_refused, time_zone_changed) rather than send a wrong hour.
// Here her zone is Lisbon, the call 09:30 UTC, so the text says 10:30;
// in Madrid that is 11:30, inside her hours, so only the zone drops it. A
// text that states no time is sent after the same change.
func TestPromisedCallTimeZoneChanged(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Stop() // this test runs the worker itself, on the test's clock
	ctx := context.Background()
	now := callT0.Add(time.Hour) // 09:30 UTC: 10:30 in Lisbon, 11:30 in Madrid
	p.Clock.Set(now)
	code := callParticipant(t, p.Env, "+34 612 007 021", true)
	if r := p.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"time_zone": "Europe/Lisbon"}); r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	when := time.Date(2026, 6, 3, 9, 30, 0, 0, time.UTC)
	var ids []string
	for _, tmpl := range []string{"call_at", "callback_notice"} {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", promiseBody(code, tmpl, when))
		if r.Status != http.StatusAccepted || r.JSON(t)["status"] != "queued" {
			t.Fatalf("accept %s: %d %s", tmpl, r.Status, r.Body)
		}
		ids = append(ids, r.JSON(t)["id"].(string))
	}
	free := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, ¿qué tal la semana?"})
	if free.Status != http.StatusAccepted {
		t.Fatalf("free text: %d %s", free.Status, free.Body)
	}
	freeID := free.JSON(t)["id"].(string)
	var tz sql.NullString
	if err := p.DB.QueryRow(`SELECT rendered_tz FROM messages WHERE id = $1`, ids[0]).Scan(&tz); err != nil || tz.String != "Europe/Lisbon" {
		t.Fatalf("rendered_tz %v (%v), want Europe/Lisbon", tz, err)
	}
	if err := p.DB.QueryRow(`SELECT rendered_tz FROM messages WHERE id = $1`, freeID).Scan(&tz); err != nil || tz.Valid {
		t.Fatalf("free text rendered_tz %v (%v), want NULL", tz, err)
	}

	if r := p.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"time_zone": "Europe/Madrid"}); r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	for _, id := range ids {
		p.Worker.Handle(ctx, id, 1)
		m := p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil).JSON(t)
		if m["status"] != message.StatusDroppedCallRefused || m["error_code"] != message.CodeTimeZoneChanged {
			t.Errorf("status %v, error_code %v; want %s %s", m["status"], m["error_code"], message.StatusDroppedCallRefused, message.CodeTimeZoneChanged)
		}
		var n int
		if err := p.DB.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'message.dropped' AND details->>'message_id' = $1 AND details->>'code' = 'time_zone_changed'`, id).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d message.dropped events (%v)", n, err)
		}
	}
	if n := p.Fake.Created(); n != 0 {
		t.Fatalf("the fake received %d messages stating the wrong hour", n)
	}
	p.Worker.Handle(ctx, freeID, 1)
	if m := p.Do(auth.RoleStaff, "GET", "/v1/messages/"+freeID, nil).JSON(t); m["status"] != "sent" {
		t.Fatalf("free text: status %v %v", m["status"], m["error_code"])
	}
}

// An appointment reminder states the appointment's time in her zone too:
// written at booking, released by the scheduler, it is dropped by the
// worker with time_zone_changed when her zone changed meanwhile.
func TestAppointmentReminderTimeZoneChanged(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	ctx := context.Background()
	p.Clock.Set(callT0)
	b := gatewaytest.Maria()
	b["phone"], b["monitored"], b["any_time"], b["safe_windows"] = "+34 612 007 031", false, true, []string{}
	code := p.CreateParticipant(b)
	if r := p.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != http.StatusCreated {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	p.MeetingPoint("Metro Sants")
	r := p.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": "2026-06-04T08:30:00Z",
		"meeting_point": "Metro Sants", "venue": "sala 1", "reminders": []string{"24h"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("appointment: %d %s", r.Status, r.Body)
	}
	var id string
	var tz sql.NullString
	if err := p.DB.QueryRow(`SELECT id::text, rendered_tz FROM messages WHERE template_id = 'appointment_reminder'`).Scan(&id, &tz); err != nil || tz.String != "Europe/Madrid" {
		t.Fatalf("reminder %s rendered_tz %v (%v)", id, tz, err)
	}
	if r := p.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"time_zone": "Atlantic/Canary"}); r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	release := time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC)
	p.Clock.Set(release)
	if n, err := p.Server.NewScheduler().ReleaseDueSetBased(ctx, release); err != nil || n != 1 {
		t.Fatalf("release: %d %v", n, err)
	}
	p.Worker.Handle(ctx, id, 1)
	m := p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil).JSON(t)
	if m["status"] != message.StatusDroppedCallRefused || m["error_code"] != message.CodeTimeZoneChanged {
		t.Fatalf("status %v, error_code %v", m["status"], m["error_code"])
	}
	if n := p.Fake.Created(); n != 0 {
		t.Fatalf("the fake received %d messages", n)
	}
}
