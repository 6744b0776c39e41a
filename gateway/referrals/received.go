package referrals

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/referral"
)

// The receiving side: import (file or inbox), review, decision, receipt;
// and the receipts that come back for referrals sent.

// Ways a package comes in, as the audit records them.
const (
	ViaFile  = "file"
	ViaInbox = "inbox"
)

// Imported is what an import stored: a received referral, or the sent
// referral a receipt answered.
type Imported struct {
	Kind     string       `json:"kind"` // referral or receipt
	Referral ReferralView `json:"referral"`
}

// Import opens a package (a referral or a receipt, by its header) and
// stores it, or refuses it with the detailed code (referral's Code*
// constants, CodeReceiptUnknown, CodeAlreadyDecided) and stores nothing
// but the refusal's audit entry. A caller that is not authenticated must
// show only referral.PublicRefusal of the error.
func (s *Service) Import(ctx context.Context, a Actor, pkg []byte, via string) (Imported, error) {
	if err := s.configured(); err != nil {
		return Imported{}, err
	}
	h, herr := referral.PeekHeader(pkg)
	out, err := s.importPackage(ctx, a, pkg, h, herr, via)
	if err == nil || errs.Code(err) == "internal" {
		return out, err
	}
	details := map[string]any{"code": errs.Code(err), "via": via}
	if herr == nil {
		details["package_id"] = h.ID.String()
		details["kind"] = h.Kind.String()
	}
	if aerr := s.inTx(ctx, func(q *db.Queries) error {
		return s.d.Audit(ctx, q, a, Event{Action: ActionRefused, Details: details})
	}); aerr != nil {
		return Imported{}, errs.Internal(aerr)
	}
	return Imported{}, err
}

func (s *Service) importPackage(ctx context.Context, a Actor, pkg []byte, h referral.Header, herr error, via string) (Imported, error) {
	if herr != nil {
		return Imported{}, herr
	}
	now := s.d.Now()
	opt := referral.OpenOptions{MaxAge: s.cfg.MaxAge, ClockSkew: s.cfg.ClockSkew}
	if h.Kind == referral.KindReceipt {
		rc, err := referral.OpenReceipt(pkg, s.d.Org, s.verifiedPartner(ctx), now, opt)
		if err != nil {
			return Imported{}, err
		}
		return s.storeReceipt(ctx, a, rc, via)
	}
	ref, err := referral.OpenReferral(pkg, s.d.Org, s.verifiedPartner(ctx), now, opt)
	if err != nil {
		return Imported{}, err
	}
	body, err := referral.Canonical(ref.Form)
	if err != nil {
		return Imported{}, errs.Internal(err)
	}
	var out Imported
	err = s.inTx(ctx, func(q *db.Queries) error {
		p, err := s.recordImport(ctx, q, ref.Envelope)
		if err != nil {
			return err
		}
		r, err := q.CreateReferral(ctx, db.CreateReferralParams{Direction: "received", PartnerID: p.ID, State: "received",
			PackageID: uuid.NullUUID{UUID: uuid.UUID(ref.ID), Valid: true}, FormEnc: s.vault.seal(body),
			ExpiresAt: nullTime(ref.Expires), CreatedBy: a.Name, At: now})
		if err != nil {
			return err
		}
		out = Imported{Kind: "referral"}
		if out.Referral, err = s.view(ctx, q, r); err != nil {
			return err
		}
		return s.d.Audit(ctx, q, a, Event{Action: ActionImported, Details: map[string]any{
			"referral_id": r.ID, "package_id": ref.ID.String(), "partner_id": p.ID, "via": via}})
	})
	if err != nil {
		return Imported{}, internal(err)
	}
	return out, nil
}

// recordImport records the (sender, package id) pair, refusing a replay,
// and forgets pairs past their keep time. It returns the sender.
func (s *Service) recordImport(ctx context.Context, q *db.Queries, env referral.Envelope) (db.Partner, error) {
	if _, err := q.ForgetExpiredImports(ctx, s.d.Now()); err != nil {
		return db.Partner{}, err
	}
	n, err := q.RecordImport(ctx, db.RecordImportParams{SenderKeyID: env.Sender.String(), PackageID: uuid.UUID(env.ID),
		Kind: env.Kind.String(), KeepUntil: env.KeepUntil})
	if err != nil {
		return db.Partner{}, err
	}
	if n == 0 {
		return db.Partner{}, errs.New(referral.CodeReplayed, "this package was imported before")
	}
	// The sender was verified when the package opened, just now.
	return q.LivePartnerByKeyID(ctx, env.Sender.String())
}

