package delivery

// Reconciliation asks the provider about messages whose outcome we do not
// know, and resolves them forward. Invariants:
//   - It runs on the scheduler leader only (under the scheduler's leader
//     lock) but in its own goroutine with its own ticker, never inside the
//     scheduler's tick: provider round-trips must not hold back retries,
//     check-in deadlines or escalations. Each provider request has
//     CallTimeout (a paged listing of her messages: each page, and the
//     listing ListBudget), each pass PassBudget; a pass ends when leadership is lost. A message
//     whose channel's breaker is open (the provider is failing) is not asked
//     about: it waits for the next pass. Every ReconcileEvery, a bounded
//     number of messages per pass. Every message looked at gets its next
//     check time (backoff from RecheckAfter, doubling up to RecheckMax) and
//     a count of checks; candidates are taken by next check time, and a sent
//     message is dropped after SentChecks answers (carriers that never
//     report delivery). So rows that cannot change never starve the others.
//   - An error about one message (provider, database, keys) is logged by
//     message id and that message waits for its next check; the pass goes on.
//   - Candidates are found by send_at (when the message was due to go), not
//     created_at: a reminder written days ahead can be sent, and lose its
//     delivery report, long after it was created. Lookback bounds send_at.
//   - With a provider id: the provider's status, mapped forward (the
//     provider holding a message means at least sent). Never backwards.
//     Many at once (a burst of lost delivery reports, at up to hundreds a
//     second) are settled by send window: candidates in send order, a
//     window from the first one's send_at to the last one's record time
//     (plus WindowSlack), one paged listing of every message the provider
//     sent in it (Twilio's DateSent> and DateSent<, which take whole GMT
//     days: the client applies the window itself; 1,000 a page), matched
//     by sid. A few thousand messages cost a few calls instead of one fetch
//     each. The listing is not filtered by recipient: a burst spans many
//     recipients, and a filter would mean a call per recipient. What the
//     listing does not show (still in the provider's queue, so no
//     date_sent; beyond WindowMax) proves nothing: it is fetched one by one
//     as before, within Batch per pass. Fewer than WindowMin candidates are
//     simply fetched.
//   - Without one (unknown after a timeout or a crash, or a send whose
//     record was lost): the provider's messages to her number are listed
//     and one is matched by its text (not by our message id: it travels
//     only in the StatusCallback URL, which Twilio's Message resource does
//     not return, and the Messages API has no field of ours to carry it),
//     among the listed messages whose id we have not recorded for another
//     message. Her listing is newest first, so it is read down to the
//     message's send window, past every message she was sent since (a
//     gateway killed mid-send leaves the message unknown while her later
//     messages keep going out), up to ListLimit of hers: a listing cut
//     before the window by ListLimit was never shown the message, and
//     says so (reason listing_cut, not no_match, even when the part it read holds one
//     match: the unread part may hold ours). Exactly one match on a
//     listing that reached the window: it is ours
//     (sid recorded, status forward). Anything else proves nothing: a
//     listing filters on the provider's send date (a message still in its
//     queue is absent), the provider may rewrite the body (encoding,
//     opt-out text, templates) or not keep it (RequestRedaction). So a
//     message is never put back in the queue from here: a send that may
//     have left stays unknown, explained (code reconcile_unproven, a Warn
//     line, safecontact_reconcile_unproven_total), for staff. Messages the
//     worker knows never left (the provider refused them, or the dial
//     failed) are retried by the worker itself, not by reconciliation.
//   - Her listing running out of time (a page over CallTimeout, the
//     listing over ListBudget) is an error, asked again at the next check,
//     not listing_cut; after SlowListings such checks in a row of the same
//     message (counted by the reconciler), it is unproven as listing_slow:
//     a provider always too slow for her listing does not keep a message
//     sending until it ages past Lookback.
//   - List matching is off for template sends (ContentSID: the provider's
//     body is its own rendering) and when the provider keeps neither body
//     nor number (NoListMatch, set from RequestRedaction).
//   - `unknown` thus means only "the provider may have it".
//   - Her number and the text are used for the provider call and the
//     comparison only, never logged or stored.

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
	"safecontact/keys"
)

