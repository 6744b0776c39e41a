package referral

// The referral package: one file that carries one form (or one receipt)
// from one organisation to another, signed by the sender and sealed to the
// recipient.
//
// # Byte layout (format version 1)
//
// A package is a header in clear followed by a sealed box:
//
//	offset  size  field
//	0       8     magic 89 53 43 52 0D 0A 1A 0A ("\x89SCR\r\n\x1a\n")
//	8       1     format version: 1
//	9       1     kind: 1 referral, 2 receipt
//	10      8     recipient key id (keys.OrgKeyID of the recipient)
//	18      16    package id (random, printed as a UUID)
//	34      …     box.SealAnonymous(inner, recipient's X25519 key):
//	              ephemeral public key (32) || XSalsa20-Poly1305(inner) (len(inner)+16)
//
// and inner, the plaintext of the box, is
//
//	offset  size  field
//	0       1     format version (as in the header)
//	1       1     kind (as in the header)
//	2       32    recipient digest (keys.OrgPublic.Digest of the recipient:
//	              SHA-256 of both its public keys; the header's key id is
//	              its first 8 bytes)
//	34      16    package id (as in the header)
//	50      8     sender key id (keys.OrgKeyID of the sender)
//	58      8     created, Unix seconds, big-endian two's complement
//	66      8     expires, Unix seconds, big-endian two's complement
//	74      4     n, the body length, big-endian
//	78      n     body: the canonical JSON of the form or receipt
//	78+n    64    Ed25519 signature by the sender of
//	              "safecontact/referral-package/v1\n" || inner[0 : 78+n]
//
// Integers are big-endian. The file is exactly 34 + 48 + 78 + n + 64
// bytes; anything after the box makes it fail to open. The magic's first
// byte is not ASCII, and its CR LF and LF catch a file that went through a
// text-mode transfer (an e-mail client, an FTP in ASCII mode), as PNG's
// does.
//
// # What is authenticated, and why this way
//
// Signed, then sealed. The signature covers every field of inner but
// itself: who sent it (sender key id), to whom (the recipient's digest),
// which package (id), kind, format version, validity (created, expires)
// and the body, which names its own schema ("schema":
// "safecontact/referral/v1"), so the form version is signed too. The
// domain tag keeps a signature made for anything else (a partner card)
// from passing as a package's.
//
//   - Sealing after signing hides the sender: someone who sees the file
//     learns the recipient's key id and the size, not who refers to whom.
//     The box is anonymous (a fresh X25519 key pair per package, its
//     private half dropped at once), so the box itself authenticates
//     nobody; the signature inside does. Sealing refuses a recipient key
//     of low order (keys.OrgPublic.Check): a box sealed to one opens for
//     anyone.
//   - Re-addressing: the recipient can open the package and re-seal the
//     signed inner to a third organisation. The signed recipient digest
//     still names the first recipient, and opening refuses it as
//     package_wrong_recipient. This is the reason the recipient is inside
//     the signature (sign-then-encrypt's "surreptitious forwarding"). The
//     whole 32-byte digest of the recipient's keys is signed, not the
//     8-byte key id, so an identity made to share a key id with another
//     (2^64 work) cannot receive what was signed for the other.
//   - The header is in clear so a gateway can refuse a package for another
//     organisation, or one it already has, before any cryptography, and
//     route a receipt apart from a referral. Nothing in it is trusted: it
//     is repeated inside the box (the key id as the digest's first bytes),
//     and after the signature verifies the two copies must agree
//     (package_tampered), so an edited header is caught even though the
//     box does not cover it.
//   - Replay: the package id is signed. OpenReferral and OpenReceipt
//     return it with the sender's key id; the caller refuses a (sender,
//     id) pair it has stored (CodeReplayed) and keeps each pair until
//     Envelope.KeepUntil, the package's own expiry plus the clock skew.
//     After that, opening refuses the package as expired whatever the
//     receiver's MaxAge, so the store of ids stays bounded. The key is the
//     pair, not the id alone: the id is in the clear header, and another
//     partner who saw it must not be able to spend it first and have the
//     real package refused as a replay.
//   - Validity: the sender sets expires (default 30 days after created);
//     the receiver also refuses anything created more than MaxAge ago
//     (default 30 days) or more than ClockSkew (default 10 minutes) in its
//     future. Times are whole seconds.
//   - The body is exactly what Validate makes of it: the receiver decodes
//     it, validates it, encodes it again and refuses it unless the bytes
//     are those signed. The form handed to the caller is then the signed
//     form, not a repaired one.
//
// # Refusals of OpenReferral and OpenReceipt
//
// Each refusal is an *errs.Error with a constant code, and nothing else is
// returned with it (no envelope, no partial form). No message repeats
// anything from the package (not a key id, not a field's content), and a
// Field is set only when it is a field of the schema. The checks run in
// this order; the first that fails is the answer:
//
//	1. more than MaxPackageSize bytes (before reading anything)   package_too_large
//	2. shorter than a header, or not the magic                    package_malformed
//	3. format version is not 1                                    package_version_unsupported
//	4. kind is neither referral nor receipt                       package_malformed
//	5. the header's recipient key id is not ours                  package_wrong_recipient
//	6. shorter than the smallest package                          package_malformed
//	7. the box does not open (a changed or cut byte)              package_tampered
//	8. inner too short, or its length field disagrees             package_malformed
//	9. the sender key id is not a verified partner                package_unknown_sender
//	   (the caller's lookup found nothing, or keys of another id;
//	   a lookup error is internal)
//	10. the signature does not verify with the partner's key      package_bad_signature
//	11. the signed recipient digest is not ours (re-addressed)    package_wrong_recipient
//	12. the header differs from the signed copy                   package_tampered
//	13. a receipt opened as a referral, or the reverse            package_wrong_kind
//	14. expires is not after created                              package_malformed
//	15. created is more than ClockSkew after now                  package_not_yet_valid
//	16. now is at or after expires, or created + MaxAge           package_expired
//	17. the body is larger than MaxFormSize (MaxReceiptSize),     package_malformed
//	    is not strict JSON of the schema, or does not validate
//	    (Field names the schema's field, when it is one)
//	18. the body is not the canonical JSON of what Validate       package_malformed
//	    makes of it (not canonical, or not normalised)
//
// A replayed package passes all of these: the caller refuses a (sender,
// id) pair it already has with package_replayed (CodeReplayed).
//
// Checks 9 and 10 are the only ones whose answer depends on the partner
// directory; a stranger can make packages that reach them (the recipient's
// card is public and the box authenticates nobody). So that the answer
// does not tell a stranger who the verified partners are, an unknown
// sender costs the same signature verification (against a fixed key) as a
// known one, and a caller that is not authenticated is shown only
// PublicRefusal(err): package_refused for every refusal. The detailed
// code is for the audit and for staff importing a file.
//
// MaxPackageSize is 64 KiB: a form's field limits keep its canonical JSON
// under MaxFormSize (48 KiB), and the package adds 224 bytes.

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"reflect"
	"time"

	"golang.org/x/crypto/curve25519"

	"safecontact/errs"
	"safecontact/keys"
)

