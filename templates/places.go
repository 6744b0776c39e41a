package templates

import "slices"

// Places that are not streets. A dwelling or a service's building named
// by where it is ("al pis de Badalona", "the house in Wembley", "la
// mosquée de la rue Polonceau", "na junta de freguesia de Arroios") says
// where she lives or where a service is, as a street does; so does a
// floor or a door ("el 3º B", "et. 2", "interno 4") and an address's
// label before it ("a morada nova é Rua ..."). The automaton finds the
// nouns (kindStreet patterns flagged stPlace, stLabel or stUnit); the
// place nouns are read once the scan is done, when the streets after them
// are known.

// placeNounSpec: as streetTypeSpec; p: a dwelling or a building a
// service is in, l: a word that introduces an address, u: a floor, a flat,
// a staircase or a door before its number or letter.
var placeNounSpec = []string{
	// dwellings
	"piso p", "pisito p", "casa p", "habitacion p", "apartamento p", "pis p", "habitacio p",
	"apartament p", "appartamento p", "stanza p", "alloggio p", "monolocale p", "appartement p",
	"appart p", "chambre p", "maison p", "logement p", "quarto p", "apartamentul p",
	"garsoniera p", "garsoniere p", "camera p", "chirie p", "locuinta p", "house p", "flat p",
	"room p", "bedsit p", "apartment p",
	// buildings services are in
	"parroquia p", "parrocchia p", "paroisse p", "paroquia p", "parohia p", "parish p",
	"mezquita p", "mesquita p", "moschea p", "mosquee p", "mosque p", "moscheea p",
	"iglesia p", "esglesia p", "chiesa p", "eglise p", "igreja p", "biserica p", "church p",
	"escuela p", "escola p", "scuola p", "ecole p", "school p", "scoala p", "gradinita p",
	"cresa p", "guarderia p", "liceul p", "nursery p", "junta de freguesia p", "community centre p",
	"community center p", "centro social p", "centre social p", "centro civico p", "centre civic p",
	"edificio p", "edifici p", "immeuble p", "predio p", "cladirea p", "cladire p", "building p",
	"sediul p", "ambulatorio p", "consultorio p",
	// labels
	"direccion l", "adreca l", "indirizzo l", "adresse l", "address l", "morada l", "endereco l",
	"adresa l", "adresa este l",
	// units
	"piso u", "planta u", "etaj u", "etajul u", "et u", "ap u", "apt u", "apartamentul u",
	"interno u", "int u", "scara u", "sc u", "scala u", "escalera u", "esc u", "puerta u", "pta u",
	"porta u", "bloc u", "blocul u", "bl u", "flat u", "appt u", "bat u", "batiment u",
	"escalier u",
	// near, behind, next to
	"cerca de x", "cerca del x", "al lado de x", "al lado del x", "detras de x", "detras del x",
	"enfrente de x", "enfrente del x", "junto a x", "junto al x", "a prop de x", "a prop del x",
	"al costat de x", "al costat del x", "darrere de x", "darrere del x", "davant de x", "davant del x",
	"vicino a x", "vicino al x", "vicino alla x", "accanto a x", "accanto al x", "dietro x",
	"di fronte a x", "di fronte al x", "pres de x", "pres du x", "a cote de x", "a cote du x",
	"derriere x", "en face de x", "en face du x", "perto de x", "perto do x", "perto da x",
	"ao lado de x", "ao lado do x", "ao lado da x", "atras de x", "atras do x", "atras da x",
	"em frente a x", "em frente ao x", "em frente de x", "em frente do x", "langa x", "in spatele x",
	"vizavi de x", "aproape de x", "near x", "next to x", "behind x", "opposite x", "beside x",
	"round the corner from x",
}

type placeHit struct {
	s, e int32
	fl   streetFlags
}

// placeAdjectives stand between an article and a dwelling or after it:
// "l'antiga habitació", "ur old room", "la escuela infantil".
var placeAdjectives = normWordSet(`antigua antiguo antiga antic vieja viejo vella vell nueva nuevo nova nou
	vecchia vecchio nuova nuovo ancienne ancien nouvelle nouvel vieille vieux antigo velha velho novo
	veche vechi noua nou old new former previous infantil bressol materna primaria elementare publica
	publique pública`)

