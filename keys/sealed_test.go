package keys

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/nacl/box"
)

func TestAuditKeyPairSealOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	pubPath, secPath, err := GenerateAuditKeyPair(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{pubPath, secPath} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %o, want 600", p, st.Mode().Perm())
		}
	}
	pub, err := LoadAuditPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := LoadAuditSecretKey(secPath)
	if err != nil {
		t.Fatal(err)
	}
	if sec.Public().Fingerprint() != pub.Fingerprint() {
		t.Fatal("secret key's public half differs from the public key file")
	}
	_, other, err := GenerateAuditKeyPair(filepath.Join(t.TempDir(), "other"))
	if err != nil {
		t.Fatal(err)
	}
	otherSec, err := LoadAuditSecretKey(other)
	if err != nil {
		t.Fatal(err)
	}

	msg := []byte("Hola, ¿podemos hablar mañana?")
	sealed, err := pub.Seal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("podemos")) {
		t.Fatal("sealed value holds the plaintext")
	}
	if SealedFingerprint(sealed) != pub.Fingerprint() {
		t.Fatal("fingerprint not in the sealed value")
	}
	again, _ := pub.Seal(msg)
	if bytes.Equal(again, sealed) {
		t.Fatal("two seals of one text are equal (nonce reused?)")
	}

	// Values written before the epoch form (0xA1, one X25519 key pair per
	// value) still open.
	legacy, err := box.SealAnonymous(append([]byte{sealedVersion}, pub.fingerprint()...), msg, &pub.key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		key     *AuditSecretKey
		value   []byte
		want    []byte
		wantErr error
	}{
		{"right key", sec, sealed, msg, nil},
		{"legacy 0xA1 value", sec, legacy, msg, nil},
		{"legacy 0xA1 value, another key pair", otherSec, legacy, nil, ErrWrongAuditKey},
		{"tampered ephemeral key", sec, flip(sealed, 1+fingerprintLen), nil, ErrDecrypt},
		{"tampered nonce", sec, flip(sealed, 1+fingerprintLen+32), nil, ErrDecrypt},
		{"another key pair", otherSec, sealed, nil, ErrWrongAuditKey},
		{"tampered", sec, flip(sealed, len(sealed)-1), nil, ErrDecrypt},
		{"truncated", sec, sealed[:20], nil, ErrDecrypt},
		{"a secretbox value, not a sealed one", sec, NewTestRing().Seal(Body, msg), nil, ErrDecrypt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.key.Open(tc.value)
			if !errors.Is(err, tc.wantErr) || !bytes.Equal(got, tc.want) {
				t.Fatalf("Open = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// The sender key is shared by the values of one epoch and replaced when
// the epoch ends (by time or by count); every value opens.
func TestAuditSealEpochs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	pubPath, secPath, err := GenerateAuditKeyPair(dir)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := LoadAuditPublicKey(pubPath)
	sec, _ := LoadAuditSecretKey(secPath)
	epk := func(v []byte) string { return string(v[1+fingerprintLen : 1+fingerprintLen+32]) }
	seal := func(text string) []byte {
		t.Helper()
		v, err := pub.Seal([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := sec.Open(v); err != nil || string(got) != text {
			t.Fatalf("Open = %q, %v; want %q", got, err, text)
		}
		return v
	}
	a, b := seal("uno"), seal("dos")
	if epk(a) != epk(b) {
		t.Fatal("two values of one epoch have different sender keys")
	}
	if string(a[1+fingerprintLen+32:1+fingerprintLen+56]) == string(b[1+fingerprintLen+32:1+fingerprintLen+56]) {
		t.Fatal("two values share a nonce")
	}
	pub.mu.Lock()
	pub.ep.until = time.Now().Add(-time.Second)
	pub.mu.Unlock()
	c := seal("tres")
	if epk(c) == epk(b) {
		t.Fatal("sender key not replaced after the epoch's time")
	}
	pub.mu.Lock()
	pub.ep.left = 0
	old := pub.ep
	pub.mu.Unlock()
	d := seal("cuatro")
	if epk(d) == epk(c) {
		t.Fatal("sender key not replaced after the epoch's count")
	}
	if old.shared != ([32]byte{}) {
		t.Fatal("the replaced epoch's shared key was not wiped")
	}
	// A server that stops sealing forgets the epoch when its time is up.
	pub.mu.Lock()
	cur := pub.ep
	pub.mu.Unlock()
	cur.wipe.Reset(time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for {
		pub.mu.Lock()
		gone := pub.ep == nil && cur.shared == ([32]byte{})
		pub.mu.Unlock()
		if gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an idle epoch was not wiped when its time was up")
		}
		time.Sleep(time.Millisecond)
	}
	seal("cinco") // and sealing goes on with a new one
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}

func TestAuditKeyPairRefusesOverwriteAndConfusion(t *testing.T) {
	dir := t.TempDir()
	pubPath, secPath, err := GenerateAuditKeyPair(dir)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(secPath)
	if _, _, err := GenerateAuditKeyPair(dir); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("second generate: %v", err)
	}
	after, _ := os.ReadFile(secPath)
	if !bytes.Equal(before, after) {
		t.Fatal("secret key changed")
	}
	// Only the public file left: still refused, and nothing is written.
	dir2 := t.TempDir()
	os.WriteFile(filepath.Join(dir2, AuditPublicKeyFile), []byte("x"), 0o600)
	if _, _, err := GenerateAuditKeyPair(dir2); err == nil {
		t.Fatal("generate over an existing public key file succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir2, AuditSecretKeyFile)); err == nil {
		t.Fatal("a secret key was written next to a foreign public key")
	}
	// The server refuses a secret key as its public key, and says why.
	if _, err := LoadAuditPublicKey(secPath); err == nil || !strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("secret key loaded as public: %v", err)
	}
	if _, err := LoadAuditSecretKey(pubPath); err == nil {
		t.Fatal("public key loaded as secret")
	}
	os.Chmod(secPath, 0o644)
	if _, err := LoadAuditSecretKey(secPath); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable secret key: %v", err)
	}
}
