package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
	"safecontact/gateway/participant"
	"safecontact/gateway/runner"
)

// Handle processes one queued message id (a batch of one).
func (w *Worker) Handle(ctx context.Context, rawID string, delivery int) channels.Outcome {
	return w.HandleBatch(ctx, []channels.Item{{ID: rawID, Delivery: delivery}})[0]
}

// job is one message of a batch on its way to the provider.
type job struct {
	idx  int
	msg  db.Message
	part db.Participant
	out  *channels.Outgoing
	rcpt channels.Receipt
	err  error
	// claimedAt: when this worker marked it sending (its claim).
	claimedAt time.Time
}

// HandleBatch is the channels.BatchHandler. For a batch of ids it:
//  1. in one transaction, locks the messages, re-runs the contact decision
//     for each, and for one that promises her a call the call's decision
//     too (consent refused → dropped_consent_revoked, the call refused or
//     the text's time zone no longer hers → dropped_call_refused, window
//     closed → rescheduled), and moves the rest queued → sending;
//  2. sends them concurrently, outside any transaction;
//  3. in one transaction, records every answer.
//
// A message found "sending" was mid-send when a worker stopped: it is
// marked unknown, never resent blind.
func (w *Worker) HandleBatch(ctx context.Context, items []channels.Item) []channels.Outcome {
	outs := make([]channels.Outcome, len(items))
	ids := make([]uuid.UUID, 0, len(items))
	index := map[uuid.UUID]int{}
	for i, it := range items {
		id, err := uuid.Parse(it.ID)
		if err != nil {
			w.log.Error("worker: payload is not a message id") // never echo the payload
			continue
		}
		if _, dup := index[id]; dup {
			continue // the same id twice in one batch: handled once
		}
		index[id] = i
		ids = append(ids, id)
	}
	jobs, err := w.claim(ctx, ids, index, items, outs)
	if err != nil {
		w.log.Warn("worker: claim", "messages", len(ids), "err", httpx.RedactErr(err))
		for i := range outs {
			outs[i] = channels.Retry
		}
		return outs
	}
	if len(jobs) == 0 {
		return outs
	}
	// Each send runs on its own with its own timeout. The batch records
	// what has ended by BatchWait in one transaction; a send still running
	// then is recorded on its own when it ends, and its queue entry waits
	// for that (Later): one slow request holds only its own entry, not the
	// batch's slot.
	done := make(chan int, len(jobs))
	for i := range jobs {
		go func(i int) {
			j := &jobs[i]
			sctx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
			j.rcpt, j.err = w.senders[j.msg.Channel].Send(sctx, *j.out)
			cancel()
			if b := w.breakers[j.msg.Channel]; j.err == nil || !providerDown(j.err) {
				b.Success()
			} else {
				b.Failure()
			}
			done <- i
		}(i)
	}
	var ended []job
	wait := time.NewTimer(w.cfg.BatchWait)
	defer wait.Stop()
collect:
	for len(ended) < len(jobs) {
		select {
		case i := <-done:
			ended = append(ended, jobs[i])
		case <-wait.C:
			break collect
		}
	}
	w.record(ctx, ended, items, outs)
	if late := len(jobs) - len(ended); late > 0 {
		recorded := map[int]bool{}
		for _, j := range ended {
			recorded[j.idx] = true
		}
		for _, j := range jobs {
			if !recorded[j.idx] {
				outs[j.idx] = channels.Later
			}
		}
		w.stragglers.Add(1)
		go func() {
			defer w.stragglers.Done()
			// Sends that end close together are recorded together: under
			// overload many sends are slow, and one transaction each would
			// add to the load that made them slow.
			for left := late; left > 0; {
				group := []job{jobs[<-done]}
				linger := time.NewTimer(10 * time.Millisecond)
			gather:
				for len(group) < left {
					select {
					case i := <-done:
						group = append(group, jobs[i])
					case <-linger.C:
						break gather
					}
				}
				linger.Stop()
				left -= len(group)
				o := make([]channels.Outcome, len(items))
				w.record(context.WithoutCancel(ctx), group, items, o)
				for _, j := range group {
					if f := items[j.idx].Finish; f != nil {
						f(o[j.idx])
					}
				}
			}
		}()
	}
	return outs
}

