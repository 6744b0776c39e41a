package gateway

// Reconciliation asks the provider about messages whose outcome we do not
// know, and resolves them forward. Invariants:
//   - It runs on the scheduler leader only, every ReconcileEvery, a bounded
//     number of messages per pass, and stops a pass at the first provider
//     error (a provider that is down is not hammered).
//   - With a provider id: the provider's status, mapped forward (the
//     provider holding a message means at least sent). Never backwards.
//   - Without one (unknown after a timeout or a crash, or a send whose
//     record was lost): the provider's messages to her number since the
//     message was created are listed. Twilio does not return a message's
//     StatusCallback, so one is matched by its text, among the listed
//     messages whose id we have not recorded for another message. Exactly
//     one match: it is ours (sid recorded, status forward). No match in a
//     complete listing: proven never sent — back to the queue (the worker
//     re-checks her consent and safe window before sending, as for any
//     message) unless it is older than TooLate, then failed with
//     never_sent_too_late. Several matches, or a listing cut at its limit:
//     not proven; it stays unknown for staff, with a log line.
//   - `unknown` thus means only "the provider may have it": everything the
//     provider can answer about is resolved.
//   - Her number and the text are used for the provider call and the
//     comparison only, never logged or stored.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/keys"
)

// ProviderLookup is what reconciliation asks the provider (channels.Twilio).
type ProviderLookup interface {
	FetchMessageStatus(ctx context.Context, sid string) (string, error)
	ListMessagesTo(ctx context.Context, channel, to string, after time.Time, limit int) ([]channels.ProviderMessage, error)
}

// ReconcileConfig tunes reconciliation (defaults in parentheses).
type ReconcileConfig struct {
	Every time.Duration // between passes (30 s)
	// UnknownSettle: an unknown message is asked about once it has been
	// unknown this long (1 min: a request in flight has reached the provider).
	UnknownSettle time.Duration
	// StuckAfter: a message sending or sent for this long is asked about (10 min).
	StuckAfter time.Duration
	// Lookback: messages created earlier are left alone (48 h).
	Lookback time.Duration
	// TooLate: a message proven never sent that is older than this fails
	// (never_sent_too_late) instead of going back to the queue (6 h).
	TooLate time.Duration
	Batch   int // messages per pass (50)
	// ListLimit: messages listed per recipient (50); a full listing proves nothing.
	ListLimit int
}

func (c *ReconcileConfig) defaults() {
	if c.Every == 0 {
		c.Every = 30 * time.Second
	}
	if c.UnknownSettle == 0 {
		c.UnknownSettle = time.Minute
	}
	if c.StuckAfter == 0 {
		c.StuckAfter = 10 * time.Minute
	}
	if c.Lookback == 0 {
		c.Lookback = 48 * time.Hour
	}
	if c.TooLate == 0 {
		c.TooLate = 6 * time.Hour
	}
	if c.Batch == 0 {
		c.Batch = 50
	}
	if c.ListLimit == 0 {
		c.ListLimit = 50
	}
}

// SetProviderLookup turns reconciliation on (serve does, with Twilio).
func (s *Server) SetProviderLookup(l ProviderLookup, cfg ReconcileConfig) {
	cfg.defaults()
	s.providerLookup, s.reconcileCfg = l, cfg
}

// reconcile is the scheduler step; see the file comment.
func (sc *Scheduler) reconcile(ctx context.Context, now time.Time) (int, error) {
	s := sc.s
	if s.providerLookup == nil || now.Sub(sc.lastReconcile) < s.reconcileCfg.Every {
		return 0, nil
	}
	sc.lastReconcile = now
	cfg := s.reconcileCfg
	rows, err := s.q.ReconcileCandidates(ctx, db.ReconcileCandidatesParams{Since: now.Add(-cfg.Lookback),
		UnknownBefore: now.Add(-cfg.UnknownSettle), StuckBefore: now.Add(-cfg.StuckAfter), MaxRows: int32(cfg.Batch)})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range rows {
		if m.ProviderID.Valid && m.Status == StatusSending {
			continue // cannot happen: sending never has a provider id
		}
		changed, err := sc.reconcileOne(ctx, m, now)
		if err != nil {
			var se *channels.SendError
			if errors.As(err, &se) && se.Code == "not_found" {
				sc.log.Warn("reconcile: the provider does not know this message's id; left for staff", "message_id", m.ID.String())
				continue
			}
			return n, err
		}
		if changed {
			n++
		}
	}
	return n, nil
}

