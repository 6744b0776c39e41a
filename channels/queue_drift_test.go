package channels

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// driftPlan is what the drift test's handler does with one entry.
type driftPlan int

const (
	planDone       driftPlan = iota // Done at once
	planRetryDone                   // Retry (short delay) until delivery `until`, then Done
	planLaterDone                   // Later, then Finish(Done) from another goroutine
	planLaterRetry                  // Later then Finish(Retry) at delivery 1, Done at 2
	planDead                        // Dead at once (poison)
	planPoison                      // Retry at every delivery: dead at MaxDeliver
	planCount
)

// TestQueueRoomNoDrift pushes several hundred entries through a small
// budget (2 slots × batches of 4: 16 entries) with a handler answering a
// seeded mix of every outcome: Done; Retry with a short delay, then Done;
// Later, finished from another goroutine (sometimes before the handler
// has returned) with Done or with Retry; Dead; Retry until MaxDeliver.
// At the end every entry was settled exactly once as planned (its
// deliveries 1, 2, … as planned, one Done or one dead-letter), the
// process's room accounting is back to its full budget with nothing
// held, and the server has nothing pending or unacknowledged: no
// outcome leaks room, or frees room it did not hold, over many rounds.
// While it runs, the process never holds more than its budget.
func TestQueueRoomNoDrift(t *testing.T) {
	connect := roomServer(t)
	js, _ := connect("gateway")
	const conc, size, total, maxDeliver = 2, 4, 400, 3
	budget := 2 * conc * size
	const seed = 20261202

	type want struct {
		plan       driftPlan
		deliveries int // the last delivery the handler sees
		dead       bool
		laterWait  time.Duration
	}
	plans := map[string]want{}
	for i := range total {
		id := fmt.Sprintf("d-%d", i)
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		w := want{plan: driftPlan(rng.IntN(int(planCount))), deliveries: 1}
		switch w.plan {
		case planRetryDone:
			w.deliveries = 2 + rng.IntN(2)
		case planLaterDone:
			w.laterWait = time.Duration(rng.IntN(3)) * 10 * time.Millisecond // 0: maybe before Later is returned
		case planLaterRetry:
			w.deliveries, w.laterWait = 2, time.Duration(rng.IntN(3))*10*time.Millisecond
		case planDead:
			w.dead = true
		case planPoison:
			w.deliveries, w.dead = maxDeliver, true
		}
		plans[id] = w
	}
	publishIDs(t, js, "d", total)

	var mu sync.Mutex
	seen := map[string][]int{} // deliveries the handler saw, in order
	done := map[string]int{}   // Done answers (returned or finished)
	dead := map[string]int{}   // dead-letter handler calls
	outcome := func(id string, delivery int) Outcome {
		w := plans[id]
		switch w.plan {
		case planRetryDone:
			if delivery < w.deliveries {
				return Retry
			}
		case planLaterRetry:
			if delivery == 1 {
				return Retry
			}
		case planDead:
			return Dead
		case planPoison:
			return Retry
		}
		return Done
	}

	var hold *holdings
	gotHold := make(chan struct{})
	cfg := ConsumerConfig{Channel: "sms", AckWait: 30 * time.Second, MaxDeliver: maxDeliver, Log: slog.New(slog.DiscardHandler),
		Backoff: []time.Duration{10 * time.Millisecond, 25 * time.Millisecond}, Concurrency: conc, BatchSize: size,
		holdings: func(h *holdings) { hold = h; close(gotHold) }}
	var finishers sync.WaitGroup
	h := func(ctx context.Context, items []Item) []Outcome {
		outs := make([]Outcome, len(items))
		for i, it := range items {
			w, ok := plans[it.ID]
			if !ok {
				t.Errorf("unknown entry %q", it.ID)
				continue
			}
			mu.Lock()
			seen[it.ID] = append(seen[it.ID], it.Delivery)
			mu.Unlock()
			out := outcome(it.ID, it.Delivery)
			later := (w.plan == planLaterDone || w.plan == planLaterRetry) && it.Delivery == 1
			if later {
				finishers.Add(1)
				go func() {
					defer finishers.Done()
					time.Sleep(w.laterWait)
					if out == Done {
						mu.Lock()
						done[it.ID]++
						mu.Unlock()
					}
					it.Finish(out)
				}()
				outs[i] = Later
				continue
			}
			if out == Done {
				mu.Lock()
				done[it.ID]++
				mu.Unlock()
			}
			outs[i] = out
		}
		return outs
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ConsumeBatch(ctx, js, cfg, h, func(_ context.Context, id string) {
			mu.Lock()
			dead[id]++
			mu.Unlock()
		})
	}()
	t.Cleanup(func() { cancel(); <-stopped; finishers.Wait() })
	<-gotHold

	// The accounting never goes past the budget, nor below zero.
	sampleStop := make(chan struct{})
	sampled := make(chan string, 1)
	go func() {
		defer close(sampled)
		for {
			held, asked, idle := hold.room()
			if held < 0 || asked < 0 || held+asked > budget || idle > held {
				sampled <- fmt.Sprintf("held %d, asked %d, idle %d; budget %d", held, asked, idle, budget)
				return
			}
			select {
			case <-sampleStop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	waitFor(t, 90*time.Second, "every entry settled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(done)+len(dead) >= total
	})
	// Room held for the last retries' delays comes back after them.
	waitFor(t, 10*time.Second, "the room accounting back to its full budget", func() bool {
		held, _, idle := hold.room()
		return held == 0 && idle == 0
	})
	close(sampleStop)
	if bad, ok := <-sampled; ok {
		t.Fatalf("room accounting out of bounds: %s", bad)
	}
	waitFor(t, 10*time.Second, "nothing pending at the server", func() bool {
		info := smsConsumerInfo(t, js)
		if info == nil {
			t.Fatal("no sms consumer")
		}
		return info.NumPending == 0 && info.NumAckPending == 0
	})
	// Nothing else arrives (no entry is delivered again after it
	// settled), and the open pulls ask for the whole budget.
	time.Sleep(200 * time.Millisecond)
	waitFor(t, 10*time.Second, "the open pulls asking for the whole budget", func() bool {
		held, asked, _ := hold.room()
		return held == 0 && asked == budget
	})

	mu.Lock()
	defer mu.Unlock()
	counts := make([]int, planCount)
	for id, w := range plans {
		counts[w.plan]++
		wantSeen := make([]int, w.deliveries)
		for i := range wantSeen {
			wantSeen[i] = i + 1
		}
		if !slices.Equal(seen[id], wantSeen) {
			t.Errorf("%s (plan %d): deliveries %v, want %v", id, w.plan, seen[id], wantSeen)
		}
		wantDone, wantDead := 1, 0
		if w.dead {
			wantDone, wantDead = 0, 1
		}
		if done[id] != wantDone || dead[id] != wantDead {
			t.Errorf("%s (plan %d): %d Done and %d dead-lettered, want %d and %d", id, w.plan, done[id], dead[id], wantDone, wantDead)
		}
	}
	for p, n := range counts {
		if n == 0 {
			t.Errorf("plan %d never drawn: the seed exercises too little", p)
		}
	}
	t.Logf("plans drawn (done, retry-done, later-done, later-retry, dead, poison): %v", counts)
}
