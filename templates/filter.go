package templates

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	sb "github.com/blevesearch/snowballstem"
)

// Category classifies a sensitive span.
type Category string

const (
	CategoryOrganisation Category = "organisation" // NGO, shelter, programme, support services
	CategoryExploitation Category = "exploitation" // trafficking, exploitation, sexual/gender violence
	CategoryLegal        Category = "legal"        // police, court, lawyer, complaint, asylum, residence permit
	CategoryHealth       Category = "health"       // psychologist, therapy, trauma, clinic, sexual health
	CategoryAddress      Category = "address"      // street + number, postcodes, deployment street names
	CategoryPhone        Category = "phone"        // 7+ digits with separators or a + prefix
	CategoryEmail        Category = "email"
	CategoryURL          Category = "url" // scheme, www., a bare domain with a known TLD, an @handle
	// CategoryUnknownName: for a monitored phone, an acronym or a
	// capitalised name the filter cannot place (ScanOptions.UnknownNames).
	CategoryUnknownName Category = "unknown_name"
	// CategoryNotInVocabulary: under the vocabulary policy, a word that
	// is not in her language's vocabulary (ScanOptions.Vocabulary,
	// vocabulary.go).
	CategoryNotInVocabulary Category = "not_in_vocabulary"
	// CategoryRiskyPhrase: under the plain and whole policies, a phrase
	// of everyday words that offers to take her away or hide her, or asks
	// her to hide something from him ("come with us tonight", "don't tell
	// him"; ScanOptions.Plain, plainphrases.go).
	CategoryRiskyPhrase Category = "risky_phrase"
)

// Categories lists every category, in a fixed order.
var Categories = []Category{
	CategoryOrganisation, CategoryExploitation, CategoryLegal, CategoryHealth,
	CategoryAddress, CategoryPhone, CategoryEmail, CategoryURL, CategoryUnknownName, CategoryNotInVocabulary,
	CategoryRiskyPhrase,
}

const (
	catOrganisation uint8 = iota
	catExploitation
	catLegal
	catHealth
	catAddress
	catPhone
	catEmail
	catURL
	catUnknown
	catNotInVocab
	catRiskyPhrase
)

func categoryIndex(c Category) (uint8, bool) {
	for i, x := range Categories {
		if x == c {
			return uint8(i), true
		}
	}
	if c == "organization" {
		return catOrganisation, true
	}
	return 0, false
}

// Term is one lexicon entry. Text is matched after normalisation (case and
// accents ignored, white space runs equal) at word boundaries; a trailing
// '*' makes it a stem that matches every word beginning with it
// ("psicolog*" matches psicóloga, psicólogos, psicología).
//
// Clause (written "debt: deuda" in a terms file, category exploitation)
// widens a match to its whole clause, up to the punctuation or
// conjunction around it: debt bondage is written as a clause ("esa deuda
// no es legal"), and what is left of such a clause still says it.
// ClauseLeft (written "who: que te trajo") widens it to the left only:
// a relative clause takes the person it describes ("el hombre q te
// trajo", "aquele q te guardava o passaporte"), not what the sentence
// goes on to say of her ("... no puede llamarte si cambias de móvil").
type Term struct {
	Category   Category `json:"category"`
	Text       string   `json:"text"`
	Clause     bool     `json:"clause,omitempty"`
	ClauseLeft bool     `json:"clause_left,omitempty"`
	// ClauseRight (written "offer: pueden acogerte", category
	// organisation) widens a match to the right, to the punctuation that
	// ends its clause, through "and": an offer of a place says where she
	// would go in the same clause ("te pueden acoger a ti y a la niña en
	// Getafe", "they can take u and the baby in a house up north").
	ClauseRight bool `json:"clause_right,omitempty"`
}

// Finding is one sensitive span of a scanned text. Start and End are byte
// offsets into the original text, on rune boundaries; Match is
// text[Start:End].
type Finding struct {
	Category Category `json:"category"`
	Start    int      `json:"start"`
	End      int      `json:"end"`
	Match    string   `json:"match"`
}

// Filter finds sensitive content. It is immutable and safe for concurrent
// use.
type Filter struct {
	ac     *automaton
	tok    *tokIndex
	nterms int
	seqs   []seqPat
	groups []seqGroup // kindSeq pattern -> the sequences its key starts
	// refused: "lang:stem" stems the over-reach guard did not use.
	refused []string
	nstop   int
	cache   stemCache
	// vocab: the vocabulary policy's allow-list (nil: built without
	// one, and under the policy no word is allowed).
	vocab *vocabulary
}

//go:embed lexicon/*.txt lexicon/*.list lexicon/README.md
var lexiconFS embed.FS

// FilterConfig is the one configuration of the discreet filter: the
// built-in lexicon, plus a deployment's own terms (its name, its staff,
// its streets; stemmed like the built-in ones) and its stop list (phrases
// that are never flagged: "Metro Tribunal"). serve, sanitize, the
// preview, meeting points and template parameters all build their filter
// from it, with NewFilterFrom.
type FilterConfig struct {
	// TermsFile: "category: term" per line (GATEWAY_DISCREET_TERMS_FILE,
	// or the older GATEWAY_TERMS_FILE). Set but unreadable is an error.
	TermsFile string
	// StopFile: one phrase per line; a trailing " #" stands for a number
	// ("court #"), a trailing " ^" for the capitalised words right after it
	// ("metro ^"). Set but unreadable is an error.
	StopFile string
	// Terms and Stop add to the files (tests, embedding programs).
	Terms []Term
	Stop  []string
	// Vocabulary: build the vocabulary policy's allow-list (the built-in
	// vocabulary/LANG.txt plus VocabularyFile and VocabularyWords), and
	// fail if a word of it is one the lexicon matches on its own.
	// Implied by a VocabularyFile.
	Vocabulary bool
	// VocabularyFile: the deployment's own everyday words, one per line,
	// of every language (GATEWAY_DISCREET_VOCABULARY_FILE). Set but
	// unreadable is an error.
	VocabularyFile  string
	VocabularyWords []string
}

// NewFilterFrom builds the filter of a configuration. An empty
// configuration gives the shared built-in filter.
func NewFilterFrom(cfg FilterConfig) (*Filter, error) {
	extra := append([]Term(nil), cfg.Terms...)
	stop := append([]string(nil), cfg.Stop...)
	if cfg.TermsFile != "" {
		data, err := os.ReadFile(cfg.TermsFile)
		if err != nil {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("terms file: %v", err))
		}
		ts, err := ParseTerms(cfg.TermsFile, data)
		if err != nil {
			return nil, err
		}
		extra = append(extra, ts...)
	}
	if cfg.StopFile != "" {
		data, err := os.ReadFile(cfg.StopFile)
		if err != nil {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("stop list: %v", err))
		}
		ss, err := parseStop(cfg.StopFile, data)
		if err != nil {
			return nil, err
		}
		stop = append(stop, ss...)
	}
	vocab := cfg.Vocabulary || cfg.VocabularyFile != "" || len(cfg.VocabularyWords) > 0
	if len(extra) == 0 && len(stop) == 0 {
		if !vocab {
			return builtinFilter()
		}
		if cfg.VocabularyFile == "" && len(cfg.VocabularyWords) == 0 {
			return builtinVocabFilter()
		}
	}
	f, err := newFilter(extra, stop)
	if err != nil || !vocab {
		return f, err
	}
	if err := f.withVocabulary(extra, cfg.VocabularyFile, cfg.VocabularyWords); err != nil {
		return nil, err
	}
	return f, nil
}

var (
	builtinVocabFiltOnce sync.Once
	builtinVocabFilt     *Filter
	builtinVocabFiltErr  error
)

// builtinVocabFilter is the built-in filter with the built-in vocabulary.
func builtinVocabFilter() (*Filter, error) {
	builtinVocabFiltOnce.Do(func() {
		f, err := newFilter(nil, nil)
		if err == nil {
			err = f.withVocabulary(nil, "", nil)
		}
		builtinVocabFilt, builtinVocabFiltErr = f, err
		if err != nil {
			builtinVocabFilt = nil
		}
	})
	return builtinVocabFilt, builtinVocabFiltErr
}

// parseStop reads a stop list: one phrase per line, # comments.
func parseStop(name string, data []byte) ([]string, error) {
	var out []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := compileStop(line); err != nil {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("%s:%d: %v", name, i+1, err))
		}
		out = append(out, line)
	}
	return out, nil
}

