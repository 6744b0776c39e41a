package gateway

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
)

// twilio checks Twilio's webhooks with the configured token and URL.
func (s *Server) twilio() httpx.Twilio {
	return httpx.Twilio{AuthToken: s.cfg.TwilioAuthToken, PublicURL: s.cfg.PublicURL, Forged: s.metrics.forgedWebhooks.Inc}
}

// twilioStatus applies a delivery status callback. Callbacks come late,
// twice, or out of order: a status only ever moves forward by
// message.Rank (enforced in SQL), so delivered never goes back to sent.
func (s *Server) twilioStatus(c *gin.Context) {
	ctx := c.Request.Context()
	form, ok := s.twilio().Form(c, "/webhooks/twilio/status")
	if !ok {
		return
	}
	up, err := channels.ParseTwilioStatus(form)
	if err != nil {
		httpx.Fail(c, errs.New(errs.CodeInvalidParameter, "not a status callback"))
		return
	}
	var id uuid.UUID
	if parsed, perr := uuid.Parse(c.Query("m")); perr == nil {
		id = parsed
	}
	// Applied in a batch with other callbacks (one transaction for many),
	// answered only after it committed: nothing acknowledged is lost.
	_, err = s.statuses.do(ctx, statusReq{id: id, up: up})
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	c.Status(http.StatusNoContent)
}

// statusReq is one status callback waiting for its batch.
type statusReq struct {
	id uuid.UUID // our message id from the callback URL; Nil if absent
	up channels.StatusUpdate
}

// statusSet collects per-message status changes for SetStatusMany.
type statusSet struct {
	ids                                       []uuid.UUID
	statuses, providerIDs, providerSts, codes []string
	finals                                    []bool
}

func (u *statusSet) add(id uuid.UUID, status, providerID, providerStatus, code string) {
	u.ids = append(u.ids, id)
	u.statuses = append(u.statuses, status)
	u.providerIDs = append(u.providerIDs, providerID)
	u.providerSts = append(u.providerSts, providerStatus)
	u.codes = append(u.codes, code)
	u.finals = append(u.finals, message.Final(status))
}

func (u *statusSet) params(now time.Time) db.SetStatusManyParams {
	return db.SetStatusManyParams{Ids: db.Array(u.ids), Statuses: db.Array(u.statuses), ProviderIds: db.Array(u.providerIDs),
		ProviderStatuses: db.Array(u.providerSts), ErrorCodes: db.Array(u.codes), Finals: db.Array(u.finals), Now: now}
}

// applyStatuses applies status callbacks in one transaction (through a
// batcher: at high volume one transaction carries many callbacks).
func (s *Server) applyStatuses(ctx context.Context, batch []statusReq) ([]struct{}, error) {
	return make([]struct{}, len(batch)), s.applyStatusBatch(ctx, batch)
}

func (s *Server) applyStatusBatch(ctx context.Context, batch []statusReq) error {
	_, err := s.applyStatusUpdates(ctx, batch, auth.SystemActor("twilio"), "")
	return err
}

// applyStatusUpdates applies provider statuses to messages, forward only,
// in one transaction, and returns how many changed. sys is the audit
// actor; source, when set (reconciliation: "reconciled"), is the event
// code of a change that carries no error code, and the audit details name
// the status the message came from.
func (s *Server) applyStatusUpdates(ctx context.Context, batch []statusReq, sys *auth.Actor, source string) (int, error) {
	now := s.now()
	changed := 0
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		var err error
		changed, err = applyStatusUpdatesTx(ctx, q, batch, sys, source, now)
		return err
	})
	return changed, err
}

// applyStatusUpdatesTx is applyStatusUpdates in the caller's transaction
// q: it locks the messages' rows, decides each move on what they hold then
// (forward only), and writes the statuses, their events and the audit
// events there, so no other writer can come between the check and the
// write. It returns how many changed.
func applyStatusUpdatesTx(ctx context.Context, q *db.Queries, batch []statusReq, sys *auth.Actor, source string, now time.Time) (int, error) {
	// Callbacks without our id (older messages) are found by the
	// provider's sid, one by one.
	var ids []uuid.UUID
	for i := range batch {
		if batch[i].id == uuid.Nil {
			m, err := q.MessageByProviderIDForUpdate(ctx, sql.NullString{String: batch[i].up.ProviderID, Valid: true})
			if errors.Is(err, sql.ErrNoRows) {
				continue // not ours (or erased): 2xx so the provider stops
			} else if err != nil {
				return 0, err
			}
			batch[i].id = m.ID
		}
		ids = append(ids, batch[i].id)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	rows, err := q.MessagesWithCodeByIDsForUpdate(ctx, db.Array(ids))
	if err != nil {
		return 0, err
	}
	type state struct {
		status, providerID, code, providerStatus string
		participant                              string
		changed                                  bool
	}
	cur := map[uuid.UUID]*state{}
	for _, r := range rows {
		cur[r.ID] = &state{status: r.Status, providerID: r.ProviderID.String, participant: r.Code}
	}
	var evIDs []uuid.UUID
	var evStatuses, evCodes, actions, codes []string
	var details []string
	for _, r := range batch {
		st, ok := cur[r.id]
		if !ok {
			continue
		}
		if st.providerID != "" && st.providerID != r.up.ProviderID {
			continue // the id and the provider's sid disagree: ignore
		}
		// Only forward: delivered never goes back to sent, a duplicate
		// changes nothing. "queued"/"sending" from the provider carry no
		// news, and applied to a message marked unknown they would make
		// it look sendable again: ignored.
		if message.Rank(r.up.Status) <= message.Rank(st.status) || message.Rank(r.up.Status) <= message.Rank(message.StatusSending) {
			continue
		}
		code, from := "", st.status
		if r.up.ErrorCode != 0 {
			code = "provider_" + strconv.Itoa(r.up.ErrorCode)
		}
		st.status, st.providerID, st.providerStatus, st.changed = r.up.Status, r.up.ProviderID, r.up.ProviderStatus, true
		if code != "" {
			st.code = code
		}
		evIDs = append(evIDs, r.id)
		evStatuses = append(evStatuses, r.up.Status)
		actions = append(actions, "message."+r.up.Status)
		codes = append(codes, st.participant)
		d := map[string]any{"message_id": r.id.String(), "provider_status": r.up.ProviderStatus}
		if code != "" {
			d["code"] = code
		}
		if source != "" {
			d["reconciled_from"] = from
			if code == "" {
				code = source
			}
		}
		evCodes = append(evCodes, code)
		j, _ := json.Marshal(d)
		details = append(details, string(j))
	}
	if len(evIDs) == 0 {
		return 0, nil
	}
	var p statusSet
	for id, st := range cur {
		if st.changed {
			p.add(id, st.status, st.providerID, st.providerStatus, st.code)
		}
	}
	if err := q.SetStatusMany(ctx, p.params(now)); err != nil {
		return 0, err
	}
	if err := q.InsertMessageEventsMany(ctx, db.InsertMessageEventsManyParams{Ids: db.Array(evIDs), Statuses: db.Array(evStatuses), Codes: db.Array(evCodes), At: now}); err != nil {
		return 0, err
	}
	return len(evIDs), q.AppendAuditMany(ctx, db.AppendAuditManyParams{ActorName: sys.Name, ActorRole: string(sys.Role), Actions: db.Array(actions), ParticipantCodes: db.Array(codes), Details: db.Array(details)})
}
