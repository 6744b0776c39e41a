package keys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/curve25519"

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
	for _, name := range []string{"Puente\u202egnp", "Pu\u200bente", "\ufeffPuente", "Puente\u2066x\u2069", "Pu\u00adente", "a\u2028b"} {
		if _, err := InitOrg(filepath.Join(dir, "o4.json"), name); errs.Code(err) != "invalid_org_name" {
			t.Errorf("name %+q: %v", name, err)
		}
	}
}

// Bad organisation key files are refused with a reason, and the reason
// never repeats a secret.
func TestLoadOrgRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	good := func(edit func(m map[string]any)) string {
		m := map[string]any{"format": orgFileFormat, "name": "Puente", "created": "2026-01-01T00:00:00Z", "seal_secret": secret, "sign_seed": secret}
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct{ name, content, want string }{
		{"not JSON", "seal_secret=" + secret, "not valid JSON"},
		{"empty", "", "not valid JSON"},
		{"trailing data", good(func(map[string]any) {}) + "}", "not valid JSON"},
		{"wrong format", good(func(m map[string]any) { m["format"] = "safecontact-org-keys/v2" }), "unsupported format"},
		{"no format", good(func(m map[string]any) { delete(m, "format") }), "unsupported format"},
		{"short seal secret", good(func(m map[string]any) { m["seal_secret"] = "AAAA" }), "32 bytes of base64"},
		{"no sign seed", good(func(m map[string]any) { delete(m, "sign_seed") }), "32 bytes of base64"},
		{"seed not base64", good(func(m map[string]any) { m["sign_seed"] = "%%%" + secret }), "32 bytes of base64"},
		{"name with a bidi override", good(func(m map[string]any) { m["name"] = "Puente\u202e" }), "invalid_org_name"},
		{"secret of the wrong type", good(func(m map[string]any) { m["seal_secret"] = 7 }), "not valid JSON"},
	}
	for _, tc := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOrg(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), secret[:20]) {
			t.Errorf("%s: the error repeats the secret", tc.name)
		}
	}
	sub := filepath.Join(dir, "a-directory")
	os.Mkdir(sub, 0o700)
	if _, err := LoadOrg(sub); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory: %v", err)
	}
	world := filepath.Join(dir, "world.json")
	os.WriteFile(world, []byte(good(func(map[string]any) {})), 0o644)
	if _, err := LoadOrg(world); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable: %v", err)
	}
	if _, err := LoadOrg(filepath.Join(dir, "x.json")); err == nil {
		t.Error("missing file loaded")
	}
	ok := filepath.Join(dir, "ok.json")
	os.WriteFile(ok, []byte(good(func(map[string]any) {})), 0o600)
	if o, err := LoadOrg(ok); err != nil || o.Name() != "Puente" {
		t.Errorf("a good file: %v", err)
	}
}

