package templates

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
)

// The filter matches on a normalised copy of the text:
//
//   - letters are lower-cased and lose their diacritics (NFKD, combining
//     marks dropped): "Policía" -> "policia", "Poliția" -> "politia",
//     "ＰＯＬＩＣＥ" -> "police"; ß -> ss, æ -> ae, œ -> oe, ø -> o, ł -> l;
//     º/ª -> o/a;
//   - every run of white space (any Unicode space, line breaks, control
//     characters, invalid UTF-8) becomes one ' ';
//   - zero-width and format characters (soft hyphen, ZWSP, ZWJ, BOM, bidi
//     marks) and the Catalan middle dot are dropped, so "poli\u00adcía" and
//     "col·lectiu" still read as words;
//   - typographic apostrophes become ', dashes become -, the ideographic
//     and other full stops become '.', other symbols and punctuation
//     outside ASCII become the separator byte sepByte;
//   - letters of other scripts that look like Latin ones (Cyrillic "о",
//     Greek "ο") become those letters, from the Unicode confusables data;
//   - a run of one letter written twice or more becomes one letter
//     ("avvocato" -> "avocato", "poliiiicia" -> "policia"); the lexicon is
//     folded the same way, so real double letters still match;
//   - obfuscations are undone (deobfuscate): letters spelt with separators
//     ("p.o.l.i.c.e", "p o l i c e", "p-o-l-i-c-e"), digits and symbols
//     for letters inside a word ("p0lice", "v1ctim", "abu$o"), and "_" or
//     "*" inside a word.
//
// src maps every normalised byte back to the byte offset, in the original,
// of the rune that produced it, so a match [i,j) in the normalised text is
// [src[i], end of the rune at src[j-1]) in the original, always on rune
// boundaries.

// sepByte stands for non-ASCII punctuation and symbols: not a word byte,
// not a space.
const sepByte = 0x1f

const foldTabMax = 0x3000

var (
	foldOnce sync.Once
	foldTab  []uint32 // rune -> off<<8 | len into foldPool (len 0 = dropped)
	fullTab  []uint32 // U+FF00..U+FFEF, same encoding
	foldPool []byte
	asciiMap [128]byte
	isWord   [256]bool // a normalised byte that belongs to a word
)

func initFold() {
	foldOnce.Do(func() {
		for c := 0; c < 128; c++ {
			b := byte(c)
			switch {
			case b >= 'A' && b <= 'Z':
				b += 'a' - 'A'
			case b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r' || b < 0x20 || b == 0x7f:
				b = ' '
			case b == '`':
				b = '\''
			}
			asciiMap[c] = b
		}
		for c := 0; c < 256; c++ {
			isWord[c] = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
		}
		pool := map[string]uint32{}
		add := func(s string) uint32 {
			if s == "" {
				return 0
			}
			if e, ok := pool[s]; ok {
				return e
			}
			e := uint32(len(foldPool))<<8 | uint32(len(s))
			foldPool = append(foldPool, s...)
			pool[s] = e
			return e
		}
		foldTab = make([]uint32, foldTabMax)
		for r := rune(0x80); r < foldTabMax; r++ {
			foldTab[r] = add(foldRune(r))
		}
		fullTab = make([]uint32, 0xF0)
		for r := rune(0xFF00); r < 0xFFF0; r++ {
			fullTab[r-0xFF00] = add(foldRune(r))
		}
	})
}

var foldSpecial = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe",
	'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d", 'ł': "l", 'Ł': "l", 'ı': "i",
	'ŀ': "l", 'Ŀ': "l", 'þ': "th", 'Þ': "th", 'ð': "d", 'Ð': "d", 'ħ': "h", 'Ħ': "h",
	'°': "o", 'º': "o", 'ª': "a",
	// apostrophes and quotes
	'\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'",
	'\u02bc': "'", '\u02b9': "'", '\u00b4': "'",
	// dashes and the minus sign
	'\u2010': "-", '\u2011': "-", '\u2012': "-", '\u2013': "-", '\u2014': "-",
	'\u2015': "-", '\u2212': "-", '\ufe63': "-", '\uff0d': "-",
	// Catalan middle dot (l·l): dropped so the word stays whole
	'\u00b7': "", '\u2027': "",
	// full stops of other scripts, so a domain written with one is found
	'\u3002': ".", '\uff61': ".", '\u2024': ".", '\ufe52': ".",
}

