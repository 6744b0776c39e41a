package referral

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
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
		checkNoInput(t, err, formType, true)
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
// body decoder. The kind byte picks the referral or the receipt path.
// (The box itself is left out: it only costs time, and FuzzOpenReferral
// covers it.) Whatever opens is exactly what was signed: its canonical
// JSON is the signed body, byte for byte. A refusal carries no input.
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
	rpkg, _, err := SealReceipt(NewReceipt(newPackageID(), Redirected, "She needs a protected shelter first."), a, b.Public(), now, SealOptions{})
	if err != nil {
		f.Fatal(err)
	}
	rinner, err := b.Open(rpkg[headerLen:])
	if err != nil {
		f.Fatal(err)
	}
	unsigned := inner[:len(inner)-sigLen]
	f.Add(inner, false)
	f.Add(unsigned, true)
	f.Add(rinner[:len(rinner)-sigLen], true)
	f.Add(edited(unsigned, func(c []byte) []byte { c[offKind] = byte(KindReceipt); return c }), true)
	f.Add(edited(unsigned, func(c []byte) []byte { c[innerHead] = ' '; return c }), true)
	f.Add(edited(unsigned, func(c []byte) []byte { c[offExpires-1] ^= 0x80; return c }), true) // created
	f.Add(edited(unsigned, func(c []byte) []byte { c[0] = 2; return c }), true)
	f.Add([]byte(strings.Replace(string(unsigned), `"initials":"MR"`, `"initials":"mr"`, 1)), true)
	f.Add([]byte{}, true)
	partners := partnersOf(a)
	f.Fuzz(func(t *testing.T, in []byte, sign bool) {
		if sign {
			in = append(append([]byte{}, in...), a.Sign(append([]byte(signTag), in...))...)
		}
		h := Header{Version: FormatVersion, Kind: KindReferral, Recipient: b.KeyID()}
		if len(in) >= offSender {
			h.Kind = Kind(in[offKind])
			h.ID = PackageID(in[offID:offSender])
		}
		var signed []byte
		if len(in) >= innerHead+sigLen {
			signed = in[innerHead : len(in)-sigLen]
		}
		var opened any
		var env *Envelope
		var err error
		schema := formType
		if h.Kind == KindReceipt {
			schema = receiptType
			if r, e := receiptFromInner(h, in, b.Public(), partners, now, OpenOptions{}); e != nil || r == nil {
				opened, err = r, e
			} else {
				opened, env, err = r.Receipt, &r.Envelope, r.Receipt.Validate()
			}
		} else {
			if r, e := referralFromInner(h, in, b.Public(), partners, now, OpenOptions{}); e != nil || r == nil {
				opened, err = r, e
			} else {
				opened, env, err = r.Form, &r.Envelope, r.Form.Validate(r.Created)
			}
		}
		if env == nil {
			if err == nil || !reflect.ValueOf(opened).IsNil() {
				t.Fatalf("opened nothing and refused nothing: %v, %v", opened, err)
			}
			checkNoInput(t, err, schema, true)
			return
		}
		if err != nil {
			t.Fatalf("opened a value that does not validate: %v", err)
		}
		if env.ID != h.ID || env.Kind != h.Kind || env.Recipient != b.KeyID() {
			t.Fatalf("opened %+v from header %+v", env, h)
		}
		if c, err := Canonical(opened); err != nil || !bytes.Equal(c, signed) {
			t.Fatalf("opened a value that is not the signed body:\nsigned %s\nopened %s", signed, c)
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
	f.Add([]byte(`{"Maria Rossi":{"name":1}}`))
	f.Add(append(append([]byte{}, canon...), "]]]"...))
	f.Fuzz(func(t *testing.T, data []byte) {
		form, err := DecodeForm(data)
		if err != nil {
			if form != nil {
				t.Fatal("a form with an error")
			}
			checkNoInput(t, err, formType, false)
			return
		}
		if err := form.Validate(now); err != nil {
			checkNoInput(t, err, formType, false)
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

// FuzzDecodeReceipt: DecodeReceipt never panics, its refusals and those
// of Validate carry no input, and a valid receipt's canonical JSON reads
// back to itself.
func FuzzDecodeReceipt(f *testing.F) {
	r := NewReceipt(newPackageID(), Redirected, "She needs a protected shelter first.")
	r.RedirectedTo = "protected-shelter programme"
	canon, _ := Canonical(r)
	f.Add(canon)
	f.Add([]byte(strings.Replace(string(canon), `"outcome"`, `"name":"Maria","outcome"`, 1)))
	f.Add([]byte(`{"schema":"safecontact/referral-receipt/v1","referral":{"Maria":{"surname":1}}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeReceipt(data)
		if err != nil {
			checkNoInput(t, err, receiptType, false)
			return
		}
		if err := r.Validate(); err != nil {
			checkNoInput(t, err, receiptType, false)
			return
		}
		c, err := Canonical(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeReceipt(c)
		if err != nil || back.Validate() != nil || !isCanonical(c, back) {
			t.Fatalf("canonical receipt does not read back: %v\n%s", err, c)
		}
	})
}
