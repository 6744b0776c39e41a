package delivery_test

import (
	"context"
	"safecontact/gateway/gatewaytest"
	"sync/atomic"
	"testing"
	"time"

	"safecontact/channels"
	"safecontact/gateway"
	"safecontact/gateway/auth"
)

// hangingLookup is a provider that never answers until the caller gives up.
type hangingLookup struct{ calls atomic.Int32 }

func (h *hangingLookup) FetchMessageStatus(ctx context.Context, _ string) (string, error) {
	h.calls.Add(1)
	<-ctx.Done()
	return "", ctx.Err()
}

func (h *hangingLookup) ListMessagesToPaged(ctx context.Context, _, _ string, _ time.Time, _ int, pageTimeout time.Duration) ([]channels.ProviderMessage, bool, error) {
	h.calls.Add(1)
	ctx, cancel := context.WithTimeout(ctx, pageTimeout) // its first page hangs
	defer cancel()
	<-ctx.Done()
	return nil, false, ctx.Err()
}

func (h *hangingLookup) ListMessagesSent(ctx context.Context, _, _ string, _, _ time.Time, _ int) ([]channels.ProviderMessage, bool, error) {
	h.calls.Add(1)
	<-ctx.Done()
	return nil, false, ctx.Err()
}

// TestReconcileOutOfTheTick: reconciliation is not a scheduler step (a
// hanging provider cannot hold back retries or escalations); its calls are
// bounded by CallTimeout and its pass by PassBudget; while the channel's
// breaker is open it does not ask the provider at all.
func TestReconcileOutOfTheTick(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	h := &hangingLookup{}
	p.Server.SetProviderLookup(h, gateway.ReconcileConfig{Every: time.Hour, UnknownSettle: time.Second,
		CallTimeout: 50 * time.Millisecond, PassBudget: 120 * time.Millisecond})
	code := p.ConsentingParticipant("+34 612 000 997", false)
	for range 10 {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola"})
		if r.Status != 202 {
			t.Fatalf("accept: %d", r.Status)
		}
	}
	if _, err := p.DB.Exec(`UPDATE messages SET status = 'sending'`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DB.Exec(`UPDATE messages SET status = 'unknown', provider_id = 'SM' || md5(id::text), updated_at = now() - interval '1 hour',
		created_at = now() - interval '2 hours', send_at = now() - interval '2 hours'`); err != nil {
		t.Fatal(err)
	}
	sc := p.Server.NewScheduler()
	ctx := context.Background()
	if _, err := sc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.calls.Load(); n != 0 {
		t.Fatalf("the scheduler tick asked the provider %d times", n)
	}
	// One pass: each call gives up at CallTimeout, the pass at its budget,
	// so it returns (and asked about fewer than all ten).
	if _, err := p.Server.Delivery().Reconcile(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := h.calls.Load(); n == 0 || n >= 10 {
		t.Fatalf("provider calls in one pass: %d, want some, cut by the budget", n)
	}
	// Breaker open: nothing is asked.
	b := channels.NewBreaker(channels.BreakerConfig{Threshold: 1})
	b.Failure()
	p.Server.Delivery().SetBreaker("sms", b)
	if _, err := p.DB.Exec(`UPDATE messages SET reconcile_next_at = NULL`); err != nil {
		t.Fatal(err)
	}
	before := h.calls.Load()
	if _, err := p.Server.Delivery().Reconcile(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := h.calls.Load() - before; n != 0 {
		t.Fatalf("asked the provider %d times while its breaker is open", n)
	}
}
