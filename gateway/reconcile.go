package gateway

// Reconciliation asks the provider about messages whose outcome we do not
// know, and resolves them forward. Invariants:
//   - It runs on the scheduler leader only (under the scheduler's leader
//     lock) but in its own goroutine with its own ticker, never inside the
//     scheduler's tick: provider round-trips must not hold back retries,
//     check-in deadlines or escalations. Each provider call has CallTimeout,
//     each pass PassBudget; a pass ends when leadership is lost. A message
//     whose channel's breaker is open (the provider is failing) is not asked
//     about: it waits for the next pass. Every ReconcileEvery, a bounded
//     number of messages per pass. Every message looked at gets its next
//     check time (backoff from RecheckAfter, doubling up to RecheckMax) and
//     a count of checks; candidates are taken by next check time, and a sent
//     message is dropped after SentChecks answers (carriers that never
//     report delivery). So rows that cannot change never starve the others.
//   - An error about one message (provider, database, keys) is logged by
//     message id and that message waits for its next check; the pass goes on.
//   - With a provider id: the provider's status, mapped forward (the
//     provider holding a message means at least sent). Never backwards.
//   - Without one (unknown after a timeout or a crash, or a send whose
//     record was lost): the provider's messages to her number are listed
//     and one is matched by its text, among the listed messages whose id we
//     have not recorded for another message. Exactly one match: it is ours
//     (sid recorded, status forward). Anything else proves nothing: a
//     listing filters on the provider's send date (a message still in its
//     queue is absent), the provider may rewrite the body (encoding,
//     opt-out text, templates) or not keep it (RequestRedaction). So a
//     message is never put back in the queue from here: a send that may
//     have left stays unknown, explained (code reconcile_unproven, a Warn
//     line, safecontact_reconcile_unproven_total), for staff. Messages the
//     worker knows never left (the provider refused them, or the dial
//     failed) are retried by the worker itself, not by reconciliation.
//   - List matching is off for template sends (ContentSID: the provider's
//     body is its own rendering) and when the provider keeps neither body
//     nor number (NoListMatch, set from RequestRedaction).
//   - `unknown` thus means only "the provider may have it".
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
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/keys"

	"github.com/prometheus/client_golang/prometheus"
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
	// StuckAfter: a message sending or sent for this long is asked about (2 min:
	// a delivery report normally arrives within seconds, so a message still sent
	// after two minutes has most likely lost its callback).
	StuckAfter time.Duration
	// Lookback: messages created earlier are left alone (48 h).
	Lookback time.Duration
	// NoListMatch turns matching by listing off (the provider keeps
	// neither body nor number: channels.TwilioConfig.RequestRedaction).
	NoListMatch bool
	Batch       int // messages per pass (50)
	// RecheckAfter: a message looked at is not looked at again for this
	// long, doubled per check up to RecheckMax (5 min, 6 h).
	RecheckAfter, RecheckMax time.Duration
	// SentChecks: a sent message is asked about at most this many times (3).
	SentChecks int
	// CallTimeout bounds one provider call (5 s); PassBudget one pass (20 s).
	CallTimeout, PassBudget time.Duration
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
		c.StuckAfter = 2 * time.Minute
	}
	if c.Lookback == 0 {
		c.Lookback = 48 * time.Hour
	}
	if c.Batch == 0 {
		c.Batch = 50
	}
	if c.RecheckAfter == 0 {
		c.RecheckAfter = 5 * time.Minute
	}
	if c.RecheckMax == 0 {
		c.RecheckMax = 6 * time.Hour
	}
	if c.SentChecks == 0 {
		c.SentChecks = 3
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = 5 * time.Second
	}
	if c.PassBudget == 0 {
		c.PassBudget = 20 * time.Second
	}
	if c.ListLimit == 0 {
		c.ListLimit = 50
	}
}

// SetProviderLookup turns reconciliation on (serve does, with Twilio).
func (s *Server) SetProviderLookup(l ProviderLookup, cfg ReconcileConfig) {
	cfg.defaults()
	s.providerLookup, s.reconcileCfg = l, cfg
	s.reconcileUnproven = register(s.reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "safecontact_reconcile_unproven_total",
		Help: "Messages without a provider id that reconciliation could not place (left unknown for staff), by reason: no_match, ambiguous, template, list_match_off.",
	}, []string{"reason"}))
}

