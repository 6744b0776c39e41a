package message

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/auth"
)

// StatusReport is one provider status for a message: a status callback
// waiting for its batch, or what reconciliation learned.
type StatusReport struct {
	ID     uuid.UUID // our message id from the callback URL; Nil if absent
	Update channels.StatusUpdate
}

// StatusSet collects per-message status changes for SetStatusMany.
type StatusSet struct {
	ids                                       []uuid.UUID
	statuses, providerIDs, providerSts, codes []string
	finals                                    []bool
}

// Add is one message's new status.
func (u *StatusSet) Add(id uuid.UUID, status, providerID, providerStatus, code string) {
	u.ids = append(u.ids, id)
	u.statuses = append(u.statuses, status)
	u.providerIDs = append(u.providerIDs, providerID)
	u.providerSts = append(u.providerSts, providerStatus)
	u.codes = append(u.codes, code)
	u.finals = append(u.finals, Final(status))
}

// Params are the collected changes as SetStatusMany's arrays.
func (u *StatusSet) Params(now time.Time) db.SetStatusManyParams {
	return db.SetStatusManyParams{Ids: db.Array(u.ids), Statuses: db.Array(u.statuses), ProviderIds: db.Array(u.providerIDs),
		ProviderStatuses: db.Array(u.providerSts), ErrorCodes: db.Array(u.codes), Finals: db.Array(u.finals), Now: now}
}

// applyStatuses applies status callbacks in one transaction (through a
// batcher: at high volume one transaction carries many callbacks).
func (s *Service) applyStatuses(ctx context.Context, batch []StatusReport) ([]struct{}, error) {
	_, err := s.ApplyStatusUpdates(ctx, batch, auth.SystemActor("twilio"), "")
	return make([]struct{}, len(batch)), err
}

// ApplyStatusUpdates applies provider statuses to messages, forward only,
// in one transaction, and returns how many changed. sys is the audit
// actor; source, when set (reconciliation: "reconciled"), is the event
// code of a change that carries no error code, and the audit details name
// the status the message came from.
func (s *Service) ApplyStatusUpdates(ctx context.Context, batch []StatusReport, sys *auth.Actor, source string) (int, error) {
	return ApplyStatusUpdatesIn(ctx, s.d.DB, batch, sys, source, s.d.Now())
}

// ApplyStatusUpdatesIn is ApplyStatusUpdatesTx in a transaction of its own
// on conn.
func ApplyStatusUpdatesIn(ctx context.Context, conn *sql.DB, batch []StatusReport, sys *auth.Actor, source string, now time.Time) (int, error) {
	changed := 0
	err := db.InTx(ctx, conn, func(q *db.Queries, _ *sql.Tx) error {
		var err error
		changed, err = ApplyStatusUpdatesTx(ctx, q, batch, sys, source, now)
		return err
	})
	return changed, err
}

// ApplyStatusUpdatesTx is ApplyStatusUpdates in the caller's transaction
// q: it locks the messages' rows, decides each move on what they hold then
// (forward only), and writes the statuses, their events and the audit
// events there, so no other writer can come between the check and the
// write. It returns how many changed.
func ApplyStatusUpdatesTx(ctx context.Context, q *db.Queries, batch []StatusReport, sys *auth.Actor, source string, now time.Time) (int, error) {
	// Callbacks without our id (older messages) are found by the
	// provider's sid, one by one.
	var ids []uuid.UUID
	for i := range batch {
		if batch[i].ID == uuid.Nil {
			m, err := q.MessageByProviderIDForUpdate(ctx, sql.NullString{String: batch[i].Update.ProviderID, Valid: true})
			if errors.Is(err, sql.ErrNoRows) {
				continue // not ours (or erased): 2xx so the provider stops
			} else if err != nil {
				return 0, err
			}
			batch[i].ID = m.ID
		}
		ids = append(ids, batch[i].ID)
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
		st, ok := cur[r.ID]
		if !ok {
			continue
		}
		if st.providerID != "" && st.providerID != r.Update.ProviderID {
			continue // the id and the provider's sid disagree: ignore
		}
		// Only forward: delivered never goes back to sent, a duplicate
		// changes nothing. "queued"/"sending" from the provider carry no
		// news, and applied to a message marked unknown they would make
		// it look sendable again: ignored.
		if Rank(r.Update.Status) <= Rank(st.status) || Rank(r.Update.Status) <= Rank(StatusSending) {
			continue
		}
		code, from := "", st.status
		if r.Update.ErrorCode != 0 {
			code = "provider_" + strconv.Itoa(r.Update.ErrorCode)
		}
		st.status, st.providerID, st.providerStatus, st.changed = r.Update.Status, r.Update.ProviderID, r.Update.ProviderStatus, true
		if code != "" {
			st.code = code
		}
		evIDs = append(evIDs, r.ID)
		evStatuses = append(evStatuses, r.Update.Status)
		actions = append(actions, ActionStatusPrefix+r.Update.Status)
		codes = append(codes, st.participant)
		d := map[string]any{"message_id": r.ID.String(), "provider_status": r.Update.ProviderStatus}
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
	var p StatusSet
	for id, st := range cur {
		if st.changed {
			p.Add(id, st.status, st.providerID, st.providerStatus, st.code)
		}
	}
	if err := q.SetStatusMany(ctx, p.Params(now)); err != nil {
		return 0, err
	}
	if err := q.InsertMessageEventsMany(ctx, db.InsertMessageEventsManyParams{Ids: db.Array(evIDs), Statuses: db.Array(evStatuses), Codes: db.Array(evCodes), At: now}); err != nil {
		return 0, err
	}
	return len(evIDs), q.AppendAuditMany(ctx, db.AppendAuditManyParams{ActorName: sys.Name, ActorRole: string(sys.Role), Actions: db.Array(actions), ParticipantCodes: db.Array(codes), Details: db.Array(details)})
}