// Package refusal codes (see the file comment). CodeReplayed is for the
// caller, which alone can know an id was already imported. CodeRefused is
// the one code a caller that is not authenticated is shown
// (PublicRefusal).
const (
	CodeTooLarge           = "package_too_large"
	CodeMalformed          = "package_malformed"
	CodeVersionUnsupported = "package_version_unsupported"
	CodeWrongRecipient     = "package_wrong_recipient"
	CodeTampered           = "package_tampered"
	CodeUnknownSender      = "package_unknown_sender"
	CodeBadSignature       = "package_bad_signature"
	CodeWrongKind          = "package_wrong_kind"
	CodeNotYetValid        = "package_not_yet_valid"
	CodeExpired            = "package_expired"
	CodeReplayed           = "package_replayed"
	CodeRefused            = "package_refused"
)

const (
	// FormatVersion is the package format this code writes and reads.
	FormatVersion = 1
	// MaxPackageSize is the largest package Open reads.
	MaxPackageSize = 64 << 10
	// DefaultValidity is how long after its creation a package may be
	// opened, unless the sender says less; DefaultMaxAge is the receiver's
	// own limit.
	DefaultValidity  = 30 * 24 * time.Hour
	DefaultMaxAge    = DefaultValidity
	DefaultClockSkew = 10 * time.Minute

	headerLen = 8 + 1 + 1 + 8 + 16
	// Offsets of inner's fields (see the file comment).
	offKind      = 1
	offRecipient = 2
	offID        = offRecipient + 32
	offSender    = offID + 16
	offCreated   = offSender + 8
	offExpires   = offCreated + 8
	offLen       = offExpires + 8
	innerHead    = offLen + 4
	sigLen       = ed25519.SignatureSize
	signTag      = "safecontact/referral-package/v1\n"
	// maxBody is the largest body that fits in MaxPackageSize.
	maxBody = MaxPackageSize - headerLen - keys.SealOverhead - innerHead - sigLen
)

