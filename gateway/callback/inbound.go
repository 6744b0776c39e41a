package callback

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
//     case ignored; see words.go): her consent for that channel is
//     revoked (source inbound_stop). No confirmation is ever sent — on a
//     monitored phone it would show that she had been receiving messages,
//     and we do not tell a monitored phone from another one reliably
//     enough to make an exception;
//   - a reply to a pending safety check-in: the check-in hook
//     (Deps.Checkins) takes it;
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

const RouteInbound = "/webhooks/twilio/inbound"

// replies are her inbound messages: the webhook that takes them and the
// inbox that shows them to staff.
type replies struct{ s *Service }

var inboundSystem = auth.SystemActor("inbound")

func (h replies) twilioInbound(c *gin.Context) {
	form, ok := h.s.twilio.Form(c, RouteInbound)
	if !ok {
		return
	}
	in, err := channels.ParseTwilioInbound(form)
	if err != nil {
		httpx.Fail(c, errs.New(errs.CodeInvalidParameter, "not an incoming-message webhook"))
		return
	}
	if err := h.s.Receive(c.Request.Context(), in); err != nil {
		// Twilio retries; the provider sid makes the retry safe.
		httpx.Fail(c, errs.Internal(err))
		return
	}
	httpx.WriteTwiML(c, &channels.TwiML{})
}

// Receive stores and acts on one inbound message, in its own
// transaction. A repeat of the same provider sid changes nothing.
func (s *Service) Receive(ctx context.Context, in channels.Inbound) error {
	now := s.now()
	return db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		return replies{s}.applyInbound(ctx, q, in, now)
	})
}

