package delivery

// Recording is retried, never the send. Invariants:
//   - A send the provider accepted is recorded (its provider id, status
//     sent) whatever the database does meanwhile: the worker retries the
//     record a few times at once; if the database still does not answer,
//     the receipts move to the spill, the queue entries are acknowledged
//     (a redelivery would read the row "sending" and mark it unknown), and
//     the spill records them as soon as the database answers again.
//   - The spill lives in memory and in one file, <data dir>/receipts.spill
//     (mode 0600, rewritten atomically on every change, removed when empty,
//     each change synced with its directory; the directory is made, and
//     synced, when the worker starts), so a process that stops with
//     receipts unrecorded replays them at its next start. It holds message
//     id, provider id, provider status and time only: never a number or a
//     text.
//   - A replayed receipt moves its message forward only (to sent, or a
//     later status a callback set meanwhile stays), so replaying twice or
//     after a callback changes nothing.
//   - Each entry is recorded in its own transaction: one entry the
//     database refuses for good (a constraint or data error, e.g. its
//     provider id already recorded for another message) is set aside with
//     an Error line (message id only) and never holds back the others. It
//     stays in the file for a person to look at (a restart tries it once
//     more). safecontact_receipt_spill_entries counts what the spill holds,
//     set aside or waiting: a value that does not fall is the alert.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"safecontact/db"
	"safecontact/durable"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
)

// spilled is one accepted send waiting for its record.
type spilled struct {
	MessageID      uuid.UUID `json:"message_id"`
	ProviderID     string    `json:"provider_id"`
	ProviderStatus string    `json:"provider_status"`
	At             time.Time `json:"at"`
}

// receiptSpill: see the file comment.
type receiptSpill struct {
	path    string // "" keeps the spill in memory only (tests without a data dir)
	mu      sync.Mutex
	entries map[uuid.UUID]spilled
	// aside: entries the database refused for good in this process; kept
	// (and in the file) but not replayed again until the next start.
	aside map[uuid.UUID]bool
}

const spillFile = "receipts.spill"

func openReceiptSpill(dir string) (*receiptSpill, error) {
	sp := &receiptSpill{entries: map[uuid.UUID]spilled{}, aside: map[uuid.UUID]bool{}}
	if dir == "" {
		return sp, nil
	}
	// Made now, not when the database first fails: a spill that cannot
	// write then would lose the receipts it exists to keep.
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	sp.path = filepath.Join(dir, spillFile)
	b, err := os.ReadFile(sp.path)
	if errors.Is(err, os.ErrNotExist) {
		return sp, nil
	} else if err != nil {
		return nil, err
	}
	var list []spilled
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, errors.New("receipt spill file is damaged; move it aside after checking its message ids")
	}
	for _, e := range list {
		sp.entries[e.MessageID] = e
	}
	return sp, nil
}

// add keeps entries and writes the file before returning.
func (sp *receiptSpill) add(es []spilled) error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, e := range es {
		sp.entries[e.MessageID] = e
	}
	return sp.writeLocked()
}

func (sp *receiptSpill) remove(ids []uuid.UUID) error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, id := range ids {
		delete(sp.entries, id)
	}
	return sp.writeLocked()
}

// setAside stops replaying an entry in this process (it stays in the file).
func (sp *receiptSpill) setAside(id uuid.UUID) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.aside[id] = true
}

// size is how many entries the spill holds, set aside or waiting.
func (sp *receiptSpill) size() int {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return len(sp.entries)
}

