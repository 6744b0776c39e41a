package templates

import (
	"strings"
	"unicode/utf8"
)

// Street addresses. A street-type word found by the automaton anchors a
// short scan for the name and the number around it, in the orders the
// shipped languages write them:
//
//	stFwd        type, name, number    Calle Mayor 5, c/ Pelai 12, Carrer de Pelai, 3,
//	                                   Via Roma 10, Rua Augusta 25, Strada Lipscani nr. 5
//	stNumBefore  number, type, name    12 rue de la Paix, 3 bis, avenue Foch
//	stBack       number, name, type    221B Baker Street, 10 Downing St
//
// A type that is also an ordinary word (via, place, largo, corso, way,
// close, camino, paseo...) is flagged stWeak and needs a capitalised name
// ("Via Roma 10" but not "vado via alle 10"). Times and quantities after
// the number ("a las 5", "5 minutos", "10:30") are not addresses.

type streetFlags uint8

const (
	stFwd streetFlags = 1 << iota
	stNumBefore
	stBack
	stWeak
	stPlace // a dwelling or a service's building: "al pis de Badalona", "la mosquée de la rue X"
	stLabel // a word that introduces an address: "a morada nova é Rua ..."
	stUnit  // a floor, a flat, a door with its number or letter: "piso 4", "et. 2", "interno 4"
	stNear  // near, behind, next to: "vive cerca del mercado de San Antón"
)

type streetType struct {
	key   string // normalised
	flags streetFlags
}

// streetTypeSpec: "word flags" where flags letters are f (forward),
// n (number before), b (backward), w (weak), p (place noun), l (label),
// u (unit of a building).
var streetTypeSpec = []string{
	// es
	"calle f", "c/ f", "cl f", "avenida f", "avda f", "av f", "plaza fw", "pza f", "paseo fw",
	"ronda fw", "travesia f", "camino fw", "carretera fw", "ctra f", "glorieta fw", "pasaje fw",
	"callejon f", "via fw", "urbanizacion fw", "urb f", "poligono fw",
	// ca
	"carrer f", "avinguda f", "avgda f", "placa fw", "passeig f", "pg f", "passatge fw",
	"ptge f", "rambla fw", "travessera f", "cami fw", "carretera fw",
	// it
	"viale fw", "v.le f", "piazza fw", "p.za f", "piazzale fw", "corso fw", "largo fw",
	"vicolo f", "strada fw", "lungomare fw", "contrada fw", "localita fw", "c.so f",
	// fr (also the Belgian/Swiss "rue de la Loi 16")
	"rue fn", "avenue fnb", "boulevard fn", "bd fn", "bld fn", "bvd fn", "place fnwb",
	"chemin fn", "impasse fn", "allee fnw", "quai fn", "cours fnw", "route fnw", "square fnwb",
	// pt
	"rua f", "travessa f", "praca fw", "estrada fw", "alameda fw", "calcada fw", "beco f",
	"largo fw", "av. f",
	// ro
	"str f", "bulevardul f", "bdul f", "b-dul f", "calea fw", "aleea fw", "soseaua f",
	"sos f", "piata fw", "splaiul f", "intrarea fw", "drumul fw", "strada fw",
	// en
	"street b", "st bw", "road b", "rd b", "lane bw", "drive bw", "way bw", "close bw",
	"crescent bw", "terrace bw", "court bw", "gardens bw", "grove bw", "avenue b", "ave b",
	"row bw", "mews bw", "hill bw",
}

