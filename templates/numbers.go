package templates

import "strings"

// Numbers a lexicon cannot list: phone numbers spelt in words or split by
// a word ("seis uno dos, tres cuatro cinco...", "612 345 y 678"), and the
// short emergency and helpline numbers written alone ("llama al 016",
// "call 999", "le 3919").

// digitWords: the digits spelt out in the shipped languages (one word,
// one digit; single letters are left out, they are articles too).
var digitWords = normWordSet(`cero uno dos tres cuatro cinco seis siete ocho nueve
	zero un una dues tres quatre cinc sis set vuit nou
	zero uno due tre quattro cinque sei sette otto nove
	zéro un deux trois quatre cinq six sept huit neuf
	zero um uma dois duas três quatro cinco seis sete oito nove
	zero unu doi trei patru cinci șase sase șapte sapte opt nouă noua
	zero oh one two three four five six seven eight nine u`)

// pairWords are numbers of two digits: French and others read a phone
// number in pairs ("zéro six douze trente quatre").
var pairWords = normWordSet(`diez once doce trece catorce quince dieciseis diecisiete dieciocho diecinueve veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa
	deu onze dotze tretze catorze quinze setze disset divuit dinou vint trenta quaranta cinquanta seixanta setanta vuitanta noranta
	dieci undici dodici tredici quattordici quindici sedici diciassette diciotto diciannove venti trenta quaranta cinquanta sessanta settanta ottanta novanta
	dix onze douze treize quatorze quinze seize vingt trente quarante cinquante soixante
	dez onze doze treze catorze quinze dezasseis dezesseis dezassete dezoito dezanove vinte trinta quarenta cinquenta sessenta setenta oitenta noventa
	zece unsprezece doisprezece douazeci treizeci patruzeci cincizeci saizeci saptezeci optzeci nouazeci
	ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety`)

// numberWordValue: the value of each word of digitWords and pairWords.
var numberWordValue = func() map[string]int {
	m := map[string]int{}
	for v, ws := range map[int]string{
		0: "cero zero zéro oh", 1: "uno un una one u unu um uma", 2: "dos dues due deux dois duas doi two",
		3: "tres tre trois três trei three", 4: "cuatro quatre quattro quatro patru four",
		5: "cinco cinc cinque cinq cinci five", 6: "seis sis sei six șase sase",
		7: "siete set sette sept sete șapte sapte seven", 8: "ocho vuit otto huit oito opt eight",
		9:  "nueve nou nove neuf nouă noua nine",
		10: "diez deu dieci dix dez zece ten", 11: "once onze undici unsprezece eleven",
		12: "doce dotze dodici douze doze doisprezece twelve", 13: "trece tretze tredici treize treze thirteen",
		14: "catorce catorze quattordici quatorze fourteen", 15: "quince quinze quindici fifteen",
		16: "dieciseis setze sedici seize dezasseis dezesseis sixteen", 17: "diecisiete disset diciassette dezassete seventeen",
		18: "dieciocho divuit diciotto dezoito eighteen", 19: "diecinueve dinou diciannove dezanove nineteen",
		20: "veinte vint venti vingt vinte douazeci twenty", 30: "treinta trenta trente trinta treizeci thirty",
		40: "cuarenta quaranta quarante quarenta patruzeci forty", 50: "cincuenta cinquanta cinquante cinquenta cincizeci fifty",
		60: "sesenta seixanta sessanta soixante sessenta saizeci sixty", 70: "setenta setanta settanta saptezeci seventy",
		80: "ochenta vuitanta ottanta oitenta optzeci eighty", 90: "noventa noranta novanta nouazeci ninety",
	} {
		for w := range normWordSet(ws) {
			m[w] = v
		}
	}
	return m
}()

// numberSep: what may stand between the numbers and the words of a
// number run (a space, the punctuation of a digit series, a bracket).
var numberSep = func() (m [256]bool) {
	m = seriesPunct
	for _, c := range " ()[]{}" {
		m[c] = true
	}
	return
}()

