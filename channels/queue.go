package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
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
	// holdings, when set (tests in this package), is given the process's
	// room accounting once ConsumeBatch has made it.
	holdings func(*holdings)
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
// still there (see pullRoom).
const (
	pullExpiry    = 5 * time.Second
	pullHeartbeat = time.Second
)

// consumerShares: the consumer's MaxAckPending is this many processes'
// budgets (see holdings). Several gateway processes share one durable
// consumer, each pulling up to its own budget; a process that was killed
// leaves its budget unacknowledged until the ack wait brings it back, and
// its successor (or any other process) must still get new entries
// meanwhile. Eight covers, for example, four processes each restarted
// once within an ack wait, so the server's limit is a backstop against a
// client that pulls without bound, never the limit a process meets.
const consumerShares = 8

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
// handler call. A Handler has no Finish to settle an item later, so its
// Later is taken as Retry: an entry nobody can finish would be kept alive,
// and its room held, for as long as the process runs.
func Consume(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, h Handler, dead DeadHandler) error {
	cfg.BatchSize = 1
	return ConsumeBatch(ctx, js, cfg, func(ctx context.Context, items []Item) []Outcome {
		out := h(ctx, items[0].ID, items[0].Delivery)
		if out == Later {
			cfg.Log.Error("queue: a one-message handler answered Later; retried", "consumer", Durable(cfg.Channel, cfg.Priority), "message_id", items[0].ID)
			out = Retry
		}
		return []Outcome{out}
	}, dead)
}

// ConsumeBatch runs a durable pull consumer until ctx ends, handing the
// handler up to cfg.BatchSize messages at a time (whatever has arrived,
// waiting at most cfg.Linger for more), with up to cfg.Concurrency batches
// in flight. Payloads are message ids only.
//
// The process pulls only what it has room for: at most a budget of
// 2 × Concurrency × BatchSize entries unacknowledged at once (a full set
// of batches in flight and as many again: waiting for a slot, or sends
// still running after their batch was recorded), counted from the pull
// to the ack (see holdings). The consumer's own limit is consumerShares
// budgets, so a process killed with its budget full does not stop the
// server delivering to its successor until the ack wait brings the dead
// process's entries back.
func ConsumeBatch(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, h BatchHandler, dead DeadHandler) error {
	cfg.defaults()
	if cfg.BatchSize < 1 {
		cfg.BatchSize = 1
	}
	hold := newHoldings(2*cfg.Concurrency*cfg.BatchSize, cfg.AckWait)
	if cfg.holdings != nil {
		cfg.holdings(hold)
	}
	// Several processes share the consumer and the last to start sets its
	// limit: never lower it, or one started with a smaller budget (another
	// configuration, an older build in a rolling deploy) would bring back
	// the limit that a killed process fills for the ack wait.
	limit := hold.budget * consumerShares
	if c, err := js.Consumer(ctx, StreamContact, Durable(cfg.Channel, cfg.Priority)); err == nil {
		limit = max(limit, c.CachedInfo().Config.MaxAckPending)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, StreamContact, jetstream.ConsumerConfig{
		Durable:       Durable(cfg.Channel, cfg.Priority),
		FilterSubject: Subject(cfg.Channel, cfg.Priority),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		// No server limit: a message the server stops delivering would be
		// stuck (queued in the database, never claimed). Entries held back
		// by an open breaker are kept alive; one that is redelivered after
		// the ack wait counts as a delivery; we dead-letter on our own
		// count, only for a handler's Retry.
		MaxDeliver:    -1,
		MaxAckPending: limit,
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", Durable(cfg.Channel, cfg.Priority), err)
	}
	// msgs: entries pulled and not yet in a batch. It has room for the
	// whole budget, so a pull never blocks on it.
	msgs := make(chan jetstream.Msg, hold.budget)
	pulled := make(chan struct{})
	go func() {
		defer close(pulled)
		pullRoom(ctx, js.Conn(), pullSubject(js, cons), cfg, hold, msgs)
	}()
	// Entries waiting for a batch and entries whose send outcome comes
	// Later are kept alive every AckWait/3 (a batch keeps its own alive
	// while it waits at the breaker or the limiter), or the server would
	// redeliver them and the copy would find its message mid-send.
	go func() {
		t := time.NewTicker(cfg.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			hold.beat()
		}
	}()
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	defer func() {
		// Entries pulled but never handed to a batch go back at once, so
		// another process (or this one's successor) need not wait for the
		// ack wait; msgs is closed once the pulls have ended.
		<-pulled
		for m := range msgs {
			hold.settle(m, m.Nak(), 0)
		}
		wg.Wait()
	}()
	for {
		var first jetstream.Msg
		select {
		case m, ok := <-msgs:
			if !ok {
				return nil
			}
			first = m
		case <-ctx.Done():
			return nil
		}
		// A free slot first: while every slot is busy, what arrives
		// meanwhile joins this batch instead of waiting for the next.
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			hold.settle(first, first.Nak(), 0)
			return nil
		}
		batch := GatherStretched(ctx, []jetstream.Msg{first}, msgs, cfg.BatchSize, cfg.Linger, min(cfg.Target, cfg.BatchSize), cfg.Stretch)
		hold.batched(batch) // the batch keeps its own alive from here
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			handleBatch(ctx, js, cfg, hold, batch, h, dead)
		}()
	}
}