// confusableFold maps a letter of another script that looks like a Latin
// letter to that letter (lower case), from the Unicode confusables data
// (the skeleton of the single rune); "" when there is none.
func confusableFold(r rune) string {
	if !unicode.IsLetter(r) || unicode.Is(unicode.Latin, r) || r < 0x370 {
		return ""
	}
	sk := confusables.Skeleton(string(r))
	if sk == "" || sk == string(r) {
		return ""
	}
	var sb strings.Builder
	for _, x := range sk {
		switch {
		case x >= 'a' && x <= 'z':
			sb.WriteRune(x)
		case x >= 'A' && x <= 'Z':
			sb.WriteRune(x + 'a' - 'A')
		default:
			return ""
		}
	}
	return sb.String()
}

// foldRune computes the normalised form of one non-ASCII rune.
func foldRune(r rune) string {
	if s, ok := foldSpecial[r]; ok {
		return s
	}
	if s := confusableFold(r); s != "" {
		return s
	}
	switch {
	case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || unicode.Is(unicode.Cc, r) ||
		unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r):
		return " "
	case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
		return ""
	case r >= 0xd800 && r <= 0xdfff:
		return " "
	}
	var sb strings.Builder
	for _, x := range norm.NFKD.String(string(r)) {
		if s, ok := foldSpecial[x]; ok {
			sb.WriteString(s)
			continue
		}
		switch {
		case unicode.Is(unicode.Mn, x) || unicode.Is(unicode.Me, x) || unicode.Is(unicode.Cf, x):
			continue
		case unicode.IsSpace(x):
			sb.WriteByte(' ')
		case x < 0x80:
			sb.WriteByte(asciiMap[x])
		case unicode.IsLetter(x) || unicode.IsNumber(x):
			if d := digitValue(x); d >= 0 {
				sb.WriteByte(byte('0' + d))
				continue
			}
			sb.WriteRune(unicode.ToLower(x))
		default:
			sb.WriteByte(sepByte)
		}
	}
	return sb.String()
}

// digitValue maps decimal digits of other scripts (Arabic-Indic,
// Devanagari, ...) to their value, -1 for anything else.
func digitValue(r rune) int {
	if !unicode.Is(unicode.Nd, r) {
		return -1
	}
	// Unicode encodes decimal digits as complete, contiguous sets 0-9; a
	// run of several sets (mathematical digits) starts with a zero.
	z := r
	for z > 0 && unicode.Is(unicode.Nd, z-1) {
		z--
	}
	return int(r-z) % 10
}

// normText is a normalised copy of a text with its offset map.
type normText struct {
	orig string
	b    []byte
	src  []int
}

var normPool = sync.Pool{New: func() any { return &normText{} }}

func getNorm(s string) *normText {
	n := normPool.Get().(*normText)
	n.normalise(s)
	return n
}

func putNorm(n *normText) {
	if cap(n.b) > 1<<20 {
		return // don't keep huge buffers around
	}
	n.orig = ""
	normPool.Put(n)
}

// normalise fills n from s. Both passes are linear; ASCII costs one table
// lookup per byte.
func (n *normText) normalise(s string) {
	initFold()
	n.orig = s
	if cap(n.b) < len(s)+8 {
		n.b = make([]byte, 0, len(s)+len(s)/4+8)
		n.src = make([]int, 0, cap(n.b))
	}
	b, src := n.b[:0], n.src[:0]
	var last byte // last byte appended to b (0 = none yet)
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			m := asciiMap[c]
			i++
			if m == last && (m == ' ' || squeezable(b, m)) {
				continue
			}
			b = append(b, m)
			src = append(src, i-1)
			last = m
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		var out string
		switch {
		case r == utf8.RuneError && size == 1:
			out = " "
		case r < foldTabMax:
			e := foldTab[r]
			out = bytesToStr(foldPool[e>>8 : e>>8+e&0xff])
		case r >= 0xFF00 && r < 0xFFF0:
			e := fullTab[r-0xFF00]
			out = bytesToStr(foldPool[e>>8 : e>>8+e&0xff])
		default:
			out = foldRune(r)
		}
		for k := 0; k < len(out); k++ {
			ob := out[k]
			if ob == last && (ob == ' ' || squeezable(b, ob)) {
				continue
			}
			b = append(b, ob)
			src = append(src, i)
			last = ob
		}
		i += size
	}
	n.b, n.src = deobfuscate(b, src)
}

