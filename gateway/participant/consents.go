package participant

import (
	"context"
	"database/sql"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/runner"
	"safecontact/textcheck"
)

// The audit actions this file records.
const (
	ActionConsentExpired = "consent.expired"
	ActionConsentGranted = "consent.granted"
	ActionConsentRevoked = "consent.revoked"
)

// ProfileOf turns a stored participant into what the contact decision
// needs. It decrypts nothing: the decision only needs to know that numbers
// exist.
func ProfileOf(p db.Participant) consent.Profile {
	prof := consent.Profile{
		Code: p.Code, Language: p.Language, Monitored: p.Monitored,
		HasPhone: len(p.PhoneEnc) > 0, AnyTime: p.AnyTime,
		// Her phone is WhatsApp-capable unless a separate WhatsApp number
		// says otherwise; consent decides whether WhatsApp may be used.
		HasWhatsApp: len(p.WhatsappEnc) > 0 || len(p.PhoneEnc) > 0,
	}
	if loc, err := loadLocation(p.TimeZone); err == nil {
		prof.TimeZone = loc
	}
	for _, s := range p.SafeWindows {
		if w, err := consent.ParseWindow(s); err == nil {
			prof.Windows = append(prof.Windows, w)
		}
	}
	for _, s := range p.ChannelPreference {
		prof.Preference = append(prof.Preference, consent.Channel(s))
	}
	return prof
}

// locations caches time zones: LoadLocation parses zone data on every
// call, and every contact decision needs her zone.
var locations sync.Map // string → *time.Location

func loadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}

func EventOf(r db.ConsentEvent) consent.Event {
	e := consent.Event{
		ID: r.ID, Channel: consent.Channel(r.Channel), Kind: consent.EventKind(r.Kind), At: r.At.UTC(),
		Actor: r.Actor, Source: consent.Source(r.Source), Evidence: r.Evidence,
		NoticeLanguage: r.NoticeLanguage, Reason: r.Reason,
		AllowVoicemail: r.AllowVoicemail, AcceptWhatsAppRisk: r.AcceptWhatsappRisk,
	}
	if r.ExpiresAt.Valid {
		t := r.ExpiresAt.Time.UTC()
		e.ExpiresAt = &t
	}
	return e
}

// ConsentsOf loads her ledger and folds it at now.
func (s *Service) ConsentsOf(ctx context.Context, q *db.Queries, participantID int64, now time.Time) ([]consent.Event, map[consent.Channel]consent.ChannelConsent, error) {
	rows, err := q.ConsentHistory(ctx, participantID)
	if err != nil {
		return nil, nil, err
	}
	hist := make([]consent.Event, len(rows))
	for i, r := range rows {
		hist[i] = EventOf(r)
	}
	return hist, consent.Fold(hist, now, s.cfg.ConsentReviewAge), nil
}

// ledgersOf reads the consent ledgers of many participants in one
// statement, in ledger order.
func ledgersOf(ctx context.Context, q *db.Queries, ids []int64) (map[int64][]consent.Event, error) {
	evs, err := q.ConsentHistoryMany(ctx, db.Array(ids))
	if err != nil {
		return nil, err
	}
	hist := make(map[int64][]consent.Event, len(ids))
	for _, e := range evs {
		hist[e.ParticipantID] = append(hist[e.ParticipantID], EventOf(e))
	}
	return hist, nil
}

// WithLedgers reads many participants by id and their consent
// ledgers: two statements whatever their number.
func WithLedgers(ctx context.Context, q *db.Queries, ids []int64) (map[int64]db.Participant, map[int64][]consent.Event, error) {
	ps, err := q.ParticipantsByIDs(ctx, db.Array(ids))
	if err != nil {
		return nil, nil, err
	}
	parts := make(map[int64]db.Participant, len(ps))
	for _, p := range ps {
		parts[p.ID] = p
	}
	hist, err := ledgersOf(ctx, q, ids)
	return parts, hist, err
}

// Decide runs the contact decision for a participant at now.
func (s *Service) Decide(ctx context.Context, q *db.Queries, p db.Participant, ch consent.Channel, now time.Time) (consent.Decision, error) {
	_, folded, err := s.ConsentsOf(ctx, q, p.ID, now)
	if err != nil {
		return consent.Decision{}, err
	}
	return consent.Decide(ProfileOf(p), folded, ch, now), nil
}