func streetTypes() []streetType {
	merged := map[string]streetFlags{}
	var order []string
	for _, s := range append(append([]string(nil), streetTypeSpec...), placeNounSpec...) {
		sp := strings.LastIndexByte(s, ' ')
		word, fl := s[:sp], s[sp+1:]
		var f streetFlags
		for _, c := range fl {
			switch c {
			case 'f':
				f |= stFwd
			case 'n':
				f |= stNumBefore
			case 'b':
				f |= stBack
			case 'w':
				f |= stWeak
			case 'p':
				f |= stPlace
			case 'l':
				f |= stLabel
			case 'u':
				f |= stUnit
			case 'x':
				f |= stNear
			}
		}
		key := normalizeString(word)
		if _, ok := merged[key]; !ok {
			order = append(order, key)
		}
		merged[key] |= f
	}
	out := make([]streetType, 0, len(order))
	for _, k := range order {
		out = append(out, streetType{key: k, flags: merged[k]})
	}
	return out
}

// normWordSet is a wordSet of normalised words, for comparing with the
// normalised text (double letters folded: "alle" is kept as "ale").
func normWordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[normalizeString(w)] = true
	}
	return m
}

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// Words inside a street name that do not count as its name.
var streetParticles = normWordSet(`de del dels de' la las los el les els d l di da dal dall della delle dello dei
	degli do dos das du des le lo al a en na i y e of the`)

// Markers between a name and its number: nº, n., num., nr., número.
var numberMarkers = normWordSet(`n no nr nro num numero numar o`)

// Words right before a number that make it a time or a count, not a
// house number ("calle Mayor a las 5", "plaza desde las 10").
var notBeforeNumber = normWordSet(`a as at las les los el la alle ore ora hasta desde entre fins fino
	dalle dalla verso vers from until till por para per pe pana en in on y e i and et ou o or sau
	cada every hace son sont sunt tiene tienes have has hay quedan faltan dans em
	dia día dies días jour jours giorno giorni ziua zilele day days semana setmana settimana semaine week`)

// notStreetName: a street type followed by one of these is a common noun
// in a clause ("te han dado plaza en el piso"), never a street's name.
var notStreetName = normWordSet(`en in em at on à au aux dans nel nella nei no na nos nas per para pour for con with que che`)

// Words right after a number that make it a quantity or a date.
var notAfterNumber = normWordSet(`min mins minuto minutos minuti minute minutes h hs hr hrs hora horas ore
	heure heures hour hours horas euro euros eur km m metros metri metres meters mts
	ano anos anys anni ans year years ani dia dias dies giorni jours days zile semana semanas
	setmana setmanes settimana settimane semaine semaines week weeks saptamani
	persona personas persones persone personne personnes people persoane vez veces volte fois times
	ori vezes pm am de del di d du of`)

// monthNames are the months in full in the seven languages (accents as
// written; normWordSet folds them): daysMonths and monthWords both hold
// them.
const monthNames = `enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
	gener febrer març abril maig juny juliol agost setembre octubre novembre desembre
	gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre
	janvier février mars avril mai juin juillet août septembre octobre novembre décembre
	janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro
	ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie noiembrie decembrie
	january february march april may june july august september october november december`

// monthWords name a month, in full or abbreviated, normalised: after a
// number they make it a date ("on 18 June", "le 15 mai").
var monthWords = normWordSet(monthNames + `
	ene feb mar abr may jun jul ago sep sept set oct nov dic gen
	gen mag giu lug ott janv fevr avr juil fev dez ian iun iul jan apr aug`)

// timeOrDateAfter: the number ending at k goes on as a time or a date
// ("17:00", "17.30", "17h30", "18 June"), so it is not a number to call.
func (sc *scanState) timeOrDateAfter(k int) bool {
	t := sc.n.b
	L := len(t)
	if k+2 < L && (t[k] == ':' || t[k] == '.' || t[k] == 'h') && isDigit(t[k+1]) && isDigit(t[k+2]) && (k+3 == L || !isWord[t[k+3]]) {
		return true
	}
	if k < L && t[k] == ' ' {
		k++
	}
	if k >= L || !isLetter(t[k]) {
		return false
	}
	e := k
	for e < L && isLetter(t[e]) {
		e++
	}
	if e < L && t[e] == '.' { // "15 sept."
		return monthWords[bytesToStr(t[k:e])]
	}
	return (e == L || !isWord[t[e]]) && monthWords[bytesToStr(t[k:e])]
}