// squeezable: a letter equal to the last one of b is dropped, except w
// ("www.") and a run right after a digit (UK postcode "1AA").
func squeezable(b []byte, c byte) bool {
	return c >= 'a' && c <= 'z' && c != 'w' && !(len(b) >= 2 && isDigit(b[len(b)-2])) && disabledFolds&foldSqueeze == 0
}

// Folds that TestFoldCost switches off one at a time to measure what each
// costs in false positives (always 0 outside that test).
const (
	foldSpelled uint8 = 1 << iota
	foldLeet
	foldGlue
	foldSqueeze
)

var disabledFolds uint8

// leet maps a digit or symbol written for a letter inside a word.
var leet = [256]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '$': 's', '|': 'l', '!': 'i', '@': 'a'}

// postcodeNext: the word after the one around b[i] starts with a digit
// ("SW1A 1AA": the outward code of a UK postcode is no obfuscated word).
func postcodeNext(b []byte, i int) bool {
	k := i
	for k < len(b) && k-i < 32 && isWord[b[k]] {
		k++
	}
	return k+1 < len(b) && b[k] == ' ' && isDigit(b[k+1])
}

// domainAfter: the word from b[i] goes on to a dot and more letters (an
// e-mail's domain), within 64 bytes.
func domainAfter(b []byte, i int) bool {
	for k := i; k < len(b) && k-i < 64; k++ {
		switch {
		case b[k] == '.' || b[k] == '-' || b[k] == '_':
			if b[k] == '.' && k+1 < len(b) && isLetter(b[k+1]) {
				return true
			}
		case !isWord[b[k]]:
			return false
		}
	}
	return false
}

// deobTrig: bytes where deobfuscate may have something to do.
var deobTrig = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for _, c := range "013457$|!_*@" {
		t[c] = true
	}
	return t
}()

// deobPass: the bytes deobfuscate copies as they are, [0] at a word start
// or outside a word, [1] after a word byte (a lower-case letter inside a
// word starts nothing).
var deobPass = func() (p [2][256]bool) {
	for c := range 256 {
		p[0][c] = !deobTrig[c]
		p[1][c] = !deobTrig[c] || c >= 'a' && c <= 'z'
	}
	return
}()

// spelled: separators that may spell a word letter by letter.
var spelled = [256]bool{'.': true, '-': true, ' ': true, '_': true, '*': true, '/': true, '+': true}

// deobfuscate undoes, in place, what someone does to a word to slip it
// past a word list: letters spelt one by one with the same separator
// (three or more letters; four or more with spaces, where single-letter
// words are common), a digit or symbol standing for a letter inside a
// word of three or more other letters (three if no number follows: "p1mp" but not "SW1A 1AA"), "@" for
// "a" between letters unless a domain follows (an e-mail address), and "_" or "*" glued between letters.
// Digits next to other digits are never touched (times, numbers, phones).
// It is linear: each byte is read a bounded number of times.
// lettersFrom counts the letters of the run that starts at k.
func lettersFrom(b []byte, k int) int {
	n := 0
	for k+n < len(b) && isLetter(b[k+n]) {
		n++
	}
	return n
}