// numberFillers may split a number: "612 345 y 678", "then 678".
var numberFillers = normWordSet(`y e i and et și si then luego después despues poi dopo apoi depois puis després despres`)

// hotlines are emergency and helpline numbers that mean help whenever
// they stand alone: 112 (EU), 016 (ES gender violence), 091/092/062 (ES
// police, Guardia Civil), 024, 999 (UK), 911, 1522 (IT violence), 3919
// and 3977 (FR), the 116 numbers (EU helplines; 116 006 victims), 061
// (ES health emergencies) and 3114 (FR suicide prevention).
var hotlines = map[string]bool{
	"112": true, "016": true, "091": true, "092": true, "062": true, "024": true, "999": true, "911": true,
	"1522": true, "3919": true, "3977": true, "116006": true, "116000": true, "116111": true, "116123": true,
	"061": true, "3114": true,
}

// callHotlines mean help only after a word for calling ("appelle le 17",
// "call 101"): police, ambulance, fire and social-emergency numbers that
// are also ordinary numbers (FR 15, 17, 18, 115, 119; IT 113, 114, 118;
// PT 144; UK 101, 111).
var callHotlines = map[string]bool{
	"15": true, "17": true, "18": true, "113": true, "114": true, "115": true, "118": true, "119": true,
	"144": true, "101": true, "111": true,
}

// callWords: words for calling, before a short number (up to two words
// may stand between: "llama al", "liga para o").
var callWords = normWordSet(`llama llamar llámame llamame llamad marca marcar truca trucar truqueu chiama chiamare chiamate
	appelle appelez appeler compose composez fais faites liga ligar ligue suna sună suni sunați sunati call ring dial phone text`)

// hotlineAt flags a number chunk [s,e) of the given digits (no
// separators) that is a hotline.
//
// The words that lead to the number go with it: the verb for calling and
// its links ("llama al 091", "ring 999", "suna la 112"), or else the link
// and a word for a line right before it ("la linea 024", "le 3114"): what
// would be left says whom she calls.
func (sc *scanState) hotlineAt(s, e int, digits string) {
	if !hotlines[digits] && !callHotlines[digits] {
		return // most numbers: no walk back over the words before them
	}
	cs := sc.callWordStart(s)
	if !hotlines[digits] && cs < 0 {
		return
	}
	if ls := sc.lineWordsStart(s); cs < 0 || ls > cs {
		// The verb is further away ("appelle tout de suite le 17"):
		// the words between stay.
		cs = ls
	}
	sc.add(cs, e, catPhone)
}

// lineBreakAt: the space at normalised offset i stands for a line break
// in the original (a call verb on the line before does not go with a
// number on the next).
func (n *normText) lineBreakAt(i int) bool {
	o, end := n.src[i], len(n.orig)
	if i+1 < len(n.b) {
		end = n.src[i+1]
	}
	for ; o < end; o++ {
		if n.orig[o] == '\n' || n.orig[o] == '\r' {
			return true
		}
	}
	return false
}

// lineWords name a line before its number ("la línea 024").
var lineWords = normWordSet(`linea línea linia línia line helpline linha numero número numarul numărul numéro number nr`)

// lineWordsStart: the start of the link words, words for a line and a
// word for calling right before s ("la linea 024", "call the helpline
// 116 123", "liga para o 112"), or s.
func (sc *scanState) lineWordsStart(s int) int {
	t := sc.n.b
	start := s
	for k := 0; k < 3; k++ {
		if start < 2 || t[start-1] != ' ' || sc.n.lineBreakAt(start-1) {
			break
		}
		e := start - 1
		b := e
		for b > 0 && isWord[t[b-1]] {
			b--
		}
		if b == e {
			break
		}
		w := bytesToStr(t[b:e])
		if !callLinks[w] && !lineWords[w] && !callWords[w] {
			break
		}
		start = b
		if callWords[w] {
			break
		}
	}
	return start
}

