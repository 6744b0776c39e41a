package templates

import (
	"testing"
	"unicode"
)

// TestUpperAtASCII: upperAt's ASCII shortcut says what unicode does.
func TestUpperAtASCII(t *testing.T) {
	for c := rune(0); c < 0x80; c++ {
		if want, got := unicode.IsUpper(c) || unicode.IsTitle(c), c >= 'A' && c <= 'Z'; got != want {
			t.Errorf("%q: upper %v, unicode says %v", c, got, want)
		}
	}
	n := getNorm("Ana ÉL x")
	defer putNorm(n)
	for i, want := range []bool{true, false, false, false, true, true, false, false} {
		if i < len(n.b) && n.upperAt(i) != want {
			t.Errorf("upperAt(%d) of %q = %v", i, n.b, !want)
		}
	}
}
