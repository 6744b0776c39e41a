package keys

// Audit sealing. The text actually sent to a participant is kept in the
// audit log sealed to the programme's audit public key with nacl/box
// (X25519 + XSalsa20-Poly1305). The server holds only the public key: it
// can seal but never open. The secret key is made once, kept off the
// server (a supervisor's offline machine, a safe), and used only to open
// an export in a break-glass review (`gateway audit open`).
//
// A sealed value is one of
//
//	0xA1 || fingerprint (8 bytes) || box.SealAnonymous output
//	0xA2 || fingerprint (8 bytes) || ephemeral public key (32) || nonce (24) || box.SealAfterPrecomputation output
//
// where fingerprint is the first 8 bytes of SHA-256 of the public key, so
// a value sealed to another (older, rotated) key pair is recognised as
// such instead of failing as "tampered".
//
// The server writes 0xA2: an ephemeral key pair is made per epoch (one
// minute, or 100,000 values), its private half is wiped at once after
// computing the shared key with the audit public key, and each value gets
// a random 24-byte nonce. 0xA1 (an X25519 key pair per value) cost two
// scalar multiplications per message sent, a fifth of the gateway's CPU at
// volume. The trade-off, plainly: the shared key of the current epoch is in
// the server's memory for up to a minute (wiped when replaced or when the
// minute is up), so someone who can read that memory can open the values
// sealed in that minute, where with 0xA1 they could open none. The same
// person reads the same texts in clear in that memory as they are sent,
// and the database keeps them under the server's own body key until
// retention, so nothing they could not already read is exposed. Both forms
// open with the secret key.
//
// Key files are one line of text, "safecontact-audit-public-v1:" or
// "safecontact-audit-secret-v1:" followed by the 32-byte key in standard
// base64. The prefixes keep the two from being confused: the server
// refuses to load a secret key as its public key.

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"

	"safecontact/durable"
)

const (
	auditPublicPrefix = "safecontact-audit-public-v1:"
	auditSecretPrefix = "safecontact-audit-secret-v1:"
	sealedVersion     = 0xA1 // distinct from secretbox ciphertexts (version 1)
	sealedEpochVer    = 0xA2
	epochOverhead     = 32 + 24 + box.Overhead
	fingerprintLen    = 8
	// AuditPublicKeyFile and AuditSecretKeyFile are the names
	// GenerateAuditKeyPair writes in its directory.
	AuditPublicKeyFile = "audit-public.key"
	AuditSecretKeyFile = "audit-secret.key"
)

// AuditPublicKey seals audit content. It is all the server holds.
type AuditPublicKey struct {
	key [32]byte
	mu  sync.Mutex
	ep  *sealEpoch
}

// sealEpoch is the current ephemeral sender key: its public half and the
// shared key it makes with the audit key (its private half is gone).
type sealEpoch struct {
	pub    [32]byte
	shared [32]byte
	until  time.Time
	left   int
	wipe   *time.Timer
}

const (
	epochLength = time.Minute
	epochValues = 100_000
)

// AuditSecretKey opens audit content. It never belongs on the server.
type AuditSecretKey struct {
	pub, priv [32]byte
}

// ErrWrongAuditKey: the value was sealed to another audit key pair.
var ErrWrongAuditKey = errors.New("keys: sealed to a different audit key pair")

// GenerateAuditKeyPair writes a new key pair into dir (created 0700 if
// missing) as AuditPublicKeyFile and AuditSecretKeyFile, both mode 0600.
// It refuses to overwrite either file.
func GenerateAuditKeyPair(dir string) (pubPath, secPath string, err error) {
	pubPath, secPath = filepath.Join(dir, AuditPublicKeyFile), filepath.Join(dir, AuditSecretKeyFile)
	for _, p := range []string{pubPath, secPath} {
		if _, err := os.Lstat(p); err == nil {
			return "", "", fmt.Errorf("%s already exists; refusing to overwrite an audit key (content sealed to it would become unreadable)", p)
		}
	}
	pub, priv, err := box.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	if err := writeExclusive(secPath, auditSecretPrefix+base64.StdEncoding.EncodeToString(priv[:])+"\n"); err != nil {
		return "", "", err
	}
	if err := writeExclusive(pubPath, auditPublicPrefix+base64.StdEncoding.EncodeToString(pub[:])+"\n"); err != nil {
		// Ours, just made: a lone secret key is useless, and one a crash
		// brings back is a secret key on the server.
		durable.Remove(secPath)
		return "", "", err
	}
	return pubPath, secPath, nil
}

func writeExclusive(path, content string) error {
	if err := durable.Create(path, []byte(content), 0o600); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists; refusing to overwrite it", path)
		}
		return err
	}
	return nil
}

func decodeKeyLine(b []byte, prefix string) (*[32]byte, bool) {
	s := strings.TrimSpace(string(b))
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return nil, false
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(raw) != 32 {
		return nil, false
	}
	var k [32]byte
	copy(k[:], raw)
	return &k, true
}

// ParseAuditPublicKey reads the contents of a public key file.
func ParseAuditPublicKey(b []byte) (*AuditPublicKey, error) {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte(auditSecretPrefix)) {
		return nil, errors.New("this is the audit SECRET key; the server takes the public key (" + AuditPublicKeyFile + "), and the secret key must be kept off the server")
	}
	k, ok := decodeKeyLine(b, auditPublicPrefix)
	if !ok {
		return nil, errors.New("not an audit public key (expected one line " + auditPublicPrefix + "<base64>, as written by `gateway keys audit-keypair`)")
	}
	return &AuditPublicKey{key: *k}, nil
}

