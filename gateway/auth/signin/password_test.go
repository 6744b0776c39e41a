package signin

import (
	"regexp"
	"strings"
	"testing"
)

var fast = Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Fatalf("hash %q is not in the PHC format", h)
	}
	if ok, err := VerifyPassword("correct horse battery", h); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := VerifyPassword("correct horse batterY", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse battery", fast)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: no salt?")
	}
}

// The default parameters are written into the hash, so they can change
// later without losing anyone's password.
func TestDefaultParamsInHash(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("a long enough passphrase", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("hash %q", h)
	}
	if NeedsRehash(h, DefaultParams) {
		t.Fatal("a hash with the current parameters needs no rehash")
	}
	if !NeedsRehash(h, Params{Time: 4, Memory: 64 * 1024, Threads: 4, SaltLen: 16, KeyLen: 32}) {
		t.Fatal("changed parameters must ask for a rehash")
	}
	// Older parameters still verify.
	old, _ := HashPassword("a long enough passphrase", fast)
	if ok, _ := VerifyPassword("a long enough passphrase", old); !ok {
		t.Fatal("hash with other parameters does not verify")
	}
}

func TestParseHashRefusesMalformed(t *testing.T) {
	t.Parallel()
	good, _ := HashPassword("x", fast)
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":         "",
		"argon2i":       strings.Replace(good, "argon2id", "argon2i", 1),
		"version":       strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":   strings.Replace(good, "m=64,", "m=4194304,", 1),
		"zero time":     strings.Replace(good, "t=1,", "t=0,", 1),
		"zero threads":  strings.Replace(good, "p=1$", "p=0$", 1),
		"short salt":    "$argon2id$v=19$m=64,t=1,p=1$YWJj$" + parts[5],
		"padded base64": good + "=",
		"extra part":    good + "$x",
	} {
		if _, err := VerifyPassword("x", h); err == nil {
			t.Errorf("%s: %q accepted", name, h)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pw, name, code string
	}{
		{"short", "ana", "password_too_short"},
		{"elevenchars", "ana", "password_too_short"},
		{"twelve chars", "ana", ""},
		{"contraseña larga", "ana", ""},
		{strings.Repeat("x", 257), "ana", "password_too_long"},
		{"my name is Maria.G!", "maria.g", "password_contains_name"},
		{"\xff\xfe long invalid text", "ana", "password_invalid"},
	} {
		err := CheckPassword(c.pw, c.name)
		got := ""
		if err != nil {
			got = strings.SplitN(err.Error(), " ", 2)[0]
		}
		if got != c.code {
			t.Errorf("%q: got %q want %q", c.pw, got, c.code)
		}
	}
	if p := GeneratePassword(); len(p) != 24 || CheckPassword(p, "admin") != nil {
		t.Fatalf("generated password %q", p)
	}
}

// FuzzVerifyPassword: a stored hash is read back and parsed; whatever is
// in the column, parsing never panics and never accepts unbounded costs.
func FuzzVerifyPassword(f *testing.F) {
	good, _ := HashPassword("pw", fast)
	f.Add(good)
	f.Add("$argon2id$v=19$m=1048576,t=16,p=255$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$$$$")
	f.Fuzz(func(t *testing.T, h string) {
		p, _, _, err := parseHash(h)
		if err != nil {
			return
		}
		if p.Memory > 1<<20 || p.Time > 16 || p.Threads < 1 {
			t.Fatalf("accepted costs %+v", p)
		}
	})
}

// BenchmarkVerifyDefaultParams is the cost of one sign-in's hashing.
func BenchmarkVerifyDefaultParams(b *testing.B) {
	h, _ := HashPassword("a long enough passphrase", DefaultParams)
	for b.Loop() {
		VerifyPassword("a long enough passphrase", h)
	}
}
