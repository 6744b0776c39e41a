package message

import (
	"context"
	"database/sql"
	"time"

	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/runner"
)

// Retention. A message body (messages.content_enc, what her phone showed)
// is needed only until the provider has it. It is deleted (set NULL)
// retention after the message became final (final_at: delivered, read,
// failed, undelivered, dropped, unknown), or, for a message the provider
// took but that never got a final status (no delivery report), retention
// after its last update. The message row, its status history and the
// audit events stay; so does the sealed copy of the sent text in the
// audit log, which only the programme's audit secret key opens.
//
// The scheduler leader runs PurgeBodies every retentionEvery (purgeBodiesStep).

const purgeBatch = 1000

// retentionEvery is how often the scheduler leader purges expired bodies.
const retentionEvery = time.Minute

// PurgeBodies deletes the bodies that expired before now-retention and
// records each batch in the audit log. It returns how many it deleted.
func PurgeBodies(ctx context.Context, pool *sql.DB, now time.Time, retention time.Duration) (int64, error) {
	cutoff := now.Add(-retention)
	var total int64
	for {
		var n int64
		err := db.InTx(ctx, pool, func(q *db.Queries, _ *sql.Tx) error {
			final, err := q.PurgeFinalBodies(ctx, db.PurgeFinalBodiesParams{Cutoff: cutoff, MaxRows: purgeBatch})
			if err != nil {
				return err
			}
			sent, err := q.PurgeSentBodies(ctx, db.PurgeSentBodiesParams{Cutoff: cutoff, MaxRows: purgeBatch})
			if err != nil {
				return err
			}
			n = final + sent
			if n == 0 {
				return nil
			}
			_, err = audit.Append(ctx, q, auth.SystemActor("retention"), audit.Event{Action: ActionBodiesPurged, Details: map[string]any{
				"final": final, "sent_no_final_status": sent, "cutoff": cutoff.UTC(), "retention": retention.String(),
			}})
			return err
		})
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}

// purgeBodiesStep is the scheduler step that runs PurgeBodies at most
// every retentionEvery, with the configured retention.
func purgeBodiesStep(pool *sql.DB, retention time.Duration) runner.Step {
	var last time.Time
	return runner.Step{Name: "purge_bodies", Run: func(ctx context.Context, now time.Time) (int, error) {
		if now.Sub(last) < retentionEvery {
			return 0, nil
		}
		if _, err := PurgeBodies(ctx, pool, now, retention); err != nil {
			return 0, err
		}
		last = now
		// Not work for the relay: 0.
		return 0, nil
	}}
}