// pullRoom pulls entries into msgs until ctx ends, never asking for more
// than the process's free room (see holdings), then closes msgs. Each pull
// asks for all the room there is, once at least a batch's worth is free
// (or the whole budget, if smaller), so a busy process keeps a few pulls
// open and an idle one a single pull for its whole budget.
//
// Pull requests expire after pullExpiry and the server sends a heartbeat
// every pullHeartbeat while one waits; two missed heartbeats end the pull
// and its room is asked for again. On a cluster, a consumer leader that
// dies takes our waiting pull requests with it: with the library's
// defaults (30 s expiry, 15 s heartbeat) delivery could stall for up to
// 30 s, with these for about 2 s (measured in the cluster test). The cost
// is an idle pull every 5 s and a heartbeat a second per consumer.
//
// When ctx ends, open pulls are drained (see pullOnce) and what was
// delivered to them is in msgs, to be given back. On a single server, once
// pullRoom has returned the server holds no pull request of this process;
// on a cluster, an entry the consumer leader sent before it learned of the
// unsubscribe (about one hop) can still be dropped and wait the ack wait.
func pullRoom(ctx context.Context, nc *nats.Conn, subject string, cfg ConsumerConfig, hold *holdings, msgs chan<- jetstream.Msg) {
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		close(msgs)
	}()
	least := min(cfg.BatchSize, hold.budget)
	pause := &pullPause{}
	for {
		n := hold.ask(ctx, least)
		if n == 0 {
			return
		}
		if ctx.Err() != nil {
			hold.unask(n)
			return
		}
		start := time.Now()
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := pullOnce(ctx, nc, subject, n, func(m jetstream.Msg) {
				hold.arrived(m)
				msgs <- m
			})
			// A pull that ended early with an error (missed heartbeats: the
			// consumer leader is gone; NATS unreachable), or empty long
			// before its expiry, waits a moment before its room is asked
			// for again, so a failing server is not asked in a tight loop;
			// its end by expiry or by ctx is no error.
			if err == nil && got == 0 && time.Since(start) < pullExpiry/2 && ctx.Err() == nil {
				err = errors.New("pull ended early and empty")
			}
			if err != nil && ctx.Err() == nil {
				pause.failed(ctx, cfg, err)
			} else {
				pause.ok()
			}
			hold.unask(n - got)
		}()
	}
}