// callLinks may stand between a word for calling and the number.
var callLinks = normWordSet(`al el a la le au il lo o ao para per pe the on at to no`)

// callWordStart is the start of a word for calling before s, or -1: right
// before s, or with one or two of callLinks between ("llama al 091",
// "liga para o 112"), or up to five words before when a link word comes
// right before the number ("appelle tout de suite le 17").
func (sc *scanState) callWordStart(s int) int {
	t := sc.n.b
	p := s
	linked := false
	for k := 0; k < 6; k++ {
		if p == 0 || t[p-1] != ' ' || sc.n.lineBreakAt(p-1) {
			return -1
		}
		e := p - 1
		b := e
		for b > 0 && isWord[t[b-1]] {
			b--
		}
		if b == e {
			return -1
		}
		w := bytesToStr(t[b:e])
		if callWords[w] {
			return b
		}
		if k == 0 && callLinks[w] {
			linked = true
		}
		if !callLinks[w] && !linked || k >= 2 && !linked {
			return -1
		}
		p = b
	}
	return -1
}

// spelledPhone looks at the number run around the word at [s,e) (a digit
// word or a filler between numbers) and flags it as a phone if it has
// seven digits or more in all.
func (sc *scanState) spelledPhone(s, e int) int {
	t := sc.n.b
	L := len(t)
	if s < sc.phoneDone {
		return e
	}
	kind := func(a, b int) int { // 1 digits, 2 digit word, 3 filler, 0 other
		w := bytesToStr(t[a:b])
		switch {
		case isDigit(t[a]) && strings.Trim(w, "0123456789") == "":
			return 1
		case digitWords[w]:
			return 2
		case pairWords[w]:
			return 4
		case numberFillers[w]:
			return 3
		}
		return 0
	}
	// Walk back to the start of the run.
	start := s
	for steps := 0; steps < 24 && start > 1; steps++ {
		q := start - 1
		for q > 0 && start-q <= 3 && numberSep[t[q]] {
			q--
		}
		if !isWord[t[q]] {
			break
		}
		b := q
		for b > 0 && isWord[t[b-1]] {
			b--
		}
		if kind(b, q+1) == 0 {
			break
		}
		start = b
	}
	digits, words, fillers := 0, 0, 0
	end, fillersInRow := start, 0
	// punct: punctuation between two runs of digits ("1,50", "3, 5"),
	// dashOnly: all of it '-'; short, long: runs of digits of one digit,
	// of three or more; vals: the numbers in order (a count, steps).
	prevDigits, sepPunct, punct, dashOnly, sepDash := false, false, false, true, true
	short, long, mid := 0, 0, 0
	var vals [24]int8
	nv, countable := 0, true
	for p, steps := start, 0; p < L && steps < 40; steps++ {
		q := p
		for q < L && isWord[t[q]] {
			q++
		}
		if q == p {
			break
		}
		k := kind(p, q)
		if k == 0 || k == 3 && (fillersInRow == 2 || digits == 0) {
			break
		}
		v := -1
		switch k {
		case 1:
			digits += q - p
			end = q
			switch {
			case q-p == 1:
				short++
				v = int(t[p] - '0')
			case q-p >= 3:
				long++
			default:
				mid++
				v = int(t[p]-'0')*10 + int(t[p+1]-'0')
			}
		case 2:
			digits++
			words++
			end = q
			v = numberWordValue[bytesToStr(t[p:q])]
		case 3:
			fillers++
		case 4:
			digits += 2
			words++
			end = q
			v = numberWordValue[bytesToStr(t[p:q])]
		}
		if k != 3 {
			if v < 0 || nv == len(vals) {
				countable = false
			} else {
				vals[nv] = int8(v)
				nv++
			}
		}
		if k == 3 {
			fillersInRow++
		} else {
			fillersInRow = 0
		}
		if k == 1 && prevDigits && sepPunct {
			punct = true
			dashOnly = dashOnly && sepDash
		}
		prevDigits = k == 1
		p, sepPunct, sepDash = q, false, true
		for p < L && p-q < 3 && numberSep[t[p]] {
			sepPunct = sepPunct || t[p] != ' '
			sepDash = sepDash && (t[p] == ' ' || t[p] == '-')
			p++
		}
	}
	if fillers > 0 && words == 0 && punct && !(mid == 0 && (long == 0 || short == 0 && dashOnly)) {
		// Digits and fillers alone, with punctuation between digits:
		// a phone has its digits one by one ("6, 1, 2 y 3…") or in
		// groups of three or more joined by '-' ("612-345 y 678");
		// prices, dates and lists mix short numbers with others ("1,50
		// y 2,30", "3.1.2026 y 4.2.2026", "los días 3, 5, 10 y 12",
		// "habitaciones 101, 102 y 205").
		return e
	}
	if countable && nv >= 4 && steps(vals[:nv], mid > 0) && (vals[1] != vals[0] || mid == 0 && words == 0) {
		// "uno, dos, tres, cuatro…", "ten twenty thirty forty", "1, 2,
		// 3 y 4 y 5 y 6 y 7": a count
		return e
	}
	if digits >= 7 && (words > 0 || fillers > 0) {
		if start > 0 && end < L && closeBracket[t[start-1]] == t[end] {
			start, end = start-1, end+1 // "(six)(1)…(8)": the brackets go with it
		}
		sc.add(start, end, catPhone)
		sc.phoneDone = end
		return end
	}
	return e
}

