package templates

import (
	"hash/maphash"
	"strings"
	"sync"
	"unicode"

	sb "github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/romanian"
	"github.com/blevesearch/snowballstem/spanish"
	"golang.org/x/text/unicode/norm"
)

// Morphology. Every term of a language's lexicon file matches the
// inflected forms of its words, by stem, in that language: "tratante"
// catches "tratantes", "declaración" catches "declaraciones" and "declares",
// "arrest" catches "arrested". The stems come from the Snowball stemmers
// (es, fr, it, pt, ro, en); Catalan, which snowballstem does not have, gets
// the small suffix rules of stemCatalan.
//
// The scan stays one pass over the text: a stem is also a key of the
// token index, which finds the words that begin with a lexicon stem; only those
// words are stemmed (a Snowball call costs about a microsecond, far too
// much for every word) and they match if their stem is the lexicon's. A
// phrase ("permiso de residencia") is keyed on its first word and checked
// word by word from there, each word by stem or, for short and function
// words, as written.
//
// Over-reach guard: a stem that is also the stem, in that language, of a
// common benign word of any shipped language (lexicon/benign.list: days, months,
// times, greetings, place words, everyday verbs and nouns) is not used;
// the word then matches only as written. "cita" (appointment) and
// "citación" (summons) share the Spanish stem "cit"; "hearing" and "hear"
// share "hear": such stems are the filter's StemExceptions.

// stemLangs are the languages with their own lexicon file and stemmer,
// in a fixed order (their index is a pattern's lang).
var stemLangs = []string{"ca", "en", "es", "fr", "it", "pt", "ro"}

const langAny = 255 // a pattern of no particular language

func langIndex(l string) uint8 {
	for i, x := range stemLangs {
		if x == l {
			return uint8(i)
		}
	}
	return langAny
}

// scanLang maps a BCP 47 tag to a stemLangs index (langAny if none).
func scanLang(tag string) uint8 {
	base := strings.ToLower(tag)
	if i := strings.IndexAny(base, "-_"); i >= 0 {
		base = base[:i]
	}
	switch base {
	case "gl", "eu":
		base = "es"
	case "mo":
		base = "ro"
	}
	return langIndex(base)
}

var snowball = map[string]func(*sb.Env) bool{
	"es": spanish.Stem, "fr": french.Stem, "it": italian.Stem,
	"pt": portuguese.Stem, "ro": romanian.Stem, "en": english.Stem,
}

// minStem: shorter stems are not used (the word matches as written).
const minStem = 4

// stemWord stems one lower-case word (accents as written) in language l.
// env is reused between calls (nil: a new one).
func stemWord(l uint8, w string, env *sb.Env) string {
	if l == langAny {
		return w
	}
	lang := stemLangs[l]
	if lang == "ca" {
		return stemCatalan(w)
	}
	if lang == "ro" {
		// Snowball's Romanian wants the comma-below letters.
		w = strings.NewReplacer("ş", "ș", "ţ", "ț", "Ş", "ș", "Ţ", "ț").Replace(w)
	}
	if env == nil {
		env = sb.NewEnv(w)
	} else {
		env.SetCurrent(w)
	}
	snowball[lang](env)
	return env.Current()
}

// catalanSuffixes, longest first: plural and feminine endings, the
// participles and the nouns made from verbs that staff write. The rules
// only need to give a word and its inflections the same stem; the guard
// and the verification by full stem keep them from reaching further.
var catalanSuffixes = []string{
	"acions", "ciones", "cions", "ament", "ments", "ment", "ades", "ada", "ats", "ides", "ida", "its",
	"cio", "ció", "ors", "ores", "ora", "es", "ar", "er", "ir", "at", "it", "or", "s", "a", "e", "o", "i",
}

// stemCatalan: own suffix rules, because snowballstem has no Catalan
// stemmer and a hand-built list of forms would miss the verb forms and
// informal spellings staff write. Strips one suffix (then a final vowel
// left by a plural), keeping at least four letters.
func stemCatalan(w string) string {
	w = strings.ReplaceAll(w, "·", "")
	for _, suf := range catalanSuffixes {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= minStem {
			w = w[:len(w)-len(suf)]
			break
		}
	}
	for _, v := range []string{"u", "a", "e", "i", "o"} {
		if strings.HasSuffix(w, v) && len(w)-1 >= minStem {
			return w[:len(w)-1]
		}
	}
	return w
}