// record stores the answers of ended sends and sets their outcomes.
func (w *Worker) record(ctx context.Context, jobs []job, items []channels.Item, outs []channels.Outcome) {
	if len(jobs) == 0 {
		return
	}
	var err error
	for try := 1; ; try++ {
		if err = w.recordBatch(ctx, jobs, items, outs); err == nil || try == 3 || ctx.Err() != nil {
			break
		}
		runner.Sleep(ctx, time.Duration(try)*200*time.Millisecond)
	}
	if err != nil {
		// The sends happened; their record did not. What the provider
		// accepted goes to the spill (recorded when the database answers,
		// see receipt_spill.go) and its queue entry is done. A failed
		// send's row stays "sending" and its redelivery marks it unknown
		// (never resent) for reconciliation to settle.
		w.log.Error("worker: recording sends; accepted ones spilled until the database answers", "messages", len(jobs), "err", httpx.RedactErr(err))
		var es []spilled
		for _, j := range jobs {
			outs[j.idx] = channels.Retry
			if j.err == nil {
				es = append(es, spilled{MessageID: j.msg.ID, ProviderID: j.rcpt.ProviderID, ProviderStatus: j.rcpt.Status, At: w.s.now()})
			}
		}
		if err := w.spill.add(es); err != nil {
			w.log.Error("worker: receipt spill file not written; receipts kept in memory only", "err", err)
		}
		for _, j := range jobs {
			if j.err == nil {
				outs[j.idx] = channels.Done
			}
		}
	}
	for i := range jobs {
		jobs[i].out = nil // the plaintext is not kept
	}
}

