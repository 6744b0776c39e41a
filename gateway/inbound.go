package gateway

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/participant"
	"safecontact/keys"
)

// Inbound messages: POST /webhooks/twilio/inbound (Twilio's incoming
// message webhook, signature-checked).
//
// The sender is found by the blind index of the E.164 number (never by
// decrypting the table). Then, in one transaction with the inbound row
// (whose provider sid is unique, so a duplicate webhook changes nothing):
//
//   - unknown number: stored as unmatched (sealed body, blind index), never
//     answered;
//   - her whole message is a stop word (any shipped language, accents and
//     case ignored; see inbound_words.go): her consent for that channel is
//     revoked (source inbound_stop). No confirmation is ever sent — on a
//     monitored phone it would show that she had been receiving messages,
//     and we do not tell a monitored phone from another one reliably
//     enough to make an exception;
//   - a reply to a pending safety check-in: the check-in hook
//     (VoiceConfig.CheckinReply) takes it;
//   - "call me": kept for her caseworker's inbox, and a call-back task is
//     queued if she has consented to voice calls;
//   - anything else: kept (sealed) for her caseworker's inbox.
//
// The answer is always an empty TwiML <Response/>: never an auto-reply.

// The audit actions this file records.
const (
	ActionInboundCheckinReply = "inbound.checkin_reply"
	ActionInboundReceived     = "inbound.received"
	ActionInboundStop         = "inbound.stop"
	ActionInboundUnmatched    = "inbound.unmatched"
	ActionInboxMarkedRead     = "inbox.marked_read"
	ActionInboxRead           = "inbox.read"
)

const routeInbound = "/webhooks/twilio/inbound"

var inboundSystem = auth.SystemActor("inbound")

func (s *Server) twilioInbound(c *gin.Context) {
	form, ok := s.twilio().Form(c, routeInbound)
	if !ok {
		return
	}
	in, err := channels.ParseTwilioInbound(form)
	if err != nil {
		httpx.Fail(c, errs.New(errs.CodeInvalidParameter, "not an incoming-message webhook"))
		return
	}
	ctx := c.Request.Context()
	now := s.now()
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		return s.applyInbound(ctx, q, in, now)
	})
	if err != nil {
		// Twilio retries; the provider sid makes the retry safe.
		httpx.Fail(c, errs.Internal(err))
		return
	}
	httpx.WriteTwiML(c, &channels.TwiML{})
}

// applyInbound stores and acts on one inbound message in q's transaction.
func (s *Server) applyInbound(ctx context.Context, q *db.Queries, in channels.Inbound, now time.Time) error {
	idx := s.keys.BlindIndex(in.From)
	insert := func(pid int64, kind string, body []byte) (int64, bool, error) {
		var enc []byte
		if body != nil {
			enc = s.keys.Seal(keys.Body, body)
		}
		id, err := q.InsertInbound(ctx, db.InsertInboundParams{
			ProviderSid: in.ProviderID, ParticipantID: sql.NullInt64{Int64: pid, Valid: pid != 0},
			FromIndex: idx, Channel: in.Channel, Kind: kind, BodyEnc: enc, ReceivedAt: now,
		})
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil // a duplicate webhook: applied already
		}
		return id, err == nil, err
	}
	p, err := q.ParticipantByPhoneIndex(ctx, idx)
	if errors.Is(err, sql.ErrNoRows) {
		id, fresh, err := insert(0, "unmatched", []byte(in.Body))
		if err != nil || !fresh {
			return err
		}
		_, err = audit.Append(ctx, q, inboundSystem, audit.Event{Action: ActionInboundUnmatched, Details: map[string]any{
			"inbound_id": id, "channel": in.Channel,
		}})
		return err
	} else if err != nil {
		return err
	}
	ch := consent.Channel(in.Channel)
	id, fresh, err := insert(p.ID, "reply", []byte(in.Body))
	if err != nil || !fresh {
		return err
	}
	// Her check-in words come first: a duress or OK word that happens to
	// be a stop word too ("gata", "basta") must reach the check-in logic,
	// not silently end her consent and swallow the alarm.
	if hook := s.cfg.Voice.CheckinReply; hook != nil {
		handled, err := hook(ctx, q, p, InboundMessage{ID: id, Channel: in.Channel, Body: in.Body, ReceivedAt: now})
		if err != nil {
			return err
		}
		if handled {
			if err := q.SetInboundKind(ctx, db.SetInboundKindParams{ID: id, Kind: "checkin_reply"}); err != nil {
				return err
			}
			_, err = audit.Append(ctx, q, inboundSystem, audit.Event{Action: ActionInboundCheckinReply, ParticipantCode: p.Code, Details: map[string]any{
				"inbound_id": id, "channel": in.Channel,
			}})
			return err
		}
	}
	if s.stopMatcher().IsStop(in.Body, p.Language) {
		if err := q.SetInboundKind(ctx, db.SetInboundKindParams{ID: id, Kind: "stop"}); err != nil {
			return err
		}
		_, folded, err := s.participants.ConsentsOf(ctx, q, p.ID, now)
		if err != nil {
			return err
		}
		revoke := folded[ch].State != consent.StateRevoked
		if revoke {
			if err := participant.RevokeConsent(ctx, q, inboundSystem, p, ch, consent.SourceInboundStop, "she replied with a stop word", now); err != nil {
				return err
			}
		}
		_, err = audit.Append(ctx, q, inboundSystem, audit.Event{Action: ActionInboundStop, ParticipantCode: p.Code, Details: map[string]any{
			"inbound_id": id, "channel": in.Channel, "revoked": revoke, "confirmation_sent": false,
		}})
		return err
	}
	details := map[string]any{"inbound_id": id, "channel": in.Channel, "kind": "reply"}
	if s.stopMatcher().IsCallMe(in.Body) {
		details["kind"] = "call_me"
		if err := q.SetInboundKind(ctx, db.SetInboundKindParams{ID: id, Kind: "call_me"}); err != nil {
			return err
		}
		d, err := s.participants.Decide(ctx, q, p, consent.Voice, now)
		if err != nil {
			return err
		}
		if d.Allowed {
			t, _, err := CreateCallback(ctx, q, inboundSystem, CallbackRequest{
				Participant: p, Reason: CallbackReasonCallMe, EarliestAt: d.SendAt,
				SourceKey: "inbound:" + strconv.FormatInt(id, 10), MaxAttempts: s.cfg.Voice.MaxAttempts, Now: now,
			})
			if err != nil {
				return err
			}
			details["callback_task"] = t.ID
		} else {
			details["callback_refused"] = d.Code
		}
	}
	_, err = audit.Append(ctx, q, inboundSystem, audit.Event{Action: ActionInboundReceived, ParticipantCode: p.Code, Details: details})
	return err
}

