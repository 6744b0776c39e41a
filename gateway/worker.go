package gateway

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/keys"
)

// WorkerConfig tunes the channel workers.
type WorkerConfig struct {
	// Rate is the per-channel send rate (messages/second). Twilio's
	// defaults: about 1 SMS/s per long code, more through a Messaging
	// Service; set to what the account allows.
	Rate        map[string]float64
	Concurrency int
	MaxDeliver  int
	Backoff     []time.Duration
	// StatusCallback is the public URL of /webhooks/twilio/status.
	StatusCallback string
}

// Worker sends queued messages: it loads the message, re-runs the contact
// decision, decrypts, sends, and records the provider's answer.
type Worker struct {
	s       *Server
	senders map[string]channels.Sender
	cfg     WorkerConfig
	log     *slog.Logger
	sent    *prometheus.CounterVec
}

// NewWorker makes a worker over the server's database, keys and clock.
func (s *Server) NewWorker(senders map[string]channels.Sender, cfg WorkerConfig) *Worker {
	w := &Worker{s: s, senders: senders, cfg: cfg, log: s.log,
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "safecontact_worker_outcomes_total",
			Help: "Queued messages handled by channel and outcome.",
		}, []string{"channel", "outcome"})}
	s.reg.Register(w.sent)
	return w
}

// Run consumes both lanes of every channel that has a sender until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for ch := range w.senders {
		r := w.cfg.Rate[ch]
		lim := rate.NewLimiter(rate.Inf, 1)
		if r > 0 {
			lim = rate.NewLimiter(rate.Limit(r), max(1, int(r)))
		}
		for _, prio := range []bool{true, false} {
			cfg := channels.ConsumerConfig{Channel: ch, Priority: prio, Concurrency: w.cfg.Concurrency,
				MaxDeliver: w.cfg.MaxDeliver, Backoff: w.cfg.Backoff, Limiter: lim, Log: w.log}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					if err := channels.Consume(ctx, w.s.js, cfg, w.Handle, w.dead); err != nil {
						w.log.Warn("worker: consumer", "channel", cfg.Channel, "err", err)
						sleep(ctx, time.Second)
					}
				}
			}()
		}
	}
	wg.Wait()
}

func (w *Worker) outcome(ch, what string) { w.sent.WithLabelValues(ch, what).Inc() }

// setStatus moves a message to status with its event, in q's transaction.
func setStatus(ctx context.Context, q *db.Queries, id uuid.UUID, status, code string, now time.Time) error {
	if err := q.SetMessageStatus(ctx, db.SetMessageStatusParams{ID: id, Status: status, UpdatedAt: now,
		ErrorCode: sql.NullString{String: code, Valid: code != ""}, Final: finalStatus(status)}); err != nil {
		return err
	}
	return q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: id, Status: status, At: now, Code: sql.NullString{String: code, Valid: code != ""}})
}

