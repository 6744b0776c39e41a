package templates

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// Benign cues: a word that is sensitive on its own is everyday when a
// cue of its everyday sense stands right beside it. A clinic that mends
// bikes, a typeface named Police, a mountain refuge, the curator of an
// exhibition, the board of an exam, a TV inspector, a school's
// courtyard. Each group pairs the words (normalised, as whole words) with
// the cues that make them benign (whole words too, in every language:
// "bici" or "fontul" says the same in any of them). A candidate is
// dropped when it is short (four words at most), its first word (after
// an article) is in a group, and a cue of that group is the word just
// before it ("bike clinic", "fontul Police") or follows it with at most
// a few linking words between and no punctuation ("clínica de
// bicicletas", "refugio de montaña", "comisaria de la exposición",
// "Police font"); a clause, a longer match or one that begins with
// another word ("casa de abrigo", "women's refuge") is left alone.
//
// A cue elsewhere in the sentence says nothing: "el inspector quiere
// hablar del episodio", "the clinic will check your cycle". A cue is
// listed only if its other senses cannot stand beside such a word:
// episode, season and series (an incident, a stay, a series of photos),
// programme, thesis, contest, gallery and museum (a landmark), "Expo" (a
// district), top, cycle, pro, sic, tvi, m6 and digi are not cues; "rai"
// (a surname, paradise) is one only with a channel digit; a hike or an
// excursion is one only before the word ("excursión al refugio", never
// "el refugio organiza una excursión"). The words between a word and a
// cue after it are articles and "of" ("un examen en el tribunal", "the
// bus to the shelter" are not benign), and a cue before the word must be
// right before it ("paragem do abrigo" is the stop named after the
// shelter).

type cueGroup struct {
	words, cues map[string]bool
	// links: the words, besides cueLinks, that may stand between the
	// word and a cue after it; names: a capitalised word may too;
	// before: the words that may stand between a cue and the word after
	// it ("la fuente tipo Police", "excursión al refugio"); onlyBefore:
	// cues that count only before the word ("el refugio organiza una
	// excursión" is her refuge's outing).
	links, before, onlyBefore map[string]bool
	names                     bool
}

// cueLinks: the words that may stand between a word and its cue after
// it: "of" and the articles after it, never a place's preposition nor
// "the" alone ("the shelter the bus stops at") ("al", "to", "in",
// "en": "un examen en el tribunal", "the bus to the shelter").
var cueLinks = normWordSet(`de del dels d l la las los el les lo di della dello delle dei degli da do dos das du des din of`)

// cueMaxBetween bounds the words between a word and its cue after it.
const cueMaxBetween = 3

