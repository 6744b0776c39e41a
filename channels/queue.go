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
	// Limiter is shared by both lanes of a channel. The bulk lane waits
	// for a token; the safety lane takes one without waiting, pushing bulk
	// back, so a check-in is never stuck behind a reminder run.
	Limiter *rate.Limiter
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
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Durable is the consumer name of a channel lane.
func Durable(channel string, priority bool) string {
	if priority {
		return "worker-" + channel + "-priority"
	}
	return "worker-" + channel
}

// Consume runs a durable pull consumer until ctx ends. Payloads are
// message ids only.
func Consume(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, h Handler, dead DeadHandler) error {
	cfg.defaults()
	cons, err := js.CreateOrUpdateConsumer(ctx, StreamContact, jetstream.ConsumerConfig{
		Durable:       Durable(cfg.Channel, cfg.Priority),
		FilterSubject: Subject(cfg.Channel, cfg.Priority),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		// One more than ours: we dead-letter on our last attempt, and the
		// server's limit only catches a worker that keeps dying.
		MaxDeliver:    cfg.MaxDeliver + 1,
		MaxAckPending: cfg.Concurrency * 4,
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", Durable(cfg.Channel, cfg.Priority), err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(cfg.Concurrency * 2))
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		it.Stop()
	}()
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		msg, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil {
				return nil
			}
			cfg.Log.Warn("queue: next", "consumer", Durable(cfg.Channel, cfg.Priority), "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			msg.Nak()
			return nil
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			handleOne(ctx, js, cfg, msg, h, dead)
		}()
	}
}

func handleOne(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, msg jetstream.Msg, h Handler, dead DeadHandler) {
	id := string(msg.Data())
	meta, err := msg.Metadata()
	delivery := 1
	if err == nil {
		delivery = int(meta.NumDelivered)
	}
	if cfg.Limiter != nil {
		if cfg.Priority {
			cfg.Limiter.Reserve() // take a token, never wait
		} else if err := cfg.Limiter.Wait(ctx); err != nil {
			msg.Nak()
			return
		}
	}
	out := h(ctx, id, delivery)
	if out == Retry && delivery >= cfg.MaxDeliver {
		out = Dead
	}
	switch out {
	case Done:
		if err := msg.DoubleAck(ctx); err != nil {
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
		msg.DoubleAck(ctx)
		cfg.Log.Warn("queue: dead-lettered", "message_id", id, "channel", cfg.Channel, "deliveries", delivery)
	}
}
