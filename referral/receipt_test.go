package referral

import (
	"strings"
	"testing"

	"safecontact/errs"
)

func TestReceiptValidate(t *testing.T) {
	id := newPackageID()
	ok := []*Receipt{
		NewReceipt(id, Accepted, ""),
		NewReceipt(id, "ACCEPTED", "Welcome; first interview on Monday."),
		NewReceipt(id, Declined, "No place for her language this month."),
		{Schema: ReceiptSchemaV1, Referral: strings.ToUpper(id.String()), Outcome: Redirected, Reason: "She needs a protected shelter first.", RedirectedTo: "protected-shelter programme"},
	}
	for i, r := range ok {
		if err := r.Validate(); err != nil {
			t.Errorf("receipt %d: %v", i, err)
		}
		if r.ReferralID() != id {
			t.Errorf("receipt %d: referral id %s", i, r.Referral)
		}
	}
	tests := []struct {
		name  string
		r     *Receipt
		code  string
		field string
	}{
		{"schema", &Receipt{Schema: "x", Referral: id.String(), Outcome: Accepted}, CodeUnsupportedSchema, "schema"},
		{"no referral", &Receipt{Schema: ReceiptSchemaV1, Outcome: Accepted}, CodeInvalidPackage, "referral"},
		{"bad referral", &Receipt{Schema: ReceiptSchemaV1, Referral: "P-7K3QX", Outcome: Accepted}, CodeInvalidPackage, "referral"},
		{"no outcome", NewReceipt(id, "", ""), CodeInvalidOutcome, "outcome"},
		{"pending", NewReceipt(id, "pending", ""), CodeInvalidOutcome, "outcome"},
		{"declined without reason", NewReceipt(id, Declined, ""), CodeReasonRequired, "reason"},
		{"redirected, reason too short", NewReceipt(id, Redirected, "no"), CodeReasonRequired, "reason"},
		{"reason too long", NewReceipt(id, Declined, strings.Repeat("r", MaxReasonLen+1)), CodeInvalidText, "reason"},
		{"redirected_to when declined", &Receipt{Schema: ReceiptSchemaV1, Referral: id.String(), Outcome: Declined, Reason: "Full this month.", RedirectedTo: "x"}, CodeInconsistentAnswer, "redirected_to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := errs.As(tc.r.Validate())
			if e.Code != tc.code || e.Field != tc.field {
				t.Fatalf("Validate = %v; want %s at %s", e, tc.code, tc.field)
			}
		})
	}
}

func TestDecodeReceipt(t *testing.T) {
	id := newPackageID()
	r := NewReceipt(id, Declined, "Full this month.")
	b, _ := Canonical(r)
	back, err := DecodeReceipt(b)
	if err != nil || back.Validate() != nil || back.Reason != r.Reason || !isCanonical(b, back) {
		t.Fatalf("DecodeReceipt: %v", err)
	}
	for in, code := range map[string]string{
		`{"schema":"x","code":"P-7K3QX"}`:         CodeUnknownField,
		`{"schema":"x","name":"Maria"}`:           CodeRealNameForbidden,
		`{"schema":"x","outcome":1}`:              CodeInvalidJSON,
		`{"schema":"x"} {}`:                       CodeInvalidJSON,
		`{"schema":"x","referral":{"name":"M"}}`:  CodeRealNameForbidden,
		`{"schema":"x","referral":{"other":"M"}}`: CodeInvalidJSON,
	} {
		if _, err := DecodeReceipt([]byte(in)); errs.Code(err) != code {
			t.Errorf("DecodeReceipt(%s) = %v, want %s", in, err, code)
		}
	}
}

// A receipt goes back to the referral's sender only: sealed for A, it
// cannot be opened by C, and C's signature is not B's.
func TestReceiptPackageRefusals(t *testing.T) {
	x := newExchange()
	pkg, _, err := SealReceipt(NewReceipt(newPackageID(), Accepted, ""), x.b, x.a.Public(), now, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := OpenReceipt(pkg, x.c, partnersOf(x.b), now, OpenOptions{}); r != nil || errs.Code(err) != CodeWrongRecipient {
		t.Fatalf("receipt opened by C: %v", err)
	}
	if r, err := OpenReceipt(pkg, x.a, partnersOf(x.c), now, OpenOptions{}); r != nil || errs.Code(err) != CodeUnknownSender {
		t.Fatalf("receipt from an unknown sender: %v", err)
	}
	if r, err := OpenReceipt(pkg, x.a, partnersOf(x.b), now.Add(DefaultValidity), OpenOptions{}); r != nil || errs.Code(err) != CodeExpired {
		t.Fatalf("expired receipt: %v", err)
	}
	if _, _, err := SealReceipt(NewReceipt(newPackageID(), Declined, ""), x.b, x.a.Public(), now, SealOptions{}); errs.Code(err) != CodeReasonRequired {
		t.Fatalf("sealing a declined receipt without reason: %v", err)
	}
}