// wordEnd returns the end of the word at j (letters, digits, inner
// apostrophes).
func (sc *scanState) wordEnd(j int) int {
	t := sc.n.b
	L := len(t)
	k := j
	for k < L {
		if isWord[t[k]] {
			k++
			continue
		}
		if t[k] == '\'' && k > j && k+1 < L && isWord[t[k+1]] {
			k++
			continue
		}
		break
	}
	return k
}

// nameWord classifies the word [j,k): particle, or a name word and whether
// it is capitalised (after an elided article: d'Aragó -> A).
func (sc *scanState) nameWord(j, k int) (particle, capital bool) {
	t := sc.n.b
	w := bytesToStr(t[j:k])
	if streetParticles[w] {
		return true, false
	}
	p := j
	if a := strings.IndexByte(w, '\''); a >= 0 && a+1 < len(w) {
		p = j + a + 1
	}
	return false, sc.n.upperAt(p)
}

// houseNumber reads "12", "221b", "5 bis", "s/n" at j: returns its end.
func (sc *scanState) houseNumber(j int) (int, bool) {
	t := sc.n.b
	L := len(t)
	if j+3 <= L && t[j] == 's' && t[j+1] == '/' && t[j+2] == 'n' && (j+3 == L || !isWord[t[j+3]]) {
		return j + 3, true
	}
	k := j
	for k < L && isDigit(t[k]) && k-j < 5 {
		k++
	}
	if k == j || k-j > 4 {
		return 0, false
	}
	if k < L && isLetter(t[k]) && (k+1 == L || !isWord[t[k+1]]) {
		if t[k] == 'h' {
			return 0, false // 10h: a time ("10h Place de la République")
		}
		k++ // 221b, 12a
	}
	if k < L && isWord[t[k]] {
		return 0, false
	}
	// Not a time: 10:30, 10.30, 10,30, 10h.
	if k+1 < L && (t[k] == ':' || t[k] == '.' || t[k] == ',') && isDigit(t[k+1]) {
		return 0, false
	}
	return k, true
}

// followedByQuantity: " minutos", " de junio", "h"...
func (sc *scanState) followedByQuantity(k int) bool {
	t := sc.n.b
	if k < len(t) && t[k] == ' ' {
		k++
	}
	if k >= len(t) || !isWord[t[k]] {
		return false
	}
	e := sc.wordEnd(k)
	w := bytesToStr(t[k:e])
	if a := strings.IndexByte(w, '\''); a >= 0 {
		w = w[:a]
	}
	return notAfterNumber[w]
}

// numberGoesOn: the house number ending at k goes on as a quantity or a
// date ("5 minutos", "5 de junio", "5 d'abril"); a particle alone does
// not ("str. Lapusneanu nr. 7 de acum", "Calle Mayor 5 de Madrid").
func (sc *scanState) numberGoesOn(k int) bool {
	t := sc.n.b
	L := len(t)
	if !sc.followedByQuantity(k) {
		return false
	}
	if k < L && t[k] == ' ' {
		k++
	}
	e := sc.wordEnd(k)
	w := bytesToStr(t[k:e])
	a := strings.IndexByte(w, '\'')
	if a >= 0 {
		w = w[:a]
	}
	if !quantityParticles[w] {
		return true
	}
	var next string
	if a >= 0 {
		next = bytesToStr(t[k+a+1 : e])
	} else {
		next, _ = sc.spacedWord(e)
	}
	return monthWords[next] || notAfterNumber[next] && !quantityParticles[next]
}

var quantityParticles = normWordSet(`de del di d du of`)

