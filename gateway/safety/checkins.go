package safety

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
	"safecontact/gateway/participant"
	"safecontact/gateway/safety/rules"
	"safecontact/keys"
	"safecontact/templates"
	"safecontact/textcheck"
)

// Safety check-ins.
//
// A plan (one per participant) says when the system asks her "are you
// OK?": every N days or on given weekdays, at a local time inside one of
// her safe windows. The scheduler step startDueCheckins claims due plans
// through the checkin_plans_due index (FOR UPDATE SKIP LOCKED) and, in ONE
// transaction, writes the check-in row, its safety_checkin message (safety
// lane: priority 1, outbox row on contact.<ch>.priority) and the plan's
// next due time, set-based for the whole batch. A crash before the commit
// leaves the plan due (the next leader sends it); after it, the plan has
// moved on. (participant, slot) is unique, so a slot is never sent twice.
//
// Her reply (HandleCheckinReply, called by the inbound webhook):
//   - ok_reply or the code → closed "ok";
//   - help_reply → closed "help", a normal-priority call-back escalation;
//   - a duress word → closed "duress", a silent urgent escalation: nothing
//     different is sent to her phone (nothing at all is sent back);
//   - no reply within grace → one neutral nudge (please_contact, safety
//     lane), the only extra message of the check-in; no reply within a
//     second grace → closed "missed" and an urgent escalation.
//
// Interval plans: the first slot must be inside a window; a later slot
// that falls outside one goes at her next safe time (the decision's
// SendAt) and the grace runs from then. Weekday plans: every chosen
// weekday at that time must be inside a window.

// The error codes this file answers with (statuses: errs/status.go).
const (
	CodeCheckinTimeUnsafe = "checkin_time_unsafe"
	CodeInvalidTimeZone   = "invalid_time_zone"
)

// The audit actions this file records.
const (
	ActionCheckinDuress      = "checkin.duress"
	ActionCheckinHelp        = "checkin.help"
	ActionCheckinMissed      = "checkin.missed"
	ActionCheckinNudged      = "checkin.nudged"
	ActionCheckinOk          = "checkin.ok"
	ActionCheckinPlanDeleted = "checkin.plan_deleted"
	ActionCheckinPlanSet     = "checkin.plan_set"
	ActionCheckinRefused     = "checkin.refused"
)

// CheckinPlanInput is the body of POST
// /v1/participants/{code}/checkin-plan.
type CheckinPlanInput struct {
	Every       json.RawMessage `json:"every"`
	At          string          `json:"at"`
	Channel     string          `json:"channel"`
	Grace       string          `json:"grace"`
	OkReply     string          `json:"ok_reply"`
	HelpReply   string          `json:"help_reply"`
	DuressWords []string        `json:"duress_words"`
	// keepDuress (the console's change form, never JSON): with no duress
	// words given, keep the ones her current plan has, which the console
	// never sees.
	keepDuress bool
}

type checkinPlanView struct {
	Participant string    `json:"participant"`
	EveryDays   int       `json:"every_days,omitempty"`
	Weekdays    []string  `json:"weekdays,omitempty"`
	At          string    `json:"at"`
	Channel     string    `json:"channel"`
	Grace       string    `json:"grace"`
	OkReply     string    `json:"ok_reply"`
	HelpReply   string    `json:"help_reply"`
	DuressWords int       `json:"duress_words"` // a count: never the words
	NextDueAt   time.Time `json:"next_due_at"`
}

// checkins are the check-in plan steps: setting, reading and stopping a
// plan, and the scheduler's sending and deadline steps.
type checkins struct{ *Service }

