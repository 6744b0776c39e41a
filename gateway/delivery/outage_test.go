package delivery_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"safecontact/channels"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
)

// TestProviderOutageResumesAtOnce: the provider answers 503 long enough for
// the breaker to open, with more messages queued than the queue lets a
// channel hold unacknowledged. Waiting retries sit in the database, not in
// the queue; the breaker probes; once the provider answers again every
// message goes, each exactly once, without waiting out a backoff.
func TestProviderOutageResumesAtOnce(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	p.Worker = p.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": p.Twilio()}, gateway.WorkerConfig{
		StatusCallback: p.HTTP.URL + "/webhooks/twilio/status", Concurrency: 2, BatchSize: 4, MaxDeliver: 8,
		Breaker: channels.BreakerConfig{Threshold: 3, ProbeEvery: 200 * time.Millisecond},
	})
	p.Start()
	p.ReleaseRetries()
	p.Fake.FailNext(100000, 503, 0)
	code := p.ConsentingParticipant("+34 612 000 555", false)
	// 2 batches of 4 in flight, 16 unacknowledged at most: 40 messages
	// are more than the channel can hold.
	var ids []string
	for range 40 {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"})
		if r.Status != 202 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
		ids = append(ids, r.JSON(t)["id"].(string))
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.Server.Delivery().ProviderStates()["sms"] != "failing" {
		if time.Now().After(deadline) {
			t.Fatal("breaker never opened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The outage goes on: the provider is probed, not hammered.
	before := p.Fake.RequestCount()
	time.Sleep(time.Second)
	if n := p.Fake.RequestCount() - before; n > 10 {
		t.Fatalf("%d requests in 1 s to a provider that is down", n)
	}
	if m := metricsText(t, p.Env); !strings.Contains(m, `safecontact_channel_breaker_open{channel="sms"} 1`) {
		t.Fatal("breaker state not in /metrics")
	}
	r := p.Do("", "GET", "/readyz?verbose", nil)
	if prov, _ := r.JSON(t)["checks"].(map[string]any)["providers"].(map[string]any); r.Status != 200 || prov["sms"] != "failing" {
		t.Fatalf("readyz?verbose with the provider down: %d %s", r.Status, r.Body)
	}
	p.Fake.ClearFailures()
	recovered := time.Now()
	for _, id := range ids {
		m := p.WaitStatus(id, message.StatusSent)
		assertForwardHistory(t, m)
	}
	took := time.Since(recovered)
	if n := p.Fake.Created(); n != 40 {
		t.Fatalf("created %d, want 40 (each once)", n)
	}
	t.Logf("40 messages sent %v after the provider recovered", took)
	if m := metricsText(t, p.Env); !strings.Contains(m, `safecontact_channel_breaker_open{channel="sms"} 0`) {
		t.Fatal("breaker still open in /metrics")
	}
}

func metricsText(t *testing.T, e *gatewaytest.Env) string {
	t.Helper()
	rec := httptest.NewRecorder()
	e.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// TestSlowSendHoldsOnlyItsSlot: one request that takes longer than the
// batch wait does not hold back the others of its batch; it is recorded on
// its own when it ends.
func TestSlowSendHoldsOnlyItsSlot(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	slow := &slowFirstSender{tw: p.Twilio(), hold: make(chan struct{})}
	p.Worker = p.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": slow}, gateway.WorkerConfig{
		StatusCallback: p.HTTP.URL + "/webhooks/twilio/status", Concurrency: 1, BatchSize: 8, BatchWait: 100 * time.Millisecond,
	})
	code := p.ConsentingParticipant("+34 612 000 556", false)
	var ids []string
	for range 6 {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"})
		ids = append(ids, r.JSON(t)["id"].(string))
	}
	p.Start()
	// Five of six are sent while the first still hangs.
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := 0
		for _, id := range ids {
			if p.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil).JSON(t)["status"] == message.StatusSent {
				n++
			}
		}
		if n == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sent while one request hangs, want 5", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(slow.hold)
	for _, id := range ids {
		p.WaitStatus(id, message.StatusSent)
	}
}

// slowFirstSender holds its first request until hold is closed.
type slowFirstSender struct {
	tw    channels.Sender
	hold  chan struct{}
	taken atomic.Bool
}

func (s *slowFirstSender) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	if s.taken.CompareAndSwap(false, true) {
		select {
		case <-s.hold:
		case <-ctx.Done():
		}
	}
	return s.tw.Send(ctx, m)
}