// dateName: the end of a street's name that is a date at j ("Calle 2 de
// Mayo", "Largo 1º de Dezembro", "Strada 13 Septembrie"), or 0.
func (sc *scanState) dateName(j int) int {
	t := sc.n.b
	L := len(t)
	k := j
	for k < L && isDigit(t[k]) && k-j < 3 {
		k++
	}
	if k-j > 2 || k == j {
		return 0
	}
	if k < L && t[k] == 'o' {
		k++ // 1º
	}
	w, e := sc.spacedWord(k)
	if w == "de" || w == "di" {
		w, e = sc.spacedWord(e)
	}
	if w == "" || !monthWords[w] || len(w) < 4 || !sc.n.upperAt(e-len(w)) {
		return 0
	}
	return e
}

// romanNumeral: the word [j,k) is a Roman numeral in capitals ("Via XX
// Settembre").
func (sc *scanState) romanNumeral(j, k int) bool {
	for p := j; p < k; p++ {
		switch sc.n.b[p] {
		case 'i', 'v', 'x', 'l':
			if !sc.n.upperAt(p) {
				return false
			}
		default:
			return false
		}
	}
	return k > j
}

// floorDoor extends past ", 2º 1ª" / " 3o b" after a house number.
func (sc *scanState) floorDoor(k int) int {
	t := sc.n.b
	L := len(t)
	for n := 0; n < 2; n++ {
		q := k
		if q < L && t[q] == ',' {
			q++
		}
		if q < L && t[q] == ' ' {
			q++
		}
		d := q
		for q < L && isDigit(t[q]) && q-d < 2 {
			q++
		}
		if q == d || q >= L || !(t[q] == 'o' || t[q] == 'a') || (q+1 < L && isWord[t[q+1]]) {
			break
		}
		k = q + 1
	}
	return k
}

// street handles a street-type word at [s,e).
func (sc *scanState) street(s, e int, fl streetFlags) {
	if fl&(stPlace|stLabel|stNear) != 0 {
		sc.places = append(sc.places, placeHit{int32(s), int32(e), fl})
	}
	if fl&stUnit != 0 {
		sc.unit(s, e)
	}
	if fl&stNumBefore != 0 && sc.streetNumBefore(s, e, fl) {
		return
	}
	if fl&stBack != 0 && sc.streetBack(s, e, fl) {
		return
	}
	if fl&stFwd != 0 {
		sc.streetFwd(s, e, fl)
	}
}