// ProviderLookup is what reconciliation asks the provider (channels.Twilio).
// Her listing is read with CallTimeout per page's request, each on its
// own (see channels.Twilio.ListMessagesToPaged); a slow page fails the
// listing, it does not shorten it.
type ProviderLookup interface {
	FetchMessageStatus(ctx context.Context, sid string) (string, error)
	ListMessagesToPaged(ctx context.Context, channel, to string, after time.Time, limit int, pageTimeout time.Duration) ([]channels.ProviderMessage, bool, error)
	ListMessagesSent(ctx context.Context, channel, to string, after, before time.Time, limit int) ([]channels.ProviderMessage, bool, error)
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
	// Lookback: messages due to be sent (send_at) earlier are left alone (48 h).
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
	// CallTimeout bounds one provider request (5 s): a fetch, or one page
	// of her listing (a deeper listing is not failed by one deadline over
	// all its pages). ListBudget bounds one listing of hers, all its pages
	// (3 × CallTimeout), so one slow, deep listing cannot take the whole
	// pass from the messages after it. A page or listing out of time is an
	// error: the message is asked about again at its next check, never
	// counted as listing_cut (that would leave it unknown for a slow
	// provider, not for anything about her), until SlowListings checks in
	// a row ran out of time (see SlowListings). PassBudget bounds one pass
	// (20 s), every listing in it included.
	CallTimeout, ListBudget, PassBudget time.Duration
	// SlowListings: after this many checks in a row of the same message
	// whose listing ran out of time (a page over CallTimeout, or the
	// listing over ListBudget, the pass still in time), the message is
	// unproven with reason listing_slow (3): a provider always too slow
	// for her listing would otherwise keep it sending, with only Warn
	// lines, until it ages past Lookback. The count is the reconciler's
	// (this process's, while it leads): a restart or a change of leader
	// starts it again, which only delays the verdict.
	SlowListings int
	// ListLimit: her messages read, at most, to find one whose send was
	// never recorded (1,000: one page of Twilio's). Her listing is newest
	// first: a listing cut by it before the message's send window (more of
	// her messages sent since) proves nothing (reason listing_cut).
	ListLimit int
	// Settling by send window (see the file comment). WindowMin: fewer
	// candidates with a provider id than this are fetched one by one (10).
	// WindowBatch: candidates per window (2,000). WindowMax: the provider's
	// messages listed per window, at most (20,000: 20 pages). WindowSlack:
	// the window reaches this far beyond the candidates' send and record
	// times (10 s: clock skew and the provider's own queue). WindowTimeout:
	// one listing, all its pages (10 s).
	WindowMin, WindowBatch, WindowMax int
	WindowSlack, WindowTimeout        time.Duration
}

// WithDefaults is c with its zero fields set to their defaults (the
// values in parentheses above). The gateway's configuration fills them
// once (gateway/config.go); SetProviderLookup fills them again for a
// caller that did not.
func (c ReconcileConfig) WithDefaults() ReconcileConfig {
	c.Every = cmp.Or(c.Every, 30*time.Second)
	c.UnknownSettle = cmp.Or(c.UnknownSettle, time.Minute)
	c.StuckAfter = cmp.Or(c.StuckAfter, 2*time.Minute)
	c.Lookback = cmp.Or(c.Lookback, 48*time.Hour)
	c.Batch = cmp.Or(c.Batch, 50)
	c.RecheckAfter = cmp.Or(c.RecheckAfter, 5*time.Minute)
	c.RecheckMax = cmp.Or(c.RecheckMax, 6*time.Hour)
	c.SentChecks = cmp.Or(c.SentChecks, 3)
	c.CallTimeout = cmp.Or(c.CallTimeout, 5*time.Second)
	c.ListBudget = cmp.Or(c.ListBudget, 3*c.CallTimeout)
	c.PassBudget = cmp.Or(c.PassBudget, 20*time.Second)
	c.SlowListings = cmp.Or(c.SlowListings, 3)
	c.ListLimit = cmp.Or(c.ListLimit, 1000)
	c.WindowMin = cmp.Or(c.WindowMin, 10)
	c.WindowBatch = cmp.Or(c.WindowBatch, 2000)
	c.WindowMax = cmp.Or(c.WindowMax, 20000)
	c.WindowSlack = cmp.Or(c.WindowSlack, 10*time.Second)
	c.WindowTimeout = cmp.Or(c.WindowTimeout, 10*time.Second)
	return c
}

