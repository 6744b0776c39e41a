package referral

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"safecontact/errs"
	"safecontact/keys"
)

// partnersOf is a directory of verified partners.
func partnersOf(orgs ...*keys.OrgIdentity) Partners {
	return func(id keys.OrgKeyID) (*keys.OrgPublic, error) {
		for _, o := range orgs {
			if o.KeyID() == id {
				p := o.Public()
				return &p, nil
			}
		}
		return nil, nil
	}
}

// exchange is two organisations, A referring to B, and a third, C.
type exchange struct {
	a, b, c *keys.OrgIdentity
}

func newExchange() exchange {
	return exchange{keys.NewTestOrg("A"), keys.NewTestOrg("B"), keys.NewTestOrg("C")}
}

func (x exchange) referral(t *testing.T) ([]byte, Envelope, *Form) {
	t.Helper()
	f := validForm()
	pkg, env, err := SealReferral(f, x.a, x.b.Public(), now, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pkg, env, f
}

// Two organisations made here exchange a referral and its receipt.
func TestReferralRoundTrip(t *testing.T) {
	x := newExchange()
	pkg, env, sent := x.referral(t)
	if len(pkg) > MaxPackageSize || env.Sender != x.a.KeyID() || env.Recipient != x.b.KeyID() || env.Kind != KindReferral ||
		!env.Created.Equal(now) || !env.Expires.Equal(now.Add(DefaultValidity)) {
		t.Fatalf("envelope %+v", env)
	}
	for _, clear := range []string{"612345678", "Criminal case", "P-7K3QX", "Europe/Madrid", "safecontact/referral/v1"} {
		if bytes.Contains(pkg, []byte(clear)) {
			t.Fatalf("the package holds %q in clear", clear)
		}
	}
	if bytes.Contains(pkg, keyID(x.a)) {
		t.Fatal("the sender's key id is in clear")
	}
	h, err := PeekHeader(pkg)
	if err != nil || h.ID != env.ID || h.Recipient != x.b.KeyID() || h.Kind != KindReferral || h.Version != FormatVersion {
		t.Fatalf("PeekHeader = %+v, %v", h, err)
	}

	later := now.Add(48 * time.Hour)
	got, err := OpenReferral(pkg, x.b, partnersOf(x.a, x.c), later, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Canonical(sent)
	back, _ := Canonical(got.Form)
	if !bytes.Equal(want, back) {
		t.Fatalf("form changed on the way:\n%s\n%s", want, back)
	}
	if got.ID != env.ID || got.Sender != x.a.KeyID() || !got.Created.Equal(env.Created) || !got.RefusedAfter.Equal(env.Expires) {
		t.Fatalf("opened envelope %+v, sealed %+v", got.Envelope, env)
	}
	if got.Form.Phone != "+34612345678" || got.Form.Initials != "MR" {
		t.Fatal("phone or initials lost")
	}

	// The same form sealed again is another package.
	again, env2, _ := SealReferral(validForm(), x.a, x.b.Public(), now, SealOptions{})
	if env2.ID == env.ID || bytes.Equal(again[headerLen:], pkg[headerLen:]) {
		t.Fatal("two packages share an id or a box")
	}

	// B answers; A reads the answer.
	rpkg, renv, err := SealReceipt(NewReceipt(got.ID, Declined, "We have no place for her language this month."), x.b, x.a.Public(), later, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := OpenReceipt(rpkg, x.a, partnersOf(x.b), later.Add(time.Hour), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID != renv.ID || rec.Sender != x.b.KeyID() || rec.Receipt.ReferralID() != env.ID || rec.Receipt.Outcome != Declined {
		t.Fatalf("receipt %+v %+v", rec.Envelope, rec.Receipt)
	}
}

// innerOf opens a package addressed to me, for tests that rebuild it.
func innerOf(t *testing.T, pkg []byte, me *keys.OrgIdentity) []byte {
	t.Helper()
	inner, err := me.Open(pkg[headerLen:])
	if err != nil {
		t.Fatal(err)
	}
	return inner
}

// rebuild seals inner to `to` under header.
func rebuild(t *testing.T, header, inner []byte, to keys.OrgPublic) []byte {
	t.Helper()
	box, err := to.SealTo(inner)
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]byte{}, header[:headerLen]...), box...)
}

// resign replaces inner's signature with from's signature of it.
func resign(from *keys.OrgIdentity, inner []byte) []byte {
	signed := append([]byte{}, inner[:len(inner)-sigLen]...)
	return append(signed, from.Sign(append([]byte(signTag), signed...))...)
}

func edited(b []byte, f func(c []byte) []byte) []byte { return f(append([]byte{}, b...)) }

func TestOpenRefuses(t *testing.T) {
	x := newExchange()
	pkg, env, _ := x.referral(t)
	inner := innerOf(t, pkg, x.b)
	fromA := partnersOf(x.a)
	// A package for C, and a receipt for B.
	forC, _, err := SealReferral(validForm(), x.a, x.c.Public(), now, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	receipt, _, err := SealReceipt(NewReceipt(env.ID, Accepted, ""), x.a, x.b.Public(), now, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// signedBody is a package from A to B whose body is anything.
	signedBody := func(body string) []byte {
		p, _, err := seal(KindReferral, []byte(body), x.a, x.b.Public(), now, SealOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	canon := func(edit func(f *Form)) string {
		f := validForm()
		if err := f.Validate(now); err != nil {
			t.Fatal(err)
		}
		edit(f)
		b, _ := Canonical(f)
		return string(b)
	}
	// Re-addressed: B re-seals A's signed inner to C under a header for C.
	readdressed := rebuild(t, edited(pkg, func(c []byte) []byte { copy(c[10:18], keyID(x.c)); return c }), inner, x.c.Public())

	otherKey := func(keys.OrgKeyID) (*keys.OrgPublic, error) { p := x.c.Public(); return &p, nil }
	broken := func(keys.OrgKeyID) (*keys.OrgPublic, error) { return nil, errors.New("directory unavailable") }
	mixedKey := func(keys.OrgKeyID) (*keys.OrgPublic, error) {
		p := x.a.Public()
		p.Seal = x.c.Public().Seal
		return &p, nil
	}

	tests := []struct {
		name     string
		pkg      []byte
		me       *keys.OrgIdentity
		partners Partners
		at       time.Time
		opt      OpenOptions
		code     string
		field    string
	}{
		{"tampered ciphertext", edited(pkg, func(c []byte) []byte { c[len(c)-1] ^= 1; return c }), x.b, fromA, now, OpenOptions{}, CodeTampered, ""},
		{"tampered ciphertext, middle", edited(pkg, func(c []byte) []byte { c[len(c)/2] ^= 0x80; return c }), x.b, fromA, now, OpenOptions{}, CodeTampered, ""},
		{"tampered ephemeral key", edited(pkg, func(c []byte) []byte { c[headerLen] ^= 1; return c }), x.b, fromA, now, OpenOptions{}, CodeTampered, ""},
		{"tampered signature", rebuild(t, pkg, edited(inner, func(c []byte) []byte { c[len(c)-1] ^= 1; return c }), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeBadSignature, ""},
		{"tampered body, resealed", rebuild(t, pkg, edited(inner, func(c []byte) []byte { c[innerHead+5] ^= 1; return c }), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeBadSignature, ""},
		{"tampered expiry, resealed", rebuild(t, pkg, edited(inner, func(c []byte) []byte { c[49] ^= 1; return c }), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeBadSignature, ""},
		{"signed by someone else", rebuild(t, pkg, resign(x.c, inner), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeBadSignature, ""},
		{"lookup gives another partner's keys", pkg, x.b, otherKey, now, OpenOptions{}, CodeUnknownSender, ""},
		{"lookup gives the signing key with another sealing key", pkg, x.b, mixedKey, now, OpenOptions{}, CodeUnknownSender, ""},
		{"wrong recipient", forC, x.b, fromA, now, OpenOptions{}, CodeWrongRecipient, ""},
		{"re-addressed to another organisation", readdressed, x.c, fromA, now, OpenOptions{}, CodeWrongRecipient, ""},
		{"header recipient edited", edited(forC, func(c []byte) []byte { copy(c[10:18], keyID(x.b)); return c }), x.b, fromA, now, OpenOptions{}, CodeTampered, ""},
		{"header package id edited", edited(pkg, func(c []byte) []byte { c[20] ^= 1; return c }), x.b, fromA, now, OpenOptions{}, CodeTampered, ""},
		{"header kind edited", edited(pkg, func(c []byte) []byte { c[9] = byte(KindReceipt); return c }), x.b, fromA, now, OpenOptions{}, CodeTampered, ""},
		{"unknown sender", pkg, x.b, partnersOf(x.c), now, OpenOptions{}, CodeUnknownSender, ""},
		{"no partners at all", pkg, x.b, partnersOf(), now, OpenOptions{}, CodeUnknownSender, ""},
		{"directory fails", pkg, x.b, broken, now, OpenOptions{}, "internal", ""},
		{"expired", pkg, x.b, fromA, now.Add(DefaultValidity), OpenOptions{}, CodeExpired, ""},
		{"expired long ago", pkg, x.b, fromA, now.Add(400 * 24 * time.Hour), OpenOptions{}, CodeExpired, ""},
		{"older than the receiver's max age", pkg, x.b, fromA, now.Add(8 * 24 * time.Hour), OpenOptions{MaxAge: 7 * 24 * time.Hour}, CodeExpired, ""},
		{"made in the future", pkg, x.b, fromA, now.Add(-DefaultClockSkew - time.Second), OpenOptions{}, CodeNotYetValid, ""},
		{"oversized", append(append([]byte{}, pkg...), make([]byte, MaxPackageSize)...), x.b, fromA, now, OpenOptions{}, CodeTooLarge, ""},
		{"empty", nil, x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"truncated in the magic", pkg[:5], x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"truncated after the header", pkg[:headerLen+10], x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"truncated by one byte", pkg[:len(pkg)-1], x.b, fromA, now, OpenOptions{}, CodeTampered, ""},
		{"a byte appended", append(append([]byte{}, pkg...), 0), x.b, fromA, now, OpenOptions{}, CodeTampered, ""},
		{"wrong version", edited(pkg, func(c []byte) []byte { c[8] = 2; return c }), x.b, fromA, now, OpenOptions{}, CodeVersionUnsupported, ""},
		{"version 0", edited(pkg, func(c []byte) []byte { c[8] = 0; return c }), x.b, fromA, now, OpenOptions{}, CodeVersionUnsupported, ""},
		{"wrong magic", edited(pkg, func(c []byte) []byte { c[0] = 'P'; return c }), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"text-mode transfer", bytes.ReplaceAll(pkg, []byte("\r\n"), []byte("\n")), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"unknown kind", edited(pkg, func(c []byte) []byte { c[9] = 7; return c }), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"a receipt opened as a referral", receipt, x.b, fromA, now, OpenOptions{}, CodeWrongKind, ""},
		{"signed, expires before made", rebuild(t, pkg, resign(x.a, edited(inner, func(c []byte) []byte { copy(c[42:50], c[34:42]); return c })), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, body length wrong", rebuild(t, pkg, resign(x.a, edited(inner, func(c []byte) []byte { binary.BigEndian.PutUint32(c[50:54], 3); return c })), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, huge body length", rebuild(t, pkg, resign(x.a, edited(inner, func(c []byte) []byte { binary.BigEndian.PutUint32(c[50:54], 0xffffffff); return c })), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, too short inside", rebuild(t, pkg, inner[:innerHead+sigLen-1], x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, body not JSON", signedBody("hello"), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, body not canonical", signedBody(strings.Replace(canon(func(*Form) {}), `"initials":"MR"`, `"initials": "MR"`, 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, duplicate key", signedBody(strings.Replace(canon(func(*Form) {}), `"initials":"MR"`, `"initials":"XY","initials":"MR"`, 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, a name field", signedBody(strings.Replace(canon(func(*Form) {}), `"initials":"MR"`, `"initials":"MR","name":"Maria"`, 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, "name"},
		{"signed, an unknown field", signedBody(strings.Replace(canon(func(*Form) {}), `"initials":"MR"`, `"initials":"MR","zzz":"Maria"`, 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, a safety answer missing", signedBody(canon(func(f *Form) { f.Safety.ImminentDanger = Question{} })), x.b, fromA, now, OpenOptions{}, CodeMalformed, "safety.imminent_danger.answer"},
		{"signed, another schema", signedBody(canon(func(f *Form) { f.Schema = "safecontact/referral/v9" })), x.b, fromA, now, OpenOptions{}, CodeMalformed, "schema"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OpenReferral(tc.pkg, tc.me, tc.partners, tc.at, tc.opt)
			e := errs.As(err)
			if got != nil || err == nil || e.Code != tc.code || e.Field != tc.field {
				t.Fatalf("OpenReferral = %v, %v; want nothing and %s (field %q)", got, err, tc.code, tc.field)
			}
			if strings.Contains(e.Error(), "Maria") || strings.Contains(e.Error(), "612345678") {
				t.Fatalf("the error repeats content: %v", e)
			}
		})
	}
	if r, err := OpenReceipt(pkg, x.b, fromA, now, OpenOptions{}); r != nil || errs.Code(err) != CodeWrongKind {
		t.Fatalf("a referral opened as a receipt: %v", err)
	}
}

func keyID(o *keys.OrgIdentity) []byte {
	id := o.KeyID()
	return id[:]
}

// The validity window: open from ClockSkew before created until the
// earlier of expires and created + MaxAge, exclusive.
func TestOpenValidityBoundaries(t *testing.T) {
	x := newExchange()
	pkg, env, _ := x.referral(t)
	long, _, err := SealReferral(validForm(), x.a, x.b.Public(), now, SealOptions{Validity: 90 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pkg  []byte
		at   time.Time
		opt  OpenOptions
		code string
	}{
		{"skew edge", pkg, now.Add(-DefaultClockSkew), OpenOptions{}, ""},
		{"custom skew", pkg, now.Add(-time.Hour), OpenOptions{ClockSkew: 2 * time.Hour}, ""},
		{"last second", pkg, env.Expires.Add(-time.Second), OpenOptions{}, ""},
		{"at expiry", pkg, env.Expires, OpenOptions{}, CodeExpired},
		{"long validity, receiver's 30 days", long, now.Add(31 * 24 * time.Hour), OpenOptions{}, CodeExpired},
		{"long validity, receiver's 100 days", long, now.Add(60 * 24 * time.Hour), OpenOptions{MaxAge: 100 * 24 * time.Hour}, ""},
		{"long validity, past its own expiry", long, now.Add(91 * 24 * time.Hour), OpenOptions{MaxAge: 100 * 24 * time.Hour}, CodeExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OpenReferral(tc.pkg, x.b, partnersOf(x.a), tc.at, tc.opt)
			if errs.Code(err) != tc.code && !(tc.code == "" && err == nil) {
				t.Fatalf("OpenReferral = %v, want %q", err, tc.code)
			}
			if tc.code == "" && (got == nil || got.RefusedAfter.After(got.Expires)) {
				t.Fatalf("opened %+v", got)
			}
		})
	}
	got, _ := OpenReferral(long, x.b, partnersOf(x.a), now, OpenOptions{})
	if !got.RefusedAfter.Equal(now.Add(DefaultMaxAge)) {
		t.Fatalf("RefusedAfter %v, want created + max age", got.RefusedAfter)
	}
	if _, _, err := SealReferral(validForm(), x.a, x.b.Public(), now, SealOptions{Validity: -time.Hour}); errs.Code(err) != "invalid_validity" {
		t.Fatalf("negative validity: %v", err)
	}
}

// Sealing refuses an invalid form, and says why.
func TestSealRefusesInvalidForm(t *testing.T) {
	x := newExchange()
	f := validForm()
	f.Safety.ProtectedWitness.Answer = ""
	pkg, _, err := SealReferral(f, x.a, x.b.Public(), now, SealOptions{})
	if pkg != nil || errs.Code(err) != CodeMissingField {
		t.Fatalf("SealReferral = %d bytes, %v", len(pkg), err)
	}
	if _, _, err := seal(KindReferral, make([]byte, maxBody+1), x.a, x.b.Public(), now, SealOptions{}); errs.Code(err) != CodeTooLarge {
		t.Fatalf("oversized body: %v", err)
	}
	// The largest body makes the largest package.
	p, _, err := seal(KindReferral, make([]byte, maxBody), x.a, x.b.Public(), now, SealOptions{})
	if err != nil || len(p) != MaxPackageSize {
		t.Fatalf("largest package: %d bytes, %v", len(p), err)
	}
}

func TestPackageID(t *testing.T) {
	id := newPackageID()
	s := id.String()
	if len(s) != 36 || s[14] != '4' || !strings.ContainsRune("89ab", rune(s[19])) {
		t.Fatalf("not a v4 UUID: %s", s)
	}
	back, err := ParsePackageID(strings.ToUpper(s))
	if err != nil || back != id {
		t.Fatalf("ParsePackageID: %v", err)
	}
	// An envelope reads well as JSON: ids in their printed forms.
	js, err := json.Marshal(Envelope{ID: id, Sender: keys.NewTestOrg("").KeyID()})
	var env Envelope
	if err != nil || !strings.Contains(string(js), `"ID":"`+s+`"`) || json.Unmarshal(js, &env) != nil || env.ID != id {
		t.Fatalf("envelope JSON %s: %v", js, err)
	}
	for _, bad := range []string{"", "x", strings.Replace(s, "-", "_", 1), s[:35] + "g", s + "0"} {
		if _, err := ParsePackageID(bad); errs.Code(err) != "invalid_package_id" {
			t.Errorf("ParsePackageID(%q) = %v", bad, err)
		}
	}
}