// streetFwd: type, name words, [,] [nº], number.
func (sc *scanState) streetFwd(s, e int, fl streetFlags) bool {
	t := sc.n.b
	L := len(t)
	j := e
	if j < L && t[j] == '.' {
		// An acronym in capitals before a full stop ends a sentence ("el
		// SOS. Martes 3 a las 10"): the next sentence is not its name.
		if sc.allCaps(s, e) {
			return false
		}
		j++
	}
	if j < L && t[j] == ' ' {
		j++
	} else if t[e-1] != '/' && t[e-1] != '.' && !(j > e) {
		return false
	}
	if j < L && isWord[t[j]] && notStreetName[bytesToStr(t[j:sc.wordEnd(j)])] {
		return false
	}
	names, caps := 0, 0
	// bare: a street named without its number ("al carrer Murcia",
	// "all'Ufficio di c.so Verona"): a strong type and the capitalised
	// name words right after it are an address still, up to a lower-case
	// word or a full stop. A full stop after a type written in full ends
	// the sentence ("no está en la calle. Respira").
	bareEnd, bareOpen := 0, fl&stWeak == 0 && (e >= L || t[e] != '.' || streetAbbrevs[bytesToStr(t[s:e])])
	if fl&stWeak != 0 && weakStreetsAfterPrep[bytesToStr(t[s:e])] && locPreps[sc.prevWord(s)] {
		// "di viale Jenner", "in via Nizza", "pe Calea Victoriei": after a
		// preposition the type is a street's, not a way or a walk
		bareOpen = true
	}
	bare := func() bool {
		if bareEnd > 0 && !sc.opts.PlaceName {
			sc.add(s, bareEnd, catAddress)
			return true
		}
		return false
	}
	last, comma, roman := "", false, false
	for steps := 0; steps < 9 && j < L; steps++ {
		if names == 0 && isDigit(t[j]) {
			if de := sc.dateName(j); de > 0 {
				// a date is the name: "Avenida 5 de Outubro 120"
				names, caps, bareOpen, bareEnd, last = 1, 1, true, de, ""
				j = de
				if j+1 < L && t[j] == ',' && t[j+1] == ' ' {
					j, comma = j+2, true
					continue
				}
				if j < L && t[j] == ' ' {
					j++
					continue
				}
				return bare()
			}
		}
		if isDigit(t[j]) || t[j] == 's' && j+2 < L && t[j+1] == '/' {
			k, ok := sc.houseNumber(j)
			if !ok || names == 0 || (fl&stWeak != 0 && caps == 0) || notBeforeNumber[last] || sc.numberGoesOn(k) {
				return bare()
			}
			sc.add(s, sc.addressTail(sc.floorDoor(k)), catAddress)
			return true
		}
		if !isWord[t[j]] {
			return bare()
		}
		k := sc.wordEnd(j)
		w := bytesToStr(t[j:k])
		if comma && !numberMarkers[w] && !addressParts[w] && !roomWords[w] {
			// After a comma only the number, or a block, a floor or a
			// room with its number, goes on: "via Ormea, inizia il 12"
			// is the street, then a clause.
			return bare()
		}
		if numberMarkers[w] && names > 0 {
			// nº 5, n. 5, nr. 5: not a name word, and not a time word either
			w = ""
		} else {
			particle, capital := sc.nameWord(j, k)
			if daysMonths[w] && !(roman && monthWords[w]) {
				// "... PG. Dijous 5": a date, not a street name. An
				// abbreviated day is no stop: "boulevard de la Mer 14",
				// "Calle Vie 5" and "str. Dum 4" are streets.
				return bare()
			}
			if !particle {
				names++
				if capital {
					caps++
				}
				if capital && bareOpen {
					bareEnd = k
				} else {
					bareOpen = false
				}
			}
		}
		last = w
		roman = w != "" && sc.romanNumeral(j, k)
		marker := w == ""
		j = k
		if j < L && t[j] == '.' {
			j++
			bareOpen = false
		}
		comma = j < L && t[j] == ','
		if comma {
			j++
		}
		switch {
		case j < L && t[j] == ' ':
			j++
		case j < L && isDigit(t[j]):
			// "C/Pelai,12"
		case j < L && j > k && marker && isWord[t[j]]:
			// "n.º 3" reads "n.o 3"
		default:
			return bare()
		}
	}
	return bare()
}

// weakStreetsAfterPrep: the weak types that are a street's after a
// preposition of place; squares are left out (a square is where people
// meet, and a registered meeting point is named like one).
var weakStreetsAfterPrep = normWordSet(`via viale corso calea aleea strada rambla passatge pasaje lungomare alameda
	calcada intrarea urbanizacion poligono`)

// streetAbbrevs: the street types written abbreviated, which a full
// stop may follow inside an address ("Av. da República", "Str. Lipscani").
var streetAbbrevs = normWordSet(`av avda avgda str bd bld bvd bdul pg pza ctra cl urb ptge sos`)

// roomWords: a room with its number after a comma ("Plaza de Castilla,
// sala 3").
var roomWords = normWordSet(`sala salle room aula despatx despacho gabinete`)

// addressParts: the words of a block, a staircase, a floor, a flat or a
// district after a house number ("bl. 4", "sc. B", "ap. 14", "sector 3").
var addressParts = normWordSet(`bl bloc blocul sc scara et etaj etajul ap apt apartament apartamentul sector sectorul
	esc escalera piso planta pta puerta porta int interno scala piano andar dto esq
	sala salle room aula despatx despacho gabinete cabinet cabinetul birou biroul ufficio bureau stanza
	flat unit appt appartement porte escalier bat batiment`)

