package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// roomServer starts an embedded server with the streams and returns a
// function that opens a new client connection to it (one per "process").
func roomServer(t *testing.T) func(name string) (jetstream.JetStream, func()) {
	t.Helper()
	e, err := StartEmbedded(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	connect := func(name string) (jetstream.JetStream, func()) {
		nc, err := e.Connect(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		return js, nc.Close
	}
	js, _ := connect("setup")
	if err := EnsureStreams(context.Background(), js, StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	return connect
}

func publishIDs(t *testing.T, js jetstream.JetStream, prefix string, n int) {
	t.Helper()
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		if _, err := js.Publish(context.Background(), Subject("sms", false), []byte(id), jetstream.WithMsgID(id)); err != nil {
			t.Fatal(err)
		}
	}
}

// consumerState is the server's view of the sms bulk consumer (zeros
// before it is created).
func consumerState(t *testing.T, js jetstream.JetStream) (delivered uint64, ackPending int) {
	t.Helper()
	info := smsConsumerInfo(t, js)
	if info == nil {
		return 0, 0
	}
	return info.Delivered.Consumer, info.NumAckPending
}

// smsConsumerInfo is the server's info on the sms bulk consumer, nil if
// it does not exist yet.
func smsConsumerInfo(t *testing.T, js jetstream.JetStream) *jetstream.ConsumerInfo {
	t.Helper()
	c, err := js.Consumer(context.Background(), StreamContact, Durable("sms", false))
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// wantFirstDeliveries fails for every id not handled exactly once, on its
// first delivery (who names the process in the message, "" for any).
func wantFirstDeliveries(t *testing.T, who string, deliveries map[string][]int) {
	t.Helper()
	for id, ds := range deliveries {
		if len(ds) != 1 || ds[0] != 1 {
			t.Errorf("%s: %sdeliveries %v, want [1]", id, who, ds)
		}
	}
}

// waitingPulls is how many pull requests the server holds for the sms
// bulk consumer (requests whose subscriber is gone are not counted: the
// server drops them when asked for the consumer's info).
func waitingPulls(t *testing.T, js jetstream.JetStream) int {
	t.Helper()
	info := smsConsumerInfo(t, js)
	if info == nil {
		t.Fatal("no sms consumer")
	}
	return info.NumWaiting
}

// waitFor polls cond every 20 ms until it holds or the (generous)
// deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(within)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runConsumer runs ConsumeBatch until the test ends and waits for it to
// return before the server stops.
func runConsumer(t *testing.T, js jetstream.JetStream, cfg ConsumerConfig, h BatchHandler) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ConsumeBatch(ctx, js, cfg, h, func(context.Context, string) {})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return cancel
}

// A process killed while it holds its whole budget of unacknowledged
// entries (no ack, no nak, no keep-alive from then on) does not hold up
// the process that takes over: the server goes on delivering, because a
// process pulls no more than its budget and the consumer's limit is
// several budgets. The successor handles every other entry, each on its
// first delivery, while the dead process's entries are still pending (the
// ack wait here is a minute, far beyond the test's deadlines): the gap
// after a restart is bounded by room, not by the ack wait.
func TestSuccessorNotBlockedByDeadProcess(t *testing.T) {
	connect := roomServer(t)
	jsA, killA := connect("gateway-a")
	const conc, size = 2, 4
	budget := 2 * conc * size
	total := 5 * budget
	publishIDs(t, jsA, "m", total)
	cfg := ConsumerConfig{Channel: "sms", AckWait: time.Minute, Concurrency: conc, BatchSize: size}

	// Process A: its handler never returns while the test runs (sends
	// stuck at the provider), so it fills its budget and holds it.
	release := make(chan struct{})
	var mu sync.Mutex
	calls := 0
	cfgA := cfg
	cfgA.Log = slog.New(slog.DiscardHandler) // its acks fail once it is dead
	runConsumer(t, jsA, cfgA, func(ctx context.Context, items []Item) []Outcome {
		mu.Lock()
		calls++
		mu.Unlock()
		<-release
		return make([]Outcome, len(items))
	})
	t.Cleanup(func() { close(release) }) // runs before A's consumer is stopped
	waitFor(t, 15*time.Second, "A holds its budget with both slots busy", func() bool {
		mu.Lock()
		c := calls
		mu.Unlock()
		_, pending := consumerState(t, jsA)
		return c == conc && pending >= budget
	})
	// Room for any pull beyond the budget to show.
	time.Sleep(500 * time.Millisecond)
	jsB, _ := connect("gateway-b")
	if delivered, pending := consumerState(t, jsB); delivered != uint64(budget) || pending != budget {
		t.Fatalf("A was delivered %d entries, %d unacknowledged; want its budget, %d", delivered, pending, budget)
	}
	killA()

	// Process B takes over at once.
	seen := map[string][]int{}
	runConsumer(t, jsB, cfg, func(ctx context.Context, items []Item) []Outcome {
		mu.Lock()
		defer mu.Unlock()
		for _, it := range items {
			seen[it.ID] = append(seen[it.ID], it.Delivery)
		}
		return make([]Outcome, len(items)) // Done
	})
	waitFor(t, 20*time.Second, "B handles every entry A does not hold", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == total-budget
	})
	delivered, pending := consumerState(t, jsB)
	if delivered != uint64(total) {
		t.Errorf("the server made %d deliveries of %d entries; want each delivered once", delivered, total)
	}
	if pending != budget {
		t.Errorf("%d entries unacknowledged after B's run; want A's %d", pending, budget)
	}
	mu.Lock()
	defer mu.Unlock()
	wantFirstDeliveries(t, "B saw ", seen)
}

// Retries count against the budget for their delay: the server keeps a
// nak'd entry pending until it is redelivered, so a process whose every
// entry fails (the database down) must not go on pulling new ones while
// the old wait, or it would fill the consumer's limit and halt the
// channel for everyone. Here every entry is retried after an hour: the
// process pulls its budget once and no more.
func TestRetriesHoldRoomForTheirDelay(t *testing.T) {
	connect := roomServer(t)
	js, _ := connect("gateway")
	const conc, size = 1, 4
	budget := 2 * conc * size
	publishIDs(t, js, "r", 3*budget)
	var mu sync.Mutex
	handled := 0
	cfg := ConsumerConfig{Channel: "sms", Concurrency: conc, BatchSize: size, MaxDeliver: 100, Backoff: []time.Duration{time.Hour}}
	runConsumer(t, js, cfg, func(ctx context.Context, items []Item) []Outcome {
		mu.Lock()
		handled += len(items)
		mu.Unlock()
		outs := make([]Outcome, len(items))
		for i := range outs {
			outs[i] = Retry
		}
		return outs
	})
	waitFor(t, 15*time.Second, "the budget handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return handled >= budget
	})
	time.Sleep(500 * time.Millisecond) // room for a pull beyond the budget to show
	delivered, pending := consumerState(t, js)
	mu.Lock()
	defer mu.Unlock()
	if handled != budget || delivered != uint64(budget) || pending != budget {
		t.Errorf("handled %d, delivered %d, unacknowledged %d; want the budget, %d, each", handled, delivered, pending, budget)
	}
}

