package referral

import (
	"strings"
	"testing"
	"time"

	"safecontact/errs"
	"safecontact/keys"
	"safecontact/templates"
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
		`{"schema":"x","code":"P-7K3QX"}`:                          CodeUnknownField,
		`{"schema":"x","name":"Maria"}`:                            CodeRealNameForbidden,
		`{"schema":"x","outcome":1}`:                               CodeInvalidJSON,
		`{"schema":"x"} {}`:                                        CodeInvalidJSON,
		`{"schema":"x","referral":{"name":"M"}}`:                   CodeRealNameForbidden,
		`{"schema":"x","referral":{"other":"M"}}`:                  CodeInvalidJSON,
		string(b) + "}":                                            CodeInvalidJSON,
		string(b) + "]]]":                                          CodeInvalidJSON,
		`{"schema":"` + strings.Repeat("x", MaxReceiptSize) + `"}`: CodeFormTooLarge,
	} {
		_, err := DecodeReceipt([]byte(in))
		if errs.Code(err) != code {
			t.Errorf("DecodeReceipt(%.80s) = %v, want %s", in, err, code)
		}
		checkNoInput(t, err, receiptType, false)
	}
}

// A receipt's free text goes through the discreet filter like a form's.
func TestReceiptWarnings(t *testing.T) {
	filter, err := templates.NewFilter("")
	if err != nil {
		t.Fatal(err)
	}
	r := &Receipt{Schema: ReceiptSchemaV1, Referral: newPackageID().String(), Outcome: Redirected,
		Reason: "Call her at +34 612 345 678 about the shelter.", RedirectedTo: "Refugio Calle Mayor 5"}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	fields := map[string]bool{}
	for _, w := range r.Warnings(filter) {
		fields[w.Field+"/"+string(w.Category)] = true
	}
	if !fields["reason/phone"] || !fields["redirected_to/address"] {
		t.Fatalf("receipt warnings: %v", fields)
	}
	if ws := NewReceipt(newPackageID(), Accepted, "").Warnings(filter); len(ws) != 0 {
		t.Fatalf("warnings on an empty receipt: %v", ws)
	}
}