func (sc *Scheduler) reconcileOne(ctx context.Context, m db.ReconcileCandidatesRow, now time.Time) (bool, error) {
	s := sc.s
	if m.ProviderID.Valid {
		st, err := s.providerLookup.FetchMessageStatus(ctx, m.ProviderID.String)
		if err != nil {
			return false, err
		}
		return sc.resolve(ctx, m, m.ProviderID.String, st, now)
	}
	if m.Status == StatusSent {
		return false, nil // a sink's record: nothing to ask
	}
	full, err := s.q.MessageByID(ctx, m.ID)
	if err != nil {
		return false, err
	}
	p, err := s.q.ParticipantByID(ctx, m.ParticipantID)
	if err != nil {
		return false, err
	}
	numEnc := p.PhoneEnc
	if m.Channel == string(consent.WhatsApp) && len(p.WhatsappEnc) > 0 {
		numEnc = p.WhatsappEnc
	}
	num, err := s.keys.Open(keys.Contact, numEnc)
	if err != nil {
		return false, err
	}
	raw, err := s.keys.Open(keys.Body, full.ContentEnc)
	if err != nil {
		return false, err
	}
	var c content
	if err := json.Unmarshal(raw, &c); err != nil {
		return false, err
	}
	limit := s.reconcileCfg.ListLimit
	listed, err := s.providerLookup.ListMessagesTo(ctx, m.Channel, string(num), m.CreatedAt.Add(-time.Minute), limit)
	if err != nil {
		return false, err
	}
	var match []channels.ProviderMessage
	for _, pm := range listed {
		if pm.Body != c.Text || c.Text == "" {
			continue
		}
		taken, err := s.q.ProviderIDRecorded(ctx, sql.NullString{String: pm.Sid, Valid: true})
		if err != nil {
			return false, err
		}
		if !taken {
			match = append(match, pm)
		}
	}
	switch {
	case len(match) == 1:
		return sc.resolve(ctx, m, match[0].Sid, match[0].Status, now)
	case len(match) > 1 || len(listed) >= limit || c.Text == "":
		sc.log.Warn("reconcile: cannot tell which provider message is this one; left unknown for staff", "message_id", m.ID.String(), "candidates", len(match))
		return false, nil
	}
	return sc.neverSent(ctx, m, now)
}

// resolve records what the provider says about a message: its id and a
// status at least "sent" (the provider has it), forward only.
func (sc *Scheduler) resolve(ctx context.Context, m db.ReconcileCandidatesRow, sid, providerStatus string, now time.Time) (bool, error) {
	status := providerStatus
	if statusRank(status) < statusRank(StatusSent) {
		status = StatusSent
	}
	changed := false
	err := db.InTx(ctx, sc.s.db, func(q *db.Queries, _ *sql.Tx) error {
		cur, err := q.MessageByIDForUpdate(ctx, m.ID)
		if err != nil {
			return err
		}
		if cur.ProviderID.Valid && cur.ProviderID.String != sid || statusRank(status) <= statusRank(cur.Status) && cur.ProviderID.Valid {
			return nil
		}
		if statusRank(status) <= statusRank(cur.Status) {
			status = cur.Status // only the provider id is news
		}
		var p statusSet
		p.add(m.ID, status, sid, providerStatus, "")
		if err := q.SetStatusMany(ctx, p.params(now)); err != nil {
			return err
		}
		changed = true
		if status == cur.Status {
			return nil
		}
		if err := q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: m.ID, Status: status, At: now, Code: sql.NullString{String: "reconciled", Valid: true}}); err != nil {
			return err
		}
		_, err = Append(ctx, q, SystemActor("reconcile"), AuditEvent{Action: "message." + status, ParticipantCode: sc.participantCode(ctx, q, m.ParticipantID),
			Details: map[string]any{"message_id": m.ID.String(), "provider_status": providerStatus, "reconciled_from": cur.Status}})
		return err
	})
	return changed, err
}

// neverSent settles a message the provider proved it never saw.
func (sc *Scheduler) neverSent(ctx context.Context, m db.ReconcileCandidatesRow, now time.Time) (bool, error) {
	changed := false
	sys := SystemActor("reconcile")
	err := db.InTx(ctx, sc.s.db, func(q *db.Queries, _ *sql.Tx) error {
		cur, err := q.MessageByIDForUpdate(ctx, m.ID)
		if err != nil {
			return err
		}
		if cur.Status != m.Status || cur.ProviderID.Valid {
			return nil // it moved meanwhile
		}
		code := sc.participantCode(ctx, q, m.ParticipantID)
		if now.Sub(m.CreatedAt) > sc.s.reconcileCfg.TooLate {
			moved, err := moveStatus(ctx, q, m.ID, StatusFailed, "never_sent_too_late", now)
			if err != nil || !moved {
				return err
			}
			changed = true
			_, err = Append(ctx, q, sys, AuditEvent{Action: "message.failed", ParticipantCode: code, Details: map[string]any{"message_id": m.ID.String(), "code": "never_sent_too_late"}})
			return err
		}
		n, err := q.ScheduleRetry(ctx, db.ScheduleRetryParams{ID: m.ID, SendAt: now, Now: now, Code: "never_sent"})
		if err != nil || n == 0 {
			return err
		}
		changed = true
		if err := q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: m.ID, Status: StatusScheduled, At: now, Code: sql.NullString{String: "never_sent", Valid: true}}); err != nil {
			return err
		}
		_, err = Append(ctx, q, sys, AuditEvent{Action: "message.requeued", ParticipantCode: code, Details: map[string]any{"message_id": m.ID.String(), "code": "never_sent", "was": m.Status}})
		return err
	})
	return changed, err
}

func (sc *Scheduler) participantCode(ctx context.Context, q *db.Queries, id int64) string {
	p, err := q.ParticipantByID(ctx, id)
	if err != nil {
		return ""
	}
	return p.Code
}