// ---- the inbox ----

type inboxItem struct {
	ID          int64      `json:"id"`
	Participant string     `json:"participant"`
	Initials    string     `json:"initials"`
	Channel     string     `json:"channel"`
	Kind        string     `json:"kind"`
	ReceivedAt  time.Time  `json:"received_at"`
	Read        bool       `json:"read"`
	ReadAt      *time.Time `json:"read_at"`
	// Text is her message; null once erased (erase-content).
	Text   *string `json:"text"`
	Erased bool    `json:"erased"`
}

// inbox is GET /v1/inbox: what the staff user's own participants (those
// whose caseworker they are) sent — replies, call-me, check-in answers
// (kind checkin_reply: already handled by the check-in logic, shown
// because she may have written more than the word) — unread first,
// newest first, with her text. Reading it is
// audited (inbox.read, one event per participant shown), and a text
// returned here counts as read by a person (shown_at): only then may
// erase-content remove it. ?unassigned=true (supervisors): texts of
// participants who have no caseworker, so none is left unread by nobody.
func (s *Server) inbox(c *gin.Context) {
	ctx := c.Request.Context()
	actor := auth.ActorOf(c)
	limit, err := httpx.PageLimit(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	unassigned := c.Query("unassigned") == "true"
	if unassigned && !actor.Role.Includes(auth.RoleSupervisor) {
		httpx.Fail(c, errs.New(errs.CodeForbidden, "unassigned replies are for supervisors"))
		return
	}
	items := []inboxItem{}
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		rows, err := q.Inbox(ctx, db.InboxParams{UserID: actor.UserID, Unassigned: unassigned, MaxRows: limit})
		if err != nil {
			return err
		}
		shown := map[string][]int64{}
		var order []string
		for _, r := range rows {
			it := inboxItem{ID: r.ID, Participant: r.ParticipantCode, Initials: r.ParticipantInitials, Channel: r.Channel,
				Kind: r.Kind, ReceivedAt: r.ReceivedAt.UTC(), Read: r.ReadAt.Valid, Erased: r.ErasedAt.Valid}
			if r.ReadAt.Valid {
				t := r.ReadAt.Time.UTC()
				it.ReadAt = &t
			}
			if len(r.BodyEnc) > 0 {
				b, err := s.keys.Open(keys.Body, r.BodyEnc)
				if err != nil {
					return err
				}
				text := string(b)
				it.Text = &text
				if _, ok := shown[r.ParticipantCode]; !ok {
					order = append(order, r.ParticipantCode)
				}
				shown[r.ParticipantCode] = append(shown[r.ParticipantCode], r.ID)
			}
			items = append(items, it)
		}
		var ids []int64
		for _, code := range order {
			if _, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionInboxRead, ParticipantCode: code, Details: map[string]any{
				"inbound_ids": shown[code], "count": len(shown[code]),
			}}); err != nil {
				return err
			}
			ids = append(ids, shown[code]...)
		}
		if len(ids) == 0 {
			return nil
		}
		return q.MarkInboundShown(ctx, db.MarkInboundShownParams{Ids: ids, Now: s.now()})
	})
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// markInboxRead is POST /v1/inbox/{id}/read.
func (s *Server) markInboxRead(c *gin.Context) {
	ctx := c.Request.Context()
	actor := auth.ActorOf(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.Fail(c, httpx.NotFound("inbound message"))
		return
	}
	now := s.now()
	var readAt time.Time
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		r, err := q.InboundForUpdate(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return httpx.NotFound("inbound message")
		} else if err != nil {
			return err
		}
		mine := r.CaseworkerID.Valid && r.CaseworkerID.Int64 == actor.UserID
		unassigned := !r.CaseworkerID.Valid && actor.Role.Includes(auth.RoleSupervisor)
		if (!mine && !unassigned) || (r.Kind != "reply" && r.Kind != "call_me" && r.Kind != "checkin_reply") {
			return httpx.NotFound("inbound message")
		}
		if r.ReadAt.Valid {
			readAt = r.ReadAt.Time
			return nil
		}
		readAt = now
		if err := q.MarkInboundRead(ctx, db.MarkInboundReadParams{ID: id, UserID: actor.UserID, Now: now}); err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, actor, audit.Event{Action: ActionInboxMarkedRead, ParticipantCode: r.ParticipantCode, Details: map[string]any{"inbound_id": id}})
		return err
	})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "read": true, "read_at": readAt.UTC()})
}
