package message

// Message statuses move forward only, and the database holds the rule: every
// status write is an UPDATE whose WHERE carries message_status_may_move
// (migration 00014), and a trigger refuses any other backwards update. So a
// stale writer — the worker's failure path after a delivery callback, a
// retry after a callback, a second worker, reconciliation — changes nothing;
// it learns so from the row count and records what it saw as an audit event
// (message.late_outcome), never as a status change. Rank mirrors the SQL
// ranks for the decisions made in Go; TestStatusRankMatchesSQL keeps the
// two equal.

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
)

// MoveStatus moves a message to status with its event, in q's transaction,
// if that is a move forward; moved is false (and nothing is written) when
// the message already has a status of equal or higher rank.
func MoveStatus(ctx context.Context, q *db.Queries, id uuid.UUID, status, code string, now time.Time) (moved bool, err error) {
	n, err := q.SetMessageStatus(ctx, db.SetMessageStatusParams{ID: id, Status: status, UpdatedAt: now,
		ErrorCode: sql.NullString{String: code, Valid: code != ""}, Final: Final(status)})
	if err != nil || n == 0 {
		return false, err
	}
	return true, q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: id, Status: status, At: now, Code: sql.NullString{String: code, Valid: code != ""}})
}

// LateOutcome records, as an audit event only, an outcome that arrived after
// the message had moved past it (a provider timeout reported after the
// delivery callback): what happened is kept, the status is not rewritten.
func LateOutcome(ctx context.Context, q *db.Queries, a *auth.Actor, id uuid.UUID, participantCode, reported, code string) error {
	m, err := q.MessageByID(ctx, id)
	if err != nil {
		return err
	}
	_, err = audit.Append(ctx, q, a, audit.Event{Action: ActionLateOutcome, ParticipantCode: participantCode, Details: map[string]any{
		"message_id": id.String(), "reported": reported, "code": code, "kept": m.Status}})
	return err
}
