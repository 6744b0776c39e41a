package textcheck

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Numbers, read on the folded text (fold):
//
// A run is digit groups joined by separator runs of any length — spaces,
// dashes, dots, commas, underscores, slashes, brackets, colons, plus signs
// ("612 345 678", "612 - 345 - 678", "612, 345, 678", "(93) 412-00-11").
// Inside a run, groups joined by exactly one '.', '-', '/', ':' or bracket
// form a chunk ("612-345-678", "02/06/2026", "10:30", "93(412"). A chunk
// that has the exact shape of a date, a time, a date or time range or a
// year range (years 1900–2099) is excluded: it breaks the run into
// stretches — unless a '+' leads it, or a '(' inside the run (phone
// material), and a time only when nothing but dates follows it ("02/06/2026
// 10:30" is a date; "1.24 220 442" a number). A stretch holding minDigits
// digits or more is a phone number; so is any group of minGroup digits or
// more outside an excluded chunk (a number typed without spaces, a
// postcode, an identity or case-file number), and a '+' before two digits
// or more ("+34 6…"), whatever follows.
//
// Letters before a run do not make it a reference: "M-612-345-678" and
// "tel-612 34 56 78" are numbers. The only references allowed are
// formRef's shapes, a whole run of a year and a short serial.
//
// A year right after a month name ("3 June 2026, 10 30") is a date, not
// the start of a number.
const (
	minGroup  = 5
	minDigits = 7
)

// group is one run of digits in the folded text.
type group struct {
	s, e int // byte offsets
}

func (g group) len() int { return g.e - g.s }

func (g group) val(b string) int {
	n := 0
	for i := g.s; i < g.e && i-g.s < 9; i++ {
		n = n*10 + int(b[i]-'0')
	}
	return n
}

// hasNumber reports a phone number or long number in the folded text b.
func hasNumber(b string) bool {
	for i := 0; i < len(b); i++ {
		if !isDigit(b[i]) {
			continue
		}
		if i > 0 && isDigit(b[i-1]) {
			continue
		}
		groups, gaps, end := scanRun(b, i)
		if runIsNumber(b, i, groups, gaps) {
			return true
		}
		i = end - 1
	}
	return false
}

// scanRun reads the run starting at digit i: its groups, the separator
// runs between them, and where it ends.
func scanRun(b string, i int) (groups []group, gaps []string, end int) {
	j := i
	for {
		k := j
		for k < len(b) && isDigit(b[k]) {
			k++
		}
		groups = append(groups, group{j, k})
		m := k
		for m < len(b) && isSep(b[m]) {
			m++
		}
		if m == k || m >= len(b) || !isDigit(b[m]) {
			return groups, gaps, k
		}
		gaps = append(gaps, b[k:m])
		j = m
	}
}

// tight: a single separator that joins groups into one chunk. A bracket
// glued between digits ("93(412") joins too, so the chunk is no date or
// time.
func tight(gap string) bool {
	return len(gap) == 1 && strings.IndexByte(".-/:()", gap[0]) >= 0
}

func runIsNumber(b string, start int, groups []group, gaps []string) bool {
	plus := plusBefore(b, start)
	// Chunks: [from, to) indexes into groups.
	type chunk struct{ from, to int }
	var chunks []chunk
	from := 0
	for k := range gaps {
		if !tight(gaps[k]) {
			chunks = append(chunks, chunk{from, k + 1})
			from = k + 1
		}
	}
	chunks = append(chunks, chunk{from, len(groups)})
	if len(chunks) == 1 && !plus && formRef(b, groups, gaps) {
		return false
	}
	excluded := make([]bool, len(chunks))
	times := make([]bool, len(chunks))
	for n, c := range chunks {
		// A chunk led by "+", or inside a run by "(", is phone material,
		// never a date ("612 (2009-38"; "(02/06/2026)" alone is a date).
		if lead := leadOf(b, start, gaps, c.from); strings.Contains(lead, "+") || (n > 0 && strings.Contains(lead, "(")) {
			continue
		}
		excluded[n], times[n] = dateOrTime(b, groups[c.from:c.to], gaps[c.from:c.to-1])
	}
	// A time ends what it is part of ("02/06/2026 10:30"); followed by more
	// digits it is more likely the start of a number ("1.24 220 442").
	for n := len(chunks) - 2; n >= 0; n-- {
		if times[n] && !excluded[n+1] {
			excluded[n] = false
		}
	}
	// A year (or "day, year") right after a month name.
	if afterMonth(b, start) {
		c := chunks[0]
		if c.to-c.from == 1 && year(b, groups[c.from]) {
			excluded[0] = true
		} else if c.to-c.from == 1 && groups[c.from].len() <= 2 && groups[c.from].val(b) <= 31 && len(chunks) > 1 {
			if d := chunks[1]; d.to-d.from == 1 && year(b, groups[d.from]) {
				excluded[0], excluded[1] = true, true
			}
		}
	}
	if plus {
		// A '+' is a phone's: no date or time shape after it counts.
		digits := 0
		for _, g := range groups {
			digits += g.len()
		}
		return digits >= 2
	}
	digits := 0
	for n, c := range chunks {
		if excluded[n] {
			if digits >= minDigits {
				return true
			}
			digits = 0
			continue
		}
		for _, g := range groups[c.from:c.to] {
			if g.len() >= minGroup {
				return true
			}
			digits += g.len()
		}
	}
	return digits >= minDigits
}

