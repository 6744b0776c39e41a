package templates

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// The vocabulary policy: an allow-list instead of a deny-list. A lexicon
// cannot know every sensitive word (local services, circumlocutions,
// acronyms); an allow-list of everyday, harmless words can say what may
// go. Under ScanOptions.Vocabulary every word of the text that is not in
// her language's vocabulary (vocabulary/LANG.txt, plus the deployment's
// words), not a number written as a time, a date or an ordinal, and not
// inside a known name (a registered meeting point, a name staff
// confirmed) is a finding of CategoryNotInVocabulary. The lexicon and the
// scanners still run: a vocabulary word inside a phrase the lexicon
// knows is removed with the phrase.
//
// The vocabulary is stemmed with the lexicon's stemmers (stem.go), so the
// inflections of an allowed word pass ("quedar" lets "quedamos" through).
// A vocabulary word that the lexicon would match on its own, as written or
// by its stem in that language, is a contradiction: the filter refuses to
// build (NewFilterFrom returns CodeInvalidTerms naming the file and line,
// never the word), so serve and sanitize refuse to start.
//
// A name passes only as a known name (ScanOptions.KnownNames: the
// registered meeting points and the names staff confirmed for this
// message), wherever it stands. No place in the text makes a word safe:
// after a greeting, in an introduction or as a signature a capitalised
// word may as well be an organisation ("Hi Barnardos"), a job title ("Hi
// Nurse"), a place ("See you Monday. Lagos") or the madam ("Mama?", "ok
// mama,"); staff confirm a name in the preview, or rephrase. In those
// places a capitalised word is taken for a name even when it is a
// vocabulary word ("Hi Joy", "Hola Genera"): it passes only if known
// (nameSlot).
//
// The lists were grown from frequency lists of spoken language, read by
// hand and filtered by rule; each file's header names its source and the
// rules.
//
// A text in a language without a vocabulary has no allowed words: under
// the policy, everything in it is not in the vocabulary.

//go:embed vocabulary/*.txt
var vocabularyFS embed.FS

// vocabulary is the compiled allow-list of one filter.
type vocabulary struct {
	words []map[string]bool // per stemLangs index: normalised forms
	stems []map[string]bool // per stemLangs index: their stems
	n     int               // words read (built-in and deployment)
}

// vocabEntry is one word of a vocabulary file.
type vocabEntry struct {
	file string
	line int
	lang uint8 // langAny: a deployment word, of every language
	word string
}

// parseVocabulary reads a vocabulary file: one word per line (a hyphen or
// an apostrophe may join its parts: "après-midi", "d'accord"), # comments.
func parseVocabulary(name string, lang uint8, data []byte) ([]vocabEntry, error) {
	var out []vocabEntry
	for i, line := range strings.Split(string(data), "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.ContainsFunc(line, unicode.IsSpace) {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("%s:%d: one word per line", name, i+1))
		}
		if len(vocabTokens(line)) == 0 || len(line) > maxTermBytes {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("%s:%d: not a word", name, i+1))
		}
		out = append(out, vocabEntry{file: name, line: i + 1, lang: lang, word: line})
	}
	return out, nil
}

// vocabTokens splits a vocabulary word the way the scan splits text:
// the normalised form of each part, and each part as written.
func vocabTokens(w string) [][2]string {
	normed, orig := termWords(w)
	out := make([][2]string, 0, len(normed))
	for i := range normed {
		out = append(out, [2]string{normed[i], orig[i]})
	}
	return out
}

var (
	builtinVocabOnce sync.Once
	builtinVocab     []vocabEntry
	builtinVocabErr  error
)