// floorAlone: a floor named without a number after an address ("Carrer
// de l'Hospital 120, entresòl", "Calle Mayor 5, ático").
var floorAlone = normWordSet(`entresol entresuelo entresol principal pral atico sobreatico bajo bajos baixos
	baix atic soterrani sotano mansarda parter demisol mezzanine`)

// intercomWords: the bell to ring at an address, with its number or
// name ("citofono 3", "timbre 2B", "interfon 14").
var intercomWords = normWordSet(`citofono interfono campanello timbre porter interphone sonnette interfone
	campainha interfon buzzer intercom buzz`)

// intercomValue: the end of the number, letter, capitalised name or
// quoted name after an intercom word ending at e, or e.
func (sc *scanState) intercomValue(e int) int {
	t := sc.n.b
	L := len(t)
	q := e
	if q < L && t[q] == ':' {
		q++
	}
	if q+1 >= L || t[q] != ' ' {
		return e
	}
	q++
	if c := t[q]; c == '\'' || c == '"' {
		for p := q + 1; p < L && p-q < 32; p++ {
			if t[p] == c {
				if p > q+1 {
					return p + 1
				}
				return e
			}
			if !isWord[t[p]] && t[p] != ' ' {
				return e
			}
		}
		return e
	}
	if !isWord[t[q]] {
		return e
	}
	k := sc.wordEnd(q)
	switch {
	case isDigit(t[q]) && k-q <= 4:
	case k-q == 1:
	case isLetter(t[q]) && sc.n.upperAt(q):
	default:
		return e
	}
	return k
}

// addressTail extends an address ending at k over what goes with it:
// ", bl. 4, sc. B, ap. 14, sector 3" and ", 1150-039 Lisboa" (a postcode
// and the city after it).
func (sc *scanState) addressTail(k int) int {
	t := sc.n.b
	L := len(t)
	postcode := false
	for n := 0; n < 5; n++ {
		q := k
		if q < L && t[q] == ',' {
			q++
		}
		if q < L && t[q] == ' ' {
			q++
		}
		if q >= L || !isWord[t[q]] {
			break
		}
		if fe := sc.ordinalFloor(q); fe > q && !postcode {
			k = fe // "3e étage", "2nd floor", "3º andar"; never after the city
			continue
		}
		if isDigit(t[q]) {
			// a postcode in the language's format, then a known city
			d := q
			for q < L && isDigit(t[q]) {
				q++
			}
			if q < L && isWord[t[q]] {
				break
			}
			dash := q+4 <= L && t[q] == '-' && isDigit(t[q+1]) && isDigit(t[q+2]) && isDigit(t[q+3]) &&
				(q+4 == L || !isWord[t[q+4]])
			city := q < L && t[q] == ' ' && q+1 < L && isLetter(t[q+1]) && sc.n.upperAt(q+1) &&
				benignNames[bytesToStr(t[q+1:sc.wordEnd(q+1)])]
			if !sc.postcodeDigits(q-d, dash) && !(q-d == 4 && city) {
				break // a Belgian or Swiss "1000 Bruxelles" with its city
			}
			if dash {
				q += 4
			}
			if sc.currencyAfter(q) {
				break // "Rua Augusta 12, 1500 Euros": a price
			}
			city = q < L && t[q] == ' ' && q+1 < L && isLetter(t[q+1]) && sc.n.upperAt(q+1) &&
				benignNames[bytesToStr(t[q+1:sc.wordEnd(q+1)])]
			if sc.lang == langPt && !dash && !city {
				break // four digits alone are a time or a price, not a Portuguese postcode
			}
			k, postcode = q, true
			if city {
				k = sc.wordEnd(q + 1)
			}
			continue
		}
		e := sc.wordEnd(q)
		if floorAlone[bytesToStr(t[q:e])] {
			k = e // ", entresòl", ", ático"
			continue
		}
		if intercomWords[bytesToStr(t[q:e])] {
			if ve := sc.intercomValue(e); ve > e {
				k = ve // ", citofono 3", ", citofono 'Rossi'"
				continue
			}
			break
		}
		if !addressParts[bytesToStr(t[q:e])] {
			break
		}
		q = e
		if q < L && t[q] == '.' {
			q++
		}
		if q < L && t[q] == ' ' {
			q++
		}
		if q >= L || !isWord[t[q]] {
			break
		}
		e = sc.wordEnd(q)
		if e-q > 3 || !isDigit(t[q]) && e-q > 1 {
			break // a number, or one letter ("sc. B")
		}
		k = e
	}
	return k
}

