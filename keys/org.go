package keys

// Organisation identity. An organisation that exchanges referral packages
// with partner organisations has two key pairs:
//
//   - an X25519 key pair for sealing (golang.org/x/crypto/nacl/box):
//     partners seal packages to its public half; only it can open them;
//   - an Ed25519 key pair for signing (crypto/ed25519): it signs what it
//     sends, and partners check the signature against the public half
//     they verified.
//
// # Where they are kept, and why not in the key file
//
// The pairs live in their own file, org-keys.json beside the key file
// (OrgKeyFileBeside), mode 0600, written once by `gateway org init`. The
// file is made whole or not at all: written and synced under a temporary
// name in the same directory, then hard-linked to its name (which fails if
// a file is there: an identity partners have verified is never replaced),
// and the directory synced. They are not added to keys.json because:
//   - keys.json holds the master secrets of every stored phone number. Adding
//     an identity would mean rewriting it; a file that is never rewritten
//     cannot be damaged by the rewrite.
//   - `gateway keys rotate` rewrites keys.json from the File struct it
//     knows. A binary older than this one would silently drop an unknown
//     "org" member, and with it the identity partners have verified.
//   - the two change at different paces. Master keys rotate; a new
//     organisation identity must be re-verified by every partner out of
//     band. Keeping them apart keeps `keys rotate` from touching it.
//
// Key files written before this one are untouched and load as before.
//
// The file is JSON:
//
//	{"format": "safecontact-org-keys/v1", "name": "…", "created": "…",
//	 "seal_secret": "<base64 of the 32-byte X25519 private key>",
//	 "sign_seed": "<base64 of the 32-byte Ed25519 seed (RFC 8032)>"}
//
// The public halves are derived from the secrets when the file is loaded.
//
// # Key digest, key id and fingerprint
//
// All three are computed from the two public keys, in this order:
//
//	pub = Ed25519 public key (32 bytes) || X25519 public key (32 bytes)
//
//	digest      = SHA-256("safecontact/org-key-id/v1\n" || pub)
//	key id      = digest[0:8]
//	fingerprint = SHA-512("safecontact/org-fingerprint/v1\n" || pub), read
//	              as eight 5-byte big-endian numbers, each taken modulo
//	              100000 and printed as 5 decimal digits:
//	              "30418 77265 01942 55310 86023 14779 63308 92154"
//
// The key id (16 hex digits) names the identity in package headers and in
// the partner directory: it is a label, not a proof. Where a signature must
// bind an identity (the recipient of a referral package), the whole
// 32-byte digest is signed, so that making a second identity with the same
// key id (2^64 work) gains nothing. The fingerprint is for people: two
// staff members read it to each other over the phone, or compare it on
// paper, before an admin marks a partner verified. Digits
// read the same in every language the programmes work in; eight groups of
// five carry 132 bits, so making a key pair with a given fingerprint is out
// of reach. (The modulo bias of a 40-bit number taken modulo 100000 is
// below one in ten million.)
//
// # Weak keys
//
// A public key that is not a point of large order is refused wherever one
// comes in: ParsePartnerCard checks both (OrgPublic.Check), SealTo refuses
// a weak sealing key and Verify a weak signing key. An X25519
// key of low order (the all-zero key among them) makes every box sealed to
// it openable by anyone: the shared secret is a constant. An Ed25519 key of
// small order (the identity point among them) accepts one signature for
// every message. Non-canonical encodings of either are refused too, so one
// key has one key id. Honest keys never fail these checks.
//
// # Partner card
//
// The public identity travels as a partner card (Card, ParsePartnerCard),
// a small JSON document another organisation imports:
//
//	{"format": "safecontact-partner-card/v1", "name": "…", "inbox_url": "…",
//	 "issued": "2026-06-02T10:00:00Z",
//	 "key_id": "…", "fingerprint": "…",
//	 "seal_public_key": "<base64>", "sign_public_key": "<base64>",
//	 "signature": "<base64 Ed25519 signature>"}
//
// The signature is made with the card's own signing key over
//
//	"safecontact/partner-card/v1\n" || str(name) || str(inbox_url) ||
//	issued (8 bytes, Unix seconds, big-endian) || pub
//
// with str(x) = 4-byte big-endian length, then x. It binds the name, the
// inbox URL and the issue date to the keys, so once the fingerprint is
// verified nobody can redirect the inbox by editing the card. issued is
// RFC 3339 in UTC, whole seconds, written exactly so. key_id and
// fingerprint are recomputed on import and must match. The card is one
// JSON object and nothing after it but white space.
//
// A card proves nothing by itself: it is trusted only after its
// fingerprint is compared out of band. The issue date lets an importer
// that has a card of the same identity on file keep the newest: an older
// card (an old inbox URL replayed by someone who kept it) is refused
// (CheckUpdate).

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"filippo.io/edwards25519"
	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"

	"safecontact/durable"
	"safecontact/errs"
)

