package delivery

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"math"
	"net"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
	"safecontact/gateway/runner"
	"safecontact/keys"
)

// WorkerConfig tunes the channel workers.
type WorkerConfig struct {
	// Rate is the per-channel send rate (messages/second). Twilio's
	// defaults: about 1 SMS/s per long code, more through a Messaging
	// Service; set to what the account allows.
	Rate        map[string]float64
	Concurrency int
	// BatchSize: messages claimed and recorded per database round trip.
	BatchSize int
	// Linger: how long a bulk batch waits to fill (the safety lane never
	// waits). Default 10 ms: at 1,000 messages/s batches grow from about 6
	// to about 20 messages, and the database does a third of the work.
	Linger     time.Duration
	MaxDeliver int
	Backoff    []time.Duration
	// StatusCallback is the public URL of /webhooks/twilio/status.
	StatusCallback string
	// SendTimeout bounds one provider request (default 10 s, well below
	// the queue's 30 s ack wait): a hung request ends as unknown and frees
	// its slot.
	SendTimeout time.Duration
	// BatchWait: how long a batch waits for its slowest sends before it
	// records the rest (default 1 s). Later sends are recorded one by one
	// as they end; the batch's slot is free meanwhile.
	BatchWait time.Duration
	// Breaker tunes each channel's circuit breaker (channels.Breaker).
	Breaker channels.BreakerConfig
	// SpillDir holds receipts.spill (see receipt_spill.go); "" keeps
	// unrecorded receipts in memory only. serve sets its data dir.
	SpillDir string
	// SpillRetry: how often spilled receipts are tried again (default 1 s).
	SpillRetry time.Duration
}

// ClaimLease is how long a message marked sending (claimed by a worker)
// is taken to be in that worker's hands: three of its SendTimeout, which
// bounds the provider request. A worker that finds a message sending for
// longer (its queue entry redelivered after a worker stopped mid-send)
// marks it unknown and never sends it again; reconciliation never queues
// it either, and a worker that records a passing refusal of its own send
// only after the lease marks it failed (claim_lapsed) rather than
// scheduling a retry. The rename check of a meeting point counts a sending message
// for this long only (safety.Config.SendClaimLease).
func ClaimLease(sendTimeout time.Duration) time.Duration { return 3 * sendTimeout }

// WithDefaults is c with its zero fields set to their defaults: 32 a
// batch, 8 batches at once, Linger 10 ms, SendTimeout 10 s, BatchWait 1 s,
// SpillRetry 1 s. Rate, MaxDeliver, Backoff and Breaker are left as they
// are (no rate limit; the queue's and channels.Breaker's own defaults).
// The gateway's configuration fills them once (gateway/config.go);
// NewWorker fills them again for a caller that did not.
func (c WorkerConfig) WithDefaults() WorkerConfig {
	c.BatchSize = cmp.Or(c.BatchSize, 32)
	c.Concurrency = cmp.Or(c.Concurrency, 8)
	c.Linger = cmp.Or(c.Linger, 10*time.Millisecond)
	c.SendTimeout = cmp.Or(c.SendTimeout, 10*time.Second)
	c.BatchWait = cmp.Or(c.BatchWait, time.Second)
	c.SpillRetry = cmp.Or(c.SpillRetry, time.Second)
	return c
}

// Worker sends queued messages: it loads the message, re-runs the contact
// decision, decrypts, sends, and records the provider's answer.
type Worker struct {
	s       *Service
	senders map[string]channels.Sender
	cfg     WorkerConfig
	log     *slog.Logger
	sent    *prometheus.CounterVec
	// breakers: one per channel, shared by both lanes.
	breakers map[string]*channels.Breaker
	// stragglers: sends still running after their batch was recorded.
	stragglers sync.WaitGroup
	// spill: accepted sends whose record waits for the database.
	spill *receiptSpill
}

// NewWorker makes a worker over the service's database, keys and clock.
// Unset fields of cfg take their defaults (WorkerConfig.WithDefaults).
func (s *Service) NewWorker(senders map[string]channels.Sender, cfg WorkerConfig) *Worker {
	cfg = cfg.WithDefaults()
	w := &Worker{s: s, senders: senders, cfg: cfg, log: s.log, breakers: map[string]*channels.Breaker{},
		sent: register(s.reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "safecontact_worker_outcomes_total",
			Help: "Queued messages handled by channel and outcome.",
		}, []string{"channel", "outcome"}))}
	open := register(s.reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "safecontact_channel_breaker_open",
		Help: "1 while a channel's circuit breaker holds sends back because the provider is failing (probing it every interval), else 0.",
	}, []string{"channel"}))
	sp, err := openReceiptSpill(cfg.SpillDir)
	if err != nil {
		// Never silently dropped: the file stays for a person to look at,
		// and new receipts are kept in memory.
		s.log.Error("worker: receipt spill not readable; kept aside, new receipts spill to memory only", "err", err)
		sp, _ = openReceiptSpill("")
	}
	w.spill = sp
	register(s.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "safecontact_receipt_spill_entries",
		Help: "Accepted sends whose record waits in the receipt spill (waiting for the database, or set aside after it refused them): should fall to 0.",
	}, func() float64 { return float64(sp.size()) }))
	for ch := range senders {
		bc := cfg.Breaker
		g := open.WithLabelValues(ch)
		bc.OnChange = func(isOpen bool) {
			if isOpen {
				g.Set(1)
				w.log.Error("worker: provider failing; sends held back, probing", "channel", ch)
			} else {
				g.Set(0)
				w.log.Info("worker: provider answering again; sending resumed", "channel", ch)
			}
		}
		w.breakers[ch] = channels.NewBreaker(bc)
		s.providers.set(ch, w.breakers[ch])
	}
	return w
}

