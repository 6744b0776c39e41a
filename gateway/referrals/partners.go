package referrals

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"strings"
	"time"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/keys"
)

// The partner directory: organisations known by their card, usable once an
// admin has compared the fingerprint out of band.

// PartnerView is a partner as the API shows it.
type PartnerView struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	KeyID       string     `json:"key_id"`
	Fingerprint string     `json:"fingerprint"`
	InboxURL    string     `json:"inbox_url"`
	CardIssued  time.Time  `json:"card_issued"`
	AddedAt     time.Time  `json:"added_at"`
	AddedBy     string     `json:"added_by"`
	Verified    bool       `json:"verified"`
	VerifiedAt  *time.Time `json:"verified_at"`
	VerifiedBy  *string    `json:"verified_by"`
	Removed     bool       `json:"removed"`
	RemovedAt   *time.Time `json:"removed_at"`
}

func partnerView(p db.Partner) PartnerView {
	return PartnerView{ID: p.ID, Name: p.Name, KeyID: p.KeyID, Fingerprint: p.Fingerprint, InboxURL: p.InboxUrl,
		CardIssued: p.CardIssued.UTC(), AddedAt: p.AddedAt.UTC(), AddedBy: p.AddedBy,
		Verified: p.VerifiedAt.Valid, VerifiedAt: db.TimeOrNil(p.VerifiedAt), VerifiedBy: strPtr(p.VerifiedBy),
		Removed: p.RemovedAt.Valid, RemovedAt: db.TimeOrNil(p.RemovedAt)}
}

// usable reports whether packages may go to p and come from it.
func usable(p db.Partner) bool { return p.VerifiedAt.Valid && !p.RemovedAt.Valid }

func publicOf(p db.Partner) keys.OrgPublic {
	return keys.OrgPublic{Seal: [32]byte(p.SealPublic), Sign: ed25519.PublicKey(p.SignPublic)}
}

func errPartnerNotUsable() *errs.Error {
	return errs.New(CodePartnerNotUsable, "this partner is not verified (or was removed): an admin compares its fingerprint out of band and marks it verified")
}

// AddPartner records a partner from its card (keys.ParsePartnerCard). A
// newer card of a partner on file updates its name and inbox URL and keeps
// its verification (the keys are the same); anything else is a new,
// unverified partner.
func (s *Service) AddPartner(ctx context.Context, a Actor, card []byte) (PartnerView, bool, error) {
	c, err := keys.ParsePartnerCard(card)
	if err != nil {
		return PartnerView{}, false, err
	}
	if s.d.Org != nil && c.Public.KeyID() == s.d.Org.KeyID() {
		return PartnerView{}, false, errs.New(CodePartnerIsSelf, "this is this organisation's own card")
	}
	now := s.d.Now()
	var out db.Partner
	created := false
	err = s.inTx(ctx, func(q *db.Queries) error {
		old, err := q.LivePartnerByKeyID(ctx, c.Public.KeyID().String())
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := c.CheckUpdate(nil, now); err != nil {
				return err
			}
			out, err = q.AddPartner(ctx, db.AddPartnerParams{Name: c.Name, KeyID: c.Public.KeyID().String(),
				SealPublic: c.Public.Seal[:], SignPublic: c.Public.Sign, Fingerprint: c.Public.Fingerprint(),
				InboxUrl: c.InboxURL, CardIssued: c.Issued, AddedBy: a.Name})
			if err != nil {
				return err
			}
			created = true
			return s.d.Audit(ctx, q, a, Event{Action: ActionPartnerAdded, Details: map[string]any{
				"partner_id": out.ID, "key_id": out.KeyID, "has_inbox": out.InboxUrl != ""}})
		case err != nil:
			return err
		}
		onFile := &keys.PartnerCard{Name: old.Name, InboxURL: old.InboxUrl, Issued: old.CardIssued.UTC(), Public: publicOf(old)}
		if err := c.CheckUpdate(onFile, now); err != nil {
			return err
		}
		out = old
		if c.Issued.Equal(onFile.Issued) {
			return nil // the same card again
		}
		out, err = q.UpdatePartnerCard(ctx, db.UpdatePartnerCardParams{ID: old.ID, Name: c.Name, InboxUrl: c.InboxURL, CardIssued: c.Issued})
		if err != nil {
			return err
		}
		return s.d.Audit(ctx, q, a, Event{Action: ActionPartnerCardUpdated, Details: map[string]any{
			"partner_id": out.ID, "key_id": out.KeyID, "inbox_changed": out.InboxUrl != old.InboxUrl}})
	})
	if err != nil {
		return PartnerView{}, false, internal(err)
	}
	return partnerView(out), created, nil
}