const (
	orgFileFormat   = "safecontact-org-keys/v1"
	cardFormat      = "safecontact-partner-card/v1"
	keyIDTag        = "safecontact/org-key-id/v1\n"
	fingerprintTag  = "safecontact/org-fingerprint/v1\n"
	cardTag         = "safecontact/partner-card/v1\n"
	fingerprintGrps = 8
	// OrgKeyFileName is the name of the organisation key file beside the
	// key file.
	OrgKeyFileName = "org-keys.json"
	// MaxOrgNameLen and MaxInboxURLLen bound the partner card's texts
	// (characters and bytes).
	MaxOrgNameLen  = 120
	MaxInboxURLLen = 500
	// MaxCardSize bounds a partner card file.
	MaxCardSize = 4096
	// CardClockSkew is how far after the importer's now a card's issue
	// date may be.
	CardClockSkew = 24 * time.Hour
	// SealOverhead is what SealTo adds to a plaintext (the ephemeral
	// public key and the Poly1305 tag).
	SealOverhead = box.AnonymousOverhead
)

// Partner card codes of CheckUpdate; ParsePartnerCard's errors are all
// CodeInvalidCard.
const (
	CodeInvalidCard   = "invalid_partner_card"
	CodeCardFuture    = "partner_card_from_future" // issued after now + CardClockSkew
	CodeCardOutdated  = "partner_card_outdated"    // not newer than the card on file
	CodeCardOtherKeys = "partner_card_other_keys"  // another identity: a new partner to verify
	CodeInvalidKeys   = "invalid_org_keys"         // OrgPublic.Check
)

// OrgKeyID names an organisation identity: the first 8 bytes of its
// digest (see the file comment).
type OrgKeyID [8]byte

// String is 16 lower-case hex digits.
func (id OrgKeyID) String() string { return hex.EncodeToString(id[:]) }