// compileStop normalises a stop phrase into its automaton key and
// pattern.
func compileStop(s string) (stopKey, error) {
	num, name := false, false
	if strings.HasSuffix(s, " #") {
		num, s = true, strings.TrimSpace(strings.TrimSuffix(s, " #"))
	} else if strings.HasSuffix(s, " ^") {
		name, s = true, strings.TrimSpace(strings.TrimSuffix(s, " ^"))
	}
	key := strings.Trim(normalizeString(s), " ")
	if len(key) < 2 || len(key) > maxTermBytes {
		return stopKey{}, fmt.Errorf("stop phrase of 2 to %d bytes expected", maxTermBytes)
	}
	return stopKey{key: key, num: num, name: name}, nil
}

type stopKey struct {
	key  string
	num  bool // a number must follow ("court #")
	name bool // a capitalised name follows, and is part of the phrase ("metro ^")
}

var (
	builtinTermsOnce sync.Once
	builtinTermList  []Term
	builtinTermLang  []uint8 // stemLangs index of each built-in term (langAny: common.txt)
	builtinStop      []string
	builtinTermsErr  error
	builtinFiltOnce  sync.Once
	builtinFilt      *Filter
	builtinFiltErr   error
)

// BuiltinTerms returns the shipped lexicon (all languages).
func BuiltinTerms() ([]Term, error) {
	builtinTermsOnce.Do(func() {
		names, err := fs.Glob(lexiconFS, "lexicon/*.txt")
		if err != nil {
			builtinTermsErr = err
			return
		}
		sort.Strings(names)
		for _, name := range names {
			lang := langIndex(strings.TrimSuffix(strings.TrimPrefix(name, "lexicon/"), ".txt"))
			data, err := lexiconFS.ReadFile(name)
			if err != nil {
				builtinTermsErr = err
				return
			}
			ts, err := ParseTerms(name, data)
			if err != nil {
				builtinTermsErr = err
				return
			}
			builtinTermList = append(builtinTermList, ts...)
			for range ts {
				builtinTermLang = append(builtinTermLang, lang)
			}
		}
		data, err := lexiconFS.ReadFile("lexicon/stop.list")
		if err == nil {
			builtinStop, err = parseStop("lexicon/stop.list", data)
		}
		if err != nil {
			builtinTermsErr = err
		}
	})
	return builtinTermList, builtinTermsErr
}

func builtinFilter() (*Filter, error) {
	builtinFiltOnce.Do(func() {
		builtinFilt, builtinFiltErr = newFilter(nil, nil)
	})
	return builtinFilt, builtinFiltErr
}

// NewFilter returns a filter with the built-in lexicon plus the terms of
// the file at extraTermsPath ("" = built-in lexicon only). The file has
// one "category: term" per line; blank lines and lines starting with # are
// ignored.
func NewFilter(extraTermsPath string) (*Filter, error) {
	return NewFilterFrom(FilterConfig{TermsFile: extraTermsPath})
}

// NewFilterWithTerms returns a filter with the built-in lexicon plus extra.
func NewFilterWithTerms(extra []Term) (*Filter, error) {
	return NewFilterFrom(FilterConfig{Terms: extra})
}

// ParseTerms parses the terms file format. Errors name the line, never the
// term (it may be a staff member's name).
func ParseTerms(name string, data []byte) ([]Term, error) {
	var out []Term
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	ln := 0
	for sc.Scan() {
		ln++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		colon := strings.IndexByte(line, ':')
		if colon < 0 {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("%s:%d: expected \"category: term\"", name, ln))
		}
		cat := Category(strings.ToLower(strings.TrimSpace(line[:colon])))
		clause, left, right := cat == "debt" || cat == "who" || cat == "offer", cat == "who", cat == "offer"
		switch {
		case right:
			cat = CategoryOrganisation
		case clause:
			cat = CategoryExploitation
		}
		if _, ok := categoryIndex(cat); !ok {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("%s:%d: unknown category (use one of %s)", name, ln, categoryNames()))
		}
		if cat == "organization" {
			cat = CategoryOrganisation
		}
		t := Term{Category: cat, Text: strings.TrimSpace(line[colon+1:]), Clause: clause, ClauseLeft: left, ClauseRight: right}
		if _, _, err := compileTerm(t); err != nil {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("%s:%d: %v", name, ln, err))
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("%s: %v", name, err))
	}
	return out, nil
}

func categoryNames() string {
	s := make([]string, len(Categories))
	for i, c := range Categories {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// maxTermBytes bounds one normalised term.
const maxTermBytes = 200

// compileTerm normalises a term into its automaton key and pattern.
func compileTerm(t Term) ([]byte, pattern, error) {
	ci, ok := categoryIndex(t.Category)
	if !ok {
		return nil, pattern{}, fmt.Errorf("unknown category")
	}
	text := strings.TrimPrefix(strings.TrimSpace(t.Text), "=")
	stem := strings.HasSuffix(text, "*")
	if stem {
		text = strings.TrimSpace(strings.TrimSuffix(text, "*"))
	}
	if utf8.RuneCountInString(text) > maxTermBytes {
		return nil, pattern{}, fmt.Errorf("term too long (at most %d bytes)", maxTermBytes)
	}
	key := strings.Trim(normalizeString(text), " ")
	if len(key) < 2 {
		return nil, pattern{}, fmt.Errorf("term too short (at least 2 letters)")
	}
	if len(key) > maxTermBytes {
		return nil, pattern{}, fmt.Errorf("term too long (at most %d bytes)", maxTermBytes)
	}
	hasWord := false
	for i := 0; i < len(key); i++ {
		if isWord[key[i]] {
			hasWord = true
			break
		}
	}
	if !hasWord {
		return nil, pattern{}, fmt.Errorf("term has no letter or digit")
	}
	if stem && !isWord[key[len(key)-1]] {
		return nil, pattern{}, fmt.Errorf("a stem (*) must end with a letter or digit")
	}
	p := pattern{
		n: int32(len(key)), kind: kindTerm, cat: ci, stem: stem, clause: t.Clause, left: t.Clause && t.ClauseLeft, right: t.Clause && t.ClauseRight,
		checkStart: isWord[key[0]], checkEnd: isWord[key[len(key)-1]],
	}
	return []byte(key), p, nil
}

// lexiconByToken: the lexicon keys go to the token index (tokindex.go);
// false puts them in the automaton as before it, for the benchmark that
// compares the two (BenchmarkScanAutomatonLexicon). Never changed
// elsewhere.
var lexiconByToken = true

// maxTerms bounds a lexicon.
const maxTerms = 500_000

func newFilter(extra []Term, stop []string) (*Filter, error) {
	// No filter builds without the risky phrase lists: any filter may scan
	// under the plain policy.
	if _, err := builtinRiskyPhrases(); err != nil {
		return nil, checkRiskyPhrases(err)
	}
	initFold()
	base, err := BuiltinTerms()
	if err != nil {
		return nil, err
	}
	f := &Filter{}
	if len(base)+len(extra) > maxTerms {
		return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("too many terms (at most %d)", maxTerms))
	}
	var keys [][]byte
	var pats []pattern
	seen := map[string]int{}
	addPat := func(k []byte, p pattern) {
		id := fmt.Sprintf("%d|%d|%t|%t|%t|%t|%d|%d|%s", p.kind, p.cat, p.stem, p.clause, p.left, p.right, p.street, p.seq, k)
		if _, dup := seen[id]; dup {
			return
		}
		seen[id] = len(pats)
		keys = append(keys, k)
		pats = append(pats, p)
	}
	all := append(append([]Term(nil), base...), extra...)
	for i, t := range all {
		k, p, err := compileTerm(t)
		if err != nil {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("term %d: %v", i+1, err))
		}
		if !ownLanguageOnly(t) {
			addPat(k, p)
		}
	}
	// Stemmed word sequences: each language file's terms in its language;
	// a deployment's terms (no language) in every language.
	env := sbEnv()
	refused := map[string]bool{}
	seqSeen := map[string]bool{}
	groupOf := map[string]int{}
	seqPatOf := map[string]int{}
	for i, t := range all {
		langs := []uint8{langAny}
		if i < len(base) {
			langs[0] = builtinTermLang[i]
		} else {
			langs = langs[:0]
			for l := range stemLangs {
				langs = append(langs, uint8(l))
			}
		}
		ci, _ := categoryIndex(t.Category)
		// The keys of a term's sequences (its languages, its first word as
		// written and by stem) are all prefixes of its first word: the
		// shortest one finds them all, so the term gets one automaton key.
		var ids []int32
		key := ""
		for _, l := range langs {
			if l == langAny {
				continue
			}
			sp, ok := compileSeq(t, l, ci, env, refused)
			if !ok {
				continue
			}
			id := seqID(sp)
			if seqSeen[id] {
				continue
			}
			seqSeen[id] = true
			f.seqs = append(f.seqs, sp)
			ids = append(ids, int32(len(f.seqs)-1))
			for _, k := range seqKeys(sp) {
				if key == "" || len(k) < len(key) {
					key = k
				}
			}
		}
		if len(ids) == 0 {
			continue
		}
		// One automaton pattern per key, with every sequence it starts.
		g, ok := groupOf[key]
		if !ok {
			g = len(f.groups)
			groupOf[key] = g
			f.groups = append(f.groups, seqGroup{byLang: make([][]groupSeq, len(stemLangs))})
			addPat([]byte(key), pattern{n: int32(len(key)), kind: kindSeq, seq: int32(g), checkStart: true})
			seqPatOf[key] = len(pats) - 1
		}
		for _, id := range ids {
			pats[seqPatOf[key]].street |= 1 << f.seqs[id].lang // the languages of the group
		}
		for _, id := range ids {
			f.groups[g].add(id, &f.seqs[id])
		}
	}
	for s := range refused {
		f.refused = append(f.refused, s)
	}
	sort.Strings(f.refused)
	for _, s := range append(append([]string(nil), builtinStop...), stop...) {
		sk, err := compileStop(s)
		if err != nil {
			return nil, newErr(CodeInvalidTerms, "", err.Error())
		}
		k := []byte(sk.key)
		num := int32(0)
		if sk.num {
			num = 1
		} else if sk.name {
			num = 2
		}
		addPat(k, pattern{n: int32(len(k)), kind: kindStop, seq: num, checkStart: isWord[k[0]], checkEnd: isWord[k[len(k)-1]]})
		f.nstop++
	}
	for _, st := range streetTypes() {
		k := []byte(st.key)
		addPat(k, pattern{n: int32(len(k)), kind: kindStreet, street: st.flags,
			checkStart: isWord[k[0]], checkEnd: isWord[k[len(k)-1]]})
	}
	for _, s := range []string{"dot", "punto", "ponto", "point", "punct", "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}", "[punto]", "(punto)"} {
		k := []byte(normalizeString(s))
		addPat(k, pattern{n: int32(len(k)), kind: kindDot, checkStart: isWord[k[0]], checkEnd: isWord[k[len(k)-1]]})
	}
	for _, set := range []map[string]bool{digitWords, pairWords, numberFillers} {
		for w := range set {
			k := []byte(w)
			addPat(k, pattern{n: int32(len(k)), kind: kindNumWord, checkStart: true})
		}
	}
	for _, s := range []string{"http://", "https://", "www."} {
		k := []byte(normalizeString(s))
		addPat(k, pattern{n: int32(len(k)), kind: kindURLScheme, checkStart: true})
	}
	// Lexicon keys that begin at a word start go to the token index; the
	// automaton keeps the rest.
	var acPats, tokPats []pattern
	var acKeys, tokKeys [][]byte
	for i, p := range pats {
		if lexiconByToken && (p.kind == kindTerm || p.kind == kindSeq) && p.checkStart {
			tokPats, tokKeys = append(tokPats, p), append(tokKeys, keys[i])
		} else {
			acPats, acKeys = append(acPats, p), append(acKeys, keys[i])
		}
	}
	ac, err := buildAutomaton(acPats, acKeys)
	if err != nil {
		return nil, newErr(CodeInvalidTerms, "", err.Error())
	}
	f.ac, f.tok, f.nterms = ac, buildTokIndex(tokPats, tokKeys), len(base)+len(extra)
	return f, nil
}