func (w *Worker) claim(ctx context.Context, ids []uuid.UUID, index map[uuid.UUID]int, items []channels.Item, outs []channels.Outcome) ([]job, error) {
	sys := auth.SystemActor("worker")
	now := w.s.now()
	var jobs []job
	err := db.InTx(ctx, w.s.db, func(q *db.Queries, _ *sql.Tx) error {
		jobs = jobs[:0]
		msgs, err := q.MessagesByIDsForUpdate(ctx, db.Array(ids))
		if err != nil {
			return err
		}
		var pids []int64
		for _, m := range msgs {
			if m.Status == message.StatusQueued {
				pids = append(pids, m.ParticipantID)
			}
		}
		parts := map[int64]db.Participant{}
		hist := map[int64][]consent.Event{}
		if len(pids) > 0 {
			if parts, hist, err = participant.WithLedgers(ctx, q, pids); err != nil {
				return err
			}
		}
		found := map[uuid.UUID]bool{}
		var sending []uuid.UUID
		for _, m := range msgs {
			found[m.ID] = true
			i := index[m.ID]
			switch m.Status {
			case message.StatusQueued:
				if m.ProviderID.Valid {
					// The provider already has it: never send it again.
					w.log.Error("worker: queued message already has a provider id; not resent", "message_id", m.ID.String())
					continue
				}
			case message.StatusSending:
				if now.Sub(m.UpdatedAt) < ClaimLease(w.cfg.SendTimeout) {
					// Marked sending moments ago: another delivery of this
					// entry is being sent right now (the queue redelivered
					// it). Left to that one; this delivery comes back later
					// and finds it recorded (or, if that worker died, stale).
					outs[i] = channels.Retry
					continue
				}
				// Seen again after a crash mid-send: the provider may or
				// may not have it. Never resend blind: unknown, and alert.
				moved, err := message.MoveStatus(ctx, q, m.ID, message.StatusUnknown, message.CodeCrashDuringSend, now)
				if err != nil {
					return err
				}
				if !moved {
					continue // it moved on meanwhile: nothing to do, the batch goes on
				}
				w.outcome(m.Channel, "unknown")
				w.log.Error("worker: message was mid-send when a worker stopped; not resent, marked unknown for staff to check", "message_id", m.ID.String(), "channel", m.Channel)
				if _, err := audit.Append(ctx, q, sys, audit.Event{Action: message.ActionUnknown, ParticipantCode: w.participantCode(ctx, q, m.ParticipantID), Details: map[string]any{"message_id": m.ID.String(), "reason": message.CodeCrashDuringSend}}); err != nil {
					return err
				}
				continue
			default:
				continue // already handled: a duplicate delivery
			}
			p := parts[m.ParticipantID]
			d := recheck(m, w.s.d.PromisesCall, participant.ProfileOf(p), p.TimeZone, consent.Fold(hist[p.ID], now, w.s.cfg.ConsentReviewAge), now)
			switch {
			case !d.Allowed:
				if _, err := message.MoveStatus(ctx, q, m.ID, droppedStatus(d.Code), d.Code, now); err != nil {
					return err
				}
				w.outcome(m.Channel, "dropped")
				if _, err := audit.Append(ctx, q, sys, audit.Event{Action: message.ActionDropped, ParticipantCode: p.Code, Details: map[string]any{"message_id": m.ID.String(), "code": d.Code, "consent_version": d.ConsentVersion}}); err != nil {
					return err
				}
			case d.Variant == consent.VariantDiscreet && m.Variant != string(consent.VariantDiscreet):
				// Her phone became monitored after this was written: its
				// standard wording must not reach that phone. Staff resend.
				if _, err := message.MoveStatus(ctx, q, m.ID, message.StatusDroppedUnsafe, message.CodeNowMonitored, now); err != nil {
					return err
				}
				w.outcome(m.Channel, "dropped")
				if _, err := audit.Append(ctx, q, sys, audit.Event{Action: message.ActionDropped, ParticipantCode: p.Code, Details: map[string]any{"message_id": m.ID.String(), "code": message.CodeNowMonitored}}); err != nil {
					return err
				}
			case d.SendAt.After(now):
				// Her safe window closed while it waited: back to the scheduler.
				if _, err := q.Reschedule(ctx, db.RescheduleParams{ID: m.ID, SendAt: d.SendAt, UpdatedAt: now}); err != nil {
					return err
				}
				w.outcome(m.Channel, "rescheduled")
				if err := q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: m.ID, Status: message.StatusScheduled, At: now, Code: sql.NullString{String: "outside_safe_window", Valid: true}}); err != nil {
					return err
				}
			case w.senders[m.Channel] == nil:
				outs[i] = channels.Retry
			default:
				o, err := w.outgoing(m, p)
				if err != nil {
					// Its key is gone or the row is damaged: this one message
					// fails, the rest of the batch goes on.
					w.log.Error("worker: cannot decrypt message or number; failed", "message_id", m.ID.String())
					if _, err := message.MoveStatus(ctx, q, m.ID, message.StatusFailed, message.CodeDecryptFailed, now); err != nil {
						return err
					}
					w.outcome(m.Channel, "failed")
					if _, err := audit.Append(ctx, q, sys, audit.Event{Action: message.ActionFailed, ParticipantCode: p.Code, Details: map[string]any{"message_id": m.ID.String(), "code": message.CodeDecryptFailed}}); err != nil {
						return err
					}
					continue
				}
				jobs = append(jobs, job{idx: i, claimedAt: now, msg: m, part: p, out: o})
				sending = append(sending, m.ID)
			}
		}
		for id, i := range index {
			if !found[id] {
				// The relay publishes only committed rows, so this is not ours.
				w.log.Error("worker: unknown message id", "message_id", items[i].ID)
			}
		}
		if len(sending) == 0 {
			return nil
		}
		if err := q.MarkSendingMany(ctx, db.MarkSendingManyParams{Ids: db.Array(sending), Now: now}); err != nil {
			return err
		}
		return q.InsertMessageEventsMany(ctx, db.InsertMessageEventsManyParams{Ids: db.Array(sending), Statuses: db.Array(slices.Repeat([]string{message.StatusSending}, len(sending))), Codes: db.Array(slices.Repeat([]string{""}, len(sending))), At: now})
	})
	return jobs, err
}