// MarshalText and UnmarshalText use the String form (JSON, logs).
func (id OrgKeyID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

func (id *OrgKeyID) UnmarshalText(b []byte) error {
	v, err := ParseOrgKeyID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseOrgKeyID reads the String form.
func ParseOrgKeyID(s string) (OrgKeyID, error) {
	var id OrgKeyID
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != len(id) {
		return id, errs.New("invalid_key_id", "a key id is 16 hexadecimal digits")
	}
	copy(id[:], b)
	return id, nil
}

// OrgPublic is the public half of an organisation identity: what a partner
// stores after verifying its fingerprint.
type OrgPublic struct {
	Seal [32]byte          // X25519: packages to it are sealed to this key
	Sign ed25519.PublicKey // Ed25519: what it sends is signed with this key
}

func (p OrgPublic) concat() []byte {
	return append(append(make([]byte, 0, 64), p.Sign...), p.Seal[:]...)
}

// Digest is the identity's 32-byte digest of both public keys; the key id
// is its first 8 bytes.
func (p OrgPublic) Digest() [32]byte {
	return sha256.Sum256(append([]byte(keyIDTag), p.concat()...))
}

// KeyID is the identity's key id.
func (p OrgPublic) KeyID() OrgKeyID {
	d := p.Digest()
	return OrgKeyID(d[:8])
}

// Fingerprint is the identity's fingerprint: eight groups of five digits
// separated by spaces.
func (p OrgPublic) Fingerprint() string {
	h := sha512.Sum512(append([]byte(fingerprintTag), p.concat()...))
	groups := make([]string, fingerprintGrps)
	for i := range groups {
		var n uint64
		for _, b := range h[5*i : 5*i+5] {
			n = n<<8 | uint64(b)
		}
		groups[i] = fmt.Sprintf("%05d", n%100000)
	}
	return strings.Join(groups, " ")
}

// Equal reports whether both keys are the same.
func (p OrgPublic) Equal(q OrgPublic) bool {
	return p.Seal == q.Seal && bytes.Equal(p.Sign, q.Sign)
}

// x25519Probe is any scalar: X25519 clamps it to a multiple of the
// cofactor, so its product with a point is zero exactly when the point
// has low order (curve25519.X25519 then fails).
var x25519Probe = bytes.Repeat([]byte{0x5a}, 32)

// Check refuses keys that are not points of large order in their
// canonical encoding (see "Weak keys" in the file comment), and the zero
// OrgPublic. Errors have the code CodeInvalidKeys.
func (p OrgPublic) Check() error {
	if !p.signKeyOK() || !p.sealKeyOK() {
		return errs.New(CodeInvalidKeys, "the organisation's public keys are not valid keys (a weak or malformed key)")
	}
	return nil
}

// signKeyOK: the Ed25519 key is the canonical encoding of a point whose
// order is not small.
func (p OrgPublic) signKeyOK() bool {
	if len(p.Sign) != ed25519.PublicKeySize {
		return false
	}
	a, err := new(edwards25519.Point).SetBytes(p.Sign)
	return err == nil && bytes.Equal(a.Bytes(), p.Sign) &&
		new(edwards25519.Point).MultByCofactor(a).Equal(edwards25519.NewIdentityPoint()) == 0
}

// sealKeyOK: the X25519 key is canonical and not of low order.
func (p OrgPublic) sealKeyOK() bool {
	if !canonicalX25519(p.Seal) {
		return false
	}
	_, err := curve25519.X25519(x25519Probe, p.Seal[:])
	return err == nil
}

// canonicalX25519 reports whether u is below 2^255 - 19 (and so has its
// top bit clear).
func canonicalX25519(u [32]byte) bool {
	if u[31] < 0x7f {
		return true
	}
	if u[31] > 0x7f {
		return false
	}
	for _, b := range u[1:31] {
		if b != 0xff {
			return true
		}
	}
	return u[0] < 0xed
}

// SealTo seals plaintext to the identity's X25519 key with
// box.SealAnonymous: an ephemeral sender key pair per call, whose private
// half is dropped at once. Only the identity's private key opens it; the
// result does not say who sealed it (a signature inside must). It refuses
// keys that fail Check: a box sealed to a low-order key opens for anyone.
func (p OrgPublic) SealTo(plaintext []byte) ([]byte, error) {
	if !p.sealKeyOK() {
		return nil, errs.New(CodeInvalidKeys, "the organisation's sealing key is not a valid key (a weak or malformed key)")
	}
	return box.SealAnonymous(nil, plaintext, &p.Seal, rand.Reader)
}

// Verify reports whether sig is the identity's Ed25519 signature of msg.
// A signing key that fails Check verifies nothing.
func (p OrgPublic) Verify(msg, sig []byte) bool {
	return len(sig) == ed25519.SignatureSize && p.signKeyOK() && ed25519.Verify(p.Sign, msg, sig)
}

// OrgIdentity is this organisation's two key pairs. The private halves
// never leave the type.
type OrgIdentity struct {
	name     string
	created  time.Time
	pub      OrgPublic
	sealPriv [32]byte
	signPriv ed25519.PrivateKey
}

type orgFile struct {
	Format     string    `json:"format"`
	Name       string    `json:"name,omitempty"`
	Created    time.Time `json:"created"`
	SealSecret string    `json:"seal_secret"`
	SignSeed   string    `json:"sign_seed"`
}

// OrgKeyFileBeside is the default organisation key file: OrgKeyFileName in
// the key file's directory.
func OrgKeyFileBeside(keyFile string) string {
	return filepath.Join(filepath.Dir(keyFile), OrgKeyFileName)
}

// ValidOrgName checks an organisation's display name: at most
// MaxOrgNameLen characters of one line of valid UTF-8, without control
// characters or invisible format characters (bidirectional overrides and
// isolates, zero-width characters, the byte-order mark), which would make
// the name on a partner's screen read otherwise than it is. Empty is
// allowed.
func ValidOrgName(name string) error {
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxOrgNameLen || strings.ContainsFunc(name, isHidden) {
		return errs.Field("invalid_org_name", "name", "the organisation's name is one line of at most %d characters, without control or invisible formatting characters", MaxOrgNameLen)
	}
	return nil
}

// isHidden reports control characters (Cc), format characters (Cf) and
// the line and paragraph separators.
func isHidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// InitOrg makes a new organisation identity and writes it to path (mode
// 0600, directory 0700 if missing). It refuses to overwrite an existing
// file: partners have verified the identity in it.
func InitOrg(path, name string) (*OrgIdentity, error) {
	name = strings.TrimSpace(name)
	if err := ValidOrgName(name); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, refuseOverwrite(path)
	}
	var seal, seed [32]byte
	if _, err := rand.Read(seal[:]); err != nil {
		return nil, err
	}
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, err
	}
	f := orgFile{Format: orgFileFormat, Name: name, Created: time.Now().UTC().Truncate(time.Second),
		SealSecret: base64.StdEncoding.EncodeToString(seal[:]), SignSeed: base64.StdEncoding.EncodeToString(seed[:])}
	clear(seal[:])
	clear(seed[:])
	o, err := orgFromFile(&f)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := durable.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := durable.Create(path, append(b, '\n'), 0o600); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, refuseOverwrite(path)
		}
		return nil, err
	}
	return o, nil
}