// locPreps go from a place noun to where it is: "piso de", "house in",
// "garsoniera din", "cladirea de pe", "casa em".
var locPreps = normWordSet(`de del d di da dal della dello delle do dos das du des a al à in en em no na nos
	nas din pe on at off near`)

// locArticles may follow a preposition: "de la", "on the", "de pe".
var locArticles = normWordSet(`la el l le les lo the o os as pe`)

// labelLinks go from an address's label to the address: "a morada é",
// "la dirección es", "l'adresse c'est".
var labelLinks = normWordSet(`es és e è é est is este ist`)

// newWords: the address is a new one.
var newWords = normWordSet(`nova nueva nuova nouvelle nouvel new noua nou`)

// numberedPlaces are named by a number: "la gradinita 128", "scoala nr. 5".
var numberedPlaces = normWordSet(`gradinita scoala liceul cresa`)

// placeNouns reads the place nouns and labels the scan found.
func (sc *scanState) placeNouns() {
	if sc.opts.PlaceName {
		return
	}
	t := sc.n.b
	L := len(t)
	var known [][2]int
	if len(sc.opts.KnownNames) > 0 || len(sc.opts.ExactNames) > 0 {
		known = sc.knownSpans()
	}
	// the addresses the scan found, by start, for addressAt; those added
	// below start at or before their place noun, before any later j
	sc.addrs = sc.addrs[:0]
	for _, c := range sc.cands {
		if c.cat == catAddress {
			sc.addrs = append(sc.addrs, c)
		}
	}
	if !slices.IsSortedFunc(sc.addrs, candByStart) {
		slices.SortStableFunc(sc.addrs, candByStart)
	}
	inKnown := func(s, e int) bool {
		for _, k := range known {
			if s < k[1] && k[0] < e {
				return true
			}
		}
		return false
	}
	for _, h := range sc.places {
		s, e := int(h.s), int(h.e)
		if h.fl&stNear != 0 {
			if ne := sc.nearPlace(s, e); ne > e && !inKnown(e, ne) {
				sc.add(s, ne, catAddress)
			}
			continue
		}
		label := h.fl&stPlace == 0
		start := s
		if w := sc.prevWord(s); !label && placeAdjectives[w] {
			start = s - 1 - len(w)
		}
		noun := bytesToStr(t[s:e])
		if !label && (sc.lang == langEn || sc.lang == langAny) && noun != "room" {
			// "the Ilford flat", "ur Wembley house"
			if cs := sc.capitalisedBefore(s); cs < s && !inKnown(cs, s) {
				sc.add(cs, e, catAddress)
				continue
			}
		}
		prep, compl := false, false
		j := e
		if j+1 >= L || t[j] != ' ' {
			continue
		}
		j++
		for steps := 0; steps < 7 && j < L; steps++ {
			if ae := sc.addressAt(j); ae > 0 {
				if prep || !label && steps == 0 {
					sc.add(start, ae, catAddress)
				}
				break
			}
			if !isWord[t[j]] {
				break
			}
			k := sc.wordEnd(j)
			w := bytesToStr(t[j:k])
			if a := indexApos(w); a > 0 {
				// "d'Aragó", "l'escola": the elided word, then the rest
				if !locPreps[w[:a]] && !locArticles[w[:a]] {
					break
				}
				if w[:a] != "l" {
					prep = true
				}
				j += a + 1
				k = sc.wordEnd(j)
				w = bytesToStr(t[j:k])
			}
			if isDigit(t[j]) {
				if numberedPlaces[noun] {
					if ne, ok := sc.houseNumber(j); ok && ne-j <= 3 && !sc.followedByQuantity(ne) && !sc.timeOrDateAfter(ne) {
						sc.add(start, ne, catAddress)
					}
				}
				break
			}
			if label {
				// "a morada nova é": a new address is news; "the address:
				// 35 Clapham Rd" says nothing more than the address
				if newWords[w] {
					prep = true
				} else if !labelLinks[w] {
					break
				}
			} else if isLetter(t[j]) && sc.n.upperAt(j) {
				if !prep && (dwellingNouns[noun] || sc.allCaps(j, k)) {
					// "casa Maria": a dwelling is placed by a preposition;
					// "l'ambulatorio MTS": an acronym names the service
					break
				}
				ne := sc.placeName(j)
				if ne > j && !inKnown(j, ne) {
					sc.add(start, sc.districtCode(sc.addressTail(ne)), catAddress)
				}
				break
			} else if locPreps[w] {
				if prep && !locArticles[w] {
					break
				}
				prep = true
			} else if prep && locArticles[w] {
				// "de la", "on the"
			} else if !prep && placeAdjectives[w] {
				// "la escuela infantil"
			} else if prep && !compl && !streetParticles[w] && !notStreetName[w] && len(w) > 3 {
				// "casa de acogida en", "centro de salud de": what the
				// place is, then where
				compl, prep = true, false
			} else {
				break
			}
			j = k
			if j < L && t[j] == ' ' {
				j++
			} else {
				break
			}
		}
	}
}

