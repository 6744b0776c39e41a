package signin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"safecontact/errs"
)

// Params are argon2id's cost parameters. They are written into every hash
// (the PHC string format), so they can change: a hash made with other
// parameters still verifies, and is replaced at her next sign-in.
type Params struct {
	Time    uint32 // passes over memory
	Memory  uint32 // KiB
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams is RFC 9106 §4's second recommended option, for machines
// where the first (2 GiB per hash) is out of reach: argon2id, 3 passes
// over 64 MiB, 4 lanes, a 128-bit salt and a 256-bit tag. On the 2-vCPU
// development machine one verification takes 0.18–0.25 s
// (BenchmarkVerifyDefaultParams, other work running, load 4–7) and up to
// 0.9 s when it is busier. At most Config.MaxConcurrentHashes run at
// once, so sign-ins cost at most that many × 64 MiB of memory.
var DefaultParams = Params{Time: 3, Memory: 64 * 1024, Threads: 4, SaltLen: 16, KeyLen: 32}

// Password length limits. No composition rules (NIST SP 800-63B §5.1.1):
// length is what makes a password strong, and a passphrase is welcome.
const (
	MinPasswordLen = 12  // characters
	MaxPasswordLen = 256 // characters; bounds the work of hashing
)

var b64 = base64.RawStdEncoding

// HashPassword returns the argon2id hash of password with a fresh salt, as
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<tag> (base64
// without padding, the format of the reference implementation).
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("signin: malformed password hash")

// parseHash reads a hash made by HashPassword.
func parseHash(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	// Bounds keep a tampered row from making us allocate without limit.
	if p.Time < 1 || p.Time > 16 || p.Memory < 8*uint32(p.Threads) || p.Memory > 1<<20 || p.Threads < 1 {
		return p, nil, nil, errBadHash
	}
	if salt, err = b64.Strict().DecodeString(parts[4]); err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, nil, nil, errBadHash
	}
	if key, err = b64.Strict().DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errBadHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword reports whether password matches encoded, in time that
// does not depend on where they differ. A malformed hash is an error.
func VerifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than
// p (then the password is hashed again after a successful sign-in).
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, err := parseHash(encoded)
	return err != nil || got != p
}

// CheckPassword applies the password rules for a user called name.
func CheckPassword(password, name string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return errs.Field(CodePasswordInvalid, "password", "the password is not valid text")
	case n < MinPasswordLen:
		return errs.Field(CodePasswordTooShort, "password", "a password needs at least %d characters; a few words together make a good one", MinPasswordLen)
	case n > MaxPasswordLen:
		return errs.Field(CodePasswordTooLong, "password", "a password may have at most %d characters", MaxPasswordLen)
	case name != "" && strings.Contains(strings.ToLower(password), strings.ToLower(name)):
		return errs.Field(CodePasswordContainsName, "password", "the password must not contain the user name")
	}
	return nil
}

// GeneratePassword returns a random initial password: 20 characters of
// Crockford's base32 in groups of four (100 bits), easy to read aloud and
// type once before she chooses her own.
func GeneratePassword() string {
	return groups(randomBase32(20), 4)
}