// Words that introduce a phone number as whose it is: "New office
// number: 020 7946 0831", "le nouveau numéro du bureau : 01 42...", "il
// nuovo numero dell'ufficio è 011...", "Numarul nou de la birou: 021...".
// Left alone they say that a service gave her a number. A number said
// to be a person's ("el meu numero nou", "salvati questo numero") is
// the sender's own and keeps its words: an office word must be among them.
var (
	numberNouns = normWordSet(`numero número numéro numarul numărul number nr telefono teléfono telèfon téléphone telefone
		telefonul tel tlf telf mobil movil móvil mobile cell phone`)
	numberOffices = normWordSet(`office bureau ufficio gabinete birou oficina despatx despacho escritorio 24h
		biroului écoute ecoute escucha ascolto apoio ajutor
		team équipe equipe equipo equip equipa echipa echipei squadra work trabajo feina lavoro travail trabalho serviciu`)
	// lineNouns are a number and whose it is at once: "ligne d'écoute";
	// and the number for appointments ("Cita: 93…", "Prenotazioni:
	// 011…"): a service's.
	lineNouns = normWordSet(`ligne línea linea linia línia linha line helpline
		cita citas appointment appointments prenotazione prenotazioni marcação marcações marcacao marcacoes programari programare programări`)
	numberIntro = normWordSet(`new nuevo nueva nou nouveau nouvelle nuovo novo nova noul
		the el la le il lo o a l d de del du dell della do da la of is es és è e est este é`)
)

// withNumberIntro extends the start s of a phone number over the words
// that introduce it (six at most, with a word for a number among them,
// and a colon allowed right before the number).
func (sc *scanState) withNumberIntro(s int) int {
	t := sc.n.b
	p := s
	for p > 0 && (t[p-1] == ' ' || t[p-1] == ':') {
		p--
	}
	start, found, office := s, false, false
	for k := 0; k < 6 && p > 0 && isWord[t[p-1]]; k++ {
		b := p
		for b > 0 && isWord[t[b-1]] {
			b--
		}
		w := bytesToStr(t[b:p])
		switch {
		case numberNouns[w]:
			found = true
		case lineNouns[w]:
			found, office = true, true
		case numberOffices[w]:
			office = true
		case numberIntro[w]:
		default:
			return start
		}
		if found && office {
			start = b
		}
		p = b
		if p > 0 && t[p-1] == '\'' {
			p--
		}
		for p > 0 && t[p-1] == ' ' {
			p--
		}
		if p > 0 && !isWord[t[p-1]] {
			break
		}
	}
	return start
}

