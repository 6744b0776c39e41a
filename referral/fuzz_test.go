package referral

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"safecontact/keys"
)

// fixedOrg loads an identity made from fixed secrets, so a corpus entry
// saved by one fuzzing run still opens in the next.
func fixedOrg(t testing.TB, b byte) *keys.OrgIdentity {
	t.Helper()
	path := filepath.Join(t.TempDir(), "org.json")
	secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32))
	seed := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b + 1}, 32))
	js, _ := json.Marshal(map[string]string{"format": "safecontact-org-keys/v1", "created": "2026-01-01T00:00:00Z", "seal_secret": secret, "sign_seed": seed})
	if err := os.WriteFile(path, js, 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := keys.LoadOrg(path)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// openChecked opens pkg from a to me. Exactly one of the referral and the
// error is nil; and for anything opened the form is valid, the header
// agrees, and the pre-evaluation runs.
func openChecked(t *testing.T, pkg []byte, a, me *keys.OrgIdentity) {
	t.Helper()
	r, err := OpenReferral(pkg, me, partnersOf(a), now, OpenOptions{})
	if (r == nil) == (err == nil) {
		t.Fatalf("OpenReferral = %v, %v: exactly one must be nil", r, err)
	}
	if r == nil {
		return
	}
	if r.Recipient != me.KeyID() || r.Form == nil {
		t.Fatalf("opened a package for %s", r.Recipient)
	}
	if err := r.Form.Validate(r.Created); err != nil {
		t.Fatalf("opened form is not valid: %v", err)
	}
	h, err := PeekHeader(pkg)
	if err != nil || h.ID != r.ID || h.Kind != KindReferral {
		t.Fatalf("header %+v disagrees with %+v (%v)", h, r.Envelope, err)
	}
	PreEvaluate(r.Form, now, EvalOptions{})
}

// FuzzOpenReferral feeds whole files to OpenReferral: nothing may panic,
// and the only files opened are the seeds sealed here.
func FuzzOpenReferral(f *testing.F) {
	a, b := fixedOrg(f, 1), fixedOrg(f, 3)
	pkg, _, err := SealReferral(validForm(), a, b.Public(), now, SealOptions{})
	if err != nil {
		f.Fatal(err)
	}
	receipt, _, _ := SealReceipt(NewReceipt(newPackageID(), Accepted, ""), a, b.Public(), now, SealOptions{})
	f.Add(pkg)
	f.Add(receipt)
	f.Add(pkg[:headerLen])
	f.Add(pkg[:len(pkg)-1])
	f.Add(append(append([]byte{}, pkg...), 0))
	f.Add(edited(pkg, func(c []byte) []byte { c[8] = 2; return c }))
	f.Add(edited(pkg, func(c []byte) []byte { c[headerLen+40] ^= 1; return c }))
	f.Add([]byte{})
	f.Add(magic[:])
	f.Fuzz(func(t *testing.T, data []byte) {
		openChecked(t, data, a, b)
	})
}

// FuzzOpenInner fuzzes what is inside the box, with a header copied from
// it; when sign is set, the fuzzed bytes are signed by the known sender
// first, so the fuzzer reaches the checks after the signature and the
// body decoder. (The box itself is left out: it only costs time, and
// FuzzOpenReferral covers it.)
func FuzzOpenInner(f *testing.F) {
	a, b := fixedOrg(f, 1), fixedOrg(f, 3)
	pkg, _, err := SealReferral(validForm(), a, b.Public(), now, SealOptions{})
	if err != nil {
		f.Fatal(err)
	}
	inner, err := b.Open(pkg[headerLen:])
	if err != nil {
		f.Fatal(err)
	}
	unsigned := inner[:len(inner)-sigLen]
	f.Add(inner, false)
	f.Add(unsigned, true)
	f.Add(edited(unsigned, func(c []byte) []byte { c[1] = byte(KindReceipt); return c }), true)
	f.Add(edited(unsigned, func(c []byte) []byte { c[innerHead] = ' '; return c }), true)
	f.Add(edited(unsigned, func(c []byte) []byte { c[41] ^= 0x80; return c }), true) // created
	f.Add([]byte{}, true)
	partners := partnersOf(a)
	f.Fuzz(func(t *testing.T, in []byte, sign bool) {
		if sign {
			in = append(append([]byte{}, in...), a.Sign(append([]byte(signTag), in...))...)
		}
		h := Header{Version: FormatVersion, Kind: KindReferral, Recipient: b.KeyID()}
		if len(in) >= 26 {
			h.Kind = Kind(in[1])
			copy(h.ID[:], in[10:26])
		}
		r, err := referralFromInner(h, in, b.KeyID(), partners, now, OpenOptions{})
		if (r == nil) == (err == nil) {
			t.Fatalf("referralFromInner = %v, %v: exactly one must be nil", r, err)
		}
		if r != nil && (r.ID != h.ID || r.Form.Validate(r.Created) != nil) {
			t.Fatalf("opened %+v from header %+v, or an invalid form", r.Envelope, h)
		}
	})
}

// FuzzDecodeForm: DecodeForm never panics; a form it reads and Validate
// accepts has a canonical form that reads back to itself, validates
// unchanged, and pre-evaluates.
func FuzzDecodeForm(f *testing.F) {
	good := mustValidF(f)
	canon, _ := Canonical(good)
	f.Add(canon)
	raw, _ := json.Marshal(validForm())
	f.Add(raw)
	f.Add([]byte(strings.Replace(string(canon), `"initials":"MR"`, `"initials":"MR","name":"x"`, 1)))
	f.Add([]byte(strings.Replace(string(canon), `"initials":"MR"`, `"initials":"MR","initials":"AB"`, 1)))
	f.Add([]byte(strings.Replace(string(canon), `"answer":"no"`, `"answer":null`, 1)))
	f.Add([]byte(strings.Replace(string(canon), `"notes"`, `"notes":"a\u2028b","x"`, 1)))
	f.Add([]byte(`{"safety":{"recent_threats":{"answer":"yes","when":"2026-02"}}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"languages":[{"name":1}]}`))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		form, err := DecodeForm(data)
		if err != nil {
			if form != nil {
				t.Fatal("a form with an error")
			}
			return
		}
		if form.Validate(now) != nil {
			return
		}
		c, err := Canonical(form)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeForm(c)
		if err != nil || !isCanonical(c, back) {
			t.Fatalf("canonical form does not read back: %v\n%s", err, c)
		}
		if err := back.Validate(now); err != nil {
			t.Fatalf("canonical form does not validate: %v", err)
		}
		if again, _ := Canonical(back); !bytes.Equal(again, c) {
			t.Fatalf("Validate changed a validated form:\n%s\n%s", c, again)
		}
		PreEvaluate(back, now, EvalOptions{})
	})
}

func mustValidF(f *testing.F) *Form {
	form := validForm()
	if err := form.Validate(now); err != nil {
		f.Fatal(err)
	}
	return form
}
