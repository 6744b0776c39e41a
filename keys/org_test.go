package keys

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"safecontact/errs"
)

func TestOrgInitLoad(t *testing.T) {
	dir := t.TempDir()
	path := OrgKeyFileBeside(filepath.Join(dir, "keys.json"))
	if path != filepath.Join(dir, OrgKeyFileName) {
		t.Fatalf("OrgKeyFileBeside = %s", path)
	}
	made, err := InitOrg(path, " Fundación Nueva Vida ")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o, want 600", st.Mode().Perm())
	}
	before, _ := os.ReadFile(path)
	if _, err := InitOrg(path, "x"); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("second InitOrg: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the organisation key file changed")
	}
	o, err := LoadOrg(path)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Public().Equal(made.Public()) || o.KeyID() != made.KeyID() || o.Name() != "Fundación Nueva Vida" || o.Created().IsZero() {
		t.Fatalf("loaded identity differs from the one made: %s %q", o.KeyID(), o.Name())
	}

	os.Chmod(path, 0o640)
	if _, err := LoadOrg(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("group-readable org key file: %v", err)
	}
	if _, err := LoadOrg(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "gateway org init") {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := InitOrg(filepath.Join(dir, "o2.json"), "line\nbreak"); errs.Code(err) != "invalid_org_name" {
		t.Fatalf("name with a line break: %v", err)
	}
	if _, err := InitOrg(filepath.Join(dir, "o3.json"), strings.Repeat("a", MaxOrgNameLen+1)); errs.Code(err) != "invalid_org_name" {
		t.Fatalf("long name: %v", err)
	}
}