// ownLanguageOnly: a term written "=mama" is matched only in its own
// language (as a stemmed sequence), because as written it is an ordinary
// word of another shipped language ("mama", mother, in Romanian).
func ownLanguageOnly(t Term) bool { return strings.HasPrefix(strings.TrimSpace(t.Text), "=") }

// seqID identifies a word sequence, to keep one copy of each.
func seqID(p seqPat) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d|%d|%t|%t|%t|%t", p.lang, p.cat, p.clause, p.left, p.right, p.ownOnly)
	for _, w := range p.words {
		sb.WriteString("|" + w.exact + ":" + strings.Join(w.stems, ","))
	}
	return sb.String()
}

// StemExceptions lists the stems ("lang:stem") the over-reach guard kept
// out of the stemmed lexicon because a common benign word has them too;
// those words match only as written.
func (f *Filter) StemExceptions() []string { return append([]string(nil), f.refused...) }

// Terms returns how many lexicon terms the filter holds.
func (f *Filter) Terms() int { return f.nterms }

// ---------------------------------------------------------------------------
// Scanning

// cand is a candidate span in normalised coordinates.
type cand struct {
	s, e int32
	// ts, te: the words that matched, when a clause widened them to
	// [s,e) (else zero): a stop phrase around them drops the clause.
	ts, te int32
	cat    uint8
}

type scanState struct {
	f       *Filter
	n       *normText
	cands   []cand
	urlDone int // end of the last URL found from a scheme
	lang    uint8
	// riskyLang is the language whose risky phrases are being matched,
	// riskyToks the words of the text they are matched against.
	riskyLang uint8
	riskyToks []riskyTextTok
	riskySeen []int
	stops     []cand // stop-list spans
	merge     []cand // scratch of mergeSortByStart
	// phoneDone: end of the last number run spelt in words.
	phoneDone int
	// seriesDone: end of the last digit series read (a count or a list
	// is not read again from one of its numbers: the scan stays linear).
	seriesDone int
	// memo: the stems of the last few words looked at (the patterns of
	// one word, and the words of one phrase, come together).
	memo   [4]memoEntry
	memoAt int
	env    *sb.Env
	opts   *ScanOptions
	// firstEnd: offset of the first sentence end of the text (len if
	// none); -1 until introCue needs it.
	firstEnd int
	// places: the place nouns and address labels the automaton found,
	// read once the streets are known (places.go).
	places []placeHit
	// addrs: the address candidates by start while places are read
	addrs []cand
}

// ScanOptions say what the scan knows about the message.
type ScanOptions struct {
	// Lang is her language (BCP 47): stemmed terms of the other
	// languages' lexicons are not matched (their exact forms still are).
	// Empty: every language.
	Lang string
	// UnknownNames: report acronyms and capitalised names the filter
	// cannot place, as CategoryUnknownName (for a monitored phone).
	UnknownNames bool
	// KnownNames are never unknown: the registered meeting points and the
	// names staff confirmed for this message.
	KnownNames []string
	// ExactNames are known only where they stand in the text exactly as
	// given, case and accents included, as whole words: a name that is
	// also a word ("Socorro", "Amparo", "Dolores") is known as the name
	// and stays a word where written otherwise ("socorro"). The author's
	// signature name and the names staff confirmed for this message.
	ExactNames []string
	// Vocabulary: the vocabulary policy: every word not in her
	// language's vocabulary, outside the other findings and the known
	// names, is a finding of CategoryNotInVocabulary (vocabulary.go).
	Vocabulary bool
	// Plain: the plain and whole policies, which send a text whole or
	// not at all: also a phrase of everyday words that offers to take her
	// away or hide her is a finding, of CategoryRiskyPhrase
	// (plainphrases.go).
	// Its words may each be harmless ("come", "with", "us"), so the
	// vocabulary alone lets it through.
	Plain bool
	// PlaceName: the text is the name of a public place staff register as
	// a meeting point ("Metro Sants, exit Carrer de Sants"). A street
	// named without a house number is then part of the place's name, not
	// an address: the number-less street rule, meant for where she or a
	// service is ("the office in carrer Murcia"), is off. A street with a
	// number is an address still.
	PlaceName bool
}

func sbEnv() *sb.Env { return sb.NewEnv("") }

var scanPool = sync.Pool{New: func() any { return &scanState{} }}

// trigger bits of a normalised byte.
const (
	trDigit = 1 << iota
	trPlus
	trParen
	trAt
	trDot
	trLetter
)

var trig [256]uint8

func init() {
	for c := '0'; c <= '9'; c++ {
		trig[c] = trDigit
	}
	for c := 'a'; c <= 'z'; c++ {
		trig[c] = trLetter
	}
	trig['+'] = trPlus
	trig['('] = trParen
	trig['@'] = trAt
	trig['.'] = trDot
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }

// Scan returns the sensitive spans of text, sorted and non-overlapping
// (overlapping candidates are merged; the merged span takes the category of
// its longest part). The text is read once: the normalised bytes drive the
// automaton, and a few anchored scanners (phone, postcode, e-mail, URL,
// address) start only at the bytes that can begin what they look for.
func (f *Filter) Scan(text string) []Finding { return f.ScanWith(text, ScanOptions{}) }