// stemVariants returns the normalised stems of a word: of the form as
// written (lower case, accents kept) and of its normalised form, because
// a stemmer strips "ación" but not "acion" and staff write both.
func stemVariants(l uint8, orig, normed string, env *sb.Env) []string {
	var out []string
	add := func(s string) {
		s = normalizeString(s)
		if len(s) < minStem {
			return
		}
		for _, x := range out {
			if x == s {
				return
			}
		}
		out = append(out, s)
	}
	if orig != "" {
		add(stemWord(l, orig, env))
	}
	add(stemWord(l, normed, env))
	return out
}

// origWord prepares a word of the original text for a stemmer: lower
// case, NFC; "" if it is not all letters (an obfuscated word is stemmed
// in its normalised form only).
func origWord(s string) string {
	s = strings.ReplaceAll(s, "·", "")
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
			return ""
		}
	}
	return norm.NFC.String(strings.ToLower(s))
}

// stemCache keeps the stems of the words a filter has stemmed: words
// repeat (a Snowball call costs about a microsecond, a lookup a few tens
// of nanoseconds). Sharded by the word's hash, so concurrent scans rarely
// wait on one lock; bounded: a shard is emptied when full. A shard's map
// is keyed by the key's 64-bit hash (one hash of the two strings, not the
// map's hash and comparison of a struct of them); the entry holds the
// key, checked on a hit, so two keys with one hash only evict each other.
type stemCache struct {
	shards [stemShards]stemShard
}

type stemShard struct {
	mu sync.RWMutex
	m  map[uint64]stemEntry
}

type stemKey struct {
	lang       uint8
	norm, orig string
}

type stemEntry struct {
	key   stemKey
	stems []string
}

var stemSeed = maphash.MakeSeed()

func (k stemKey) hash() uint64 {
	return maphash.String(stemSeed, k.norm)*fnvPrime ^ maphash.String(stemSeed, k.orig) ^ uint64(k.lang)<<56
}

const (
	stemShards    = 16
	maxStemCache  = 1 << 16
	maxStemShard  = maxStemCache / stemShards
	stemShardMask = stemShards - 1
)

// shardOf: the shard of a key of hash h.
func shardOf(h uint64) int { return int(h>>32) & stemShardMask }

// reset empties the cache (benchmarks of the cold case).
func (c *stemCache) reset() {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.m = nil
		sh.mu.Unlock()
	}
}

func (c *stemCache) get(k stemKey) ([]string, bool) {
	h := k.hash()
	sh := &c.shards[shardOf(h)]
	sh.mu.RLock()
	e, ok := sh.m[h]
	sh.mu.RUnlock()
	if !ok || e.key != k {
		return nil, false
	}
	return e.stems, true
}

func (c *stemCache) put(k stemKey, v []string) {
	k.norm, k.orig = strings.Clone(k.norm), strings.Clone(k.orig)
	h := k.hash()
	sh := &c.shards[shardOf(h)]
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= maxStemShard {
		sh.m = make(map[uint64]stemEntry, 64)
	}
	sh.m[h] = stemEntry{key: k, stems: v}
	sh.mu.Unlock()
}

// ---------------------------------------------------------------------------
// Benign vocabulary and the stems it forbids.

var (
	benignOnce  sync.Once
	benignStems []map[string]bool // per stemLangs index: stems of benign words
	benignSet   map[string]bool
)

// benignStemSet returns, per language, the stems (in that language) of
// every benign word of every shipped language.
func loadBenign() {
	benignOnce.Do(func() {
		data, _ := lexiconFS.ReadFile("lexicon/benign.list")
		var words []string
		benignSet = map[string]bool{}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if c := strings.IndexByte(line, ':'); c >= 0 && c <= 3 {
				line = line[c+1:]
			}
			for _, w := range strings.Fields(line) {
				w = strings.ToLower(w)
				words = append(words, w)
				benignSet[normalizeString(w)] = true
			}
		}
		benignStems = make([]map[string]bool, len(stemLangs))
		env := sb.NewEnv("")
		for l := range stemLangs {
			benignStems[l] = map[string]bool{}
			for _, w := range words {
				for _, s := range stemVariants(uint8(l), origWord(w), normalizeString(w), env) {
					benignStems[l][s] = true
				}
			}
		}
	})
}

