package gatewaytest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"safecontact/channels"
	"safecontact/channels/twiliotest"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/delivery"
	"safecontact/gateway/message"
	"safecontact/keys"
)

// Pipeline is an Env with everything running: HTTP on a real listener (so
// the fake Twilio can call back), the outbox relay and a send worker, and
// twilio-go pointed at the fake. Its clock runs with the wall clock.
type Pipeline struct {
	*Env
	Fake *twiliotest.Fake
	// HTTP serves the Server's handler; it is the configuration's
	// PublicURL.
	HTTP *httptest.Server
	// Worker sends sms and whatsapp through the fake. A test may replace
	// it while the pipeline is stopped.
	Worker *delivery.Worker
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewPipeline starts a pipeline; opts are New's (the public URL and Twilio
// token are the pipeline's whatever the configuration says).
func NewPipeline(t testing.TB, opts ...Option) *Pipeline {
	t.Helper()
	fake := twiliotest.New(t, "testauthtoken0123456789abcdef000")
	t.Cleanup(fake.Close)
	// The handler is set once the server exists; the URL is needed first.
	var h http.Handler
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	opts = append(opts, func(o *options) { o.publicURL, o.twilioToken = hs.URL, fake.AuthToken() })
	e := New(t, opts...)
	// Real time for the pipeline: the relay, worker and callbacks run on it.
	e.Clock.UseRealTime()
	h = e.Server.Handler()
	tw, err := channels.NewTwilio(channels.TwilioConfig{AccountSID: fake.AccountSID(), AuthToken: fake.AuthToken(), APIBaseURL: fake.URL(),
		From: "+15005550006", WhatsAppFrom: "+15005550007"})
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{Env: e, Fake: fake, HTTP: hs}
	p.Worker = e.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": tw, "whatsapp": tw}, gateway.WorkerConfig{
		StatusCallback: hs.URL + "/webhooks/twilio/status", MaxDeliver: 3,
		Backoff: []time.Duration{50 * time.Millisecond}, Concurrency: 4,
	})
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

// Start runs the relay and the worker (NewPipeline did).
func (p *Pipeline) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	for _, run := range []func(context.Context){p.Server.Delivery().Relay().Run, p.Worker.Run} {
		p.wg.Add(1)
		go func() { defer p.wg.Done(); run(ctx) }()
	}
}

// Stop stops the relay and the worker and waits for them.
func (p *Pipeline) Stop() {
	if p.cancel != nil {
		p.cancel()
		p.wg.Wait()
		p.cancel = nil
	}
}

// ReleaseRetries runs the scheduler (leader) in the background, so retries
// waiting in the database are released when due. Tests that drive the
// scheduler themselves do not call it.
func (p *Pipeline) ReleaseRetries() {
	sc := p.Server.NewScheduler()
	sc.Every = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sc.Run(ctx) }()
	p.T.Cleanup(func() { cancel(); <-done })
}

// Twilio is a Twilio sender (sms only) pointed at the fake.
func (p *Pipeline) Twilio() channels.Sender {
	p.T.Helper()
	tw, err := channels.NewTwilio(channels.TwilioConfig{AccountSID: p.Fake.AccountSID(), AuthToken: p.Fake.AuthToken(), APIBaseURL: p.Fake.URL(), From: "+15005550006"})
	if err != nil {
		p.T.Fatal(err)
	}
	return tw
}

// ConsentingParticipant creates a participant reachable now on sms and
// whatsapp and returns her code.
func (p *Pipeline) ConsentingParticipant(phone string, monitored bool) string {
	p.T.Helper()
	b := Maria()
	b["phone"] = phone
	b["monitored"] = monitored
	b["any_time"] = true
	b["safe_windows"] = []string{}
	code := p.CreateParticipant(b)
	for _, ch := range []string{"sms", "whatsapp"} {
		g := Grant(ch)
		g["accept_whatsapp_risk"] = ch == "whatsapp"
		if r := p.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", g); r.Status != 201 {
			p.T.Fatalf("grant %s: %d %s", ch, r.Status, r.Body)
		}
	}
	return code
}

// WaitStatus polls a message until it reaches want, failing the test after
// 15 seconds; it returns the message as the API shows it.
func (p *Pipeline) WaitStatus(id, want string) map[string]any {
	p.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last map[string]any
	for time.Now().Before(deadline) {
		r := p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil)
		last = r.JSON(p.T)
		if last["status"] == want {
			return last
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.T.Fatalf("message %s: status %v, want %s; history %v", id, last["status"], want, last["history"])
	return nil
}

// HistoryOf is the statuses of a message's history (as the API shows it),
// joined by commas.
func HistoryOf(m map[string]any) string {
	var out []string
	for _, h := range m["history"].([]any) {
		out = append(out, h.(map[string]any)["status"].(string))
	}
	return strings.Join(out, ",")
}

// OutgoingOf is what the worker would hand the provider for m, without a
// status callback: for tests that send at the provider themselves.
func (p *Pipeline) OutgoingOf(m db.Message, part db.Participant) (*channels.Outgoing, error) {
	numEnc := part.PhoneEnc
	if m.Channel == string(consent.WhatsApp) && len(part.WhatsappEnc) > 0 {
		numEnc = part.WhatsappEnc
	}
	num, err := p.Keys.Open(keys.Contact, numEnc)
	if err != nil {
		return nil, err
	}
	c, err := message.OpenContent(p.Keys, m.ContentEnc)
	if err != nil {
		return nil, err
	}
	return &channels.Outgoing{MessageID: m.ID.String(), Channel: m.Channel, To: string(num), Body: c.Text,
		ContentSID: c.ContentSID, ContentVariables: c.ContentVariables}, nil
}
