package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"
)

// Outcome is what a handler decided about one queued message.
type Outcome int

const (
	// Done: the message reached a final state here (sent, dropped,
	// failed, …); the queue entry is acknowledged.
	Done Outcome = iota
	// Retry: try again later, after the backoff for this delivery.
	Retry
	// Dead: give up now; the id goes to contact.dead.<channel>.
	Dead
	// Later: the handler keeps the item and calls its Finish with the
	// outcome when it has one (a send still running after the rest of the
	// batch was recorded). The batch's concurrency slot is freed now; the
	// queue entry stays unacknowledged until Finish.
	Later
)

// Handler processes one message id. delivery counts from 1.
type Handler func(ctx context.Context, messageID string, delivery int) Outcome

// DeadHandler is told when a message is dead-lettered, so the owner can
// mark it failed.
type DeadHandler func(ctx context.Context, messageID string)

// ConsumerConfig configures one durable pull consumer: one channel, one lane.
type ConsumerConfig struct {
	Channel  string
	Priority bool
	// AckWait: a worker that dies mid-message gives it back after this.
	AckWait time.Duration
	// MaxDeliver: attempts before dead-lettering.
	MaxDeliver int
	// Backoff[i] is the delay before attempt i+2; the last value repeats.
	Backoff     []time.Duration
	Concurrency int
	// BatchSize is the most messages handed to one BatchHandler call.
	BatchSize int
	// Linger is how long a batch may wait for more messages after its
	// first, until BatchSize. Bigger batches cost the database less per
	// message (one transaction and a few statements for the lot); the
	// safety lane should not linger.
	Linger time.Duration
	// Target and Stretch: a lingering batch that still holds fewer than
	// Target messages after Linger waits up to Stretch longer for them
	// (defaults 8 and 3 × Linger; never for a lane without linger). With
	// the load spread over several gateway processes each sees a share of
	// it; without the stretch each would commit per batch as often as one
	// process does for all of it.
	Target  int
	Stretch time.Duration
	// Limiter is shared by both lanes of a channel. The bulk lane waits
	// for a token; the safety lane takes one without waiting, pushing bulk
	// back, so a check-in is never stuck behind a reminder run.
	Limiter *rate.Limiter
	// Breaker, when set, holds batches back while the provider is down
	// (see Breaker); shared by both lanes of a channel.
	Breaker *Breaker
	Log     *slog.Logger
}

