package participant

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/keys"
)

// Phone reveals: POST /v1/participants/{code}/reveal-phone {"reason": "…"}.
//
// Her number in clear, for this response only, to her caseworker or a
// supervisor (access.go), recorded with the reason (phone.revealed; the
// number never goes into the log). Under strict confidentiality only a
// supervisor may (403 strict_confidentiality to her caseworker, recorded
// as a refusal). Each staff user has a small daily
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

// The error codes this file answers with (statuses: errs/status.go).
const (
	CodeRevealBudgetExhausted = "reveal_budget_exhausted"
	CodeRevealsDisabled       = "reveals_disabled"
)

// The audit actions this file records.
const (
	ActionPhoneRevealRefused = "phone.reveal_refused"
	ActionPhoneRevealed      = "phone.revealed"
	ActionStaffNotice        = "staff.notice"
)

// Notice codes of staff notices (staff_notices.notice).
const (
	NoticeRevealBurst     = "reveal_burst"
	NoticeRevealBudget    = "reveal_budget"
	NoticeRevealForbidden = "reveal_forbidden"
	NoticeNumberProbe     = "number_probe"
	NoticeAckOutsideTeam  = "escalation_ack_outside_team"
)

// StaffNoticeText is the SMS for a notice: nothing about her, nor the
// staff member's name (supervisors read that in the audit log).
func StaffNoticeText(notice string) string {
	switch notice {
	case NoticeRevealBurst:
		return "SafeContact: a staff account is revealing phone numbers faster than usual. Check the audit log (phone.revealed) now."
	case NoticeRevealBudget:
		return "SafeContact: a staff account reached its daily limit of phone reveals. Check the audit log (phone.revealed)."
	case NoticeRevealForbidden:
		return "SafeContact: a staff account keeps asking for phone numbers of participants who are not theirs. Check the audit log (phone.reveal_refused)."
	case NoticeNumberProbe:
		return "SafeContact: a staff account keeps entering phone numbers that other participants have. Check the audit log (participant.number_refused)."
	case NoticeAckOutsideTeam:
		return "SafeContact: an urgent escalation was acknowledged by someone outside her team; it stays open for her caseworker or a supervisor. Open the gateway."
	}
	return "SafeContact: please check the audit log."
}

func (h handlers) revealPhone(c *gin.Context) {
	reason, ok := httpx.BindReason(c, RevealWhy)
	if !ok {
		return
	}
	rv, err := h.s.RevealPhone(c.Request.Context(), auth.ActorOf(c), c.Param("code"), reason)
	if err != nil {
		if httpx.IsErr(err, CodeRevealBudgetExhausted) {
			c.Header("Retry-After", strconv.Itoa(int((24 * time.Hour).Seconds())))
		}
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"participant": rv.Code, "phone": rv.Phone, "revealed_at": rv.At,
		"notice": "shown for this request only and recorded in the audit log with your reason; do not copy it into notes, messages or other systems"})
}

// RevealWhy completes "say why …" in a reveal's reason_required.
const RevealWhy = "you need her number"

// Revealed is her number in clear, for one answer only.
type Revealed struct {
	Code  string
	Phone string
	At    time.Time // UTC
}

