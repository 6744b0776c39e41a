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
// Two kinds of word outside the vocabulary are not findings, by where
// they stand: a first name that names one of the two people writing (after
// a greeting, an introduction, a cover name, or as a one-word signature:
// addressedName), unless a role word or an organisation follows it; and
// "mama", "mami", "mum" addressing her ("ok mama,": addressWord), which
// stay out of the lists because "la mami" is the madam.
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
		slices.SortFunc(sc.cands, byStart)
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
		if covered(s, i) || sc.inVocabulary(words, stems, s, i) || sc.addressedName(words, stems, prior, s, i) || sc.addressWord(s, i) {
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
	if vocabNumber(tok) || words[tok] {
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

// addressedName: the word [s,e) is a first name in the place where it
// names one of the two people writing to each other: after a greeting
// ("Hola Fatou!", "Hi Mercy,"), as the sender presents herself ("soy
// Carmen."), as the cover name for saving staff's number ("save me as
// Becky"), or as a one-word signature ending the text ("Besos, Marta",
// "Parlem aviat. Laia"). Her own name on her own phone says nothing, nor
// does a caseworker's first name alone; a name followed by a role word
// or an organisation ("soy Carmen, la trabajadora social", "Ana de
// Cáritas") still goes: the clause after it must be vocabulary words
// (the next two at most), none of them inside another finding.
func (sc *scanState) addressedName(words, stems map[string]bool, prior []cand, s, e int) bool {
	n := sc.n
	t := n.b
	if !isLetter(t[s]) && t[s] < 0x80 || !n.upperAt(s) || hasDigit(bytesToStr(t[s:e])) {
		return false
	}
	for k := s + 1; k < e; k++ {
		if (isLetter(t[k]) || t[k] >= 0x80) && n.upperAt(k) {
			return false // an acronym
		}
	}
	cue := sc.cueBefore(s) && (sc.addressCue(s, e) || sc.introCue(s) || sc.coverNameCue(s))
	if !cue && !sc.signatureAt(s, e) {
		return false
	}
	// What follows, to the end of the clause.
	p := e
	for w := 0; w < 2; w++ {
		for p < len(t) && t[p] == ' ' {
			p++
		}
		comma := false
		if p < len(t) && t[p] == ',' && w == 0 {
			comma = true
			p++
			for p < len(t) && t[p] == ' ' {
				p++
			}
		}
		if p >= len(t) || !isWord[t[p]] {
			return true // the end of the text or of the clause
		}
		q := p
		for q < len(t) && isWord[t[q]] {
			q++
		}
		if w == 0 && !comma && (nameParticles[bytesToStr(t[p:q])] && !vocabArticles[bytesToStr(t[p:q])] || n.upperAt(p) && isLetter(t[p])) {
			return false // "Ana de Cáritas", "Ana Cruz" (but "Hi Mercy, Thursday at 10")
		}
		for _, c := range prior {
			if int(c.s) < q && int(c.e) > p {
				return false
			}
		}
		if !sc.inVocabulary(words, stems, p, q) {
			return false
		}
		p = q
	}
	return true
}

// vocabArticles are the particles of nameParticles that, after a name,
// begin a clause of their own ("soy Ana, la de los martes" is still
// checked word by word) rather than join a longer name.
var vocabArticles = normWordSet(`la las los el les l the et y e i and`)

// signatureAt: the word [s,e) is the last word of the text and follows a
// comma, a full stop, an exclamation mark, a dash or a line break.
func (sc *scanState) signatureAt(s, e int) bool {
	t := sc.n.b
	for k := e; k < len(t); k++ {
		if isWord[t[k]] {
			return false
		}
	}
	p := s
	for p > 0 && t[p-1] == ' ' {
		p--
	}
	if p == 0 {
		return false
	}
	switch t[p-1] {
	case ',', '.', '!', '-', '\n':
		return true
	}
	return false
}

// addressWords are words for mother that staff use to address a woman
// ("ok mama,", "Mami, ..."). They stay out of the vocabulary: "la mami",
// "mama said" is the madam of her exploitation.
var addressWords = normWordSet(`mama mamá mami mamita mum mummy mom`)

// addressLeads may come before an address word: "ok mama,", "thanks mum!".
var addressLeads = normWordSet(`ok okay yes si sí oui sim da thanks thank merci gracias grazie obrigada obrigado mersi multumesc mulțumesc`)

// addressWord: the word [s,e) is an address word used to address her:
// it begins the text or a sentence, or follows a greeting or one of
// addressLeads, and a comma, an exclamation or question mark, or the end
// of the text follows it.
func (sc *scanState) addressWord(s, e int) bool {
	t := sc.n.b
	if !addressWords[bytesToStr(t[s:e])] {
		return false
	}
	p := e
	for p < len(t) && t[p] == ' ' {
		p++
	}
	if p < len(t) && t[p] != ',' && t[p] != '!' && t[p] != '?' {
		return false
	}
	if sc.sentenceStart(s) {
		return true
	}
	var buf [1]string
	n, plain := sc.prevWords(s, buf[:])
	return n == 1 && plain && (greetingWords[buf[0]] || addressLeads[buf[0]])
}