// storeReceipt records the outcome a receipt brings for a referral this
// gateway sent to the receipt's sender.
func (s *Service) storeReceipt(ctx context.Context, a Actor, rc *referral.OpenedReceipt, via string) (Imported, error) {
	body, err := referral.Canonical(rc.Receipt)
	if err != nil {
		return Imported{}, errs.Internal(err)
	}
	var out Imported
	err = s.inTx(ctx, func(q *db.Queries) error {
		p, err := s.recordImport(ctx, q, rc.Envelope)
		if err != nil {
			return err
		}
		ref := rc.Receipt.ReferralID()
		r, err := q.SentReferralByPackageForUpdate(ctx, uuid.NullUUID{UUID: uuid.UUID(ref), Valid: true})
		if errors.Is(err, sql.ErrNoRows) || err == nil && r.PartnerID != p.ID {
			return errs.New(CodeReceiptUnknown, "this receipt answers no referral sent to its sender")
		}
		if err != nil {
			return err
		}
		r, err = q.RecordOutcome(ctx, db.RecordOutcomeParams{ID: r.ID, State: string(rc.Receipt.Outcome), OutcomeEnc: s.vault.seal(body), At: s.d.Now()})
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(CodeAlreadyDecided, "this referral's outcome was recorded before")
		}
		if err != nil {
			return err
		}
		out = Imported{Kind: "receipt"}
		if out.Referral, err = s.view(ctx, q, r); err != nil {
			return err
		}
		return s.d.Audit(ctx, q, a, Event{Action: ActionReceiptImported, Details: map[string]any{
			"referral_id": r.ID, "package_id": rc.ID.String(), "partner_id": p.ID, "outcome": string(rc.Receipt.Outcome), "via": via}})
	})
	if err != nil {
		return Imported{}, internal(err)
	}
	return out, nil
}

// List lists referrals without their content, newest first; direction is
// "", "sent" or "received"; beforeID 0 starts at the newest.
func (s *Service) List(ctx context.Context, direction string, beforeID int64, limit int32) ([]ReferralView, error) {
	if direction != "" && direction != "sent" && direction != "received" {
		return nil, errs.Field("invalid_parameter", "direction", "direction is sent or received")
	}
	rows, err := s.q.ListReferrals(ctx, db.ListReferralsParams{Direction: direction, BeforeID: beforeID, MaxRows: limit})
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := make([]ReferralView, 0, len(rows))
	for _, r := range rows {
		v, err := s.view(ctx, s.q, r)
		if err != nil {
			return nil, errs.Internal(err)
		}
		out = append(out, v)
	}
	return out, nil
}