// dwellingNouns need a preposition before the name of where they are;
// a service's building may be named right after its noun ("la escuela
// infantil Los Gorriones").
var dwellingNouns = normWordSet(`piso pisito casa habitacion apartamento pis habitacio apartament appartamento
	stanza alloggio monolocale appartement appart chambre maison logement quarto apartamentul garsoniera
	garsoniere camera chirie locuinta house flat room bedsit apartment`)

func indexApos(w string) int {
	for i := 0; i < len(w); i++ {
		if w[i] == '\'' {
			return i
		}
	}
	return -1
}

func candByStart(a, b cand) int { return int(a.s) - int(b.s) }

// addressAt: the end of the first address the scan found at normalised
// offset j, or 0.
func (sc *scanState) addressAt(j int) int {
	a := sc.addrs
	i, n := 0, len(a)
	for i < n {
		h := int(uint(i+n) >> 1)
		if int(a[h].s) < j {
			i = h + 1
		} else {
			n = h
		}
	}
	if i < len(a) && int(a[i].s) == j {
		return int(a[i].e)
	}
	return 0
}

// placeName: the end of the capitalised name at j ("Sant Adrià", "Los
// Gorriones", "Costa de Caparica", "Saint-Denis"), or j when what is
// there begins with a day, a month, a lone letter or a first name.
func (sc *scanState) placeName(j int) int {
	t := sc.n.b
	L := len(t)
	end := j
	for p := j; p < L; {
		if !isLetter(t[p]) || !sc.n.upperAt(p) {
			break
		}
		k := sc.wordEnd(p)
		w := bytesToStr(t[p:k])
		if end == j && (daysMonths[w] || k-p < 2 || firstNames[w] && !notFirstNames[w]) {
			break // "la casa de Maria": a person's, not a place
		}
		end = k
		if k+1 < L && t[k] == '-' && isLetter(t[k+1]) && sc.n.upperAt(k+1) {
			p = k + 1
			continue
		}
		if k+1 >= L || t[k] != ' ' {
			break
		}
		p = k + 1
		// "Costa de Caparica": particles between capitalised words
		for n := 0; n < 2 && p < L && isLetter(t[p]) && !sc.n.upperAt(p); n++ {
			q := sc.wordEnd(p)
			if !streetParticles[bytesToStr(t[p:q])] || q+1 >= L || t[q] != ' ' {
				return end
			}
			p = q + 1
		}
	}
	return end
}

// capitalisedBefore: where the capitalised words right before the space
// before s begin, when an article or a possessive comes before them
// ("the Ilford flat", "her Leeds house"); else s.
func (sc *scanState) capitalisedBefore(s int) int {
	t := sc.n.b
	p := s
	for n := 0; n < 2; n++ {
		if p < 2 || t[p-1] != ' ' {
			break
		}
		ws := p - 1
		for ws > 0 && isWord[t[ws-1]] {
			ws--
		}
		if ws == p-1 || !isLetter(t[ws]) || !sc.n.upperAt(ws) || sc.allCaps(ws, p-1) || daysMonths[bytesToStr(t[ws:p-1])] {
			break
		}
		p = ws
	}
	if p == s || !ownerWords[sc.prevWord(p)] {
		return s
	}
	return p
}