// ScanWith is Scan with what is known about the message.
func (f *Filter) ScanWith(text string, o ScanOptions) []Finding {
	if text == "" {
		return nil
	}
	n := getNorm(text)
	sc := scanPool.Get().(*scanState)
	sc.f, sc.n, sc.cands, sc.urlDone, sc.stops, sc.opts, sc.phoneDone = f, n, sc.cands[:0], 0, sc.stops[:0], &o, 0
	sc.seriesDone = 0
	sc.firstEnd = -1
	sc.places = sc.places[:0]
	sc.lang = scanLang(o.Lang)
	if sc.env == nil {
		sc.env = sbEnv()
	}
	sc.memo = [4]memoEntry{}
	sc.run()
	if len(sc.places) > 0 {
		sc.placeNouns()
	}
	if len(o.KnownNames) > 0 || len(o.ExactNames) > 0 {
		sc.dropInKnown()
	}
	if o.UnknownNames {
		sc.unknownNames()
	}
	sc.contextFindings()
	sc.dropBenignCues()
	sc.cityServices()
	sc.pictographs()
	if o.Plain {
		sc.riskyPhrases()
	}
	if o.Vocabulary {
		sc.notInVocabulary()
	}
	out := sc.resolve()
	sc.f, sc.n, sc.opts = nil, nil, nil
	scanPool.Put(sc)
	putNorm(n)
	return out
}

func (sc *scanState) add(s, e int, cat uint8) {
	if e > s {
		sc.cands = append(sc.cands, cand{s: int32(s), e: int32(e), cat: cat})
	}
}

func (sc *scanState) run() {
	t := sc.n.b
	L := len(t)
	a := sc.f.ac
	delta, classOf, ncls := a.delta, &a.classOf, a.ncls
	var st int32
	numSkip, mailSkip, urlSkip := 0, 0, 0
	prevWord := false
	ws := 0 // where the word at i begins
	var prev byte = ' '
	for i := 0; i < L; i++ {
		c := t[i]
		if tr := trig[c]; tr != 0 {
			switch {
			case tr == trLetter:
				if !prevWord && i+2 < L && (isDigit(t[i+1]) || isLetter(t[i+1]) && isDigit(t[i+2])) {
					sc.ukPostcode(i)
				}
			case tr == trDigit:
				if !prevWord && i+2 < L && (i == 0 || prev == ' ') {
					sc.ordinalUnit(i)
				}
				if i >= numSkip && !isDigit(prev) {
					if numSkip = sc.digitSeries(i); numSkip == 0 {
						numSkip = sc.numberRun(i, prevWord)
					}
				}
			case tr == trPlus || tr == trParen:
				if i >= numSkip && !prevWord && i+1 < L && (isDigit(t[i+1]) || tr == trParen && t[i+1] == '+') {
					if numSkip = 0; tr == trParen && isDigit(t[i+1]) {
						numSkip = sc.digitSeries(i + 1)
					} else if tr == trPlus {
						numSkip = sc.digitSeries(i)
					}
					if numSkip == 0 {
						numSkip = sc.numberRun(i, false)
					}
				}
			case tr == trAt:
				if i >= mailSkip {
					mailSkip = sc.email(i)
				}
			case tr == trDot:
				if i >= urlSkip && prevWord && i+1 < L && isLetter(t[i+1]) {
					urlSkip = sc.bareDomain(i)
				}
			}
		}
		if !prevWord && isWord[c] {
			ws = i
			sc.tokens(i)
		}
		nx := delta[st+int32(classOf[c])]
		st = nx >> 1
		if nx&1 != 0 {
			// wlen: the length of the word ending here (0: none).
			wlen := 0
			if isWord[c] {
				wlen = i + 1 - ws
			}
			if s := st / ncls; a.wordStart[s] == ^uint64(0) || wlen < 64 && a.wordStart[s]&(1<<wlen) != 0 {
				if e := sc.outputs(s, i+1); e > urlSkip {
					urlSkip = e
				}
			}
		}
		prevWord = isWord[c]
		prev = c
	}
}

// outputs handles the patterns that end at normalised offset end. It
// returns the end of a URL found from a scheme, or 0.
func (sc *scanState) outputs(state int32, end int) int {
	a := sc.f.ac
	t := sc.n.b
	urlEnd := 0
	for _, pid := range a.outList[a.outStart[state]:a.outStart[state+1]] {
		p := &a.pats[pid]
		s := end - int(p.n)
		if p.checkStart && s > 0 && isWord[t[s-1]] {
			continue
		}
		if e := sc.pattern(p, s, end); e > urlEnd {
			urlEnd = e
		}
	}
	return urlEnd
}

// pattern handles pattern p found at normalised [s,end) (at a word start
// when p.checkStart). It returns the end of a URL found from a scheme, or
// 0.
func (sc *scanState) pattern(p *pattern, s, end int) int {
	t := sc.n.b
	L := len(t)
	switch p.kind {
	case kindTerm:
		e := end
		if p.stem {
			for e < L && isWord[t[e]] {
				e++
			}
		} else if p.checkEnd && e < L && isWord[t[e]] {
			return 0
		}
		if isDigit(t[e-1]) && sc.timeOrDateAfter(e) {
			// "appelle le 15 mai", "appelle le 17:00": the term's
			// number begins a date or a time.
			return 0
		}
		if p.clause {
			sc.addClause(s, e, p.cat, p.left, p.right)
			return 0
		}
		sc.add(s, e, p.cat)
	case kindStreet:
		if p.checkEnd && end < L && isWord[t[end]] {
			return 0
		}
		sc.street(s, end, p.street)
	case kindURLScheme:
		return sc.urlFrom(s)
	case kindSeq:
		if sc.lang != langAny && p.street&(1<<sc.lang) == 0 {
			return 0 // no sequence of her language starts here
		}
		e := end
		for e < L && isWord[t[e]] {
			e++
		}
		g := &sc.f.groups[p.seq]
		n := e - s
		if !g.firstMay(n) {
			// The key is a whole short word ("a", "te") and the word
			// here is longer: no first word of the group is it.
			return 0
		}
		// The first byte of the next word, once for the group: most
		// sequences of a function word ("te", "que", "the") are ruled
		// out by it before any word is compared.
		j := e
		for j < L && j-e < 2 && (t[j] == ' ' || t[j] == '\'' || t[j] == '-' || t[j] == '.' && j == e) {
			j++
		}
		var next byte
		if j > e && j < L && isWord[t[j]] {
			next = t[j]
		}
		if sc.lang == langAny {
			for _, gs := range g.all {
				if !gs.ownOnly && (gs.next == 0 || gs.next == next) && gs.firstMay(n) {
					sc.seq(int(gs.seq), s, e)
				}
			}
		} else {
			for _, gs := range g.byLang[sc.lang] {
				if (gs.next == 0 || gs.next == next) && gs.firstMay(n) {
					sc.seq(int(gs.seq), s, e)
				}
			}
		}
	case kindDot:
		if p.checkEnd && end < L && isWord[t[end]] {
			return 0
		}
		sc.spelledDot(s, end)
	case kindNumWord:
		if end < L && isWord[t[end]] {
			return 0
		}
		sc.spelledPhone(s, end)
	case kindStop:
		e := end
		if p.checkEnd && e < L && isWord[t[e]] {
			return 0
		}
		switch p.seq {
		case 1: // a number must follow
			if e+1 >= L || t[e] != ' ' || !isDigit(t[e+1]) {
				return 0
			}
			e++
			for e < L && isDigit(t[e]) {
				e++
			}
		case 2: // a capitalised name must follow: "Metro Tribunali"
			if e = sc.capitalisedWords(e, 3); e == end {
				return 0
			}
		}
		sc.stops = append(sc.stops, cand{s: int32(s), e: int32(e)})
	}
	return 0
}

// seqGroup holds the sequences a kindSeq key starts, in the order they
// were compiled (all), and each language's in that order (byLang), with
// what rules one out before its words are compared: the groups of a
// function word ("la", "te", "que") hold dozens of sequences and are
// tried at every such word of a text, so the filter reads these few
// bytes, not the sequences.
type seqGroup struct {
	all    []groupSeq
	byLang [][]groupSeq // per stemLangs index
	// The lengths of the first words the group's sequences may match
	// (wordMatches): exactLens has bit n set for a first word of n bytes
	// as written (n < 64; longLen: one longer); stemmed: some first word
	// has stems, and a token of stemmable length may match it. Most
	// words that begin with a one-letter key ("a", "e", "t") are
	// ruled out by these before the group is walked.
	exactLens uint64
	longLen   bool
	stemmed   bool
}

