package referrals

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/referral"
)

// Referrals as the API shows them, and the sending side: draft, package,
// delivery.

// PartnerRef names the other organisation of a referral.
type PartnerRef struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	KeyID string `json:"key_id"`
}

// ReferralView is a referral without its content: what lists show.
type ReferralView struct {
	ID          int64      `json:"id"`
	Direction   string     `json:"direction"` // sent or received
	State       string     `json:"state"`
	Partner     PartnerRef `json:"partner"`
	PackageID   *string    `json:"package_id"`
	ExpiresAt   *time.Time `json:"expires_at"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by"`
	DeliveredAt *time.Time `json:"delivered_at"`
	DecidedAt   *time.Time `json:"decided_at"`
	// DeliveryAttempts is how many posts to the partner's inbox failed
	// (a sent referral's package, a received one's receipt);
	// DeliveryDueAt is when the next is tried, nil when none is
	// scheduled (delivered, never tried, or given up).
	DeliveryAttempts int32      `json:"delivery_attempts"`
	DeliveryDueAt    *time.Time `json:"delivery_due_at"`
	// Participant is the code of the participant accepting it created.
	Participant *string `json:"participant"`
	// ReceiptReady: a received referral was decided and its receipt can
	// be exported or delivered.
	ReceiptReady bool `json:"receipt_ready"`
}

// ReferralDetail is a referral with its form, opened.
type ReferralDetail struct {
	ReferralView
	Form     *referral.Form     `json:"form"`
	Warnings []referral.Warning `json:"warnings"`
	// PreEvaluation of a received referral: what the answers require.
	PreEvaluation *referral.PreEvaluation `json:"pre_evaluation,omitempty"`
	// Outcome: the decision (received) or the receipt that came back (sent).
	Outcome *referral.Receipt `json:"outcome,omitempty"`
	// FormWithheld: a received referral was decided and the reader is not
	// a supervisor; Form, Warnings and PreEvaluation are left out.
	FormWithheld bool `json:"form_withheld,omitempty"`
}

func (s *Service) view(ctx context.Context, q *db.Queries, r db.Referral) (ReferralView, error) {
	p, err := q.PartnerByID(ctx, r.PartnerID)
	if err != nil {
		return ReferralView{}, err
	}
	v := ReferralView{ID: r.ID, Direction: r.Direction, State: r.State, Partner: PartnerRef{ID: p.ID, Name: p.Name, KeyID: p.KeyID},
		ExpiresAt: db.TimeOrNil(r.ExpiresAt), CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy,
		DeliveredAt: db.TimeOrNil(r.DeliveredAt), DecidedAt: db.TimeOrNil(r.DecidedAt), ReceiptReady: r.ReceiptEnc != nil,
		DeliveryAttempts: r.DeliveryAttempts, DeliveryDueAt: db.TimeOrNil(r.DeliveryDueAt)}
	if r.PackageID.Valid {
		id := r.PackageID.UUID.String()
		v.PackageID = &id
	}
	if r.ParticipantID.Valid {
		part, err := q.ParticipantByID(ctx, r.ParticipantID.Int64)
		if err != nil {
			return ReferralView{}, err
		}
		v.Participant = &part.Code
	}
	return v, nil
}

// DraftResult is a new draft and the filter's warnings on its free text.
type DraftResult struct {
	Referral ReferralView       `json:"referral"`
	Warnings []referral.Warning `json:"warnings"`
}

// Draft stores a referral form for a verified partner, validated and
// sealed. Its warnings are the discreet filter's findings in the free
// text: shown to the sender, not refusals.
func (s *Service) Draft(ctx context.Context, a Actor, partnerID int64, form []byte) (DraftResult, error) {
	if err := s.configured(); err != nil {
		return DraftResult{}, err
	}
	f, err := referral.DecodeForm(form)
	if err != nil {
		return DraftResult{}, err
	}
	now := s.d.Now()
	if err := f.Validate(now); err != nil {
		return DraftResult{}, err
	}
	body, err := referral.Canonical(f)
	if err != nil {
		return DraftResult{}, errs.Internal(err)
	}
	var out DraftResult
	err = s.inTx(ctx, func(q *db.Queries) error {
		p, err := q.PartnerByID(ctx, partnerID)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !usable(p) {
			return errPartnerNotUsable()
		}
		if err != nil {
			return err
		}
		r, err := q.CreateReferral(ctx, db.CreateReferralParams{Direction: "sent", PartnerID: p.ID, State: "draft",
			FormEnc: s.vault.seal(body), CreatedBy: a.Name, At: now})
		if err != nil {
			return err
		}
		if out.Referral, err = s.view(ctx, q, r); err != nil {
			return err
		}
		out.Warnings = f.Warnings(s.d.Filter)
		return s.d.Audit(ctx, q, a, Event{Action: ActionDrafted, Details: map[string]any{
			"referral_id": r.ID, "partner_id": p.ID, "warnings": len(out.Warnings)}})
	})
	if err != nil {
		return DraftResult{}, internal(err)
	}
	return out, nil
}

