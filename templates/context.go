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
// técnica" beside "APF": the association's caseworker), with "*" the
// health category ("la medicació" beside "la psiquiatra", "el consumo"
// beside "CAID"). The cost stays bounded: sentences without findings are
// never looked at, and each word of a sentence with one is compared once.
// The same holds for the words of papers and programmes that name a
// procedure only beside one: a permit ("el permiso del art. 59 bis"),
// a report ("la relazione del CSM", "raportul de la CSM"), a scheme
// ("le dispositif Ac.Sé"), fingerprints for a permit ("la huella del
// TIE"), and the Irish police called "the guards" beside another finding;
// a check-up ("la revisió" beside "l'ASSIR") beside a health finding; a
// summons, a statement and a file beside a legal one ("L'OFPRA t'a
// convoquée", "ton récit", "ta déclaration", "il fascicolo", "el
// expediente").

var contextWords = map[uint8][]string{
	langIndex("es"): {"huella", "entrevista", "audiencia", "comparecencia", "+tecnica", "+tecnico", "*consumo", "*medicacion", "*medicamento", "*tratamiento",
		"permiso", "informe", "+dispositivo", "+monitora", "*revisi", "expedient"},
	langIndex("ca"): {"empremt", "entrevista", "audiencia", "compareixenca", "+tecnica", "+tecnic", "*consum", "*medicacio", "*medicament", "*tractament",
		"permis", "informe", "+dispositiu", "*revisi"},
	langIndex("it"): {"impront", "colloqui", "audizion", "intervista", "*consumo", "*farmac", "*terapi",
		"permesso", "relazion", "+dispositivo", "fascicol"},
	langIndex("fr"): {"empreint", "entretien", "audition", "convocation", "arret", "*consommation", "*traitement", "*medicament",
		"permis", "rapport", "+dispositif", "convoqu", "recit", "declaration"},
	langIndex("pt"): {"impressoes", "entrevista", "audicao", "audiencia", "autoriza", "+tecnica", "+tecnico", "*consumo", "*medicacao", "*medicamento", "*tratamento",
		"relatorio", "+dispositivo"},
	langIndex("ro"): {"amprent", "interviu", "audiere", "audierea", "*consum", "*medicament", "*tratament",
		"permis", "raport", "+dispozitiv"},
	langIndex("en"): {"fingerprint", "guards", "interview", "hearing", "*medication", "*treatment",
		"permit", "report"},
}

// ctxWord is a context word normalised as the text is ("colloqui" ->
// "coloqui"), with its category.
type ctxWord struct {
	w   string
	cat uint8
}

// ctxTable holds a language's context words by their first byte, so a
// word of the text is compared with the two or three that could match.
type ctxTable [256][]ctxWord

var (
	ctxOnce sync.Once
	ctxNorm map[uint8]*ctxTable
	ctxAny  = &ctxTable{}
)

func normContextWords() {
	ctxNorm = map[uint8]*ctxTable{}
	for l, ws := range contextWords {
		tab := &ctxTable{}
		for _, w := range ws {
			cat := catLegal
			switch w[0] {
			case '+':
				w, cat = w[1:], catOrganisation
			case '*':
				w, cat = w[1:], catHealth
			}
			cw := ctxWord{w: normalizeString(w), cat: cat}
			tab[cw.w[0]] = append(tab[cw.w[0]], cw)
			ctxAny[cw.w[0]] = append(ctxAny[cw.w[0]], cw)
		}
		ctxNorm[l] = tab
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
	ctxOnce.Do(normContextWords)
	words := ctxAny
	if sc.lang != langAny {
		words = ctxNorm[sc.lang]
	}
	if words == nil {
		return
	}
	if !slices.IsSortedFunc(sc.cands, byStart) {
		sortByStart(sc.cands)
	}
	isEnd := func(c byte) bool { return c == '.' || c == '!' || c == '?' || c == ';' }
	done := -1 // end of the last sentence looked at
	n := len(sc.cands)
	for ci := 0; ci < n; ci++ {
		c := sc.cands[ci]
		// A name the lists do not know says nothing of its sentence
		// ("entretien" beside a firm's name is a job interview), unless
		// it begins with an acronym, most often a service's ("el CAS
		// de Baluard").
		if c.cat == catAddress || c.cat == catPhone || c.cat == catEmail || c.cat == catURL || int(c.s) < done ||
			c.cat == catUnknown && !sc.acronymAt(int(c.s), sc.wordEnd(int(c.s))) {
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
			for _, cw := range words[t[i]] {
				if j-i >= len(cw.w) && bytesToStr(t[i:i+len(cw.w)]) == cw.w {
					sc.add(i, j, cw.cat)
					break
				}
			}
			i = j
		}
	}
}