// recheck is the contact decision for m just before it is sent: its
// channel's (consent.Decide); for a text whose times were written in a
// time zone (rendered_tz) that is no longer hers (zone), a refusal
// (message.CodeTimeZoneChanged: it would state the wrong hour; staff send
// it again); and, for a message that promises her a call
// (its template promises one: promises), the call's as of the moment the
// text goes out (consent.DecideCallSent on promised_call_at): a promise whose
// voice consent has gone, whose time has passed, or that has fallen
// outside her safe hours (her windows changed) is refused, and the caller
// drops it like any refusal, with the call's code. A promise without a
// promised time (a row queued before that time was kept, or by an older
// process) cannot be decided and is refused as not consented: fail
// closed, staff send it again. A refusal of the call is about the voice
// channel.
func recheck(m db.Message, promises func(string) bool, prof consent.Profile, zone string, consents map[consent.Channel]consent.ChannelConsent, now time.Time) consent.Decision {
	d := consent.Decide(prof, consents, consent.Channel(m.Channel), now)
	if !d.Allowed {
		return d
	}
	if m.RenderedTz.Valid && m.RenderedTz.String != strings.TrimSpace(zone) {
		return consent.Decision{Code: message.CodeTimeZoneChanged, Reason: "Her time zone changed after this text was written, so the time it states is wrong; send it again.",
			Channel: d.Channel, Variant: d.Variant, ConsentVersion: d.ConsentVersion}
	}
	voice := consents[consent.Voice]
	if !m.PromisedCallAt.Valid {
		if m.TemplateID.Valid && (promises == nil || promises(m.TemplateID.String)) {
			return consent.Decision{Code: consent.CodeCallNotConsented, Reason: "This message promises a call whose time was not kept with it, so the call cannot be checked; send it again.",
				Channel: consent.Voice, Variant: d.Variant, ConsentVersion: voice.Version}
		}
		return d
	}
	if r := consent.DecideCallSent(voice, prof, now, d.SendAt, m.PromisedCallAt.Time); r != nil {
		return consent.Decision{Code: r.Code, Reason: r.Message, Channel: consent.Voice, Variant: d.Variant, ConsentVersion: voice.Version}
	}
	return d
}

// droppedStatus is the status of a message the re-check refused with
// code: dropped_call_refused when the call it promises or the time it
// states no longer holds, dropped_consent_revoked for the contact
// decision's own refusals (and a promise whose voice consent is gone).
func droppedStatus(code string) string {
	switch code {
	case consent.CodeCallTimePast, consent.CodeCallTimeUnsafe, consent.CodeCallTimeTooFar, message.CodeTimeZoneChanged:
		return message.StatusDroppedCallRefused
	}
	return message.StatusDropped
}

// recordBatch stores the provider's answers: successes set-based, the
// (rarer) failures one by one.
func (w *Worker) recordBatch(ctx context.Context, jobs []job, items []channels.Item, outs []channels.Outcome) error {
	now := w.s.now()
	sys := auth.SystemActor("worker")
	// The text actually sent, sealed to the programme's audit key for its
	// message.sent event; before the transaction (X25519 costs ~0.1ms).
	sealedText := map[uuid.UUID][]byte{}
	for i := range jobs {
		if jobs[i].err == nil {
			sealedText[jobs[i].msg.ID] = w.s.d.SealSent(jobs[i].msg.ID.String(), jobs[i].out.Body)
		}
	}
	return db.InTx(ctx, w.s.db, func(q *db.Queries, _ *sql.Tx) error {
		var okIDs []uuid.UUID
		okJobs := map[uuid.UUID]*job{}
		for i := range jobs {
			j := &jobs[i]
			outs[j.idx] = channels.Done
			if j.err == nil {
				okIDs = append(okIDs, j.msg.ID)
				okJobs[j.msg.ID] = j
				continue
			}
			out, err := w.recordFailure(ctx, q, j, now)
			if err != nil {
				return err
			}
			outs[j.idx] = out
		}
		if len(okIDs) == 0 {
			return nil
		}
		// A status callback can arrive before this record (it finds the
		// message by our id): keep a further status, add the provider id.
		cur, err := q.MessagesWithCodeByIDsForUpdate(ctx, db.Array(okIDs))
		if err != nil {
			return err
		}
		var p message.StatusSet
		var evIDs []uuid.UUID
		var evStatuses []string
		var actions, codes []string
		var details []string
		var sealed [][]byte
		for _, c := range cur {
			j := okJobs[c.ID]
			status := message.StatusSent
			if message.Rank(j.rcpt.Status) > message.Rank(status) {
				status = j.rcpt.Status // a test instance's sink: sent_to_sink, final
			}
			if message.Rank(c.Status) >= message.Rank(status) {
				status = c.Status
			}
			p.Add(c.ID, status, j.rcpt.ProviderID, j.rcpt.Status, "")
			if status != c.Status {
				evIDs = append(evIDs, c.ID)
				evStatuses = append(evStatuses, status)
			}
			w.outcome(j.msg.Channel, "sent")
			actions = append(actions, message.ActionSent)
			codes = append(codes, c.Code)
			d, _ := json.Marshal(map[string]any{"message_id": c.ID.String(), "channel": j.msg.Channel, "attempt": items[j.idx].Delivery})
			details = append(details, string(d))
			sealed = append(sealed, sealedText[c.ID])
		}
		if err := q.SetStatusMany(ctx, p.Params(now)); err != nil {
			return err
		}
		if len(evIDs) > 0 {
			if err := q.InsertMessageEventsMany(ctx, db.InsertMessageEventsManyParams{Ids: db.Array(evIDs), Statuses: db.Array(evStatuses), Codes: db.Array(slices.Repeat([]string{""}, len(evIDs))), At: now}); err != nil {
				return err
			}
		}
		return q.AppendAuditManySealed(ctx, db.AppendAuditManySealedParams{ActorName: sys.Name, ActorRole: string(sys.Role), Actions: db.Array(actions), ParticipantCodes: db.Array(codes), Details: db.Array(details), SealedContents: db.Array(sealed)})
	})
}

