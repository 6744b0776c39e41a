package participant

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/keys"
	"safecontact/referral"
	"safecontact/textcheck"
)

// The error codes this file answers with (statuses: errs/status.go).
const (
	CodeInvalidChannel        = "invalid_channel"
	CodeDuplicatePhone        = "duplicate_phone"
	CodeInvalidWindow         = "invalid_window"
	CodeNumberChecksExhausted = "number_checks_exhausted"
	CodeNumberUnavailable     = "number_unavailable"
	CodeUnknownCaseworker     = "unknown_caseworker"
	CodeInvalidDate           = "invalid_date"
)

// The audit actions this file records.
const (
	ActionParticipantCreated            = "participant.created"
	ActionParticipantNumberCheckRefused = "participant.number_check_refused"
	ActionParticipantNumberRefused      = "participant.number_refused"
	ActionParticipantUpdated            = "participant.updated"
)

// ParticipantInput is the body of POST and PATCH /v1/participants. In PATCH
// every field is optional; a present "whatsapp": "" removes the separate
// WhatsApp number.
type ParticipantInput struct {
	Initials          *string   `json:"initials"`
	Language          *string   `json:"language"`
	TimeZone          *string   `json:"time_zone"`
	Phone             *string   `json:"phone"`
	WhatsApp          *string   `json:"whatsapp"`
	Monitored         *bool     `json:"monitored"`
	SafeWindows       *[]string `json:"safe_windows"`
	AnyTime           *bool     `json:"any_time"`
	ChannelPreference *[]string `json:"channel_preference"`
	Caseworker        *string   `json:"caseworker"`
	// Region reads numbers typed without + (ISO 3166 alpha-2, e.g. "IT").
	Region *string `json:"region"`
	// IndividualOnly and StrictConfidentiality are her restrictions
	// (access.go): a supervisor's to set or clear.
	IndividualOnly        *bool `json:"individual_only"`
	StrictConfidentiality *bool `json:"strict_confidentiality"`
	// RiskEvaluatedAt records a risk evaluation: a date (YYYY-MM-DD) or
	// an RFC 3339 time, not in the future. It cannot be removed.
	RiskEvaluatedAt *string `json:"risk_evaluated_at"`
	// FollowRiskEvaluation follows her risk evaluations from creation, even
	// without a date (an accepted referral); never read from a request.
	FollowRiskEvaluation bool `json:"-"`
}