var benignCueGroups = []cueGroup{
	{ // a bike repair clinic
		words: normWordSet(`clinic clinics clinica clinicas clínica clínicas clinique cliniques cliniche`),
		cues:  normWordSet(`bike bikes bicycle bicycles bici bicis bicicleta bicicletas bicicletes biciclete bicicletta biciclette vélo vélos bicla`),
	},
	{ // Police, the typeface
		words:  normWordSet(`police`),
		cues:   normWordSet(`font fonts typeface fuente tipografía tipografia tipografie fontul fontului lletra letra carattere caractère caractères caracteres`),
		before: normWordSet(`tipo type`),
	},
	{ // a mountain hut
		words: normWordSet(`refugio refugios refugi refugis refuge refuges rifugio rifugi refúgio refúgios refugiu refugiul cabana`),
		cues: normWordSet(`montaña montañas muntanya muntanyes montagne montagnes montagna montanha montanhas munte munți munti
			mountain mountains alpin alpino alpina alpine`),
		onlyBefore: normWordSet(`excursión excursion excursió excursio escursione gita excursie
			rando randonnée randonnee senderismo senderisme trekking hiking drumeție drumetie`),
		before: normWordSet(`al a au jusqu jusqu'au to the la pana fino até ate ao`),
	},
	{ // the curator of an exhibition
		words: normWordSet(`comisaria comisario comissària comissaria comissari commissaria commissario commissaire comisară comisara comisarul curator`),
		cues: normWordSet(`exposición exposicion exposició exposicio exposition expositions exposição exposicao expoziție expozitie expoziția expozitia
			biennale bienal vernissage`),
	},
	{ // the board of an exam or a competitive exam
		words: normWordSet(`tribunal tribunale tribunalul`),
		cues:  normWordSet(`examen exámenes examens exam exams esame esami exame exames examenului oposiciones oposicions tfg tfm`),
	},
	{ // a detective on TV
		words: normWordSet(`commissario comisario comissari commissaire inspector inspectora inspecteur inspectrice ispettore ispettrice inspetor inspetora comisarul detective`),
		cues: normWordSet(`tv tele televisión television televisió televisione télé télévision televisão televisao televizor
			netflix rai rai1 rai2 rai3 bbc itv rtve tve tv3 tf1 rtp hbo`),
		// "Inspector Morse is on ITV", "l'ispettore Coliandro su Rai2"
		links: normWordSet(`on su sur à pe is è est este é es`),
		names: true,
	},
	{ // a radio or magazine advice column
		words: normWordSet(`consultorio consultori consultório consultorios`),
		cues:  normWordSet(`radio rádio ràdio podcast sentimental sentimentale`),
	},
	{ // a bus shelter
		words: normWordSet(`abrigo abrigos adăpost adapost adăpostul adapostul shelter`),
		cues: normWordSet(`paragem paragens autocarro autocarros autobús autobus autobuses autobuz autobuzul autobuze bus buses
			stație statie stația statia stației statiei fermata tram tramvai troleibuz carris stcp`),
	},
	{ // a cooking recipe
		words: normWordSet(`receta recetas recepta receptes ricetta ricette receita receitas reteta retete rețeta rețetă rețete recipe`),
		cues: normWordSet(`bolo bolos bizcocho tarta tartas pastel pasteles torta torte pastís pastis coca galletas galetes biscotti bolachas biscuits
			cookies cake cakes gâteau gateau gâteaux crêpes crepes tiramisù tiramisu lasagna lasaña paella arroz arròs arros risotto
			sopa sopas soupe zuppa ciorbă ciorba supă supa cozonac prăjitură prajitura prăjituri prajituri pâine paine pão pao pan pa
			pizza pasta tortilla flan bacalhau bacalao croquetas croquetes hummus curry cocina cuina cucina cuisine cozinha bucătărie bucatarie
			abuela avia àvia nonna grand-mère avó avo bunica bunicii grandma granny mum's mom's`),
		onlyBefore: normWordSet(`cocina cuina cucina cuisine cozinha`),
	},
	{ // a crime novel, film or series
		words: normWordSet(`policiaca policíaca policiacas policíacas policiaco policíaco policíac policiac policial policiais policier policière policiere
			policiers poliziesco poliziesca polizieschi politist polițist politiste polițiste`),
		cues: normWordSet(`novela novelas novel novels romance romances roman romans romanul romane romanzo romanzi llibre libro libros livro livros
			book books film films filme filmes filmul pelicula película peli pelis serie series série séries serial serialul fiction`),
	},
	{ // a sentence written in a language class
		words:  normWordSet(`sentence sentences`),
		cues:   normWordSet(`one simple short full first last english grammar write writing homework complete each every example`),
		before: normWordSet(`a the`),
	},
	{ // a driving licence and its test
		words: normWordSet(`permis permiso permís permesso permisul carnet carné carnê patente`),
		cues: normWordSet(`examen examenul exam esame exame conducir conduire conducere conduzir conduir conducció guida
			autoescuela autoescola autoscuola auto-école autoecole scuola-guida condução conducao driving categoria catégorie categoría`),
		before: normWordSet(`de del`),
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

// dropBenignCues removes the short lexicon, context and unknown-name
// candidates whose word has a benign cue beside it. Each candidate reads
// a few words around it, each at most cueMaxWordLen bytes: the cost is
// linear in the text.
func (sc *scanState) dropBenignCues() {
	if len(sc.cands) == 0 {
		return
	}
	t := sc.n.b
	var spans []benignSpan
	out := sc.cands[:0]
	for _, c := range sc.cands {
		if c.cat == catAddress || c.cat == catPhone || c.cat == catEmail || c.cat == catURL || c.cat == catNotInVocab || c.te > c.ts {
			out = append(out, c)
			continue
		}
		first := true
		nw := 0
		var groups []int
		ws, we := 0, 0
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
				if groups = cueWordGroups[bytesToStr(t[i:j])]; groups != nil {
					ws, we = i, j
				}
			}
			// Only the first word of the candidate, after an article:
			// "casa de abrigo" beside "paragem" is still a shelter.
			// "a" and "o" are the Portuguese articles ("a receita").
			first = first && groups == nil && j-i <= 5 && (articleWords[bytesToStr(t[i:j])] || j-i == 1 && (t[i] == 'a' || t[i] == 'o'))
			i = j
		}
		drop := false
		if groups != nil && nw <= maxCueCandWords {
			for _, g := range groups {
				if e, ok := sc.cueBeside(ws, we, int(c.e), g); ok {
					drop = true
					spans = append(spans, benignSpan{min(ws, int(c.s)), max(e, int(c.e)), g})
					break
				}
			}
		}
		if !drop {
			out = append(out, c)
		}
	}
	sc.cands = out
	if spans != nil {
		slices.SortFunc(spans, func(a, b benignSpan) int { return a.s - b.s })
		sc.dropCueNames(spans)
	}
}

// cueMaxWordLen bounds the length of a word read around a candidate,
// cueMaxGap the bytes between two words: each candidate reads a bounded
// stretch around it.
const (
	cueMaxWordLen = 24
	cueMaxGap     = 4
)

