package gateway

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/httpx"
	"safecontact/keys"
)

// Phone reveals: POST /v1/participants/{code}/reveal-phone {"reason": "…"}.
//
// Her number in clear, for this response only, to her caseworker or a
// supervisor (access.go), recorded with the reason (phone.revealed; the
// number never goes into the log). Each staff user has a small daily
// budget (RevealDailyBudget over the last 24 hours, default 5; 0: no
// reveals at all, 403 reveals_disabled): past it the reveal is refused
// (429 reveal_budget_exhausted) and recorded (phone.reveal_refused). A
// burst — RevealBurst reveals within RevealBurstWindow (default 3 in an
// hour) — or the first budget refusal of the day alerts the supervisors by
// SMS on their own phones (staff_notices, sent by the StaffAlerter). A
// refusal for access (not her caseworker) is recorded too, does not count
// as a budget refusal (it would hide the budget notice later that day),
// and RevealBurst of them within the window alert the supervisors:
// trying numbers that are not yours is worth knowing about.
//
// The count is taken from the audit log itself (index
// audit_events_reveals) under a per-user advisory lock, so concurrent
// reveals cannot overrun the budget.

// Notice codes of staff notices (staff_notices.notice).
const (
	noticeRevealBurst     = "reveal_burst"
	noticeRevealBudget    = "reveal_budget"
	noticeRevealForbidden = "reveal_forbidden"
	noticeNumberProbe     = "number_probe"
	noticeAckOutsideTeam  = "escalation_ack_outside_team"
)

// StaffNoticeText is the SMS for a notice: nothing about her, nor the
// staff member's name (supervisors read that in the audit log).
func StaffNoticeText(notice string) string {
	switch notice {
	case noticeRevealBurst:
		return "SafeContact: a staff account is revealing phone numbers faster than usual. Check the audit log (phone.revealed) now."
	case noticeRevealBudget:
		return "SafeContact: a staff account reached its daily limit of phone reveals. Check the audit log (phone.revealed)."
	case noticeRevealForbidden:
		return "SafeContact: a staff account keeps asking for phone numbers of participants who are not theirs. Check the audit log (phone.reveal_refused)."
	case noticeNumberProbe:
		return "SafeContact: a staff account keeps entering phone numbers that other participants have. Check the audit log (participant.number_refused)."
	case noticeAckOutsideTeam:
		return "SafeContact: an urgent escalation was acknowledged by someone outside her team; it stays open for her caseworker or a supervisor. Open the gateway."
	}
	return "SafeContact: please check the audit log."
}

