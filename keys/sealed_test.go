package keys

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		t.Fatal("two seals of one text are equal (no ephemeral key?)")
	}

	tests := []struct {
		name    string
		key     *AuditSecretKey
		value   []byte
		want    []byte
		wantErr error
	}{
		{"right key", sec, sealed, msg, nil},
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
