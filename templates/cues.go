package templates

import "slices"

// Benign cues: a word that is sensitive on its own is everyday beside a
// cue of its everyday sense in the same sentence. A clinic that mends
// bikes, a typeface named Police, a refuge on a hiking trip, the curator
// of an exhibition, the board of an exam, a TV inspector, a school's
// courtyard. Each group pairs the words (normalised, as whole words) with
// the cues that make them benign (whole words too, in every language:
// "bici" or "fontul" says the same in any of them). A candidate is
// dropped when it is short (four words at most), its first word (after
// an article) is in a group, and a cue of that group is in the same
// sentence; a clause, a longer match or one that begins with another
// word ("casa de abrigo", "women's refuge") is left alone. Only sentences with such a word are looked at.

type cueGroup struct {
	words, cues map[string]bool
}

var benignCueGroups = []cueGroup{
	{ // a bike repair clinic
		words: normWordSet(`clinic clinics clinica clinicas clínica clínicas clinique cliniques cliniche`),
		cues: normWordSet(`bike bikes bicycle bicycles cycle cycles bici bicis bicicleta bicicletas bicicletes biciclete bicicleta
			bicicletta biciclette vélo vélos velo bicla`),
	},
	{ // Police, the typeface
		words: normWordSet(`police`),
		cues:  normWordSet(`font fonts typeface fuente tipografía tipografia tipografie lletra letra fontul fontului carattere caractère caracteres`),
	},
	{ // a mountain hut on a walk
		words: normWordSet(`refugio refugios refugi refugis refuge refuges rifugio rifugi refúgio refúgios refugiu refugiul cabana`),
		cues: normWordSet(`montaña montañas muntanya muntanyes montagne montagnes montagna montagne montanha montanhas munte munți munti
			excursión excursion excursió excursio excursions escursione gita excursão excursao excursie excursia
			rando randonnée randonnee randos senderismo senderisme caminada caminades caminhada caminhadas trilho
			trekking trek hike hiking hikes drumeție drumetie alpin alpino alpina alpine hut cim cima cumbre sommet`),
	},
	{ // the curator of an exhibition
		words: normWordSet(`comisaria comisario comissària comissaria comissari commissaria commissario commissaire comisară comisara comisarul curator`),
		cues: normWordSet(`expo expos exposición exposicion exposició exposicio mostra exposition expositions exposição exposicao expoziție expozitie expoziția expozitia
			museo museu musée musee muzeu museum galería galeria galleria galerie galeria gallery biennale bienal vernissage`),
	},
	{ // the board of an exam or a competition
		words: normWordSet(`tribunal tribunale tribunalul`),
		cues: normWordSet(`examen exámenes examens exam exams esame esami exame exames examenul examenului oposiciones oposicions oposición
			concurso concurs concours tesis tesi thèse these teză teza tfg tfm`),
	},
	{ // a detective on TV
		words: normWordSet(`commissario comisario comissari commissaire inspector inspectora inspecteur inspectrice ispettore ispettrice inspetor inspetora comisarul detective`),
		cues: normWordSet(`tv tele televisión television televisió televisione télé télévision televisão televisao televizor serie series série séries
			serial episodio episodi épisode episode episódio episod temporada stagione saison season sezon netflix rai rai1 rai2 rai3
			bbc itv rtve tve tv3 tf1 m6 rtp sic tvi pro digi hbo`),
	},
	{ // a radio or magazine advice column
		words: normWordSet(`consultorio consultori consultório consultorios`),
		cues:  normWordSet(`radio rádio ràdio revista programa podcast sentimental sentimentale`),
	},
	{ // a bus shelter
		words: normWordSet(`abrigo abrigos adăpost adapost adăpostul adapostul shelter refugio`),
		cues: normWordSet(`paragem paragens autocarro autocarros autobús autobus autobuses autobuz autobuzul autobuze bus buses
			stație statie stația statia stației statiei parada fermata tram tramvai troleibuz carris stcp`),
	},
	{ // a school's courtyard
		words: normWordSet(`cour`),
		cues:  normWordSet(`école ecole récré recre récréation recreation collège college lycée lycee crèche creche maternelle immeuble`),
	},
}

// cueWordGroups: for each word of a group, the groups it belongs to;
// cueWordLens: by first byte, the lengths (bit per length, below 32) of
// those words, so most words of a candidate are ruled out without a map
// lookup.
var cueWordGroups, cueWordLens = func() (map[string][]int, *[256]uint32) {
	m := map[string][]int{}
	lens := &[256]uint32{}
	for gi, g := range benignCueGroups {
		for w := range g.words {
			m[w] = append(m[w], gi)
			if len(w) < 32 {
				lens[w[0]] |= 1 << len(w)
			}
		}
	}
	return m, lens
}()

// maxCueCandWords bounds the words of a candidate that a cue drops:
// "la clínica", "Commissario Montalbano", "el refugio de Peñalara".
const maxCueCandWords = 4

// cueWindow bounds how far a cue is looked for, each way.
const cueWindow = 200

