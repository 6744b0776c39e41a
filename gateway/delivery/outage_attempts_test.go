package delivery_test

import (
	"safecontact/gateway/gatewaytest"
	"testing"
	"time"

	"safecontact/channels"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/message"
)

// TestOutageSpendsNoAttempts: while the provider is down (503), the
// breaker's probes are real sends of the few messages waiting; those
// failures give their attempt back, so no message fails retries_exhausted
// however long the outage lasts, and both are sent when it ends.
func TestOutageSpendsNoAttempts(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	p.Worker = p.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": p.Twilio()}, gateway.WorkerConfig{
		StatusCallback: p.HTTP.URL + "/webhooks/twilio/status", Concurrency: 2, BatchSize: 4, MaxDeliver: 8,
		Backoff: []time.Duration{20 * time.Millisecond},
		Breaker: channels.BreakerConfig{Threshold: 2, ProbeEvery: 100 * time.Millisecond},
	})
	p.Start()
	p.ReleaseRetries()
	p.Fake.FailNext(100000, 503, 0)
	code := p.ConsentingParticipant("+34 612 000 557", false)
	var ids []string
	for range 2 {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"})
		ids = append(ids, r.JSON(t)["id"].(string))
	}
	// Many more probes than MaxDeliver fit in this outage.
	time.Sleep(3 * time.Second)
	for _, id := range ids {
		m := p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil).JSON(t)
		if m["status"] == message.StatusFailed {
			t.Fatalf("message failed during an ongoing provider outage: %s", gatewaytest.HistoryOf(m))
		}
	}
	p.Fake.ClearFailures()
	for _, id := range ids {
		p.WaitStatus(id, message.StatusSent)
	}
}