// floorWords name a floor after its ordinal number, normalised.
var floorWords = normWordSet(`etage étage floor andar piano planta pis piso etaj`)

// ordinalFloor: the end of an ordinal number and a word for a floor at
// normalised offset q ("3e étage", "2nd floor", "1r pis", "3º andar"), or
// q.
func (sc *scanState) ordinalFloor(q int) int {
	t := sc.n.b
	e := sc.wordEnd(q)
	if e == q || !isDigit(t[q]) || e-q > 5 {
		return q
	}
	d := q
	for d < e && isDigit(t[d]) {
		d++
	}
	if d-q > 2 {
		return q
	}
	if w, we := sc.spacedWord(e); floorWords[w] {
		return we
	}
	return q
}

// postcodeDigits: n digits (then "-ddd" when dash) are a postcode in the
// language of the text: five digits in Spain, Catalonia, France and
// Italy, six in Romania, four (with "-ddd" or a known city) in Portugal;
// a British postcode has letters and is not read here.
func (sc *scanState) postcodeDigits(n int, dash bool) bool {
	switch sc.lang {
	case langAny:
		return n >= 4 && n <= 6
	case langPt:
		return n == 4
	case langRo:
		return n == 6 && !dash
	case langEn:
		return false
	}
	return n == 5 && !dash
}

var langPt, langRo, langEn = scanLang("pt"), scanLang("ro"), scanLang("en")

// currencyWords after a number make it a price.
var currencyWords = normWordSet(`euro euros eur eu € lei ron leu pound pounds quid £ gbp dollar dollars usd $ reais`)

// currencyAfter: a currency word or sign follows normalised offset q.
func (sc *scanState) currencyAfter(q int) bool {
	t := sc.n.b
	for q < len(t) && t[q] == ' ' {
		q++
	}
	if q >= len(t) {
		return false
	}
	if !isWord[t[q]] {
		r, _ := utf8.DecodeRune(t[q:])
		return r == '€' || r == '£' || r == '$'
	}
	return currencyWords[bytesToStr(t[q:sc.wordEnd(q)])]
}

// daysMonths are never the name of a street in a message.
var daysMonths = normWordSet(`lunes martes miércoles jueves viernes sábado domingo dilluns dimarts dimecres dijous
	divendres dissabte diumenge lunedì martedì mercoledì giovedì venerdì sabato domenica lundi mardi mercredi jeudi
	vendredi samedi dimanche segunda terça quarta quinta sexta luni marți miercuri joi vineri sâmbătă duminică
	monday tuesday wednesday thursday friday saturday sunday
	` + monthNames)

// allCaps: the word [s,e) has two or more letters, all in capitals.
func (sc *scanState) allCaps(s, e int) bool {
	n := 0
	for k := s; k < e; k++ {
		if isLetter(sc.n.b[k]) {
			if !sc.n.upperAt(k) {
				return false
			}
			n++
		}
	}
	return n >= 2
}