// dropBenignCues removes the short lexicon, context and unknown-name
// candidates whose word has a benign cue in its sentence.
func (sc *scanState) dropBenignCues() {
	if len(sc.cands) == 0 {
		return
	}
	t := sc.n.b
	var benignSentences []benignSentence
	cues := sc.cueBuf[:0]
	covS, covE := 0, 0
	defer func() { sc.cueBuf = cues }()
	out := sc.cands[:0]
	for _, c := range sc.cands {
		if c.cat == catAddress || c.cat == catPhone || c.cat == catEmail || c.cat == catURL || c.cat == catNotInVocab || c.te > c.ts {
			out = append(out, c)
			continue
		}
		drop := false
		first := true
		nw := 0
		var groups []int
		for i := int(c.s); i < int(c.e) && nw <= maxCueCandWords && (first || groups != nil); {
			if !isWord[t[i]] {
				i++
				continue
			}
			j := i
			for j < int(c.e) && isWord[t[j]] {
				j++
			}
			nw++
			if first && j-i < 32 && cueWordLens[t[i]]&(1<<(j-i)) != 0 {
				groups = cueWordGroups[bytesToStr(t[i:j])]
			}
			// Only the first word of the candidate, after an article:
			// "casa de abrigo" beside "paragem" is still a shelter.
			first = first && groups == nil && j-i <= 5 && articleWords[bytesToStr(t[i:j])]
			i = j
		}
		if groups != nil && nw <= maxCueCandWords {
			// The sentence around the candidate, at most cueWindow bytes
			// each way: the cost stays linear in a text of one long
			// sentence full of such words.
			s, e := sc.cueSentence(int(c.s), int(c.e))
			// The cue words read so far cover [covS, covE): a window
			// within is not read again, one that goes on from it is read
			// from covE only (a text of one long sentence full of such
			// words is read once), any other is read afresh.
			switch {
			case s >= covS && e <= covE:
			case s >= covS && s <= covE:
				cues = sc.cuePositionsIn(cues, covE, e)
				covE = e
			default:
				cues = sc.cuePositionsIn(cues[:0], s, e)
				covS, covE = s, e
			}
			k, _ := slices.BinarySearchFunc(cues, s, func(x cuePos, s int) int { return int(x.pos) - s })
			for ; k < len(cues) && int(cues[k].pos) < e && !drop; k++ {
				for _, g := range groups {
					if cues[k].groups&(1<<g) != 0 {
						drop = true
						if n := len(benignSentences) - 1; n < 0 || benignSentences[n] != (benignSentence{s, e, g}) {
							benignSentences = append(benignSentences, benignSentence{s, e, g})
						}
						break
					}
				}
			}
		}
		if !drop {
			out = append(out, c)
		}
	}
	sc.cands = out
	if benignSentences != nil {
		slices.SortFunc(benignSentences, func(a, b benignSentence) int { return a.s - b.s })
		sc.dropCueNames(benignSentences)
	}
}

// cuePos: a cue word at normalised offset pos, of the groups (bit per
// group).
type cuePos struct {
	pos    int32
	groups uint32
}

// cueGroupsOf: for each cue word, its groups; cueKeys: by first byte
// and length (below 32), the last bytes of the cue words (bit per
// lastBit), so that most words of a text are ruled out without a map
// lookup.
var cueGroupsOf, cueKeys = func() (map[string]uint32, *[256][32]uint32) {
	m := map[string]uint32{}
	keys := &[256][32]uint32{}
	for gi, g := range benignCueGroups {
		for w := range g.cues {
			m[w] |= 1 << gi
			if len(w) < 32 {
				keys[w[0]][len(w)] |= lastBit(w[len(w)-1])
			}
		}
	}
	return m, keys
}()

// lastBit: a bit for the last byte of a word (letters one each, the
// other bytes share the rest).
func lastBit(c byte) uint32 {
	if c >= 'a' && c <= 'z' {
		return 1 << (c - 'a')
	}
	return 1 << (26 + c%6)
}

// cueSentence returns the sentence around [s,e), at most cueWindow
// bytes each way.
func (sc *scanState) cueSentence(s, e int) (int, int) {
	t := sc.n.b
	L := len(t)
	isEnd := func(c byte) bool { return c == '.' || c == '!' || c == '?' || c == ';' }
	s0, e0 := s, e
	for s > 0 && s0-s < cueWindow && !isEnd(t[s-1]) {
		s--
	}
	for e < L && e-e0 < cueWindow && !isEnd(t[e]) {
		e++
	}
	return s, e
}

// cuePositionsIn appends to out the cue words that begin in [s,e).
func (sc *scanState) cuePositionsIn(out []cuePos, s, e int) []cuePos {
	t := sc.n.b
	for i := s; i < e; {
		if !isWord[t[i]] {
			i++
			continue
		}
		j := i
		for j < len(t) && isWord[t[j]] {
			j++
		}
		if j-i < 32 && cueKeys[t[i]][j-i]&lastBit(t[j-1]) != 0 {
			if g := cueGroupsOf[bytesToStr(t[i:j])]; g != 0 {
				out = append(out, cuePos{pos: int32(i), groups: g})
			}
		}
		i = j
	}
	return out
}

// benignSentence: the sentence [s,e) has a word of group g beside its
// cue.
type benignSentence struct{ s, e, g int }

// dropCueNames removes the unknown names that complete a benign phrase:
// the capitalised name right after a word or a cue of the group that
// made its sentence benign, particles between ("el refugio de
// Peñalara", "l'exposició del Born").
// bs is sorted by start: each name is compared with the few spans that
// can hold it.
func (sc *scanState) dropCueNames(bs []benignSentence) {
	var buf [3]string
	out := sc.cands[:0]
	for _, c := range sc.cands {
		keep := true
		if c.cat == catUnknown {
			// the last few spans that begin at or before the name
			k, _ := slices.BinarySearchFunc(bs, int(c.s)+1, func(b benignSentence, s int) int { return b.s - s })
			for x := k - 1; x >= 0 && x >= k-4; x-- {
				b := bs[x]
				if int(c.e) > b.e {
					continue
				}
				n, _ := sc.prevWords(int(c.s), buf[:])
				for _, w := range buf[:n] {
					if nameParticles[w] {
						continue
					}
					g := &benignCueGroups[b.g]
					keep = !g.words[w] && !g.cues[w]
					break
				}
				if !keep {
					break
				}
			}
		}
		if keep {
			out = append(out, c)
		}
	}
	sc.cands = out
}