func (c *ConsumerConfig) defaults() {
	if c.AckWait == 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = 8
	}
	if len(c.Backoff) == 0 {
		c.Backoff = []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute}
	}
	if c.Concurrency == 0 {
		c.Concurrency = 16
	}
	if c.Target == 0 {
		c.Target = 8
	}
	if c.Stretch == 0 {
		c.Stretch = 3 * c.Linger
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// How long a pull request waits and how often the server proves it is
// still there (see ConsumeBatch).
const (
	pullExpiry    = 5 * time.Second
	pullHeartbeat = time.Second
)

// Durable is the consumer name of a channel lane.
func Durable(channel string, priority bool) string {
	if priority {
		return "worker-" + channel + "-priority"
	}
	return "worker-" + channel
}

// Item is one queued message handed to a BatchHandler.
type Item struct {
	ID       string // the message id (the whole payload)
	Delivery int    // counts from 1
	// Finish settles the item later, for a handler that returned Later
	// for it; call it exactly once.
	Finish func(Outcome)
}

// BatchHandler processes several queued messages at once and returns one
// outcome per item, in order. Batching lets the owner claim and record
// many messages per database round trip.
type BatchHandler func(ctx context.Context, items []Item) []Outcome

// Consume runs a durable pull consumer until ctx ends, one message per
// handler call.
func Consume(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, h Handler, dead DeadHandler) error {
	cfg.BatchSize = 1
	return ConsumeBatch(ctx, js, cfg, func(ctx context.Context, items []Item) []Outcome {
		return []Outcome{h(ctx, items[0].ID, items[0].Delivery)}
	}, dead)
}

// ConsumeBatch runs a durable pull consumer until ctx ends, handing the
// handler up to cfg.BatchSize messages at a time (whatever has arrived,
// waiting at most cfg.Linger for more), with up to cfg.Concurrency batches
// in flight. Payloads are message ids only.
func ConsumeBatch(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, h BatchHandler, dead DeadHandler) error {
	cfg.defaults()
	if cfg.BatchSize < 1 {
		cfg.BatchSize = 1
	}
	inflight := cfg.Concurrency * cfg.BatchSize
	cons, err := js.CreateOrUpdateConsumer(ctx, StreamContact, jetstream.ConsumerConfig{
		Durable:       Durable(cfg.Channel, cfg.Priority),
		FilterSubject: Subject(cfg.Channel, cfg.Priority),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		// No server limit: a message the server stops delivering would be
		// stuck (queued in the database, never claimed). Entries held back
		// by an open breaker or in the client's buffer are redelivered
		// after the ack wait and count as deliveries; we dead-letter on
		// our own count, only for a handler's Retry.
		MaxDeliver:    -1,
		MaxAckPending: inflight * 2,
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", Durable(cfg.Channel, cfg.Priority), err)
	}
	// Pull requests expire after pullExpiry and the server sends a heartbeat
	// every pullHeartbeat while one waits; two missed heartbeats make the
	// client pull again. On a cluster, a consumer leader that dies takes our
	// waiting pull requests with it: with the library's defaults (30 s
	// expiry, 15 s heartbeat) delivery could stall for up to 30 s, with
	// these for about 2 s (measured in the cluster test). The cost is an
	// idle pull every 5 s and a heartbeat a second per consumer.
	it, err := cons.Messages(jetstream.PullMaxMessages(inflight), jetstream.PullExpiry(pullExpiry), jetstream.PullHeartbeat(pullHeartbeat))
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		it.Stop()
	}()
	// One goroutine reads the iterator; the loop below groups what has
	// arrived into batches. msgs holds as many as the server lets be
	// unacknowledged (MaxAckPending), so the reader never blocks and
	// nothing waits unseen in the iterator's buffer.
	msgs := make(chan jetstream.Msg, inflight*2)
	// held: entries read but not yet in a batch (waiting for a slot while
	// every slot waits on an open breaker or the rate limit). They are
	// kept alive every AckWait/3 like a batch's, or the server would
	// redeliver them and the copy would find its message mid-send.
	var heldMu sync.Mutex
	held := map[jetstream.Msg]struct{}{}
	go func() {
		t := time.NewTicker(cfg.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			heldMu.Lock()
			for m := range held {
				m.InProgress()
			}
			heldMu.Unlock()
		}
	}()
	go func() {
		defer close(msgs)
		for {
			msg, err := it.Next()
			if err != nil {
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil {
					return
				}
				cfg.Log.Warn("queue: next", "consumer", Durable(cfg.Channel, cfg.Priority), "err", err)
				time.Sleep(100 * time.Millisecond)
				continue
			}
			heldMu.Lock()
			held[msg] = struct{}{}
			heldMu.Unlock()
			msgs <- msg
		}
	}()
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		first, ok := <-msgs
		if !ok {
			return nil
		}
		// A free slot first: while every slot is busy, what arrives
		// meanwhile joins this batch instead of waiting for the next.
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			first.Nak()
			return nil
		}
		batch := GatherStretched(ctx, []jetstream.Msg{first}, msgs, cfg.BatchSize, cfg.Linger, min(cfg.Target, cfg.BatchSize), cfg.Stretch)
		heldMu.Lock()
		for _, m := range batch {
			delete(held, m) // the batch keeps its own alive from here
		}
		heldMu.Unlock()
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			handleBatch(ctx, js, cfg, batch, h, dead)
		}()
	}
}

// Gather adds to batch what has arrived on in, up to max items; with
// linger, it waits up to that long for more. It returns early when in is
// closed or ctx ends. Shared by the queue consumers here and the
// gateway's database batchers.
func Gather[T any](ctx context.Context, batch []T, in <-chan T, max int, linger time.Duration) []T {
	var deadline <-chan time.Time
	if linger > 0 {
		t := time.NewTimer(linger)
		defer t.Stop()
		deadline = t.C
	}
	for len(batch) < max {
		select {
		case v, ok := <-in:
			if !ok {
				return batch
			}
			batch = append(batch, v)
			continue
		default:
		}
		if deadline == nil {
			return batch
		}
		select {
		case v, ok := <-in:
			if !ok {
				return batch
			}
			batch = append(batch, v)
		case <-deadline:
			return batch
		case <-ctx.Done():
			return batch
		}
	}
	return batch
}