var ownerWords = normWordSet(`the ur your her his their my our old`)

// districtCode extends a place ending at k over a British postcode
// district after a comma ("Levenshulme, M19"), in capitals.
func (sc *scanState) districtCode(k int) int {
	t := sc.n.b
	L := len(t)
	if sc.lang != langEn && sc.lang != langAny || k+3 >= L || t[k] != ',' || t[k+1] != ' ' {
		return k
	}
	q := k + 2
	p := q
	for p < L && isLetter(t[p]) && p-q < 2 {
		p++
	}
	if p == q || p >= L || !isDigit(t[p]) {
		return k
	}
	for p < L && isDigit(t[p]) && p-q < 4 {
		p++
	}
	if p < L && isLetter(t[p]) {
		p++
	}
	if p < L && isWord[t[p]] {
		return k
	}
	for i := q; i < p; i++ {
		if isLetter(t[i]) && !sc.n.upperAt(i) {
			return k
		}
	}
	return p
}

// unitAbbrevs are units written short, which need their full stop: "et.
// 2" ("et" is also the French "and"), "ap. 14", "sc. B".
var unitAbbrevs = normWordSet(`et ap sc bl esc int pta bat`)

// unit: a floor, a flat, a staircase or a door at [s,e) with its number
// or letter: "piso 4", "et. 2 ap. 14", "interno 4", "porta B".
func (sc *scanState) unit(s, e int) {
	t := sc.n.b
	L := len(t)
	w := bytesToStr(t[s:e])
	if w == "porta" && sc.lang != langAny && sc.lang != langIt && sc.lang != langCa {
		return // a gate, in Portuguese
	}
	j := e
	if j < L && t[j] == '.' {
		j++
	} else if unitAbbrevs[w] {
		return
	}
	if j >= L || t[j] != ' ' {
		return
	}
	j++
	if j >= L {
		return
	}
	if nw := sc.wordEnd(j); numberMarkers[bytesToStr(t[j:nw])] && nw+1 < L && (t[nw] == ' ' || t[nw] == '.') {
		// "ap. nr. 14"
		j = nw + 1
		if t[nw] == '.' && j < L && t[j] == ' ' {
			j++
		}
	}
	end := 0
	switch {
	case j < L && isDigit(t[j]):
		k, ok := sc.houseNumber(j)
		if !ok || k-j > 3 || sc.followedByQuantity(k) || sc.timeOrDateAfter(k) {
			return
		}
		if sc.rangeAfter(k) {
			return // "scala 1 a 10", "una scala 1-10": a scale
		}
		if w == "porta" && !sc.doorLead(s) {
			return // "porta 2 fototessere": bring, in Italian and Catalan
		}
		end = k
	case j < L && isLetter(t[j]) && sc.n.upperAt(j) && (j+1 == L || !isWord[t[j+1]]):
		end = j + 1
	default:
		return
	}
	sc.add(sc.bellBefore(s), sc.addressTail(end), catAddress)
}

// bellVerbs: to ring or press a bell, before a floor or a door ("pulsa
// el 3º B", "suona al 2° piano", "sună la ap. 14", "ring flat 3").
var bellVerbs = normWordSet(`pulsa pulse pulsar toca toque tocar timbra timbre suona suonare citofona sonne sonnez
	sonner carrega prem truca aperta apertar apasa suna ring buzz press`)

// bellBefore: where a bell verb and an article or a preposition right
// before s begin, or s.
func (sc *scanState) bellBefore(s int) int {
	p := s
	if w := sc.prevWord(p); w != "" && (locPreps[w] || locArticles[w] || w == "al" || w == "ao" || w == "el") {
		p -= len(w) + 1
	}
	if w := sc.prevWord(p); bellVerbs[w] {
		return p - len(w) - 1
	}
	return s
}

// rangeWords go from one number to the next of a range: "1 a 10", "da
// 1 a 5", "1 to 10".
var rangeWords = normWordSet(`a da to fino hasta ate pana`)