func isBenignStem(l uint8, s string) bool {
	loadBenign()
	if l == langAny {
		return false
	}
	return benignStems[l][s]
}

// ---------------------------------------------------------------------------
// Word sequences: the stemmed form of a lexicon term.

// seqWord is one word of a term: it matches a token written exactly as
// one of exact, or whose stem (in the term's language) is one of stems.
type seqWord struct {
	exact string
	stems []string
	// first: the first byte of exact and of every stem (0 if they
	// differ): a word that begins otherwise is not looked up. Phrases
	// keyed on a function word ("te vendieron", "que te controlaba") are
	// tried at every "te" and "que" of a text.
	first byte
}

type seqPat struct {
	lang   uint8
	cat    uint8
	clause bool
	left   bool // widen to the left only (Term.ClauseLeft)
	right  bool // widen to the right only, through "and" (Term.ClauseRight)
	// ownOnly: "=term", matched only when the text is known to be in
	// the term's language.
	ownOnly bool
	words   []seqWord
}

// termWords splits a term into words the way the scan does: runs of word
// bytes of the normalised text; orig gives each word as written (or ""
// when the two do not line up).
func termWords(text string) (normed, orig []string) {
	key := normalizeString(text)
	for _, f := range strings.FieldsFunc(key, func(r rune) bool { return r < 0x80 && !isWord[byte(r)] }) {
		normed = append(normed, f)
	}
	o := strings.FieldsFunc(strings.ToLower(strings.ReplaceAll(text, "·", "")), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	})
	if len(o) == len(normed) {
		orig = o
	} else {
		orig = make([]string, len(normed))
	}
	return normed, orig
}

// compileSeq turns a term into its stemmed word sequence in language l,
// and records the stems the guard refused.
func compileSeq(t Term, l uint8, cat uint8, env *sb.Env, refused map[string]bool) (seqPat, bool) {
	text := strings.TrimPrefix(strings.TrimSpace(t.Text), "=")
	if strings.HasSuffix(text, "*") {
		return seqPat{}, false // an explicit prefix stem: the automaton does it
	}
	normed, orig := termWords(text)
	if len(normed) == 0 || len(normed) > 8 {
		return seqPat{}, false
	}
	p := seqPat{lang: l, cat: cat, clause: t.Clause, left: t.Clause && t.ClauseLeft, right: t.Clause && t.ClauseRight, ownOnly: ownLanguageOnly(t)}
	stemmed := false
	for i, w := range normed {
		sw := seqWord{exact: w}
		if len(w) >= minStem && l != langAny && !hasDigit(w) {
			for _, s := range stemVariants(l, origWord(orig[i]), w, env) {
				if isBenignStem(l, s) || benignSet[s] {
					refused[stemLangs[l]+":"+s] = true
					continue
				}
				sw.stems = append(sw.stems, s)
			}
		}
		if len(sw.stems) > 0 || p.ownOnly {
			stemmed = true
		}
		sw.first = w[0]
		for _, s := range sw.stems {
			if s[0] != sw.first {
				sw.first = 0
			}
		}
		p.words = append(p.words, sw)
	}
	return p, stemmed
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

// seqKeys returns the automaton keys of a sequence's first word: the word
// as written, and each stem cut to the part it shares with the word (a
// stemmer may rewrite the last letters: "slavery" -> "slaveri").
func seqKeys(p seqPat) []string {
	w := p.words[0]
	keys := []string{w.exact}
	for _, s := range w.stems {
		k := 0
		for k < len(s) && k < len(w.exact) && s[k] == w.exact[k] {
			k++
		}
		if k < minStem {
			continue
		}
		dup := false
		for _, x := range keys {
			dup = dup || x == s[:k]
		}
		if !dup {
			keys = append(keys, s[:k])
		}
	}
	return keys
}
