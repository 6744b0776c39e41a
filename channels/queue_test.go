package channels

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
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