// setCheckinPlan sets (or replaces) her check-in plan: the API's POST
// /v1/participants/{code}/checkin-plan and the console's plan form.
func (s checkins) setCheckinPlan(ctx context.Context, a *auth.Actor, code string, in CheckinPlanInput) (checkinPlanView, error) {
	now := s.now()
	everyDays, weekdays, err := rules.ParseEvery(in.Every)
	if err != nil {
		return checkinPlanView{}, err
	}
	h, m, ok := rules.ParseClock(in.At)
	if !ok {
		return checkinPlanView{}, errs.Field(errs.CodeInvalidParameter, "at", "at is a local time HH:MM")
	}
	if in.Channel == "" {
		in.Channel = "auto"
	}
	ch, err := consent.ParseChannel(in.Channel, true)
	if err != nil || ch == consent.Voice {
		return checkinPlanView{}, errs.Field(participant.CodeInvalidChannel, "channel", "a check-in goes by sms, whatsapp or auto")
	}
	if in.Grace == "" {
		in.Grace = "2h"
	}
	grace, err := time.ParseDuration(in.Grace)
	if err != nil || grace < 10*time.Minute || grace > 72*time.Hour {
		return checkinPlanView{}, errs.Field(errs.CodeInvalidParameter, "grace", "grace is a duration between 10m and 72h, e.g. \"2h\"")
	}
	// Her words are sealed, never shown in clear, but still plain text only.
	for _, f := range []struct {
		field string
		words []string
	}{{"ok_reply", []string{in.OkReply}}, {"help_reply", []string{in.HelpReply}}, {"duress_words", in.DuressWords}} {
		for _, x := range f.words {
			if err := textcheck.Chars(f.field, x); err != nil {
				return checkinPlanView{}, err
			}
		}
	}
	rep, err := rules.PlanReplies(in.OkReply, in.HelpReply, in.DuressWords)
	if err != nil {
		return checkinPlanView{}, err
	}
	var view checkinPlanView
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		p, err := s.participants.For(ctx, q, a, code, true, participant.ActCheckins)
		if err != nil {
			return err
		}
		if in.keepDuress && len(rep.Duress) == 0 {
			if rep.Duress, err = s.keptDuressWords(ctx, q, p.ID, rep); err != nil {
				return err
			}
		}
		prof := participant.ProfileOf(p)
		if prof.TimeZone == nil {
			return errs.Field(CodeInvalidTimeZone, "time_zone", "her time zone is not known")
		}
		ws, anyTime := consent.EffectiveWindows(prof)
		first := rules.NextSlot(everyDays, weekdays, in.At, prof.TimeZone, time.Time{}, now)
		if !anyTime {
			check := []time.Time{first}
			if len(weekdays) > 0 {
				check = check[:0]
				for _, w := range weekdays {
					check = append(check, rules.NextSlot(0, []int32{w}, in.At, prof.TimeZone, time.Time{}, now))
				}
			}
			for _, t := range check {
				if !consent.InWindow(ws, prof.TimeZone, t) {
					return errs.Field(CodeCheckinTimeUnsafe, "at", "%02d:%02d on %s is outside her safe contact windows", h, m, rules.WeekdayNames[t.In(prof.TimeZone).Weekday()])
				}
			}
		}
		sealed, _ := json.Marshal(rep)
		var everySecs sql.NullInt64
		if everyDays > 0 {
			everySecs = sql.NullInt64{Int64: int64(everyDays) * 86400, Valid: true}
		}
		plan, err := q.UpsertCheckinPlan(ctx, db.UpsertCheckinPlanParams{ParticipantID: p.ID, EverySeconds: everySecs, Weekdays: weekdays,
			AtLocal: in.At, Channel: string(ch), GraceSeconds: int64(grace / time.Second), RepliesEnc: s.keys.Seal(keys.Contact, sealed),
			DuressCount: int32(len(rep.Duress)), NextDueAt: first, CreatedBy: sql.NullInt64{Int64: a.UserID, Valid: a.UserID != 0}, CreatedAt: now})
		if err != nil {
			return err
		}
		if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionCheckinPlanSet, ParticipantCode: p.Code, Details: map[string]any{
			"every_days": everyDays, "weekdays": len(weekdays), "channel": ch, "grace_seconds": plan.GraceSeconds,
			"duress_words": len(rep.Duress), "next_due_at": first}}); err != nil {
			return err
		}
		view = planView(p.Code, plan, rep)
		return nil
	})
	if err != nil {
		return checkinPlanView{}, err
	}
	return view, nil
}