// RevokeConsent appends a revocation and its audit event with q (the
// caller's transaction). Used by staff, inbound STOP and provider opt-outs.
func RevokeConsent(ctx context.Context, q *db.Queries, a *auth.Actor, p db.Participant, ch consent.Channel, src consent.Source, reason string, now time.Time) error {
	ev, err := q.AppendConsentEvent(ctx, db.AppendConsentEventParams{
		ParticipantID: p.ID, Channel: string(ch), Kind: string(consent.KindRevoked), At: now,
		Actor: a.Name, Source: string(src), Reason: reason,
	})
	if err != nil {
		return err
	}
	_, err = audit.Append(ctx, q, a, audit.Event{Action: ActionConsentRevoked, ParticipantCode: p.Code, Details: map[string]any{
		"channel": ch, "source": src, "consent_event": ev.ID,
	}})
	return err
}

// GrantInput is the body of POST /v1/participants/{code}/consents.
type GrantInput struct {
	Channel            string     `json:"channel"`
	Evidence           string     `json:"evidence"`
	NoticeLanguage     string     `json:"notice_language"`
	ExpiresAt          *time.Time `json:"expires_at"`
	AllowVoicemail     bool       `json:"allow_voicemail"`
	AcceptWhatsAppRisk bool       `json:"accept_whatsapp_risk"`
}

// ConsentEventView is one event of her consent ledger as the API shows it.
type ConsentEventView struct {
	ID                 int64      `json:"id"`
	Channel            string     `json:"channel"`
	Kind               string     `json:"kind"`
	At                 time.Time  `json:"at"`
	Actor              string     `json:"actor"`
	Source             string     `json:"source"`
	Evidence           string     `json:"evidence,omitempty"`
	NoticeLanguage     string     `json:"notice_language,omitempty"`
	ExpiresAt          *time.Time `json:"expires_at,omitempty"`
	Reason             string     `json:"reason,omitempty"`
	AllowVoicemail     bool       `json:"allow_voicemail"`
	AcceptWhatsAppRisk bool       `json:"accept_whatsapp_risk"`
}

// ChannelConsentView is her consent on one channel now.
type ChannelConsentView struct {
	State              consent.State `json:"state"`
	GrantedAt          *time.Time    `json:"granted_at"`
	RevokedAt          *time.Time    `json:"revoked_at"`
	ExpiresAt          *time.Time    `json:"expires_at"`
	AllowVoicemail     bool          `json:"allow_voicemail"`
	AcceptWhatsAppRisk bool          `json:"accept_whatsapp_risk"`
	Version            int           `json:"version"`
	ReviewDue          bool          `json:"consent_review_due"`
}

// ConsentsView is her consent per channel and its history, as GET
// /v1/participants/{code}/consents shows it.
type ConsentsView struct {
	Channels  map[string]ChannelConsentView `json:"channels"`
	ReviewDue bool                          `json:"consent_review_due"`
	History   []ConsentEventView            `json:"history"`
}

func consentViews(hist []consent.Event, folded map[consent.Channel]consent.ChannelConsent) ConsentsView {
	out := ConsentsView{Channels: map[string]ChannelConsentView{}, History: make([]ConsentEventView, len(hist))}
	for _, ch := range consent.Channels {
		c, ok := folded[ch]
		if !ok {
			c = consent.ChannelConsent{Channel: ch, State: consent.StateNone}
		}
		out.Channels[string(ch)] = ChannelConsentView{State: c.State, GrantedAt: c.GrantedAt, RevokedAt: c.RevokedAt, ExpiresAt: c.ExpiresAt,
			AllowVoicemail: c.AllowVoicemail, AcceptWhatsAppRisk: c.AcceptWhatsAppRisk, Version: c.Version, ReviewDue: c.ReviewDue}
		out.ReviewDue = out.ReviewDue || c.ReviewDue
	}
	for i, e := range hist {
		out.History[i] = ConsentEventView{ID: e.ID, Channel: string(e.Channel), Kind: string(e.Kind), At: e.At, Actor: e.Actor, Source: string(e.Source),
			Evidence: e.Evidence, NoticeLanguage: e.NoticeLanguage, ExpiresAt: e.ExpiresAt, Reason: e.Reason,
			AllowVoicemail: e.AllowVoicemail, AcceptWhatsAppRisk: e.AcceptWhatsAppRisk}
	}
	return out
}