func refuseOverwrite(path string) error {
	return fmt.Errorf("organisation key file %s already exists; refusing to overwrite it (partners have verified its fingerprint)", path)
}

// LoadOrg reads an organisation key file. Like the key file, it must not be
// readable by other users.
func LoadOrg(path string) (*OrgIdentity, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no organisation key file at %s; make one with: gateway org init --org-key-file %s", path, path)
		}
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("organisation key file %s is not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("organisation key file %s is readable by other users (mode %o); run: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f orgFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("organisation key file %s is not valid JSON", path)
	}
	o, err := orgFromFile(&f)
	if err != nil {
		return nil, fmt.Errorf("organisation key file %s: %w", path, err)
	}
	return o, nil
}

func orgFromFile(f *orgFile) (*OrgIdentity, error) {
	if f.Format != orgFileFormat {
		return nil, fmt.Errorf("unsupported format (want %s)", orgFileFormat)
	}
	seal, err1 := base64.StdEncoding.DecodeString(f.SealSecret)
	seed, err2 := base64.StdEncoding.DecodeString(f.SignSeed)
	if err1 != nil || err2 != nil || len(seal) != 32 || len(seed) != ed25519.SeedSize {
		return nil, errors.New("seal_secret and sign_seed must be 32 bytes of base64")
	}
	if err := ValidOrgName(f.Name); err != nil {
		return nil, err
	}
	o := &OrgIdentity{name: f.Name, created: f.Created, signPriv: ed25519.NewKeyFromSeed(seed)}
	copy(o.sealPriv[:], seal)
	clear(seal)
	clear(seed)
	pub, err := curve25519.X25519(o.sealPriv[:], curve25519.Basepoint)
	if err != nil {
		return nil, err
	}
	copy(o.pub.Seal[:], pub)
	o.pub.Sign = o.signPriv.Public().(ed25519.PublicKey)
	return o, nil
}

// NewTestOrg returns a fresh identity held only in memory, for tests.
func NewTestOrg(name string) *OrgIdentity {
	var seal, seed [32]byte
	rand.Read(seal[:])
	rand.Read(seed[:])
	o, err := orgFromFile(&orgFile{Format: orgFileFormat, Name: name, Created: time.Now().UTC(),
		SealSecret: base64.StdEncoding.EncodeToString(seal[:]), SignSeed: base64.StdEncoding.EncodeToString(seed[:])})
	if err != nil {
		panic(err)
	}
	return o
}

// Name is the organisation's display name (may be empty).
func (o *OrgIdentity) Name() string { return o.name }

// Created is when the identity was made.
func (o *OrgIdentity) Created() time.Time { return o.created }

// Public is the identity's public half.
func (o *OrgIdentity) Public() OrgPublic {
	return OrgPublic{Seal: o.pub.Seal, Sign: append(ed25519.PublicKey(nil), o.pub.Sign...)}
}

// KeyID is Public().KeyID().
func (o *OrgIdentity) KeyID() OrgKeyID { return o.pub.KeyID() }