// providerDown: the failure says the provider (not this message) is the
// problem: it answered 5xx or 429, or did not answer at all.
func providerDown(err error) bool {
	var se *channels.SendError
	if errors.As(err, &se) {
		if se.HTTPStatus != 0 {
			return se.HTTPStatus >= 500 || se.HTTPStatus == 429
		}
		return se.Retryable
	}
	return true
}

// Run consumes both lanes of every channel that has a sender until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.ReplaySpill(ctx) }()
	for ch := range w.senders {
		r := w.cfg.Rate[ch]
		lim := rate.NewLimiter(rate.Inf, 1)
		if r > 0 {
			lim = rate.NewLimiter(rate.Limit(r), max(1, int(r)))
		}
		for _, prio := range []bool{true, false} {
			// Attempts are counted in the database (messages.attempts);
			// the queue redelivers only after an infrastructure error (the
			// claim's transaction failed), which is never a reason to give
			// a message up, and then soon: a long wait would hold the slot.
			cfg := channels.ConsumerConfig{Channel: ch, Priority: prio, Concurrency: w.cfg.Concurrency,
				MaxDeliver: math.MaxInt32, Backoff: infraBackoff, Limiter: lim, Breaker: w.breakers[ch], Log: w.log}
			cfg.BatchSize = w.cfg.BatchSize
			if !prio {
				cfg.Linger = w.cfg.Linger
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					if err := channels.ConsumeBatch(ctx, w.s.js, cfg, w.HandleBatch, w.dead); err != nil {
						w.log.Warn("worker: consumer", "channel", cfg.Channel, "err", err)
						runner.Sleep(ctx, time.Second)
					}
				}
			}()
		}
	}
	wg.Wait()
	w.stragglers.Wait()
}

// infraBackoff: the queue's redelivery delays after an infrastructure error.
var infraBackoff = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second}

func (w *Worker) outcome(ch, what string) { w.sent.WithLabelValues(ch, what).Inc() }

func (w *Worker) participantCode(ctx context.Context, q *db.Queries, id int64) string {
	p, err := q.ParticipantByID(ctx, id)
	if err != nil {
		return ""
	}
	return p.Code
}

// statusCallback carries our message id, so a callback that overtakes the
// worker's own record still finds the message.
func (w *Worker) statusCallback(id uuid.UUID) string {
	if w.cfg.StatusCallback == "" {
		return ""
	}
	return w.cfg.StatusCallback + "?m=" + id.String()
}

// outgoing decrypts what the provider needs, just before the send.
func (w *Worker) outgoing(m db.Message, p db.Participant) (*channels.Outgoing, error) {
	numEnc := p.PhoneEnc
	if m.Channel == string(consent.WhatsApp) && len(p.WhatsappEnc) > 0 {
		numEnc = p.WhatsappEnc
	}
	num, err := w.s.keys.Open(keys.Contact, numEnc)
	if err != nil {
		return nil, err
	}
	c, err := w.s.d.OpenContent(m.ContentEnc)
	if err != nil {
		return nil, err
	}
	return &channels.Outgoing{MessageID: m.ID.String(), Channel: m.Channel, To: string(num), Body: c.Text,
		ContentSID: c.ContentSID, ContentVariables: c.ContentVariables, StatusCallback: w.statusCallback(m.ID)}, nil
}

func (w *Worker) maxDeliver() int {
	if w.cfg.MaxDeliver > 0 {
		return w.cfg.MaxDeliver
	}
	return 8
}

// safeToRetry: the provider answered and refused for a passing reason, or
// the connection failed before the request was sent.
func safeToRetry(err error) bool {
	var se *channels.SendError
	if errors.As(err, &se) {
		if !se.Retryable {
			return false
		}
		if se.HTTPStatus != 0 {
			return true
		}
		err = se.Err
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// dead marks a dead-lettered message failed.
func (w *Worker) dead(ctx context.Context, rawID string) {
	id, err := uuid.Parse(rawID)
	if err != nil {
		return
	}
	now := w.s.now()
	err = db.InTx(ctx, w.s.db, func(q *db.Queries, _ *sql.Tx) error {
		m, err := q.MessageByIDForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if m.Status != message.StatusQueued && m.Status != message.StatusSending {
			return nil // it moved on (sent, delivered, rescheduled): not dead
		}
		status, action := message.StatusFailed, message.ActionFailed
		if m.Status == message.StatusSending {
			// The provider may have it (its record failed): unknown, not
			// failed, so nobody resends it believing it never went.
			status, action = message.StatusUnknown, message.ActionUnknown
		}
		if moved, err := message.MoveStatus(ctx, q, id, status, message.CodeRetriesExhausted, now); err != nil || !moved {
			return err
		}
		_, err = audit.Append(ctx, q, auth.SystemActor("worker"), audit.Event{Action: action, ParticipantCode: w.participantCode(ctx, q, m.ParticipantID), Details: map[string]any{"message_id": rawID, "code": message.CodeRetriesExhausted}})
		return err
	})
	if err != nil {
		w.log.Error("worker: marking dead-lettered message failed", "message_id", rawID, "err", httpx.RedactErr(err))
	}
}
