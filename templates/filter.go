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
	CategoryURL          Category = "url" // scheme, www., or a bare domain with a known TLD
)

// Categories lists every category, in a fixed order.
var Categories = []Category{
	CategoryOrganisation, CategoryExploitation, CategoryLegal, CategoryHealth,
	CategoryAddress, CategoryPhone, CategoryEmail, CategoryURL,
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
type Term struct {
	Category Category `json:"category"`
	Text     string   `json:"text"`
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
	nterms int
}

//go:embed lexicon/*.txt
var lexiconFS embed.FS

var (
	builtinTermsOnce sync.Once
	builtinTermList  []Term
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
		}
	})
	return builtinTermList, builtinTermsErr
}

func builtinFilter() (*Filter, error) {
	builtinFiltOnce.Do(func() {
		builtinFilt, builtinFiltErr = newFilter(nil)
	})
	return builtinFilt, builtinFiltErr
}

// NewFilter returns a filter with the built-in lexicon plus the terms of
// the file at extraTermsPath ("" = built-in lexicon only). The file has
// one "category: term" per line; blank lines and lines starting with # are
// ignored.
func NewFilter(extraTermsPath string) (*Filter, error) {
	if extraTermsPath == "" {
		return builtinFilter()
	}
	data, err := os.ReadFile(extraTermsPath)
	if err != nil {
		return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("terms file: %v", err))
	}
	extra, err := ParseTerms(extraTermsPath, data)
	if err != nil {
		return nil, err
	}
	return newFilter(extra)
}

// NewFilterWithTerms returns a filter with the built-in lexicon plus extra.
func NewFilterWithTerms(extra []Term) (*Filter, error) {
	if len(extra) == 0 {
		return builtinFilter()
	}
	return newFilter(extra)
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
		if _, ok := categoryIndex(cat); !ok {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("%s:%d: unknown category (use one of %s)", name, ln, categoryNames()))
		}
		if cat == "organization" {
			cat = CategoryOrganisation
		}
		t := Term{Category: cat, Text: strings.TrimSpace(line[colon+1:])}
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
	text := strings.TrimSpace(t.Text)
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
		n: int32(len(key)), kind: kindTerm, cat: ci, stem: stem,
		checkStart: isWord[key[0]], checkEnd: isWord[key[len(key)-1]],
	}
	return []byte(key), p, nil
}

// maxTerms bounds a lexicon.
const maxTerms = 500_000

func newFilter(extra []Term) (*Filter, error) {
	initFold()
	base, err := BuiltinTerms()
	if err != nil {
		return nil, err
	}
	if len(base)+len(extra) > maxTerms {
		return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("too many terms (at most %d)", maxTerms))
	}
	var keys [][]byte
	var pats []pattern
	seen := map[string]int{}
	addPat := func(k []byte, p pattern) {
		id := fmt.Sprintf("%d|%d|%t|%d|%s", p.kind, p.cat, p.stem, p.street, k)
		if _, dup := seen[id]; dup {
			return
		}
		seen[id] = len(pats)
		keys = append(keys, k)
		pats = append(pats, p)
	}
	for i, t := range append(append([]Term(nil), base...), extra...) {
		k, p, err := compileTerm(t)
		if err != nil {
			return nil, newErr(CodeInvalidTerms, "", fmt.Sprintf("term %d: %v", i+1, err))
		}
		addPat(k, p)
	}
	for _, st := range streetTypes() {
		k := []byte(st.key)
		addPat(k, pattern{n: int32(len(k)), kind: kindStreet, street: st.flags,
			checkStart: isWord[k[0]], checkEnd: isWord[k[len(k)-1]]})
	}
	for _, s := range []string{"http://", "https://", "www."} {
		k := []byte(normalizeString(s))
		addPat(k, pattern{n: int32(len(k)), kind: kindURLScheme, checkStart: true})
	}
	ac, err := buildAutomaton(pats, keys)
	if err != nil {
		return nil, newErr(CodeInvalidTerms, "", err.Error())
	}
	return &Filter{ac: ac, nterms: len(base) + len(extra)}, nil
}

// Terms returns how many lexicon terms the filter holds.
func (f *Filter) Terms() int { return f.nterms }

// ---------------------------------------------------------------------------
// Scanning

// cand is a candidate span in normalised coordinates.
type cand struct {
	s, e int32
	cat  uint8
}

type scanState struct {
	f       *Filter
	n       *normText
	cands   []cand
	urlDone int // end of the last URL found from a scheme
}

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
func (f *Filter) Scan(text string) []Finding {
	if text == "" {
		return nil
	}
	n := getNorm(text)
	sc := scanPool.Get().(*scanState)
	sc.f, sc.n, sc.cands, sc.urlDone = f, n, sc.cands[:0], 0
	sc.run()
	out := sc.resolve()
	sc.f, sc.n = nil, nil
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
				if i >= numSkip && !isDigit(prev) {
					numSkip = sc.numberRun(i, prevWord)
				}
			case tr == trPlus || tr == trParen:
				if i >= numSkip && !prevWord && i+1 < L && (isDigit(t[i+1]) || tr == trParen && t[i+1] == '+') {
					numSkip = sc.numberRun(i, false)
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
		nx := delta[st+int32(classOf[c])]
		st = nx >> 1
		if nx&1 != 0 {
			if e := sc.outputs(st/ncls, i+1); e > urlSkip {
				urlSkip = e
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
	L := len(t)
	urlEnd := 0
	for _, pid := range a.outList[a.outStart[state]:a.outStart[state+1]] {
		p := &a.pats[pid]
		s := end - int(p.n)
		if p.checkStart && s > 0 && isWord[t[s-1]] {
			continue
		}
		switch p.kind {
		case kindTerm:
			e := end
			if p.stem {
				for e < L && isWord[t[e]] {
					e++
				}
			} else if p.checkEnd && e < L && isWord[t[e]] {
				continue
			}
			sc.add(s, e, p.cat)
		case kindStreet:
			if p.checkEnd && end < L && isWord[t[end]] {
				continue
			}
			sc.street(s, end, p.street)
		case kindURLScheme:
			if e := sc.urlFrom(s); e > urlEnd {
				urlEnd = e
			}
		}
	}
	return urlEnd
}

// resolve merges candidates into findings in original coordinates.
func (sc *scanState) resolve() []Finding {
	cs := sc.cands
	if len(cs) == 0 {
		return nil
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].s != cs[j].s {
			return cs[i].s < cs[j].s
		}
		if cs[i].e != cs[j].e {
			return cs[i].e > cs[j].e
		}
		return cs[i].cat < cs[j].cat // deterministic: same span, first category wins
	})
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
				cur.cat = c.cat
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