// leadOf is the separator run before group k of the run starting at
// start (for the first group, the separators right before the run).
func leadOf(b string, start int, gaps []string, k int) string {
	if k > 0 {
		return gaps[k-1]
	}
	j := start
	for j > 0 && isSep(b[j-1]) {
		j--
	}
	return b[j:start]
}

// plusBefore: a '+' (then only spaces or brackets) right before the run,
// not glued to a digit or letter before it ("+34", "+ 34", "(+34)"; not
// "2+3").
func plusBefore(b string, start int) bool {
	k := start - 1
	for k >= 0 && (b[k] == ' ' || b[k] == '(') {
		k--
	}
	if k < 0 || b[k] != '+' {
		return false
	}
	if k == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(b[:k])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// formRef: the whole run is a paper form's reference — a year, '-' or
// '/', and a serial of at most 4 significant digits (at most 6 with
// leading zeros): "F-2026-114", "SC/2026/0042", "form SC 2026-114",
// "F-2026-00114". Letters before it may be anything ("F-", "SC ", "form ").
// Nothing else is a reference: "F-612345678", "M-612-345-678" and
// "F-2026-114 567" are numbers.
func formRef(b string, groups []group, gaps []string) bool {
	if len(groups) != 2 || (gaps[0] != "-" && gaps[0] != "/") || !year(b, groups[0]) {
		return false
	}
	s := groups[1]
	if s.len() > 6 {
		return false
	}
	sig := strings.TrimLeft(b[s.s:s.e], "0")
	return len(sig) <= 4
}

// year: four digits, 1900 to 2099.
func year(b string, g group) bool {
	if g.len() != 4 {
		return false
	}
	v := g.val(b)
	return v >= 1900 && v <= 2099
}

// dateOrTime: the chunk is exactly a date (D/M/Y, M/D/Y, Y-M-D with one
// separator kind), a time (H:MM, H.MM, H:MM:SS), a date range (two dates
// joined by '-'), a time range (10.00-12.30) or a year range (2024-2025,
// 2024/25). isTime: it is a time or time range.
func dateOrTime(b string, g []group, seps []string) (ok, isTime bool) {
	switch len(g) {
	case 2:
		if timeOf(b, g[0], g[1], seps[0]) {
			return true, true
		}
		return yearRange(b, g[0], g[1], seps[0]), false
	case 3:
		if seps[0] == ":" && seps[1] == ":" {
			t := timeOf(b, g[0], g[1], ":") && g[2].len() == 2 && g[2].val(b) <= 59
			return t, t
		}
		return date(b, g, seps), false
	case 4:
		t := seps[1] == "-" && timeOf(b, g[0], g[1], seps[0]) && timeOf(b, g[2], g[3], seps[2])
		return t, t
	case 6:
		return seps[2] == "-" && date(b, g[:3], seps[:2]) && date(b, g[3:], seps[3:]), false
	}
	return false, false
}

func timeOf(b string, h, m group, sep string) bool {
	return (sep == ":" || sep == ".") && h.len() <= 2 && h.val(b) <= 24 && m.len() == 2 && m.val(b) <= 59
}

func yearRange(b string, a, c group, sep string) bool {
	if (sep != "-" && sep != "/") || !year(b, a) {
		return false
	}
	switch c.len() {
	case 4:
		return year(b, c) && c.val(b) >= a.val(b)
	case 2:
		return true
	}
	return false
}

func date(b string, g []group, seps []string) bool {
	if seps[0] != seps[1] || (seps[0] != "." && seps[0] != "-" && seps[0] != "/") {
		return false
	}
	dm := func(d, m group) bool {
		return d.len() <= 2 && m.len() <= 2 && d.val(b) >= 1 && d.val(b) <= 31 && m.val(b) >= 1 && m.val(b) <= 12
	}
	if year(b, g[0]) {
		return dm(g[2], g[1])
	}
	if g[2].len() != 2 && !year(b, g[2]) {
		return false
	}
	return dm(g[0], g[1]) || dm(g[1], g[0])
}

// months: month names and their usual abbreviations in the programme's
// languages (en, es, ca, it, fr, pt, ro, de).
var months = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		january february march april may june july august september october november december
		jan feb mar apr jun jul aug sep sept oct nov dec
		enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
		ene abr ago dic
		gener febrer març maig juny juliol setembre octubre novembre desembre
		gen febr març ag set des
		gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre
		mag giu lug ott
		janvier février mars avril mai juin juillet août septembre octobre novembre décembre
		janv févr avr juil déc
		janeiro fevereiro março maio junho julho setembro outubro dezembro
		fev out dez
		ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie noiembrie decembrie
		ian iun iul
		januar februar märz juni juli oktober dezember
		mär okt`) {
		m[w] = true
	}
	return m
}()

// afterMonth: the words before the run (skipping "de", "of", "del", a
// comma) end with a month name.
func afterMonth(b string, start int) bool {
	words := strings.FieldsFunc(b[:start], func(r rune) bool { return r == ' ' || r == ',' })
	for k, n := len(words)-1, 0; k >= 0 && n < 2; k, n = k-1, n+1 {
		w := strings.ToLower(strings.TrimRight(words[k], "."))
		if months[w] {
			return true
		}
		if w != "de" && w != "of" && w != "del" && w != "di" && w != "du" {
			return false
		}
	}
	return false
}
