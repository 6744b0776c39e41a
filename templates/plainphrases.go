package templates

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	sb "github.com/blevesearch/snowballstem"
)

// Risky everyday phrases of the plain policy. The plain policy sends a
// text only if every word of it is in her vocabulary, and the vocabulary
// keeps everyday words: "come", "with", "us", "tonight", "know" are each
// harmless, and cannot be taken out without refusing most texts. Put
// together they offer to take her away or hide her ("come with us
// tonight", "we'll pick you up", "you can stay with us", "pack your
// things") or ask her to hide something from him ("don't tell him",
// "delete this message", "he won't know") or give her a cover story ("if
// he asks where you're going, say it's the class", "tell him it's your
// cousin", "save my number as Ana") or say in everyday words what was
// done to her ("you're not obliged to pay back the 8k", "they lied to you
// about the job", "the man who drives you about at night"): a reader of
// her phone learns what is being arranged or what she has told. Under ScanOptions.Plain each such phrase is a
// finding of CategoryRiskyPhrase, so the text is refused and staff see
// which words to rephrase.
//
// The phrases are in vocabulary/phrases/LANG.txt, one a line. A phrase
// is a sequence of slots separated by spaces; a slot is a word or
// alternatives "a|b|c". A word matches a word of the text written the
// same (case and accents ignored) or sharing its stem in her language,
// so the inflections match ("veniamo" and "venite" for "venire"); a word
// ending in "*" matches every word beginning with it, a word starting
// with "=" only the words written so (case and accents ignored): its stem
// may be an everyday word's ("marcas", marks on her body, and "março"),
// a word written in double quotes ("\"boyfriend\"") only a word of the text
// written between quotation marks: the scare quotes of a "boyfriend" who
// is not one, not "your boyfriend? how nice".
// A single word is a phrase too: a word of the class whose stem the
// vocabulary keeps for another word. A word the stemmer
// splits ("dis-lui", "won't") is its parts, next to one another. "~"
// between two slots lets up to riskyGap other words stand between them
// ("we'll come and pick u up"), "~~" up to riskyWideGap within a
// sentence (no "?", "!", full stop or line break between). A slot
// "!a|b" takes no word: the next word (if any) must start none of its
// alternatives ("you were in !my-thoughts ~~ ok": not "you were in my
// thoughts today, hope ur ok"). A "$" after the last slot: its word ends
// its sentence or the text, as the "ok?" that closes an answer ("you were
// at the shop all afternoon, got it?", not "you went to the doctor, ok
// good"); before such a slot "~~" lets up to riskyTagGap words stand and
// the slot may be a sentence of its own after a full stop, "!" or a line
// break ("you were at the market. ok?"), not after a question ("you went
// to the doctor? ok."). A full stop after an abbreviation ("Dr.") or an
// initial ends no sentence.
// Punctuation between the words of a phrase does not break it otherwise
// ("come... with us", "Come. With. Us."): a phrase read across two
// sentences is refused too, as a rewrite costs less than a phrase sent.

//go:embed vocabulary/phrases/*.txt
var riskyFS embed.FS

// riskyGap is how many other words "~" lets stand between two slots,
// riskyWideGap how many "~~" lets, riskyTagGap how many "~~" lets before a
// last slot that ends its sentence (the "ok?" closing an answer: "you were
// at the market with me and your sister all afternoon, ok?").
const (
	riskyGap     = 3
	riskyWideGap = 6
	riskyTagGap  = 10
)

// riskyTok is one word of a phrase: its normalised form and its stems
// (prefix: match every word beginning with norm).
type riskyTok struct {
	norm   string
	stems  []string
	prefix bool
	quoted bool // the text word must stand between quotation marks
}

// riskySlot is one slot: alternatives, each a run of words.
type riskySlot struct {
	alts [][]riskyTok
	gap  int  // how many other words may come before the slot
	not  bool // takes no word: the next word starts none of the alternatives
	end  bool // the slot's last word ends its sentence (or the text)
}

type riskyPhrase []riskySlot

var (
	riskyOnce sync.Once
	riskyByL  [][]riskyPhrase // per stemLangs index
	riskyIdx  []riskyIndex    // per stemLangs index
	riskyErr  error
)

