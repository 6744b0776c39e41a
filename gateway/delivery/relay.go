package delivery

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"safecontact/db"
	"safecontact/gateway/runner"
)

// Relay publishes outbox rows to JetStream. A row is deleted only after
// JetStream acknowledged its publish, in the same transaction that claimed
// it; a crash or a NATS outage leaves the rows in place, and the stream's
// duplicate window (Nats-Msg-Id = the outbox row) absorbs a republish. So a
// message is delayed by an outage, never lost or doubled.
type Relay struct {
	db    *sql.DB
	js    jetstream.JetStream
	log   *slog.Logger
	wake  chan struct{}
	batch int
	idle  time.Duration
	// linger: after a kick, how long to let further commits join the
	// pass (one claim, one delete, one commit for all of them).
	linger time.Duration
}

// NewRelay makes a relay. Kick wakes it right after a commit; otherwise it
// polls every idle interval (other processes' rows, retries after errors).
func NewRelay(pool *sql.DB, js jetstream.JetStream, log *slog.Logger) *Relay {
	return &Relay{db: pool, js: js, log: log, wake: make(chan struct{}, 1), batch: 256, idle: 100 * time.Millisecond, linger: 5 * time.Millisecond}
}

// Kick tells the relay there is new work. It never blocks.
func (r *Relay) Kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) {
	backoff := r.idle
	for ctx.Err() == nil {
		n, err := r.Flush(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("outbox relay", "err", err, "retry_in_ms", backoff.Milliseconds())
			}
			runner.Sleep(ctx, backoff)
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = r.idle
		if n == r.batch {
			continue // more is waiting
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
			runner.Sleep(ctx, r.linger)
		case <-time.After(r.idle):
		}
	}
}

// Flush publishes one batch and returns how many rows it relayed.
func (r *Relay) Flush(ctx context.Context) (int, error) {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	q := db.New(tx)
	rows, err := q.ClaimOutbox(ctx, int32(r.batch))
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	futures := make([]jetstream.PubAckFuture, len(rows))
	for i, row := range rows {
		// The dedup id is the outbox row, not the message: a message can be
		// queued twice (rescheduled when her window closed), and the second
		// publish must not be dropped as a duplicate of the first.
		id := row.MessageID.String()
		futures[i], err = r.js.PublishAsync(row.Subject, []byte(id), jetstream.WithMsgID("outbox-"+strconv.FormatInt(row.ID, 10)))
		if err != nil {
			return 0, err
		}
	}
	acked := make([]int64, 0, len(rows))
	// Rows not acknowledged in time stay in the outbox for the next pass.
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var firstErr error
waitAcks:
	for i, f := range futures {
		select {
		case <-f.Ok():
			acked = append(acked, rows[i].ID)
		case err := <-f.Err():
			if firstErr == nil {
				firstErr = err
			}
		case <-wait.Done():
			firstErr = wait.Err()
			break waitAcks
		}
	}
	if len(acked) > 0 {
		if err := q.DeleteOutbox(ctx, acked); err != nil {
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return len(acked), firstErr
}
