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

// The table is open-addressed: slots[i].hash is the FNV-1a hash of a head
// or of a proper prefix of one (0: empty), slots[i].val its head index
// << 1 | 1 if it is a proper prefix of some head (head index -1: only a
// prefix). A slot is 8 bytes, its hash (folded to 32 bits: a false hit on
// a prefix costs one more probe, and a head found is verified against its
// whole key) beside its value, so a probe reads one cache line even when
// a large lexicon's table is out of the cache.
//
// A head's keys and patterns lie together, in head order, so a word
// that finds its head reads one run of entries (and of key bytes), not
// a list of indexes into the pattern and key arrays.
type tokIndex struct {
	slots []tokSlot
	mask  uint64
	heads []string
	// ents[entStart[h]:entStart[h+1]]: head h's keys with their
	// patterns, in the order the patterns were given.
	ents     []tokEntry
	entStart []int32
	maxHead  int
	// short: what lookup gives for the strings of one and two letters
	// or digits (shortIndex; noValue: not found), read without a probe
	// into the large table: every word costs one or two of these.
	short [37 * 37]int32
}

type tokSlot struct {
	hash uint32
	val  int32
}

type tokEntry struct {
	key string // the whole key, in one arena for all keys
	pat pattern
}

// noValue marks a string of short that lookup does not find.
const noValue = -1 << 31

// shortClass numbers the letters and digits from 1 (0: another byte).
var shortClass = func() (c [256]uint8) {
	for b := 'a'; b <= 'z'; b++ {
		c[b] = uint8(b-'a') + 1
	}
	for b := '0'; b <= '9'; b++ {
		c[b] = uint8(b-'0') + 27
	}
	return
}()

// shortIndex is the index in tokIndex.short of the string a, or ab (b
// != 0), of shortClass numbers.
func shortIndex(a, b uint8) int { return int(a)*37 + int(b) }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// headOf is the part of a key up to its first non-word byte, or up to its
// second when its first word is a short function word ("la receta", "te
// ha", "who ran"): the keys that begin with "la", "te" or "que" are many,
// and each would be compared wherever the word stands.
func headOf(k []byte) []byte {
	for i, c := range k {
		if !isWord[c] {
			if i > shortHead || i+1 >= len(k) || !isWord[k[i+1]] {
				return k[:i]
			}
			for j := i + 1; j < len(k); j++ {
				if !isWord[k[j]] {
					return k[:j]
				}
			}
			return k
		}
	}
	return k
}

// shortHead: a first word this long or shorter takes the next word into
// the head of its key.
const shortHead = 3