// cueBeside reports whether a cue of group g stands beside the word
// [ws,we) of a candidate that ends at ce: the word right before it
// (spaces only between), or a word after it with at most cueMaxBetween
// words between, each a link of the group or within the candidate (or
// capitalised, if the group takes names), and no punctuation. It
// returns the end of the cue.
func (sc *scanState) cueBeside(ws, we, ce, g int) (int, bool) {
	t := sc.n.b
	grp := &benignCueGroups[g]
	// the word right before, or the one before a link of the group's
	// before
	p := ws
	for n := 0; n < 3; n++ {
		q := p
		for q > 0 && p-q < cueMaxGap && (t[q-1] == ' ' || t[q-1] == '\'' || t[q-1] == '-') {
			q--
		}
		if q == p || (q > 0 && !isWord[t[q-1]]) {
			break
		}
		p = q
		for q > 0 && isWord[t[q-1]] && p-q <= cueMaxWordLen {
			q--
		}
		if q == p || (q > 0 && isWord[t[q-1]]) {
			break
		}
		w := bytesToStr(t[q:p])
		if (grp.cues[w] || grp.onlyBefore[w]) && sc.channelDigit(q, w) {
			return ws, true
		}
		if !grp.before[w] {
			break
		}
		p = q
	}
	// the words after
	i := we
	for between := 0; between <= cueMaxBetween; between++ {
		k := i
		for k < len(t) && k-i < cueMaxGap && (t[k] == ' ' || t[k] == '\'' || t[k] == '-') {
			k++
		}
		if k == i || k == len(t) || !isWord[t[k]] {
			return 0, false
		}
		j := k
		for j < len(t) && isWord[t[j]] && j-k <= cueMaxWordLen {
			j++
		}
		if j < len(t) && isWord[t[j]] {
			return 0, false
		}
		w := bytesToStr(t[k:j])
		if grp.cues[w] && sc.channelDigit(k, w) && (w != "font" || fontIsTypeface(sc.lang)) {
			return j, true
		}
		if !(k < ce || cueLinks[w] || grp.links[w] || grp.names && sc.capitalised(k)) {
			return 0, false
		}
		i = j
	}
	return 0, false
}

// channelDigit: a cue other than "rai" is itself; "rai" (a surname, a
// word for paradise) is a cue only as a channel, a digit after it in
// the original ("Rai1", "RAI 3": the digit 1 folds into the word).
func (sc *scanState) channelDigit(i int, w string) bool {
	if w != "rai" {
		return true
	}
	o := sc.n.src[i] + 3
	orig := sc.n.orig
	if o < len(orig) && orig[o] == ' ' {
		o++
	}
	return o < len(orig) && orig[o] >= '1' && orig[o] <= '3' && (o+1 == len(orig) || orig[o+1] < '0' || orig[o+1] > '9')
}

// fontIsTypeface: "font" after "police" is a typeface but in French
// ("les gars de la police font des contrôles") and Catalan (a fountain),
// or when the language is not known.
func fontIsTypeface(lang uint8) bool {
	return lang != langAny && lang != langFr && lang != langCa
}

var langFr, langCa = scanLang("fr"), scanLang("ca")

// capitalised: the original of the word at normalised offset i begins
// with a capital letter.
func (sc *scanState) capitalised(i int) bool {
	o := sc.n.src[i]
	if o >= len(sc.n.orig) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(sc.n.orig[o:])
	return unicode.IsUpper(r)
}

// benignSpan: [s,e) holds a word of group g and its cue.
type benignSpan struct{ s, e, g int }

// dropCueNames removes the unknown names that complete a benign phrase:
// a capitalised name right after (particles between) a word or a cue of
// the group, within the span that made it benign ("el refugio de
// Peñalara", "l'exposició del Born"), or that is itself a cue of it
// ("su Rai2").
// bs is sorted by start: each name is compared with the few spans that
// can hold it.
func (sc *scanState) dropCueNames(bs []benignSpan) {
	t := sc.n.b
	out := sc.cands[:0]
	for _, c := range sc.cands {
		keep := true
		if c.cat == catUnknown {
			// the name's first word, and the nearest word before it
			// that is not a particle (at most three words back)
			s := int(c.s)
			j := s
			for j < int(c.e) && isWord[t[j]] && j-s <= cueMaxWordLen {
				j++
			}
			own := bytesToStr(t[s:j])
			ps, pw := -1, ""
			p := s
			for n := 0; n < 3 && p > 0; n++ {
				for q := p; p > 0 && q-p < cueMaxGap && !isWord[t[p-1]]; {
					p--
				}
				if p > 0 && !isWord[t[p-1]] {
					break
				}
				q := p
				for p > 0 && isWord[t[p-1]] && q-p < cueMaxWordLen {
					p--
				}
				if p == q {
					break
				}
				if w := bytesToStr(t[p:q]); !nameParticles[w] {
					ps, pw = p, w
					break
				}
			}
			// the last few spans that begin at or before the name
			k, _ := slices.BinarySearchFunc(bs, s+1, func(b benignSpan, s int) int { return b.s - s })
			for x := k - 1; x >= 0 && x >= k-4 && keep; x-- {
				b := bs[x]
				g := &benignCueGroups[b.g]
				switch {
				case s < b.e && g.cues[own]:
					keep = false
				case ps >= b.s && ps < b.e && (g.words[pw] || g.cues[pw]):
					keep = false
				}
			}
		}
		if keep {
			out = append(out, c)
		}
	}
	sc.cands = out
}