// LoadAuditPublicKey reads a public key file.
func LoadAuditPublicKey(path string) (*AuditPublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParseAuditPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParseAuditSecretKey reads the contents of a secret key file.
func ParseAuditSecretKey(b []byte) (*AuditSecretKey, error) {
	k, ok := decodeKeyLine(b, auditSecretPrefix)
	if !ok {
		return nil, errors.New("not an audit secret key (expected one line " + auditSecretPrefix + "<base64>, as written by `gateway keys audit-keypair`)")
	}
	sk := &AuditSecretKey{priv: *k}
	pub, err := curve25519.X25519(sk.priv[:], curve25519.Basepoint)
	if err != nil {
		return nil, err
	}
	copy(sk.pub[:], pub)
	return sk, nil
}

// LoadAuditSecretKey reads a secret key file; like the key file, it must
// not be readable by other users.
func LoadAuditSecretKey(path string) (*AuditSecretKey, error) {
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("audit secret key %s is readable by other users (mode %o); run: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParseAuditSecretKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// Public returns the public half.
func (k *AuditSecretKey) Public() *AuditPublicKey { return &AuditPublicKey{key: k.pub} }

// Fingerprint identifies the key pair (hex of the first 8 bytes of
// SHA-256 of the public key). It reveals nothing about either key.
func (k *AuditPublicKey) Fingerprint() string { return hex.EncodeToString(k.fingerprint()) }

func (k *AuditPublicKey) fingerprint() []byte {
	h := sha256.Sum256(k.key[:])
	return h[:fingerprintLen]
}

// Seal seals plaintext to the key. Only the secret key opens it.
func (k *AuditPublicKey) Seal(plaintext []byte) ([]byte, error) {
	pub, shared, err := k.epoch()
	defer clear(shared[:])
	if err != nil {
		return nil, err
	}
	var nonce [24]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+fingerprintLen+epochOverhead+len(plaintext))
	out = append(out, sealedEpochVer)
	out = append(out, k.fingerprint()...)
	out = append(out, pub[:]...)
	out = append(out, nonce[:]...)
	return box.SealAfterPrecomputation(out, plaintext, &nonce, &shared), nil
}

// epoch returns the current sender key (copies, so the epoch can be wiped
// while a seal is under way), making a new one when the epoch is over.
// An epoch is wiped when it is replaced and, on a server that stops
// sealing, by a timer when its minute is up.
func (k *AuditPublicKey) epoch() (pub, shared [32]byte, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := time.Now()
	if k.ep != nil && k.ep.left > 0 && now.Before(k.ep.until) {
		k.ep.left--
		return k.ep.pub, k.ep.shared, nil
	}
	k.dropEpoch()
	epub, priv, err := box.GenerateKey(rand.Reader)
	if err != nil {
		return pub, shared, err
	}
	ep := &sealEpoch{pub: *epub, until: now.Add(epochLength), left: epochValues - 1}
	box.Precompute(&ep.shared, &k.key, priv)
	clear(priv[:])
	ep.wipe = time.AfterFunc(epochLength, func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.ep == ep {
			k.dropEpoch()
		}
	})
	k.ep = ep
	return ep.pub, ep.shared, nil
}

// dropEpoch wipes and forgets the current epoch; k.mu is held.
func (k *AuditPublicKey) dropEpoch() {
	if k.ep == nil {
		return
	}
	k.ep.wipe.Stop()
	clear(k.ep.shared[:])
	k.ep = nil
}

// SealedFingerprint returns the fingerprint of the key a value was sealed
// to ("" if it is not a sealed value).
func SealedFingerprint(sealed []byte) string {
	if !isSealed(sealed) {
		return ""
	}
	return hex.EncodeToString(sealed[1 : 1+fingerprintLen])
}

func isSealed(b []byte) bool {
	switch {
	case len(b) > 0 && b[0] == sealedVersion:
		return len(b) >= 1+fingerprintLen+box.AnonymousOverhead
	case len(b) > 0 && b[0] == sealedEpochVer:
		return len(b) >= 1+fingerprintLen+epochOverhead
	}
	return false
}

// Open opens a value sealed to this key pair. A value sealed to another
// key pair gives ErrWrongAuditKey; a damaged one ErrDecrypt.
func (k *AuditSecretKey) Open(sealed []byte) ([]byte, error) {
	if !isSealed(sealed) {
		return nil, ErrDecrypt
	}
	if !bytes.Equal(sealed[1:1+fingerprintLen], k.Public().fingerprint()) {
		return nil, ErrWrongAuditKey
	}
	body := sealed[1+fingerprintLen:]
	var out []byte
	ok := false
	if sealed[0] == sealedVersion {
		out, ok = box.OpenAnonymous(nil, body, &k.pub, &k.priv)
	} else {
		var epk [32]byte
		var nonce [24]byte
		copy(epk[:], body[:32])
		copy(nonce[:], body[32:56])
		out, ok = box.Open(nil, body[56:], &nonce, &epk, &k.priv)
	}
	if !ok {
		return nil, ErrDecrypt
	}
	return out, nil
}