// riskyIndex finds the phrases of a language that may start at a word:
// those whose first slot has an alternative beginning with the word as
// written, with one of its stems, or with a prefix (few, tried at every
// word).
type riskyIndex struct {
	phrases  []riskyPhrase
	byNorm   map[string][]int32
	byStem   map[string][]int32
	prefixed []int32
	// stemHeads: the first riskyHead bytes of every stem of every
	// phrase word. A stem changes a word's ending, not its first letters,
	// so a text word whose first letters are none of these cannot share a
	// stem with a phrase word and is not stemmed: most words of a text,
	// in each of the seven languages.
	stemHeads map[string]bool
}

// riskyHead is how many first bytes of a stem stemHeads keeps.
const riskyHead = 3

// builtinRiskyPhrases returns the compiled phrases of every shipped
// language, or the error of loadRiskyPhrases.
func builtinRiskyPhrases() ([][]riskyPhrase, error) {
	riskyOnce.Do(func() {
		riskyByL, riskyErr = loadRiskyPhrases(riskyFS)
		if riskyErr == nil {
			riskyIdx = make([]riskyIndex, len(riskyByL))
			for l, ps := range riskyByL {
				riskyIdx[l] = newRiskyIndex(ps)
			}
		}
	})
	return riskyByL, riskyErr
}

// newRiskyIndex indexes the phrases ps by their first words.
func newRiskyIndex(ps []riskyPhrase) riskyIndex {
	x := riskyIndex{phrases: ps, byNorm: map[string][]int32{}, byStem: map[string][]int32{}, stemHeads: map[string]bool{}}
	for _, p := range ps {
		for _, slot := range p {
			for _, run := range slot.alts {
				for _, rt := range run {
					for _, st := range rt.stems {
						x.stemHeads[st[:min(len(st), riskyHead)]] = true
					}
				}
			}
		}
	}
	add := func(m map[string][]int32, key string, i int32) {
		if l := m[key]; len(l) == 0 || l[len(l)-1] != i {
			m[key] = append(l, i)
		}
	}
	for i, p := range ps {
		pi := int32(i)
		prefixed := false
		for _, run := range p[0].alts {
			rt := run[0]
			if rt.prefix {
				prefixed = true
				continue
			}
			add(x.byNorm, rt.norm, pi)
			for _, st := range rt.stems {
				add(x.byStem, st, pi)
			}
		}
		if prefixed {
			x.prefixed = append(x.prefixed, pi)
		}
	}
	return x
}

// loadRiskyPhrases compiles vocabulary/phrases/LANG.txt of fsys for each
// shipped language. A language without its file, or a file:line that
// does not parse, is an error naming it: the plain policy must never scan
// a language with no phrases.
func loadRiskyPhrases(fsys fs.FS) ([][]riskyPhrase, error) {
	byL := make([][]riskyPhrase, len(stemLangs))
	env := sbEnv()
	for l, lang := range stemLangs {
		name := "vocabulary/phrases/" + lang + ".txt"
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		ps, err := parseRiskyPhrases(name, uint8(l), data, env)
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 {
			return nil, fmt.Errorf("%s: no phrases", name)
		}
		byL[l] = ps
	}
	return byL, nil
}

// checkRiskyPhrases turns an error of the built-in phrase lists into the
// filter's: no filter builds without them, as every filter may scan
// under the plain policy.
func checkRiskyPhrases(err error) error {
	if err == nil {
		return nil
	}
	return newErr(CodeInvalidTerms, "", fmt.Sprintf("risky phrases: %v", err))
}

