package channels

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"
)

func testJS(t *testing.T) jetstream.JetStream {
	t.Helper()
	e, err := StartEmbedded(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	nc, err := e.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	if err := EnsureStreams(context.Background(), js, StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	return js
}

func TestConsumeRetryAndDeadLetter(t *testing.T) {
	js := testJS(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, id := range []string{"ok-1", "flaky-1", "doomed-1"} {
		if _, err := js.Publish(ctx, Subject("sms", false), []byte(id), jetstream.WithMsgID(id)); err != nil {
			t.Fatal(err)
		}
	}
	// A republish with the same Nats-Msg-Id is dropped by the stream.
	ack, err := js.Publish(ctx, Subject("sms", false), []byte("ok-1"), jetstream.WithMsgID("ok-1"))
	if err != nil || !ack.Duplicate {
		t.Fatalf("republish: %+v %v", ack, err)
	}

	var mu sync.Mutex
	deliveries := map[string][]int{}
	deadIDs := map[string]bool{}
	done := make(chan struct{})
	h := func(ctx context.Context, id string, delivery int) Outcome {
		mu.Lock()
		defer mu.Unlock()
		deliveries[id] = append(deliveries[id], delivery)
		switch {
		case id == "flaky-1" && delivery < 3:
			return Retry
		case id == "doomed-1":
			return Retry
		}
		return Done
	}
	dead := func(ctx context.Context, id string) {
		mu.Lock()
		deadIDs[id] = true
		mu.Unlock()
		close(done)
	}
	go Consume(ctx, js, ConsumerConfig{Channel: "sms", MaxDeliver: 4, Backoff: []time.Duration{10 * time.Millisecond}, Concurrency: 4}, h, dead)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("doomed message never dead-lettered")
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if got := deliveries["ok-1"]; len(got) != 1 {
		t.Errorf("ok-1 deliveries = %v, want one", got)
	}
	if got := deliveries["flaky-1"]; len(got) != 3 || got[2] != 3 {
		t.Errorf("flaky-1 deliveries = %v, want [1 2 3]", got)
	}
	if got := deliveries["doomed-1"]; len(got) != 4 {
		t.Errorf("doomed-1 deliveries = %v, want 4", got)
	}
	if !deadIDs["doomed-1"] || len(deadIDs) != 1 {
		t.Errorf("dead = %v", deadIDs)
	}
	s, _ := js.Stream(ctx, StreamDead)
	m, err := s.GetLastMsgForSubject(ctx, SubjectDead+"sms")
	if err != nil || string(m.Data) != "doomed-1" {
		t.Fatalf("dead-letter stream: %v %v", m, err)
	}
	// Work-queue retention: acked entries are gone.
	cs, _ := js.Stream(ctx, StreamContact)
	info, _ := cs.Info(ctx)
	if info.State.Msgs != 0 {
		t.Errorf("work stream still holds %d entries", info.State.Msgs)
	}
}

// A slow send rate makes a batch wait for its tokens longer than the ack
// wait. The wait reports progress to the server (InProgress), so nothing
// is redelivered meanwhile: every message is delivered and handled once.
func TestSlowRateBatchIsNotRedelivered(t *testing.T) {
	js := testJS(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 8
	for i := range n {
		id := fmt.Sprintf("slow-%d", i)
		if _, err := js.Publish(ctx, Subject("sms", false), []byte(id), jetstream.WithMsgID(id)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	deliveries := map[string][]int{}
	all := make(chan struct{})
	h := func(ctx context.Context, items []Item) []Outcome {
		mu.Lock()
		defer mu.Unlock()
		outs := make([]Outcome, len(items))
		for i, it := range items {
			deliveries[it.ID] = append(deliveries[it.ID], it.Delivery)
			outs[i] = Done
		}
		if len(deliveries) == n {
			select {
			case <-all:
			default:
				close(all)
			}
		}
		return outs
	}
	// 8 messages at 4/s: the batch waits about 1.75 s for its tokens,
	// three and a half times the ack wait.
	cfg := ConsumerConfig{Channel: "sms", AckWait: 500 * time.Millisecond, Concurrency: 1, BatchSize: n,
		Linger: 300 * time.Millisecond, Limiter: rate.NewLimiter(4, 1)}
	go ConsumeBatch(ctx, js, cfg, h, func(context.Context, string) {})
	select {
	case <-all:
	case <-time.After(15 * time.Second):
		t.Fatal("not every message was handled")
	}
	time.Sleep(3 * cfg.AckWait) // room for a redelivery to show up
	// The server's own count: a redelivery it made counts even when the
	// client drops the copy (and every delivery counts toward MaxDeliver,
	// so a rate-limited message could end dead-lettered unsent).
	c, err := js.Consumer(ctx, StreamContact, Durable("sms", false))
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Delivered.Consumer != n {
		t.Errorf("the server made %d deliveries of %d messages: it redelivered while the batch waited", info.Delivered.Consumer, n)
	}
	mu.Lock()
	defer mu.Unlock()
	wantFirstDeliveries(t, "", deliveries)
}

// While the breaker is open longer than the ack wait, entries the client
// holds outside a batch (pulled, waiting for a slot) are kept alive
// too: when the provider is back, each is handled once, never redelivered
// (a redelivered copy would find its message mid-send).
func TestBreakerHoldDoesNotRedeliver(t *testing.T) {
	js := testJS(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 8
	for i := range n {
		id := fmt.Sprintf("held-%d", i)
		if _, err := js.Publish(ctx, Subject("sms", false), []byte(id), jetstream.WithMsgID(id)); err != nil {
			t.Fatal(err)
		}
	}
	b := NewBreaker(BreakerConfig{Threshold: 1, ProbeEvery: time.Hour})
	b.Failure()
	var mu sync.Mutex
	deliveries := map[string][]int{}
	all := make(chan struct{})
	h := func(ctx context.Context, items []Item) []Outcome {
		mu.Lock()
		defer mu.Unlock()
		outs := make([]Outcome, len(items))
		for i, it := range items {
			deliveries[it.ID] = append(deliveries[it.ID], it.Delivery)
			outs[i] = Done
		}
		if len(deliveries) == n {
			select {
			case <-all:
			default:
				close(all)
			}
		}
		return outs
	}
	// One slot of two, a budget of four: two entries wait outside any
	// batch, the other four in the stream until room frees.
	cfg := ConsumerConfig{Channel: "sms", AckWait: 500 * time.Millisecond, Concurrency: 1, BatchSize: 2, Breaker: b}
	go ConsumeBatch(ctx, js, cfg, h, func(context.Context, string) {})
	time.Sleep(4 * cfg.AckWait) // the provider is down for four ack waits
	b.Success()
	select {
	case <-all:
	case <-time.After(15 * time.Second):
		t.Fatal("not every message was handled")
	}
	time.Sleep(3 * cfg.AckWait)
	c, err := js.Consumer(ctx, StreamContact, Durable("sms", false))
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Delivered.Consumer != n {
		t.Errorf("the server made %d deliveries of %d messages: it redelivered entries held while the breaker was open", info.Delivered.Consumer, n)
	}
	mu.Lock()
	defer mu.Unlock()
	wantFirstDeliveries(t, "", deliveries)
}