func (s *Server) revealPhone(c *gin.Context) {
	ctx := c.Request.Context()
	reason, ok := httpx.BindReason(c, "you need her number")
	if !ok {
		return
	}
	actor := actorOf(c)
	now := s.now()
	var number []byte
	var code string
	var refused *errs.Error
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		p, err := s.participantByCode(ctx, q, c.Param("code"), false)
		if err != nil {
			return err
		}
		if err := q.LockRevealsOf(ctx, int32(actor.UserID)); err != nil {
			return err
		}
		n, err := q.RevealCounts(ctx, db.RevealCountsParams{UserID: sql.NullInt64{Int64: actor.UserID, Valid: true}, BurstSecs: s.cfg.RevealBurstWindow.Seconds()})
		if err != nil {
			return err
		}
		if e := authorize(actor, p, actReveal); e != nil {
			refused = errs.As(e)
			if _, err := Append(ctx, q, actor, AuditEvent{Action: "phone.reveal_refused", ParticipantCode: p.Code, Details: map[string]any{"code": "forbidden"}}); err != nil {
				return err
			}
			if int(n.ForbiddenBurst)+1 == s.cfg.RevealBurst {
				return s.noticeSupervisors(ctx, q, actor, noticeRevealForbidden, now)
			}
			return nil
		}
		budget := *s.cfg.RevealDailyBudget
		if budget == 0 {
			refused = errs.New("reveals_disabled", "phone numbers are not revealed on this gateway (its daily budget is 0); call her through the call-back queue")
			_, err := Append(ctx, q, actor, AuditEvent{Action: "phone.reveal_refused", ParticipantCode: p.Code, Details: map[string]any{"code": refused.Code}})
			return err
		}
		if int(n.Day) >= budget {
			who := "a supervisor can reveal it"
			if actor.Role.rank() >= RoleSupervisor.rank() {
				who = "another supervisor can reveal it"
			}
			refused = errs.New("reveal_budget_exhausted", "you have seen %d phone numbers in the last 24 hours, the most one account may; %s, or try again tomorrow", budget, who)
			if _, err := Append(ctx, q, actor, AuditEvent{Action: "phone.reveal_refused", ParticipantCode: p.Code, Details: map[string]any{
				"code": refused.Code, "budget": budget}}); err != nil {
				return err
			}
			if n.RefusedDay == 0 {
				return s.noticeSupervisors(ctx, q, actor, noticeRevealBudget, now)
			}
			return nil
		}
		num, err := s.keys.Open(keys.Contact, p.PhoneEnc)
		if err != nil {
			return errs.Internal(err)
		}
		if _, err := Append(ctx, q, actor, AuditEvent{Action: "phone.revealed", ParticipantCode: p.Code, Details: map[string]any{
			"reason": reason, "field": "phone", "key_id": keys.KeyID(p.PhoneEnc),
		}}); err != nil {
			return errs.Internal(err)
		}
		if int(n.Burst)+1 == s.cfg.RevealBurst {
			if err := s.noticeSupervisors(ctx, q, actor, noticeRevealBurst, now); err != nil {
				return err
			}
		}
		number, code = num, p.Code
		return nil
	})
	if err == nil && refused != nil {
		err = refused
	}
	if err != nil {
		if httpx.IsErr(err, "reveal_budget_exhausted") {
			c.Header("Retry-After", strconv.Itoa(int((24 * time.Hour).Seconds())))
		}
		httpx.Fail(c, err)
		return
	}
	defer clear(number)
	c.JSON(http.StatusOK, gin.H{"participant": code, "phone": string(number), "revealed_at": now.UTC(),
		"notice": "shown for this request only and recorded in the audit log with your reason; do not copy it into notes, messages or other systems"})
}

// noticeSupervisors queues a staff notice to every supervisor (in q's
// transaction) and records it.
func (s *Server) noticeSupervisors(ctx context.Context, q *db.Queries, about *Actor, notice string, now time.Time) error {
	sups, err := s.supervisors(ctx, q)
	if err != nil {
		return err
	}
	return s.noticeUsers(ctx, q, about, notice, sups, "", now)
}

// noticeTeam queues a staff notice about p to her caseworker and every
// supervisor.
func (s *Server) noticeTeam(ctx context.Context, q *db.Queries, about *Actor, p db.Participant, notice string, now time.Time) error {
	users, err := s.supervisors(ctx, q)
	if err != nil {
		return err
	}
	if p.CaseworkerID.Valid {
		u, err := q.UserByID(ctx, p.CaseworkerID.Int64)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && !u.DisabledAt.Valid && !slices.ContainsFunc(users, func(x db.User) bool { return x.ID == u.ID }) {
			users = append(users, u)
		}
	}
	return s.noticeUsers(ctx, q, about, notice, users, p.Code, now)
}

func (s *Server) noticeUsers(ctx context.Context, q *db.Queries, about *Actor, notice string, users []db.User, participant string, now time.Time) error {
	for _, u := range users {
		if err := q.InsertStaffNotice(ctx, db.InsertStaffNoticeParams{UserID: u.ID, Notice: notice, CreatedAt: now}); err != nil {
			return err
		}
	}
	_, err := Append(ctx, q, SystemActor("alerts"), AuditEvent{Action: "staff.notice", ParticipantCode: participant, Details: map[string]any{
		"notice": notice, "about_user": about.Name, "about_user_id": about.UserID, "recipients": len(users)}})
	return err
}

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
				Body: StaffNoticeText(r.Notice)})
			clear(num)
			switch {
			case sendErr == nil:
				err = finish("done", "")
				sent++
			case channels.IsRetryable(sendErr) && r.Attempts < 5:
				err = q.RetryStaffNotice(ctx, db.RetryStaffNoticeParams{ID: r.ID, ErrorCode: sql.NullString{String: errCode(sendErr), Valid: true}})
			default:
				err = finish("failed", errCode(sendErr))
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
