package referral

import (
	"strings"
	"time"
	"unicode/utf8"

	"safecontact/keys"
)

// ReceiptSchemaV1 is the schema of a receipt.
const ReceiptSchemaV1 = "safecontact/referral-receipt/v1"

// Receipt codes.
const (
	CodeInvalidOutcome = "invalid_outcome"
	CodeReasonRequired = "reason_required"
	CodeInvalidPackage = "invalid_package_id"
)

// Outcome is what the receiving organisation decided.
type Outcome string

const (
	Accepted   Outcome = "accepted"
	Declined   Outcome = "declined"
	Redirected Outcome = "redirected" // another service suits her better: RedirectedTo says which kind
)

const (
	minReasonLen       = 5
	MaxReasonLen       = 500
	MaxRedirectedToLen = 120
	// MaxReceiptSize bounds a receipt's JSON; the field limits keep any
	// valid receipt under 3 KiB.
	MaxReceiptSize = 4 << 10
)

// Receipt answers a referral. It travels in a package of kind receipt
// from the referral's recipient back to its sender. It carries no
// information about her beyond the decision: not the new local code, not
// her answers.
type Receipt struct {
	Schema   string  `json:"schema"`   // ReceiptSchemaV1
	Referral string  `json:"referral"` // the referral's package id (UUID form)
	Outcome  Outcome `json:"outcome"`
	// Reason is required when declined or redirected (5 to MaxReasonLen
	// characters), optional when accepted.
	Reason string `json:"reason,omitempty"`
	// RedirectedTo names the kind of service suggested instead (e.g.
	// "protected-shelter programme"), only when redirected.
	RedirectedTo string `json:"redirected_to,omitempty"`
}

// NewReceipt returns a receipt for the referral package id.
func NewReceipt(referral PackageID, outcome Outcome, reason string) *Receipt {
	return &Receipt{Schema: ReceiptSchemaV1, Referral: referral.String(), Outcome: outcome, Reason: reason}
}

// ReferralID is the id of the referral the receipt answers (valid after
// Validate).
func (r *Receipt) ReferralID() PackageID {
	id, _ := ParsePackageID(r.Referral)
	return id
}

// Validate checks r and normalises it in place; errors carry the Code*
// constants and the field.
func (r *Receipt) Validate() error {
	if r.Schema != ReceiptSchemaV1 {
		return formErr(CodeUnsupportedSchema, "schema", "this gateway reads receipts of schema %s", ReceiptSchemaV1)
	}
	id, err := ParsePackageID(strings.ToLower(strings.TrimSpace(r.Referral)))
	if err != nil {
		return formErr(CodeInvalidPackage, "referral", "the referral is named by its package id (a UUID)")
	}
	r.Referral = id.String()
	r.Outcome = Outcome(strings.ToLower(strings.TrimSpace(string(r.Outcome))))
	switch r.Outcome {
	case Accepted, Declined, Redirected:
	default:
		return formErr(CodeInvalidOutcome, "outcome", "the outcome is accepted, declined or redirected")
	}
	if r.Reason, err = cleanText(r.Reason, "reason", MaxReasonLen, true); err != nil {
		return err
	}
	if r.Outcome != Accepted && utf8.RuneCountInString(r.Reason) < minReasonLen {
		return formErr(CodeReasonRequired, "reason", "say why the referral was declined or redirected (%d to %d characters)", minReasonLen, MaxReasonLen)
	}
	if r.RedirectedTo, err = cleanText(r.RedirectedTo, "redirected_to", MaxRedirectedToLen, false); err != nil {
		return err
	}
	if r.RedirectedTo != "" && r.Outcome != Redirected {
		return formErr(CodeInconsistentAnswer, "redirected_to", "redirected_to is given only when the outcome is redirected")
	}
	return nil
}

// DecodeReceipt reads a receipt from JSON (at most MaxReceiptSize bytes,
// with DecodeForm's rules); it does not validate.
func DecodeReceipt(b []byte) (*Receipt, error) {
	var r Receipt
	if err := decodeStrict(b, &r, MaxReceiptSize); err != nil {
		return nil, err
	}
	return &r, nil
}

// OpenedReceipt is an opened receipt package. The caller must check that
// Sender is the organisation the referral Receipt.ReferralID() was sent
// to, and refuse a replayed (Sender, ID) pair.
type OpenedReceipt struct {
	Envelope
	Receipt *Receipt
}

// SealReceipt validates r and makes a receipt package from from to to.
func SealReceipt(r *Receipt, from *keys.OrgIdentity, to keys.OrgPublic, now time.Time, opt SealOptions) ([]byte, Envelope, error) {
	if err := r.Validate(); err != nil {
		return nil, Envelope{}, err
	}
	body, err := canonicalBody(r, MaxReceiptSize)
	if err != nil {
		return nil, Envelope{}, err
	}
	return seal(KindReceipt, body, from, to, now, opt)
}

// OpenReceipt opens a receipt package; the checks and refusals are
// OpenReferral's (see package.go), and so is what a caller that is not
// authenticated may be told (PublicRefusal).
func OpenReceipt(pkg []byte, me *keys.OrgIdentity, partners Partners, now time.Time, opt OpenOptions) (*OpenedReceipt, error) {
	h, inner, err := unseal(pkg, me)
	if err != nil {
		return nil, err
	}
	return receiptFromInner(h, inner, me.Public(), partners, now, opt)
}

// receiptFromInner is OpenReceipt after the box is open.
func receiptFromInner(h Header, inner []byte, me keys.OrgPublic, partners Partners, now time.Time, opt OpenOptions) (*OpenedReceipt, error) {
	env, body, err := verifyInner(h, inner, KindReceipt, me, partners, now, opt)
	if err != nil {
		return nil, err
	}
	r := new(Receipt)
	if err := openBody(body, "receipt", MaxReceiptSize, r, r.Validate); err != nil {
		return nil, err
	}
	return &OpenedReceipt{Envelope: *env, Receipt: r}, nil
}
