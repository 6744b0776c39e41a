package callback_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/channels/twiliotest"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
	"safecontact/gateway/gatewaytest"
)

// voicePipeline adds the voice tests' own steps to the pipeline.
type voicePipeline struct {
	*gatewaytest.VoicePipeline
}

func newVoicePipeline(t *testing.T, tune func(*gateway.VoiceConfig)) *voicePipeline {
	t.Helper()
	return &voicePipeline{gatewaytest.NewVoicePipeline(t, tune)}
}

func (p *voicePipeline) post(path string, body any) gatewaytest.Resp {
	p.T.Helper()
	return p.Do(auth.RoleStaff, "POST", path, body)
}

// twimlDoc reads the TwiML the gateway answers (xml.Unmarshal fails on
// anything not well-formed).
type twimlDoc struct {
	XMLName xml.Name `xml:"Response"`
	Say     []struct {
		Language string `xml:"language,attr"`
		Voice    string `xml:"voice,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
	Gather *struct {
		Action    string `xml:"action,attr"`
		NumDigits string `xml:"numDigits,attr"`
		Timeout   string `xml:"timeout,attr"`
		Say       struct {
			Language string `xml:"language,attr"`
			Text     string `xml:",chardata"`
		} `xml:"Say"`
	} `xml:"Gather"`
	Dial *struct {
		CallerID       string `xml:"callerId,attr"`
		AnswerOnBridge string `xml:"answerOnBridge,attr"`
		Action         string `xml:"action,attr"`
		Number         struct {
			URL              string `xml:"url,attr"`
			MachineDetection string `xml:"machineDetection,attr"`
			Value            string `xml:",chardata"`
		} `xml:"Number"`
	} `xml:"Dial"`
	Hangup *struct{} `xml:"Hangup"`
	Inner  string    `xml:",innerxml"`
}

func parseTwiML(t testing.TB, status int, body string) twimlDoc {
	t.Helper()
	if status != 200 {
		t.Fatalf("TwiML answer: HTTP %d %s", status, body)
	}
	var d twimlDoc
	if err := xml.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("TwiML is not well-formed: %v\n%s", err, body)
	}
	return d
}

// call is one masked call in the test: the staff leg the fake created,
// and her leg (a sid of our making: the fake does not run <Dial>).
type call struct {
	p        *voicePipeline
	staffSid string
	herSid   string
	screen   string // the <Number url>
	dial     string // the <Dial action>
}

// connect claims (if needed) and connects task id, checks the first leg,
// answers it and checks the bridge TwiML.
func (p *voicePipeline) connect(id int64, herE164 string, wantMD string) *call {
	t := p.T
	t.Helper()
	r := p.post(fmt.Sprintf("/v1/callbacks/%d/claim", id), nil)
	if r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	r = p.post(fmt.Sprintf("/v1/callbacks/%d/connect", id), nil)
	if r.Status != http.StatusAccepted {
		t.Fatalf("connect: %d %s", r.Status, r.Body)
	}
	sid := r.JSON(t)["call"].(map[string]any)["sid"].(string)
	// The first leg rings the staff member's own phone, from the
	// organisation's number.
	c, ok := p.Fake.Call(sid)
	if !ok {
		t.Fatal("the fake has no call")
	}
	base := p.HTTP.URL
	if c.To != gatewaytest.StaffE164 || c.From != gatewaytest.OrgVoiceNumber ||
		c.Params.Get("Url") != fmt.Sprintf("%s/webhooks/twilio/voice/bridge?task=%d", base, id) ||
		c.StatusCallback != fmt.Sprintf("%s/webhooks/twilio/voice/status?task=%d", base, id) || c.Params.Get("Record") != "" {
		t.Fatalf("first leg: to %q from %q params %v", c.To, c.From, c.Params)
	}
	if strings.Contains(string(r.Body), strings.TrimPrefix(herE164, "+34")) || strings.Contains(string(r.Body), "699000111") {
		t.Fatalf("connect response shows a number: %s", r.Body)
	}
	// The staff member answers: the bridge dials her from the org number.
	d := twimlOf(t)(p.Fake.AnswerCall(context.Background(), sid, nil))
	if d.Dial == nil || d.Dial.CallerID != gatewaytest.OrgVoiceNumber || d.Dial.AnswerOnBridge != "true" || d.Dial.Number.Value != herE164 ||
		d.Dial.Number.URL != fmt.Sprintf("%s/webhooks/twilio/voice/screen?task=%d", base, id) || d.Dial.Number.MachineDetection != wantMD ||
		d.Dial.Action != fmt.Sprintf("%s/webhooks/twilio/voice/dial?task=%d", base, id) {
		t.Fatalf("bridge TwiML: %s", d.Inner)
	}
	return &call{p: p, staffSid: sid, herSid: twiliotest.NewCallSid(), screen: d.Dial.Number.URL, dial: d.Dial.Action}
}

// twimlOf reads a TwiML answer from the fake: twimlOf(t)(fake.AnswerCall(…)).
func twimlOf(t testing.TB) func(int, string, error) twimlDoc {
	return func(status int, body string, err error) twimlDoc {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return parseTwiML(t, status, body)
	}
}

// herLeg posts a webhook about her leg (signed, as Twilio would).
func (c *call) herLeg(u string, extra url.Values) twimlDoc {
	c.p.T.Helper()
	form := url.Values{"CallSid": {c.herSid}, "ParentCallSid": {c.staffSid}, "AccountSid": {c.p.Fake.AccountSID()},
		"CallStatus": {"in-progress"}, "Direction": {"outbound-dial"}, "From": {gatewaytest.OrgVoiceNumber}}
	for k, v := range extra {
		form[k] = v
	}
	return twimlOf(c.p.T)(c.p.Fake.FetchTwiML(context.Background(), u, form))
}

// screenHuman: she answers; the screen asks her to press 1.
func (c *call) screenHuman(lang, prompt string) string {
	t := c.p.T
	t.Helper()
	d := c.herLeg(c.screen, url.Values{"AnsweredBy": {"human"}})
	if d.Gather == nil || d.Gather.NumDigits != "1" || d.Gather.Timeout != "8" || d.Gather.Say.Language != lang ||
		d.Gather.Say.Text != prompt || d.Hangup == nil {
		t.Fatalf("screen TwiML: %s", d.Inner)
	}
	return d.Gather.Action
}

func TestVoiceCallbackMaskedCallReached(t *testing.T) {
	t.Parallel()
	p := newVoicePipeline(t, nil)
	if r := p.Do(auth.RoleStaff, "PUT", "/v1/me/phone", map[string]any{"phone": gatewaytest.StaffPhone}); r.Status != 200 || r.JSON(t)["phone"] != "+34•••••0111" {
		t.Fatalf("set phone: %d %s", r.Status, r.Body)
	}
	code := p.VoiceParticipant("+34 612 100 001", true, false)
	other := p.VoiceParticipant("+34 612 100 002", false, false)
	// A normal task first, then a safety one: the safety one is listed first.
	_, normal := p.QueueVoice(other, false)
	msgID, task := p.QueueVoice(code, true)
	list := p.Callbacks()
	if len(list) != 2 || list[0]["id"] != task["id"] || list[1]["id"] != normal["id"] {
		t.Fatalf("queue order: %v", list)
	}
	if task["priority"] != "urgent" || task["reason"] != "message" || task["participant"] != code || task["initials"] != "MR" ||
		task["attempts"].(float64) != 0 || task["status"] != "open" || task["due"] != true {
		t.Fatalf("task: %v", task)
	}
	// The message went to the queue, not to a provider.
	m, _ := db.New(p.DB).MessageByID(context.Background(), uuid.MustParse(msgID))
	if m.ProviderID.String != fmt.Sprintf("CB%d", gatewaytest.TaskID(task)) || p.Fake.CallsCreated() != 0 {
		t.Fatalf("provider id %q, calls %d", m.ProviderID.String, p.Fake.CallsCreated())
	}
	// Redelivery of the same message id makes no second task.
	if out := p.Worker.Handle(context.Background(), msgID, 2); out != channels.Done {
		t.Fatalf("redelivery: %v", out)
	}
	if n := len(p.Callbacks()); n != 2 {
		t.Fatalf("%d tasks after a redelivery", n)
	}

	id := gatewaytest.TaskID(task)
	// Another staff member cannot connect a task they did not claim.
	c := p.connect(id, "+34612100001", "Enable")
	if r := p.Do(auth.RoleSupervisor, "POST", fmt.Sprintf("/v1/callbacks/%d/claim", id), nil); r.Status != 409 || r.ErrCode(t) != "callback_claimed" {
		t.Fatalf("claim by another: %d %s", r.Status, r.Body)
	}
	if r := p.post(fmt.Sprintf("/v1/callbacks/%d/connect", id), nil); r.Status != 409 || r.ErrCode(t) != "call_in_progress" {
		t.Fatalf("second connect: %d %s", r.Status, r.Body)
	}
	gate := c.screenHuman("es-ES", "Hola. Si puedes hablar ahora, pulsa 1.")
	// She presses 1: an empty answer, the bridge proceeds.
	d := c.herLeg(gate, url.Values{"Digits": {"1"}})
	if d.Hangup != nil || d.Dial != nil || d.Gather != nil || len(d.Say) != 0 {
		t.Fatalf("gate with 1: %s", d.Inner)
	}
	if got := p.Callback(id); got["call_state"] != "bridged" || got["attempts"].(float64) != 1 {
		t.Fatalf("after the bridge: %v", got)
	}
	// The call ends; staff records the outcome.
	if err := p.Fake.PostCallback(context.Background(), c.dial, url.Values{"CallSid": {c.staffSid}, "DialCallStatus": {"completed"}, "DialCallSid": {c.herSid}, "DialCallDuration": {"95"}}); err != nil {
		t.Fatal(err)
	}
	if err := p.Fake.EndCall(context.Background(), c.staffSid, "completed", url.Values{"CallDuration": {"120"}}); err != nil {
		t.Fatal(err)
	}
	r := p.post(fmt.Sprintf("/v1/callbacks/%d/complete", id), map[string]any{"outcome": "reached"})
	if r.Status != 200 || r.JSON(t)["requeued"] != false || r.JSON(t)["callback"].(map[string]any)["status"] != "done" {
		t.Fatalf("complete: %d %s", r.Status, r.Body)
	}
	if p.Callback(id) != nil {
		t.Fatal("a completed task is still listed")
	}
	if r := p.post(fmt.Sprintf("/v1/callbacks/%d/complete", id), map[string]any{"outcome": "reached"}); r.Status != 409 || r.ErrCode(t) != "callback_closed" {
		t.Fatalf("complete twice: %d %s", r.Status, r.Body)
	}
	p.WaitStatus(msgID, "delivered")
	acts := p.Env.ParticipantAuditActions(code)
	for _, a := range []string{"callback.created", "callback.claimed", "callback.connected", "callback.dialed", "callback.screened", "callback.call_ended", "callback.completed", "message.delivered"} {
		if !strings.Contains(acts, a) {
			t.Errorf("audit lacks %s: %s", a, acts)
		}
	}
	// Neither number, nor the staff phone, is in the logs or the audit.
	var audit string
	p.DB.QueryRow(`SELECT coalesce(string_agg(details::text, ' '), '') FROM audit_events`).Scan(&audit)
	for _, needle := range []string{"612100001", "612 100 001", "699000111", "699 000 111"} {
		if strings.Contains(p.Logs.String(), needle) || strings.Contains(audit, needle) {
			t.Errorf("logs or audit contain %q", needle)
		}
	}
}

func TestVoiceCallbackScreenNotConfirmedAndMachine(t *testing.T) {
	t.Parallel()
	p := newVoicePipeline(t, func(v *gateway.VoiceConfig) { v.MaxAttempts = 3 })
	p.Do(auth.RoleStaff, "PUT", "/v1/me/phone", map[string]any{"phone": gatewaytest.StaffPhone})
	code := p.VoiceParticipant("+34 612 100 003", false, false)
	msgID, task := p.QueueVoice(code, false)
	id := gatewaytest.TaskID(task)

	// 1: she answers but presses nothing: hang up, unsafe_to_talk, re-queued.
	c := p.connect(id, "+34612100003", "Enable")
	gate := c.screenHuman("es-ES", "Hola. Si puedes hablar ahora, pulsa 1.")
	before := time.Now()
	if d := c.herLeg(gate, url.Values{}); d.Hangup == nil || d.Dial != nil {
		t.Fatalf("no key: %s", d.Inner)
	}
	got := p.Callback(id)
	earliest, _ := time.Parse(time.RFC3339Nano, got["earliest_at"].(string))
	if got["status"] != "open" || got["claimed_by"] != nil || got["last_result"] != "not_confirmed" || got["attempts"].(float64) != 1 ||
		earliest.Before(before.Add(2*time.Hour-time.Second)) || got["due"] != false {
		t.Fatalf("after no key: %v", got)
	}
	// Not due yet: connect is refused after a claim.
	p.post(fmt.Sprintf("/v1/callbacks/%d/claim", id), nil)
	if r := p.post(fmt.Sprintf("/v1/callbacks/%d/connect", id), nil); r.Status != 409 || r.ErrCode(t) != "callback_not_due" {
		t.Fatalf("connect before due: %d %s", r.Status, r.Body)
	}
	// A stale webhook of the old call changes nothing.
	if d := c.herLeg(gate, url.Values{"Digits": {"1"}}); d.Hangup == nil {
		t.Fatalf("stale gate: %s", d.Inner)
	}
	// Bring it due (as the retry spacing would).
	p.DB.Exec(`UPDATE callback_tasks SET earliest_at = now() - interval '1 minute' WHERE id = $1`, id)

	// 2: a machine answers: hang up, no voicemail (not allowed), re-queued.
	c = p.connect(id, "+34612100003", "Enable")
	if d := c.herLeg(c.screen, url.Values{"AnsweredBy": {"machine_start"}}); d.Hangup == nil || d.Gather != nil || len(d.Say) != 0 {
		t.Fatalf("machine: %s", d.Inner)
	}
	if got := p.Callback(id); got["status"] != "open" || got["last_result"] != "machine" || got["attempts"].(float64) != 2 {
		t.Fatalf("after machine: %v", got)
	}
	p.DB.Exec(`UPDATE callback_tasks SET earliest_at = now() - interval '1 minute' WHERE id = $1`, id)

	// 3: nobody answers (the <Dial> action says no-answer): the third ring
	// was the last one: closed no_answer, the message undelivered.
	c = p.connect(id, "+34612100003", "Enable")
	d := twimlOf(t)(p.Fake.FetchTwiML(context.Background(), c.dial, url.Values{"CallSid": {c.staffSid}, "DialCallStatus": {"no-answer"}}))
	if d.Hangup == nil {
		t.Fatalf("dial action: %s", d.Inner)
	}
	if got := p.Callback(id); got != nil {
		t.Fatalf("still listed after the last attempt: %v", got)
	}
	var outcome, status string
	p.DB.QueryRow(`SELECT outcome, status FROM callback_tasks WHERE id = $1`, id).Scan(&outcome, &status)
	if outcome != "no_answer" || status != "done" {
		t.Fatalf("task %s/%s", status, outcome)
	}
	if m := p.WaitStatus(msgID, "undelivered"); m["error_code"] != "no_answer" {
		t.Fatalf("message: %v", m)
	}
	acts := p.Env.ParticipantAuditActions(code)
	if strings.Count(acts, "callback.requeued") != 2 || strings.Count(acts, "callback.completed") != 3 || !strings.Contains(acts, "callback.connect_refused") {
		t.Fatalf("audit: %s", acts)
	}
}

func TestVoiceCallbackVoicemailOnlyWhenAllowed(t *testing.T) {
	t.Parallel()
	p := newVoicePipeline(t, nil)
	p.Do(auth.RoleStaff, "PUT", "/v1/me/phone", map[string]any{"phone": gatewaytest.StaffPhone})
	// Not monitored, voicemail allowed: the screen waits for the greeting's
	// end and lets the bridge proceed on a machine.
	code := p.VoiceParticipant("+34 612 100 004", false, true)
	_, task := p.QueueVoice(code, false)
	c := p.connect(gatewaytest.TaskID(task), "+34612100004", "DetectMessageEnd")
	if d := c.herLeg(c.screen, url.Values{"AnsweredBy": {"machine_end_beep"}}); d.Hangup != nil || d.Gather != nil {
		t.Fatalf("voicemail allowed: %s", d.Inner)
	}
	if got := p.Callback(gatewaytest.TaskID(task)); got["call_state"] != "bridged" || got["last_result"] != "voicemail" {
		t.Fatalf("after voicemail: %v", got)
	}
	// Monitored phone: her consent says voicemail, but never on a monitored phone.
	mon := p.VoiceParticipant("+34 612 100 005", true, true)
	_, task = p.QueueVoice(mon, false)
	c = p.connect(gatewaytest.TaskID(task), "+34612100005", "Enable")
	if d := c.herLeg(c.screen, url.Values{"AnsweredBy": {"machine_end_beep"}}); d.Hangup == nil {
		t.Fatalf("monitored, machine: %s", d.Inner)
	}
}

func TestVoiceConnectRefusals(t *testing.T) {
	t.Parallel()
	p := newVoicePipeline(t, nil)
	code := p.VoiceParticipant("+34 612 100 006", false, false)
	_, task := p.QueueVoice(code, false)
	id := gatewaytest.TaskID(task)
	path := fmt.Sprintf("/v1/callbacks/%d/", id)
	if r := p.post(path+"connect", nil); r.Status != 409 || r.ErrCode(t) != "staff_phone_missing" {
		t.Fatalf("no staff phone: %d %s", r.Status, r.Body)
	}
	p.Do(auth.RoleStaff, "PUT", "/v1/me/phone", map[string]any{"phone": gatewaytest.StaffPhone})
	if r := p.post(path+"connect", nil); r.Status != 409 || r.ErrCode(t) != "callback_not_claimed" {
		t.Fatalf("not claimed: %d %s", r.Status, r.Body)
	}
	p.post(path+"claim", nil)
	if r := p.post(path+"complete", map[string]any{"outcome": "maybe"}); r.Status != 422 || r.ErrCode(t) != "invalid_outcome" {
		t.Fatalf("bad outcome: %d %s", r.Status, r.Body)
	}
	if r := p.post(path+"release", nil); r.Status != 200 || r.JSON(t)["status"] != "open" {
		t.Fatalf("release: %d %s", r.Status, r.Body)
	}
	p.post(path+"claim", nil)
	// She withdraws voice consent: no call, and the task leaves the queue.
	p.Do(auth.RoleStaff, "DELETE", "/v1/participants/"+code+"/consents/voice", map[string]any{"reason": "asked by phone"})
	if r := p.post(path+"connect", nil); r.Status != 403 || r.ErrCode(t) != "consent_revoked" {
		t.Fatalf("revoked: %d %s", r.Status, r.Body)
	}
	if p.Fake.CallsCreated() != 0 {
		t.Fatal("a call was placed")
	}
	if p.Callback(id) != nil {
		t.Fatal("a task she can no longer be called for is still queued")
	}
	if r := p.post(path+"release", nil); r.Status != 409 || r.ErrCode(t) != "callback_closed" {
		t.Fatalf("release a closed task: %d %s", r.Status, r.Body)
	}
	if m := p.WaitStatus(task["message_id"].(string), "failed"); m["error_code"] != "consent_revoked" {
		t.Fatalf("message of a canceled task: %v", m)
	}
	if r := p.post("/v1/callbacks/999999/claim", nil); r.Status != 404 {
		t.Fatalf("unknown task: %d", r.Status)
	}
	// Her consent is withdrawn while the staff phone rings: the bridge
	// refuses to dial her.
	code2 := p.VoiceParticipant("+34 612 100 007", false, false)
	_, task2 := p.QueueVoice(code2, false)
	id2 := gatewaytest.TaskID(task2)
	p.post(fmt.Sprintf("/v1/callbacks/%d/claim", id2), nil)
	r := p.post(fmt.Sprintf("/v1/callbacks/%d/connect", id2), nil)
	sid := r.JSON(t)["call"].(map[string]any)["sid"].(string)
	p.Do(auth.RoleStaff, "DELETE", "/v1/participants/"+code2+"/consents/voice", map[string]any{"reason": "asked by phone"})
	d := twimlOf(t)(p.Fake.AnswerCall(context.Background(), sid, nil))
	if d.Dial != nil || d.Hangup == nil || strings.Contains(d.Inner, "612100007") {
		t.Fatalf("bridge after revocation: %s", d.Inner)
	}
	// Me phone: shown masked, removable.
	if r := p.Do(auth.RoleStaff, "GET", "/v1/me/phone", nil); r.JSON(t)["phone"] != "+34•••••0111" {
		t.Fatalf("get phone: %s", r.Body)
	}
	if r := p.Do(auth.RoleStaff, "PUT", "/v1/me/phone", map[string]any{"phone": "12"}); r.Status != 422 {
		t.Fatalf("bad phone: %d", r.Status)
	}
	if r := p.Do(auth.RoleStaff, "DELETE", "/v1/me/phone", nil); r.Status != 204 {
		t.Fatalf("delete phone: %d", r.Status)
	}
}

// TestVoiceWebhooksRefuseForgedSignatures: every new webhook is 403
// without a valid signature, and changes nothing.
func TestVoiceWebhooksRefuseForgedSignatures(t *testing.T) {
	t.Parallel()
	p := newVoicePipeline(t, nil)
	form := url.Values{"CallSid": {twiliotest.NewCallSid()}, "MessageSid": {"SM" + strings.Repeat("a", 32)},
		"From": {"+34612100008"}, "To": {gatewaytest.OrgVoiceNumber}, "Body": {"baja"}, "Digits": {"1"}}
	for _, route := range []string{callback.RouteInbound, callback.RouteVoiceBridge, callback.RouteVoiceScreen, callback.RouteVoiceGate, callback.RouteVoiceDial,
		callback.RouteVoiceStatus, callback.RouteVoiceAMD, callback.RouteReminder, callback.RouteReminderGate, callback.RouteReminderStatus} {
		u := p.HTTP.URL + route + "?task=1"
		for name, sig := range map[string]string{
			"none":        "",
			"garbage":     "bm90IGEgc2lnbmF0dXJl",
			"wrong token": twiliotest.Sign("someoneelsestoken000000000000000", u, form),
			"other url":   twiliotest.Sign(p.Fake.AuthToken(), p.HTTP.URL+route+"?task=2", form),
		} {
			req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if sig != "" {
				req.Header.Set("X-Twilio-Signature", sig)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 403 {
				t.Errorf("%s with %s signature: %d", route, name, res.StatusCode)
			}
		}
	}
	var n int
	p.DB.QueryRow(`SELECT count(*) FROM inbound_messages`).Scan(&n)
	if n != 0 {
		t.Fatalf("a forged inbound was stored")
	}
}