// pullSubject is the subject of the consumer's pull requests.
func pullSubject(js jetstream.JetStream, cons jetstream.Consumer) string {
	prefix := jetstream.DefaultAPIPrefix
	switch o := js.Options(); {
	case o.Domain != "":
		prefix = "$JS." + o.Domain + ".API."
	case o.APIPrefix != "":
		prefix = strings.TrimSuffix(o.APIPrefix, ".") + "."
	}
	info := cons.CachedInfo()
	return prefix + "CONSUMER.MSG.NEXT." + info.Stream + "." + info.Name
}

// pullPause spaces out pulls that keep failing: 100 ms doubling to 1 s, one
// log line for the first failure of a run and then one a second at most.
type pullPause struct {
	mu     sync.Mutex
	d      time.Duration
	logged time.Time
}

func (p *pullPause) failed(ctx context.Context, cfg ConsumerConfig, err error) {
	p.mu.Lock()
	p.d = min(max(2*p.d, 100*time.Millisecond), time.Second)
	d := p.d
	logIt := time.Since(p.logged) >= time.Second
	if logIt {
		p.logged = time.Now()
	}
	p.mu.Unlock()
	if logIt {
		cfg.Log.Warn("queue: pull", "consumer", Durable(cfg.Channel, cfg.Priority), "err", err)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (p *pullPause) ok() {
	p.mu.Lock()
	p.d = 0
	p.mu.Unlock()
}

// holdings counts the queue entries one process holds against its budget
// and keeps alive those no batch is keeping alive. An entry counts from
// its pull to its settlement: waiting for a batch, in a batch (at the
// breaker or the limiter too), in Later until Finish. A retry still counts
// for its delay: the server keeps a nak'd entry pending until it is
// redelivered, and the consumer's limit counts pending entries, so retries
// in an outage (every claim failing, each entry nak'd with a delay) could
// otherwise fill the consumer's limit and halt the channel for new
// entries; counted here, each process's share of the server's pending
// count, retries included, stays within its budget. A settlement the
// server may not have had (the ack or nak failed to send) counts for the
// ack wait, after which the server redelivers the entry anyway.
type holdings struct {
	budget  int
	ackWait time.Duration

	mu    sync.Mutex
	held  int // pulled and not settled, plus retries in their delay
	asked int // asked for by open pulls, not yet arrived
	// idle: held entries the beat keeps alive (waiting for a batch, or
	// in Later).
	idle map[jetstream.Msg]struct{}
	// more is closed and replaced when room grows.
	more chan struct{}
}

func newHoldings(budget int, ackWait time.Duration) *holdings {
	return &holdings{budget: budget, ackWait: ackWait, idle: map[jetstream.Msg]struct{}{}, more: make(chan struct{})}
}

// ask waits until at least least entries of room are free, takes all the
// room there is for a pull and returns it; 0 when ctx ends.
func (h *holdings) ask(ctx context.Context, least int) int {
	for {
		h.mu.Lock()
		if room := h.budget - h.held - h.asked; room >= least {
			h.asked += room
			h.mu.Unlock()
			return room
		}
		more := h.more
		h.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0
		case <-more:
		}
	}
}

// unask gives back room a pull asked for and did not get.
func (h *holdings) unask(n int) {
	if n <= 0 {
		return
	}
	h.mu.Lock()
	h.asked -= n
	h.grewLocked()
	h.mu.Unlock()
}

// arrived moves one entry from asked to held, kept alive until a batch
// takes it.
func (h *holdings) arrived(m jetstream.Msg) {
	h.mu.Lock()
	h.asked--
	h.held++
	h.idle[m] = struct{}{}
	h.mu.Unlock()
}

// batched: these entries are kept alive by their batch from now on.
func (h *holdings) batched(ms []jetstream.Msg) {
	h.mu.Lock()
	for _, m := range ms {
		delete(h.idle, m)
	}
	h.mu.Unlock()
}

// later: the entry waits for its Finish outside any batch.
func (h *holdings) later(m jetstream.Msg) {
	h.mu.Lock()
	h.idle[m] = struct{}{}
	h.mu.Unlock()
}

// settle: the entry was acked or nak'd (err is that call's error); it
// frees its room now, or after delay (a retry's), or after the ack wait
// if the server may not have heard.
func (h *holdings) settle(m jetstream.Msg, err error, delay time.Duration) {
	if err != nil {
		delay = max(delay, h.ackWait)
	}
	h.mu.Lock()
	delete(h.idle, m)
	h.mu.Unlock()
	if delay > 0 {
		time.AfterFunc(delay, h.free)
		return
	}
	h.free()
}

func (h *holdings) free() {
	h.mu.Lock()
	h.held--
	h.grewLocked()
	h.mu.Unlock()
}

func (h *holdings) grewLocked() {
	close(h.more)
	h.more = make(chan struct{})
}

// beat tells the server every idle entry is still in progress.
func (h *holdings) beat() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for m := range h.idle {
		m.InProgress()
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

func handleBatch(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, hold *holdings, batch []jetstream.Msg, h BatchHandler, dead DeadHandler) {
	items := make([]Item, len(batch))
	// later[i] hands item i's entry to the beat while it waits for its
	// Finish, unless Finish already came (a send can end, and its Finish
	// run, before its handler returned Later).
	later := make([]func(), len(batch))
	for i, msg := range batch {
		items[i] = Item{ID: string(msg.Data()), Delivery: 1}
		if meta, err := msg.Metadata(); err == nil {
			items[i].Delivery = int(meta.NumDelivered)
		}
		msg, it := msg, items[i]
		var mu sync.Mutex
		finished := false
		items[i].Finish = func(out Outcome) {
			mu.Lock()
			if finished {
				mu.Unlock()
				return
			}
			finished = true
			mu.Unlock()
			finish(context.WithoutCancel(ctx), js, cfg, hold, msg, it, out, dead)
		}
		later[i] = func() {
			mu.Lock()
			defer mu.Unlock()
			if !finished {
				hold.later(msg)
			}
		}
	}
	giveBack := func(msgs []jetstream.Msg) {
		for _, m := range msgs {
			hold.settle(m, m.Nak(), 0)
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
			giveBack(batch)
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
					giveBack(batch)
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
			if out == Later {
				later[i]()
			} else {
				items[i].Finish(out)
			}
		}
		if probe {
			cfg.Breaker.ProbeDone()
		}
		batch, items, later = batch[n:], items[n:], later[n:]
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

// finish settles one entry by its outcome and tells holdings when its
// room is free again.
func finish(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, hold *holdings, msg jetstream.Msg, it Item, out Outcome, dead DeadHandler) {
	id, delivery := it.ID, it.Delivery
	if out == Retry && delivery >= cfg.MaxDeliver {
		out = Dead
	}
	switch out {
	case Done:
		// A plain ack: a lost ack only means a redelivery, which the
		// owner's state machine turns into a no-op.
		err := msg.Ack()
		if err != nil {
			cfg.Log.Warn("queue: ack", "message_id", id, "err", err)
		}
		hold.settle(msg, err, 0)
	case Retry:
		d := cfg.Backoff[min(delivery-1, len(cfg.Backoff)-1)]
		hold.settle(msg, msg.NakWithDelay(d), d)
	case Dead:
		if _, err := js.Publish(ctx, SubjectDead+cfg.Channel, []byte(id), jetstream.WithMsgID("dead-"+id)); err != nil {
			cfg.Log.Error("queue: dead-letter publish", "message_id", id, "err", err)
			d := cfg.Backoff[len(cfg.Backoff)-1]
			hold.settle(msg, msg.NakWithDelay(d), d)
			return
		}
		if dead != nil {
			dead(ctx, id)
		}
		hold.settle(msg, msg.Ack(), 0)
		cfg.Log.Warn("queue: dead-lettered", "message_id", id, "channel", cfg.Channel, "deliveries", delivery)
	default:
		// Later is no settlement: the entry stays unacknowledged and the
		// server redelivers it after the ack wait; its room is held until
		// then.
		cfg.Log.Error("queue: finished with Later; redelivered after the ack wait", "message_id", id)
		hold.settle(msg, nil, cfg.AckWait)
	}
}