var magic = [8]byte{0x89, 'S', 'C', 'R', '\r', '\n', 0x1a, '\n'}

// Kind says what a package carries.
type Kind uint8

const (
	KindReferral Kind = 1
	KindReceipt  Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindReferral:
		return "referral"
	case KindReceipt:
		return "receipt"
	}
	return "unknown"
}

// PackageID identifies a package: 16 random bytes, with the bits of a
// version 4 UUID set so it prints and stores as one.
type PackageID [16]byte

// String is the UUID form, e.g. "0b6a9c3e-4f1d-4e2a-9b7c-2d5e8f1a3c4b".
func (id PackageID) String() string {
	h := hex.EncodeToString(id[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// MarshalText and UnmarshalText use the UUID form (JSON, logs).
func (id PackageID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

func (id *PackageID) UnmarshalText(b []byte) error {
	v, err := ParsePackageID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParsePackageID reads the UUID form (any case).
func ParsePackageID(s string) (PackageID, error) {
	var id PackageID
	bad := errs.New("invalid_package_id", "a package id is a UUID, e.g. 0b6a9c3e-4f1d-4e2a-9b7c-2d5e8f1a3c4b")
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, bad
	}
	b, err := hex.DecodeString(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36])
	if err != nil {
		return id, bad
	}
	copy(id[:], b)
	return id, nil
}

func newPackageID() PackageID {
	var id PackageID
	if _, err := rand.Read(id[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// Header is the clear part of a package. Nothing in it is authenticated
// until OpenReferral or OpenReceipt has verified the package.
type Header struct {
	Version   uint8
	Kind      Kind
	Recipient keys.OrgKeyID
	ID        PackageID
}

// Envelope is what Open authenticated about a package besides its body.
type Envelope struct {
	ID        PackageID
	Kind      Kind
	Sender    keys.OrgKeyID
	Recipient keys.OrgKeyID
	Created   time.Time
	Expires   time.Time
	// KeepUntil is until when a replay store must keep the pair (Sender,
	// ID): Expires plus the clock skew (the receiver's, or
	// DefaultClockSkew on a package just sealed). It does not depend on
	// the receiver's MaxAge, which may be raised later: at KeepUntil the
	// package is expired under any setting.
	KeepUntil time.Time
}

// SealOptions tune a package being made.
type SealOptions struct {
	// Validity is how long after now the package may be opened; 0 means
	// DefaultValidity.
	Validity time.Duration
}

// OpenOptions tune the checks of Open.
type OpenOptions struct {
	// MaxAge refuses a package created longer ago than this, whatever its
	// expiry says; 0 means DefaultMaxAge.
	MaxAge time.Duration
	// ClockSkew is how far in the future a package's creation time may be,
	// and how long after expiry a replay store keeps its id; 0 means
	// DefaultClockSkew.
	ClockSkew time.Duration
}

func (o OpenOptions) withDefaults() OpenOptions {
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.ClockSkew <= 0 {
		o.ClockSkew = DefaultClockSkew
	}
	return o
}

// Partners finds a verified partner's public keys by key id. It returns
// nil, nil for an id that is not a partner, or whose fingerprint an admin
// has not marked verified: opening refuses such a package as
// package_unknown_sender. An error (the directory cannot be read) is
// returned wrapped as internal.
type Partners func(id keys.OrgKeyID) (*keys.OrgPublic, error)

func pkgErr(code, format string, args ...any) *errs.Error {
	return errs.New(code, format, args...)
}

// PublicRefusal is what a caller that is not authenticated (the inbox,
// whose callers are authenticated only by the package they send) may be
// told of err, an error of OpenReferral or OpenReceipt or the caller's
// own CodeReplayed: CodeRefused with one fixed message, whatever the
// cause, so the answer tells a stranger nothing about the partner
// directory, the signature or what was imported before. The detailed err
// goes to the audit. An internal error is returned as it is (its message
// says nothing, and the sender should retry); nil stays nil.
func PublicRefusal(err error) error {
	if err == nil || errs.Code(err) == "internal" {
		return err
	}
	return errs.New(CodeRefused, "the package was refused; the receiving organisation's audit log records why")
}

// decoy is the key an unknown sender's signature is checked against, so
// that an unknown sender and a bad signature cost the same work.
var decoy = func() keys.OrgPublic {
	seed := sha256.Sum256([]byte("safecontact/referral-decoy\n"))
	seal, err := curve25519.X25519(seed[:], curve25519.Basepoint)
	if err != nil {
		panic(err)
	}
	return keys.OrgPublic{Seal: [32]byte(seal), Sign: ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)}
}()

// seal makes a package of kind carrying body, from from to to.
func seal(kind Kind, body []byte, from *keys.OrgIdentity, to keys.OrgPublic, now time.Time, opt SealOptions) ([]byte, Envelope, error) {
	if len(body) > maxBody {
		return nil, Envelope{}, pkgErr(CodeTooLarge, "the body is larger than a package can carry (%d bytes)", maxBody)
	}
	if opt.Validity < 0 {
		return nil, Envelope{}, errs.New("invalid_validity", "a package's validity must be positive")
	}
	if opt.Validity == 0 {
		opt.Validity = DefaultValidity
	}
	created := now.UTC().Truncate(time.Second)
	env := Envelope{ID: newPackageID(), Kind: kind, Sender: from.KeyID(), Recipient: to.KeyID(),
		Created: created, Expires: created.Add(opt.Validity).Truncate(time.Second)}
	env.KeepUntil = env.Expires.Add(DefaultClockSkew)
	if !env.Expires.After(env.Created) {
		return nil, Envelope{}, errs.New("invalid_validity", "a package's validity must be at least a second")
	}

	digest := to.Digest()
	inner := make([]byte, 0, innerHead+len(body)+sigLen)
	inner = append(inner, FormatVersion, byte(kind))
	inner = append(inner, digest[:]...)
	inner = append(inner, env.ID[:]...)
	inner = append(inner, env.Sender[:]...)
	inner = binary.BigEndian.AppendUint64(inner, uint64(env.Created.Unix()))
	inner = binary.BigEndian.AppendUint64(inner, uint64(env.Expires.Unix()))
	inner = binary.BigEndian.AppendUint32(inner, uint32(len(body)))
	inner = append(inner, body...)
	inner = append(inner, from.Sign(append([]byte(signTag), inner...))...)

	box, err := to.SealTo(inner) // refuses a low-order key
	if err != nil {
		return nil, Envelope{}, err
	}
	out := make([]byte, 0, headerLen+len(box))
	out = append(out, magic[:]...)
	out = append(out, FormatVersion, byte(kind))
	out = append(out, env.Recipient[:]...)
	out = append(out, env.ID[:]...)
	return append(out, box...), env, nil
}

// PeekHeader reads a package's clear header without opening it, to route
// it or to refuse early what Open would refuse. Nothing it returns is
// authenticated: decide nothing on it that Open does not confirm.
func PeekHeader(pkg []byte) (Header, error) {
	var h Header
	if len(pkg) > MaxPackageSize {
		return h, pkgErr(CodeTooLarge, "a package is at most %d bytes", MaxPackageSize)
	}
	if len(pkg) < headerLen || [8]byte(pkg[:8]) != magic {
		return h, pkgErr(CodeMalformed, "this is not a referral package")
	}
	h.Version, h.Kind = pkg[8], Kind(pkg[9])
	if h.Version != FormatVersion {
		return h, pkgErr(CodeVersionUnsupported, "this package format version is not supported (this gateway reads version %d)", FormatVersion)
	}
	if h.Kind != KindReferral && h.Kind != KindReceipt {
		return h, pkgErr(CodeMalformed, "this is not a referral package (unknown kind)")
	}
	copy(h.Recipient[:], pkg[10:18])
	copy(h.ID[:], pkg[18:34])
	return h, nil
}

// unseal checks a package's header (checks 1 to 7 of the file comment)
// and opens its box.
func unseal(pkg []byte, me *keys.OrgIdentity) (Header, []byte, error) {
	h, err := PeekHeader(pkg)
	if err != nil {
		return h, nil, err
	}
	if h.Recipient != me.KeyID() {
		return h, nil, pkgErr(CodeWrongRecipient, "this package is for another organisation")
	}
	if len(pkg) < headerLen+keys.SealOverhead+innerHead+sigLen {
		return h, nil, pkgErr(CodeMalformed, "the package is truncated")
	}
	inner, err := me.Open(pkg[headerLen:])
	if err != nil {
		return h, nil, pkgErr(CodeTampered, "the package cannot be opened: it was changed or cut after it was sealed")
	}
	return h, inner, nil
}

// verifyInner checks the contents of a package's box (checks 8 to 16) for
// a package of kind want addressed to me, and returns its envelope and
// body.
func verifyInner(h Header, inner []byte, want Kind, me keys.OrgPublic, partners Partners, now time.Time, opt OpenOptions) (*Envelope, []byte, error) {
	opt = opt.withDefaults()
	if len(inner) < innerHead+sigLen {
		return nil, nil, pkgErr(CodeMalformed, "the package's contents are too short")
	}
	n := binary.BigEndian.Uint32(inner[offLen:innerHead])
	if uint64(len(inner)) != uint64(innerHead)+uint64(n)+sigLen {
		return nil, nil, pkgErr(CodeMalformed, "the package's body length does not match its contents")
	}
	sender := keys.OrgKeyID(inner[offSender:offCreated])
	pub, err := partners(sender)
	if err != nil {
		return nil, nil, errs.Internal(err)
	}
	signed, sig := inner[:innerHead+int(n)], inner[innerHead+int(n):]
	msg := append([]byte(signTag), signed...)
	if pub == nil || pub.KeyID() != sender {
		// A lookup that answers with keys of another id has not found
		// the sender: the id is the hash of both keys. The decoy costs
		// what a real verification costs (see the file comment).
		decoy.Verify(msg, sig)
		return nil, nil, pkgErr(CodeUnknownSender, "the sender is not a verified partner")
	}
	if !pub.Verify(msg, sig) {
		return nil, nil, pkgErr(CodeBadSignature, "the sender's signature does not verify")
	}
	// From here the inner fields are the sender's.
	env := &Envelope{Kind: Kind(inner[offKind]), Sender: sender, Recipient: me.KeyID(),
		ID:      PackageID(inner[offID:offSender]),
		Created: time.Unix(int64(binary.BigEndian.Uint64(inner[offCreated:offExpires])), 0).UTC(),
		Expires: time.Unix(int64(binary.BigEndian.Uint64(inner[offExpires:offLen])), 0).UTC()}
	if [32]byte(inner[offRecipient:offID]) != me.Digest() {
		return nil, nil, pkgErr(CodeWrongRecipient, "this package was signed for another organisation and re-addressed")
	}
	if inner[0] != h.Version || env.Kind != h.Kind || env.ID != h.ID {
		return nil, nil, pkgErr(CodeTampered, "the package's header was changed after it was signed")
	}
	if env.Kind != want {
		return nil, nil, pkgErr(CodeWrongKind, "this package is a %s, not a %s", env.Kind, want)
	}
	if !env.Expires.After(env.Created) {
		return nil, nil, pkgErr(CodeMalformed, "the package expires before it was made")
	}
	if env.Created.After(now.Add(opt.ClockSkew)) {
		return nil, nil, pkgErr(CodeNotYetValid, "the package was made in the future (check both clocks)")
	}
	if !now.Before(env.Expires) || !now.Before(env.Created.Add(opt.MaxAge)) {
		return nil, nil, pkgErr(CodeExpired, "the package is older than its validity; ask the sender for a new one")
	}
	env.KeepUntil = env.Expires.Add(opt.ClockSkew)
	return env, inner[innerHead : innerHead+int(n)], nil
}

// Referral is an opened referral package.
type Referral struct {
	Envelope
	Form *Form
}

// SealReferral validates f (normalising it in place, see Validate) and
// makes a package of it from from to to. now is the creation time; the
// package can be opened until now + opt.Validity.
func SealReferral(f *Form, from *keys.OrgIdentity, to keys.OrgPublic, now time.Time, opt SealOptions) ([]byte, Envelope, error) {
	if err := f.Validate(now); err != nil {
		return nil, Envelope{}, err
	}
	body, err := canonicalBody(f, MaxFormSize)
	if err != nil {
		return nil, Envelope{}, err
	}
	return seal(KindReferral, body, from, to, now, opt)
}

// canonicalBody is Canonical(v), refused when larger than max.
func canonicalBody(v any, max int) ([]byte, error) {
	body, err := Canonical(v)
	if err != nil {
		return nil, errs.Internal(err)
	}
	if len(body) > max {
		return nil, formErr(CodeFormTooLarge, "", "the canonical JSON is larger than %d bytes", max)
	}
	return body, nil
}

// OpenReferral opens a referral package addressed to me, made by a
// partner partners knows, valid at now. On success the form is valid
// (Validate passed, with the package's creation time as now) and is
// exactly the form that was signed. The caller must still refuse a
// (Sender, ID) pair it has already imported (CodeReplayed), and show a
// caller that is not authenticated only PublicRefusal(err).
func OpenReferral(pkg []byte, me *keys.OrgIdentity, partners Partners, now time.Time, opt OpenOptions) (*Referral, error) {
	h, inner, err := unseal(pkg, me)
	if err != nil {
		return nil, err
	}
	return referralFromInner(h, inner, me.Public(), partners, now, opt)
}

// referralFromInner is OpenReferral after the box is open.
func referralFromInner(h Header, inner []byte, me keys.OrgPublic, partners Partners, now time.Time, opt OpenOptions) (*Referral, error) {
	env, body, err := verifyInner(h, inner, KindReferral, me, partners, now, opt)
	if err != nil {
		return nil, err
	}
	f := new(Form)
	if err := openBody(body, "referral form", MaxFormSize, f, func() error { return f.Validate(env.Created) }); err != nil {
		return nil, err
	}
	return &Referral{Envelope: *env, Form: f}, nil
}

// openBody reads a signed body into v (a pointer to a struct): strict JSON
// of the schema, at most max bytes, that validate accepts, and whose
// canonical JSON after validate is the body itself. The last check refuses
// a body that is not canonical (white space, a key twice, an escaped
// letter: another JSON parser could read it otherwise) and one that
// validate would change (the value handed on would not be the one signed).
func openBody(body []byte, what string, max int, v any, validate func() error) error {
	t := reflect.TypeOf(v).Elem()
	if err := decodeStrict(body, v, max); err != nil {
		return invalidBody(what, err, t)
	}
	if err := validate(); err != nil {
		return invalidBody(what, err, t)
	}
	if !isCanonical(body, v) {
		return pkgErr(CodeMalformed, "the %s in the package is not in canonical, normalised form", what)
	}
	return nil
}

// invalidBody is package_malformed for a body the schema refuses, naming
// the inner code and the field when it is a field of schema t (any other
// path came from the package, and may carry its content).
func invalidBody(what string, err error, t reflect.Type) *errs.Error {
	e := errs.As(err)
	out := pkgErr(CodeMalformed, "the %s in the package is not valid (%s)", what, e.Code)
	if schemaPath(t, e.Field) {
		out.Field = e.Field
	}
	return out
}
