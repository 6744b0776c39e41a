package textcheck_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"safecontact/templates"
	"safecontact/textcheck"
)

// Reasons used to be checked with the discreet filter's phone detection;
// textcheck replaced it and must refuse at least what it refused. The
// table of the old check's refusals (textcheck/testdata) is run through
// the filter (each is a phone to it: the table is what it says) and
// through textcheck; then random phone-like texts — digits of several
// scripts, groups joined by every kind of separator — where the filter
// sees a phone, textcheck must refuse. The one deliberate exception is a
// paper form's reference, a year and a short serial ("F-2026-114", which
// the filter calls a phone): what staff are asked to write instead.
func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

func TestTextcheckRefusesWhatTheFilterCallsAPhone(t *testing.T) {
	t.Parallel()
	cat, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	f := cat.Filter()
	phone := func(s string) bool {
		for _, x := range f.Scan(s) {
			if x.Category == templates.CategoryPhone {
				return true
			}
		}
		return false
	}
	b, err := os.ReadFile("testdata/reason_refusals.txt")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line == "" || line[0] == '#' {
			continue
		}
		s, err := strconv.Unquote(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		n++
		if !phone(s) {
			t.Errorf("the filter does not call %q a phone: not one of its refusals", s)
		}
		if textcheck.Free("reason", s) == nil {
			t.Errorf("textcheck accepts %q", s)
		}
	}
	if n < 40 {
		t.Fatalf("%d cases", n)
	}
	zeros := []rune{'0', '０', '٠', '۰', '०'}
	seps := []string{" ", "  ", "-", ".", "/", " - ", "\u00a0", "\u2009", "\u202f", "–", "—", "(", ") ", " (", ", ", "_", " +"}
	rng := rand.New(rand.NewPCG(12, 2026))
	phones := 0
	for range 20000 {
		var sb strings.Builder
		sb.WriteString([]string{"call ", "tel ", "", "she said ", "+", "M-", "nº ", "(+", "tel/"}[rng.IntN(9)])
		zero := zeros[rng.IntN(len(zeros))]
		groups := 1 + rng.IntN(5)
		for g := 0; g < groups; g++ {
			if g > 0 {
				sb.WriteString(seps[rng.IntN(len(seps))])
			}
			n := 1 + rng.IntN(4)
			if groups == 2 && g == 0 && n == 4 {
				n = 3 // two groups, the first of four digits: maybe a form reference
			}
			for range n {
				sb.WriteRune(zero + rune(rng.IntN(10)))
			}
		}
		sb.WriteString([]string{"", " today", ".", " please"}[rng.IntN(4)])
		s := sb.String()
		// The filter also removes short numbers (a hotline after "call"):
		// for a monitored phone they say what she is doing, but they are
		// nobody's contact details, which is what textcheck keeps out of
		// stored text. Compare where a personal number could be: seven
		// digits or more.
		if !phone(s) || digitCount(s) < 7 {
			continue
		}
		phones++
		if textcheck.Free("reason", s) == nil {
			t.Errorf("the filter calls %q a phone; textcheck accepts it", s)
		}
	}
	if phones < 1000 {
		t.Fatalf("only %d phone-like texts", phones)
	}
}