// Package returns a sent referral's package: made and stored on the first
// call (the draft becomes exported), the same bytes on every later one.
// Each call is audited: a package handed out is a copy of her referral.
func (s *Service) Package(ctx context.Context, a Actor, id int64) ([]byte, ReferralView, error) {
	if err := s.configured(); err != nil {
		return nil, ReferralView{}, err
	}
	var pkg []byte
	var v ReferralView
	err := s.inTx(ctx, func(q *db.Queries) error {
		r, err := s.sentForUpdate(ctx, q, a, id)
		if err != nil {
			return err
		}
		if pkg, r, err = s.packageOf(ctx, q, r); err != nil {
			return err
		}
		if v, err = s.view(ctx, q, r); err != nil {
			return err
		}
		return s.d.Audit(ctx, q, a, Event{Action: ActionExported, Details: map[string]any{
			"referral_id": r.ID, "package_id": r.PackageID.UUID.String(), "partner_id": r.PartnerID}})
	})
	if err != nil {
		return nil, ReferralView{}, internal(err)
	}
	return pkg, v, nil
}

func (s *Service) sentForUpdate(ctx context.Context, q *db.Queries, a Actor, id int64) (db.Referral, error) {
	r, err := q.ReferralByIDForUpdate(ctx, id)
	if errors.Is(err, sql.ErrNoRows) || err == nil && r.Direction != "sent" {
		return r, errs.New("not_found", "referral not found")
	}
	if err == nil && !mayOpen(a, r) {
		return r, errForbidden()
	}
	return r, err
}

// mayOpen is who may see a referral's content and act on it: a supervisor
// (or an admin, or the system: the CLI), the staff member who drafted a
// sent referral, any staff member while a received referral waits for a
// decision (intake is shared work, like the call-back queue), and the
// staff member who decided it. Lists show no content and are open to all
// staff. Once a received referral is decided, Get shows its form to a
// supervisor only (formWithheld).
func mayOpen(a Actor, r db.Referral) bool {
	switch a.Role {
	case "supervisor", "admin", "system":
		return true
	}
	if r.Direction == "sent" {
		return r.CreatedBy == a.Name
	}
	return r.State == "received" || r.DecidedBy.Valid && r.DecidedBy.String == a.Name
}

func errForbidden() error {
	return errs.New("forbidden", "only the staff member who drafted or decided this referral, or a supervisor, can open it")
}

// packageOf is r's package, sealing the draft first (with q, r locked).
func (s *Service) packageOf(ctx context.Context, q *db.Queries, r db.Referral) ([]byte, db.Referral, error) {
	if r.State != "draft" {
		pkg, err := s.vault.open(r.PackageEnc)
		return pkg, r, err
	}
	p, err := q.PartnerByID(ctx, r.PartnerID)
	if err != nil {
		return nil, r, err
	}
	if !usable(p) {
		return nil, r, errPartnerNotUsable()
	}
	body, err := s.vault.open(r.FormEnc)
	if err != nil {
		return nil, r, err
	}
	f, err := referral.DecodeForm(body)
	if err != nil {
		return nil, r, errs.Internal(err)
	}
	pkg, env, err := referral.SealReferral(f, s.d.Org, publicOf(p), s.d.Now(), referral.SealOptions{Validity: s.cfg.Validity})
	if err != nil {
		// The form was valid when drafted; a date that has since become
		// invalid (none can) or a weak key would land here.
		return nil, r, err
	}
	r, err = q.ExportReferral(ctx, db.ExportReferralParams{ID: r.ID, PackageID: uuid.NullUUID{UUID: uuid.UUID(env.ID), Valid: true},
		PackageEnc: s.vault.seal(pkg), ExpiresAt: nullTime(env.Expires), At: s.d.Now()})
	return pkg, r, err
}

// Deliver posts a referral's package to the partner's inbox (a sent
// referral, sealed first if it is a draft) or, for a received referral
// that was decided, its receipt. The package is made and stored before
// the post, so a failed delivery is retried (DeliverDue, with backoff, up
// to Config.DeliveryAttempts attempts) or the file exported, with the
// same bytes.
func (s *Service) Deliver(ctx context.Context, a Actor, id int64) (ReferralView, error) {
	if err := s.configured(); err != nil {
		return ReferralView{}, err
	}
	v, _, err := s.deliver(ctx, a, id)
	return v, err
}