// normFingerprint keeps the digits of a fingerprint as typed ("30418
// 77265 …", "30418-77265-…"), eight groups of five.
func normFingerprint(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) != 40 {
		return ""
	}
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = d[i*5 : i*5+5]
	}
	return strings.Join(groups, " ")
}

// VerifyPartner marks a partner's fingerprint verified. The admin types the
// fingerprint she compared out of band; a different one is refused, so
// the mark means a comparison was made.
func (s *Service) VerifyPartner(ctx context.Context, a Actor, id int64, fingerprint string) (PartnerView, error) {
	var out db.Partner
	err := s.inTx(ctx, func(q *db.Queries) error {
		p, err := q.PartnerByID(ctx, id)
		if errors.Is(err, sql.ErrNoRows) || err == nil && p.RemovedAt.Valid {
			return errs.New("not_found", "partner not found")
		}
		if err != nil {
			return err
		}
		if normFingerprint(fingerprint) != p.Fingerprint {
			if err := s.d.Audit(ctx, q, a, Event{Action: ActionPartnerVerifyRefused, Details: map[string]any{"partner_id": p.ID, "key_id": p.KeyID}}); err != nil {
				return err
			}
			out.ID = -1
			return nil
		}
		if p.VerifiedAt.Valid {
			out = p
			return nil
		}
		out, err = q.VerifyPartner(ctx, db.VerifyPartnerParams{ID: p.ID, At: s.d.Now(), By: a.Name})
		if err != nil {
			return err
		}
		return s.d.Audit(ctx, q, a, Event{Action: ActionPartnerVerified, Details: map[string]any{"partner_id": p.ID, "key_id": p.KeyID}})
	})
	if err != nil {
		return PartnerView{}, internal(err)
	}
	if out.ID == -1 {
		return PartnerView{}, errs.Field(CodeFingerprintMatch, "fingerprint", "this is not the partner's fingerprint: compare it again with the partner, digit by digit")
	}
	return partnerView(out), nil
}

// ListPartners lists the directory (removed partners too when asked).
func (s *Service) ListPartners(ctx context.Context, withRemoved bool) ([]PartnerView, error) {
	ps, err := s.q.ListPartners(ctx, withRemoved)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := make([]PartnerView, 0, len(ps))
	for _, p := range ps {
		out = append(out, partnerView(p))
	}
	return out, nil
}

// RemovePartner makes a partner unusable. Its row stays: the referrals
// exchanged with it point at it.
func (s *Service) RemovePartner(ctx context.Context, a Actor, id int64) (PartnerView, error) {
	var out db.Partner
	err := s.inTx(ctx, func(q *db.Queries) error {
		var err error
		out, err = q.RemovePartner(ctx, db.RemovePartnerParams{ID: id, At: s.d.Now(), By: a.Name})
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New("not_found", "partner not found")
		}
		if err != nil {
			return err
		}
		return s.d.Audit(ctx, q, a, Event{Action: ActionPartnerRemoved, Details: map[string]any{"partner_id": out.ID, "key_id": out.KeyID}})
	})
	if err != nil {
		return PartnerView{}, internal(err)
	}
	return partnerView(out), nil
}

// verifiedPartner is referral.Partners over the directory: the keys of a
// live, verified partner with that key id, or nil.
func (s *Service) verifiedPartner(ctx context.Context) func(keys.OrgKeyID) (*keys.OrgPublic, error) {
	return func(id keys.OrgKeyID) (*keys.OrgPublic, error) {
		p, err := s.q.LivePartnerByKeyID(ctx, id.String())
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if !usable(p) {
			return nil, nil
		}
		pub := publicOf(p)
		return &pub, nil
	}
}