// Words for someone phoning her from a number: "Et trucaran del 93…",
// "Il appellera du 01…", "Ti chiama dal 011…", "Te llamarán desde el
// 91…", "Vai-te ligar do 21…", "Te va suna de pe 021…", "they'll ring
// u from 020…". Left alone they say that someone (a service, the
// police) will ring her: the verb and its "from" go with the number.
// "To" is no such word: a number she is to call keeps its verb (but a
// hotline's, hotlineAt).
var (
	callerVerbs = normWordSet(`llamara llamará llamaran llamarán llama llaman llamarà trucara trucarà trucaran trucaràn truca truquen
		chiama chiamano chiamerà chiamera chiameranno appellera appelleront appelle appellent ligara ligará ligarão ligarao liga ligam ligar
		suna sună call calls ring rings phone phones`)
	callerFrom    = normWordSet(`del dal dallo dalla desde du de do da from din`)
	callerLinks   = normWordSet(`el la le il lo l o the pe al`)
	callerObjects = normWordSet(`you u te ti et vous`)
)

// withCallerIntro extends the start s of a phone number over a word for
// calling and its "from" right before it (a link and an object pronoun
// may stand between: "desde el", "de pe", "ring you from").
func (sc *scanState) withCallerIntro(s int) int {
	t := sc.n.b
	p := s
	for k, stage := 0, 0; k < 4 && p > 1 && t[p-1] == ' ' && isWord[t[p-2]]; k++ {
		e := p - 1
		b := e
		for b > 0 && isWord[t[b-1]] {
			b--
		}
		w := bytesToStr(t[b:e])
		switch {
		case stage == 0 && callerLinks[w] && !callerFrom[w]:
			stage = 1
		case stage < 2 && callerFrom[w]:
			stage = 2
		case stage == 2 && callerObjects[w]:
			stage = 3
		case stage >= 2 && callerVerbs[w]:
			return b
		default:
			return s
		}
		p = b
	}
	return s
}

// The words that give an e-mail address as a team's: "email the team on
// referrals@…", "écrire à l'équipe sur accueil@…", "escreve para a equipa:
// apoio@…". Left alone they say that a service writes to her.
var (
	mailTeams = normWordSet(`team équipe equipe equipo equip equipa echipa echipei squadra progetto project projet proyecto projecte projeto proiect`)
	mailIntro = normWordSet(`email mail e-mail write écrire écris ecris escribe escribir escriu escreve escrever scrivi scrivere scrie
		on at to sur à a para pra per la l the al en su pe da do de del della dell du`)
)

// withMailIntro extends the start s of an e-mail address over the words
// right before it (five at most) that name a team.
func (sc *scanState) withMailIntro(s int) int {
	t := sc.n.b
	p := s
	for p > 0 && (t[p-1] == ' ' || t[p-1] == ':') {
		p--
	}
	start := s
	for k := 0; k < 5 && p > 0 && isWord[t[p-1]]; k++ {
		b := p
		for b > 0 && isWord[t[b-1]] {
			b--
		}
		w := bytesToStr(t[b:p])
		switch {
		case mailTeams[w]:
			start = b
		case mailIntro[w] || articleWords[w] || acronymPreps[w]:
			// the article and the preposition of the team ("à
			// l'équipe"); the verb stays ("Tu peux aussi écrire").
			if start < s && start-b <= 8 && (articleWords[w] || acronymPreps[w] || len(w) <= 4 && w != "mail") {
				start = b
			}
		default:
			return start
		}
		p = b
		for p > 0 && (t[p-1] == ' ' || t[p-1] == '\'') {
			p--
		}
	}
	return start
}

