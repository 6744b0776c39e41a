package keys

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitLoadSealOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := Init(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %o, want 600", st.Mode().Perm())
	}
	if err := Init(path); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("second Init = %v, want refusal", err)
	}
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("+34600111222")
	ct := r.Seal(Contact, msg)
	if bytes.Contains(ct, msg) {
		t.Fatal("ciphertext contains the plaintext")
	}
	if KeyID(ct) != 1 {
		t.Fatalf("key id = %d, want 1", KeyID(ct))
	}
	got, err := r.Open(Contact, ct)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// A contact ciphertext is not a body ciphertext.
	if _, err := r.Open(Body, ct); err != ErrDecrypt {
		t.Fatalf("Open with wrong purpose = %v, want ErrDecrypt", err)
	}
	// Tampering is detected.
	ct[len(ct)-1] ^= 1
	if _, err := r.Open(Contact, ct); err != ErrDecrypt {
		t.Fatalf("Open tampered = %v, want ErrDecrypt", err)
	}
	// Two seals of the same text differ (random nonce).
	if bytes.Equal(r.Seal(Contact, msg), r.Seal(Contact, msg)) {
		t.Fatal("two seals are equal")
	}
}

func TestRotateKeepsOldDataAndIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := Init(path); err != nil {
		t.Fatal(err)
	}
	r1, _ := Load(path)
	old := r1.Seal(Contact, []byte("+393331234567"))
	idx1 := r1.BlindIndex("+393331234567")
	id, err := Rotate(path)
	if err != nil || id != 2 {
		t.Fatalf("Rotate = %d, %v", id, err)
	}
	r2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r2.Open(Contact, old); err != nil || string(got) != "+393331234567" {
		t.Fatalf("old ciphertext after rotation: %q %v", got, err)
	}
	if KeyID(r2.Seal(Contact, []byte("x"))) != 2 {
		t.Fatal("new data not sealed with the new primary key")
	}
	if !bytes.Equal(idx1, r2.BlindIndex("+393331234567")) {
		t.Fatal("blind index changed on rotation")
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.json")); err != ErrNoKeyFile {
		t.Fatalf("missing file: %v", err)
	}
	loose := filepath.Join(dir, "loose.json")
	if err := Init(loose); err != nil {
		t.Fatal(err)
	}
	os.Chmod(loose, 0o644)
	if _, err := Load(loose); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file: %v", err)
	}
}

func TestBlindIndexKeyed(t *testing.T) {
	a, b := NewTestRing(), NewTestRing()
	if bytes.Equal(a.BlindIndex("+34600111222"), b.BlindIndex("+34600111222")) {
		t.Fatal("blind index does not depend on the key")
	}
	if !bytes.Equal(a.BlindIndex("+34600111222"), a.BlindIndex("+34600111222")) {
		t.Fatal("blind index not deterministic")
	}
}