// builtinVocabulary returns the words of vocabulary/*.txt.
func builtinVocabulary() ([]vocabEntry, error) {
	builtinVocabOnce.Do(func() {
		names, err := fs.Glob(vocabularyFS, "vocabulary/*.txt")
		if err != nil {
			builtinVocabErr = err
			return
		}
		sort.Strings(names)
		for _, name := range names {
			l := langIndex(strings.TrimSuffix(strings.TrimPrefix(name, "vocabulary/"), ".txt"))
			if l == langAny {
				builtinVocabErr = fmt.Errorf("%s: not a shipped language", name)
				return
			}
			data, err := vocabularyFS.ReadFile(name)
			if err != nil {
				builtinVocabErr = err
				return
			}
			es, err := parseVocabulary(name, l, data)
			if err != nil {
				builtinVocabErr = err
				return
			}
			builtinVocab = append(builtinVocab, es...)
		}
	})
	return builtinVocab, builtinVocabErr
}

// VocabularyWords returns how many words the filter's vocabulary holds
// (0: the filter was built without one).
func (f *Filter) VocabularyWords() int {
	if f.vocab == nil {
		return 0
	}
	return f.vocab.n
}

// vocabCollision is a vocabulary word the lexicon would match on its own.
type vocabCollision struct {
	vocabEntry
	lang string // the language it collides in
}

// lexiconWords are the lexicon's single-word terms, as the scan matches
// them: exact forms (any language), prefixes ("psicolog*") and, per
// language, the stems of its stemmed words.
type lexiconWords struct {
	exact    map[string]bool
	prefixes []string
	stems    []map[string]bool
}

func (f *Filter) lexiconWords(extra []Term) (*lexiconWords, error) {
	base, err := BuiltinTerms()
	if err != nil {
		return nil, err
	}
	lw := &lexiconWords{exact: map[string]bool{}, stems: make([]map[string]bool, len(stemLangs))}
	for l := range lw.stems {
		lw.stems[l] = map[string]bool{}
	}
	for _, t := range append(append([]Term(nil), base...), extra...) {
		text := strings.TrimPrefix(strings.TrimSpace(t.Text), "=")
		prefix := strings.HasSuffix(text, "*")
		normed, _ := termWords(strings.TrimSuffix(text, "*"))
		if len(normed) != 1 {
			continue
		}
		if prefix {
			lw.prefixes = append(lw.prefixes, normed[0])
		} else {
			lw.exact[normed[0]] = true
		}
	}
	for _, sp := range f.seqs {
		if len(sp.words) != 1 || sp.lang == langAny {
			continue
		}
		lw.exact[sp.words[0].exact] = true
		for _, s := range sp.words[0].stems {
			lw.stems[sp.lang][s] = true
		}
	}
	return lw, nil
}

// matches: would the lexicon match the token (normalised tok, as written
// orig) on its own in language l?
func (lw *lexiconWords) matches(l uint8, tok, orig string) bool {
	if lw.exact[tok] {
		return true
	}
	for _, p := range lw.prefixes {
		if strings.HasPrefix(tok, p) {
			return true
		}
	}
	if len(tok) < minStem || hasDigit(tok) {
		return false
	}
	for _, s := range stemVariants(l, origWord(orig), tok, nil) {
		if lw.stems[l][s] {
			return true
		}
	}
	return false
}

// buildVocabulary compiles the built-in vocabulary plus the deployment's
// words (every language) for f, whose lexicon is the built-in one plus
// extra. It returns the words that collide with the lexicon, if any.
func buildVocabulary(f *Filter, extra []Term, deployment []vocabEntry) (*vocabulary, []vocabCollision, error) {
	base, err := builtinVocabulary()
	if err != nil {
		return nil, nil, err
	}
	lw, err := f.lexiconWords(extra)
	if err != nil {
		return nil, nil, err
	}
	v := &vocabulary{words: make([]map[string]bool, len(stemLangs)), stems: make([]map[string]bool, len(stemLangs))}
	for l := range stemLangs {
		v.words[l], v.stems[l] = map[string]bool{}, map[string]bool{}
	}
	var bad []vocabCollision
	env := sbEnv()
	for _, e := range append(append([]vocabEntry(nil), base...), deployment...) {
		v.n++
		langs := []uint8{e.lang}
		if e.lang == langAny {
			langs = langs[:0]
			for l := range stemLangs {
				langs = append(langs, uint8(l))
			}
		}
		for _, l := range langs {
			for _, tk := range vocabTokens(e.word) {
				if lw.matches(l, tk[0], tk[1]) {
					bad = append(bad, vocabCollision{vocabEntry: e, lang: stemLangs[l]})
					continue
				}
				v.words[l][tk[0]] = true
				if len(tk[0]) >= minStem && !hasDigit(tk[0]) {
					for _, s := range stemVariants(l, origWord(tk[1]), tk[0], env) {
						v.stems[l][s] = true
					}
				}
			}
		}
	}
	return v, bad, nil
}

