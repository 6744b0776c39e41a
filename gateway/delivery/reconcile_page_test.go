package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/gateway/message"
)

// TestReconcileListingPerPageTimeout: a message without a provider id is
// looked for in her listing, read down to its send window past her later
// messages, several pages deep. CallTimeout bounds each page, not the
// whole listing: slow pages that together take longer than it still
// settle the message. A page that does not answer within CallTimeout
// fails the listing: the message is left as it was, to be asked about
// again at its next check, and not counted as listing_cut (a slow
// provider says nothing about her listing). A listing whose pages each
// answer in time but together overrun ListBudget fails the same way.
func TestReconcileListingPerPageTimeout(t *testing.T) {
	s, b := setupListing(t)
	f, tw, q := b.fake, b.tw, b.q
	ctx := context.Background()
	// crashed is a message the provider delivered (its callbacks lost)
	// whose send was never recorded, followed by 60 more of hers: three
	// pages of her listing, the message on the last.
	crashed := func(phone string) uuid.UUID {
		return b.stuckMessage(t, phone, "Hola, nos vemos el martes", "1 minute", []string{"sending", "unknown"}, "2 minutes", 30*time.Second, 60)
	}
	cut := func() float64 { return UnprovenCount(b.reg, "listing_cut") }

	// Every page answers in 150 ms: three take longer than one CallTimeout,
	// each within it.
	slow := crashed("+34612000981")
	s.SetProviderLookup(tw, ReconcileConfig{UnknownSettle: time.Second, CallTimeout: 300 * time.Millisecond})
	f.SetLatency(150 * time.Millisecond)
	if n, err := s.Reconcile(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("slow pages: %d changed, %v; want 1", n, err)
	}
	f.SetLatency(0)
	if m, _ := q.MessageByID(ctx, slow); m.Status != "delivered" || !m.ProviderID.Valid {
		t.Fatalf("slow pages: %s (provider id %v), want delivered with one", m.Status, m.ProviderID.Valid)
	}

	// The third page, which holds the message, does not answer within
	// CallTimeout: an error, the message left for its next check.
	stalled := crashed("+34612000982")
	s.SetProviderLookup(tw, ReconcileConfig{UnknownSettle: time.Second, CallTimeout: 200 * time.Millisecond})
	f.SetPageLatency(2, 2*time.Second)
	before := cut()
	if n, _ := s.Reconcile(ctx, time.Now()); n != 0 {
		t.Fatalf("stalled page: %d changed; want 0", n)
	}
	if m, _ := q.MessageByID(ctx, stalled); m.Status != message.StatusUnknown || m.ProviderID.Valid {
		t.Fatalf("stalled page: %s (provider id %v), want unknown without one", m.Status, m.ProviderID.Valid)
	}
	f.SetPageLatency(0, 0)

	// Every page within CallTimeout, the three over ListBudget: the same.
	over := crashed("+34612000983")
	s.SetProviderLookup(tw, ReconcileConfig{UnknownSettle: time.Second, CallTimeout: 300 * time.Millisecond, ListBudget: 350 * time.Millisecond})
	f.SetLatency(150 * time.Millisecond)
	if n, _ := s.Reconcile(ctx, time.Now()); n != 0 {
		t.Fatalf("over the listing's budget: %d changed; want 0", n)
	}
	f.SetLatency(0)
	if m, _ := q.MessageByID(ctx, over); m.Status != message.StatusUnknown || m.ProviderID.Valid {
		t.Fatalf("over the listing's budget: %s (provider id %v), want unknown without one", m.Status, m.ProviderID.Valid)
	}
	if d := cut() - before; d != 0 {
		t.Fatalf("listing_cut counted %v times for slow listings, want 0", d)
	}

	// At its next check, with the provider answering, it is settled. The
	// page timeout is generous here: this step is about the settling, and
	// a loaded test host can take longer than 300 ms for a page the fake
	// answers at once.
	s.SetProviderLookup(tw, ReconcileConfig{UnknownSettle: time.Second, CallTimeout: 5 * time.Second, RecheckAfter: time.Millisecond})
	time.Sleep(10 * time.Millisecond)
	if _, err := s.Reconcile(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{stalled, over} {
		if m, _ := q.MessageByID(ctx, id); m.Status != "delivered" {
			t.Fatalf("next check: %s, want delivered", m.Status)
		}
	}
}