// rangeAfter: a number at k ends a range's first number: "-10", " a 10".
func (sc *scanState) rangeAfter(k int) bool {
	t := sc.n.b
	L := len(t)
	if k+1 < L && t[k] == '-' && isDigit(t[k+1]) {
		return true
	}
	w, we := sc.spacedWord(k)
	return rangeWords[w] && we+1 < L && t[we] == ' ' && isDigit(t[we+1])
}

// doorPreps go to a door: "alla porta 3", "a la porta 3".
var doorPreps = normWordSet(`a al alla alle della dalla sulla nella davanti de del da per`)

// doorLead: "porta" at s with a number is a door, not "bring", after a
// comma, a bell verb or a preposition ("suona alla porta 3", "a la porta
// 3", "scala A, porta 3").
func (sc *scanState) doorLead(s int) bool {
	t := sc.n.b
	if s >= 2 && t[s-1] == ' ' && t[s-2] == ',' {
		return true
	}
	if sc.bellBefore(s) < s {
		return true
	}
	w := sc.prevWord(s)
	if doorPreps[w] {
		return true
	}
	if w == "la" || w == "l" {
		return doorPreps[sc.prevWord(s-len(w)-1)]
	}
	return false
}

// unitLeads: an article or a preposition before a floor and its door
// ("al 3r 1a", "el 2º izq", "au 3e gauche").
var unitLeads = normWordSet(`al el a en no na ao au at on in the la lo le pe del do da`)

// unitLead: a comma, a unit lead or a bell verb comes right before i.
func (sc *scanState) unitLead(i int) bool {
	t := sc.n.b
	if i < 2 || t[i-1] != ' ' {
		return false
	}
	if t[i-2] == ',' {
		return true
	}
	w := sc.prevWord(i)
	return unitLeads[w] || bellVerbs[w]
}

// letterDoorLead: a floor and a door letter at the digit i ("2º B") are
// an address after a comma, a bell verb or a verb of dwelling ("vive en
// el 2º B"); a school class is written the same ("está en 2º B").
func (sc *scanState) letterDoorLead(i int) bool {
	t := sc.n.b
	if !sc.unitLead(i) {
		return false
	}
	if t[i-2] == ',' || sc.bellBefore(i) < i {
		return true
	}
	p := i
	for n := 0; n < 3; n++ {
		w := sc.prevWord(p)
		if dwellVerbs[w] {
			return true
		}
		if !unitLeads[w] {
			return false
		}
		p -= len(w) + 1
	}
	return false
}

// schoolWords follow a class: "2º B de la ESO", "1a A alle medie".
var schoolWords = normWordSet(`eso primaria secundaria colegio cole curso bachillerato instituto classe medie
	elementari liceo scuola college collège escola institut scoala școala clasa`)

// schoolAfter: a school word is among the three words after p.
func (sc *scanState) schoolAfter(p int) bool {
	for n := 0; n < 3; n++ {
		w, we := sc.spacedWord(p)
		if we == p {
			return false
		}
		if schoolWords[w] {
			return true
		}
		p = we
	}
	return false
}

// ordinalSuffixes end an ordinal number in the shipped languages, as
// normalised ("2º" reads "2o").
var ordinalSuffixes = normWordSet(`o a r n t e er eme re nd rd th st`)

// doorSides name a flat on its floor: "2º izq", "3º dcha", "2º esq".
var doorSides = normWordSet(`izq izqda izda izquierda dcha dcha drcha dch der derecha dreta esq esquerra
	esquerdo esquerda dto direito dta drt centro ctro frente int ext interior exterior gauche droite
	stanga dreapta`)