// The words that give a link as a programme's: "Info about our programme:
// www…", "Infos sur le dispositif ici : www…", "Informatii despre
// program: www…". Left alone they say that she is in one.
var (
	urlInfoWords = normWordSet(`info infos información informacion informació informacio informazioni informação informacao
		informatii informații informations information`)
	urlProgrammes = normWordSet(`programme program programa programul programma dispositif dispositiu dispositivo dispozitiv
		apoio suport support progetto proyecto projecte projet projeto proiect project servicio servei servizio serviciu`)
	urlLinks = normWordSet(`about on sur sobre despre su sul del de la le el o a al the our nuestro nuestra notre nostro nosso nossa
		nostru aquí aqui ici qui aici here del della do da du des`)
)

// withURLIntro extends the start s of a link over the words right before
// it (six at most) that present it as a programme's, with a word for a
// programme among them ("Tota la info aquí:" says nothing and stays).
func (sc *scanState) withURLIntro(s int) int {
	t := sc.n.b
	p := s
	for p > 0 && (t[p-1] == ' ' || t[p-1] == ':') {
		p--
	}
	start, info := s, false
	for k := 0; k < 6 && p > 0 && isWord[t[p-1]]; k++ {
		b := p
		for b > 0 && isWord[t[b-1]] {
			b--
		}
		w := bytesToStr(t[b:p])
		switch {
		case urlProgrammes[w]:
			info = true
		case urlLinks[w], urlInfoWords[w]:
		default:
			return start
		}
		if info {
			start = b
		}
		p = b
		for p > 0 && (t[p-1] == ' ' || t[p-1] == '\'') {
			p--
		}
	}
	return start
}

// Digit series: a phone number written a digit at a time with the same
// punctuation, brackets or emoji between its digits ("6. 1. 2. 3…",
// "[6][1][2]…", "6_1_2…", "6, 1, 2…", "6 / 1 / 2…", "6🌸1🌸2…"), or
// with the letters o, l and i written for 0 and 1 ("6l2 O45 678").
// numberRun reads digits joined by '.', '-' or '/' and chunks between
// single spaces; these it reads as a list, a price or nothing.
//
// Like any phone, a series has seven digits or more. Digits one at a
// time count only with punctuation or brackets between them (a series of
// spaces alone is numberRun's), one kind of punctuation for the whole
// series ("3-1, 2-0, 4-2" is a list of scores), and not when they count
// up, down or in steps ("1, 2, 3, 4, 5, 6, 7", "2 - 4 - 6 - 8…"): a list,
// not a number. Words, a line break, a time ("10:30") or a token with
// other letters ("14-16h", "1º") end the series.

// seriesPunct may stand between the digits of a series, with a space on
// either side; sepByte is an emoji or a symbol outside ASCII ("•").
var seriesPunct = [256]bool{'.': true, ',': true, '-': true, '/': true, '_': true, '*': true, '|': true,
	';': true, '~': true, '=': true, '#': true, '+': true, sepByte: true}

// lookalikeDigit: the letters written for a digit in a number (o for 0;
// l and i for 1).
var lookalikeDigit = [256]byte{'o': '0', 'l': '1', 'i': '1'}

// closeBracket: the bracket that closes one written round a digit.
var closeBracket = [256]byte{'(': ')', '[': ']', '{': '}'}

// seriesToken reads the word at p as a number of a series: digits, and
// o, l or i for a digit at its start or inside it, never at its end ("1º"
// normalises to "1o", "15l" is fifteen litres), and fewer of them than
// digits. It returns the end of the word and the value of a one-digit
// word (-1 for a longer one).
func (sc *scanState) seriesToken(p int) (e, digits, looks, val int, ok bool) {
	t := sc.n.b
	L := len(t)
	q := p
	for ; q < L && isWord[t[q]]; q++ {
		c := t[q]
		switch {
		case q-p >= 16:
			return
		case isDigit(c):
			digits++
		case lookalikeDigit[c] != 0:
			looks++
		default:
			return
		}
	}
	if q == p || digits <= looks || lookalikeDigit[t[q-1]] != 0 {
		return
	}
	val = -1
	if q-p == 1 {
		val = int(t[p] - '0')
	}
	return q, digits + looks, looks, val, true
}