// list is the entries waiting to be replayed, oldest first.
func (sp *receiptSpill) list() []spilled {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	out := make([]spilled, 0, len(sp.entries))
	for id, e := range sp.entries {
		if !sp.aside[id] {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

func (sp *receiptSpill) writeLocked() error {
	if sp.path == "" {
		return nil
	}
	if len(sp.entries) == 0 {
		// Removed for good: a file a crash brings back replays receipts
		// already recorded (harmless, see above, but noise for a person).
		if err := durable.Remove(sp.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	list := make([]spilled, 0, len(sp.entries))
	for _, e := range sp.entries {
		list = append(list, e)
	}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return durable.Replace(sp.path, b, 0o600)
}

// ReplaySpill records spilled receipts until ctx ends: at once (what a
// previous process left), then every interval while any are waiting. Run
// runs it beside the consumers.
func (w *Worker) ReplaySpill(ctx context.Context) {
	for {
		w.replaySpillOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.cfg.SpillRetry):
		}
	}
}

// replaySpillOnce tries every waiting entry once, each on its own.
func (w *Worker) replaySpillOnce(ctx context.Context) {
	es := w.spill.list()
	var done []uuid.UUID
	for _, e := range es {
		err := w.recordSpilled(ctx, e)
		switch {
		case err == nil:
			done = append(done, e.MessageID)
		case permanentDBError(err):
			w.spill.setAside(e.MessageID)
			w.log.Error("worker: spilled receipt refused by the database; set aside in the spill file for a person to check", "message_id", e.MessageID.String(), "err", httpx.RedactErr(err))
		case ctx.Err() == nil:
			w.log.Warn("worker: recording a spilled receipt; retried", "message_id", e.MessageID.String(), "err", httpx.RedactErr(err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	if len(done) == 0 {
		return
	}
	if err := w.spill.remove(done); err != nil {
		w.log.Error("worker: receipt spill file", "err", err)
	}
	w.log.Info("worker: spilled receipts recorded", "messages", len(done))
}

// permanentDBError: the database refused the statement for what it holds
// (integrity constraint or data exception), so trying again changes nothing.
func permanentDBError(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (strings.HasPrefix(pg.Code, "23") || strings.HasPrefix(pg.Code, "22"))
}

// recordSpilled records one receipt in its own transaction: the message
// moves forward to sent with its provider id, with its event and its
// message.sent audit entry (the text sealed to the audit key, read back
// from the row).
func (w *Worker) recordSpilled(ctx context.Context, e spilled) error {
	now := w.s.now()
	sys := auth.SystemActor("worker")
	return db.InTx(ctx, w.s.db, func(q *db.Queries, _ *sql.Tx) error {
		m, err := q.MessageByIDForUpdate(ctx, e.MessageID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if m.ProviderID.Valid && m.ProviderID.String != e.ProviderID {
			w.log.Error("worker: spilled receipt disagrees with the recorded provider id; kept the recorded one", "message_id", m.ID.String())
			return nil
		}
		status := message.StatusSent
		if message.Rank(e.ProviderStatus) > message.Rank(status) {
			status = e.ProviderStatus // a test instance's sink
		}
		if message.Rank(m.Status) > message.Rank(status) {
			status = m.Status
		}
		var p message.StatusSet
		p.Add(m.ID, status, e.ProviderID, e.ProviderStatus, "")
		if err := q.SetStatusMany(ctx, p.Params(now)); err != nil {
			return err
		}
		if status == m.Status {
			return nil
		}
		if err := q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: m.ID, Status: status, At: now}); err != nil {
			return err
		}
		var sealed []byte
		if c, err := w.s.d.OpenContent(m.ContentEnc); err == nil {
			sealed = w.s.d.SealSent(m.ID.String(), c.Text)
		}
		d, _ := json.Marshal(map[string]any{"message_id": m.ID.String(), "channel": m.Channel, "recorded_late": true})
		if err := q.AppendAuditManySealed(ctx, db.AppendAuditManySealedParams{ActorName: sys.Name, ActorRole: string(sys.Role),
			Actions: db.Array([]string{message.ActionSent}), ParticipantCodes: db.Array([]string{w.participantCode(ctx, q, m.ParticipantID)}),
			Details: db.Array([]string{string(d)}), SealedContents: db.Array([][]byte{sealed})}); err != nil {
			return err
		}
		return nil
	})
}
