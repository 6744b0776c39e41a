package referral

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/nacl/box"

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
	if got.ID != env.ID || got.Sender != x.a.KeyID() || got.Recipient != x.b.KeyID() || !got.Created.Equal(env.Created) ||
		!got.KeepUntil.Equal(env.Expires.Add(DefaultClockSkew)) || !env.KeepUntil.Equal(got.KeepUntil) {
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
		{"tampered expiry, resealed", rebuild(t, pkg, edited(inner, func(c []byte) []byte { c[offLen-1] ^= 1; return c }), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeBadSignature, ""},
		{"tampered recipient digest, resealed", rebuild(t, pkg, edited(inner, func(c []byte) []byte { c[offID-1] ^= 1; return c }), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeBadSignature, ""},
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
		{"signed, expires before made", rebuild(t, pkg, resign(x.a, edited(inner, func(c []byte) []byte { copy(c[offExpires:offLen], c[offCreated:offExpires]); return c })), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, body length wrong", rebuild(t, pkg, resign(x.a, edited(inner, func(c []byte) []byte { binary.BigEndian.PutUint32(c[offLen:innerHead], 3); return c })), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, huge body length", rebuild(t, pkg, resign(x.a, edited(inner, func(c []byte) []byte { binary.BigEndian.PutUint32(c[offLen:innerHead], 0xffffffff); return c })), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, inner version 2 under a version 1 header", rebuild(t, pkg, resign(x.a, edited(inner, func(c []byte) []byte { c[0] = 2; return c })), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeTampered, ""},
		{"signed, inner version 0 under a version 1 header", rebuild(t, pkg, resign(x.a, edited(inner, func(c []byte) []byte { c[0] = 0; return c })), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeTampered, ""},
		{"signed for another identity with B's key id in the header", rebuild(t, pkg, resign(x.a, edited(inner, func(c []byte) []byte {
			d := x.c.Digest()
			copy(c[offRecipient+8:offID], d[8:]) // the first 8 bytes (the key id) still B's
			return c
		})), x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeWrongRecipient, ""},
		{"signed, too short inside", rebuild(t, pkg, inner[:innerHead+sigLen-1], x.b.Public()), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, body not JSON", signedBody("hello"), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, body not canonical", signedBody(strings.Replace(canon(func(*Form) {}), `"initials":"MR"`, `"initials": "MR"`, 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, duplicate key", signedBody(strings.Replace(canon(func(*Form) {}), `"initials":"MR"`, `"initials":"XY","initials":"MR"`, 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, a name field", signedBody(strings.Replace(canon(func(*Form) {}), `"initials":"MR"`, `"initials":"MR","name":"Maria"`, 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, an unknown field", signedBody(strings.Replace(canon(func(*Form) {}), `"initials":"MR"`, `"initials":"MR","zzz":"Maria"`, 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, a wrong type", signedBody(strings.Replace(canon(func(*Form) {}), `"initials":"MR"`, `"initials":["Maria"]`, 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, "initials"},
		{"signed, trailing data", signedBody(canon(func(*Form) {}) + "}"), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, not normalised (initials)", signedBody(canon(func(f *Form) { f.Initials = "m r" })), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, not normalised (a need twice)", signedBody(canon(func(f *Form) { f.Needs = []string{"housing", "housing"} })), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, not normalised (channels null)", signedBody(strings.Replace(canon(func(*Form) {}), `"channels":["sms","voice"]`, `"channels":null`, 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
		{"signed, larger than MaxFormSize", signedBody(strings.Replace(canon(func(*Form) {}), `"notes":"`, `"notes":"`+strings.Repeat("a", MaxFormSize), 1)), x.b, fromA, now, OpenOptions{}, CodeMalformed, ""},
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
			if tc.code == "" && (got == nil || !got.KeepUntil.Equal(got.Expires.Add(max(tc.opt.ClockSkew, DefaultClockSkew)))) {
				t.Fatalf("opened %+v", got)
			}
		})
	}
	// KeepUntil is the package's expiry plus the skew, whatever the
	// receiver's MaxAge: raised later, it would let an id forgotten at
	// created + MaxAge open again.
	for _, opt := range []OpenOptions{{}, {MaxAge: 7 * 24 * time.Hour}, {MaxAge: 100 * 24 * time.Hour}, {ClockSkew: time.Hour}} {
		got, err := OpenReferral(long, x.b, partnersOf(x.a), now, opt)
		if err != nil || !got.KeepUntil.Equal(now.Add(90*24*time.Hour).Add(opt.withDefaults().ClockSkew)) {
			t.Fatalf("%+v: KeepUntil %v, %v", opt, got, err)
		}
		if _, err := OpenReferral(long, x.b, partnersOf(x.a), got.KeepUntil, OpenOptions{MaxAge: 1000 * 24 * time.Hour}); errs.Code(err) != CodeExpired {
			t.Fatalf("opened at KeepUntil: %v", err)
		}
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

// A package sealed to a low-order X25519 key (the all-zero key of a zero
// OrgPublic, or of a card carrying it) would open for anyone: the shared
// secret is a constant. Sealing refuses it.
func TestSealRefusesLowOrderRecipient(t *testing.T) {
	x := newExchange()
	to := x.b.Public()
	to.Seal = [32]byte{}
	pkg, _, err := SealReferral(validForm(), x.a, to, now, SealOptions{})
	if err == nil {
		// What a third party could then do: open the box with the
		// all-zero key, with any private key of its own.
		sealed := pkg[headerLen:]
		var eph, zero [32]byte
		copy(eph[:], sealed[:32])
		h, _ := blake2b.New(24, nil)
		h.Write(eph[:])
		h.Write(zero[:])
		var nonce [24]byte
		copy(nonce[:], h.Sum(nil))
		var anyPriv [32]byte
		rand.Read(anyPriv[:])
		if inner, ok := box.Open(nil, sealed[32:], &nonce, &zero, &anyPriv); ok && bytes.Contains(inner, []byte("+34612345678")) {
			t.Fatalf("package sealed to a low-order key opened by a third party; phone in clear: %q", inner[innerHead:innerHead+80])
		}
		t.Fatal("sealed to the all-zero key")
	}
	if errs.Code(err) != keys.CodeInvalidKeys || pkg != nil {
		t.Fatalf("SealReferral to the all-zero key: %v", err)
	}
	if _, _, err := SealReceipt(NewReceipt(newPackageID(), Accepted, ""), x.a, keys.OrgPublic{}, now, SealOptions{}); errs.Code(err) != keys.CodeInvalidKeys {
		t.Fatalf("SealReceipt to the zero OrgPublic: %v", err)
	}
}

// The receiver hands on exactly the form that was signed: a body that is
// canonical JSON but that Validate would change is refused.
func TestOpenRefusesUnnormalisedBody(t *testing.T) {
	x := newExchange()
	f := mustValid(t)
	f.Initials = "m r"
	f.Monitored = " YES"
	f.Needs = []string{"legal_advice", "housing", "housing"}
	f.Channels = nil
	f.Notes = "  trailing spaces  \r\n"
	body, _ := Canonical(f)
	pkg, _, err := seal(KindReferral, body, x.a, x.b.Public(), now, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenReferral(pkg, x.b, partnersOf(x.a), now, OpenOptions{})
	if err == nil {
		after, _ := Canonical(r.Form)
		t.Fatalf("accepted a body that is not normal form;\nsigned: %s\nstored: %s", body, after)
	}
	if r != nil || errs.Code(err) != CodeMalformed {
		t.Fatalf("OpenReferral = %v, %v", r, err)
	}
	// Each change alone is refused too.
	for name, edit := range map[string]func(f *Form){
		"initials": func(f *Form) { f.Initials = "m r" },
		"answer":   func(f *Form) { f.Monitored = " YES" },
		"needs":    func(f *Form) { f.Needs = []string{"legal_advice", "housing"} },
		"notes":    func(f *Form) { f.Notes = "trailing spaces " },
		"phone":    func(f *Form) { f.Phone = "+34 612 345 678" },
		"windows":  func(f *Form) { f.SafeWindows = []string{"MON 10:00-12:00"} },
	} {
		f := mustValid(t)
		edit(f)
		body, _ := Canonical(f)
		pkg, _, _ := seal(KindReferral, body, x.a, x.b.Public(), now, SealOptions{})
		if _, err := OpenReferral(pkg, x.b, partnersOf(x.a), now, OpenOptions{}); errs.Code(err) != CodeMalformed {
			t.Errorf("%s not normalised: %v", name, err)
		}
	}
}

// probeInner is what a stranger who has B's public card can make: a
// package that opens, claiming to come from sender, with a signature of
// zeros.
func probeInner(x exchange, sender keys.OrgKeyID) []byte {
	var id PackageID
	me := x.b.Public()
	digest := me.Digest()
	inner := []byte{FormatVersion, byte(KindReferral)}
	inner = append(inner, digest[:]...)
	inner = append(inner, id[:]...)
	inner = append(inner, sender[:]...)
	inner = binary.BigEndian.AppendUint64(inner, uint64(now.Unix()))
	inner = binary.BigEndian.AppendUint64(inner, uint64(now.Unix()+3600))
	inner = binary.BigEndian.AppendUint32(inner, 2)
	inner = append(inner, "{}"...)
	inner = append(inner, make([]byte, ed25519.SignatureSize)...)
	sealed, _ := me.SealTo(inner)
	meID := me.KeyID()
	pkg := append(append(append([]byte{}, magic[:]...), FormatVersion, byte(KindReferral)), meID[:]...)
	return append(append(pkg, id[:]...), sealed...)
}

// The box is anonymous, so anyone holding B's card can make a package
// that opens; what the unauthenticated inbox is told must then not say
// whether a key id is one of B's verified partners. The detailed codes
// stay apart for the audit, and no message repeats the key id.
func TestPublicRefusalHidesPartnerDirectory(t *testing.T) {
	x := newExchange()
	directory := partnersOf(x.a) // B's verified partners
	probe := func(sender keys.OrgKeyID) error {
		_, err := OpenReferral(probeInner(x, sender), x.b, directory, now, OpenOptions{})
		return err
	}
	isPartner, notPartner := probe(x.a.KeyID()), probe(x.c.KeyID())
	if errs.Code(isPartner) != CodeBadSignature || errs.Code(notPartner) != CodeUnknownSender {
		t.Fatalf("detailed codes for the audit: %v / %v", isPartner, notPartner)
	}
	for _, err := range []error{isPartner, notPartner} {
		for _, o := range []*keys.OrgIdentity{x.a, x.b, x.c} {
			if id := o.KeyID().String(); strings.Contains(errs.As(err).Error(), id) || strings.Contains(errs.As(err).Error(), id[:8]) {
				t.Errorf("the refusal names a key id: %v", err)
			}
		}
	}
	a, c := errs.As(PublicRefusal(isPartner)), errs.As(PublicRefusal(notPartner))
	if a.Code != CodeRefused || *a != *c {
		t.Errorf("an outsider can tell B's verified partners from other organisations:\nA (partner):     %v\nC (not partner): %v", a, c)
	}
	// Every refusal reads the same to the inbox's caller; internal errors
	// stay internal (the sender retries), and nil stays nil.
	pkg, _, _ := x.referral(t)
	for _, err := range []error{
		errs.New(CodeReplayed, "already imported"), errs.New(CodeTooLarge, "x"), errs.New(CodeExpired, "x"),
		errs.New(CodeMalformed, "x"), errs.New(CodeWrongRecipient, "x"), errs.New(CodeTampered, "x"),
	} {
		if got := errs.As(PublicRefusal(err)); *got != *a {
			t.Errorf("PublicRefusal(%v) = %v", err, got)
		}
	}
	broken := func(keys.OrgKeyID) (*keys.OrgPublic, error) { return nil, errors.New("directory down") }
	_, err := OpenReferral(pkg, x.b, broken, now, OpenOptions{})
	if got := PublicRefusal(err); errs.Code(got) != "internal" {
		t.Errorf("PublicRefusal(internal) = %v", got)
	}
	if PublicRefusal(nil) != nil {
		t.Error("PublicRefusal(nil) is not nil")
	}
}

// The inner envelope is laid out as the file comment says, with the
// recipient's whole 32-byte digest signed and its first 8 bytes in the
// header.
func TestPackageLayout(t *testing.T) {
	x := newExchange()
	pkg, env, f := x.referral(t)
	inner := innerOf(t, pkg, x.b)
	body, _ := Canonical(f)
	digest := x.b.Digest()
	sender := x.a.KeyID()
	if len(pkg) != 34+48+78+len(body)+64 || len(inner) != 78+len(body)+64 {
		t.Fatalf("package %d bytes, inner %d, body %d", len(pkg), len(inner), len(body))
	}
	checks := []struct {
		name      string
		got, want []byte
	}{
		{"header version, kind", pkg[8:10], []byte{1, 1}},
		{"header recipient key id", pkg[10:18], digest[:8]},
		{"header package id", pkg[18:34], env.ID[:]},
		{"inner version, kind", inner[0:2], []byte{1, 1}},
		{"inner recipient digest", inner[2:34], digest[:]},
		{"inner package id", inner[34:50], env.ID[:]},
		{"inner sender key id", inner[50:58], sender[:]},
		{"inner created", inner[58:66], binary.BigEndian.AppendUint64(nil, uint64(now.Unix()))},
		{"inner expires", inner[66:74], binary.BigEndian.AppendUint64(nil, uint64(now.Add(DefaultValidity).Unix()))},
		{"inner body length", inner[74:78], binary.BigEndian.AppendUint32(nil, uint32(len(body)))},
		{"inner body", inner[78 : 78+len(body)], body},
	}
	for _, c := range checks {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s: %x, want %x", c.name, c.got, c.want)
		}
	}
	if !ed25519.Verify(x.a.Public().Sign, append([]byte("safecontact/referral-package/v1\n"), inner[:78+len(body)]...), inner[78+len(body):]) {
		t.Error("the signature is not over the documented message")
	}
}