// Digest is Public().Digest().
func (o *OrgIdentity) Digest() [32]byte { return o.pub.Digest() }

// Sign signs msg with the identity's Ed25519 key.
func (o *OrgIdentity) Sign(msg []byte) []byte { return ed25519.Sign(o.signPriv, msg) }

// Open opens a value sealed to the identity with SealTo. Anything else
// (another recipient, a damaged value) gives ErrDecrypt.
func (o *OrgIdentity) Open(sealed []byte) ([]byte, error) {
	out, ok := box.OpenAnonymous(nil, sealed, &o.pub.Seal, &o.sealPriv)
	if !ok {
		return nil, ErrDecrypt
	}
	return out, nil
}

// PartnerCard is an organisation's public identity as another organisation
// imports it.
type PartnerCard struct {
	Name     string
	InboxURL string
	// Issued is when the card was made (UTC, whole seconds): of two cards
	// of one identity, the later one holds.
	Issued time.Time
	Public OrgPublic
}

type cardJSON struct {
	Format      string `json:"format"`
	Name        string `json:"name"`
	InboxURL    string `json:"inbox_url"`
	Issued      string `json:"issued"`
	KeyID       string `json:"key_id"`
	Fingerprint string `json:"fingerprint"`
	SealPublic  string `json:"seal_public_key"`
	SignPublic  string `json:"sign_public_key"`
	Signature   string `json:"signature"`
}

func cardMessage(name, inbox string, issued time.Time, p OrgPublic) []byte {
	m := []byte(cardTag)
	for _, s := range []string{name, inbox} {
		m = binary.BigEndian.AppendUint32(m, uint32(len(s)))
		m = append(m, s...)
	}
	m = binary.BigEndian.AppendUint64(m, uint64(issued.Unix()))
	return append(m, p.concat()...)
}

// ValidInboxURL checks a partner's inbox URL: empty, or an absolute https
// URL of at most MaxInboxURLLen bytes, without user information, whose
// host is not an IP address of a private, link-local, multicast or
// unspecified range (the delivering gateway must not be made to post into
// its own network). Plain http is allowed only to this machine (localhost
// or a loopback address), for tests and development. A host name is not
// resolved here: the delivering side must check the addresses it
// connects to.
func ValidInboxURL(s string) error {
	if s == "" {
		return nil
	}
	bad := errs.Field("invalid_inbox_url", "inbox_url", "the inbox URL is an absolute https URL of at most %d bytes, without a user name or password, to a public host (http only to localhost)", MaxInboxURLLen)
	if len(s) > MaxInboxURLLen || !utf8.ValidString(s) {
		return bad
	}
	u, err := url.Parse(s)
	if err != nil || u.User != nil || u.Opaque != "" || u.Hostname() == "" {
		return bad
	}
	host := u.Hostname()
	loopback := LoopbackHost(host)
	if a, err := netip.ParseAddr(host); err == nil && !loopback && !PublicAddr(a) {
		return bad
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return bad
	}
	return nil
}

// LoopbackHost: host (a URL's host name) is "localhost" or a loopback
// address, the only place an inbox may be reached over plain HTTP.
func LoopbackHost(host string) bool {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().IsLoopback()
	}
	return strings.EqualFold(host, "localhost")
}

// PublicAddr: a is neither loopback nor a private, link-local, multicast
// or unspecified address. Inbox URLs are checked with it when a card is
// read, and a delivery's dialled address again at connect time (a name
// may resolve elsewhere by then).
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return !(a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified())
}