// streetNumBefore: number [bis] [,] type name... (French).
func (sc *scanState) streetNumBefore(s, e int, fl streetFlags) bool {
	t := sc.n.b
	L := len(t)
	k := s
	if k == 0 || t[k-1] != ' ' {
		return false
	}
	k--
	if k > 0 && t[k-1] == ',' {
		k--
	}
	// optional bis / ter
	ws := k
	for ws > 0 && isWord[t[ws-1]] {
		ws--
	}
	if w := bytesToStr(t[ws:k]); w == "bis" || w == "ter" {
		if ws == 0 || t[ws-1] != ' ' {
			return false
		}
		k = ws - 1
		ws = k
		for ws > 0 && isWord[t[ws-1]] {
			ws--
		}
	}
	if ws == k || !isDigit(t[ws]) || (ws > 0 && isWord[t[ws-1]]) {
		return false
	}
	if ne, ok := sc.houseNumber(ws); !ok || ne != k {
		if !(ok && ne+4 <= k) { // "3bis"
			return false
		}
	}
	if ws > 0 && notBeforeNumber[sc.prevWord(ws)] {
		return false
	}
	// Name after the type.
	j := e
	if j < L && t[j] == '.' {
		j++
	}
	if j >= L || t[j] != ' ' {
		return false
	}
	j++
	names, caps, end := 0, 0, 0
	for steps := 0; steps < 7 && j < L && isWord[t[j]]; steps++ {
		k := sc.wordEnd(j)
		particle, capital := sc.nameWord(j, k)
		if !particle {
			if !capital && names > 0 {
				break
			}
			names++
			if capital {
				caps++
			}
			end = k
			if !capital {
				break // one lower-case name word: "12 rue de la paix"
			}
		}
		if k >= L || t[k] != ' ' {
			break
		}
		j = k + 1
	}
	if names == 0 || (fl&stWeak != 0 && caps == 0) {
		return false
	}
	sc.add(ws, sc.addressTail(end), catAddress)
	return true
}

// prevWord returns the word that ends just before the space before p.
func (sc *scanState) prevWord(p int) string {
	t := sc.n.b
	if p == 0 || t[p-1] != ' ' {
		return ""
	}
	e := p - 1
	s := e
	for s > 0 && isWord[t[s-1]] {
		s--
	}
	return bytesToStr(t[s:e])
}

// nextWord returns the word that begins just after the space at p.
func (sc *scanState) nextWord(p int) string {
	w, _ := sc.spacedWord(p)
	return w
}

// spacedWord returns the word after the space at p and its end, or "" when
// no space and word follow.
func (sc *scanState) spacedWord(p int) (string, int) {
	t := sc.n.b
	if p >= len(t) || t[p] != ' ' {
		return "", p
	}
	s := p + 1
	e := s
	for e < len(t) && isWord[t[e]] {
		e++
	}
	return bytesToStr(t[s:e]), e
}

// streetBack: number name... type (English).
func (sc *scanState) streetBack(s, e int, fl streetFlags) bool {
	t := sc.n.b
	names, caps := 0, 0
	k := s
	for steps := 0; steps < 5; steps++ {
		if k == 0 || t[k-1] != ' ' {
			return false
		}
		we := k - 1
		ws := we
		for ws > 0 && (isWord[t[ws-1]] || t[ws-1] == '\'') {
			ws--
		}
		if ws == we {
			return false
		}
		if isDigit(t[ws]) {
			if ne, ok := sc.houseNumber(ws); !ok || ne != we {
				return false
			}
			// "Mon 14:00 Oxford Street", "a les 10.30 Baker Street": the
			// minutes of a time, not a house number.
			if ws >= 2 && (t[ws-1] == ':' || t[ws-1] == '.') && isDigit(t[ws-2]) {
				return false
			}
			// "at 11 at Trafalgar Square": the number is a time when the
			// word after it is a preposition, not a name.
			if notBeforeNumber[sc.nextWord(we)] {
				return false
			}
			if names == 0 || (fl&stWeak != 0 && caps == 0) {
				return false
			}
			sc.add(ws, sc.addressTail(e), catAddress)
			return true
		}
		particle, capital := sc.nameWord(ws, we)
		if !particle {
			names++
			if capital {
				caps++
			}
		}
		k = ws
	}
	return false
}