func buildTokIndex(pats []pattern, keys [][]byte) *tokIndex {
	x := &tokIndex{}
	// headPats: per head, its patterns (indexes into pats).
	var headPats [][]int32
	headID := map[string]int32{}
	prefixes := map[string]bool{}
	for pid, k := range keys {
		h := string(headOf(k))
		id, ok := headID[h]
		if !ok {
			id = int32(len(x.heads))
			headID[h] = id
			x.heads = append(x.heads, h)
			headPats = append(headPats, nil)
			if len(h) > x.maxHead {
				x.maxHead = len(h)
			}
			for l := 1; l < len(h); l++ {
				prefixes[h[:l]] = true
			}
		}
		headPats[id] = append(headPats[id], int32(pid))
	}
	n := 16
	for n < 2*(len(headID)+len(prefixes)) {
		n <<= 1
	}
	x.slots = make([]tokSlot, n)
	x.mask = uint64(n - 1)
	put := func(str string, head int32, pfx bool) {
		h := hash32(hashStr(str))
		v := head << 1
		if pfx {
			v |= 1
		}
		for i := uint64(h) & x.mask; ; i = (i + 1) & x.mask {
			sl := &x.slots[i]
			if sl.hash == 0 {
				*sl = tokSlot{h, v}
				return
			}
			if sl.hash == h {
				// Two strings with one 32-bit hash share the slot: it is a
				// prefix if either is, and the patterns of two heads are
				// merged into the first one's list (a pattern found is
				// verified against its whole key, so one reached through
				// the other head's prefix matches only where its own
				// key is).
				if pfx {
					sl.val |= 1
				}
				if head >= 0 {
					if old := sl.val >> 1; old >= 0 && old != head {
						headPats[old] = append(headPats[old], headPats[head]...)
					} else {
						sl.val = head<<1 | sl.val&1
					}
				}
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
	var arena []byte
	for _, ps := range headPats {
		for _, pid := range ps {
			arena = append(arena, keys[pid]...)
		}
	}
	all := string(arena)
	x.entStart = make([]int32, len(headPats)+1)
	off := 0
	for h, ps := range headPats {
		x.entStart[h] = int32(len(x.ents))
		for _, pid := range ps {
			n := len(keys[pid])
			x.ents = append(x.ents, tokEntry{key: all[off : off+n], pat: pats[pid]})
			off += n
		}
	}
	x.entStart[len(headPats)] = int32(len(x.ents))
	for b1 := 0; b1 < 256; b1++ {
		for b2 := -1; b2 < 256; b2++ {
			str := string([]byte{byte(b1)})
			if b2 >= 0 {
				str += string([]byte{byte(b2)})
			}
			a, b := shortClass[b1], uint8(0)
			if b2 >= 0 {
				b = shortClass[b2]
			}
			if a == 0 || b2 >= 0 && b == 0 {
				continue
			}
			x.short[shortIndex(a, b)] = noValue
			if v, ok := x.lookup(hashStr(str)); ok {
				x.short[shortIndex(a, b)] = v
			}
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

// hash32 folds a 64-bit hash to the table's 32 bits, never 0 (0 marks an
// empty slot).
func hash32(h uint64) uint32 {
	x := uint32(h>>32) ^ uint32(h)
	if x == 0 {
		x = 1
	}
	return x
}

// lookup returns the value of the string whose hash is h, and whether
// there is one.
func (x *tokIndex) lookup(h64 uint64) (int32, bool) {
	h := hash32(h64)
	for i := uint64(h) & x.mask; ; i = (i + 1) & x.mask {
		switch sl := x.slots[i]; sl.hash {
		case h:
			return sl.val, true
		case 0:
			return 0, false
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
	sc.tokensFrom(s)
	if glueFirst[t[s]] && s+5 <= len(t) && isWord[t[s+1]] && isWord[t[s+2]] && isWord[t[s+3]] && isWord[t[s+4]] {
		// A word of five bytes or more (not walked to its end: most
		// are not glued). Every glue word it begins with: "laabogada"
		// is folded to "labogada", "l" + "abogada".
		for g := 1; g <= 3; g++ {
			if isGlue(t[s:s+g]) && sc.gluedAt(s+g) {
				sc.tokensFrom(s + g)
			}
		}
	}
}

func (sc *scanState) tokensFrom(s int) {
	x := sc.f.tok
	t := sc.n.b
	h := uint64(fnvOffset)
	// A head may take the word after a short one (headOf): past the word,
	// walk goes on while the bytes so far are the prefix of a head.
	a := shortClass[t[s]]
	for i := s; i < len(t) && i-s < x.maxHead; i++ {
		h = (h ^ uint64(t[i])) * fnvPrime
		var v int32
		var ok bool
		if i-s < 2 && a != 0 && (i == s || shortClass[t[i]] != 0) {
			var b uint8
			if i > s {
				b = shortClass[t[i]]
			}
			v = x.short[shortIndex(a, b)]
			ok = v != noValue
		} else {
			v, ok = x.lookup(h)
		}
		if !ok {
			return
		}
		if head := v >> 1; head >= 0 {
			for k := x.entStart[head]; k < x.entStart[head+1]; k++ {
				e := &x.ents[k]
				if len(e.key) > len(t)-s || bytesToStr(t[s:s+len(e.key)]) != e.key {
					continue
				}
				sc.pattern(&e.pat, s, s+len(e.key))
			}
		}
		if v&1 == 0 {
			return
		}
	}
}

// glueFirst marks the letters a glue word begins with.
var glueFirst = func() (f [256]bool) {
	for w := range glueWords {
		f[w[0]] = true
	}
	return
}()

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