// An entry whose send outcome comes Later, after more than the ack wait,
// is kept alive meanwhile: it is delivered once.
func TestLaterEntryIsNotRedelivered(t *testing.T) {
	connect := roomServer(t)
	js, _ := connect("gateway")
	const n = 4
	publishIDs(t, js, "l", n)
	cfg := ConsumerConfig{Channel: "sms", AckWait: 500 * time.Millisecond, Concurrency: 1, BatchSize: n}
	var mu sync.Mutex
	deliveries := map[string][]int{}
	finished := 0
	runConsumer(t, js, cfg, func(ctx context.Context, items []Item) []Outcome {
		outs := make([]Outcome, len(items))
		mu.Lock()
		defer mu.Unlock()
		for i, it := range items {
			deliveries[it.ID] = append(deliveries[it.ID], it.Delivery)
			outs[i] = Later
			go func() {
				time.Sleep(4 * cfg.AckWait) // a send still running
				it.Finish(Done)
				mu.Lock()
				finished++
				mu.Unlock()
			}()
		}
		return outs
	})
	waitFor(t, 15*time.Second, "every entry finished", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return finished == n
	})
	waitFor(t, 15*time.Second, "every entry acknowledged", func() bool {
		_, pending := consumerState(t, js)
		return pending == 0
	})
	if delivered, _ := consumerState(t, js); delivered != n {
		t.Errorf("the server made %d deliveries of %d entries: it redelivered an entry waiting for its Later outcome", delivered, n)
	}
	mu.Lock()
	defer mu.Unlock()
	for id, ds := range deliveries {
		if len(ds) != 1 {
			t.Errorf("%s: deliveries %v, want one", id, ds)
		}
	}
}