// The organisation key file is separate: an old key file loads as before
// and `keys rotate` leaves the identity alone.
func TestOrgKeyFileBesideKeyFile(t *testing.T) {
	dir := t.TempDir()
	kf := filepath.Join(dir, "keys.json")
	if err := Init(kf); err != nil {
		t.Fatal(err)
	}
	o, err := InitOrg(OrgKeyFileBeside(kf), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Rotate(kf); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(kf); err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrg(OrgKeyFileBeside(kf))
	if err != nil || again.KeyID() != o.KeyID() {
		t.Fatalf("identity after keys rotate: %v", err)
	}
}

// fixedOrg is an identity from fixed secrets, so its key id and
// fingerprint can be pinned.
func fixedOrg(t *testing.T) *OrgIdentity {
	t.Helper()
	seal := bytes.Repeat([]byte{7}, 32)
	seed := bytes.Repeat([]byte{42}, 32)
	o, err := orgFromFile(&orgFile{Format: orgFileFormat, Name: "Test", SealSecret: base64.StdEncoding.EncodeToString(seal), SignSeed: base64.StdEncoding.EncodeToString(seed)})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// The key id and fingerprint follow the documented encoding, recomputed
// here independently (math/big for the groups), and are pinned so an
// accidental change to the encoding fails.
func TestOrgKeyIDAndFingerprint(t *testing.T) {
	p := fixedOrg(t).Public()
	pub := append(append([]byte{}, p.Sign...), p.Seal[:]...)
	h := sha256.Sum256(append([]byte("safecontact/org-key-id/v1\n"), pub...))
	if got, want := p.KeyID().String(), fmt.Sprintf("%x", h[:8]); got != want {
		t.Fatalf("key id %s, want %s", got, want)
	}
	h5 := sha512.Sum512(append([]byte("safecontact/org-fingerprint/v1\n"), pub...))
	var groups []string
	for i := range 8 {
		n := new(big.Int).SetBytes(h5[5*i : 5*i+5])
		groups = append(groups, fmt.Sprintf("%05s", n.Mod(n, big.NewInt(100000)).String()))
	}
	if got, want := p.Fingerprint(), strings.Join(groups, " "); got != want {
		t.Fatalf("fingerprint %q, want %q", got, want)
	}
	if !regexp.MustCompile(`^\d{5}( \d{5}){7}$`).MatchString(p.Fingerprint()) {
		t.Fatalf("fingerprint shape: %q", p.Fingerprint())
	}
	const pinnedID, pinnedFP = "fbf7419ee9130431", "91151 80646 12279 47858 31344 78292 58617 32018"
	if p.KeyID().String() != pinnedID || p.Fingerprint() != pinnedFP {
		t.Fatalf("pinned values changed: key id %s fingerprint %q", p.KeyID(), p.Fingerprint())
	}
	id, err := ParseOrgKeyID(" " + pinnedID + " ")
	if err != nil || id != p.KeyID() {
		t.Fatalf("ParseOrgKeyID: %v", err)
	}
	for _, s := range []string{"", "fbf7419ee913043", "fbf7419ee913043100", "zzf7419ee9130431"} {
		if _, err := ParseOrgKeyID(s); errs.Code(err) != "invalid_key_id" {
			t.Errorf("ParseOrgKeyID(%q) = %v", s, err)
		}
	}
	// Either key changes both values.
	other := NewTestOrg("").Public()
	for _, q := range []OrgPublic{{Seal: other.Seal, Sign: p.Sign}, {Seal: p.Seal, Sign: other.Sign}} {
		if q.KeyID() == p.KeyID() || q.Fingerprint() == p.Fingerprint() {
			t.Fatal("key id or fingerprint does not depend on both keys")
		}
	}
}

func TestOrgSealSign(t *testing.T) {
	a, b := NewTestOrg("A"), NewTestOrg("B")
	msg := []byte("referral")
	sealed, err := b.Public().SealTo(msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != len(msg)+SealOverhead || bytes.Contains(sealed, msg) {
		t.Fatal("sealed value has the wrong size or holds the plaintext")
	}
	if got, err := b.Open(sealed); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := a.Open(sealed); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("another identity opened it: %v", err)
	}
	if _, err := b.Open(flip(sealed, len(sealed)-1)); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("tampered value opened: %v", err)
	}
	sig := a.Sign(msg)
	if !a.Public().Verify(msg, sig) {
		t.Fatal("signature does not verify")
	}
	if b.Public().Verify(msg, sig) || a.Public().Verify([]byte("other"), sig) || a.Public().Verify(msg, sig[:10]) || (OrgPublic{}).Verify(msg, sig) {
		t.Fatal("a wrong key, message or signature verified")
	}
}

func TestPartnerCard(t *testing.T) {
	o := NewTestOrg("Asociación Puente")
	card, err := o.Card("https://gw.puente.example/v1/referrals/inbox")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := ParsePartnerCard(card)
	if err != nil {
		t.Fatal(err)
	}
	if pc.Name != "Asociación Puente" || pc.InboxURL != "https://gw.puente.example/v1/referrals/inbox" || !pc.Public.Equal(o.Public()) {
		t.Fatalf("card round trip: %+v", pc)
	}
	if _, err := o.Card("ftp://x"); errs.Code(err) != "invalid_inbox_url" {
		t.Fatalf("ftp inbox: %v", err)
	}
	noInbox, _ := o.Card("")
	if pc, err := ParsePartnerCard(noInbox); err != nil || pc.InboxURL != "" {
		t.Fatalf("card without inbox: %v", err)
	}

	edit := func(f func(c *cardJSON)) []byte {
		var c cardJSON
		if err := json.Unmarshal(card, &c); err != nil {
			t.Fatal(err)
		}
		f(&c)
		b, _ := json.Marshal(c)
		return b
	}
	other := NewTestOrg("Other").Public()
	tests := map[string][]byte{
		"inbox redirected":    edit(func(c *cardJSON) { c.InboxURL = "https://evil.example/inbox" }),
		"renamed":             edit(func(c *cardJSON) { c.Name = "Someone else" }),
		"fingerprint changed": edit(func(c *cardJSON) { c.Fingerprint = other.Fingerprint() }),
		"key id changed":      edit(func(c *cardJSON) { c.KeyID = other.KeyID().String() }),
		"seal key swapped": edit(func(c *cardJSON) {
			c.SealPublic = base64.StdEncoding.EncodeToString(other.Seal[:])
		}),
		"seal key swapped, ids recomputed": edit(func(c *cardJSON) {
			q := OrgPublic{Seal: other.Seal, Sign: o.Public().Sign}
			c.SealPublic, c.KeyID, c.Fingerprint = base64.StdEncoding.EncodeToString(q.Seal[:]), q.KeyID().String(), q.Fingerprint()
		}),
		"wrong format":  edit(func(c *cardJSON) { c.Format = "safecontact-partner-card/v2" }),
		"short key":     edit(func(c *cardJSON) { c.SignPublic = "AAAA" }),
		"unknown field": []byte(strings.Replace(string(card), `"name"`, `"extra": 1, "name"`, 1)),
		"two objects":   append(append([]byte{}, card...), card...),
		"not JSON":      []byte("hello"),
		"too large":     append(append([]byte{}, card...), bytes.Repeat([]byte(" "), MaxCardSize)...),
	}
	for name, b := range tests {
		if _, err := ParsePartnerCard(b); errs.Code(err) != "invalid_partner_card" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