func deobfuscate(b []byte, src []int) ([]byte, []int) {
	L := len(b)
	w := 0
	changed := false
	letter := func(k int) bool { return k >= 0 && k < L && isLetter(b[k]) }
	word := func(k int) bool { return k >= 0 && k < L && isWord[b[k]] }
	put := func(c byte, k int) {
		changed = true
		if w > 0 && c >= 'a' && c <= 'z' && b[w-1] == c && w-1 < k {
			return // squeezing again: "p.o.o.l" -> "pol"
		}
		b[w], src[w] = c, src[k]
		w++
	}
	for i := 0; i < L; {
		c := b[i]
		// Fast path: most bytes are letters inside a word, spaces and
		// punctuation that start nothing.
		after := 0 // 1: the byte before is a word byte
		if i > 0 && isWord[b[i-1]] {
			after = 1
		}
		if deobPass[after][c] {
			if w != i {
				b[w], src[w] = c, src[i]
			}
			w++
			i++
			continue
		}
		// Letters spelt one by one: x.y.z, x y z w.
		if isLetter(c) && !word(i-1) && i+2 < L && spelled[b[i+1]] && letter(i+2) && !word(i+3) && disabledFolds&foldSpelled == 0 {
			sep := b[i+1]
			j, n := i, 1
			for j+2 < L && b[j+1] == sep && letter(j+2) && !word(j+3) {
				j += 2
				n++
			}
			if n >= 3 && (sep != ' ' || n >= 4) {
				for k := i; k <= j; k += 2 {
					put(b[k], k)
				}
				i = j + 1
				continue
			}
		}
		// One letter cut off by a dot: "q.uestura", "p.olicia" (five
		// letters or more follow, so "a.m." and "x.la" stay).
		if isLetter(c) && !word(i-1) && i+6 < L && b[i+1] == '.' && disabledFolds&foldSpelled == 0 && lettersFrom(b, i+2) >= 5 {
			put(c, i)
			i += 2
			continue
		}
		if m := leet[c]; m != 0 && i > 0 && i+1 < L && disabledFolds&foldLeet == 0 {
			isNum := c >= '0' && c <= '9'
			switch {
			case c == '@' && (letter(i-1) && letter(i+1) && !domainAfter(b, i+1)):
				// "tr@tante"; an e-mail address keeps its @ (a dot
				// follows in its word).
				put(m, i)
				i++
				continue
			case !isNum && c != '@' && letter(i-1) && letter(i+1):
				put(m, i)
				i++
				continue
			case isNum && !(i > 0 && isDigit(b[i-1])) && !isDigit(b[i+1]) && (letter(i-1) || letter(i+1)) && (lettersAround(b, i) >= 4 || lettersAround(b, i) == 3 && !postcodeNext(b, i)):
				put(m, i)
				i++
				continue
			}
		}
		if (c == '_' || c == '*') && letter(i-1) && letter(i+1) && disabledFolds&foldGlue == 0 {
			changed = true
			i++
			continue
		}
		b[w], src[w] = c, src[i]
		w++
		i++
	}
	b, src = b[:w], src[:w]
	if changed {
		// Letters that became neighbours ("tr4ff1ck3r" -> "traffick...")
		// are folded as in the first pass.
		w = 0
		for i := range b {
			if w > 0 && b[i] == b[w-1] && squeezable(b[:w], b[i]) {
				continue
			}
			b[w], src[w] = b[i], src[i]
			w++
		}
		b, src = b[:w], src[:w]
	}
	return b, src
}

// lettersAround counts the letters of the word around b[i] (at most 32
// bytes each way); a word with another digit next to a digit is no word.
func lettersAround(b []byte, i int) int {
	n := 0
	for k := i - 1; k >= 0 && i-k <= 32 && isWord[b[k]]; k-- {
		if isLetter(b[k]) {
			n++
		}
	}
	for k := i + 1; k < len(b) && k-i <= 32 && isWord[b[k]]; k++ {
		if isLetter(b[k]) {
			n++
		}
	}
	return n
}

// origStart is the original offset of normalised byte i.
func (n *normText) origStart(i int) int { return n.src[i] }

// origEnd is the original offset just after the rune that produced
// normalised byte j-1, extended over combining marks that follow it (they
// belong to the same letter) and over the repeats of that letter that
// normalisation folded into it ("CeGIDD" ends after both D).
func (n *normText) origEnd(j int) int {
	p := n.src[j-1]
	last := n.b[j-1]
	_, size := utf8.DecodeRuneInString(n.orig[p:])
	p += size
	for p < len(n.orig) {
		r, sz := utf8.DecodeRuneInString(n.orig[p:])
		switch {
		case r >= 0x300 && (unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r)):
		case isLetter(last) && r < 0x80 && asciiMap[r] == last:
		case isLetter(last) && r >= 0x80 && foldRune(r) == string(last):
		default:
			return p
		}
		p += sz
	}
	return p
}

// upperAt reports whether the original rune that produced normalised byte
// i is an upper-case letter.
func (n *normText) upperAt(i int) bool {
	if c := n.orig[n.src[i]]; c < utf8.RuneSelf {
		return c >= 'A' && c <= 'Z' // unicode.IsUpper of an ASCII letter; no ASCII rune is a title case
	}
	r, _ := utf8.DecodeRuneInString(n.orig[n.src[i]:])
	return unicode.IsUpper(r) || unicode.IsTitle(r)
}

// normalizeString returns the normalised form of s (for lexicon terms).
func normalizeString(s string) string {
	var n normText
	n.normalise(s)
	return string(n.b)
}