// SetProviderLookup turns reconciliation on (serve does, with Twilio).
// Unset fields of cfg take their defaults (ReconcileConfig.WithDefaults).
func (s *Service) SetProviderLookup(l ProviderLookup, cfg ReconcileConfig) {
	cfg = cfg.WithDefaults()
	s.providerLookup, s.reconcileCfg = l, cfg
	s.reconcileUnproven = register(s.reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "safecontact_reconcile_unproven_total",
		Help: "Messages without a provider id that reconciliation could not place (left unknown for staff), by reason: no_match, listing_cut, listing_slow, ambiguous, template, list_match_off.",
	}, []string{"reason"}))
	s.reconcileListed = register(s.reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "safecontact_reconcile_listed_total",
		Help: "Provider messages read by reconciliation's listings by send window (its cost in provider records; a page holds up to 1,000).",
	}))
}

// reconciler runs reconciliation passes over the service's database and
// provider lookup.
type reconciler struct {
	s   *Service
	log *slog.Logger

	// slowMu guards slow: per message, its checks in a row whose listing
	// of hers ran out of time (ReconcileConfig.SlowListings). An entry
	// goes when its listing completes or fails otherwise, when the
	// message is unproven for it, or once its last slow check is older
	// than Lookback (the message is no longer a candidate).
	slowMu sync.Mutex
	slow   map[uuid.UUID]slowListing
}

// slowListing is one message's run of listings out of time.
type slowListing struct {
	n    int
	last time.Time
}

// listingSlow counts one more check of id whose listing ran out of time
// and says whether that makes SlowListings in a row (the run then ends).
func (sc *reconciler) listingSlow(id uuid.UUID, now time.Time) bool {
	sc.slowMu.Lock()
	defer sc.slowMu.Unlock()
	if sc.slow == nil {
		sc.slow = map[uuid.UUID]slowListing{}
	}
	e := sc.slow[id]
	e.n++
	e.last = now
	if e.n >= sc.s.reconcileCfg.SlowListings {
		delete(sc.slow, id)
		return true
	}
	sc.slow[id] = e
	return false
}

// listingDone ends id's run of slow listings (its listing answered, or
// failed for another reason).
func (sc *reconciler) listingDone(id uuid.UUID) {
	sc.slowMu.Lock()
	defer sc.slowMu.Unlock()
	delete(sc.slow, id)
}

// forgetSlow drops the runs whose last slow check is before since, or
// every run with all.
func (sc *reconciler) forgetSlow(since time.Time, all bool) {
	sc.slowMu.Lock()
	defer sc.slowMu.Unlock()
	for id, e := range sc.slow {
		if all || e.last.Before(since) {
			delete(sc.slow, id)
		}
	}
}

