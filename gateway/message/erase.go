package message

import (
	"context"
	"database/sql"
	"slices"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/participant"
)

// Erase: POST /v1/participants/{code}/erase-content {"reason": "…"}, and
// EraseContent for code (the duress logic).
//
// What is erased: our stored texts for her — every message body
// (messages.content_enc) and every inbound body, including messages that
// came from her number before it was registered (unmatched, found by the
// blind index). Messages not yet handed to a provider (scheduled, queued)
// are canceled (code content_erased): their text is gone. Then the
// provider is asked to redact its copies of her SMS/WhatsApp messages,
// outbound and inbound (Twilio's message redaction; the dev sink in dev).
//
// Her texts no person has read yet are not erased, whatever their kind
// (reply, call-me, check-in answer): one may be a plea for help. A stop
// word is the whole of its text and was acted on; it goes.
// "Read" means shown to a person — returned by GET /v1/inbox (shown_at) —
// not marked read: POST /v1/inbox/{id}/read alone does not make a text
// erasable, so the rule cannot be skipped with one blind request. The
// result counts the texts kept (unread_kept); erase again once her
// caseworker has read them. Texts from her number before she was
// registered (unmatched) were never anyone's to read and are erased.
//
// What stays: the rows (who, when, which channel, status), consent
// history, call-back tasks (which carry no text) and the audit trail,
// including the sealed copy of sent texts in the audit log, which only
// the programme's audit secret key opens.
//
// A message still on its way at the provider cannot be redacted yet
// (Twilio answers 20009): it is counted as pending and recorded in
// provider_redactions; calling EraseContent again retries exactly those.

// maxRedactionsPerRun bounds the provider calls of one erase (each is an
// API request); the rest are pending for the next run.
const maxRedactionsPerRun = 500

// EraseResult counts what one erase did.
type EraseResult struct {
	Participant string `json:"participant"`
	// Messages: our message bodies deleted; Canceled: pending messages
	// canceled; Inbound: her inbound texts deleted.
	Messages int64 `json:"messages"`
	Canceled int   `json:"canceled"`
	Inbound  int64 `json:"inbound"`
	// UnreadKept: her texts no person has been shown yet are never erased
	// (one may be a plea for help); erase again once her caseworker has
	// read them in the inbox.
	UnreadKept int32 `json:"unread_kept"`
	// Provider copies: asked, redacted (or already gone), still pending.
	ProviderRequested int `json:"provider_requested"`
	ProviderRedacted  int `json:"provider_redacted"`
	ProviderPending   int `json:"provider_pending"`
	// ProviderConfigured is false when no provider redactor is wired
	// (then only our copies are erased).
	ProviderConfigured bool `json:"provider_configured"`
}

// EraseContent erases her message contents (ours, then the provider's)
// and records content.erased (and content.provider_redacted) in the audit
// log. reason is kept in the audit log: it must not contain a number.
func (s *Service) EraseContent(ctx context.Context, a *auth.Actor, participantCode, reason string) (EraseResult, error) {
	res := EraseResult{Participant: participantCode, ProviderConfigured: s.redactor != nil}
	now := s.d.Now()
	var p db.Participant
	var indexes [][]byte
	err := db.InTx(ctx, s.d.DB, func(q *db.Queries, _ *sql.Tx) error {
		var err error
		if p, err = s.d.Participants.For(ctx, q, a, participantCode, true, participant.ActErase); err != nil {
			return err
		}
		indexes = [][]byte{p.PhoneIndex}
		if len(p.WhatsappIndex) > 0 {
			indexes = append(indexes, p.WhatsappIndex)
		}
		canceled, err := q.CancelPendingMessages(ctx, db.CancelPendingMessagesParams{ParticipantID: p.ID, Now: now})
		if err != nil {
			return err
		}
		if len(canceled) > 0 {
			if err := q.InsertMessageEventsMany(ctx, db.InsertMessageEventsManyParams{Ids: db.Array(canceled), Statuses: db.Array(slices.Repeat([]string{"canceled"}, len(canceled))),
				Codes: db.Array(slices.Repeat([]string{CodeContentErased}, len(canceled))), At: now}); err != nil {
				return err
			}
		}
		res.Canceled = len(canceled)
		if res.Messages, err = q.EraseMessageBodies(ctx, db.EraseMessageBodiesParams{ParticipantID: p.ID, Now: now}); err != nil {
			return err
		}
		if res.Inbound, err = q.EraseInboundBodies(ctx, db.EraseInboundBodiesParams{ParticipantID: p.ID, FromIndexes: indexes, Now: now}); err != nil {
			return err
		}
		if res.UnreadKept, err = q.CountUnreadReplies(ctx, sql.NullInt64{Int64: p.ID, Valid: true}); err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, a, audit.Event{Action: ActionContentErased, ParticipantCode: p.Code, Details: map[string]any{
			"reason": reason, "messages": res.Messages, "canceled": res.Canceled, "inbound": res.Inbound, "unread_kept": res.UnreadKept,
		}})
		return err
	})
	if err != nil {
		return res, err
	}
	red := s.redactor
	if red == nil {
		return res, nil
	}
	sids, err := s.q.ProviderSidsToRedact(ctx, db.ProviderSidsToRedactParams{ParticipantID: p.ID, FromIndexes: indexes})
	if err != nil {
		return res, err
	}
	res.ProviderRequested = len(sids)
	codes := map[string]int{}
	for i, sid := range sids {
		var redacted sql.NullTime
		var lastErr sql.NullString
		if i >= maxRedactionsPerRun || ctx.Err() != nil {
			res.ProviderPending++
			continue
		}
		err := red.RedactMessage(ctx, sid)
		switch code := channels.ErrorCode(err); {
		case err == nil, code == "not_found":
			// Redacted, or the provider no longer has it.
			res.ProviderRedacted++
			redacted = sql.NullTime{Time: s.d.Now(), Valid: true}
		default:
			res.ProviderPending++
			codes[code]++
			lastErr = sql.NullString{String: code, Valid: true}
		}
		if err := s.q.RecordProviderRedaction(context.WithoutCancel(ctx), db.RecordProviderRedactionParams{
			ProviderSid: sid, ParticipantID: p.ID, Now: s.d.Now(), RedactedAt: redacted, LastError: lastErr,
		}); err != nil {
			return res, err
		}
	}
	details := map[string]any{"requested": res.ProviderRequested, "redacted": res.ProviderRedacted, "pending": res.ProviderPending}
	if len(codes) > 0 {
		details["pending_codes"] = codes
	}
	_, err = audit.Append(context.WithoutCancel(ctx), s.q, a, audit.Event{Action: ActionContentProviderRedacted, ParticipantCode: p.Code, Details: details})
	return res, err
}