// TestConsumerLimitNeverLowered: a process started with a smaller budget
// (another configuration, an older build) leaves the consumer's limit at
// the larger one, and a one-message handler's Later is taken as Retry
// (it has no Finish, so the entry would be held for good). The first
// process is stopped on the connection the second goes on using: it
// leaves no pull request behind, so every entry reaches the second, each
// on its first delivery and then once more for its retry.
func TestConsumerLimitNeverLowered(t *testing.T) {
	connect := roomServer(t)
	js, _ := connect("a")
	limitNow := func() int {
		info := smsConsumerInfo(t, js)
		if info == nil {
			return 0
		}
		return info.Config.MaxAckPending
	}
	run := func(cfg ConsumerConfig, h Handler) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			Consume(ctx, js, cfg, h, nil)
		}()
		return func() { cancel(); <-done }
	}
	quiet := slog.New(slog.DiscardHandler)
	big := ConsumerConfig{Channel: "sms", Concurrency: 16, Log: quiet}
	stop := run(big, func(context.Context, string, int) Outcome { return Done })
	waitFor(t, 10*time.Second, "consumer created", func() bool { return limitNow() > 0 })
	stop()
	if n := waitingPulls(t, js); n != 0 {
		t.Fatalf("%d pull requests left on the server by the stopped process; entries published now would be delivered to them", n)
	}
	want := limitNow()

	var mu sync.Mutex
	deliveries := map[string][]int{}
	small := ConsumerConfig{Channel: "sms", Concurrency: 1, Backoff: []time.Duration{20 * time.Millisecond}, Log: quiet}
	stop = run(small, func(_ context.Context, id string, delivery int) Outcome {
		mu.Lock()
		defer mu.Unlock()
		deliveries[id] = append(deliveries[id], delivery)
		if delivery == 1 {
			return Later
		}
		return Done
	})
	defer stop()
	publishIDs(t, js, "later", 3)
	waitFor(t, 20*time.Second, "each Later retried and then done", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for i := range 3 {
			if len(deliveries[fmt.Sprintf("later-%d", i)]) < 2 {
				return false
			}
		}
		_, pending := consumerState(t, js)
		return pending == 0
	})
	mu.Lock()
	for id, ds := range deliveries {
		if fmt.Sprint(ds) != "[1 2]" {
			t.Errorf("%s: deliveries %v, want [1 2]", id, ds)
		}
	}
	mu.Unlock()
	if got := limitNow(); got != want {
		t.Fatalf("consumer limit %d after a smaller process started, want %d kept", got, want)
	}
}