// reconcileLoop runs passes every ReconcileConfig.Every until ctx ends
// (the scheduler cancels it when it stops leading, and waits for it).
func (sc *reconciler) reconcileLoop(ctx context.Context) {
	if sc.s.providerLookup == nil {
		return
	}
	// Runs counted while this process led before are not in a row with
	// the checks another leader made meanwhile.
	sc.forgetSlow(time.Time{}, true)
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
func (sc *reconciler) reconcile(ctx context.Context, now time.Time) (int, error) {
	s := sc.s
	if s.providerLookup == nil {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.reconcileCfg.PassBudget)
	defer cancel()
	cfg := s.reconcileCfg
	sc.forgetSlow(now.Add(-cfg.Lookback), false)
	n, rows, err := sc.reconcileWindows(ctx, now)
	if err != nil {
		if ctx.Err() != nil {
			return n, nil
		}
		// The per-message path below still runs: it is the fallback.
		sc.log.Warn("reconcile: listing by send window", "err", httpx.RedactErr(err))
	}
	if len(rows) > cfg.Batch {
		rows = rows[:cfg.Batch] // the rest wait for the next pass
	}
	if len(rows) < cfg.Batch {
		more, err := s.q.ReconcileCandidates(ctx, db.ReconcileCandidatesParams{Since: now.Add(-cfg.Lookback),
			UnknownBefore: now.Add(-cfg.UnknownSettle), StuckBefore: now.Add(-cfg.StuckAfter), Now: now,
			SentChecks: int32(cfg.SentChecks), MaxRows: int32(cfg.Batch)})
		if err != nil {
			return n, err
		}
		have := make(map[uuid.UUID]bool, len(rows))
		for _, r := range rows {
			have[r.ID] = true
		}
		for _, r := range more {
			if len(rows) < cfg.Batch && !have[r.ID] {
				rows = append(rows, r)
			}
		}
	}
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

// reconcileWindows settles candidates that carry a provider id from
// listings of the provider's messages by send window: candidates in send
// order, WindowBatch at a time, one paged listing for the window they
// span, matched by sid. A listed message is settled (forward only) and
// checked like a fetched one. A listing cut by WindowMax before it reached
// the window's older edge (a busy account: the provider filters by whole
// days, so the listing starts at the newest message of the window's last
// day) is followed by one listing per recipient for recipients with
// several candidates left. What no listing shows proves nothing (the
// provider's queue, a cut listing): those rows are returned for the
// per-message path. It returns how many changed.
func (sc *reconciler) reconcileWindows(ctx context.Context, now time.Time) (int, []db.ReconcileCandidatesRow, error) {
	s, cfg := sc.s, sc.s.reconcileCfg
	n := 0
	var left []db.ReconcileCandidatesRow
	var seen []uuid.UUID
	for ctx.Err() == nil {
		rows, err := s.q.ReconcileListCandidates(ctx, db.ReconcileListCandidatesParams{Since: now.Add(-cfg.Lookback),
			UnknownBefore: now.Add(-cfg.UnknownSettle), StuckBefore: now.Add(-cfg.StuckAfter), Now: now,
			SentChecks: int32(cfg.SentChecks), Seen: db.Array(seen), MaxRows: int32(cfg.WindowBatch)})
		if err != nil {
			return n, left, err
		}
		var cands []db.ReconcileCandidatesRow
		for _, r := range rows {
			seen = append(seen, r.ID)
			if !s.providers.failing(r.Channel) {
				cands = append(cands, db.ReconcileCandidatesRow(r))
			}
		}
		if len(cands) < cfg.WindowMin {
			// Too few for a listing to be cheaper than a fetch each.
			return n, append(left, cands...), nil
		}
		changed, missing, covered, err := sc.settleWindow(ctx, "", "", cands, now)
		n += changed
		if err == nil && !covered {
			changed, missing, err = sc.settleByRecipient(ctx, missing, now)
			n += changed
		}
		left = append(left, missing...)
		if err != nil {
			return n, left, err
		}
		if len(missing) == len(cands) {
			return n, left, nil // the listings showed none of them
		}
	}
	return n, left, nil
}

// settleByRecipient lists the provider's messages to each recipient with
// two or more of cands, in their send window, and settles what it shows; a
// recipient with one is left to a fetch (one call either way). It returns
// how many changed and the candidates not settled.
func (sc *reconciler) settleByRecipient(ctx context.Context, cands []db.ReconcileCandidatesRow, now time.Time) (int, []db.ReconcileCandidatesRow, error) {
	type recipient struct {
		participant int64
		channel     string
	}
	groups := map[recipient][]db.ReconcileCandidatesRow{}
	var order []recipient
	for _, r := range cands {
		k := recipient{r.ParticipantID, r.Channel}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	n := 0
	var left []db.ReconcileCandidatesRow
	for i, k := range order {
		g := groups[k]
		if len(g) < 2 || ctx.Err() != nil {
			left = append(left, g...)
			continue
		}
		num, err := sc.recipientNumber(ctx, k.participant, k.channel)
		if err != nil {
			sc.log.Warn("reconcile: her number could not be read; her messages are asked about one by one", "err", httpx.RedactErr(err))
			left = append(left, g...)
			continue
		}
		changed, missing, _, err := sc.settleWindow(ctx, k.channel, num, g, now)
		n += changed
		left = append(left, missing...)
		if err != nil {
			for _, rest := range order[i+1:] {
				left = append(left, groups[rest]...)
			}
			return n, left, err
		}
	}
	return n, left, nil
}

// settleWindow lists the provider's messages (to one recipient, or to all
// with to "") in the window cands span, and settles the candidates it
// shows. It returns how many changed, the candidates not shown and whether
// the listing covered the window.
func (sc *reconciler) settleWindow(ctx context.Context, channel, to string, cands []db.ReconcileCandidatesRow, now time.Time) (int, []db.ReconcileCandidatesRow, bool, error) {
	s, cfg := sc.s, sc.s.reconcileCfg
	lo, hi := cands[0].SendAt, cands[0].UpdatedAt
	for _, r := range cands {
		lo, hi = minTime(lo, r.SendAt), maxTime(hi, r.UpdatedAt)
	}
	lctx, cancel := context.WithTimeout(ctx, cfg.WindowTimeout)
	listed, covered, err := s.providerLookup.ListMessagesSent(lctx, channel, to, lo.Add(-cfg.WindowSlack), minTime(hi.Add(cfg.WindowSlack), now), cfg.WindowMax)
	cancel()
	if err != nil {
		return 0, cands, false, err
	}
	s.reconcileListed.Add(float64(len(listed)))
	byID := make(map[string]channels.ProviderMessage, len(listed))
	for _, pm := range listed {
		byID[pm.Sid] = pm
	}
	var left []db.ReconcileCandidatesRow
	var checked []uuid.UUID
	var nextAt []time.Time
	var updates []message.StatusReport
	for _, r := range cands {
		pm, ok := byID[r.ProviderID.String]
		if !ok || pm.Status == "" {
			left = append(left, r)
			continue
		}
		checked = append(checked, r.ID)
		nextAt = append(nextAt, now.Add(cfg.nextCheckIn(r.ReconcileChecks)))
		status := pm.Status
		if message.Rank(status) < message.Rank(message.StatusSent) {
			status = message.StatusSent // the provider has it
		}
		updates = append(updates, message.StatusReport{ID: r.ID, Update: channels.StatusUpdate{ProviderID: pm.Sid, Status: status, ProviderStatus: pm.Status}})
	}
	if len(checked) == 0 {
		return 0, left, covered, nil
	}
	if err := s.q.MarkReconcileCheckedMany(ctx, db.MarkReconcileCheckedManyParams{Ids: db.Array(checked), NextAts: db.Array(nextAt)}); err != nil {
		return 0, cands, covered, err
	}
	changed, err := message.ApplyStatusUpdatesIn(ctx, s.db, updates, auth.SystemActor("reconcile"), "reconciled", s.now())
	return changed, left, covered, err
}

// recipientNumber is her number on a channel (WhatsApp's own if she has
// one), decrypted for a provider call: never logged or stored.
func (sc *reconciler) recipientNumber(ctx context.Context, participantID int64, channel string) (string, error) {
	p, err := sc.s.q.ParticipantByID(ctx, participantID)
	if err != nil {
		return "", err
	}
	numEnc := p.PhoneEnc
	if channel == string(consent.WhatsApp) && len(p.WhatsappEnc) > 0 {
		numEnc = p.WhatsappEnc
	}
	num, err := sc.s.keys.Open(keys.Contact, numEnc)
	return string(num), err
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
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

func (sc *reconciler) reconcileOne(ctx context.Context, m db.ReconcileCandidatesRow, now time.Time) (bool, error) {
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
	if m.Status == message.StatusSent {
		return false, nil // a sink's record: nothing to ask
	}
	if s.reconcileCfg.NoListMatch {
		return sc.unproven(ctx, m, "list_match_off", now)
	}
	full, err := s.q.MessageByID(ctx, m.ID)
	if err != nil {
		return false, err
	}
	num, err := sc.recipientNumber(ctx, m.ParticipantID, m.Channel)
	if err != nil {
		return false, err
	}
	c, err := s.d.OpenContent(full.ContentEnc)
	if err != nil {
		return false, err
	}
	if c.ContentSID != "" || c.Text == "" {
		return sc.unproven(ctx, m, "template", now)
	}
	listed, covered, err := sc.listHers(ctx, m.Channel, num, m.SendAt.Add(-time.Minute))
	if err != nil {
		// Out of time on its own (a page or the listing): an error until
		// SlowListings checks in a row, then unproven. The pass's budget
		// spent, or leadership lost, says nothing about hers: the run is
		// left as it was. Any other error ends the run.
		switch {
		case ctx.Err() != nil:
		case errors.Is(err, context.DeadlineExceeded):
			if sc.listingSlow(m.ID, now) {
				return sc.unproven(ctx, m, "listing_slow", now)
			}
		default:
			sc.listingDone(m.ID)
		}
		return false, err
	}
	sc.listingDone(m.ID)
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
	// One match settles the message only on a listing that reached its
	// window's older edge: the part a cut listing did not read may hold
	// its own send, and the one match seen would then be another's.
	switch {
	case len(match) > 1:
		return sc.unproven(ctx, m, "ambiguous", now)
	case !covered:
		return sc.unproven(ctx, m, "listing_cut", now)
	case len(match) == 1:
		return sc.resolve(ctx, m, match[0].Sid, match[0].Status, now)
	}
	return sc.unproven(ctx, m, "no_match", now)
}

// listHers lists her messages on a channel since after, newest first, up
// to ListLimit: one CallTimeout per page, ListBudget for the listing, the
// pass's budget (ctx) over all. Out of time is an error, never a shorter
// listing.
func (sc *reconciler) listHers(ctx context.Context, channel, num string, after time.Time) ([]channels.ProviderMessage, bool, error) {
	cfg := sc.s.reconcileCfg
	lctx, cancel := context.WithTimeout(ctx, cfg.ListBudget)
	defer cancel()
	return sc.s.providerLookup.ListMessagesToPaged(lctx, channel, num, after, cfg.ListLimit, cfg.CallTimeout)
}

// resolve records what the provider says about a message: its id and a
// status at least "sent" (the provider has it), forward only. The
// provider's answer may be older than the row by now (a callback or the
// worker's outcome landed while we asked): the row is locked and checked,
// and the status, its event and the audit event written, in one
// transaction through the update callbacks use, so nothing can come
// between the check and the write, and a row that moved past the answer
// (or holds another provider id) is left as it is.
func (sc *reconciler) resolve(ctx context.Context, m db.ReconcileCandidatesRow, sid, providerStatus string, now time.Time) (bool, error) {
	status := providerStatus
	if message.Rank(status) < message.Rank(message.StatusSent) {
		status = message.StatusSent
	}
	up := message.StatusReport{ID: m.ID, Update: channels.StatusUpdate{ProviderID: sid, Status: status, ProviderStatus: providerStatus}}
	changed := 0
	err := db.InTx(ctx, sc.s.db, func(q *db.Queries, _ *sql.Tx) error {
		var err error
		changed, err = message.ApplyStatusUpdatesTx(ctx, q, []message.StatusReport{up}, auth.SystemActor("reconcile"), "reconciled", now)
		return err
	})
	return changed > 0, err
}

// unproven records that the provider could not tell us about a message
// without a provider id. It is never requeued (see the file comment): a
// message still sending moves to unknown (code reconcile_unproven); one
// already unknown stays so. Either way it is counted and logged by id.
func (sc *reconciler) unproven(ctx context.Context, m db.ReconcileCandidatesRow, why string, now time.Time) (bool, error) {
	sc.s.reconcileUnproven.WithLabelValues(why).Inc()
	sc.log.Warn("reconcile: the provider's listing does not prove where this message is; left unknown for staff", "message_id", m.ID.String(), "reason", why)
	if m.Status != message.StatusSending {
		return false, nil
	}
	changed := false
	err := db.InTx(ctx, sc.s.db, func(q *db.Queries, _ *sql.Tx) error {
		cur, err := q.MessageByIDForUpdate(ctx, m.ID)
		if err != nil {
			return err
		}
		if cur.Status != message.StatusSending || !cur.UpdatedAt.Equal(m.UpdatedAt) {
			return nil // it moved meanwhile
		}
		moved, err := message.MoveStatus(ctx, q, m.ID, message.StatusUnknown, message.CodeReconcileUnproven, now)
		if err != nil || !moved {
			return err
		}
		changed = true
		_, err = audit.Append(ctx, q, auth.SystemActor("reconcile"), audit.Event{Action: message.ActionUnknown, ParticipantCode: sc.participantCode(ctx, q, m.ParticipantID),
			Details: map[string]any{"message_id": m.ID.String(), "code": message.CodeReconcileUnproven, "reason": why}})
		return err
	})
	return changed, err
}

func (sc *reconciler) participantCode(ctx context.Context, q *db.Queries, id int64) string {
	p, err := q.ParticipantByID(ctx, id)
	if err != nil {
		return ""
	}
	return p.Code
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