// keptDuressWords are the duress words of her current plan (none without
// one). Keeping them keeps her ok and help replies too: a changed reply is
// refused whatever it is, since refusing only one that equals a kept word
// would tell her team, who never see the words, that they guessed one.
func (s checkins) keptDuressWords(ctx context.Context, q *db.Queries, participantID int64, rep rules.Replies) ([]string, error) {
	plan, err := q.CheckinPlan(ctx, participantID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	old, err := s.openReplies(plan.RepliesEnc)
	if err != nil {
		return nil, err
	}
	if len(old.Duress) > 0 && (rep.Ok != old.Ok || rep.Help != old.Help) {
		return nil, errs.Field(errs.CodeInvalidParameter, "ok_reply", "keeping her duress words keeps her replies: to change ok_reply or help_reply, give the duress words again")
	}
	return old.Duress, nil
}

func planView(code string, plan db.CheckinPlan, rep rules.Replies) checkinPlanView {
	v := checkinPlanView{Participant: code, At: plan.AtLocal, Channel: plan.Channel, Grace: (time.Duration(plan.GraceSeconds) * time.Second).String(),
		OkReply: rep.Ok, HelpReply: rep.Help, DuressWords: int(plan.DuressCount), NextDueAt: plan.NextDueAt.UTC()}
	if plan.EverySeconds.Valid {
		v.EveryDays = int(plan.EverySeconds.Int64 / 86400)
	}
	for _, w := range plan.Weekdays {
		v.Weekdays = append(v.Weekdays, rules.WeekdayNames[w])
	}
	return v
}

func (s checkins) openReplies(enc []byte) (rules.Replies, error) {
	var rep rules.Replies
	raw, err := s.keys.Open(keys.Contact, enc)
	if err != nil {
		return rep, err
	}
	err = json.Unmarshal(raw, &rep)
	return rep, err
}

// checkinView is one recent check-in of her plan.
type checkinView struct {
	ID       string     `json:"id"`
	Slot     time.Time  `json:"slot"`
	Status   string     `json:"status"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// checkinPlanOf is her plan (never the duress words: their count) and her
// recent check-ins; 404 when she has none.
func (s checkins) checkinPlanOf(ctx context.Context, a *auth.Actor, code string) (checkinPlanView, []checkinView, error) {
	p, err := s.participants.For(ctx, s.q, a, code, false, participant.ActView)
	if err != nil {
		return checkinPlanView{}, nil, err
	}
	plan, err := s.q.CheckinPlan(ctx, p.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return checkinPlanView{}, nil, httpx.NotFound("check-in plan")
	} else if err != nil {
		return checkinPlanView{}, nil, errs.Internal(err)
	}
	rep, err := s.openReplies(plan.RepliesEnc)
	if err != nil {
		return checkinPlanView{}, nil, errs.Internal(err)
	}
	recent, err := s.q.CheckinsForParticipant(ctx, p.ID)
	if err != nil {
		return checkinPlanView{}, nil, errs.Internal(err)
	}
	items := []checkinView{}
	for _, r := range recent {
		v := checkinView{ID: r.ID.String(), Slot: r.Slot.UTC(), Status: r.Status}
		if r.ClosedAt.Valid {
			t := r.ClosedAt.Time.UTC()
			v.ClosedAt = &t
		}
		items = append(items, v)
	}
	return planView(p.Code, plan, rep), items, nil
}

// stopCheckinPlan deletes her plan and cancels its open check-ins.
func (s checkins) stopCheckinPlan(ctx context.Context, a *auth.Actor, code string) error {
	now := s.now()
	return db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		p, err := s.participants.For(ctx, q, a, code, true, participant.ActCheckins)
		if err != nil {
			return err
		}
		n, err := q.DeleteCheckinPlan(ctx, p.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return httpx.NotFound("check-in plan")
		}
		if err := q.CancelOpenCheckins(ctx, db.CancelOpenCheckinsParams{ParticipantID: p.ID, ClosedAt: sql.NullTime{Time: now, Valid: true}}); err != nil {
			return err
		}
		_, err = audit.Append(ctx, q, a, audit.Event{Action: ActionCheckinPlanDeleted, ParticipantCode: p.Code})
		return err
	})
}

// startDueCheckins is the scheduler step that sends due check-ins.
func (s checkins) startDueCheckins(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		n, err := s.startCheckinBatch(ctx, now)
		total += n
		if err != nil || n < s.cfg.Batch {
			return total, err
		}
	}
}

func (s checkins) startCheckinBatch(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		plans, err := q.ClaimDueCheckinPlans(ctx, db.ClaimDueCheckinPlansParams{Now: now, MaxRows: int32(s.cfg.Batch)})
		if err != nil || len(plans) == 0 {
			return err
		}
		n = len(plans)
		pids := make([]int64, len(plans))
		for i, pl := range plans {
			pids[i] = pl.ParticipantID
		}
		parts, hist, err := participant.WithLedgers(ctx, q, pids)
		if err != nil {
			return err
		}
		var st db.StartCheckinsParams
		st.ActorName, st.Now = auth.SystemActor("scheduler").Name, now
		adv := db.AdvanceCheckinPlansParams{}
		sys := auth.SystemActor("scheduler")
		for _, pl := range plans {
			p := parts[pl.ParticipantID]
			prof := participant.ProfileOf(p)
			loc := prof.TimeZone
			if loc == nil {
				loc = time.UTC
			}
			everyDays := 0
			if pl.EverySeconds.Valid {
				everyDays = int(pl.EverySeconds.Int64 / 86400)
			}
			adv.ParticipantIds = append(adv.ParticipantIds, pl.ParticipantID)
			adv.NextDue = append(adv.NextDue, rules.NextSlot(everyDays, pl.Weekdays, pl.AtLocal, loc, pl.NextDueAt, rules.Later(pl.NextDueAt, now)))
			ciID, _ := uuid.NewV7()
			code := drawCheckinCode()
			d := consent.Decide(prof, consent.Fold(hist[p.ID], now, s.cfg.ConsentReviewAge), consent.Channel(pl.Channel), now)
			var r templates.Rendered
			if d.Allowed {
				code, r, err = RenderCheckin(s.catalog, templates.RenderRequest{TemplateID: "safety_checkin", Lang: p.Language, Variant: templates.Variant(d.Variant),
					Channel: string(d.Channel), TimeZone: p.TimeZone}, drawCheckinCode)
				if err != nil {
					// The template's own code says why (sensitive_content,
					// unsupported_channel, missing_param...).
					d = consent.Decision{Code: errs.Code(err)}
				}
			}
			if !d.Allowed {
				if err := q.RecordRefusedCheckin(ctx, db.RecordRefusedCheckinParams{ID: ciID, ParticipantID: p.ID, Slot: pl.NextDueAt, Code: code,
					GraceSeconds: pl.GraceSeconds, CreatedAt: now}); err != nil {
					return err
				}
				if _, err := audit.Append(ctx, q, sys, audit.Event{Action: ActionCheckinRefused, ParticipantCode: p.Code, Details: map[string]any{
					"checkin_id": ciID.String(), "code": d.Code}}); err != nil {
					return err
				}
				continue
			}
			msgID, _ := uuid.NewV7()
			status, sendAt := message.StatusQueued, now
			if d.SendAt.After(now) {
				status, sendAt = message.StatusScheduled, d.SendAt
			}
			// Which safety_checkin text she is sent: the file's source and
			// digest, as a message.accepted event records them.
			det, _ := json.Marshal(map[string]any{"checkin_id": ciID.String(), "message_id": msgID.String(), "channel": d.Channel,
				"variant": d.Variant, "status": status, "send_at": sendAt, "consent_version": d.ConsentVersion,
				"template_id": r.TemplateID, "template_version": r.Version, "template_source": r.Source, "template_digest": r.Digest})
			st.CheckinIds = append(st.CheckinIds, ciID)
			st.MessageIds = append(st.MessageIds, msgID)
			st.ParticipantIds = append(st.ParticipantIds, p.ID)
			st.ParticipantCodes = append(st.ParticipantCodes, p.Code)
			st.Slots = append(st.Slots, pl.NextDueAt)
			st.Codes = append(st.Codes, code)
			st.Channels = append(st.Channels, string(d.Channel))
			st.Statuses = append(st.Statuses, status)
			st.Variants = append(st.Variants, string(d.Variant))
			st.Languages = append(st.Languages, r.Lang)
			st.TemplateVersions = append(st.TemplateVersions, int32(r.Version))
			st.TemplateDigests = append(st.TemplateDigests, r.Digest)
			st.TemplateSources = append(st.TemplateSources, r.Source)
			st.Contents = append(st.Contents, s.msgs.SealContent(r))
			st.SendAts = append(st.SendAts, sendAt)
			st.ConsentVersions = append(st.ConsentVersions, int32(d.ConsentVersion))
			st.Graces = append(st.Graces, pl.GraceSeconds)
			st.Details = append(st.Details, string(det))
		}
		if len(st.CheckinIds) > 0 {
			if err := q.StartCheckins(ctx, st); err != nil {
				return err
			}
		}
		return q.AdvanceCheckinPlans(ctx, adv)
	})
	return n, err
}

// checkinDeadlines is the scheduler step for check-ins whose grace ran
// out: the one nudge, then the escalation.
func (s checkins) checkinDeadlines(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		due, err := q.ClaimDueCheckins(ctx, db.ClaimDueCheckinsParams{Now: now, MaxRows: int32(s.cfg.Batch)})
		if err != nil {
			return err
		}
		n = len(due)
		sys := auth.SystemActor("scheduler")
		for _, ci := range due {
			p, err := q.ParticipantByID(ctx, ci.ParticipantID)
			if err != nil {
				return err
			}
			nudgeRefused := ""
			if ci.Status == "open" {
				// The one extra message: a neutral please_contact.
				channel := consent.Auto
				if plan, err := q.CheckinPlan(ctx, p.ID); err == nil {
					channel = consent.Channel(plan.Channel)
				}
				d, err := s.participants.Decide(ctx, q, p, channel, now)
				if err != nil {
					return err
				}
				if d.Allowed {
					id, _, err := s.msgs.StoreTemplated(ctx, q, sys, Templated{Participant: p, Decision: d, Template: "please_contact", Params: map[string]string{},
						SendAt: d.SendAt, Priority: 1, Details: map[string]any{"checkin_id": ci.ID.String(), "nudge": true}}, now)
					if err == nil {
						sendAt := rules.Later(d.SendAt, now)
						if err := q.SetCheckinNudged(ctx, db.SetCheckinNudgedParams{ID: ci.ID, NudgeMessageID: uuid.NullUUID{UUID: id, Valid: true},
							DueAt: sql.NullTime{Time: sendAt.Add(time.Duration(ci.GraceSeconds) * time.Second), Valid: true}}); err != nil {
							return err
						}
						if _, err := audit.Append(ctx, q, sys, audit.Event{Action: ActionCheckinNudged, ParticipantCode: p.Code, Details: map[string]any{
							"checkin_id": ci.ID.String(), "message_id": id.String()}}); err != nil {
							return err
						}
						continue
					} else if !templates.IsRenderRefusal(err) {
						// A refused nudge will never go: she is escalated
						// at once below. Anything else (the database)
						// fails the tick, which is retried.
						return err
					} else {
						nudgeRefused = errs.Code(err)
					}
				}
				// She cannot be nudged: escalate at once.
			}
			if err := q.CloseCheckin(ctx, db.CloseCheckinParams{ID: ci.ID, Status: "missed", ClosedAt: sql.NullTime{Time: now, Valid: true}}); err != nil {
				return err
			}
			missed := map[string]any{"checkin_id": ci.ID.String()}
			if nudgeRefused != "" {
				missed["nudge_refused"] = nudgeRefused
			}
			if _, err := audit.Append(ctx, q, sys, audit.Event{Action: ActionCheckinMissed, ParticipantCode: p.Code, Details: missed}); err != nil {
				return err
			}
			if _, err := s.OpenEscalation(ctx, q, sys, p, uuid.NullUUID{UUID: ci.ID, Valid: true}, "no_reply", true, now); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// HandleCheckinReply classifies an inbound text from her against her
// check-in plan, in q's transaction (the inbound webhook's). It returns
// handled=true when the text was a check-in answer (ok, help, duress) and
// must not be treated as an ordinary inbound message. A duress word is
// acted on even with no check-in open. Nothing is ever sent back to her
// from here, and nothing here logs or stores the body (the inbound webhook
// keeps every message she sends sealed with the body key, like any other).
func (s *Service) HandleCheckinReply(ctx context.Context, q *db.Queries, p db.Participant, body string, now time.Time) (handled bool, err error) {
	plan, err := q.CheckinPlan(ctx, p.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rep, err := checkins{s}.openReplies(plan.RepliesEnc)
	if err != nil {
		return false, err
	}
	text := rules.NormalizeReply(body)
	open, err := q.OpenCheckinForParticipant(ctx, p.ID)
	hasOpen := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	sys := auth.SystemActor("checkin")
	ciID := uuid.NullUUID{UUID: open.ID, Valid: hasOpen}
	closeAs := func(status string) error {
		if !hasOpen {
			return nil
		}
		return q.CloseCheckin(ctx, db.CloseCheckinParams{ID: open.ID, Status: status, ClosedAt: sql.NullTime{Time: now, Valid: true}})
	}
	details := map[string]any{}
	if hasOpen {
		details["checkin_id"] = open.ID.String()
	}
	for _, w := range rep.Duress {
		if rules.ContainsPhrase(text, w) {
			// Silent: no reply, no different message, no sign on her phone.
			if err := closeAs("duress"); err != nil {
				return false, err
			}
			if _, err := audit.Append(ctx, q, sys, audit.Event{Action: ActionCheckinDuress, ParticipantCode: p.Code, Details: details}); err != nil {
				return false, err
			}
			if !hasOpen {
				// A repeat (or a webhook retry) while the last duress
				// escalation is still being handled adds nothing new.
				_, err := q.RecentOpenEscalation(ctx, db.RecentOpenEscalationParams{ParticipantID: p.ID, Reason: "duress", Since: now.Add(-6 * time.Hour)})
				if err == nil {
					return true, nil
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return false, err
				}
			}
			_, err := s.OpenEscalation(ctx, q, sys, p, ciID, "duress", true, now)
			return err == nil, err
		}
	}
	if !hasOpen {
		return false, nil
	}
	switch {
	case rules.ContainsPhrase(text, rep.Help):
		if err := closeAs("help"); err != nil {
			return false, err
		}
		if _, err := audit.Append(ctx, q, sys, audit.Event{Action: ActionCheckinHelp, ParticipantCode: p.Code, Details: details}); err != nil {
			return false, err
		}
		_, err := s.OpenEscalation(ctx, q, sys, p, ciID, "help_requested", false, now)
		return err == nil, err
	case rules.ContainsPhrase(text, rep.Ok) || rules.ContainsPhrase(text, open.Code):
		if err := closeAs("ok"); err != nil {
			return false, err
		}
		_, err := audit.Append(ctx, q, sys, audit.Event{Action: ActionCheckinOk, ParticipantCode: p.Code, Details: details})
		return err == nil, err
	}
	return false, nil
}

// drawCheckinCode draws a check-in reply code.
var drawCheckinCode = rules.CheckinCode

// checkinCodeDraws bounds how many codes RenderCheckin tries.
const checkinCodeDraws = 8

// RenderCheckin renders the safety_checkin of req with a code from draw. A
// code the filter flags in a discreet rendering (a four-digit code can be
// a helpline number: 1522, 3114, 3919, 3977) is redrawn, up to
// checkinCodeDraws times; any other render error is returned at once. It
// returns the code used (the last drawn on an error) and the rendering.
func RenderCheckin(cat *templates.Catalog, req templates.RenderRequest, draw func() string) (string, templates.Rendered, error) {
	var code string
	var err error
	for i := 0; i < checkinCodeDraws; i++ {
		code = draw()
		req.Params = map[string]string{"code": code}
		var r templates.Rendered
		if r, err = cat.Render(req); err == nil {
			return code, r, nil
		}
		if errs.Code(err) != templates.CodeSensitiveContent || req.Variant != templates.Discreet {
			break
		}
	}
	return code, templates.Rendered{}, err
}
