package safety

import (
	"context"
	"database/sql"
	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/participant"
	"safecontact/keys"
	"strconv"
)

// flushNotices sends pending staff notices (see StaffAlerter.Flush); a
// bad row fails alone, as for escalation alerts.
func (al *StaffAlerter) flushNotices(ctx context.Context) (int, error) {
	s := al.s
	sent := 0
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		rows, err := q.ClaimStaffNotices(ctx, 50)
		if err != nil {
			return err
		}
		now := s.now()
		for _, r := range rows {
			finish := func(status, code string) error {
				return q.FinishStaffNotice(ctx, db.FinishStaffNoticeParams{ID: r.ID, Status: status,
					ErrorCode: sql.NullString{String: code, Valid: code != ""}, DoneAt: sql.NullTime{Time: now, Valid: true}})
			}
			u, err := q.UserByID(ctx, r.UserID)
			if err != nil {
				return err
			}
			if len(u.PhoneEnc) == 0 {
				if err := finish("failed", "no_staff_phone"); err != nil {
					return err
				}
				continue
			}
			num, err := s.keys.Open(keys.Contact, u.PhoneEnc)
			if err != nil {
				if err := finish("failed", "decrypt_failed"); err != nil {
					return err
				}
				continue
			}
			_, sendErr := al.sender.Send(ctx, channels.Outgoing{MessageID: "notice-" + strconv.FormatInt(r.ID, 10), Channel: "sms", To: string(num),
				Body: participant.StaffNoticeText(r.Notice)})
			clear(num)
			switch {
			case sendErr == nil:
				err = finish("done", "")
				sent++
			case channels.IsRetryable(sendErr) && r.Attempts < 5:
				err = q.RetryStaffNotice(ctx, db.RetryStaffNoticeParams{ID: r.ID, ErrorCode: sql.NullString{String: sendCode(sendErr), Valid: true}})
			default:
				err = finish("failed", sendCode(sendErr))
			}
			if err != nil {
				return err
			}
			s.log.Info("staff notice", "notice", r.Notice, "user_id", u.ID, "ok", sendErr == nil)
		}
		return nil
	})
	return sent, err
}