// GatherStretched is Gather with linger, and then, while the batch holds
// fewer than target items, up to stretch longer for them; what else has
// arrived by then joins too, up to max. A process that sees a share of
// the load (one of several gateways) so forms batches of about the size
// one process would, paying the wait in latency; at high load the batch
// is full within linger and nothing changes. Without linger it is Gather.
func GatherStretched[T any](ctx context.Context, batch []T, in <-chan T, max int, linger time.Duration, target int, stretch time.Duration) []T {
	batch = Gather(ctx, batch, in, max, linger)
	if linger <= 0 || stretch <= 0 || len(batch) >= target {
		return batch
	}
	batch = Gather(ctx, batch, in, target, stretch)
	return Gather(ctx, batch, in, max, 0)
}

func handleBatch(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, batch []jetstream.Msg, h BatchHandler, dead DeadHandler) {
	items := make([]Item, len(batch))
	for i, msg := range batch {
		items[i] = Item{ID: string(msg.Data()), Delivery: 1}
		if meta, err := msg.Metadata(); err == nil {
			items[i].Delivery = int(meta.NumDelivered)
		}
		msg, it := msg, items[i]
		var once sync.Once
		items[i].Finish = func(out Outcome) {
			once.Do(func() { finish(context.WithoutCancel(ctx), js, cfg, msg, it, out, dead) })
		}
	}
	inProgress := func(msgs []jetstream.Msg) func() {
		return func() {
			for _, m := range msgs {
				m.InProgress()
			}
		}
	}
	for len(batch) > 0 {
		// While the provider is down the batch waits here, its entries
		// kept alive; a probe takes one message through alone.
		probe, err := cfg.Breaker.Wait(ctx, cfg.AckWait/3, inProgress(batch))
		if err != nil {
			for _, m := range batch {
				m.Nak()
			}
			return
		}
		n := len(batch)
		if probe {
			n = 1
		}
		if cfg.Limiter != nil {
			for range n {
				if cfg.Priority {
					cfg.Limiter.Reserve() // take a token, never wait
				} else if err := waitToken(ctx, cfg.Limiter, batch, cfg.AckWait); err != nil {
					for _, m := range batch {
						m.Nak()
					}
					return
				}
			}
		}
		outs := h(ctx, items[:n])
		for i := range n {
			out := Retry
			if i < len(outs) {
				out = outs[i]
			}
			if out != Later {
				items[i].Finish(out)
			}
		}
		if probe {
			cfg.Breaker.ProbeDone()
		}
		batch, items = batch[n:], items[n:]
	}
}

// waitToken waits for a send token. A slow send rate can hold a batch
// longer than the ack wait, so while it waits it tells the server the
// batch is in progress; otherwise messages still waiting here would be
// redelivered (and, picked up again, look like a crash mid-send).
func waitToken(ctx context.Context, lim *rate.Limiter, batch []jetstream.Msg, ackWait time.Duration) error {
	r := lim.Reserve()
	if !r.OK() {
		return errors.New("rate limiter: burst too small")
	}
	for d := r.Delay(); d > 0; {
		step := min(d, ackWait/3)
		select {
		case <-ctx.Done():
			r.Cancel()
			return ctx.Err()
		case <-time.After(step):
		}
		d -= step
		if d > 0 {
			for _, m := range batch {
				m.InProgress()
			}
		}
	}
	return nil
}

func finish(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, msg jetstream.Msg, it Item, out Outcome, dead DeadHandler) {
	id, delivery := it.ID, it.Delivery
	if out == Retry && delivery >= cfg.MaxDeliver {
		out = Dead
	}
	switch out {
	case Done:
		// A plain ack: a lost ack only means a redelivery, which the
		// owner's state machine turns into a no-op.
		if err := msg.Ack(); err != nil {
			cfg.Log.Warn("queue: ack", "message_id", id, "err", err)
		}
	case Retry:
		i := min(delivery-1, len(cfg.Backoff)-1)
		msg.NakWithDelay(cfg.Backoff[i])
	case Dead:
		if _, err := js.Publish(ctx, SubjectDead+cfg.Channel, []byte(id), jetstream.WithMsgID("dead-"+id)); err != nil {
			cfg.Log.Error("queue: dead-letter publish", "message_id", id, "err", err)
			msg.NakWithDelay(cfg.Backoff[len(cfg.Backoff)-1])
			return
		}
		if dead != nil {
			dead(ctx, id)
		}
		msg.Ack()
		cfg.Log.Warn("queue: dead-lettered", "message_id", id, "channel", cfg.Channel, "deliveries", delivery)
	}
}