// withVocabulary gives f its vocabulary, or fails naming the first
// colliding word's file and line (never the word: a deployment's terms
// may be names).
func (f *Filter) withVocabulary(extra []Term, file string, words []string) error {
	var dep []vocabEntry
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return newErr(CodeInvalidTerms, "", fmt.Sprintf("vocabulary file: %v", err))
		}
		es, err := parseVocabulary(file, langAny, data)
		if err != nil {
			return err
		}
		dep = append(dep, es...)
	}
	for i, w := range words {
		es, err := parseVocabulary(fmt.Sprintf("vocabulary word %d", i+1), langAny, []byte(w))
		if err != nil {
			return err
		}
		dep = append(dep, es...)
	}
	v, bad, err := buildVocabulary(f, extra, dep)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return newErr(CodeInvalidTerms, "", fmt.Sprintf("%s:%d: a vocabulary word the lexicon matches on its own (by its %s stem or as written; %d such words): remove it from the vocabulary, or the term from the terms file",
			bad[0].file, bad[0].line, bad[0].lang, len(bad)))
	}
	f.vocab = v
	return nil
}

// vocabNumber: a token of digits that reads as a time, a date or an
// ordinal ("10", "2026", "10h", "18h30", "9am", "1st", "2º"). Longer runs
// of digits (phones, postcodes) are not.
func vocabNumber(tok string) bool {
	d := 0
	for d < len(tok) && isDigit(tok[d]) {
		d++
	}
	if d == 0 {
		return false
	}
	if d == len(tok) {
		return d <= 4
	}
	if d > 2 {
		return false
	}
	rest := tok[d:]
	if rest[0] == 'h' && len(rest) == 3 && isDigit(rest[1]) && isDigit(rest[2]) {
		return true // 18h30
	}
	return numberSuffixes[rest]
}

var numberSuffixes = wordSet(`h hs hrs am pm min mins st nd rd th er eme e o a r n ra ro na no ta to mo ma lea`)

// notInVocabulary adds a finding for each run of words that are not in
// her language's vocabulary, outside what the other scanners found and
// outside the known names.
func (sc *scanState) notInVocabulary() {
	n := sc.n
	t := n.b
	L := len(t)
	var words, stems map[string]bool
	if v := sc.f.vocab; v != nil && sc.lang != langAny {
		words, stems = v.words[sc.lang], v.stems[sc.lang]
	}
	known := sc.knownSpans()
	// The other scanners' candidates, by start; the runs found here are
	// appended after them and never looked at by covered. The ones inside
	// a stop phrase ("metro ^", "court #") are dropped first: resolve
	// would drop them anyway, and a word they covered must still be
	// checked against the vocabulary ("metro Fiscalía").
	if !slices.IsSortedFunc(sc.cands, byStart) {
		sortByStart(sc.cands)
	}
	sc.dropStopped()
	prior := sc.cands[:len(sc.cands):len(sc.cands)]
	j, maxEnd := 0, int32(-1)
	covered := func(s, e int) bool {
		for j < len(prior) && int(prior[j].s) < e {
			if prior[j].e > maxEnd {
				maxEnd = prior[j].e
			}
			j++
		}
		if int(maxEnd) > s {
			return true
		}
		for _, k := range known {
			if k[0] <= s && e <= k[1] {
				return true
			}
		}
		return false
	}
	runS, runE := -1, -1
	flush := func() {
		if runS >= 0 {
			sc.add(runS, runE, catNotInVocab)
		}
		runS, runE = -1, -1
	}
	for i := 0; i < L; {
		if !isWord[t[i]] {
			if t[i] != ' ' {
				flush()
			}
			i++
			continue
		}
		s := i
		for i < L && isWord[t[i]] {
			i++
		}
		if covered(s, i) || !sc.nameSlot(s, i) && sc.inVocabulary(words, stems, s, i) {
			flush()
			continue
		}
		if runS < 0 {
			runS = s
		}
		runE = i
	}
	flush()
}