func (h handlers) grantConsent(c *gin.Context) {
	var in GrantInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	out, err := h.s.Grant(c.Request.Context(), auth.ActorOf(c), c.Param("code"), in)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

// Grant records her consent on in.Channel, given to a (her caseworker or a
// supervisor), with its audit event, and returns her consents after it.
func (s *Service) Grant(ctx context.Context, a *auth.Actor, code string, in GrantInput) (ConsentsView, error) {
	ch, err := consent.ParseChannel(in.Channel, false)
	if err != nil {
		return ConsentsView{}, err
	}
	now := s.now()
	ev := consent.Event{Channel: ch, Kind: consent.KindGranted, At: now, Actor: a.Name, Source: consent.SourceStaff,
		Evidence: in.Evidence, NoticeLanguage: in.NoticeLanguage, ExpiresAt: in.ExpiresAt,
		AllowVoicemail: in.AllowVoicemail, AcceptWhatsAppRisk: in.AcceptWhatsAppRisk}
	if err := consent.ValidateGrant(ev, now); err != nil {
		return ConsentsView{}, err
	}
	// The ledger is append-only: evidence can never be removed, so it
	// holds a form reference, never her number, address or a link.
	if ev.Evidence, err = textcheck.Required("evidence", ev.Evidence, consent.MaxEvidenceLen); err != nil {
		return ConsentsView{}, err
	}
	if lang, err := consent.ParseLanguage(in.NoticeLanguage); err == nil {
		ev.NoticeLanguage = lang
	}
	var out ConsentsView
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		p, err := s.For(ctx, q, a, code, true, ActGrant)
		if err != nil {
			return err
		}
		var exp sql.NullTime
		if ev.ExpiresAt != nil {
			exp = sql.NullTime{Time: ev.ExpiresAt.UTC(), Valid: true}
		}
		row, err := q.AppendConsentEvent(ctx, db.AppendConsentEventParams{
			ParticipantID: p.ID, Channel: string(ch), Kind: string(consent.KindGranted), At: now, Actor: ev.Actor,
			Source: string(ev.Source), Evidence: ev.Evidence, NoticeLanguage: ev.NoticeLanguage, ExpiresAt: exp,
			AllowVoicemail: ev.AllowVoicemail, AcceptWhatsappRisk: ev.AcceptWhatsAppRisk,
		})
		if err != nil {
			return err
		}
		if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionConsentGranted, ParticipantCode: p.Code, Details: map[string]any{
			"channel": ch, "consent_event": row.ID, "expires": ev.ExpiresAt != nil, "allow_voicemail": ev.AllowVoicemail,
			"accept_whatsapp_risk": ev.AcceptWhatsAppRisk, "notice_language": ev.NoticeLanguage,
		}}); err != nil {
			return err
		}
		hist, folded, err := s.ConsentsOf(ctx, q, p.ID, now)
		out = consentViews(hist, folded)
		return err
	})
	return out, err
}

func (h handlers) revokeConsent(c *gin.Context) {
	// The reason comes in the body only (query strings end up in proxy
	// logs) and may not carry a number: it is kept in clear.
	reason, ok := httpx.BindReason(c, RevokeWhy)
	if !ok {
		return
	}
	out, err := h.s.Revoke(c.Request.Context(), auth.ActorOf(c), c.Param("code"), c.Param("channel"), reason)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	if out.Consents == nil {
		c.JSON(http.StatusOK, gin.H{"channel": out.Channel, "state": out.State})
		return
	}
	c.JSON(http.StatusOK, out.Consents)
}

// RevokeWhy completes "say why …" in a revocation's reason_required.
const RevokeWhy = "her consent is revoked"

// Revoked is what a revocation answers: her consents for her team; for
// other staff only the channel's new state.
type Revoked struct {
	Channel  consent.Channel
	State    consent.State
	Consents *ConsentsView
}

// Revoke records that she withdrew her consent on channel, with reason
// (checked as httpx.CheckReason checks it: kept in clear, so no number).
// Any staff member may: she may phone anyone at the office to say stop.
func (s *Service) Revoke(ctx context.Context, a *auth.Actor, code, channel, reason string) (Revoked, error) {
	reason, err := httpx.CheckReason(reason, RevokeWhy)
	if err != nil {
		return Revoked{}, err
	}
	ch, err := consent.ParseChannel(channel, false)
	if err != nil {
		return Revoked{}, err
	}
	now := s.now()
	var out Revoked
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		p, err := s.For(ctx, q, a, code, true, ActRevoke)
		if err != nil {
			return err
		}
		if err := RevokeConsent(ctx, q, a, p, ch, consent.SourceStaff, reason, now); err != nil {
			return err
		}
		hist, folded, err := s.ConsentsOf(ctx, q, p.ID, now)
		out = Revoked{Channel: ch, State: folded[ch].State}
		if a.ActsOn(p.CaseworkerID) {
			// What she consented to before, with its evidence, is her
			// team's only.
			v := consentViews(hist, folded)
			out.Consents = &v
		}
		return err
	})
	return out, err
}