// ordinalUnit: a floor or a flat standing alone at the digit i: "el 2º
// izq", "al 3r 1a", "pulsa el 3º B", "suona al 2° piano".
func (sc *scanState) ordinalUnit(i int) {
	t := sc.n.b
	L := len(t)
	k := i
	for k < L && isDigit(t[k]) && k-i < 3 {
		k++
	}
	if k-i > 2 || k >= L || !isLetter(t[k]) {
		return
	}
	e := sc.wordEnd(k)
	suf := bytesToStr(t[k:e])
	if len(suf) == 2 && (suf[0] == 'o' || suf[0] == 'a') && sc.n.upperAt(k+1) && !sc.n.upperAt(k) {
		if sc.letterDoorLead(i) && !sc.schoolAfter(e) {
			sc.add(sc.bellBefore(i), sc.addressTail(e), catAddress) // "2ºB"
		}
		return
	}
	if !ordinalSuffixes[suf] {
		return
	}
	w, we := sc.spacedWord(e)
	if we == e || we < L && t[we] == '\'' {
		return
	}
	short := len(suf) == 1 && (suf == "o" || suf == "a" || suf == "r")
	switch {
	case floorWords[w]:
	case !sc.unitLead(i):
		// a door without a floor word needs what leads to it: "2º 1ª"
		// alone is no address, "vive en el 2º 1ª" is
		return
	case (short || suf == "e") && doorSides[w]:
	case short && len(w) == 1 && isLetter(w[0]) && sc.n.upperAt(e+1):
		// "vive en el 2º B", "pulsa el 3º B"; "está en 2º B de la ESO"
		// is a class
		if !sc.letterDoorLead(i) || sc.schoolAfter(we) {
			return
		}
	case short && len(w) == 2 && isDigit(w[0]) && (w[1] == 'a' || w[1] == 'o'):
		// "3r 1a", "2º 1ª"
	default:
		return
	}
	sc.add(sc.bellBefore(i), sc.addressTail(we), catAddress)
}

var langIt = scanLang("it")

// dwellVerbs say where she lives, right before "near", "behind", "next
// to": "vive cerca del mercado", "she lives behind the Tesco". A copula
// ("is", "está", "fica") is left out: it places anything, a meeting too.
var dwellVerbs = normWordSet(`vive vivo vives viven vivia vivimos live lives living lived abita abito abiti abitano
	habite habites habitent habito mora moro moras moram morava viu visc vius viuen locuieste locuiesc locuim stau
	vit vivent viviendo stays`)

// nearWords may stand between the verb and "near": "vive justo detrás",
// "lives right behind".
var nearWords = normWordSet(`just justo right juste proprio mesmo mismo chiar tocmai molt muy very bem ben bien pe`)

// nearPlace: after a word of nearness at [s,e) that follows a verb of
// dwelling, the end of the named place it is near ("cerca del mercado
// de San Antón", "behind the Tesco on Green Lane"), or e.
func (sc *scanState) nearPlace(s, e int) int {
	t := sc.n.b
	L := len(t)
	p := s
	w := sc.prevWord(p)
	if nearWords[w] {
		p -= len(w) + 1
		w = sc.prevWord(p)
	}
	if !dwellVerbs[w] {
		return e
	}
	j := e
	if j+1 >= L || t[j] != ' ' {
		return e
	}
	j++
	noun := false
	for steps := 0; steps < 5 && j < L; steps++ {
		if ae := sc.addressAt(j); ae > 0 {
			return ae
		}
		if !isLetter(t[j]) {
			return e
		}
		k := sc.wordEnd(j)
		w := bytesToStr(t[j:k])
		if a := indexApos(w); a > 0 && (locArticles[w[:a]] || locPreps[w[:a]]) {
			j += a + 1
			k = sc.wordEnd(j)
			w = bytesToStr(t[j:k])
		}
		switch {
		case sc.n.upperAt(j):
			ne := sc.placeName(j)
			if ne == j {
				return e
			}
			// "the Tesco on Green Lane": where the place is
			if w, we := sc.spacedWord(ne); locPreps[w] && we+1 < L && t[we] == ' ' && isLetter(t[we+1]) && sc.n.upperAt(we+1) {
				if ae := sc.addressAt(we + 1); ae > 0 {
					return ae
				}
				if pe := sc.placeName(we + 1); pe > we+1 {
					ne = pe
				}
			}
			return sc.addressTail(ne)
		case locArticles[w] || locPreps[w] && noun:
		case !noun && !streetParticles[w] && len(w) > 2:
			noun = true // "el mercado", "the station"
		default:
			return e
		}
		j = k
		if j+1 >= L || t[j] != ' ' {
			return e
		}
		j++
	}
	return e
}