// Get opens a referral: its form, the warnings on its free text, the
// pre-evaluation (received) and the outcome. Reading it is audited: the
// form holds her answers and may hold her number. Once a received
// referral is decided, only a supervisor (or an admin, or the system)
// reads its form: she is then a participant, whose number is revealed
// with a reason, an audit and a budget, and not at all to staff under
// strict confidentiality; the staff member who decided it (or anyone
// else) gets its state and outcome, with FormWithheld set.
func (s *Service) Get(ctx context.Context, a Actor, id int64) (ReferralDetail, error) {
	var out ReferralDetail
	err := s.inTx(ctx, func(q *db.Queries) error {
		r, err := q.ReferralByID(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New("not_found", "referral not found")
		}
		if err != nil {
			return err
		}
		if !mayOpen(a, r) {
			return errForbidden()
		}
		if formWithheld(a, r) {
			out, err = s.decided(ctx, q, r)
		} else {
			out, err = s.detail(ctx, q, r)
		}
		if err != nil {
			return err
		}
		return s.d.Audit(ctx, q, a, Event{Action: ActionRead, ParticipantCode: deref(out.Participant),
			Details: map[string]any{"referral_id": r.ID, "form_withheld": out.FormWithheld}})
	})
	if err != nil {
		return ReferralDetail{}, internal(err)
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// formWithheld says a's reading of r shows no form: r is a received
// referral already decided and a is not a supervisor, an admin or the
// system.
func formWithheld(a Actor, r db.Referral) bool {
	switch a.Role {
	case "supervisor", "admin", "system":
		return false
	}
	return r.Direction == "received" && r.State != "received"
}

// decided is r without its form: its view and outcome.
func (s *Service) decided(ctx context.Context, q *db.Queries, r db.Referral) (ReferralDetail, error) {
	v, err := s.view(ctx, q, r)
	if err != nil {
		return ReferralDetail{}, err
	}
	out := ReferralDetail{ReferralView: v, Warnings: []referral.Warning{}, FormWithheld: true}
	if out.Outcome, err = s.vault.outcome(r); err != nil {
		return ReferralDetail{}, err
	}
	return out, nil
}

func (s *Service) detail(ctx context.Context, q *db.Queries, r db.Referral) (ReferralDetail, error) {
	v, err := s.view(ctx, q, r)
	if err != nil {
		return ReferralDetail{}, err
	}
	f, err := s.vault.form(r)
	if err != nil {
		return ReferralDetail{}, err
	}
	out := ReferralDetail{ReferralView: v, Form: f, Warnings: f.Warnings(s.d.Filter)}
	if r.Direction == "received" {
		pe := referral.PreEvaluate(f, s.d.Now(), referral.EvalOptions{RiskEvaluationMaxAge: s.cfg.RiskEvaluationMaxAge})
		out.PreEvaluation = &pe
	}
	if out.Outcome, err = s.vault.outcome(r); err != nil {
		return ReferralDetail{}, err
	}
	return out, nil
}

// Decision is staff's answer to a received referral.
type Decision struct {
	Outcome      referral.Outcome `json:"outcome"`
	Reason       string           `json:"reason"`
	RedirectedTo string           `json:"redirected_to"`
	// Phone is her number when the form has none (accepting needs one).
	Phone string `json:"phone"`
}

// DecisionResult is what deciding did.
type DecisionResult struct {
	Referral ReferralView `json:"referral"`
	// Participant is the new participant's code (accepted).
	Participant *string `json:"participant"`
	// Settings are what the answers require of the gateway for her
	// (accepted); the participant holds the monitored flag, her windows
	// and her channel preference.
	Settings *referral.Settings `json:"settings,omitempty"`
	// ConsentRequired: consent is not carried over; record hers before
	// anything is sent.
	ConsentRequired bool               `json:"consent_required"`
	Warnings        []referral.Warning `json:"warnings"`
}

// Decide accepts, declines or redirects a received referral, once, and
// makes the signed receipt for the sender (kept sealed, to be delivered
// or exported). Accepting creates her participant through
// Deps.CreateParticipant, in the same transaction.
func (s *Service) Decide(ctx context.Context, a Actor, id int64, d Decision) (DecisionResult, error) {
	if err := s.configured(); err != nil {
		return DecisionResult{}, err
	}
	var out DecisionResult
	err := s.inTx(ctx, func(q *db.Queries) error {
		r, err := q.ReferralByIDForUpdate(ctx, id)
		if errors.Is(err, sql.ErrNoRows) || err == nil && r.Direction != "received" {
			return errs.New("not_found", "referral not found")
		}
		if err != nil {
			return err
		}
		if r.State != "received" {
			return errs.New(CodeReferralState, "this referral was decided before")
		}
		p, err := q.PartnerByID(ctx, r.PartnerID)
		if err != nil {
			return err
		}
		if !usable(p) {
			return errPartnerNotUsable()
		}
		rc := referral.NewReceipt(referral.PackageID(r.PackageID.UUID), d.Outcome, d.Reason)
		rc.RedirectedTo = d.RedirectedTo
		pkg, env, err := referral.SealReceipt(rc, s.d.Org, publicOf(p), s.d.Now(), referral.SealOptions{Validity: s.cfg.Validity})
		if err != nil {
			return err
		}
		body, err := referral.Canonical(rc)
		if err != nil {
			return err
		}
		var partID sql.NullInt64
		code := ""
		if rc.Outcome == referral.Accepted {
			f, err := s.vault.form(r)
			if err != nil {
				return err
			}
			pe := referral.PreEvaluate(f, s.d.Now(), referral.EvalOptions{RiskEvaluationMaxAge: s.cfg.RiskEvaluationMaxAge})
			np := participantFrom(f, pe.Settings, a)
			if d.Phone != "" {
				np.Phone = d.Phone
			}
			if np.Phone == "" {
				return errs.Field(CodePhoneRequired, "phone", "the referral carries no phone number: give hers to accept it")
			}
			if code, err = s.d.CreateParticipant(ctx, q, a, np); err != nil {
				return err
			}
			part, err := q.ParticipantByCode(ctx, code)
			if err != nil {
				return err
			}
			partID = sql.NullInt64{Int64: part.ID, Valid: true}
			out.Participant, out.Settings, out.ConsentRequired = &code, &pe.Settings, true
		} else if d.Phone != "" {
			return errs.Field("unknown_field", "phone", "a phone number is given only to accept a referral")
		}
		r, err = q.DecideReferral(ctx, db.DecideReferralParams{ID: r.ID, State: string(rc.Outcome), ParticipantID: partID,
			OutcomeEnc: s.vault.seal(body), At: s.d.Now(), By: a.Name,
			ReceiptID: uuid.NullUUID{UUID: uuid.UUID(env.ID), Valid: true}, ReceiptEnc: s.vault.seal(pkg)})
		if err != nil {
			return err
		}
		if p.InboxUrl != "" {
			// The receipt goes back by itself (DeliverDue).
			if err := q.ScheduleDelivery(ctx, db.ScheduleDeliveryParams{ID: r.ID, Due: nullTime(s.d.Now())}); err != nil {
				return err
			}
		}
		if out.Referral, err = s.view(ctx, q, r); err != nil {
			return err
		}
		out.Warnings = rc.Warnings(s.d.Filter)
		return s.d.Audit(ctx, q, a, Event{Action: ActionDecided + string(rc.Outcome), ParticipantCode: code, Details: map[string]any{
			"referral_id": r.ID, "package_id": r.PackageID.UUID.String(), "receipt_id": env.ID.String(), "partner_id": p.ID}})
	})
	if err != nil {
		return DecisionResult{}, internal(err)
	}
	return out, nil
}

// participantFrom is the participant a form and its settings make: her
// first language, zone and windows; monitored when the rules say so; her
// channels as the preference, WhatsApp left out when the rules refuse it;
// individual sessions only and strict confidentiality when the rules say
// so; the form's last risk evaluation. The channels she agreed to are a
// preference here, not consent.
func participantFrom(f *referral.Form, st referral.Settings, a Actor) NewParticipant {
	channels := slices.Clone(f.Channels)
	if st.WhatsAppRefused {
		channels = slices.DeleteFunc(channels, func(c string) bool { return c == "whatsapp" })
	}
	return NewParticipant{Initials: f.Initials, Language: f.Languages[0], TimeZone: f.TimeZone, Phone: f.Phone,
		Monitored: st.Monitored, SafeWindows: slices.Clone(f.SafeWindows), ChannelPreference: channels, CaseworkerID: a.UserID,
		IndividualOnly: st.IndividualOnly, StrictConfidentiality: st.StrictConfidentiality, RiskEvaluated: f.RiskEvaluation.Date}
}

// Receipt returns a decided received referral's receipt package, the same
// bytes every time. Handing it out is audited.
func (s *Service) Receipt(ctx context.Context, a Actor, id int64) ([]byte, ReferralView, error) {
	var pkg []byte
	var v ReferralView
	err := s.inTx(ctx, func(q *db.Queries) error {
		r, err := q.ReferralByID(ctx, id)
		if errors.Is(err, sql.ErrNoRows) || err == nil && r.Direction != "received" {
			return errs.New("not_found", "referral not found")
		}
		if err != nil {
			return err
		}
		if !mayOpen(a, r) {
			return errForbidden()
		}
		if r.ReceiptEnc == nil {
			return errs.New(CodeReferralState, "this referral is not decided yet: it has no receipt")
		}
		if pkg, err = s.vault.open(r.ReceiptEnc); err != nil {
			return err
		}
		if v, err = s.view(ctx, q, r); err != nil {
			return err
		}
		return s.d.Audit(ctx, q, a, Event{Action: ActionReceiptExported, Details: map[string]any{
			"referral_id": r.ID, "receipt_id": r.ReceiptID.UUID.String()}})
	})
	if err != nil {
		return nil, ReferralView{}, internal(err)
	}
	return pkg, v, nil
}
