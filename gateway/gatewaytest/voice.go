package gatewaytest

import (
	"net/http"
	"testing"
	"time"

	"safecontact/channels"
	"safecontact/gateway"
	"safecontact/gateway/auth"
)

// The voice pipeline's numbers: the organisation's caller ID and the
// staff member's own phone (as typed, and in E.164).
const (
	OrgVoiceNumber = "+15005550009"
	StaffPhone     = "+34 699 000 111"
	StaffE164      = "+34699000111"
)

// VoicePipeline is the pipeline with the voice channel: the call-back
// queue as the worker's voice sender, and calls through twilio-go to the
// fake.
type VoicePipeline struct {
	*Pipeline
	// Voice places the calls (and sends sms and whatsapp) through the fake.
	Voice *channels.Twilio
}

// NewVoicePipeline starts a pipeline whose voice calls come from
// OrgVoiceNumber; tune, if not nil, changes the rest of the voice
// configuration.
func NewVoicePipeline(t testing.TB, tune func(*gateway.VoiceConfig)) *VoicePipeline {
	t.Helper()
	var cfg gateway.Config
	cfg.Voice.From = OrgVoiceNumber
	if tune != nil {
		tune(&cfg.Voice)
	}
	p := NewPipeline(t, WithConfig(cfg))
	p.Stop()
	tw, err := channels.NewTwilio(channels.TwilioConfig{AccountSID: p.Fake.AccountSID(), AuthToken: p.Fake.AuthToken(),
		APIBaseURL: p.Fake.URL(), From: "+15005550006", WhatsAppFrom: "+15005550007"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tw.Close)
	p.Server.UseVoice(tw, tw)
	p.Worker = p.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": tw, "whatsapp": tw, "voice": p.Server.VoiceQueue()}, gateway.WorkerConfig{
		StatusCallback: p.HTTP.URL + "/webhooks/twilio/status", MaxDeliver: 3,
		Backoff: []time.Duration{50 * time.Millisecond}, Concurrency: 2,
	})
	p.Start()
	return &VoicePipeline{Pipeline: p, Voice: tw}
}

// VoiceParticipant creates a participant reachable any time on sms,
// whatsapp and voice and returns her code.
func (p *VoicePipeline) VoiceParticipant(phone string, monitored, voicemail bool) string {
	p.T.Helper()
	code := p.ConsentingParticipant(phone, monitored)
	g := Grant("voice")
	g["allow_voicemail"] = voicemail
	if r := p.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", g); r.Status != 201 {
		p.T.Fatalf("grant voice: %d %s", r.Status, r.Body)
	}
	return code
}

// QueueVoice sends a voice message and waits for its call-back task.
func (p *VoicePipeline) QueueVoice(code string, safety bool) (msgID string, task map[string]any) {
	p.T.Helper()
	body := map[string]any{"participant": code, "channel": "voice", "body": "Hola, te llamo luego para hablar un rato"}
	if safety {
		body["priority"] = "safety"
	}
	r := p.Do(auth.RoleStaff, "POST", "/v1/messages", body)
	if r.Status != http.StatusAccepted {
		p.T.Fatalf("accept voice: %d %s", r.Status, r.Body)
	}
	msgID = r.JSON(p.T)["id"].(string)
	p.WaitStatus(msgID, "sent")
	for _, it := range p.Callbacks() {
		if it["message_id"] == msgID {
			return msgID, it
		}
	}
	p.T.Fatalf("no call-back task for message %s", msgID)
	return
}

// Callbacks lists the call-back queue as staff-user sees it.
func (e *Env) Callbacks() []map[string]any {
	e.T.Helper()
	r := e.Do(auth.RoleStaff, "GET", "/v1/callbacks", nil)
	if r.Status != 200 {
		e.T.Fatalf("list: %d %s", r.Status, r.Body)
	}
	var out []map[string]any
	for _, it := range r.JSON(e.T)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// Callback is the queued call-back task id (nil: done, or not hers).
func (e *Env) Callback(id int64) map[string]any {
	e.T.Helper()
	for _, it := range e.Callbacks() {
		if int64(it["id"].(float64)) == id {
			return it
		}
	}
	return nil // done tasks are not listed
}

// TaskID is the id of a call-back task as the API shows it.
func TaskID(task map[string]any) int64 { return int64(task["id"].(float64)) }