// inVocabulary: is the token [s,e) allowed?
func (sc *scanState) inVocabulary(words, stems map[string]bool, s, e int) bool {
	tok := bytesToStr(sc.n.b[s:e])
	if vocabNumber(tok) || words[tok] || tok == "h" && sc.hourMark(s, e) {
		return true
	}
	if len(stems) == 0 || e-s < minStem || e-s > maxStemToken {
		return false
	}
	n := sc.n
	raw := n.orig[n.origStart(s):n.origEnd(e)]
	ck := stemKey{lang: sc.lang, norm: tok, orig: raw}
	vs, ok := sc.f.cache.get(ck)
	if !ok {
		vs = stemVariants(sc.lang, origWord(raw), tok, sc.env)
		sc.f.cache.put(ck, vs)
	}
	for _, x := range vs {
		if stems[x] {
			return true
		}
	}
	return false
}

// hourMark: the "h" at [s,e) marks an hour, a number of one or two
// digits next to it after one space ("h 11", "11 h"). Alone it is no
// everyday word ("H" is heroin).
func (sc *scanState) hourMark(s, e int) bool {
	t := sc.n.b
	hour := func(a, b int) bool {
		return b > a && b-a <= 2 && isDigit(t[a]) && isDigit(t[b-1])
	}
	if e+1 < len(t) && t[e] == ' ' {
		k := e + 1
		for k < len(t) && isWord[t[k]] {
			k++
		}
		if hour(e+1, k) {
			return true
		}
	}
	if s >= 2 && t[s-1] == ' ' {
		k := s - 1
		for k > 0 && isWord[t[k-1]] {
			k--
		}
		if hour(k, s-1) {
			return true
		}
	}
	return false
}

// nameSlot: the word [s,e) is capitalised where a name stands: after a
// greeting ("Hola Luz"), as the sender presents herself ("soy Luz"), as a
// cover name ("save me as Rose") or as the signature after a closing
// ("Besos, Luz"). There it is a name even when it is also a vocabulary
// word, or shares a vocabulary word's stem ("Hola Genera": "gener"), and
// passes only as a known name. Greeting and closing words themselves
// ("Hola Buenos días", "Thanks, Bye") are not names.
func (sc *scanState) nameSlot(s, e int) bool {
	t := sc.n.b
	if !isLetter(t[s]) && t[s] < 0x80 || !sc.n.upperAt(s) || nameSlotWords[bytesToStr(t[s:e])] || sc.pronounI(s, e) {
		return false
	}
	return sc.cueBefore(s) && (sc.addressCue(s, e) || sc.introCue(s) || sc.coverNameCue(s))
}

// nameSlotWords are the greeting and closing words, which follow one
// another without being names.
var nameSlotWords = func() map[string]bool {
	m := map[string]bool{}
	for _, set := range []map[string]bool{cueWords, greetingHeads, greetingTails, closingWords} {
		for w := range set {
			m[w] = true
		}
	}
	for w := range normWordSet(`bye goodbye adiós adios adeu adéu ciao tchau chao pa`) {
		m[w] = true
	}
	return m
}()

// pronounI: the word [s,e) is the English pronoun "I", a word following
// it ("Hi, I'm at the café", "Hi Ola, I've put your name down"). An "I"
// alone ("Love, I") may be an initial, and an abbreviated weekday a given
// name ("Thu"), so neither is exempt; nor is an "I" in another language.
func (sc *scanState) pronounI(s, e int) bool {
	t := sc.n.b
	if sc.lang != langEn || e-s != 1 || t[s] != 'i' || e+1 >= len(t) || t[e] != ' ' && t[e] != '\'' {
		return false
	}
	return isLetter(t[e+1])
}
