package templates

import "fmt"

// An Aho-Corasick automaton over normalised bytes, compiled to a full DFA:
// failure links are resolved at build time, so scanning costs one table
// lookup per byte whatever the number of terms. Bytes that occur in no
// pattern share class 0, so a row is only as wide as the lexicon's
// alphabet (about 40 classes for the built-in lexicon). States are numbered
// in breadth-first order so the shallow, hot states sit together in memory.

type patKind uint8

const (
	kindTerm      patKind = iota // a lexicon term: its match is a finding
	kindStreet                   // a street-type word: anchors the address scanner
	kindURLScheme                // "http://", "https://", "www.": anchors the URL scanner
	kindSeq                      // first word of a stemmed term (seqPat): checked word by word
	kindStop                     // a stop-list phrase: findings inside it are dropped
	kindDot                      // "dot", "punto", "[.]": a spelt-out dot in a domain
	kindNumWord                  // a digit spelt out, or a word that may split a number
)

type pattern struct {
	n          int32 // length in normalised bytes
	kind       patKind
	cat        uint8       // category index (kindTerm)
	stem       bool        // matches any word that starts with it
	checkStart bool        // first byte is a word byte: needs a word boundary before
	checkEnd   bool        // last byte is a word byte: needs a word boundary after (unless stem)
	street     streetFlags // kindStreet: its flags; kindSeq: the languages of its group (bit per stemLangs index)
	seq        int32       // kindSeq: index into Filter.seqs; kindStop: 1 if a number must follow
	clause     bool        // widen a match to its clause (Term.Clause)
	left       bool        // to the left only (Term.ClauseLeft)
	right      bool        // to the right only, through "and" (Term.ClauseRight)
}

type automaton struct {
	classOf  [256]uint16
	ncls     int32
	delta    []int32 // (next state * ncls) << 1 | has-output bit
	outStart []int32 // per state: its outputs are outList[outStart[s]:outStart[s+1]]
	outList  []int32
	// wordStart: per state, the lengths (bit n) of its outputs that are
	// words found only at a word start (checkStart, every byte a word
	// byte), if every output is one; ^0 otherwise. Such an output ends
	// where the text's word has exactly its length, so at any other word
	// length the state's outputs are all ruled out before they are read:
	// "e", "i", "u" (spelt-out digits and fillers) end inside most words.
	wordStart []uint64
	pats      []pattern
}

// maxCells bounds the transition table (states x classes).
const maxCells = 1 << 28

func buildAutomaton(pats []pattern, keys [][]byte) (*automaton, error) {
	a := &automaton{pats: pats}
	var used [256]bool
	for _, k := range keys {
		for _, c := range k {
			used[c] = true
		}
	}
	n := 1
	for c := 0; c < 256; c++ {
		if used[c] {
			a.classOf[c] = uint16(n)
			n++
		}
	}
	ncls := n
	a.ncls = int32(ncls)

	// Trie, one dense row per node (-1 = no child yet).
	next := make([]int32, ncls)
	for i := range next {
		next[i] = -1
	}
	own := [][]int32{nil}
	for pid, k := range keys {
		s := 0
		for _, c := range k {
			cell := s*ncls + int(a.classOf[c])
			t := next[cell]
			if t < 0 {
				t = int32(len(own))
				next[cell] = t
				if len(own)*ncls > maxCells {
					return nil, fmt.Errorf("lexicon too large for the automaton")
				}
				for i := 0; i < ncls; i++ {
					next = append(next, -1)
				}
				own = append(own, nil)
			}
			s = int(t)
		}
		own[s] = append(own[s], int32(pid))
	}
	nst := len(own)

	// Breadth-first: failure links, then complete the rows into a DFA.
	fail := make([]int32, nst)
	order := make([]int32, 0, nst)
	order = append(order, 0)
	for qi := 0; qi < len(order); qi++ {
		u := int(order[qi])
		row := next[u*ncls : (u+1)*ncls]
		for c := 0; c < ncls; c++ {
			v := row[c]
			if v >= 0 {
				if u == 0 {
					fail[v] = 0
				} else {
					fail[v] = next[int(fail[u])*ncls+c]
				}
				order = append(order, v)
			} else if u == 0 {
				row[c] = 0
			} else {
				row[c] = next[int(fail[u])*ncls+c]
			}
		}
	}

	// Outputs: own patterns, then those of the failure state (already
	// computed, it is shallower).
	outs := make([][]int32, nst)
	for _, u := range order {
		o := own[u]
		if u != 0 && len(outs[fail[u]]) > 0 {
			o = append(append([]int32(nil), o...), outs[fail[u]]...)
		}
		outs[u] = o
	}

	// Renumber in BFS order and pack.
	newID := make([]int32, nst)
	for i, u := range order {
		newID[u] = int32(i)
	}
	a.delta = make([]int32, nst*ncls)
	a.outStart = make([]int32, nst+1)
	for i, u := range order {
		a.outStart[i] = int32(len(a.outList))
		a.outList = append(a.outList, outs[u]...)
	}
	a.outStart[nst] = int32(len(a.outList))
	a.wordStart = make([]uint64, nst)
	for i, u := range order {
		for _, pid := range outs[u] {
			if n := len(keys[pid]); pats[pid].checkStart && n < 64 && allWord(keys[pid]) {
				a.wordStart[i] |= 1 << n
			} else {
				a.wordStart[i] = ^uint64(0)
				break
			}
		}
	}
	for i, u := range order {
		for c := 0; c < ncls; c++ {
			v := newID[next[int(u)*ncls+c]]
			cell := v * int32(ncls) << 1
			if len(outs[order[v]]) > 0 {
				cell |= 1
			}
			a.delta[i*ncls+c] = cell
		}
	}
	return a, nil
}

// states returns the number of DFA states (for tests and benchmarks).
// allWord: every byte of k is a word byte.
func allWord(k []byte) bool {
	for _, c := range k {
		if !isWord[c] {
			return false
		}
	}
	return true
}

func (a *automaton) states() int { return len(a.delta) / int(a.ncls) }