type groupSeq struct {
	seq int32 // index into Filter.seqs
	// next: the first byte of its second word (0: any, or a sequence of
	// one word); the word after the key must begin with it.
	next    byte
	ownOnly bool // seqPat.ownOnly: not tried when no language is given
	// exactLen: the length of its first word as written (0: 256 bytes
	// or more); stemmed: that word has stems.
	exactLen uint8
	stemmed  bool
}

func (g *seqGroup) add(id int32, sp *seqPat) {
	gs := groupSeq{seq: id, ownOnly: sp.ownOnly}
	if len(sp.words) > 1 {
		gs.next = sp.words[1].first
	}
	w := &sp.words[0]
	if n := len(w.exact); n < 256 {
		gs.exactLen = uint8(n)
	}
	gs.stemmed = len(w.stems) > 0
	if n := len(w.exact); n < 64 {
		g.exactLens |= 1 << n
	} else {
		g.longLen = true
	}
	g.stemmed = g.stemmed || gs.stemmed
	g.all = append(g.all, gs)
	g.byLang[sp.lang] = append(g.byLang[sp.lang], gs)
}

// stemmable: a token of n bytes is stemmed by wordMatches.
func stemmable(n int) bool { return n >= minStem && n <= maxStemToken }

// firstMay: a token of n bytes may match some group's first word
// (wordMatches: as written, or by stem).
func (g *seqGroup) firstMay(n int) bool {
	return n < 64 && g.exactLens&(1<<n) != 0 || n >= 64 && g.longLen || g.stemmed && stemmable(n)
}

// firstMay: a token of n bytes may match this sequence's first word.
func (gs groupSeq) firstMay(n int) bool {
	return gs.exactLen == 0 || int(gs.exactLen) == n || gs.stemmed && stemmable(n)
}

// glueWords: short words that get glued onto the next one to slip it past
// a word list ("lapolicía", "thepolice"), normalised.
var glueWords = normWordSet(`la el le les lo il al del de dal the my your tu ta ton mon ma mi su sa un una une l d a o os as`)

// gluedAt: the word around normalised offset s begins, just before s,
// with a glue word, and what follows it from s is a word of at least six
// letters, five after a glue word of two letters or more, four after one
// of three ("thepimp"): "lapolicía" is "la policía". A lexicon key found there is matched as if at a word start.
// A glue word of up to three letters is looked up in glueTab, not the map.
func (sc *scanState) gluedAt(s int) bool {
	t := sc.n.b
	ws := s
	for ws > 0 && s-ws < 4 && isLetter(t[ws-1]) {
		ws--
	}
	g := s - ws
	if ws > 0 && isWord[t[ws-1]] || !(g >= 1 && g <= 3 && isGlue(t[ws:s]) || g == 4 && glueWords[bytesToStr(t[ws:s])]) {
		return false
	}
	e := s
	for e < len(t) && e-s < 8 && isLetter(t[e]) {
		e++
	}
	return e-s >= 6 || e-s == 5 && g > 1 || e-s == 4 && g > 2
}

type memoEntry struct {
	start int32
	have  uint8 // per stemLangs index
	stems [8][]string
}

func (sc *scanState) memoGet(s int, l uint8) ([]string, bool) {
	for i := range sc.memo {
		m := &sc.memo[i]
		if m.have != 0 && int(m.start) == s && m.have&(1<<l) != 0 {
			return m.stems[l], true
		}
	}
	return nil, false
}

func (sc *scanState) memoPut(s int, l uint8, stems []string) {
	for i := range sc.memo {
		m := &sc.memo[i]
		if m.have != 0 && int(m.start) == s {
			m.have |= 1 << l
			m.stems[l] = stems
			return
		}
	}
	sc.memoAt = (sc.memoAt + 1) % len(sc.memo)
	m := &sc.memo[sc.memoAt]
	*m = memoEntry{start: int32(s), have: 1 << l}
	m.stems[l] = stems
}

// maxStemToken: longer "words" are not stemmed (no word is that long;
// it bounds the cost of a pathological input).
const maxStemToken = 48

// seq checks the stemmed word sequence seqs[i] whose first word's key
// was found at s, in the word [s,e).
func (sc *scanState) seq(i int, s, e int) {
	sp := &sc.f.seqs[i]
	if sc.lang != langAny && sp.lang != sc.lang || sc.lang == langAny && sp.ownOnly {
		return
	}
	t := sc.n.b
	L := len(t)
	if !sc.wordMatches(sp.lang, &sp.words[0], s, e) {
		return
	}
	q := e
	for k := 1; k < len(sp.words); k++ {
		j := q
		// one or two of space, apostrophe, dash, or an abbreviation's
		// dot: "protez. internaz.", "avv. della difesa"
		for j < L && j-q < 2 && (t[j] == ' ' || t[j] == '\'' || t[j] == '-' || t[j] == '.' && j == q) {
			j++
		}
		if j == q || j >= L || !isWord[t[j]] {
			return
		}
		we := j
		for we < L && isWord[t[we]] {
			we++
		}
		if !sc.wordMatches(sp.lang, &sp.words[k], j, we) {
			return
		}
		q = we
	}
	if sp.clause {
		sc.addClause(s, q, sp.cat, sp.left, sp.right)
		return
	}
	sc.add(s, q, sp.cat)
}

// wordMatches: is the token [s,e) the word as written, or of its stem?
func (sc *scanState) wordMatches(l uint8, w *seqWord, s, e int) bool {
	if w.first != 0 && (e == s || sc.n.b[s] != w.first) {
		return false
	}
	tok := bytesToStr(sc.n.b[s:e])
	if tok == w.exact {
		return true
	}
	if len(w.stems) == 0 || !stemmable(e-s) {
		return false
	}
	stems, ok := sc.memoGet(s, l)
	if !ok {
		n := sc.n
		raw := n.orig[n.origStart(s):n.origEnd(e)]
		ck := stemKey{lang: l, norm: tok, orig: raw}
		if stems, ok = sc.f.cache.get(ck); !ok {
			stems = stemVariants(l, origWord(raw), string(sc.n.b[s:e]), sc.env)
			sc.f.cache.put(ck, stems)
		}
		sc.memoPut(s, l, stems)
	}
	for _, x := range stems {
		for _, y := range w.stems {
			if x == y {
				return true
			}
		}
	}
	return false
}

// capitalisedWords extends p over at most n following words written with a
// capital letter (one space before each); p itself if there is none.
func (sc *scanState) capitalisedWords(p, n int) int {
	t := sc.n.b
	L := len(t)
	for ; n > 0; n-- {
		if p+1 >= L || t[p] != ' ' || !isLetter(t[p+1]) || !sc.n.upperAt(p+1) {
			return p
		}
		q := p + 1
		for q < L && isWord[t[q]] {
			q++
		}
		p = q
	}
	return p
}

// clauseStops end a clause, per language: "esa deuda no es legal y no
// tienes que pagarla" widens to "esa deuda no es legal". They are
// compared as written (Italian "è", is, is not the conjunction "e"), and
// per language (Catalan "et" is a pronoun, Romanian "e" is "is"). "If"
// begins another clause, and so does the word of a reassurance ("no te preocupes", "don't worry") ends one too:
// "q no et preocupi el deute" is about the debt, not the worry. "Nor"
// ends a clause as "or" does ("no el deixis a ningú ni el portis al pis").
var clauseStops = map[uint8]map[string]bool{
	langIndex("es"): wordSet(`y e o u ni pero porque si preocupes preocupe`),
	langIndex("ca"): wordSet(`i o ni però perquè si preocupis preocupi`),
	langIndex("it"): wordSet(`e ed o né ma perché se preoccuparti preoccupare`),
	langIndex("fr"): wordSet(`et ou ni mais parce si inquiète inquiete inquiètes`),
	langIndex("pt"): wordSet(`e ou nem mas porque se preocupes preocupe`),
	langIndex("ro"): wordSet(`și si sau nici dar iar dacă daca griji`),
	langIndex("en"): wordSet(`and or nor but because if worry`),
	langAny:         wordSet(`y and or but pero però porque perché mais mas sau dar ma iar`),
}

// clauseStop: the normalised word [s,e) is, as written, a clause stop.
func (sc *scanState) clauseStop(s, e int) bool {
	n := sc.n
	if e-s > 12 {
		return false
	}
	w := strings.ToLower(n.orig[n.origStart(s):n.origEnd(e)])
	if norWords[w] {
		// "ni un euro", "nem um cêntimo": not even, inside the clause.
		if next, _ := sc.spacedWord(e); notEvenNext[next] {
			return false
		}
	}
	return clauseStops[sc.lang][w]
}