// Every refusal of OpenReceipt, each with its code and nothing returned.
func TestOpenReceiptRefuses(t *testing.T) {
	x := newExchange()
	receipt := NewReceipt(newPackageID(), Declined, "No place for her language this month.")
	pkg, _, err := SealReceipt(receipt, x.b, x.a.Public(), now, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inner := innerOf(t, pkg, x.a)
	fromB := partnersOf(x.b)
	referral, _, _ := SealReferral(validForm(), x.b, x.a.Public(), now, SealOptions{})
	forC, _, _ := SealReceipt(NewReceipt(newPackageID(), Accepted, ""), x.b, x.c.Public(), now, SealOptions{})
	signedBody := func(body string) []byte {
		p, _, err := seal(KindReceipt, []byte(body), x.b, x.a.Public(), now, SealOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	canon, _ := Canonical(receipt)
	readdressed := rebuild(t, edited(pkg, func(c []byte) []byte { copy(c[10:18], keyID(x.c)); return c }), inner, x.c.Public())
	tests := []struct {
		name     string
		pkg      []byte
		me       *keys.OrgIdentity
		partners Partners
		at       time.Time
		code     string
		field    string
	}{
		{"tampered ciphertext", edited(pkg, func(c []byte) []byte { c[len(c)-1] ^= 1; return c }), x.a, fromB, now, CodeTampered, ""},
		{"tampered signature", rebuild(t, pkg, edited(inner, func(c []byte) []byte { c[len(c)-1] ^= 1; return c }), x.a.Public()), x.a, fromB, now, CodeBadSignature, ""},
		{"signed by someone else", rebuild(t, pkg, resign(x.c, inner), x.a.Public()), x.a, fromB, now, CodeBadSignature, ""},
		{"unknown sender", pkg, x.a, partnersOf(x.c), now, CodeUnknownSender, ""},
		{"wrong recipient", forC, x.a, fromB, now, CodeWrongRecipient, ""},
		{"re-addressed", readdressed, x.c, fromB, now, CodeWrongRecipient, ""},
		{"header id edited", edited(pkg, func(c []byte) []byte { c[20] ^= 1; return c }), x.a, fromB, now, CodeTampered, ""},
		{"inner version differs from the header", rebuild(t, pkg, resign(x.b, edited(inner, func(c []byte) []byte { c[0] = 2; return c })), x.a.Public()), x.a, fromB, now, CodeTampered, ""},
		{"header version 2", edited(pkg, func(c []byte) []byte { c[8] = 2; return c }), x.a, fromB, now, CodeVersionUnsupported, ""},
		{"a referral opened as a receipt", referral, x.a, fromB, now, CodeWrongKind, ""},
		{"expired", pkg, x.a, fromB, now.Add(DefaultValidity), CodeExpired, ""},
		{"made in the future", pkg, x.a, fromB, now.Add(-DefaultClockSkew - time.Second), CodeNotYetValid, ""},
		{"truncated", pkg[:len(pkg)-1], x.a, fromB, now, CodeTampered, ""},
		{"oversized", append(append([]byte{}, pkg...), make([]byte, MaxPackageSize)...), x.a, fromB, now, CodeTooLarge, ""},
		{"signed, not JSON", signedBody("declined"), x.a, fromB, now, CodeMalformed, ""},
		{"signed, not canonical", signedBody(strings.Replace(string(canon), `"outcome":`, `"outcome": `, 1)), x.a, fromB, now, CodeMalformed, ""},
		{"signed, not normalised (outcome)", signedBody(strings.Replace(string(canon), `"declined"`, `"DECLINED"`, 1)), x.a, fromB, now, CodeMalformed, ""},
		{"signed, not normalised (referral id)", signedBody(strings.Replace(string(canon), receipt.Referral, strings.ToUpper(receipt.Referral), 1)), x.a, fromB, now, CodeMalformed, ""},
		{"signed, not normalised (reason)", signedBody(strings.Replace(string(canon), `"No place`, `" No place`, 1)), x.a, fromB, now, CodeMalformed, ""},
		{"signed, invalid (no reason)", signedBody(`{"outcome":"declined","referral":"` + receipt.Referral + `","schema":"` + ReceiptSchemaV1 + `"}`), x.a, fromB, now, CodeMalformed, "reason"},
		{"signed, another schema", signedBody(strings.Replace(string(canon), ReceiptSchemaV1, "safecontact/referral-receipt/v9", 1)), x.a, fromB, now, CodeMalformed, "schema"},
		{"signed, a name", signedBody(strings.Replace(string(canon), `"outcome"`, `"name":"Maria","outcome"`, 1)), x.a, fromB, now, CodeMalformed, ""},
		{"signed, an unknown field", signedBody(strings.Replace(string(canon), `"outcome"`, `"Maria":"x","outcome"`, 1)), x.a, fromB, now, CodeMalformed, ""},
		{"signed, trailing data", signedBody(string(canon) + "]"), x.a, fromB, now, CodeMalformed, ""},
		{"signed, larger than MaxReceiptSize", signedBody(strings.Replace(string(canon), `"No place`, `"`+strings.Repeat("a", MaxReceiptSize), 1)), x.a, fromB, now, CodeMalformed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OpenReceipt(tc.pkg, tc.me, tc.partners, tc.at, OpenOptions{})
			e := errs.As(err)
			if got != nil || err == nil || e.Code != tc.code || e.Field != tc.field {
				t.Fatalf("OpenReceipt = %v, %v; want nothing and %s (field %q)", got, err, tc.code, tc.field)
			}
			if strings.Contains(e.Error(), "Maria") || strings.Contains(e.Error(), "No place") {
				t.Fatalf("the error repeats content: %v", e)
			}
			checkNoInput(t, err, receiptType, true)
		})
	}
	if r, err := OpenReceipt(pkg, x.a, fromB, now, OpenOptions{}); err != nil || r.Receipt.Reason != receipt.Reason {
		t.Fatalf("the receipt itself: %v", err)
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