// Handle processes one queued message id. It is the channels.Handler.
func (w *Worker) Handle(ctx context.Context, rawID string, delivery int) channels.Outcome {
	id, err := uuid.Parse(rawID)
	if err != nil {
		w.log.Error("worker: payload is not a message id") // never echo the payload
		return channels.Done
	}
	sys := SystemActor("worker")
	now := w.s.now()
	var out *channels.Outgoing
	var msg db.Message
	var part db.Participant
	outcome := channels.Done
	// Step 1, one transaction: claim the message (queued → sending) after
	// the consent re-check.
	err = db.InTx(ctx, w.s.db, func(q *db.Queries, _ *sql.Tx) error {
		var err error
		msg, err = q.MessageByIDForUpdate(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			// The relay publishes only committed rows, so this is not ours.
			w.log.Error("worker: unknown message id", "message_id", rawID)
			return nil
		}
		if err != nil {
			return err
		}
		switch msg.Status {
		case StatusQueued:
		case StatusSending:
			// Seen again after a crash mid-send: the provider may or may
			// not have it. Never resend blind: mark unknown and alert.
			if err := setStatus(ctx, q, id, StatusUnknown, "crash_during_send", now); err != nil {
				return err
			}
			w.outcome(msg.Channel, "unknown")
			w.log.Error("worker: message was mid-send when a worker stopped; not resent, marked unknown for staff to check", "message_id", rawID, "channel", msg.Channel)
			_, err := Append(ctx, q, sys, AuditEvent{Action: "message.unknown", ParticipantCode: w.participantCode(ctx, q, msg.ParticipantID), Details: map[string]any{"message_id": rawID, "reason": "crash_during_send"}})
			return err
		default:
			return nil // already handled (a duplicate delivery)
		}
		part, err = q.ParticipantByID(ctx, msg.ParticipantID)
		if err != nil {
			return err
		}
		d, err := w.s.decide(ctx, q, part, consent.Channel(msg.Channel), now)
		if err != nil {
			return err
		}
		if !d.Allowed {
			if err := setStatus(ctx, q, id, StatusDropped, d.Code, now); err != nil {
				return err
			}
			w.outcome(msg.Channel, "dropped")
			_, err := Append(ctx, q, sys, AuditEvent{Action: "message.dropped", ParticipantCode: part.Code, Details: map[string]any{"message_id": rawID, "code": d.Code, "consent_version": d.ConsentVersion}})
			return err
		}
		if d.SendAt.After(now) {
			// Her safe window closed while it waited: back to the scheduler.
			if err := q.Reschedule(ctx, db.RescheduleParams{ID: id, SendAt: d.SendAt, UpdatedAt: now}); err != nil {
				return err
			}
			w.outcome(msg.Channel, "rescheduled")
			return q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: id, Status: StatusScheduled, At: now, Code: sql.NullString{String: "outside_safe_window", Valid: true}})
		}
		if w.senders[msg.Channel] == nil {
			outcome = channels.Retry
			return nil
		}
		o, err := w.outgoing(msg, part)
		if err != nil {
			return err
		}
		out = o
		if err := q.MarkSending(ctx, db.MarkSendingParams{ID: id, UpdatedAt: now}); err != nil {
			return err
		}
		return q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: id, Status: StatusSending, At: now})
	})
	if err != nil {
		w.log.Warn("worker: claim", "message_id", rawID, "err", redactErr(err))
		return channels.Retry
	}
	if out == nil {
		return outcome
	}
	// Step 2: send, outside any transaction.
	rcpt, sendErr := w.senders[msg.Channel].Send(ctx, *out)
	out = nil // the plaintext is not kept
	return w.record(ctx, msg, part, rcpt, sendErr, delivery)
}

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
	raw, err := w.s.keys.Open(keys.Body, m.ContentEnc)
	if err != nil {
		return nil, err
	}
	var c content
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	return &channels.Outgoing{MessageID: m.ID.String(), Channel: m.Channel, To: string(num), Body: c.Text,
		ContentSID: c.ContentSID, ContentVariables: c.ContentVariables, StatusCallback: w.statusCallback(m.ID)}, nil
}