// norWords and the words after them that make them "not even".
var (
	norWords    = wordSet(`ni né nem nici nor`)
	notEvenNext = normWordSet(`un una uno um uma unu o one a un'`)
)

// A clause reported by someone close to her ends at its "that": "Una
// amiga teva diu que | la senyora encara diu que li deus els papers", "Me
// ha dicho tu amiga q | la señora sigue diciendo q le debes". Who told
// staff says nothing; what was said is the clause.
var (
	thatWords     = normWordSet(`que q che ca că that`)
	reportSays    = normWordSet(`diu dit dice dicho detto disse diz contou zis spus said says told`)
	reporterWords = normWordSet(`amiga amigo amica amico amie ami friend germana germà hermana hermano sorella fratello soeur sœur frère
		irmã irma irmão irmao sora fratele sister brother cosina cosí cosina prima primo cugina cugino cousine cousin verisoara vara
		mare madre mère mae mãe mama mamá mum mother`)
)

// reportedBy: the word [s,e) is a "that" after a verb of saying whose
// subject is someone close to her (within the three words before it).
func (sc *scanState) reportedBy(s, e int) bool {
	if !thatWords[bytesToStr(sc.n.b[s:e])] {
		return false
	}
	var buf [4]string
	n, _ := sc.prevWords(s, buf[:])
	says, who := false, false
	for _, w := range buf[:n] {
		says = says || reportSays[w]
		who = who || reporterWords[w]
	}
	return says && who
}

// openingName: the word [s,e) opens the text and is a capitalised first
// name, the one the message addresses without a comma ("Carla la deuda
// no es legal", "Rosa aqueles q te punham a trabalhar"): no part of the
// clause after it. A name right before the matched words is not skipped:
// "Rose who brought you here" may be the one the clause is about (and
// "Faith quem te trouxe" may address her); removing it is the reading
// that fails closed.
func (sc *scanState) openingName(s, e int) bool {
	return strings.TrimSpace(sc.n.orig[:sc.n.origStart(s)]) == "" && sc.n.upperAt(s) && sc.firstNameAt(s, e)
}

// maxClause bounds how far a clause widens a match, each way.
const maxClause = 64

// clause widens [s,e) to the clause around it.
func (sc *scanState) clause(s, e int) (int, int) {
	t := sc.n.b
	L := len(t)
	stop := func(c byte) bool {
		return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == sepByte
	}
	s0, e0 := s, e
	for k := s; k > 0 && s0-k < maxClause; {
		if stop(t[k-1]) {
			break
		}
		// the word before k-1's space
		if t[k-1] == ' ' {
			ws := k - 1
			for ws > 0 && isWord[t[ws-1]] {
				ws--
			}
			if ws < k-1 && (sc.clauseStop(ws, k-1) || sc.reportedBy(ws, k-1) || k != s0 && sc.openingName(ws, k-1)) {
				break
			}
			if ws < k-1 {
				s = ws
			}
			k = ws
			continue
		}
		k--
	}
	for k := e; k < L && k-e0 < maxClause; {
		if stop(t[k]) {
			break
		}
		if t[k] == ' ' {
			we := k + 1
			for we < L && isWord[t[we]] {
				we++
			}
			if we == k+1 || sc.clauseStop(k+1, we) {
				break
			}
			e = we
			k = we
			continue
		}
		k++
	}
	return s, e
}

// hereWords say "here" after a verb of bringing; placePreps lead to the
// place she was brought to ("en France", "în Italia", "to the UK") or
// kept in ("el de la casa de Badalona", "the guy from the flat in Luton").
var (
	hereWords  = normWordSet(`aqui aquí aca acá here over ici qui aici ca cá`)
	placePreps = normWordSet(`en in a à to în al au aux nel na no de di da do din from del della du para pra`)
	// whenWords and arriveStems: "when you arrived", the time of her
	// arrival that a relative clause goes on with ("q te tirou quando
	// chegaste", "who took it when u got here").
	whenWords  = normWordSet(`cuando quan quando quand when cand când`)
	listAnd    = normWordSet(`y i e and et si și`)
	belongings = normWordSet(`passaport passaporte passaportes pasaporte passeport passaporto pasaportul pasaport passport
		papeles papers papiers papeis papéis documenti documentos documents documentele actele acte
		diners dinero dinheiro soldi argent banii money sou sueldo salario salário salaire stipendio salariul salariu wages pay
		telefon telefono teléfono telèfon téléphone telefone mobil movil móvil phone`)
	arriveStems = normStems("lleg", "arrib", "arriv", "cheg", "ajun", "ven", "vin", "came", "got", "land")
)

// normStems normalises prefixes as the text is ("lleg" -> "leg").
func normStems(ss ...string) []string {
	for i, x := range ss {
		ss[i] = normalizeString(x)
	}
	return ss
}

// wherePlace extends the end e of a relative clause ("qui t'a fait
// venir") over the place it names: "here", or a preposition and a
// capitalised name ("en France", "in Italia", "to the UK"); or over the
// time of her arrival ("quando chegaste").
func (sc *scanState) wherePlace(e int) int {
	t := sc.n.b
	L := len(t)
	word := func(p int) (int, int) {
		if p >= L || t[p] != ' ' {
			return p, p
		}
		q := p + 1
		for q < L && isWord[t[q]] {
			q++
		}
		return p + 1, q
	}
	s1, e1 := word(e)
	if e1 == s1 {
		return e
	}
	w := bytesToStr(t[s1:e1])
	if hereWords[w] {
		return e1
	}
	if listAnd[w] {
		// "who kept your money and your passport": the belongings she
		// was kept from go with the clause.
		s2, e2 := word(e1)
		if e2 > s2 && articleWords[bytesToStr(t[s2:e2])] {
			s2, e2 = word(e2)
		}
		if e2 > s2 && belongings[bytesToStr(t[s2:e2])] {
			return e2
		}
		return e
	}
	if whenWords[w] {
		// "when you arrived": up to three words, one of them a verb of
		// arriving.
		end := e1
		for k := 0; k < 3; k++ {
			s2, e2 := word(end)
			if e2 == s2 {
				break
			}
			end = e2
			for _, v := range arriveStems {
				if strings.HasPrefix(bytesToStr(t[s2:e2]), v) {
					if s3, e3 := word(e2); e3 > s3 && hereWords[bytesToStr(t[s3:e3])] {
						return e3
					}
					return e2
				}
			}
		}
		return e
	}
	if !placePreps[w] {
		return e
	}
	s2, e2 := word(e1)
	if e2 > s2 && bytesToStr(t[s2:e2]) == "the" {
		s2, e2 = word(e2)
	}
	if e2 > s2 && sc.n.upperAt(s2) {
		return e2
	}
	return e
}

// placeArticles may stand between a place preposition and its name.
var placeArticles = normWordSet(`the la el l le lo il a o`)

// placeAfter extends the end e of an exploitation finding over a place
// preposition and the capitalised name after it ("de Badalona", "in
// Leeds", "de la Jonquera"), or returns e.
func (sc *scanState) placeAfter(e int) int {
	w, e1 := sc.spacedWord(e)
	if !placePreps[w] {
		return e
	}
	s2 := e1 + 1
	w2, e2 := sc.spacedWord(e1)
	if placeArticles[w2] {
		s2 = e2 + 1
		_, e2 = sc.spacedWord(e2)
	}
	if e2 > s2 && s2 < len(sc.n.b) && isLetter(sc.n.b[s2]) && sc.n.upperAt(s2) {
		return e2
	}
	return e
}

// clauseEndThroughAnd: the end of the clause that goes on from e, up to
// its punctuation (at most maxClause bytes, whole words): "and" does not
// end it ("us poden acollir a tu i la nena a Sabadell"). A time or a date
// ends it, with the links before it ("pueden acogerte mañana a las 10",
// "peuvent vous accueillir pour Noël"): when is logistics, not where.
func (sc *scanState) clauseEndThroughAnd(e int) int {
	t := sc.n.b
	end := e
	var ends []int // word ends from e, with the word's links flag
	var links []bool
	for k := e; k < len(t) && k-e < maxClause; {
		c := t[k]
		if c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == sepByte || c == '\n' {
			break
		}
		if !isWord[c] {
			k++
			continue
		}
		q := k
		for q < len(t) && isWord[t[q]] {
			q++
		}
		w := bytesToStr(t[k:q])
		if isDigit(c) || offerTimeWords[w] || dayWords[w] != 0 || dayAbbrevs[w] {
			for len(ends) > 0 && links[len(links)-1] {
				ends, links = ends[:len(ends)-1], links[:len(links)-1]
			}
			if len(ends) == 0 {
				return e
			}
			return ends[len(ends)-1]
		}
		if q-e > maxClause {
			break
		}
		ends, links = append(ends, q), append(links, offerTimeLinks[w])
		end = q
		k = q
	}
	return end
}