// deliver is Deliver; posted says whether a post was made (a refusal
// before it, such as a partner without an inbox, leaves nothing to retry).
func (s *Service) deliver(ctx context.Context, a Actor, id int64) (ReferralView, bool, error) {
	var pkg []byte
	var r db.Referral
	var p db.Partner
	err := s.inTx(ctx, func(q *db.Queries) error {
		var err error
		r, err = q.ReferralByIDForUpdate(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New("not_found", "referral not found")
		}
		if err != nil {
			return err
		}
		if !mayOpen(a, r) {
			return errForbidden()
		}
		if p, err = q.PartnerByID(ctx, r.PartnerID); err != nil {
			return err
		}
		if !usable(p) {
			return errPartnerNotUsable()
		}
		if p.InboxUrl == "" {
			return errs.New(CodeNoInbox, "this partner has no inbox URL: export the file and send it another way")
		}
		switch {
		case r.Direction == "sent":
			pkg, r, err = s.packageOf(ctx, q, r)
			return err
		case r.ReceiptEnc != nil:
			pkg, err = s.vault.open(r.ReceiptEnc)
			return err
		}
		return errs.New(CodeReferralState, "a received referral is delivered back as its receipt, once it is decided")
	})
	if err != nil {
		return ReferralView{}, false, internal(err)
	}
	kind, pkgID := "referral", r.PackageID.UUID.String()
	if r.Direction == "received" {
		kind, pkgID = "receipt", r.ReceiptID.UUID.String()
	}
	status, postErr := s.post(ctx, p.InboxUrl, pkg)
	var v ReferralView
	err = s.inTx(ctx, func(q *db.Queries) error {
		details := map[string]any{"referral_id": r.ID, "package_id": pkgID, "kind": kind, "partner_id": p.ID}
		if postErr != nil {
			details["status"] = status
			next := s.d.Now().Add(backoff(r.DeliveryAttempts))
			if int(r.DeliveryAttempts)+1 >= s.cfg.DeliveryAttempts {
				next = time.Time{} // given up: staff deliver again or export the file
			}
			n, err := q.DeliveryFailed(ctx, db.DeliveryFailedParams{ID: r.ID, Next: nullTime(next)})
			if err != nil {
				return err
			}
			details["attempt"], details["retry"] = n, !next.IsZero()
			return s.d.Audit(ctx, q, a, Event{Action: ActionDeliveryFailed, Details: details})
		}
		if err := q.MarkReferralDelivered(ctx, db.MarkReferralDeliveredParams{ID: r.ID, At: s.d.Now()}); err != nil {
			return err
		}
		r, err = q.ReferralByID(ctx, r.ID)
		if err != nil {
			return err
		}
		if v, err = s.view(ctx, q, r); err != nil {
			return err
		}
		return s.d.Audit(ctx, q, a, Event{Action: ActionDelivered, Details: details})
	})
	if err != nil {
		return ReferralView{}, true, internal(err)
	}
	if postErr != nil {
		return ReferralView{}, true, postErr
	}
	return v, true, nil
}

// backoff is the wait after the given number of failed attempts: a
// minute, doubling, at most an hour.
func backoff(failed int32) time.Duration {
	d := time.Minute << min(failed, 6)
	return min(d, time.Hour)
}

// DeliverDue makes the deliveries that are due (retries, and receipts of
// referrals decided for a partner with an inbox), at most max of them,
// and returns how many it tried. A delivery that can no longer be made
// (the partner was removed or has no inbox any more) is dropped; its
// package can still be exported.
func (s *Service) DeliverDue(ctx context.Context, max int32) (int, error) {
	if s.d.Org == nil {
		return 0, nil
	}
	ids, err := s.q.DueDeliveries(ctx, db.DueDeliveriesParams{Now: s.d.Now(), MaxRows: max})
	if err != nil {
		return 0, err
	}
	a := Actor{Name: "system:referral-delivery", Role: "system"}
	for _, id := range ids {
		if _, posted, err := s.deliver(ctx, a, id); err != nil && !posted {
			if errs.Code(err) == "internal" {
				return 0, err
			}
			if err := s.q.ScheduleDelivery(ctx, db.ScheduleDeliveryParams{ID: id}); err != nil {
				return 0, err
			}
		}
	}
	return len(ids), nil
}

// DeliveryLoop runs DeliverDue every Config.DeliveryEvery until ctx ends.
// It posts to other organisations' servers, which may be slow: the
// gateway runs it beside the scheduler's tick, on the leader only.
func (s *Service) DeliveryLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.DeliveryEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.DeliverDue(ctx, 10); err != nil && ctx.Err() == nil {
				s.d.Log.Warn("referral deliveries", "err", err)
			}
		}
	}
}