// parseRiskyPhrases reads one phrases file of language l.
func parseRiskyPhrases(name string, l uint8, data []byte, env *sb.Env) ([]riskyPhrase, error) {
	var out []riskyPhrase
	for i, line := range strings.Split(string(data), "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		var p riskyPhrase
		gap, mark := 0, ""
		for _, f := range strings.Fields(line) {
			if f == "$" {
				if len(p) == 0 || gap > 0 || p[len(p)-1].not || p[len(p)-1].end {
					return nil, fmt.Errorf("%s:%d: \"$\" must follow a word", name, i+1)
				}
				p[len(p)-1].end = true
				continue
			}
			if len(p) > 0 && p[len(p)-1].end {
				return nil, fmt.Errorf("%s:%d: \"$\" must end the phrase", name, i+1)
			}
			if f == "~" || f == "~~" {
				if len(p) == 0 || gap > 0 {
					return nil, fmt.Errorf("%s:%d: %q must stand between two words", name, i+1, f)
				}
				gap, mark = riskyGap, f
				if f == "~~" {
					gap = riskyWideGap
				}
				continue
			}
			slot := riskySlot{gap: gap}
			if strings.HasPrefix(f, "!") {
				if len(p) == 0 || gap > 0 {
					return nil, fmt.Errorf("%s:%d: %q must follow a word directly", name, i+1, f)
				}
				slot.not, f = true, f[1:]
			}
			gap = 0
			var written []string
			for _, alt := range strings.Split(f, "|") {
				quoted := len(alt) > 2 && alt[0] == '"' && alt[len(alt)-1] == '"'
				w := alt
				if quoted {
					w = alt[1 : len(alt)-1]
				}
				prefix, exact := strings.HasSuffix(w, "*"), strings.HasPrefix(w, "=")
				normed, orig := termWords(strings.TrimPrefix(strings.TrimSuffix(w, "*"), "="))
				if len(normed) == 0 || prefix && len(normed) != 1 || quoted && len(normed) != 1 {
					return nil, fmt.Errorf("%s:%d: %q is not a word", name, i+1, alt)
				}
				var run []riskyTok
				for k := range normed {
					t := riskyTok{norm: normed[k], prefix: prefix, quoted: quoted}
					if !prefix && !exact && len(normed[k]) >= minStem && !hasDigit(normed[k]) {
						t.stems = stemVariants(l, origWord(orig[k]), normed[k], env)
					}
					run = append(run, t)
				}
				if slices.ContainsFunc(written, func(w string) bool { return strings.EqualFold(w, alt) }) {
					return nil, fmt.Errorf("%s:%d: %q twice in a slot", name, i+1, alt)
				}
				written = append(written, alt)
				if slices.ContainsFunc(slot.alts, func(x []riskyTok) bool { return sameRun(x, run) }) {
					continue // written with and without its accents: one alternative
				}
				slot.alts = append(slot.alts, run)
			}
			p = append(p, slot)
		}
		if gap > 0 {
			return nil, fmt.Errorf("%s:%d: %q must stand between two words", name, i+1, mark)
		}
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	return out, nil
}

// sameRun: the two alternatives match the same words.
func sameRun(a, b []riskyTok) bool {
	return slices.EqualFunc(a, b, func(x, y riskyTok) bool {
		return x.norm == y.norm && x.prefix == y.prefix && x.quoted == y.quoted && slices.Equal(x.stems, y.stems)
	})
}

// riskyTextTok is a word of the scanned text: its bytes [s,e) of the
// normalised text and its stems (computed when first needed).
type riskyTextTok struct {
	s, e    int
	stems   []string
	stemmed bool
}

// riskyPhrases adds a finding of catRiskyPhrase for each risky phrase in
// the text, of every shipped language: her language on record is not
// always the language staff write in ("Hi, come with us tonight, ok?" to
// a Spanish speaker), and a language the lists do not ship (langAny)
// still gets texts in the shipped ones. Each language's phrases match
// with that language's stems.
func (sc *scanState) riskyPhrases() {
	all, err := builtinRiskyPhrases()
	if err != nil {
		return // lists that do not load stop every filter from being built
	}
	t := sc.n.b
	toks := sc.riskyToks[:0]
	for i := 0; i < len(t); {
		if !isWord[t[i]] {
			i++
			continue
		}
		s := i
		for i < len(t) && isWord[t[i]] {
			i++
		}
		toks = append(toks, riskyTextTok{s: s, e: i})
	}
	sc.riskyToks = toks
	for l := range all {
		if len(all[l]) == 0 {
			continue
		}
		for k := range toks {
			toks[k].stems, toks[k].stemmed = nil, false
		}
		sc.riskyLang = uint8(l)
		sc.riskyPhrasesOf(toks)
	}
}

// riskyPhrasesOf adds the findings of the phrases of language
// sc.riskyLang in the words toks.
func (sc *scanState) riskyPhrasesOf(toks []riskyTextTok) {
	t := sc.n.b
	idx := &riskyIdx[sc.riskyLang]
	// seen: the word+1 a phrase was last tried at.
	seen := slices.Grow(sc.riskySeen[:0], len(idx.phrases))[:len(idx.phrases)]
	clear(seen)
	sc.riskySeen = seen
	for k := range toks {
		try := func(list []int32) {
			for _, pi := range list {
				if seen[pi] == k+1 {
					continue
				}
				seen[pi] = k + 1
				if end := sc.riskyMatch(toks, idx.phrases[pi], k); end > k {
					sc.add(toks[k].s, toks[end-1].e, catRiskyPhrase)
				}
			}
		}
		try(idx.byNorm[bytesToStr(t[toks[k].s:toks[k].e])])
		try(idx.prefixed)
		if tk := &toks[k]; tk.e-tk.s >= minStem && tk.e-tk.s <= maxStemToken {
			for _, st := range sc.riskyStems(tk) {
				try(idx.byStem[st])
			}
		}
	}
}

// riskyMatch: the end (one past the last word) of phrase p matched from
// word k of toks, or -1.
func (sc *scanState) riskyMatch(toks []riskyTextTok, p riskyPhrase, k int) int {
	if len(p) == 0 {
		return k
	}
	slot := p[0]
	for _, run := range slot.alts {
		if !sc.riskyRunAt(toks, run, k) {
			continue
		}
		if slot.not {
			return -1 // the next word starts an excluded alternative
		}
		if end := sc.riskyRest(toks, p, k+len(run)); end >= 0 {
			return end
		}
	}
	if slot.not {
		return sc.riskyRest(toks, p, k) // takes no word
	}
	return -1
}

// riskyRunAt: do the words of run match toks from word k?
func (sc *scanState) riskyRunAt(toks []riskyTextTok, run []riskyTok, k int) bool {
	if k+len(run) > len(toks) {
		return false
	}
	for j, rt := range run {
		if !sc.riskyTokMatch(&toks[k+j], rt) {
			return false
		}
	}
	return true
}

// riskyRest: the end of phrase p whose first slot matched up to word next
// (one past its words), or -1: the slots after it matched after their
// gaps, a last slot of a sentence's end followed by one.
func (sc *scanState) riskyRest(toks []riskyTextTok, p riskyPhrase, next int) int {
	if len(p) == 1 {
		if p[0].end {
			j := next // kisses after it are not more of its sentence: "ok xx"
			for j < len(toks) && sc.riskyBreak(toks, j-1) == 0 && riskyKiss(sc.n.b[toks[j].s:toks[j].e]) {
				j++
			}
			if j < len(toks) && sc.riskyBreak(toks, j-1) == 0 {
				return -1 // "ok" with more of its sentence after it: "ok good"
			}
		}
		return next
	}
	nx := p[1]
	if nx.not {
		return sc.riskyMatch(toks, p[1:], next) // takes no word, stands after no gap
	}
	gap := nx.gap
	if gap == riskyWideGap && len(p) == 2 && nx.end {
		gap = riskyTagGap
	}
	for g := 0; g <= gap && next+g < len(toks); g++ {
		if nx.gap == riskyWideGap && next+g > 0 {
			// "~~" stays within a sentence, but the "ok?" that closes an
			// answer may be a sentence of its own ("market. ok?"), not
			// after a question ("you went to the doctor? ok.").
			if br := sc.riskyBreak(toks, next+g-1); br != 0 {
				if br == riskyStop && len(p) == 2 && nx.end {
					return sc.riskyMatch(toks, p[1:], next+g)
				}
				break
			}
		}
		if end := sc.riskyMatch(toks, p[1:], next+g); end >= 0 {
			return end
		}
	}
	return -1
}

// riskyKiss: is the word a row of kisses ("x", "xx", "xxx")?
func riskyKiss(w []byte) bool {
	return len(w) > 0 && len(bytes.Trim(w, "x")) == 0
}

// Kinds of the break between two words of a text (riskyBreak).
const (
	riskyNoBreak  = iota
	riskyStop     // a full stop, "!" or a line break: the sentence ends
	riskyQuestion // "?": a question ends
)

// riskyBreak: does the text between word i and word i+1 of toks end a
// sentence, and how: a question ("?"), or a statement ("!", a full stop
// before a space not after an abbreviation such as "Dr." or an initial,
// a line break).
func (sc *scanState) riskyBreak(toks []riskyTextTok, i int) int {
	b := sc.n.b
	sep := b[toks[i].e:toks[i+1].s]
	switch {
	case bytes.IndexByte(sep, '?') >= 0:
		return riskyQuestion
	case bytes.IndexByte(sep, '!') >= 0:
		return riskyStop
	case sentenceEnd(sep) && !riskyAbbrev[bytesToStr(b[toks[i].s:toks[i].e])] && toks[i].e-toks[i].s > 1:
		return riskyStop
	}
	for j := toks[i].e; j < toks[i+1].s; j++ {
		if b[j] == ' ' && sc.n.lineBreakAt(j) {
			return riskyStop
		}
	}
	return riskyNoBreak
}

// riskyAbbrev are the abbreviations whose full stop does not end a
// sentence ("you were at Dr. Smith's, ok?"), normalised.
var riskyAbbrev = normWordSet(`dr dra drs mr mrs ms mx st sr sra srta sto sta prof profa dott dottssa
	sig sigra mme mlle av avda nr tel dl dna sf str bd bdul pl pg vs approx`)

// sentenceEnd: does the text between two words end a sentence: "?",
// "!", or a single full stop before a space ("market. ok", not "5.30"
// nor the pause of "market... ok")?
func sentenceEnd(sep []byte) bool {
	if bytes.ContainsAny(sep, "?!") {
		return true
	}
	i := bytes.IndexByte(sep, '.')
	return i >= 0 && i+1 < len(sep) && sep[i+1] == ' ' && (i == 0 || sep[i-1] != '.')
}

// riskyTokMatch: does the text word tk match the phrase word rt?
func (sc *scanState) riskyTokMatch(tk *riskyTextTok, rt riskyTok) bool {
	if rt.quoted && !sc.riskyQuoted(tk) {
		return false
	}
	tok := bytesToStr(sc.n.b[tk.s:tk.e])
	if tok == rt.norm || rt.prefix && strings.HasPrefix(tok, rt.norm) {
		return true
	}
	if len(rt.stems) == 0 || tk.e-tk.s < minStem || tk.e-tk.s > maxStemToken {
		return false
	}
	for _, a := range sc.riskyStems(tk) {
		for _, b := range rt.stems {
			if a == b {
				return true
			}
		}
	}
	return false
}

// riskyQuoted: does the text word tk stand between quotation marks (a
// mark right before it and one right after it in the original text, or
// with a space between as inside French guillemets)?
func (sc *scanState) riskyQuoted(tk *riskyTextTok) bool {
	n := sc.n
	s, e := n.origStart(tk.s), n.origEnd(tk.e)
	before, _ := utf8.DecodeLastRuneInString(strings.TrimRight(n.orig[:s], guilletSpace))
	after, _ := utf8.DecodeRuneInString(strings.TrimLeft(n.orig[e:], guilletSpace))
	return isQuoteMark(before) && isQuoteMark(after)
}

// guilletSpace are the spaces French puts inside guillemets ("« ami »").
const guilletSpace = " \u00a0\u202f"

// isQuoteMark: r is a quotation mark, straight or curly, single or
// double, or a guillemet.
func isQuoteMark(r rune) bool {
	switch r {
	case '"', '\'', '\u201c', '\u201d', '\u201e', '\u201f', '\u00ab', '\u00bb',
		'\u2018', '\u2019', '\u201a', '\u201b', '\u2039', '\u203a', '`':
		return true
	}
	return false
}

// riskyStems: the stems of the text word tk in language sc.riskyLang, computed when first needed
// (and cached per filter).
func (sc *scanState) riskyStems(tk *riskyTextTok) []string {
	if !tk.stemmed {
		tk.stemmed = true
		n := sc.n
		tok := bytesToStr(n.b[tk.s:tk.e])
		if !riskyIdx[sc.riskyLang].stemHeads[tok[:min(len(tok), riskyHead)]] {
			return nil
		}
		raw := n.orig[n.origStart(tk.s):n.origEnd(tk.e)]
		ck := stemKey{lang: sc.riskyLang, norm: tok, orig: raw}
		vs, ok := sc.f.cache.get(ck)
		if !ok {
			vs = stemVariants(sc.riskyLang, origWord(raw), tok, sc.env)
			sc.f.cache.put(ck, vs)
		}
		tk.stems = vs
	}
	return tk.stems
}