// offerTimeWords are a time or a date that ends an offer's clause;
// offerTimeLinks come before one ("a las", "on", "pour", "in").
var (
	offerTimeWords = normWordSet(`mañana manana hoy tarde noche mediodía demà avui tomorrow tmrw tmw tomoz today tonight
		morning afternoon evening weekend demain aujourd'hui soir matin domani oggi stasera pomeriggio
		amanhã amanha hoje noite mâine maine azi astăzi astazi diseară diseara
		noël noel navidad nadal natale natal crăciun craciun christmas xmas easter pascua pâques pasqua páscoa paste
		vacaciones vacances vacanza vacanze férias ferias vacanță vacanta holiday holidays hols
		semana setmana semaine settimana week săptămâna saptamana
		night noche nit nuit notte noapte`)
	offerTimeLinks = normWordSet(`a à al as às las les la le el the on at in en on à pour per para pra por pe în in
		de du da di do dal dalla alle ore ora h and y i e et și si anche also too también tb també aussi também
		this ce cette cet questa questo esta este aquesta acest aceasta asta`)
)

// addClause adds the match [s,e) widened to its clause, remembering the
// match so that a stop phrase around it ("I owe you a coffee", "debito
// formativo") drops the whole clause.
func (sc *scanState) addClause(s, e int, cat uint8, left, right bool) {
	var cs, ce int
	if right {
		cs, ce = s, sc.clauseEndThroughAnd(e)
	} else {
		cs, ce = sc.clause(s, e)
	}
	if left {
		ce = sc.wherePlace(e)
	}
	if !right {
		cs = sc.skipVocative(cs, s)
	}
	if ce > cs {
		sc.cands = append(sc.cands, cand{s: int32(cs), e: int32(ce), ts: int32(s), te: int32(e), cat: cat})
	}
}

// skipVocative moves the start cs of a clause widened to the left past
// the first name that opens its sentence ("Amina u dont owe them",
// "Maria nu le datorezi nimic"): she is addressed by her name, which says
// nothing of the clause. A name right before the matched words s stays
// in ("Rose who brought you": the one the clause is about).
func (sc *scanState) skipVocative(cs, s int) int {
	t := sc.n.b
	e := cs
	for e < len(t) && isWord[t[e]] {
		e++
	}
	if e == cs || e+1 >= s || t[e] != ' ' || !sc.n.upperAt(cs) || !sc.sentenceStart(cs) || !sc.firstNameAt(cs, e) {
		return cs
	}
	return e + 1
}

// dropStopped removes the candidates that lie inside a stop-list span,
// and the clauses whose matched words do.
func (sc *scanState) dropStopped() {
	if len(sc.stops) == 0 {
		return
	}
	st := sc.stops
	sortByStart(st)
	out := sc.cands[:0]
	j := 0
	var maxEnd int32 = -1
	for _, c := range sc.cands { // sorted by start
		for j < len(st) && st[j].s <= c.s {
			if st[j].e > maxEnd {
				maxEnd = st[j].e
			}
			j++
		}
		if c.e <= maxEnd && c.cat != catNotInVocab && c.cat != catRiskyPhrase {
			continue // a stop phrase exempts from the lexicon, not from the vocabulary or the risky phrases
		}
		if c.te > c.ts && stoppedWithin(st, c.ts, c.te) {
			continue
		}
		out = append(out, c)
	}
	sc.cands = out
}

// stoppedWithin: [s,e) lies inside one of the stop spans st.
func stoppedWithin(st []cand, s, e int32) bool {
	for _, x := range st {
		if x.s <= s && e <= x.e {
			return true
		}
	}
	return false
}

// articleWords: articles, possessives and the prepositions contracted
// with an article, of the shipped languages, normalised; "de" only
// before another of them ("de la CSM").
var articleWords = normWordSet(`the ur your their his il lo la le gli l el los las les du del della dello dei delle degli
	al alla allo au aux do da dos das pelo pela pelos pelas no na ao tua teu tuo ta ton tes tu tus sua seu suo su sus cel cea`)

// acronymPreps: the prepositions an acronym's article comes after,
// normalised ("per l'OQTF", "amb l'ONG", "pour la CAF"): the reader of
// "pour l' ___" still learns that a service was cut out.
var acronymPreps = normWordSet(`per pour amb para pra pentru pt for with at chez avec con sur sul nel dal all dell nell sull dall pel pels`)

// acronymAt: the candidate [s,e) is one word of two to six letters that
// begins with a capital and has at least two ("PM", "CSM", "UCRIF",
// "RdC", "PrEP").
func (sc *scanState) acronymAt(s, e int) bool {
	if e-s < 2 || e-s > 6 || !sc.n.upperAt(s) {
		return false
	}
	caps := 0
	for k := s; k < e; k++ {
		if !isLetter(sc.n.b[k]) {
			return false
		}
		if sc.n.upperAt(k) {
			caps++
		}
	}
	return caps >= 2
}

// withArticle extends a removed acronym's start over the article or
// contracted preposition before it (two words at most), and a
// preposition before those: "il PM", "the DC", "pelo CPR", "de la CSM",
// "per l'OQTF", "all'ASL". Left alone, "il ___" tells the reader a title
// was cut out, and its gender.
func (sc *scanState) withArticle(s int) int {
	t := sc.n.b
	for n := 0; n < 3 && s >= 2 && (t[s-1] == ' ' || t[s-1] == '\''); n++ {
		ws := s - 1
		for ws > 0 && isWord[t[ws-1]] {
			ws--
		}
		w := bytesToStr(t[ws : s-1])
		prep := acronymPreps[w]
		if ws == s-1 || !(n < 2 && articleWords[w] || n == 1 && w == "de" || prep) {
			break
		}
		if sc.n.upperAt(ws) && ws > 0 {
			break // a capitalised word is a name, not an article
		}
		s = ws
		if prep {
			break
		}
	}
	return s
}

// districtWords number the office of a service in a city ("CPECA sector
// 3", "DGASPC sectorul 2", "CMS distrito 4"), normalised.
var districtWords = normWordSet(`sector sectorul sectorului distrito districte distretto district municipio arrondissement`)

// withDistrict extends a removed acronym's end over a district and its
// number after it: left alone, "___ sector 3" says which office she goes
// to.
func (sc *scanState) withDistrict(e int) int {
	t := sc.n.b
	if e >= len(t) || t[e] != ' ' {
		return e
	}
	ws := e + 1
	we := ws
	for we < len(t) && isWord[t[we]] && !isDigit(t[we]) {
		we++
	}
	if we == ws || !districtWords[bytesToStr(t[ws:we])] || we+1 >= len(t) || t[we] != ' ' || !isDigit(t[we+1]) {
		return e
	}
	ne := we + 1
	for ne < len(t) && isDigit(t[ne]) {
		ne++
	}
	if ne < len(t) && isWord[t[ne]] {
		return e
	}
	if ne+1 < len(t) && (t[ne] == ':' || t[ne] == '/' || t[ne] == '.') && isDigit(t[ne+1]) {
		// "sector 12/06", "sector 10:30": the number begins a date or a
		// time, not a district's number, and stays whole.
		return e
	}
	return ne
}

// resultWords are a test's result; resultLinks may stand between the
// test and its result ("la clamidia è positiva", "a sífilis deu
// positivo", "the test came back negative").
var (
	resultWords = normWordSet(`positivo positiva positivos positivas negativo negativa negativos negativas positiu negatiu
		positif positive positifs positives négatif négative negatif negative negatifs pozitiv pozitivă pozitiva negativ negativă
		neg pos`)
	resultLinks = normWordSet(`e è es está esta et est és ha dado deu foi a fost is was came back ha sortit sortit surt sale salió salio
		dat result resultat resultado risulta risultato test tests prueba teste testul`)
)

// withResult extends a health finding's end over the result after it
// ("VIH negativo", "la clamidia e positiva", "chlamydia positive"): left
// alone, the result still says what was tested.
func (sc *scanState) withResult(e int) int {
	p := e
	for n := 0; n < 4; n++ {
		w, we := sc.spacedWord(p)
		if w == "" {
			return e
		}
		if resultWords[w] {
			return we
		}
		if !resultLinks[w] {
			return e
		}
		p = we
	}
	return e
}