// ParticipantView is what the API shows. There is no name and no full
// phone number in it, by construction.
type ParticipantView struct {
	Code              string   `json:"code"`
	Initials          string   `json:"initials"`
	Language          string   `json:"language"`
	TimeZone          string   `json:"time_zone"`
	Phone             string   `json:"phone"`
	WhatsApp          *string  `json:"whatsapp"`
	Monitored         bool     `json:"monitored"`
	SafeWindows       []string `json:"safe_windows"`
	AnyTime           bool     `json:"any_time"`
	ChannelPreference []string `json:"channel_preference"`
	Caseworker        *string  `json:"caseworker"`
	// ConsentReviewDue: some consent in force is older than the review
	// age; staff should confirm it with her.
	ConsentReviewDue bool `json:"consent_review_due"`
	// IndividualOnly: never booked into a group session.
	IndividualOnly bool `json:"individual_only"`
	// StrictConfidentiality: her contact log and phone reveal are for
	// supervisors only.
	StrictConfidentiality bool       `json:"strict_confidentiality"`
	RiskEvaluatedAt       *time.Time `json:"risk_evaluated_at"`
	// RiskEvaluationDue: her risk evaluations are followed (she came by
	// referral, or one was recorded) and there is none, or the last is
	// older than the configured age.
	RiskEvaluationDue bool      `json:"risk_evaluation_due"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func (s *Service) view(ctx context.Context, p db.Participant) (ParticipantView, error) {
	vs, err := s.views(ctx, []db.Participant{p})
	if err != nil {
		return ParticipantView{}, err
	}
	return vs[0], nil
}

// views shows participants with two queries whatever their number: their
// consent ledgers together, and the staff users.
func (s *Service) views(ctx context.Context, ps []db.Participant) ([]ParticipantView, error) {
	out := make([]ParticipantView, 0, len(ps))
	if len(ps) == 0 {
		return out, nil
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	hist, err := ledgersOf(ctx, s.q, ids)
	if err != nil {
		return nil, err
	}
	users, err := s.q.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Name
	}
	now := s.now()
	for _, p := range ps {
		v := ParticipantView{
			Code: p.Code, Initials: p.Initials, Language: p.Language, TimeZone: p.TimeZone,
			Phone: p.PhoneMask, Monitored: p.Monitored, SafeWindows: p.SafeWindows,
			AnyTime: p.AnyTime, ChannelPreference: p.ChannelPreference,
			IndividualOnly: p.IndividualOnly, StrictConfidentiality: p.StrictConfidentiality,
			RiskEvaluationDue: RiskEvaluationDue(p, now, s.cfg.RiskEvaluationMaxAge),
			CreatedAt:         p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
		}
		if p.RiskEvaluatedAt.Valid {
			t := p.RiskEvaluatedAt.Time.UTC()
			v.RiskEvaluatedAt = &t
		}
		if p.WhatsappMask.Valid {
			v.WhatsApp = &p.WhatsappMask.String
		}
		for _, c := range consent.Fold(hist[p.ID], now, s.cfg.ConsentReviewAge) {
			v.ConsentReviewDue = v.ConsentReviewDue || c.ReviewDue
		}
		if name, ok := names[p.CaseworkerID.Int64]; p.CaseworkerID.Valid && ok {
			v.Caseworker = &name
		}
		out = append(out, v)
	}
	return out, nil
}

// RiskEvaluationDue says whether p's risk evaluation is due at now: her
// evaluations are followed and there is none, or the last is older than
// maxAge, in whole days (UTC), as referral.PreEvaluate counts them.
func RiskEvaluationDue(p db.Participant, now time.Time, maxAge time.Duration) bool {
	if !p.RiskEvaluationTracked {
		return false
	}
	if !p.RiskEvaluatedAt.Valid {
		return true
	}
	day := func(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }
	return day(now).Sub(day(p.RiskEvaluatedAt.Time)) > maxAge
}

// parseEvaluated reads a risk evaluation's time: a date (midnight UTC)
// or an RFC 3339 time, not in the future (a date may be a day ahead of
// UTC: it is today somewhere, as referral forms allow).
func parseEvaluated(raw string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, raw)
	if err != nil {
		t, err = time.Parse(time.RFC3339, raw)
	}
	if err != nil || t.Year() < referral.MinRiskEvaluationYear {
		return time.Time{}, errs.Field(CodeInvalidDate, "risk_evaluated_at", "risk_evaluated_at is a date (YYYY-MM-DD) or an RFC 3339 time, from %d", referral.MinRiskEvaluationYear)
	}
	if t.After(now.Add(24 * time.Hour)) {
		return time.Time{}, errs.Field(CodeInvalidDate, "risk_evaluated_at", "risk_evaluated_at cannot be in the future")
	}
	return t.UTC(), nil
}

// sealedNumber is a phone number as stored: ciphertext, blind index, mask.
type sealedNumber struct {
	enc, index []byte
	mask       string
}

func sealNumber(k *keys.Ring, e164 string) sealedNumber {
	return sealedNumber{enc: k.Seal(keys.Contact, []byte(e164)), index: k.BlindIndex(e164), mask: consent.MaskPhone(e164)}
}

// applyInput validates in and applies it over p (the stored row, or a zero
// row for a create). It returns the names of the fields that changed, for
// the audit (names only, never values).
func (s *Service) applyInput(ctx context.Context, a *auth.Actor, in ParticipantInput, p *db.UpdateParticipantParams, creating bool) ([]string, error) {
	var changed []string
	region := s.cfg.DefaultRegion
	if in.Region != nil {
		region = *in.Region
	}
	if creating {
		for field, present := range map[string]bool{"initials": in.Initials != nil, "language": in.Language != nil, "time_zone": in.TimeZone != nil, "phone": in.Phone != nil} {
			if !present {
				return nil, errs.Field(errs.CodeMissingField, field, "%s is required", field)
			}
		}
	}
	if in.Initials != nil {
		v, err := consent.ParseInitials(*in.Initials)
		if err != nil {
			return nil, err
		}
		if v != p.Initials {
			p.Initials, changed = v, append(changed, "initials")
		}
	}
	if in.Language != nil {
		v, err := consent.ParseLanguage(*in.Language)
		if err != nil {
			return nil, err
		}
		if v != p.Language {
			p.Language, changed = v, append(changed, "language")
		}
	}
	if in.TimeZone != nil {
		loc, err := consent.ParseTimeZone(*in.TimeZone)
		if err != nil {
			return nil, err
		}
		if loc.String() != p.TimeZone {
			p.TimeZone, changed = loc.String(), append(changed, "time_zone")
		}
	}
	if in.Phone != nil {
		e164, err := consent.ParsePhone(*in.Phone, region, "phone")
		if err != nil {
			return nil, err
		}
		if idx := s.keys.BlindIndex(e164); !bytes.Equal(idx, p.PhoneIndex) {
			if err := s.numberFree(ctx, a, idx, p.ID, "phone"); err != nil {
				return nil, err
			}
			n := sealNumber(s.keys, e164)
			p.PhoneEnc, p.PhoneIndex, p.PhoneMask = n.enc, n.index, n.mask
			changed = append(changed, "phone")
		}
	}
	if in.WhatsApp != nil {
		if *in.WhatsApp == "" {
			if p.WhatsappEnc != nil {
				p.WhatsappEnc, p.WhatsappIndex, p.WhatsappMask = nil, nil, sql.NullString{}
				changed = append(changed, "whatsapp")
			}
		} else {
			e164, err := consent.ParsePhone(*in.WhatsApp, region, "whatsapp")
			if err != nil {
				return nil, err
			}
			idx := s.keys.BlindIndex(e164)
			if !bytes.Equal(idx, p.WhatsappIndex) {
				// Her own phone number may also be her WhatsApp number.
				if !bytes.Equal(idx, p.PhoneIndex) {
					if err := s.numberFree(ctx, a, idx, p.ID, "whatsapp"); err != nil {
						return nil, err
					}
				}
				n := sealNumber(s.keys, e164)
				p.WhatsappEnc, p.WhatsappIndex, p.WhatsappMask = n.enc, n.index, sql.NullString{String: n.mask, Valid: true}
				changed = append(changed, "whatsapp")
			}
		}
	}
	if in.Monitored != nil && *in.Monitored != p.Monitored {
		p.Monitored, changed = *in.Monitored, append(changed, "monitored")
	}
	if in.SafeWindows != nil {
		if len(*in.SafeWindows) > 21 {
			return nil, errs.Field(CodeInvalidWindow, "safe_windows", "at most 21 safe windows")
		}
		ws := make([]string, 0, len(*in.SafeWindows))
		for _, raw := range *in.SafeWindows {
			w, err := consent.ParseWindow(raw)
			if err != nil {
				return nil, err
			}
			ws = append(ws, w.String())
		}
		if !equalStrings(ws, p.SafeWindows) {
			p.SafeWindows, changed = ws, append(changed, "safe_windows")
		}
	}
	if in.AnyTime != nil && *in.AnyTime != p.AnyTime {
		p.AnyTime, changed = *in.AnyTime, append(changed, "any_time")
	}
	if in.ChannelPreference != nil {
		var prefs []string
		seen := map[consent.Channel]bool{}
		for _, raw := range *in.ChannelPreference {
			ch, err := consent.ParseChannel(raw, false)
			if err != nil {
				return nil, errs.Field(CodeInvalidChannel, "channel_preference", "channel_preference lists channels among sms, whatsapp, voice")
			}
			if !seen[ch] {
				seen[ch] = true
				prefs = append(prefs, string(ch))
			}
		}
		if prefs == nil {
			prefs = []string{}
		}
		if !equalStrings(prefs, p.ChannelPreference) {
			p.ChannelPreference, changed = prefs, append(changed, "channel_preference")
		}
	}
	if in.IndividualOnly != nil && *in.IndividualOnly != p.IndividualOnly {
		p.IndividualOnly, changed = *in.IndividualOnly, append(changed, "individual_only")
	}
	if in.StrictConfidentiality != nil && *in.StrictConfidentiality != p.StrictConfidentiality {
		p.StrictConfidentiality, changed = *in.StrictConfidentiality, append(changed, "strict_confidentiality")
	}
	if in.RiskEvaluatedAt != nil {
		t, err := parseEvaluated(*in.RiskEvaluatedAt, s.now())
		if err != nil {
			return nil, err
		}
		if !p.RiskEvaluatedAt.Valid || !p.RiskEvaluatedAt.Time.Equal(t) || !p.RiskEvaluationTracked {
			p.RiskEvaluatedAt, p.RiskEvaluationTracked = sql.NullTime{Time: t, Valid: true}, true
			changed = append(changed, "risk_evaluated_at")
		}
	}
	if in.FollowRiskEvaluation {
		p.RiskEvaluationTracked = true
	}
	if in.Caseworker != nil {
		if err := textcheck.Free("caseworker", *in.Caseworker); err != nil {
			return nil, err
		}
		u, err := s.q.UserByName(ctx, *in.Caseworker)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && u.DisabledAt.Valid) {
			return nil, errs.Field(CodeUnknownCaseworker, "caseworker", "no active staff user with that name")
		} else if err != nil {
			return nil, errs.Internal(err)
		}
		if !p.CaseworkerID.Valid || p.CaseworkerID.Int64 != u.ID {
			p.CaseworkerID, changed = sql.NullInt64{Int64: u.ID, Valid: true}, append(changed, "caseworker")
		}
	}
	return changed, nil
}

// numberFree refuses a number another participant has.
//
// A caller who acts on that participant (access.go) is told so
// (duplicate_phone). Anyone else gets a neutral number_unavailable that
// does not say whose it is — but any refusal still tells the caller that
// the number is in the register, and for a woman hiding from people who
// have her number that is the secret. The register cannot refuse a
// duplicate without saying so, so the telling is bounded instead: a staff
// user may get NumberRefusalDailyBudget such refusals in 24 hours
// (counted in the audit log under a per-user lock, like reveals); past it
// every number she enters — free or taken — is refused alike (429
// number_checks_exhausted), so the answer no longer depends on the
// number, until a day has passed or a supervisor enters it.
// NumberRefusalBurst refusals within the burst window, and the first
// refusal over the budget, alert the supervisors. Supervisors act on
// every participant, so they are told duplicate_phone and never counted.
//
// Its own counter, not the reveal budget: a reveal shows the number of one
// of her own participants, a refusal confirms a guessed number of anyone's.
// One shared counter would let probing spend the reveals her work needs
// (and reveals spend the probes), and a probe is worth less budget.
func (s *Service) numberFree(ctx context.Context, a *auth.Actor, idx []byte, exceptID int64, field string) error {
	other, err := s.q.OtherParticipantWithNumber(ctx, db.OtherParticipantWithNumberParams{Idx: idx, ExceptID: exceptID})
	taken := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return errs.Internal(err)
	}
	if taken && a.ActsOn(other.CaseworkerID) {
		return errs.Field(CodeDuplicatePhone, field, "another participant already has this number")
	}
	if a.ActsOn(sql.NullInt64{}) {
		return nil // a supervisor (or the system): acts on everyone, so not taken
	}
	var refused *errs.Error
	// Recorded even if the caller goes away: the attempt is what counts.
	ctx = context.WithoutCancel(ctx)
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := q.LockNumberChecksOf(ctx, int32(a.UserID)); err != nil {
			return err
		}
		n, err := q.NumberRefusalCounts(ctx, db.NumberRefusalCountsParams{UserID: sql.NullInt64{Int64: a.UserID, Valid: true}, BurstSecs: s.cfg.RevealBurstWindow.Seconds()})
		if err != nil {
			return err
		}
		if int(n.Day) >= s.cfg.NumberRefusalDailyBudget {
			refused = errs.Field(CodeNumberChecksExhausted, field, "numbers entered from your account were refused %d times in the last 24 hours; a supervisor can enter this one, or try again tomorrow", n.Day)
			if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionParticipantNumberCheckRefused, Details: map[string]any{"field": field}}); err != nil {
				return err
			}
			if n.OverBudget == 0 {
				return s.noticeSupervisors(ctx, q, a, NoticeNumberProbe, s.now())
			}
			return nil
		}
		if !taken {
			return nil
		}
		refused = errNumberUnavailable(field)
		if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionParticipantNumberRefused, Details: map[string]any{"field": field}}); err != nil {
			return err
		}
		if int(n.Burst)+1 == s.cfg.NumberRefusalBurst {
			return s.noticeSupervisors(ctx, q, a, NoticeNumberProbe, s.now())
		}
		return nil
	})
	if err != nil {
		return errs.Internal(err)
	}
	if refused != nil {
		return refused
	}
	return nil
}

func errNumberUnavailable(field string) *errs.Error {
	return errs.Field(CodeNumberUnavailable, field, "this number cannot be registered from your account; ask a supervisor")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// uniqueViolation maps a race on the unique indexes to the same error the
// pre-check gives.
func uniqueViolation(err error) error {
	// A race with another request: who holds the number is not
	// known here, so the answer is the neutral one.
	switch db.UniqueViolation(err) {
	case "participants_phone_index_key":
		return errNumberUnavailable("phone")
	case "participants_whatsapp_index":
		return errNumberUnavailable("whatsapp")
	}
	return nil
}

func (h handlers) createParticipant(c *gin.Context) {
	var in ParticipantInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	v, err := h.s.Register(c.Request.Context(), auth.ActorOf(c), in)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Header("Location", "/v1/participants/"+v.Code)
	c.JSON(http.StatusCreated, v)
}

// Register creates a participant from in for a, as POST /v1/participants
// does: her caseworker is a unless in names one, every field is checked,
// the number against the register too.
func (s *Service) Register(ctx context.Context, actor *auth.Actor, in ParticipantInput) (ParticipantView, error) {
	p := db.UpdateParticipantParams{SafeWindows: []string{}, ChannelPreference: []string{}}
	if in.Caseworker == nil && actor.UserID != 0 {
		p.CaseworkerID = sql.NullInt64{Int64: actor.UserID, Valid: true}
	}
	changed, err := s.applyInput(ctx, actor, in, &p, true)
	if err != nil {
		return ParticipantView{}, err
	}
	// Her restrictions are a supervisor's to set, at creation too.
	for _, act := range profileActions(changed) {
		if act == ActRestrict {
			if err := Authorize(actor, db.Participant{CaseworkerID: p.CaseworkerID}, act); err != nil {
				return ParticipantView{}, err
			}
		}
	}
	var created db.Participant
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		var err error
		created, err = s.insert(ctx, q, actor, p, nil)
		return err
	})
	if err != nil {
		if dup := uniqueViolation(err); dup != nil {
			return ParticipantView{}, dup
		}
		return ParticipantView{}, errs.Internal(err)
	}
	v, err := s.view(ctx, created)
	if err != nil {
		return ParticipantView{}, errs.Internal(err)
	}
	return v, nil
}

// insert creates p (validated by applyInput) under a new random code,
// with its audit entry, in q's transaction. extra adds to the audit
// details.
func (s *Service) insert(ctx context.Context, q *db.Queries, actor *auth.Actor, p db.UpdateParticipantParams, extra map[string]any) (db.Participant, error) {
	// A random code can clash; retry a few times with a savepoint-free
	// approach: check first, the unique index is the final word.
	var code string
	for range 5 {
		code = consent.NewCode()
		if _, err := q.ParticipantByCode(ctx, code); errors.Is(err, sql.ErrNoRows) {
			break
		}
	}
	created, err := q.CreateParticipant(ctx, db.CreateParticipantParams{
		Code: code, Initials: p.Initials, Language: p.Language, TimeZone: p.TimeZone,
		PhoneEnc: p.PhoneEnc, PhoneIndex: p.PhoneIndex, PhoneMask: p.PhoneMask,
		WhatsappEnc: p.WhatsappEnc, WhatsappIndex: p.WhatsappIndex, WhatsappMask: p.WhatsappMask,
		Monitored: p.Monitored, SafeWindows: p.SafeWindows, AnyTime: p.AnyTime,
		ChannelPreference: p.ChannelPreference, CaseworkerID: p.CaseworkerID,
		IndividualOnly: p.IndividualOnly, StrictConfidentiality: p.StrictConfidentiality,
		RiskEvaluatedAt: p.RiskEvaluatedAt, RiskEvaluationTracked: p.RiskEvaluationTracked,
	})
	if err != nil {
		return created, err
	}
	details := map[string]any{"monitored": p.Monitored, "language": p.Language, "has_whatsapp": p.WhatsappEnc != nil, "key_id": keys.KeyID(p.PhoneEnc)}
	// Her restrictions, when set: settings, never the answers behind them.
	if p.IndividualOnly {
		details["individual_only"] = true
	}
	if p.StrictConfidentiality {
		details["strict_confidentiality"] = true
	}
	if p.RiskEvaluationTracked {
		details["risk_evaluation_followed"] = true
	}
	for k, v := range extra {
		details[k] = v
	}
	_, err = audit.Append(ctx, q, actor, audit.Event{Action: ActionParticipantCreated, ParticipantCode: code, Details: details})
	return created, err
}

// Create creates a participant from in (every field checked as POST
// /v1/participants checks it, the number against the register too) in
// q's transaction, with its audit entry; caseworker 0 leaves her without
// one. extra adds to the audit details. It is how another capability
// (an accepted referral) makes a participant.
func (s *Service) Create(ctx context.Context, q *db.Queries, a *auth.Actor, in ParticipantInput, caseworker int64, extra map[string]any) (db.Participant, error) {
	p := db.UpdateParticipantParams{SafeWindows: []string{}, ChannelPreference: []string{}}
	if caseworker != 0 {
		p.CaseworkerID = sql.NullInt64{Int64: caseworker, Valid: true}
	}
	if _, err := s.applyInput(ctx, a, in, &p, true); err != nil {
		return db.Participant{}, err
	}
	created, err := s.insert(ctx, q, a, p, extra)
	if dup := uniqueViolation(err); dup != nil {
		return created, dup
	}
	return created, err
}

func (s *Service) ByCode(ctx context.Context, q *db.Queries, code string, forUpdate bool) (db.Participant, error) {
	if !consent.ValidCode(code) {
		return db.Participant{}, httpx.NotFound("participant")
	}
	var p db.Participant
	var err error
	if forUpdate {
		p, err = q.ParticipantByCodeForUpdate(ctx, code)
	} else {
		p, err = q.ParticipantByCode(ctx, code)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return p, httpx.NotFound("participant")
	}
	if err != nil {
		return p, errs.Internal(err)
	}
	return p, nil
}

func (h handlers) getParticipant(c *gin.Context) {
	v, err := h.s.Get(c.Request.Context(), auth.ActorOf(c), c.Param("code"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v.API())
}

// Get is the participant with code as a may see her (access.go): her
// profile for her team, the limited view for other staff.
func (s *Service) Get(ctx context.Context, a *auth.Actor, code string) (Visible, error) {
	p, err := s.ByCode(ctx, s.q, code, false)
	if err != nil {
		return Visible{}, err
	}
	v, err := s.view(ctx, p)
	if err != nil {
		return Visible{}, errs.Internal(err)
	}
	return visibleFor(a, p, v), nil
}

// noGroupSessions refuses to switch individual_only on for p (her row
// locked) while she has future group sessions booked: 409 individual_only
// with their ids, to be moved to individual or canceled first. Booking
// locks her row too, so none can be booked meanwhile.
func (s *Service) noGroupSessions(ctx context.Context, q *db.Queries, p db.Participant) error {
	rows, err := q.ListAppointments(ctx, p.ID)
	if err != nil {
		return err
	}
	ids := []string{}
	for _, r := range rows {
		if r.Status == "booked" && r.Kind == "group" && r.StartsAt.After(s.now()) {
			ids = append(ids, r.ID.String())
		}
	}
	if len(ids) == 0 {
		return nil
	}
	e := errs.Field(CodeIndividualOnly, "individual_only", "she has %d future group sessions booked: change them to individual or cancel them first", len(ids))
	e.Details = map[string]any{"group_sessions": ids}
	return e
}

func (h handlers) patchParticipant(c *gin.Context) {
	var in ParticipantInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	v, err := h.s.Patch(c.Request.Context(), auth.ActorOf(c), c.Param("code"), in)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// Patch changes her profile: only the fields given change, each change
// authorised for the actor and audited as the API's PATCH does (the web
// console's forms call it too).
func (s *Service) Patch(ctx context.Context, actor *auth.Actor, code string, in ParticipantInput) (ParticipantView, error) {
	var updated db.Participant
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		cur, err := s.For(ctx, q, actor, code, true, ActEdit)
		if err != nil {
			return err
		}
		p := db.UpdateParticipantParams{
			ID: cur.ID, Initials: cur.Initials, Language: cur.Language, TimeZone: cur.TimeZone,
			PhoneEnc: cur.PhoneEnc, PhoneIndex: cur.PhoneIndex, PhoneMask: cur.PhoneMask,
			WhatsappEnc: cur.WhatsappEnc, WhatsappIndex: cur.WhatsappIndex, WhatsappMask: cur.WhatsappMask,
			Monitored: cur.Monitored, SafeWindows: cur.SafeWindows, AnyTime: cur.AnyTime,
			ChannelPreference: cur.ChannelPreference, CaseworkerID: cur.CaseworkerID,
			IndividualOnly: cur.IndividualOnly, StrictConfidentiality: cur.StrictConfidentiality,
			RiskEvaluatedAt: cur.RiskEvaluatedAt, RiskEvaluationTracked: cur.RiskEvaluationTracked,
		}
		changed, err := s.applyInput(ctx, actor, in, &p, false)
		if err != nil {
			return err
		}
		for _, act := range profileActions(changed) {
			if err := Authorize(actor, cur, act); err != nil {
				return err
			}
		}
		if p.IndividualOnly && !cur.IndividualOnly {
			if err := s.noGroupSessions(ctx, q, cur); err != nil {
				return err
			}
		}
		if len(changed) == 0 {
			updated = cur
			return nil
		}
		if updated, err = q.UpdateParticipant(ctx, p); err != nil {
			return err
		}
		details := map[string]any{"fields": changed}
		if in.Monitored != nil {
			details["monitored"] = p.Monitored
		}
		// The restrictions' new values (settings, not her answers); a
		// recorded risk evaluation is named in fields, its date is not
		// repeated here.
		if in.IndividualOnly != nil {
			details["individual_only"] = p.IndividualOnly
		}
		if in.StrictConfidentiality != nil {
			details["strict_confidentiality"] = p.StrictConfidentiality
		}
		_, err = audit.Append(ctx, q, actor, audit.Event{Action: ActionParticipantUpdated, ParticipantCode: cur.Code, Details: details})
		return err
	})
	if err != nil {
		if dup := uniqueViolation(err); dup != nil {
			err = dup
		}
		return ParticipantView{}, err
	}
	v, err := s.view(ctx, updated)
	if err != nil {
		return ParticipantView{}, errs.Internal(err)
	}
	return v, nil
}

func (h handlers) listParticipants(c *gin.Context) {
	after, limit, ok := httpx.PageArgs(c)
	if !ok {
		return
	}
	vs, next, err := h.s.List(c.Request.Context(), auth.ActorOf(c), ListInput{After: after, Limit: limit})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	items := make([]any, len(vs))
	for i, v := range vs {
		items[i] = v.API()
	}
	c.JSON(http.StatusOK, httpx.Page[any]{Items: items, NextCursor: next})
}

// ListInput is a page of the participant list.
type ListInput struct {
	After int64 // the id of the last participant seen (httpx.DecodeCursor)
	Limit int32
	// Search, if set, keeps the participants whose code or initials it is
	// ("P-7K3QX", "M.R."): never a number, so it may travel in a URL.
	Search string
}

// CodeInvalidSearch: a search that is neither a code nor initials.
const CodeInvalidSearch = "invalid_search"

// List is a page of participants, each as a may see her, and the cursor
// of the next page (nil on the last).
func (s *Service) List(ctx context.Context, a *auth.Actor, in ListInput) ([]Visible, *string, error) {
	var rows []db.Participant
	var err error
	if term := strings.TrimSpace(in.Search); term != "" {
		if up := strings.ToUpper(term); consent.ValidCode(up) {
			term = up
		} else if term, err = consent.ParseInitials(term); err != nil {
			return nil, nil, errs.Field(CodeInvalidSearch, "q", "search by her participant code (e.g. P-7K3QX) or her initials (e.g. M.R.)")
		}
		rows, err = s.q.SearchParticipants(ctx, db.SearchParticipantsParams{AfterID: in.After, Term: term, MaxRows: in.Limit + 1})
	} else {
		rows, err = s.q.ListParticipants(ctx, db.ListParticipantsParams{AfterID: in.After, MaxRows: in.Limit + 1})
	}
	if err != nil {
		return nil, nil, errs.Internal(err)
	}
	rows, next := httpx.TrimPage(rows, in.Limit, func(p db.Participant) string { return httpx.EncodeCursor(p.ID) })
	views, err := s.views(ctx, rows)
	if err != nil {
		return nil, nil, errs.Internal(err)
	}
	out := make([]Visible, len(views))
	for i, v := range views {
		out[i] = visibleFor(a, rows[i], v)
	}
	return out, next, nil
}
