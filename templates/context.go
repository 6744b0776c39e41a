package templates

import (
	"slices"
	"sync"
)

// Words that are sensitive only in a sensitive sentence. "entretien"
// (interview, upkeep), "entrevista", "interview": everyday words that,
// beside "OFPRA", "asilo" or an unknown acronym of a local service, name
// the asylum or police interview. They are matched, as prefixes of a
// normalised word, only in a sentence that already has a finding of
// another kind than address, phone, e-mail or URL, and they take the
// legal category ("arrêtée" beside "la recruteuse": arrested, not a
// bus stop), or with a leading "+" the organisation category ("la
// técnica" beside "APF": the association's caseworker). The cost stays bounded: sentences without findings are
// never looked at, and each word of a sentence with one is compared once.

var contextWords = map[uint8][]string{
	langIndex("es"): {"entrevista", "audiencia", "comparecencia", "+tecnica", "+tecnico"},
	langIndex("ca"): {"entrevista", "audiencia", "compareixenca", "+tecnica", "+tecnic"},
	langIndex("it"): {"colloqui", "audizion", "intervista"},
	langIndex("fr"): {"entretien", "audition", "convocation", "arret"},
	langIndex("pt"): {"entrevista", "audicao", "audiencia", "autoriza", "+tecnica", "+tecnico"},
	langIndex("ro"): {"interviu", "audiere", "audierea"},
	langIndex("en"): {"interview", "hearing"},
}

var (
	ctxOnce sync.Once
	ctxNorm map[uint8][]string // contextWords normalised as the text is ("colloqui" -> "coloqui")
	ctxAny  []string
)

func normContextWords() {
	ctxNorm = map[uint8][]string{}
	for l, ws := range contextWords {
		for _, w := range ws {
			plus := ""
			if w[0] == '+' {
				plus, w = "+", w[1:]
			}
			n := plus + normalizeString(w)
			ctxNorm[l] = append(ctxNorm[l], n)
			ctxAny = append(ctxAny, n)
		}
	}
}

func byStart(a, b cand) int { return int(a.s - b.s) }

// contextFindings adds the context words of the sentences that have a
// finding (sc.cands so far).
func (sc *scanState) contextFindings() {
	if len(sc.cands) == 0 {
		return
	}
	t := sc.n.b
	L := len(t)
	var words []string
	ctxOnce.Do(normContextWords)
	if sc.lang == langAny {
		words = ctxAny
	} else {
		words = ctxNorm[sc.lang]
	}
	if len(words) == 0 {
		return
	}
	if !slices.IsSortedFunc(sc.cands, byStart) {
		slices.SortFunc(sc.cands, byStart)
	}
	isEnd := func(c byte) bool { return c == '.' || c == '!' || c == '?' || c == ';' }
	done := -1 // end of the last sentence looked at
	n := len(sc.cands)
	for ci := 0; ci < n; ci++ {
		c := sc.cands[ci]
		if c.cat == catAddress || c.cat == catPhone || c.cat == catEmail || c.cat == catURL || int(c.s) < done {
			continue
		}
		s := int(c.s)
		for s > 0 && !isEnd(t[s-1]) {
			s--
		}
		e := int(c.e)
		for e < L && !isEnd(t[e]) {
			e++
		}
		if s < done {
			s = done
		}
		done = e
		for i := s; i < e; {
			if !isWord[t[i]] {
				i++
				continue
			}
			j := i
			for j < e && isWord[t[j]] {
				j++
			}
			for _, w := range words {
				cat := catLegal
				if w[0] == '+' {
					w, cat = w[1:], catOrganisation
				}
				if j-i >= len(w) && string(t[i:i+len(w)]) == w {
					end := i + len(w)
					for end < L && isWord[t[end]] {
						end++
					}
					sc.add(i, end, cat)
					break
				}
			}
			i = j
		}
	}
}