// weekWords count a pregnancy in weeks or trimesters, normalised.
var weekWords = normWordSet(`semana semanas setmana setmanes settimana settimane semaine semaines saptamana saptamani week weeks trimestre trimestrul trimester`)

// weekLinks may stand between a health finding and its week ("la
// ecografía de la semana 20", "l'écho du 2e trimestre", "ecografia de
// trimestrul 2").
var weekLinks = normWordSet(`de la las les del della dello alla di du da do a al pt of the at in das dos es est is e`)

// ageLinks mark a pregnancy's age before a number of weeks ("scan at 20
// weeks", "ecografia das 12 semanas", "l'écho du 3e trimestre"); the
// other weekLinks ("in", "a", "e", "is") before a number say when the
// appointment is ("the midwife in 2 weeks", "il ginecologo e 2
// settimane dopo").
var ageLinks = normWordSet(`at of de du da do das dos del della dello alla di al`)

// weekArticles may stand between an age link and the number ("de la 2e
// semaine", "at the 20 weeks", "la eco de las 12 semanas").
var weekArticles = normWordSet(`la las les the`)

// withWeek extends a health finding's end over the week or trimester of a
// pregnancy after it, with its number before or after the word: left
// alone, "de la semana 20" still says she is pregnant.
func (sc *scanState) withWeek(e int) int {
	t := sc.n.b
	p := e
	number := func(q int) int { // end of a number with an ordinal suffix, or q
		r := q
		for r < len(t) && isDigit(t[r]) {
			r++
		}
		if r == q {
			return q
		}
		for k := 0; k < 2 && r < len(t) && isLetter(t[r]); k++ {
			r++
		}
		if r < len(t) && isWord[t[r]] {
			return q
		}
		return r
	}
	link, prev := "", "" // the link words right before the current word
	for n := 0; n < 4; n++ {
		if p >= len(t) || t[p] != ' ' && t[p] != '\'' {
			return e
		}
		ws := p + 1
		we := ws
		for we < len(t) && isWord[t[we]] {
			we++
		}
		if we == ws {
			return e
		}
		w := bytesToStr(t[ws:we])
		switch {
		case weekWords[w]:
			if we+1 < len(t) && t[we] == ' ' {
				if ne := number(we + 1); ne > we+1 {
					return ne
				}
			}
			return e
		case isDigit(t[ws]):
			// The number before the week word: one or two digits (a
			// pregnancy has at most 42 weeks) right after a link of
			// age, or it is when the appointment is.
			if !ageLinks[link] && !(weekArticles[link] && ageLinks[prev]) {
				return e
			}
			digits := ws
			for digits < len(t) && isDigit(t[digits]) {
				digits++
			}
			if digits-ws > 2 {
				return e
			}
			ne := number(ws)
			if ne > ws && ne < len(t) && t[ne] == ' ' {
				we2 := ne + 1
				for we2 < len(t) && isWord[t[we2]] {
					we2++
				}
				if weekWords[bytesToStr(t[ne+1:we2])] {
					return we2
				}
			}
			return e
		case weekLinks[w]:
			link, prev = w, link
			p = we
		default:
			return e
		}
	}
	return e
}

// resolve merges candidates into findings in original coordinates.
// mergeSortByStart sorts the candidates by start, in no particular order
// among those of one start. They come mostly sorted: contextFindings
// sorted them, and the later steps appended a few. The longest sorted
// run they begin with is merged with the rest, sorted on its own: a
// sort of the whole moved each appended candidate across the slice.
func (sc *scanState) mergeSortByStart() {
	cs := sc.cands
	p := 1
	for p < len(cs) && cs[p].s >= cs[p-1].s {
		p++
	}
	if p >= len(cs) {
		return
	}
	tail := cs[p:]
	sortByStart(tail)
	head := append(sc.merge[:0], cs[:p]...)
	sc.merge = head
	// cs[k] is written after head[i] and tail[j] are read, k = i+j < p+j:
	// the tail is not overwritten before it is read.
	i, j, k := 0, 0, 0
	for i < len(head) && j < len(tail) {
		if tail[j].s < head[i].s {
			cs[k] = tail[j]
			j++
		} else {
			cs[k] = head[i]
			i++
		}
		k++
	}
	k += copy(cs[k:], head[i:])
	copy(cs[k:], tail[j:])
}

func (sc *scanState) resolve() []Finding {
	cs := sc.cands
	if len(cs) == 0 {
		return nil
	}
	// By start, the longest first, then by category (deterministic: same
	// span, first category wins). Candidates equal in all three may come
	// in either order: dropStopped and the merging below treat each on
	// its own, and give both the same outcome.
	sc.mergeSortByStart()
	for i := 0; i < len(cs); {
		j := i + 1
		for j < len(cs) && cs[j].s == cs[i].s {
			j++
		}
		for k := i + 1; k < j; k++ { // few candidates share a start
			for m := k; m > i && (cs[m].e > cs[m-1].e || cs[m].e == cs[m-1].e && cs[m].cat < cs[m-1].cat); m-- {
				cs[m], cs[m-1] = cs[m-1], cs[m]
			}
		}
		i = j
	}
	sc.dropStopped()
	cs = sc.cands
	if len(cs) == 0 {
		return nil
	}
	for i := range cs {
		if c := cs[i]; c.cat != catAddress && c.cat != catPhone && c.cat != catEmail && c.cat != catURL && sc.acronymAt(int(c.s), int(c.e)) {
			cs[i].s = int32(sc.withArticle(int(c.s)))
			cs[i].e = int32(sc.withDistrict(int(c.e)))
		}
		if c := cs[i]; c.cat == catHealth {
			cs[i].e = int32(sc.withDeadline(sc.withResult(sc.withWeek(int(c.e)))))
		}
		if c := cs[i]; c.cat == catPhone {
			cs[i].s = int32(sc.withCallerIntro(sc.withNumberIntro(int(c.s))))
		}
		if c := cs[i]; c.cat == catHealth || c.cat == catLegal || c.cat == catOrganisation {
			cs[i].s = int32(sc.withHead(int(c.s), sc.acronymAt(int(c.s), int(c.e))))
			if c.cat == catHealth {
				cs[i].s = int32(sc.withTake(int(cs[i].s)))
			}
		}
		if c := cs[i]; (c.cat == catHealth || c.cat == catLegal || c.cat == catOrganisation || c.cat == catUnknown) &&
			(sc.lang == langEn || sc.lang == langAny) {
			// "the Aspen card", "your IRP renewal": the head says what
			// the name is.
			cs[i].e = int32(sc.withEnHead(int(c.e)))
		}
		if c := cs[i]; c.cat == catExploitation {
			// "la senyora del pis de Badalona", "a casa de Setubal": the
			// town of the place she was kept goes with it.
			cs[i].e = int32(sc.placeAfter(int(c.e)))
		}
		if c := cs[i]; c.cat == catEmail {
			cs[i].s = int32(sc.withMailIntro(int(c.s)))
		}
		if c := cs[i]; c.cat == catURL {
			cs[i].s = int32(sc.withURLIntro(int(c.s)))
		}
	}
	n := sc.n
	var out []Finding
	emit := func(s, e int32, cat uint8) {
		os, oe := n.origStart(int(s)), n.origEnd(int(e))
		if k := len(out) - 1; k >= 0 && os < out[k].End {
			// Two spans that touch the same original rune (a letter that
			// normalised to several bytes): merge.
			if oe > out[k].End {
				out[k].End = oe
			}
			return
		}
		out = append(out, Finding{Category: Categories[cat], Start: os, End: oe})
	}
	cur := cs[0]
	best := cur.e - cur.s
	for _, c := range cs[1:] {
		if c.s < cur.e {
			if c.e > cur.e {
				cur.e = c.e
			}
			if c.e-c.s > best {
				best = c.e - c.s
				if cur.cat != catRiskyPhrase {
					cur.cat = c.cat
				}
			}
			if c.cat == catRiskyPhrase {
				// Under the plain policy a span with a risky phrase in
				// it is reported as one, whatever it merged with: staff
				// see the everyday words to rephrase.
				cur.cat = catRiskyPhrase
			}
			continue
		}
		emit(cur.s, cur.e, cur.cat)
		cur, best = c, c.e-c.s
	}
	emit(cur.s, cur.e, cur.cat)
	for i := range out {
		out[i].Match = n.orig[out[i].Start:out[i].End]
	}
	return out
}