// digitSeries reads the series from the digit at i (the start of a run of
// digits). When it is a phone number it flags it and returns its end;
// else it returns 0 and leaves the run to numberRun.
func (sc *scanState) digitSeries(i int) int {
	t := sc.n.b
	L := len(t)
	p := i
	for p > 0 && i-p < 3 && lookalikeDigit[t[p-1]] != 0 {
		p--
	}
	if p > 0 && isWord[t[p-1]] {
		return 0 // glued to a word: "tlf612…" is numberRun's
	}
	if p > 0 && closeBracket[t[p-1]] != 0 {
		p--
	}
	var vals [24]int8
	n, digits, looks, singles := 0, 0, 0, 0
	start, end := p, p
	var core byte  // the punctuation between the digits (0: none yet)
	punct := false // punctuation or brackets between two numbers
	for n < len(vals) {
		var closeB byte
		el := p
		if p < L && closeBracket[t[p]] != 0 {
			closeB = closeBracket[t[p]]
			p++
		}
		e, d, lk, v, ok := sc.seriesToken(p)
		if !ok {
			break
		}
		if closeB != 0 {
			if e >= L || t[e] != closeB {
				break
			}
			e++
			if n > 0 {
				punct = true
			}
		}
		if n == 0 {
			start = el
		}
		vals[n] = int8(v)
		n++
		digits += d
		looks += lk
		if v >= 0 {
			singles++
		}
		end = e
		// The separator: a space, one kind of punctuation (three at
		// most; four emoji), a space; or nothing between brackets.
		r := e
		sp1, sp2 := -1, -1 // the spaces, looked at for a line break last
		if r < L && t[r] == ' ' {
			sp1 = r
			r++
		}
		c, k := byte(0), r
		for k < L && seriesPunct[t[k]] && k-r < 4 && (c == 0 || t[k] == c) {
			c = t[k]
			k++
		}
		if c != 0 {
			if k < L && seriesPunct[t[k]] || c != sepByte && k-r > 3 || core != 0 && c != core {
				break
			}
			r = k
			if r < L && t[r] == ' ' {
				sp2 = r
				r++
			}
		}
		if r == e && !(closeB != 0 && r < L && closeBracket[t[r]] != 0) {
			break // "6:1", "6'1", a word: the series ends
		}
		if r >= L || !(isDigit(t[r]) || lookalikeDigit[t[r]] != 0 || closeBracket[t[r]] != 0) {
			break
		}
		if sp1 >= 0 && sc.n.lineBreakAt(sp1) || sp2 >= 0 && sc.n.lineBreakAt(sp2) {
			break
		}
		if c != 0 {
			core, punct = c, true
		}
		p = r
	}
	if digits < 7 {
		return 0
	}
	if looks == 0 && !(singles == n && punct) {
		return 0 // numbers of several digits, or digits between spaces: numberRun's
	}
	if looks == 0 && steps(vals[:n], false) {
		return 0
	}
	sc.add(start, end, catPhone)
	return end
}

// steps: the numbers go up or down by the same step (or stay the same):
// a list or a count, not the digits of a phone. With a number of two
// digits among them only a count by one is ("8 9 10 11 12"; "01 23 45
// 67 89" is a phone).
func steps(v []int8, twoDigits bool) bool {
	if len(v) < 3 {
		return false
	}
	d := v[1] - v[0]
	if twoDigits && d != 1 && d != -1 {
		return false
	}
	for k := 2; k < len(v); k++ {
		if v[k]-v[k-1] != d {
			return false
		}
	}
	return true
}
