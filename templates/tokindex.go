package templates

// The lexicon is matched word by word, not byte by byte: at each word
// start of the normalised text, the prefixes of the word are looked up
// in a hash table of the lexicon keys' first words ("heads"), so a
// word costs at most one probe per byte of it whatever the lexicon's
// size, and the probing stops at the first prefix that begins no head.
// A key is a term as written (possibly several words, or a prefix stem
// "psicolog*") or the first word's stem of a stemmed phrase (seqPat);
// a head found is verified against its whole key and handed to the
// same pattern logic as the automaton's outputs. The automaton keeps
// only the few fixed patterns (street types, stop phrases, spelt-out
// dots and digits, URL schemes) and the rare key that does not begin
// with a word byte, so its table no longer grows with the lexicon.
//
// A word glued onto a short function word ("lapolicía", "thepolice") is
// looked up a second time after it (gluedAt).

type tokSlot struct {
	h    uint64
	head int32 // index into tokIndex.heads, -1: only a prefix of heads
	pfx  bool  // a proper prefix of some head
}

type tokIndex struct {
	slots   []tokSlot
	mask    uint64
	heads   []string
	pats    [][]int32 // per head: its patterns (indexes into tokIndex.pat)
	pat     []pattern
	keys    [][]byte
	maxHead int
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// headOf is the part of a key up to its first non-word byte.
func headOf(k []byte) []byte {
	for i, c := range k {
		if !isWord[c] {
			return k[:i]
		}
	}
	return k
}

func buildTokIndex(pats []pattern, keys [][]byte) *tokIndex {
	x := &tokIndex{pat: pats, keys: keys}
	headID := map[string]int32{}
	prefixes := map[string]bool{}
	for pid, k := range keys {
		h := string(headOf(k))
		id, ok := headID[h]
		if !ok {
			id = int32(len(x.heads))
			headID[h] = id
			x.heads = append(x.heads, h)
			x.pats = append(x.pats, nil)
			if len(h) > x.maxHead {
				x.maxHead = len(h)
			}
			for l := 1; l < len(h); l++ {
				prefixes[h[:l]] = true
			}
		}
		x.pats[id] = append(x.pats[id], int32(pid))
	}
	n := 16
	for n < 2*(len(headID)+len(prefixes)) {
		n <<= 1
	}
	x.slots = make([]tokSlot, n)
	x.mask = uint64(n - 1)
	put := func(s string, head int32, pfx bool) {
		h := hashStr(s)
		for i := h & x.mask; ; i = (i + 1) & x.mask {
			sl := &x.slots[i]
			if sl.h == 0 {
				*sl = tokSlot{h: h, head: head, pfx: pfx}
				return
			}
			if sl.h == h && (sl.head < 0 || head < 0 || x.heads[sl.head] == s) {
				if head >= 0 {
					sl.head = head
				}
				sl.pfx = sl.pfx || pfx
				return
			}
		}
	}
	for h, id := range headID {
		put(h, id, prefixes[h])
	}
	for p := range prefixes {
		if _, isHead := headID[p]; !isHead {
			put(p, -1, true)
		}
	}
	return x
}

// hashStr is FNV-1a, never 0 (0 marks an empty slot).
func hashStr(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	if h == 0 {
		h = 1
	}
	return h
}

// lookup returns the slot of the string whose hash is h, or nil.
func (x *tokIndex) lookup(h uint64) *tokSlot {
	if h == 0 {
		h = 1
	}
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		sl := &x.slots[i]
		if sl.h == h {
			return sl
		}
		if sl.h == 0 {
			return nil
		}
	}
}

// tokens matches the lexicon keys that begin at the word start s (and,
// for a word glued onto a function word, after it).
func (sc *scanState) tokens(s int) {
	x := sc.f.tok
	if x == nil || len(x.heads) == 0 {
		return
	}
	t := sc.n.b
	L := len(t)
	e := s
	for e < L && isWord[t[e]] {
		e++
	}
	sc.tokensFrom(s, e)
	if e-s >= 5 {
		// Every glue word the word begins with: "laabogada" is folded to
		// "labogada", "l" + "abogada".
		for g := 1; g <= 3; g++ {
			if isGlue(t[s:s+g]) && sc.gluedAt(s+g) {
				sc.tokensFrom(s+g, e)
			}
		}
	}
}

func (sc *scanState) tokensFrom(s, e int) {
	x := sc.f.tok
	t := sc.n.b
	h := uint64(fnvOffset)
	for i := s; i < e && i-s < x.maxHead; i++ {
		h = (h ^ uint64(t[i])) * fnvPrime
		sl := x.lookup(h)
		if sl == nil {
			return
		}
		if sl.head >= 0 && x.heads[sl.head] == bytesToStr(t[s:i+1]) {
			for _, pid := range x.pats[sl.head] {
				k := x.keys[pid]
				if len(k) > len(t)-s || string(t[s:s+len(k)]) != bytesToStr(k) {
					continue
				}
				sc.pattern(&x.pat[pid], s, s+len(k))
			}
		}
		if !sl.pfx {
			return
		}
	}
}

// glueTab marks the glue words (glueWords) of one to three letters,
// indexed by their letters.
var glueTab = func() (tab [27 * 27 * 27]bool) {
	for w := range glueWords {
		if len(w) > 3 {
			continue
		}
		tab[glueIdx([]byte(w))] = true
	}
	return
}()

func glueIdx(w []byte) int {
	i := 0
	for k := 0; k < 3; k++ {
		i *= 27
		if k < len(w) {
			i += int(w[k]-'a') + 1
		}
	}
	return i
}

// isGlue: w (one to three bytes) is a glue word.
func isGlue(w []byte) bool {
	for _, c := range w {
		if !isLetter(c) {
			return false
		}
	}
	return glueTab[glueIdx(w)]
}
