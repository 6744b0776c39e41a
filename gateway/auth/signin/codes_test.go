package signin

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"
)

// RFC 6238 Appendix B, SHA-1 vectors (the last six of the eight digits).
func TestTOTPRFC6238Vectors(t *testing.T) {
	t.Parallel()
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	for unix, want := range map[int64]string{
		59: "287082", 1111111109: "081804", 1111111111: "050471",
		1234567890: "005924", 2000000000: "279037", 20000000000: "353130",
	} {
		got, err := TOTPCode(secret, time.Unix(unix, 0))
		if err != nil || got != want {
			t.Errorf("T=%d: got %q %v, want %q", unix, got, err, want)
		}
	}
}

func TestMatchTOTPWindow(t *testing.T) {
	t.Parallel()
	key, err := NewTOTPKey("safecontact", "ana")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 2, 8, 0, 10, 0, time.UTC)
	step := TOTPStep(now)
	for d := int64(-3); d <= 3; d++ {
		code, _ := TOTPCode(key.Secret(), now.Add(time.Duration(d)*30*time.Second))
		got, ok := MatchTOTP(key.Secret(), code, now)
		want := d >= -1 && d <= 1
		if ok != want {
			t.Errorf("step %+d: accepted=%v", d, ok)
		}
		if ok && got != step+d {
			t.Errorf("step %+d: matched step %d, want %d", d, got, step+d)
		}
	}
	code, _ := TOTPCode(key.Secret(), now)
	if _, ok := MatchTOTP(key.Secret(), code[:3]+" "+code[3:], now); !ok {
		t.Error("a code typed with a space inside is refused")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := MatchTOTP(key.Secret(), bad, now); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if !strings.Contains(TOTPKeyURL("safecontact", "ana", key.Secret()), "secret="+key.Secret()) {
		t.Error("key URL lacks the secret")
	}
}

func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	codes, hashes := NewRecoveryCodes()
	if len(codes) != RecoveryCodeCount || len(hashes) != RecoveryCodeCount {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 19 || strings.Count(c, "-") != 3 || strings.ContainsAny(c, "ilou") {
			t.Errorf("code %q", c)
		}
		if seen[c] {
			t.Errorf("code %q twice", c)
		}
		seen[c] = true
		if string(HashRecoveryCode(c)) != string(hashes[i]) {
			t.Errorf("hash of %q differs", c)
		}
		if LooksLikeTOTP(c) {
			t.Errorf("%q looks like a TOTP code", c)
		}
	}
	// Typed in capitals, without dashes, with O for 0 and I or L for 1.
	if string(HashRecoveryCode("ab01-cd1x")) != string(HashRecoveryCode(" ABOI CDLX ")) {
		t.Error("normalisation of typed codes")
	}
	if !LooksLikeTOTP(" 123 456 ") || LooksLikeTOTP("12345a") {
		t.Error("LooksLikeTOTP")
	}
}