// reconcileLoop runs passes every ReconcileConfig.Every until ctx ends
// (the scheduler cancels it when it stops leading, and waits for it).
func (sc *Scheduler) reconcileLoop(ctx context.Context) {
	if sc.s.providerLookup == nil {
		return
	}
	t := time.NewTicker(sc.s.reconcileCfg.Every)
	defer t.Stop()
	for {
		if _, err := sc.reconcile(ctx, sc.s.now()); err != nil && ctx.Err() == nil {
			sc.log.Warn("reconcile: pass", "err", httpx.RedactErr(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reconcile is one pass; see the file comment.
func (sc *Scheduler) reconcile(ctx context.Context, now time.Time) (int, error) {
	s := sc.s
	if s.providerLookup == nil {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.reconcileCfg.PassBudget)
	defer cancel()
	cfg := s.reconcileCfg
	rows, err := s.q.ReconcileCandidates(ctx, db.ReconcileCandidatesParams{Since: now.Add(-cfg.Lookback),
		UnknownBefore: now.Add(-cfg.UnknownSettle), StuckBefore: now.Add(-cfg.StuckAfter), Now: now,
		SentChecks: int32(cfg.SentChecks), MaxRows: int32(cfg.Batch)})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range rows {
		if ctx.Err() != nil {
			return n, nil // budget spent or leadership lost: the rest wait
		}
		if s.providers.failing(m.Channel) {
			continue // the provider is failing: not asked now, not counted
		}
		// Checked first: whatever comes of this look, the row waits its turn.
		if err := s.q.MarkReconcileChecked(ctx, db.MarkReconcileCheckedParams{ID: m.ID,
			NextAt: sql.NullTime{Time: now.Add(cfg.nextCheckIn(m.ReconcileChecks)), Valid: true}}); err != nil {
			return n, err
		}
		changed, err := sc.reconcileOne(ctx, m, now)
		if err != nil {
			var se *channels.SendError
			if errors.As(err, &se) && se.Code == "not_found" {
				sc.log.Warn("reconcile: the provider does not know this message's id; left for staff", "message_id", m.ID.String())
			} else {
				sc.log.Warn("reconcile: could not settle this message; asked again later", "message_id", m.ID.String(), "err", httpx.RedactErr(err))
			}
			continue
		}
		if changed {
			n++
		}
	}
	return n, nil
}

// nextCheckIn is how long a message checked `checks` times before waits.
func (c ReconcileConfig) nextCheckIn(checks int32) time.Duration {
	d := c.RecheckAfter
	for range checks {
		if d >= c.RecheckMax {
			break
		}
		d *= 2
	}
	return min(d, c.RecheckMax)
}

func (sc *Scheduler) reconcileOne(ctx context.Context, m db.ReconcileCandidatesRow, now time.Time) (bool, error) {
	s := sc.s
	if m.ProviderID.Valid {
		cctx, cancel := context.WithTimeout(ctx, s.reconcileCfg.CallTimeout)
		st, err := s.providerLookup.FetchMessageStatus(cctx, m.ProviderID.String)
		cancel()
		if err != nil {
			return false, err
		}
		return sc.resolve(ctx, m, m.ProviderID.String, st, now)
	}
	if m.Status == StatusSent {
		return false, nil // a sink's record: nothing to ask
	}
	if s.reconcileCfg.NoListMatch {
		return sc.unproven(ctx, m, "list_match_off", now)
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
	if c.ContentSID != "" || c.Text == "" {
		return sc.unproven(ctx, m, "template", now)
	}
	limit := s.reconcileCfg.ListLimit
	cctx, cancel := context.WithTimeout(ctx, s.reconcileCfg.CallTimeout)
	defer cancel()
	listed, err := s.providerLookup.ListMessagesTo(cctx, m.Channel, string(num), m.CreatedAt.Add(-time.Minute), limit)
	if err != nil {
		return false, err
	}
	var match []channels.ProviderMessage
	for _, pm := range listed {
		if pm.Body != c.Text {
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
	case len(match) > 1:
		return sc.unproven(ctx, m, "ambiguous", now)
	}
	return sc.unproven(ctx, m, "no_match", now)
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
		_, err = audit.Append(ctx, q, auth.SystemActor("reconcile"), audit.Event{Action: "message." + status, ParticipantCode: sc.participantCode(ctx, q, m.ParticipantID),
			Details: map[string]any{"message_id": m.ID.String(), "provider_status": providerStatus, "reconciled_from": cur.Status}})
		return err
	})
	return changed, err
}

// unproven records that the provider could not tell us about a message
// without a provider id. It is never requeued (see the file comment): a
// message still sending moves to unknown (code reconcile_unproven); one
// already unknown stays so. Either way it is counted and logged by id.
func (sc *Scheduler) unproven(ctx context.Context, m db.ReconcileCandidatesRow, why string, now time.Time) (bool, error) {
	sc.s.reconcileUnproven.WithLabelValues(why).Inc()
	sc.log.Warn("reconcile: the provider's listing does not prove where this message is; left unknown for staff", "message_id", m.ID.String(), "reason", why)
	if m.Status != StatusSending {
		return false, nil
	}
	changed := false
	err := db.InTx(ctx, sc.s.db, func(q *db.Queries, _ *sql.Tx) error {
		cur, err := q.MessageByIDForUpdate(ctx, m.ID)
		if err != nil {
			return err
		}
		if cur.Status != StatusSending || !cur.UpdatedAt.Equal(m.UpdatedAt) {
			return nil // it moved meanwhile
		}
		moved, err := moveStatus(ctx, q, m.ID, StatusUnknown, "reconcile_unproven", now)
		if err != nil || !moved {
			return err
		}
		changed = true
		_, err = audit.Append(ctx, q, auth.SystemActor("reconcile"), audit.Event{Action: "message.unknown", ParticipantCode: sc.participantCode(ctx, q, m.ParticipantID),
			Details: map[string]any{"message_id": m.ID.String(), "code": "reconcile_unproven", "reason": why}})
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