// Processes racing to make the identity: exactly one wins, the file is
// the winner's, whole, and no temporary file is left behind.
func TestInitOrgRaceAndNoLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, OrgKeyFileName)
	const n = 8
	var wg sync.WaitGroup
	made := make([]*OrgIdentity, n)
	failed := make([]error, n)
	for i := range n {
		wg.Go(func() { made[i], failed[i] = InitOrg(path, fmt.Sprintf("Org %d", i)) })
	}
	wg.Wait()
	var winner *OrgIdentity
	for i := range n {
		switch {
		case failed[i] == nil && winner == nil:
			winner = made[i]
		case failed[i] == nil:
			t.Fatal("two InitOrg calls both succeeded")
		case !strings.Contains(failed[i].Error(), "refusing to overwrite"):
			t.Fatalf("InitOrg: %v", failed[i])
		}
	}
	if winner == nil {
		t.Fatal("no InitOrg succeeded")
	}
	o, err := LoadOrg(path)
	if err != nil || o.KeyID() != winner.KeyID() || o.Name() != winner.Name() {
		t.Fatalf("the file is not the winner's: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("files left in the directory: %v", entries)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o", st.Mode().Perm())
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
func fixedOrg(t testing.TB) *OrgIdentity {
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
	if d := p.Digest(); !bytes.Equal(d[:], h[:]) || !bytes.Equal(d[:8], keyID(p)) {
		t.Fatal("the digest is not the SHA-256 the key id is cut from")
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

func keyID(p OrgPublic) []byte {
	id := p.KeyID()
	return id[:]
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

// issued is the issue date of the cards made by the tests.
var issued = time.Date(2026, 6, 2, 10, 0, 0, 0, time.UTC)

func TestPartnerCard(t *testing.T) {
	o := NewTestOrg("Asociación Puente")
	card, err := o.Card("https://gw.puente.example/v1/referrals/inbox", issued.Add(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := ParsePartnerCard(card)
	if err != nil {
		t.Fatal(err)
	}
	if pc.Name != "Asociación Puente" || pc.InboxURL != "https://gw.puente.example/v1/referrals/inbox" || !pc.Public.Equal(o.Public()) ||
		!pc.Issued.Equal(issued) || pc.Issued.Location() != time.UTC {
		t.Fatalf("card round trip: %+v", pc)
	}
	if !strings.Contains(string(card), `"issued": "2026-06-02T10:00:00Z"`) {
		t.Fatalf("issued not written as RFC 3339 UTC seconds: %s", card)
	}
	if _, err := o.Card("ftp://x", issued); errs.Code(err) != "invalid_inbox_url" {
		t.Fatalf("ftp inbox: %v", err)
	}
	if pc, err := ParsePartnerCard(append(append([]byte{}, card...), " \n\t\r\n"...)); err != nil || !pc.Public.Equal(o.Public()) {
		t.Fatalf("trailing white space: %v", err)
	}
	noInbox, _ := o.Card("", issued)
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
		"an array":      []byte("[" + string(card) + "]"),
		"empty object":  []byte("{}"),
		"empty":         nil,
		"null":          []byte("null"),
		// Anything after the object, even a closing bracket the decoder
		// would take as the end of input.
		"trailing ]]]":      append(append([]byte{}, card...), "]]]"...),
		"trailing }":        append(append([]byte{}, card...), "}"...),
		"trailing garbage":  append(append([]byte{}, card...), "}garbage"...),
		"trailing NUL":      append(append([]byte{}, card...), 0),
		"issue date moved":  edit(func(c *cardJSON) { c.Issued = "2027-06-02T10:00:00Z" }),
		"no issue date":     edit(func(c *cardJSON) { c.Issued = "" }),
		"issued, offset":    edit(func(c *cardJSON) { c.Issued = "2026-06-02T12:00:00+02:00" }),
		"issued, +00:00":    edit(func(c *cardJSON) { c.Issued = "2026-06-02T10:00:00+00:00" }),
		"issued, fraction":  edit(func(c *cardJSON) { c.Issued = "2026-06-02T10:00:00.5Z" }),
		"issued, a date":    edit(func(c *cardJSON) { c.Issued = "2026-06-02" }),
		"issued, 1970":      edit(func(c *cardJSON) { c.Issued = "1970-01-01T00:00:00Z" }),
		"name, bidi":        edit(func(c *cardJSON) { c.Name = "Puente \u202egnp.exe" }),
		"name, zero width":  edit(func(c *cardJSON) { c.Name = "Pu\u200bente" }),
		"name, BOM":         edit(func(c *cardJSON) { c.Name = "\ufeffPuente" }),
		"inbox over http":   edit(func(c *cardJSON) { c.InboxURL = "http://gw.puente.example/v1/referrals/inbox" }),
		"inbox, private IP": edit(func(c *cardJSON) { c.InboxURL = "https://10.0.0.5/v1/referrals/inbox" }),
		"signature, non-canonical base64": edit(func(c *cardJSON) {
			// The last character of a 64-byte value's base64 carries 2
			// unused bits; setting one keeps the bytes and changes the text.
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
			b := []byte(c.Signature)
			b[len(b)-3] = alphabet[strings.IndexByte(alphabet, b[len(b)-3])^1]
			c.Signature = string(b)
		}),
		"null key": func() []byte {
			var m map[string]any
			json.Unmarshal(card, &m)
			m["seal_public_key"] = nil
			b, _ := json.Marshal(m)
			return b
		}(),
	}
	for name, b := range tests {
		if pc, err := ParsePartnerCard(b); pc != nil || errs.Code(err) != CodeInvalidCard {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// lowOrderX25519 are encodings of the points of small order on
// Curve25519 and its twist (libsodium's list): the product of any scalar
// with one of them is a constant, so a box sealed to it opens for anyone.
var lowOrderX25519 = []string{
	"0000000000000000000000000000000000000000000000000000000000000000", // 0
	"0100000000000000000000000000000000000000000000000000000000000000", // 1
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p - 1
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (non-canonical 0)
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1 (non-canonical 1)
}

// smallOrderEd25519 are encodings of Ed25519 points of small order (the
// identity first): a signature made for one message verifies for others.
var smallOrderEd25519 = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
	"0100000000000000000000000000000000000000000000000000000000000080", // identity, x sign set (non-canonical)
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // identity, y = p + 1 (non-canonical)
}

func unhex32(t *testing.T, s string) [32]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad test vector %s", s)
	}
	return [32]byte(b)
}

// A card whose sealing key is of low order, or whose signing key is of
// small order, is refused, and nothing seals to such keys.
func TestPartnerCardRefusesWeakKeys(t *testing.T) {
	o := NewTestOrg("Partner")
	o.pub.Seal = [32]byte{}
	card, err := o.Card("", issued)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ParsePartnerCard(card); err == nil {
		t.Errorf("card with all-zero sealing key accepted (key id %s)", p.Public.KeyID())
	}
	if _, err := (OrgPublic{}).SealTo([]byte("x")); errs.Code(err) != CodeInvalidKeys {
		t.Errorf("SealTo(zero OrgPublic) = %v", err)
	}

	good := NewTestOrg("Good").Public()
	if err := good.Check(); err != nil {
		t.Fatalf("an honest key fails Check: %v", err)
	}
	for _, s := range lowOrderX25519 {
		u := unhex32(t, s)
		if _, err := curve25519.X25519(bytes.Repeat([]byte{3}, 32), u[:]); err == nil && !strings.HasPrefix(s, "ed") && !strings.HasPrefix(s, "ee") {
			t.Fatalf("test vector %s is not of low order", s)
		}
		weak := OrgPublic{Seal: u, Sign: good.Sign}
		if weak.Check() == nil {
			t.Errorf("X25519 key %s passes Check", s)
		}
		if _, err := weak.SealTo([]byte("+34612345678")); errs.Code(err) != CodeInvalidKeys {
			t.Errorf("SealTo(%s) = %v", s, err)
		}
		o := NewTestOrg("Partner")
		o.pub.Seal = u
		card, _ := o.Card("", issued)
		if _, err := ParsePartnerCard(card); errs.Code(err) != CodeInvalidCard {
			t.Errorf("card with X25519 key %s: %v", s, err)
		}
	}
	// The top bit of an X25519 key is ignored by X25519; set, it would
	// give one key two key ids.
	hi := good
	hi.Seal[31] |= 0x80
	if hi.Check() == nil {
		t.Error("X25519 key with the top bit set passes Check")
	}

	// crypto/ed25519 accepts, for the identity key, the signature
	// (R = identity, S = 0) on every message; a card made so is refused.
	identity := ed25519.PublicKey(bytes.Repeat([]byte{0}, 32))
	identity[0] = 1
	forged := append([]byte{1}, make([]byte, 63)...)
	if !ed25519.Verify(identity, []byte("any message"), forged) {
		t.Fatal("the premise of this test does not hold")
	}
	for _, s := range smallOrderEd25519 {
		a := unhex32(t, s)
		weak := OrgPublic{Seal: good.Seal, Sign: ed25519.PublicKey(a[:])}
		if weak.Check() == nil {
			t.Errorf("Ed25519 key %s passes Check", s)
		}
		if weak.Verify([]byte("any message"), forged) {
			t.Errorf("Ed25519 key %s verifies a forged signature", s)
		}
	}
	weak := OrgPublic{Seal: good.Seal, Sign: identity}
	c := cardJSON{Format: cardFormat, Name: "Anyone", Issued: issued.Format(time.RFC3339), KeyID: weak.KeyID().String(), Fingerprint: weak.Fingerprint(),
		SealPublic: base64.StdEncoding.EncodeToString(weak.Seal[:]), SignPublic: base64.StdEncoding.EncodeToString(weak.Sign),
		Signature: base64.StdEncoding.EncodeToString(forged)}
	b, _ := json.Marshal(c)
	if !ed25519.Verify(identity, cardMessage(c.Name, "", issued, weak), forged) {
		t.Fatal("the forged card signature does not verify under crypto/ed25519")
	}
	if _, err := ParsePartnerCard(b); errs.Code(err) != CodeInvalidCard {
		t.Errorf("card with the identity as signing key: %v", err)
	}
}

// An importer keeps the newest card of an identity.
func TestPartnerCardCheckUpdate(t *testing.T) {
	o := NewTestOrg("Puente")
	parse := func(inbox string, at time.Time) *PartnerCard {
		t.Helper()
		b, err := o.Card(inbox, at)
		if err != nil {
			t.Fatal(err)
		}
		pc, err := ParsePartnerCard(b)
		if err != nil {
			t.Fatal(err)
		}
		return pc
	}
	now := issued.Add(time.Hour)
	onFile := parse("https://old.puente.example/inbox", issued)
	newer := parse("https://new.puente.example/inbox", issued.Add(time.Minute))
	older := parse("https://older.puente.example/inbox", issued.Add(-time.Minute))
	sameTime := parse("https://other.puente.example/inbox", issued)
	future := parse("https://new.puente.example/inbox", now.Add(CardClockSkew+time.Second))
	edge := parse("https://new.puente.example/inbox", now.Add(CardClockSkew))
	other, _ := NewTestOrg("Puente").Card("https://new.puente.example/inbox", issued.Add(time.Minute))
	otherKeys, _ := ParsePartnerCard(other)
	tests := []struct {
		name         string
		card, onFile *PartnerCard
		code         string
	}{
		{"first import", onFile, nil, ""},
		{"newer", newer, onFile, ""},
		{"the same card again", parse("https://old.puente.example/inbox", issued), onFile, ""},
		{"older", older, onFile, CodeCardOutdated},
		{"same issue date, other content", sameTime, onFile, CodeCardOutdated},
		{"newer on file", onFile, newer, CodeCardOutdated},
		{"other keys", otherKeys, onFile, CodeCardOtherKeys},
		{"from the future", future, nil, CodeCardFuture},
		{"from the future, over a card on file", future, onFile, CodeCardFuture},
		{"at the clock skew", edge, onFile, ""},
	}
	for _, tc := range tests {
		if err := tc.card.CheckUpdate(tc.onFile, now); errs.Code(err) != tc.code && !(tc.code == "" && err == nil) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
	}
}

func TestValidInboxURL(t *testing.T) {
	ok := []string{
		"",
		"https://gw.puente.example/v1/referrals/inbox",
		"https://gw.puente.example:8443/v1/referrals/inbox?x=1",
		"https://203.0.113.7/v1/referrals/inbox",
		"https://[2001:db8::7]/v1/referrals/inbox",
		"http://127.0.0.1:8080/v1/referrals/inbox",
		"http://127.9.9.9/v1/referrals/inbox",
		"http://[::1]:8080/v1/referrals/inbox",
		"http://localhost:8080/v1/referrals/inbox",
		"HTTPS://gw.puente.example/v1/referrals/inbox",
	}
	for _, s := range ok {
		if err := ValidInboxURL(s); err != nil {
			t.Errorf("ValidInboxURL(%q) = %v", s, err)
		}
	}
	bad := []string{
		"http://gw.puente.example/v1/referrals/inbox",
		"http://203.0.113.7/v1/referrals/inbox",
		"ftp://gw.puente.example/inbox",
		"gw.puente.example/inbox",
		"/v1/referrals/inbox",
		"https://",
		"https:gw.puente.example",
		"https://user:pass@gw.puente.example/inbox",
		"https://user@gw.puente.example/inbox",
		"https://10.1.2.3/inbox",
		"https://172.16.0.1/inbox",
		"https://192.168.1.1/inbox",
		"https://169.254.169.254/latest/meta-data",
		"https://[fe80::1%25eth0]/inbox",
		"https://[fd00::1]/inbox",
		"https://[::ffff:192.168.1.1]/inbox",
		"https://0.0.0.0/inbox",
		"https://[::]/inbox",
		"https://224.0.0.1/inbox",
		"https://gw.puente.example/" + strings.Repeat("a", MaxInboxURLLen),
		"https://gw.puente.example/\xff",
	}
	for _, s := range bad {
		err := ValidInboxURL(s)
		if e := errs.As(err); err == nil || e.Code != "invalid_inbox_url" || e.Field != "inbox_url" || strings.Contains(e.Message, "puente") {
			t.Errorf("ValidInboxURL(%q) = %v", s, err)
		}
	}
}

// cardReasons are the reasons ParsePartnerCard gives: its errors say
// nothing else.
var cardReasons = []string{
	fmt.Sprintf("larger than %d bytes", MaxCardSize),
	"expected one JSON object with format, name, inbox_url, issued, key_id, fingerprint, seal_public_key, sign_public_key, signature",
	"format is not " + cardFormat,
	"name or inbox_url is not acceptable",
	"issued is not a date and time in UTC such as 2026-06-02T10:00:00Z",
	"a key or the signature is not base64 of the right length",
	"a key is weak or malformed",
	"its key id or fingerprint does not match its keys (the card was altered)",
	"its signature does not verify (the card was altered)",
}

// FuzzParsePartnerCard: a card is outside input. Nothing panics; a
// refusal is one of the fixed reasons; an accepted card has valid keys and
// its own key id, and reads back the same after Card.
func FuzzParsePartnerCard(f *testing.F) {
	o := fixedOrg(f)
	card, _ := o.Card("https://gw.puente.example/v1/referrals/inbox", issued)
	f.Add(card)
	f.Add(append(append([]byte{}, card...), "]]]"...))
	f.Add([]byte(strings.Replace(string(card), "2026", "2027", 1)))
	f.Add([]byte(`{"format":"safecontact-partner-card/v1"}`))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pc, err := ParsePartnerCard(b)
		if (pc == nil) == (err == nil) {
			t.Fatalf("ParsePartnerCard = %v, %v", pc, err)
		}
		if err != nil {
			e := errs.As(err)
			why, ok := strings.CutPrefix(e.Message, "not a valid partner card: ")
			if e.Code != CodeInvalidCard || e.Field != "" || !ok || !slices.Contains(cardReasons, why) {
				t.Fatalf("refusal %q", e)
			}
			return
		}
		if pc.Public.Check() != nil || ValidOrgName(pc.Name) != nil || ValidInboxURL(pc.InboxURL) != nil || pc.Issued.Location() != time.UTC {
			t.Fatalf("accepted %+v", pc)
		}
	})
}
