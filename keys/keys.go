// Package keys owns the gateway's secrets: the key file, the keys derived
// from it with HKDF, encryption of contact details and message bodies with
// nacl/secretbox, and the keyed blind index used to find a participant by
// phone number without decrypting anything.
//
// Every ciphertext starts with a version byte and the id of the key that
// sealed it, so keys can rotate: new data is sealed with the primary key,
// old data stays readable while its key is in the file.
package keys

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/hkdf"
	"golang.org/x/crypto/nacl/secretbox"

	"safecontact/durable"
)

// Purpose separates the keys derived from one master secret, so a
// ciphertext of one kind can never be opened as another.
type Purpose string

const (
	Contact Purpose = "contact" // phone numbers, duress words
	Body    Purpose = "body"    // message bodies, inbound texts
	Auth    Purpose = "auth"    // staff sign-in secrets (TOTP seeds)
)

const (
	fileVersion   = 1
	cipherVersion = 1
	headerLen     = 1 + 4 // version byte + key id
	nonceLen      = 24
)

// File is the on-disk key file (JSON, mode 0600).
type File struct {
	Version int `json:"version"`
	// Primary is the id of the key that seals new data.
	Primary uint32 `json:"primary"`
	// IndexKey is the id of the key the blind index is derived from. It
	// does not rotate with Primary: re-indexing needs every number in clear.
	IndexKey uint32      `json:"index_key"`
	Keys     []MasterKey `json:"keys"`
}

// MasterKey is one 32-byte master secret.
type MasterKey struct {
	ID      uint32    `json:"id"`
	Secret  string    `json:"secret"` // base64, 32 bytes
	Created time.Time `json:"created"`
}

// Ring holds the derived keys in memory.
type Ring struct {
	primary uint32
	keys    map[uint32]map[Purpose]*[32]byte
	index   []byte
}

// ErrNoKeyFile is returned by Load when the file does not exist.
var ErrNoKeyFile = errors.New("no key file")

// Init writes a new key file with one fresh key at path. It refuses to
// overwrite an existing file. It holds the key file lock (lock.go).
func Init(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("key file %s already exists; refusing to overwrite it", path)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	f := File{Version: fileVersion, Primary: 1, IndexKey: 1, Keys: []MasterKey{{ID: 1, Secret: base64.StdEncoding.EncodeToString(secret), Created: time.Now().UTC()}}}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := durable.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	lock, err := lockKeyFile(path)
	if err != nil {
		return err
	}
	defer lock.release()
	// Never overwrite a key file: losing it loses every phone number. The
	// file is synced, and its directory, before Init returns: the gateway
	// seals numbers with this key from its first start.
	if err := durable.Create(lock.real, append(b, '\n'), 0o600); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("key file %s already exists; refusing to overwrite it", path)
		}
		return err
	}
	return nil
}

// Rotate adds a new key to the file at path and makes it primary. The blind
// index key is kept. It holds the key file lock (lock.go) from the read to
// the synced write, so rotations at once each add their key. Through a
// symlink, the file it points to is rewritten and the link kept.
//
// A missing key file is ErrNoKeyFile before any lock is taken, so a rotate
// of a path that holds no key file leaves no KEYFILE.lock behind; the read
// under the lock checks again, for a file removed meanwhile.
func Rotate(path string) (uint32, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return 0, ErrNoKeyFile
	} else if err != nil {
		return 0, err
	}
	lock, err := lockKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, ErrNoKeyFile
	} else if err != nil {
		return 0, err
	}
	defer lock.release()
	f, err := readFile(lock.real)
	if err != nil {
		return 0, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return 0, err
	}
	var top uint32
	for _, k := range f.Keys {
		top = max(top, k.ID)
	}
	id := top + 1
	f.Keys = append(f.Keys, MasterKey{ID: id, Secret: base64.StdEncoding.EncodeToString(secret), Created: time.Now().UTC()})
	f.Primary = id
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return 0, err
	}
	// Replaced whole and synced with its directory before the new key is
	// used: a crash must not bring back a file without the key that sealed
	// data after the rotation.
	if err := durable.Replace(lock.real, append(b, '\n'), 0o600); err != nil {
		return 0, err
	}
	return id, nil
}

func readFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrNoKeyFile
		}
		return nil, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("key file %s is not valid JSON", path)
	}
	if f.Version != fileVersion || len(f.Keys) == 0 {
		return nil, fmt.Errorf("key file %s: unsupported version or no keys", path)
	}
	return &f, nil
}

// Load reads the key file at path and derives the working keys.
func Load(path string) (*Ring, error) {
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s is readable by other users (mode %o); run: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	f, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return FromFile(f)
}

// FromFile derives a Ring from a parsed key file.
func FromFile(f *File) (*Ring, error) {
	r := &Ring{primary: f.Primary, keys: map[uint32]map[Purpose]*[32]byte{}}
	for _, k := range f.Keys {
		secret, err := base64.StdEncoding.DecodeString(k.Secret)
		if err != nil || len(secret) != 32 {
			return nil, fmt.Errorf("key %d: secret must be 32 bytes of base64", k.ID)
		}
		m := map[Purpose]*[32]byte{}
		for _, p := range []Purpose{Contact, Body, Auth} {
			m[p] = derive(secret, "safecontact/v1/secretbox/"+string(p))
		}
		r.keys[k.ID] = m
		if k.ID == f.IndexKey {
			idx := derive(secret, "safecontact/v1/blind-index")
			r.index = idx[:]
		}
	}
	if r.keys[f.Primary] == nil {
		return nil, fmt.Errorf("primary key %d is not in the key file", f.Primary)
	}
	if r.index == nil {
		return nil, fmt.Errorf("index key %d is not in the key file", f.IndexKey)
	}
	return r, nil
}

// NewTestRing returns a ring with a random key, for tests.
func NewTestRing() *Ring {
	secret := make([]byte, 32)
	rand.Read(secret)
	r, err := FromFile(&File{Version: 1, Primary: 1, IndexKey: 1, Keys: []MasterKey{{ID: 1, Secret: base64.StdEncoding.EncodeToString(secret)}}})
	if err != nil {
		panic(err)
	}
	return r
}

func derive(secret []byte, info string) *[32]byte {
	var k [32]byte
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, nil, []byte(info)), k[:]); err != nil {
		panic(err) // 32 bytes from HKDF-SHA256 cannot fail
	}
	return &k
}

// Seal encrypts plaintext for purpose p with the primary key.
func (r *Ring) Seal(p Purpose, plaintext []byte) []byte {
	key := r.keys[r.primary][p]
	out := make([]byte, headerLen+nonceLen, headerLen+nonceLen+len(plaintext)+secretbox.Overhead)
	out[0] = cipherVersion
	binary.BigEndian.PutUint32(out[1:5], r.primary)
	var nonce [nonceLen]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		panic(err)
	}
	copy(out[headerLen:], nonce[:])
	return secretbox.Seal(out, plaintext, &nonce, key)
}

// ErrDecrypt is returned when a ciphertext cannot be opened. It says nothing
// about the content.
var ErrDecrypt = errors.New("keys: ciphertext cannot be opened (wrong key, unknown key id, or tampered)")

// Open decrypts a ciphertext made by Seal for purpose p with any key in the ring.
func (r *Ring) Open(p Purpose, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) < headerLen+nonceLen+secretbox.Overhead || ciphertext[0] != cipherVersion {
		return nil, ErrDecrypt
	}
	m := r.keys[binary.BigEndian.Uint32(ciphertext[1:5])]
	if m == nil {
		return nil, ErrDecrypt
	}
	var nonce [nonceLen]byte
	copy(nonce[:], ciphertext[headerLen:headerLen+nonceLen])
	out, ok := secretbox.Open(nil, ciphertext[headerLen+nonceLen:], &nonce, m[p])
	if !ok {
		return nil, ErrDecrypt
	}
	return out, nil
}

// KeyID returns the id of the key that sealed ciphertext (0 if malformed).
func KeyID(ciphertext []byte) uint32 {
	if len(ciphertext) < headerLen {
		return 0
	}
	return binary.BigEndian.Uint32(ciphertext[1:5])
}

// Primary returns the id of the key that seals new data.
func (r *Ring) Primary() uint32 { return r.primary }

// BlindIndex returns HMAC-SHA256(index key, value). For phone numbers pass
// the E.164 form, so one number always has one index.
func (r *Ring) BlindIndex(value string) []byte {
	m := hmac.New(sha256.New, r.index)
	m.Write([]byte(value))
	return m.Sum(nil)
}
