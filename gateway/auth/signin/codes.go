package signin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP is RFC 6238 with the parameters every authenticator app supports:
// HMAC-SHA1, 6 digits, 30-second steps, a 160-bit secret. A code is
// accepted for its own step and one step either side (clocks drift), and
// each step at most once: the last step used is stored, and a code of
// that step or an earlier one is refused.
const (
	totpPeriod = 30
	totpSkew   = 1
	totpDigits = otp.DigitsSix
)

var totpOpts = hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

// NewTOTPKey makes a fresh TOTP secret for account (her user name) at
// issuer (the programme's name, shown in her authenticator app).
func NewTOTPKey(issuer, account string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod, SecretSize: 20, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
}

// TOTPKeyURL is the otpauth:// URL of a stored secret (what the QR code
// carries).
func TOTPKeyURL(issuer, account, secret string) string {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, Secret: mustB32(secret)})
	if err != nil {
		return ""
	}
	return k.URL()
}

func mustB32(s string) []byte {
	b, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(s))
	return b
}

// TOTPStep is the time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// TOTPCode is the code of secret at t (tests and the enrolment check).
func TOTPCode(secret string, t time.Time) (string, error) {
	return hotp.GenerateCodeCustom(secret, uint64(TOTPStep(t)), totpOpts)
}

// MatchTOTP returns the time step whose code equals code, trying now's
// step and one either side, and whether one matched. Every candidate is
// computed and compared in constant time.
func MatchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = normalizeDigits(code)
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	step := TOTPStep(now)
	var found int64
	ok := 0
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(step+d), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && ok == 0 {
			found, ok = step+d, 1
		}
	}
	return found, ok == 1
}

// normalizeDigits drops the spaces and dashes people type inside codes.
func normalizeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// LooksLikeTOTP reports whether s is a six-digit code (else it may be a
// recovery code).
func LooksLikeTOTP(s string) bool {
	s = normalizeDigits(s)
	if len(s) != totpDigits.Length() {
		return false
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

// Recovery codes: RecoveryCodeCount codes of 16 Crockford base32
// characters (80 random bits) in groups of four. Only their SHA-256 is
// stored; at 80 bits a slow hash would add nothing.
const RecoveryCodeCount = 10

// crockford is Crockford's base32 alphabet (no I, L, O, U), lower case.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

func randomBase32(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = crockford[b[i]&31]
	}
	return string(b)
}

func groups(s string, n int) string {
	var sb strings.Builder
	for i := 0; i < len(s); i += n {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(s[i:min(i+n, len(s))])
	}
	return sb.String()
}

// NewRecoveryCodes returns fresh codes to show her once, and their hashes
// to store.
func NewRecoveryCodes() (codes []string, hashes [][]byte) {
	for range RecoveryCodeCount {
		c := randomBase32(16)
		codes = append(codes, groups(c, 4))
		hashes = append(hashes, HashRecoveryCode(c))
	}
	return codes, hashes
}

// HashRecoveryCode hashes a recovery code as typed: case, dashes and
// spaces do not matter, and the letters people confuse with digits (I, L,
// O) are read as the digits, as Crockford's base32 intends.
func HashRecoveryCode(typed string) []byte {
	var sb strings.Builder
	for _, r := range strings.ToLower(typed) {
		switch r {
		case ' ', '-', '\u00a0', '\t':
			continue
		case 'i', 'l':
			r = '1'
		case 'o':
			r = '0'
		}
		sb.WriteRune(r)
	}
	h := sha256.Sum256([]byte(sb.String()))
	return h[:]
}