func (h handlers) getConsents(c *gin.Context) {
	out, err := h.s.Consents(c.Request.Context(), auth.ActorOf(c), c.Param("code"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// Consents is her consent per channel with its history, for her team.
func (s *Service) Consents(ctx context.Context, a *auth.Actor, code string) (ConsentsView, error) {
	p, err := s.For(ctx, s.q, a, code, false, ActView)
	if err != nil {
		return ConsentsView{}, err
	}
	hist, folded, err := s.ConsentsOf(ctx, s.q, p.ID, s.now())
	if err != nil {
		return ConsentsView{}, errs.Internal(err)
	}
	return consentViews(hist, folded), nil
}

// DecisionView is a contact decision as the API shows it.
type DecisionView struct {
	Allowed        bool            `json:"allowed"`
	Code           string          `json:"code,omitempty"`
	Reason         string          `json:"reason,omitempty"`
	Channel        consent.Channel `json:"channel"`
	Variant        consent.Variant `json:"variant"`
	AllowVoicemail bool            `json:"allow_voicemail"`
	SendAt         *time.Time      `json:"send_at,omitempty"`
	Immediate      bool            `json:"immediate"`
	ConsentVersion int             `json:"consent_version"`
	ReviewDue      bool            `json:"consent_review_due"`
	// Field is the request field a refusal is about (a message's preview:
	// "params.when" for a promised call), "" otherwise.
	Field string `json:"field,omitempty"`
}

// ViewDecision is d as the API shows it.
func ViewDecision(d consent.Decision) DecisionView {
	v := DecisionView{Allowed: d.Allowed, Code: d.Code, Reason: d.Reason, Channel: d.Channel, Variant: d.Variant,
		AllowVoicemail: d.AllowVoicemail, Immediate: d.Immediate, ConsentVersion: d.ConsentVersion, ReviewDue: d.ReviewDue}
	if d.Allowed {
		t := d.SendAt.UTC()
		v.SendAt = &t
	}
	return v
}

func (h handlers) contactability(c *gin.Context) {
	d, err := h.s.Contactability(c.Request.Context(), auth.ActorOf(c), c.Param("code"), c.DefaultQuery("channel", "auto"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ViewDecision(d))
}

// Contactability is the contact decision for her on channel (or "auto")
// now, for her team.
func (s *Service) Contactability(ctx context.Context, a *auth.Actor, code, channel string) (consent.Decision, error) {
	ch, err := consent.ParseChannel(channel, true)
	if err != nil {
		return consent.Decision{}, err
	}
	p, err := s.For(ctx, s.q, a, code, false, ActView)
	if err != nil {
		return consent.Decision{}, err
	}
	return s.Decide(ctx, s.q, p, ch, s.now())
}

// Steps are the participant capability's scheduler work: consent expiry.
func (s *Service) Steps() []runner.Step {
	return []runner.Step{{Name: "expire_consents", Run: s.expireConsents}}
}

// expireBatch bounds the grants one tick expires.
const expireBatch = 1000

// expireConsents records an "expired" event (and its audit event) for each
// grant whose expiry has passed. The decision never waits for this: a
// grant is expired at its ExpiresAt whether or not the event exists.
func (s *Service) expireConsents(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		due, err := q.DueConsentExpiries(ctx, db.DueConsentExpiriesParams{Now: now, MaxRows: expireBatch})
		if err != nil {
			return err
		}
		sys := auth.SystemActor("scheduler")
		for _, g := range due {
			ev, err := q.AppendConsentEvent(ctx, db.AppendConsentEventParams{
				ParticipantID: g.ParticipantID, Channel: g.Channel, Kind: "expired", At: g.ExpiresAt.Time,
				Actor: sys.Name, Source: "expiry", Reason: "expiry date reached",
			})
			if err != nil {
				return err
			}
			if _, err := audit.Append(ctx, q, sys, audit.Event{Action: ActionConsentExpired, ParticipantCode: g.ParticipantCode, Details: map[string]any{
				"channel": g.Channel, "consent_event": ev.ID, "grant_event": g.ID,
			}}); err != nil {
				return err
			}
		}
		n = len(due)
		return nil
	})
	return n, err
}