// A process stopped on a connection that stays open (the consumer
// restarted, or the gateway shutting down before it closes the
// connection) leaves no pull request on the server: the entry published
// just after each stop is handled by the next process on its first
// delivery, not delivered to the stopped one's pull, where it would be
// dropped and wait out the ack wait (a minute here), or come back counted
// twice.
func TestStoppedProcessLeavesNoPull(t *testing.T) {
	connect := roomServer(t)
	js, _ := connect("gateway")
	cfg := ConsumerConfig{Channel: "sms", AckWait: time.Minute, Concurrency: 4, Log: slog.New(slog.DiscardHandler)}
	var mu sync.Mutex
	deliveries := map[string][]int{}
	handle := func(ctx context.Context, items []Item) []Outcome {
		mu.Lock()
		defer mu.Unlock()
		for _, it := range items {
			deliveries[it.ID] = append(deliveries[it.ID], it.Delivery)
		}
		return make([]Outcome, len(items)) // Done
	}
	start := func() (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			ConsumeBatch(ctx, js, cfg, handle, nil)
		}()
		return func() { cancel(); <-done }
	}
	const restarts = 20
	for i := range restarts {
		stop := start()
		// The entry published after the last stop is handled by this
		// process, and it waits with a pull open for more.
		waitFor(t, 10*time.Second, "the last entry handled and a pull open", func() bool {
			mu.Lock()
			handled := len(deliveries)
			mu.Unlock()
			_, err := js.Consumer(context.Background(), StreamContact, Durable("sms", false))
			return handled == i && err == nil && waitingPulls(t, js) > 0
		})
		stop()
		if n := waitingPulls(t, js); n != 0 {
			t.Errorf("restart %d: %d pull requests left on the server by the stopped process", i, n)
		}
		publishIDs(t, js, fmt.Sprintf("restart%d", i), 1)
	}
	runConsumer(t, js, cfg, handle)
	waitFor(t, 20*time.Second, "every entry handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(deliveries) == restarts
	})
	mu.Lock()
	defer mu.Unlock()
	wantFirstDeliveries(t, "", deliveries)
}

// Entries published without pause by another connection while processes
// stop and start on one connection: every entry is handled within
// seconds. A stopped process whose pull the server still held when an
// entry was published would have that entry dropped, to wait out the ack
// wait (a minute here).
func TestStopUnderPublishLosesNothing(t *testing.T) {
	connect := roomServer(t)
	js, _ := connect("gateway")
	pub, _ := connect("publisher")
	cfg := ConsumerConfig{Channel: "sms", AckWait: time.Minute, Concurrency: 4, Log: slog.New(slog.DiscardHandler)}
	var mu sync.Mutex
	deliveries := map[string][]int{}
	handle := func(ctx context.Context, items []Item) []Outcome {
		mu.Lock()
		defer mu.Unlock()
		for _, it := range items {
			deliveries[it.ID] = append(deliveries[it.ID], it.Delivery)
		}
		return make([]Outcome, len(items)) // Done
	}
	pctx, pcancel := context.WithCancel(context.Background())
	published := make(chan int)
	go func() {
		n := 0
		defer func() { published <- n }()
		for pctx.Err() == nil {
			id := fmt.Sprintf("p-%d", n)
			if _, err := pub.Publish(context.Background(), Subject("sms", false), []byte(id), jetstream.WithMsgID(id)); err != nil {
				t.Errorf("publish %s: %v", id, err)
				return
			}
			n++
			time.Sleep(200 * time.Microsecond)
		}
	}()
	const restarts = 40
	for range restarts {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			ConsumeBatch(ctx, js, cfg, handle, nil)
		}()
		time.Sleep(30 * time.Millisecond)
		cancel()
		<-done
	}
	pcancel()
	total := <-published
	runConsumer(t, js, cfg, handle)
	deadline := time.Now().Add(15 * time.Second)
	handled := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(deliveries)
	}
	for handled() < total && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := handled(); n != total {
		t.Errorf("%d of %d entries handled within 15 s; the rest wait out the ack wait", n, total)
	}
	t.Logf("%d entries published during %d restarts", total, restarts)
}