// recordFailure applies one failed send in q's transaction. The row was
// claimed earlier and is not locked here: a status callback may have moved
// it on meanwhile, so every write is a forward move (message.MoveStatus), and an
// outcome that comes too late is kept as an audit event only.
func (w *Worker) recordFailure(ctx context.Context, q *db.Queries, j *job, now time.Time) (channels.Outcome, error) {
	sys := auth.SystemActor("worker")
	id, p, msg, sendErr := j.msg.ID, j.part, j.msg, j.err
	attempt := int(msg.Attempts) + 1 // MarkSendingMany counted this one
	var se *channels.SendError
	errors.As(sendErr, &se)
	code := channels.ErrorCode(sendErr)
	w.log.Warn("worker: send failed", "message_id", id.String(), "channel", msg.Channel, "code", code, "attempt", attempt)
	// settle moves the message to a final or unknown status with its audit
	// event, or records the outcome as late when it already moved on.
	settle := func(status, action, outcome string, details map[string]any) (channels.Outcome, error) {
		moved, err := message.MoveStatus(ctx, q, id, status, details["code"].(string), now)
		if err != nil {
			return 0, err
		}
		if !moved {
			w.outcome(msg.Channel, "late")
			return channels.Done, message.LateOutcome(ctx, q, sys, id, p.Code, status, details["code"].(string))
		}
		w.outcome(msg.Channel, outcome)
		details["message_id"] = id.String()
		_, err = audit.Append(ctx, q, sys, audit.Event{Action: action, ParticipantCode: p.Code, Details: details})
		return channels.Done, err
	}
	switch {
	case se != nil && se.OptOut:
		// She replied STOP to the provider: her consent for this channel
		// ends here, recorded like any revocation.
		if err := participant.RevokeConsent(ctx, q, sys, p, consent.Channel(msg.Channel), consent.SourceProviderOptOut, "provider reported opt-out", now); err != nil {
			return 0, err
		}
		return settle(message.StatusFailed, message.ActionFailed, "opted_out", map[string]any{"code": se.Code, "provider_code": se.ProviderCode})
	case safeToRetry(sendErr) && (providerDown(sendErr) || attempt < w.maxDeliver()):
		// The provider did not take it. The next attempt waits in the
		// database (the scheduler releases it when due) and its queue
		// entry is acknowledged: a waiting retry holds no queue slot, so
		// the channel keeps claiming new work while retries wait.
		// When the provider itself is down (5xx, 429, no connection: what
		// opens the breaker, and what its probes meet) the attempt is given
		// back: an outage of any length spends none of her message's
		// attempts; only refusals of this message count toward exhaustion.
		// Recorded after the claim's lease (the record held up: the
		// database slow, its record tried again), the claim is taken to be
		// dead, as the claim path takes one: a redelivery may have marked
		// it unknown, and a meeting point its text names may have been
		// renamed since (the rename check counts a claim for the lease
		// only), so it is never sent again. The provider refused it or was
		// never reached (safeToRetry), so it does not have it: failed
		// (claim_lapsed), not unknown, which reconciliation would ask the
		// provider about. One a redelivery marked unknown meanwhile moves
		// on to failed too (a forward move) when the lease has run out on
		// this clock; when it runs out only inside ScheduleRetry's
		// statement, or within the lease, the retry finds it unknown,
		// changes nothing, and is recorded as a late outcome (it stays
		// unknown).
		lease := ClaimLease(w.cfg.SendTimeout)
		lapsed := func() (channels.Outcome, error) {
			w.log.Error("worker: a passing send failure recorded after the claim's lease; not retried, marked failed for staff to check",
				"message_id", id.String(), "channel", msg.Channel, "code", code)
			return settle(message.StatusFailed, message.ActionFailed, "failed", map[string]any{"code": message.CodeClaimLapsed, "last_error": code})
		}
		if now.Sub(j.claimedAt) >= lease {
			return lapsed()
		}
		down := providerDown(sendErr)
		// The meeting point its text names, locked FOR SHARE to the end
		// of this transaction before the lease is checked, as a message's
		// write reads it (AcceptMessages): a rename holding the point
		// (FOR UPDATE) is waited for, so a rename whose check found the
		// claim lapsed has committed before the clock below is read, and
		// the lease is found lapsed here too; a rename that comes after
		// waits for this commit and then finds the message scheduled
		// (meeting_point_in_use). Without it a retry that passed its check
		// just before the lease ran out, and committed after, could put
		// back a text carrying a name the point no longer has.
		if msg.MeetingPointID.Valid {
			if err := q.ShareMeetingPoint(ctx, msg.MeetingPointID.Int64); err != nil {
				return 0, err
			}
		}
		// The claim's lease checked again in the statement, on this
		// clock read again (the transaction may have waited since now was
		// read) plus the time spent inside the statement (waiting for the
		// row's lock): the database's clock is never compared with the
		// claim's time, written on this one.
		n, err := q.ScheduleRetry(ctx, db.ScheduleRetryParams{ID: id, SendAt: now.Add(w.backoff(attempt)), Now: now, Code: code, Refund: down,
			CheckedAt: w.s.now(), LeaseUs: lease.Microseconds()})
		if err != nil {
			return 0, err
		}
		if n == 0 {
			// Not moved: either it moved on meanwhile (a callback, a
			// redelivery), and the retry is a late outcome, or it is still
			// sending and the lease ran out inside the statement (its wait
			// for the row's lock counted): the claim lapsed, as above.
			m, err := q.MessageByID(ctx, id)
			if err != nil {
				return 0, err
			}
			if m.Status == message.StatusSending {
				return lapsed()
			}
			w.outcome(msg.Channel, "late")
			return channels.Done, message.LateOutcome(ctx, q, sys, id, p.Code, message.StatusScheduled, code)
		}
		w.outcome(msg.Channel, "retry")
		return channels.Done, q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: id, Status: message.StatusScheduled, At: now, Code: sql.NullString{String: code, Valid: true}})
	case safeToRetry(sendErr):
		// The provider refused it on every attempt: failed, never sent.
		return settle(message.StatusFailed, message.ActionFailed, "exhausted", map[string]any{"code": message.CodeRetriesExhausted, "last_error": code})
	case channels.IsRetryable(sendErr):
		// The request may have reached the provider (a timeout after
		// sending): resending could double it. Unknown, until
		// reconciliation asks the provider.
		return settle(message.StatusUnknown, message.ActionUnknown, "unknown", map[string]any{"code": code})
	default:
		return settle(message.StatusFailed, message.ActionFailed, "failed", map[string]any{"code": code})
	}
}

// backoff is the wait before the attempt after attempt (counting from 1);
// the last configured value repeats.
func (w *Worker) backoff(attempt int) time.Duration {
	b := w.cfg.Backoff
	if len(b) == 0 {
		b = defaultRetryBackoff
	}
	return b[min(max(attempt-1, 0), len(b)-1)]
}

// defaultRetryBackoff: short first steps, so a brief provider refusal costs
// seconds; the circuit breaker, not a long backoff, keeps a down provider
// from being hammered.
var defaultRetryBackoff = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute}