// Card returns the identity's partner card (indented JSON with a final
// newline), naming inboxURL as where packages may be delivered ("" for
// none), issued at issued (kept to the second, UTC).
func (o *OrgIdentity) Card(inboxURL string, issued time.Time) ([]byte, error) {
	if err := ValidInboxURL(inboxURL); err != nil {
		return nil, err
	}
	issued = issued.UTC().Truncate(time.Second)
	p := o.pub
	c := cardJSON{Format: cardFormat, Name: o.name, InboxURL: inboxURL, Issued: issued.Format(time.RFC3339),
		KeyID: p.KeyID().String(), Fingerprint: p.Fingerprint(),
		SealPublic: base64.StdEncoding.EncodeToString(p.Seal[:]), SignPublic: base64.StdEncoding.EncodeToString(p.Sign),
		Signature: base64.StdEncoding.EncodeToString(o.Sign(cardMessage(o.name, inboxURL, issued, p)))}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParsePartnerCard reads a partner card and checks that it is whole: one
// JSON object and nothing after it, its keys are valid (OrgPublic.Check),
// its key id and fingerprint are those of its keys, and its signature is
// made by its own signing key. It does not make the card trustworthy:
// that takes comparing the fingerprint out of band. Errors have the code
// CodeInvalidCard and never repeat the card's content.
func ParsePartnerCard(b []byte) (*PartnerCard, error) {
	bad := func(why string) (*PartnerCard, error) {
		return nil, errs.New(CodeInvalidCard, "not a valid partner card: %s", why)
	}
	if len(b) > MaxCardSize {
		return bad(fmt.Sprintf("larger than %d bytes", MaxCardSize))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c cardJSON
	if err := dec.Decode(&c); err != nil || len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) != 0 {
		return bad("expected one JSON object with format, name, inbox_url, issued, key_id, fingerprint, seal_public_key, sign_public_key, signature")
	}
	if c.Format != cardFormat {
		return bad("format is not " + cardFormat)
	}
	if ValidOrgName(c.Name) != nil || ValidInboxURL(c.InboxURL) != nil {
		return bad("name or inbox_url is not acceptable")
	}
	issued, err := time.Parse(time.RFC3339, c.Issued)
	if err != nil || issued.Format(time.RFC3339) != c.Issued || issued.Location() != time.UTC || issued.Year() < 2000 {
		return bad("issued is not a date and time in UTC such as 2026-06-02T10:00:00Z")
	}
	seal, err1 := base64.StdEncoding.Strict().DecodeString(c.SealPublic)
	sign, err2 := base64.StdEncoding.Strict().DecodeString(c.SignPublic)
	sig, err3 := base64.StdEncoding.Strict().DecodeString(c.Signature)
	if err1 != nil || err2 != nil || err3 != nil || len(seal) != 32 || len(sign) != ed25519.PublicKeySize {
		return bad("a key or the signature is not base64 of the right length")
	}
	var p OrgPublic
	copy(p.Seal[:], seal)
	p.Sign = ed25519.PublicKey(sign)
	if p.Check() != nil {
		return bad("a key is weak or malformed")
	}
	if c.KeyID != p.KeyID().String() || c.Fingerprint != p.Fingerprint() {
		return bad("its key id or fingerprint does not match its keys (the card was altered)")
	}
	if !p.Verify(cardMessage(c.Name, c.InboxURL, issued, p), sig) {
		return bad("its signature does not verify (the card was altered)")
	}
	return &PartnerCard{Name: c.Name, InboxURL: c.InboxURL, Issued: issued, Public: p}, nil
}

// CheckUpdate says whether an importer may record c, given the card of the
// same partner it has on file (nil if none) and its clock now:
//
//   - a card issued more than CardClockSkew after now is refused
//     (CodeCardFuture): recorded, it would make every honest later card
//     look outdated;
//   - a card with other keys than the one on file is another identity
//     (CodeCardOtherKeys): it is added, and verified, as a new partner,
//     never as an update of a verified one;
//   - a card not issued after the one on file is refused
//     (CodeCardOutdated), unless it is that same card again (nil: nothing
//     to change).
//
// The importer records Issued with the card.
func (c *PartnerCard) CheckUpdate(onFile *PartnerCard, now time.Time) error {
	if c.Issued.After(now.Add(CardClockSkew)) {
		return errs.New(CodeCardFuture, "the partner card is dated in the future; ask the partner to check their clock and make a new card")
	}
	if onFile == nil {
		return nil
	}
	if !c.Public.Equal(onFile.Public) {
		return errs.New(CodeCardOtherKeys, "the partner card has other keys than the partner on file: add it as a new partner and verify its fingerprint")
	}
	if c.Issued.Equal(onFile.Issued) && c.Name == onFile.Name && c.InboxURL == onFile.InboxURL {
		return nil
	}
	if !c.Issued.After(onFile.Issued) {
		return errs.New(CodeCardOutdated, "the partner card is not newer than the one on file")
	}
	return nil
}
