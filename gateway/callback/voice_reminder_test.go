package callback_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"safecontact/gateway/gatewaytest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
)

func TestVoiceReminderCalls(t *testing.T) {
	t.Parallel()
	p := newVoicePipeline(t, func(v *gateway.VoiceConfig) { v.ReminderTemplates = []string{"appointment_reminder"} })
	code := p.VoiceParticipant("+34 612 400 001", true, false) // monitored: discreet wording, never a voicemail
	when := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	remind := func() (string, channels.CallEvent, string) {
		t.Helper()
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "voice", "template": "appointment_reminder",
			"params": map[string]string{"when": when, "place": "Metro Sants"}})
		if r.Status != http.StatusAccepted || r.JSON(t)["variant"] != "discreet" {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		id := r.JSON(t)["id"].(string)
		p.WaitStatus(id, "sent")
		m, err := db.New(p.DB).MessageByID(context.Background(), uuid.MustParse(id))
		if err != nil {
			t.Fatal(err)
		}
		sid := m.ProviderID.String
		c, ok := p.Fake.Call(sid)
		if !ok {
			t.Fatalf("no call for %s (provider id %q)", id, sid)
		}
		// Straight to her, from the organisation's number, with AMD.
		if c.To != "+34612400001" || c.From != gatewaytest.OrgVoiceNumber || c.Params.Get("MachineDetection") != "Enable" ||
			c.Params.Get("Url") != p.HTTP.URL+callback.RouteReminder+"?m="+id || c.StatusCallback != p.HTTP.URL+callback.RouteReminderStatus+"?m="+id {
			t.Fatalf("reminder call: %q %q %v", c.To, c.From, c.Params)
		}
		return id, channels.CallEvent{CallSid: sid}, c.Params.Get("Url")
	}

	// 1. She answers and presses 1: the reminder is spoken.
	id, ev, _ := remind()
	d := twimlOf(t)(p.Fake.AnswerCall(context.Background(), ev.CallSid, url.Values{"AnsweredBy": {"human"}}))
	if d.Gather == nil || d.Gather.Say.Text != "Hola. Si puedes hablar ahora, pulsa 1." || d.Gather.Action != p.HTTP.URL+callback.RouteReminderGate+"?m="+id {
		t.Fatalf("reminder answer: %s", d.Inner)
	}
	c, _ := p.Fake.Call(ev.CallSid)
	d = twimlOf(t)(p.Fake.FetchTwiML(context.Background(), d.Gather.Action, p.Fake.CallForm(c, "in-progress", url.Values{"Digits": {"1"}})))
	if len(d.Say) != 1 || !strings.HasPrefix(d.Say[0].Text, "Hola, soy yo.") || !strings.Contains(d.Say[0].Text, "Metro Sants") ||
		d.Say[0].Language != "es-ES" || d.Hangup == nil {
		t.Fatalf("after 1: %s", d.Inner)
	}
	p.Fake.EndCall(context.Background(), ev.CallSid, "completed", nil)
	p.WaitStatus(id, "delivered") // the completed status does not undo it

	// 2a. Detection undecided ("unknown") and no voicemail allowed: treated
	// as a machine, the prompt is never played (it could be recorded).
	id, ev, _ = remind()
	if d = twimlOf(t)(p.Fake.AnswerCall(context.Background(), ev.CallSid, url.Values{"AnsweredBy": {"unknown"}})); d.Hangup == nil || d.Gather != nil {
		t.Fatalf("undecided detection: %s", d.Inner)
	}
	p.WaitStatus(id, "undelivered")

	// 2b. No key: hang up, undelivered.
	id, ev, _ = remind()
	d = twimlOf(t)(p.Fake.AnswerCall(context.Background(), ev.CallSid, url.Values{"AnsweredBy": {"human"}}))
	c, _ = p.Fake.Call(ev.CallSid)
	if d = twimlOf(t)(p.Fake.FetchTwiML(context.Background(), d.Gather.Action, p.Fake.CallForm(c, "in-progress", nil))); d.Hangup == nil || len(d.Say) != 0 {
		t.Fatalf("no key: %s", d.Inner)
	}
	if m := p.WaitStatus(id, "undelivered"); m["error_code"] != "not_confirmed" {
		t.Fatalf("no key: %v", m)
	}

	// 3. A machine answers (synchronous AMD): hang up, never a voicemail.
	id, ev, _ = remind()
	if d = twimlOf(t)(p.Fake.AnswerCall(context.Background(), ev.CallSid, url.Values{"AnsweredBy": {"machine_end_beep"}})); d.Hangup == nil || len(d.Say) != 0 || d.Gather != nil {
		t.Fatalf("machine: %s", d.Inner)
	}
	if m := p.WaitStatus(id, "undelivered"); m["error_code"] != "machine_detected" {
		t.Fatalf("machine: %v", m)
	}

	// 4. Asynchronous AMD callback: the gateway hangs the call up.
	id, ev, _ = remind()
	c, _ = p.Fake.Call(ev.CallSid)
	if err := p.Fake.PostCallback(context.Background(), p.HTTP.URL+callback.RouteVoiceAMD+"?m="+id, p.Fake.CallForm(c, "in-progress", url.Values{"AnsweredBy": {"machine_start"}})); err != nil {
		t.Fatal(err)
	}
	if c, _ := p.Fake.Call(ev.CallSid); c.Status != "completed" {
		t.Fatalf("not hung up: %s", c.Status)
	}
	p.WaitStatus(id, "undelivered")

	// 5. No answer: undelivered, with the call's status.
	id, ev, _ = remind()
	if err := p.Fake.EndCall(context.Background(), ev.CallSid, "no-answer", nil); err != nil {
		t.Fatal(err)
	}
	if m := p.WaitStatus(id, "undelivered"); m["error_code"] != "call_no-answer" {
		t.Fatalf("no answer: %v", m)
	}
	// A webhook about another call for this message changes nothing.
	d = twimlOf(t)(p.Fake.FetchTwiML(context.Background(), p.HTTP.URL+callback.RouteReminder+"?m="+id,
		url.Values{"CallSid": {"CA" + strings.Repeat("1", 32)}, "AnsweredBy": {"human"}}))
	if d.Hangup == nil || d.Gather != nil {
		t.Fatalf("stale call: %s", d.Inner)
	}
	// 6. Her safe window closes while the phone rings (here: staff narrow
	// it): hang up before a word, undelivered, and the reason is shown.
	id, ev, _ = remind()
	madrid, _ := time.LoadLocation("Europe/Madrid")
	later := time.Now().In(madrid).Add(6 * time.Hour).Hour()
	window := fmt.Sprintf("daily %02d:00-%02d:00", later, later+1)
	if later == 23 {
		window = "daily 23:00-24:00"
	}
	if r := p.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"safe_windows": []string{window}, "any_time": false}); r.Status != 200 {
		t.Fatalf("narrow window: %d %s", r.Status, r.Body)
	}
	if d = twimlOf(t)(p.Fake.AnswerCall(context.Background(), ev.CallSid, url.Values{"AnsweredBy": {"human"}})); d.Hangup == nil || d.Gather != nil || len(d.Say) != 0 {
		t.Fatalf("outside her window: %s", d.Inner)
	}
	if m := p.WaitStatus(id, "undelivered"); m["error_code"] != "outside_safe_window" {
		t.Fatalf("outside her window: %v", m)
	}
	if n := p.Fake.CallsCreated(); n != 7 { // one call per case above
		t.Fatalf("%d calls", n)
	}
	// The TwiML never contained her number; the logs neither.
	if strings.Contains(p.Logs.String(), "612400001") {
		t.Fatal("logs contain her number")
	}
	_ = fmt.Sprint
}

func TestVoiceReminderVoicemailWhenAllowed(t *testing.T) {
	t.Parallel()
	p := newVoicePipeline(t, func(v *gateway.VoiceConfig) { v.ReminderTemplates = []string{"appointment_reminder"} })
	code := p.VoiceParticipant("+34 612 400 002", false, true)
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "voice", "template": "appointment_reminder",
		"params": map[string]string{"when": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "place": "Metro Sants"}})
	id := r.JSON(t)["id"].(string)
	p.WaitStatus(id, "sent")
	m, _ := db.New(p.DB).MessageByID(context.Background(), uuid.MustParse(id))
	c, _ := p.Fake.Call(m.ProviderID.String)
	if c.Params.Get("MachineDetection") != "DetectMessageEnd" {
		t.Fatalf("machine detection %q", c.Params.Get("MachineDetection"))
	}
	d := twimlOf(t)(p.Fake.AnswerCall(context.Background(), c.Sid, url.Values{"AnsweredBy": {"machine_end_beep"}}))
	if len(d.Say) != 1 || !strings.Contains(d.Say[0].Text, "Metro Sants") || d.Hangup == nil {
		t.Fatalf("voicemail: %s", d.Inner)
	}
	p.WaitStatus(id, "delivered")
}