// record stores the provider's answer.
func (w *Worker) record(ctx context.Context, msg db.Message, p db.Participant, rcpt channels.Receipt, sendErr error, delivery int) channels.Outcome {
	now := w.s.now()
	sys := SystemActor("worker")
	id := msg.ID
	var se *channels.SendError
	errors.As(sendErr, &se)
	outcome := channels.Done
	err := db.InTx(ctx, w.s.db, func(q *db.Queries, _ *sql.Tx) error {
		switch {
		case sendErr == nil:
			// A status callback can arrive before this record (the provider
			// is fast; the callback finds the message by our id): keep the
			// further status and only add the provider id.
			cur, err := q.MessageByIDForUpdate(ctx, id)
			if err != nil {
				return err
			}
			status := StatusSent
			if channels.StatusRank(rcpt.Status) > channels.StatusRank(status) {
				status = rcpt.Status // the dev sink reports delivered at once
			}
			if channels.StatusRank(cur.Status) >= channels.StatusRank(status) {
				status = cur.Status
			}
			if err := q.SetProviderAccepted(ctx, db.SetProviderAcceptedParams{ID: id, Status: status, ProviderID: sql.NullString{String: rcpt.ProviderID, Valid: rcpt.ProviderID != ""},
				ProviderStatus: sql.NullString{String: rcpt.Status, Valid: true}, UpdatedAt: now, Final: finalStatus(status)}); err != nil {
				return err
			}
			if status != cur.Status {
				if err := q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: id, Status: status, At: now}); err != nil {
					return err
				}
			}
			w.outcome(msg.Channel, "sent")
			_, err = Append(ctx, q, sys, AuditEvent{Action: "message.sent", ParticipantCode: p.Code, Details: map[string]any{"message_id": id.String(), "channel": msg.Channel, "attempt": delivery}})
			return err
		case se != nil && se.OptOut:
			// She replied STOP to the provider: her consent for this
			// channel ends here, recorded like any revocation.
			if err := RevokeConsent(ctx, q, sys, p, consent.Channel(msg.Channel), consent.SourceProviderOptOut, "provider reported opt-out", now); err != nil {
				return err
			}
			if err := setStatus(ctx, q, id, StatusFailed, se.Code, now); err != nil {
				return err
			}
			w.outcome(msg.Channel, "opted_out")
			_, err := Append(ctx, q, sys, AuditEvent{Action: "message.failed", ParticipantCode: p.Code, Details: map[string]any{"message_id": id.String(), "code": se.Code, "provider_code": se.ProviderCode}})
			return err
		case safeToRetry(sendErr) && delivery < w.maxDeliver():
			// The provider did not take it: back to queued for the next try.
			outcome = channels.Retry
			w.outcome(msg.Channel, "retry")
			return setStatus(ctx, q, id, StatusQueued, errCode(sendErr), now)
		case safeToRetry(sendErr):
			w.outcome(msg.Channel, "exhausted")
			outcome = channels.Dead
			return nil // dead() marks it failed
		case channels.IsRetryable(sendErr):
			// The request may have reached the provider (a timeout after
			// sending): resending could double it. Unknown, for staff.
			w.outcome(msg.Channel, "unknown")
			if err := setStatus(ctx, q, id, StatusUnknown, errCode(sendErr), now); err != nil {
				return err
			}
			_, err := Append(ctx, q, sys, AuditEvent{Action: "message.unknown", ParticipantCode: p.Code, Details: map[string]any{"message_id": id.String(), "code": errCode(sendErr)}})
			return err
		default:
			w.outcome(msg.Channel, "failed")
			if err := setStatus(ctx, q, id, StatusFailed, errCode(sendErr), now); err != nil {
				return err
			}
			_, err := Append(ctx, q, sys, AuditEvent{Action: "message.failed", ParticipantCode: p.Code, Details: map[string]any{"message_id": id.String(), "code": errCode(sendErr)}})
			return err
		}
	})
	if err != nil {
		// The send happened but its record did not: the row stays
		// "sending", and the redelivery will mark it unknown, never resend.
		w.log.Error("worker: recording the send", "message_id", id.String(), "err", redactErr(err))
		return channels.Retry
	}
	if sendErr != nil {
		w.log.Warn("worker: send failed", "message_id", id.String(), "channel", msg.Channel, "code", errCode(sendErr), "attempt", delivery)
	}
	return outcome
}

func (w *Worker) maxDeliver() int {
	if w.cfg.MaxDeliver > 0 {
		return w.cfg.MaxDeliver
	}
	return 8
}

func errCode(err error) string {
	var se *channels.SendError
	if errors.As(err, &se) {
		return se.Code
	}
	return "send_error"
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
		if finalStatus(m.Status) {
			return nil
		}
		if err := setStatus(ctx, q, id, StatusFailed, "retries_exhausted", now); err != nil {
			return err
		}
		_, err = Append(ctx, q, SystemActor("worker"), AuditEvent{Action: "message.failed", ParticipantCode: w.participantCode(ctx, q, m.ParticipantID), Details: map[string]any{"message_id": rawID, "code": "retries_exhausted"}})
		return err
	})
	if err != nil {
		w.log.Error("worker: marking dead-lettered message failed", "message_id", rawID, "err", redactErr(err))
	}
}