// RevealPhone shows her number to actor, within the reveal rules above, and
// records it with reason (checked as httpx.CheckReason checks it).
func (s *Service) RevealPhone(ctx context.Context, actor *auth.Actor, code, reason string) (Revealed, error) {
	reason, err := httpx.CheckReason(reason, RevealWhy)
	if err != nil {
		return Revealed{}, err
	}
	now := s.now()
	var number []byte
	var refused *errs.Error
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		p, err := s.ByCode(ctx, q, code, false)
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
		if e := Authorize(actor, p, ActReveal); e != nil {
			refused = errs.As(e)
			if _, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionPhoneRevealRefused, ParticipantCode: p.Code, Details: map[string]any{"code": refused.Code}}); err != nil {
				return err
			}
			// Her own caseworker refused for strict confidentiality is not
			// probing: only refusals outside her team count to the alert.
			if refused.Code == errs.CodeForbidden && int(n.ForbiddenBurst)+1 == s.cfg.RevealBurst {
				return s.noticeSupervisors(ctx, q, actor, NoticeRevealForbidden, now)
			}
			return nil
		}
		budget := *s.cfg.RevealDailyBudget
		if budget == 0 {
			refused = errs.New(CodeRevealsDisabled, "phone numbers are not revealed on this gateway (its daily budget is 0); call her through the call-back queue")
			_, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionPhoneRevealRefused, ParticipantCode: p.Code, Details: map[string]any{"code": refused.Code}})
			return err
		}
		if int(n.Day) >= budget {
			who := "a supervisor can reveal it"
			if actor.Oversees() {
				who = "another supervisor can reveal it"
			}
			refused = errs.New(CodeRevealBudgetExhausted, "you have seen %d phone numbers in the last 24 hours, the most one account may; %s, or try again tomorrow", budget, who)
			if _, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionPhoneRevealRefused, ParticipantCode: p.Code, Details: map[string]any{
				"code": refused.Code, "budget": budget}}); err != nil {
				return err
			}
			if n.RefusedDay == 0 {
				return s.noticeSupervisors(ctx, q, actor, NoticeRevealBudget, now)
			}
			return nil
		}
		num, err := s.keys.Open(keys.Contact, p.PhoneEnc)
		if err != nil {
			return errs.Internal(err)
		}
		if _, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionPhoneRevealed, ParticipantCode: p.Code, Details: map[string]any{
			"reason": reason, "field": "phone", "key_id": keys.KeyID(p.PhoneEnc),
		}}); err != nil {
			return errs.Internal(err)
		}
		if int(n.Burst)+1 == s.cfg.RevealBurst {
			if err := s.noticeSupervisors(ctx, q, actor, NoticeRevealBurst, now); err != nil {
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
		return Revealed{}, err
	}
	defer clear(number)
	return Revealed{Code: code, Phone: string(number), At: now.UTC()}, nil
}

// noticeSupervisors queues a staff notice to every supervisor (in q's
// transaction) and records it.
func (s *Service) noticeSupervisors(ctx context.Context, q *db.Queries, about *auth.Actor, notice string, now time.Time) error {
	sups, err := s.Supervisors(ctx, q)
	if err != nil {
		return err
	}
	return s.noticeUsers(ctx, q, about, notice, sups, "", now)
}

// NoticeTeam queues a staff notice about p to her caseworker and every
// supervisor.
func (s *Service) NoticeTeam(ctx context.Context, q *db.Queries, about *auth.Actor, p db.Participant, notice string, now time.Time) error {
	users, err := s.Supervisors(ctx, q)
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

func (s *Service) noticeUsers(ctx context.Context, q *db.Queries, about *auth.Actor, notice string, users []db.User, participant string, now time.Time) error {
	for _, u := range users {
		if err := q.InsertStaffNotice(ctx, db.InsertStaffNoticeParams{UserID: u.ID, Notice: notice, CreatedAt: now}); err != nil {
			return err
		}
	}
	_, err := audit.Append(ctx, q, auth.SystemActor("alerts"), audit.Event{Action: ActionStaffNotice, ParticipantCode: participant, Details: map[string]any{
		"notice": notice, "about_user": about.Name, "about_user_id": about.UserID, "recipients": len(users)}})
	return err
}

// Supervisors are the users staff notices and escalations go to: the
// configured names (Config.Supervisors) that are active, else every
// active supervisor.
func (s *Service) Supervisors(ctx context.Context, q *db.Queries) ([]db.User, error) {
	if len(s.cfg.Supervisors) == 0 {
		return q.ActiveUsersByRole(ctx, string(auth.RoleSupervisor))
	}
	var out []db.User
	for _, n := range s.cfg.Supervisors {
		u, err := q.UserByName(ctx, n)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !u.DisabledAt.Valid {
			out = append(out, u)
		}
	}
	return out, nil
}