// applyInbound stores and acts on one inbound message in q's transaction.
func (h replies) applyInbound(ctx context.Context, q *db.Queries, in channels.Inbound, now time.Time) error {
	idx := h.s.keys.BlindIndex(in.From)
	insert := func(pid int64, kind string, body []byte) (int64, bool, error) {
		var enc []byte
		if body != nil {
			enc = h.s.keys.Seal(keys.Body, body)
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
	// be a stop word too ("basta", "stop") must reach the check-in logic,
	// not silently end her consent and swallow the alarm.
	if h.s.checkins != nil {
		handled, err := h.s.checkins.HandleCheckinReply(ctx, q, p, in.Body, now)
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
	if h.s.stops.IsStop(in.Body, p.Language) {
		if err := q.SetInboundKind(ctx, db.SetInboundKindParams{ID: id, Kind: "stop"}); err != nil {
			return err
		}
		_, folded, err := h.s.participants.ConsentsOf(ctx, q, p.ID, now)
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
	if h.s.stops.IsCallMe(in.Body) {
		details["kind"] = "call_me"
		if err := q.SetInboundKind(ctx, db.SetInboundKindParams{ID: id, Kind: "call_me"}); err != nil {
			return err
		}
		d, err := h.s.participants.Decide(ctx, q, p, consent.Voice, now)
		if err != nil {
			return err
		}
		if d.Allowed {
			t, _, err := Create(ctx, q, inboundSystem, Request{
				Participant: p, Reason: ReasonCallMe, EarliestAt: d.SendAt,
				SourceKey: "inbound:" + strconv.FormatInt(id, 10), MaxAttempts: h.s.cfg.MaxAttempts, Now: now,
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
func (h replies) inbox(c *gin.Context) {
	limit, err := httpx.PageLimit(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	items, err := h.inboxItems(c.Request.Context(), auth.ActorOf(c), inboxQuery{Unassigned: c.Query("unassigned") == "true", Limit: limit, Texts: true})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type inboxQuery struct {
	// Unassigned: the replies of participants without a caseworker
	// (supervisors only).
	Unassigned bool
	Limit      int32
	// Texts: with her texts, which is a reading (audited, shown_at);
	// without, the list says who wrote when, and reads nothing.
	Texts bool
}

// inboxItems is the inbox of a: her own participants' replies (or the
// unassigned ones), unread first, newest first.
func (h replies) inboxItems(ctx context.Context, actor *auth.Actor, in inboxQuery) ([]inboxItem, error) {
	if in.Unassigned && !actor.Oversees() {
		return nil, errs.New(errs.CodeForbidden, "unassigned replies are for supervisors")
	}
	items := []inboxItem{}
	err := db.InTx(ctx, h.s.db, func(q *db.Queries, _ *sql.Tx) error {
		rows, err := q.Inbox(ctx, db.InboxParams{UserID: actor.UserID, Unassigned: in.Unassigned, MaxRows: in.Limit})
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
			if in.Texts && len(r.BodyEnc) > 0 {
				b, err := h.s.keys.Open(keys.Body, r.BodyEnc)
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
		return h.recordShown(ctx, q, actor, order, shown)
	})
	if err != nil {
		return nil, errs.Internal(err)
	}
	return items, nil
}

// recordShown records that a person was shown these texts (by
// participant, in order): one inbox.read event per participant, and the
// texts count as read by a person (shown_at).
func (h replies) recordShown(ctx context.Context, q *db.Queries, actor *auth.Actor, order []string, shown map[string][]int64) error {
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
	return q.MarkInboundShown(ctx, db.MarkInboundShownParams{Ids: ids, Now: h.s.now()})
}

// inboxReadable: a's inbox holds this inbound message (her caseworker's,
// or a supervisor's when she has none) and it is one a person reads.
func inboxReadable(a *auth.Actor, caseworker sql.NullInt64, kind string) bool {
	mine := caseworker.Valid && caseworker.Int64 == a.UserID
	unassigned := !caseworker.Valid && a.Oversees()
	return (mine || unassigned) && (kind == "reply" || kind == "call_me" || kind == "checkin_reply")
}

// markRead marks inbound message id read by a, audited.
func (h replies) markRead(ctx context.Context, q *db.Queries, a *auth.Actor, id int64, code string, now time.Time) error {
	if err := q.MarkInboundRead(ctx, db.MarkInboundReadParams{ID: id, UserID: a.UserID, Now: now}); err != nil {
		return err
	}
	_, err := audit.Append(ctx, q, a, audit.Event{Action: ActionInboxMarkedRead, ParticipantCode: code, Details: map[string]any{"inbound_id": id}})
	return err
}

// markInboxRead is POST /v1/inbox/{id}/read.
func (h replies) markInboxRead(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.Fail(c, httpx.NotFound("inbound message"))
		return
	}
	readAt, err := h.markInboxItemRead(c.Request.Context(), auth.ActorOf(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "read": true, "read_at": readAt.UTC()})
}

// markInboxItemRead marks a reply in a's inbox read (without reading it:
// it does not count as shown) and returns when it was first read.
func (h replies) markInboxItemRead(ctx context.Context, actor *auth.Actor, id int64) (time.Time, error) {
	now := h.s.now()
	var readAt time.Time
	err := db.InTx(ctx, h.s.db, func(q *db.Queries, _ *sql.Tx) error {
		r, err := q.InboundForUpdate(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return httpx.NotFound("inbound message")
		} else if err != nil {
			return err
		}
		if !inboxReadable(actor, r.CaseworkerID, r.Kind) {
			return httpx.NotFound("inbound message")
		}
		if r.ReadAt.Valid {
			readAt = r.ReadAt.Time
			return nil
		}
		readAt = now
		return h.markRead(ctx, q, actor, id, r.ParticipantCode, now)
	})
	return readAt, err
}

// openInboxItem is one reply in a's inbox with her text, for the person
// opening it: the text counts as shown (inbox.read, as the inbox list
// with texts records it) and the reply as read (inbox.marked_read), as
// GET /v1/inbox and POST /v1/inbox/{id}/read together do.
func (h replies) openInboxItem(ctx context.Context, actor *auth.Actor, id int64) (inboxItem, error) {
	now := h.s.now()
	var it inboxItem
	err := db.InTx(ctx, h.s.db, func(q *db.Queries, _ *sql.Tx) error {
		r, err := q.InboundToOpen(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return httpx.NotFound("inbound message")
		} else if err != nil {
			return err
		}
		if !inboxReadable(actor, r.CaseworkerID, r.Kind) {
			return httpx.NotFound("inbound message")
		}
		it = inboxItem{ID: r.ID, Participant: r.ParticipantCode, Initials: r.ParticipantInitials, Channel: r.Channel,
			Kind: r.Kind, ReceivedAt: r.ReceivedAt.UTC(), Read: true, Erased: r.ErasedAt.Valid}
		if len(r.BodyEnc) > 0 {
			b, err := h.s.keys.Open(keys.Body, r.BodyEnc)
			if err != nil {
				return err
			}
			text := string(b)
			it.Text = &text
			if err := h.recordShown(ctx, q, actor, []string{r.ParticipantCode}, map[string][]int64{r.ParticipantCode: {r.ID}}); err != nil {
				return err
			}
		}
		readAt := now
		if r.ReadAt.Valid {
			readAt = r.ReadAt.Time
		} else if err := h.markRead(ctx, q, actor, id, r.ParticipantCode, now); err != nil {
			return err
		}
		readAt = readAt.UTC()
		it.ReadAt = &readAt
		return nil
	})
	if err != nil {
		return it, errs.As(err)
	}
	return it, nil
}
