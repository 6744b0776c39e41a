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
	// of three or more; cr: the numbers in order (a count, a list).
	prevDigits, sepPunct, punct, dashOnly, sepDash := false, false, false, true, true
	short, long, mid := 0, 0, 0
	var cr countRun
	leadZero := false
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
				leadZero = leadZero || mid == 1 && short == 0 && long == 0 && t[p] == '0'
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
			cr.push(v)
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
	pairs := mid >= 4 && short == 0 && long == 0 && leadZero
	if fillers > 0 && words == 0 && punct && !pairs && !(mid == 0 && (long == 0 || short == 0 && dashOnly)) {
		// Digits and fillers alone, with punctuation between digits:
		// a phone has its digits one by one ("6, 1, 2 y 3…"), in
		// groups of three or more joined by '-' ("612-345 y 678") or
		// in pairs from a 0 ("06, 12, 34, 56 et 78"); prices, dates
		// and lists mix short numbers with others ("1,50 y 2,30",
		// "3.1.2026 y 4.2.2026", "los días 3, 5, 10 y 12",
		// "habitaciones 101, 102 y 205").
		return e
	}
	if cr.isCount() || cr.isList(sc.listNounBefore(start)) {
		// "uno, dos, tres, cuatro…", "ten twenty thirty forty", "1, 2,
		// 3 y 4 y 5 y 6 y 7": a count; "líneas 1, 4 y 5": a list
		return e
	}
	if digits >= 7 && (words > 0 || fillers > 0) {
		if start > 0 && end < L && closeBracket[t[start-1]] != 0 && closeBracket[t[start-1]] == t[end] {
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

// Digit series: a phone number written a digit or a group of digits at a
// time with one symbol between its numbers ("6. 1. 2. 3…", "612_345_678",
// "06|12|34|56|78", "6 / 1 / 2…", "6🌸1🌸2…", "6x1x2…"), in brackets or
// quotes ("[6][1][2]…", "<6><1>…", `"6" "1"…`, "6),1),2)…"), with o, l and
// i written for 0 and 1 ("6l2 O45 678"), or after a country code ("+34 6.
// 9. 8…", "0034 6🌸9…"). Numbers of several digits between single spaces
// and digits joined by single '.', '-' or '/' with nothing else are
// numberRun's.
//
// Like any phone, a series has seven digits or more and at least three
// numbers of one to four digits, one separator for the whole series ("3-1,
// 2-0, 4-2" is a list of scores, "1,50, 2,30" prices). Not a phone: a
// count (isCount), numbers of several digits that go up ("101, 102, 205",
// "2 - 4 - 6 - 8 - 10"), a date ("12/03/2026"), anything after a word
// that names a list ("líneas 9, 8, 7…"). Words, a line break or a token
// with other letters ("14-16h", "1º") end the series.

// seriesSymbol may stand between the numbers of a series (with a space on
// either side): any ASCII symbol but brackets and quotes, which go round a
// number, and sepByte, an emoji or a symbol outside ASCII ("•").
var seriesSymbol = func() (m [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		letterOrDigit := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !letterOrDigit && closeBracket[c] == 0 && c != ')' && c != ']' && c != '}' && c != '\'' {
			m[c] = true
		}
	}
	m['"'] = false
	m[sepByte] = true
	return
}()

// numberSep: what may stand between the numbers and the words of a
// number run (a space, a series symbol, a bracket); not a colon, a
// question or an exclamation mark ("numero nou: 634…" says whose number
// follows).
var numberSep = func() (m [256]bool) {
	m = seriesSymbol
	m[':'], m['?'], m['!'] = false, false, false
	for _, c := range " ()[]{}<>\"" {
		m[c] = true
	}
	return
}()

// lookalikeDigit: the letters written for a digit in a number (o for 0;
// l and i for 1).
var lookalikeDigit = [256]byte{'o': '0', 'l': '1', 'i': '1'}

// closeBracket: the bracket or quote that closes one written round a digit.
var closeBracket = [256]byte{'(': ')', '[': ']', '{': '}', '<': '>', '"': '"'}

// listNouns name what a list of numbers counts ("líneas 1, 4, 5", "notas
// 5, 5, 5…", "tallas 36, 38…"): numbers after them that never go down or
// never go up are no phone.
var listNouns = normWordSet(`líneas lineas línies linies lignes linhas liniile lines
	notas notes notele marks grades puntos punts points punti pontos punctele puntuación puntuacion scores
	tallas talles tailles taglie tamanhos marimi sizes
	días dias dies jours giorni zile days fechas dates
	habitaciones habitacions chambres camere quartos camerele rooms aulas aules salles aule salas
	páginas paginas pàgines pagines pages pagine paginile
	capítulos capitulos capítols chapitres capitoli capitole chapters
	ejercicios exercicis exercices esercizi exercícios exercicios exercitii exercises
	preguntas preguntes questions domande perguntas intrebari
	opciones opcions options opzioni opções opcoes optiuni
	plantas plantes étages etages piani andares etaje floors
	autobuses busos bus buses autobus autocarri ônibus onibus autobuze
	paradas parades arrêts arrets fermate stops statii
	pasos passos étapes etapes passi pasi steps
	resultados resultats résultats risultati rezultate results
	filas rangs rangées rows asientos seients sièges sieges lugares seats
	grupos grups groupes gruppi grupuri groups niveles nivells niveaux livelli niveis niveluri levels
	mesas taules tables tavoli`)

// listNounBefore: a word that names a list stands right before s (a colon
// may stand between).
func (sc *scanState) listNounBefore(s int) bool {
	t := sc.n.b
	p := s
	for p > 0 && s-p < 3 && (t[p-1] == ' ' || t[p-1] == ':') {
		p--
	}
	b := p
	for b > 0 && isWord[t[b-1]] {
		b--
	}
	return b < p && p < s && listNouns[bytesToStr(t[b:p])]
}

// numberLikeBefore: a token of digits or of digits and look-alike letters
// stands right before s, a space or a symbol between ("6O 1 2 3…"): what
// follows is the rest of a number, not a count.
func (sc *scanState) numberLikeBefore(s int) bool {
	t := sc.n.b
	p := s
	for p > 0 && s-p < 3 && (t[p-1] == ' ' || seriesSymbol[t[p-1]]) {
		p--
	}
	if p == s {
		return false
	}
	digit := false
	for b := p; b > 0 && p-b < 16 && isWord[t[b-1]]; b-- {
		c := t[b-1]
		if isDigit(c) {
			digit = true
		} else if lookalikeDigit[c] == 0 {
			return false
		}
	}
	return digit
}

// countRun follows the numbers of a run one by one to tell a count: they
// go up by the same step from 0, 1 or the step itself ("1 2 3 4…", "0, 1,
// 2…", "2 - 4 - 6…", "ten twenty thirty forty"). A run that goes down or
// says one number again ("9 8 7 6…", "5 5 5 5…") is more likely a phone
// written to dodge than a count: it is none.
type countRun struct {
	n, first, prev, step int
	up                   bool
	// rise, fall: no number is lower (higher) than the one before
	rise, fall bool
}

func (c *countRun) push(v int) {
	if v < 0 {
		c.rise, c.fall = false, false
	} else if c.n == 0 {
		c.rise, c.fall = true, true
	} else {
		c.rise = c.rise && v >= c.prev
		c.fall = c.fall && v <= c.prev
	}
	switch c.n {
	case 0:
		c.first, c.up = v, v >= 0
	case 1:
		c.step = v - c.prev
		c.up = c.up && v >= 0 && c.step > 0
	default:
		c.up = c.up && v >= 0 && v-c.prev == c.step
	}
	c.prev = v
	c.n++
}

// isList: numbers after a word that names a list, in order.
func (c *countRun) isList(noun bool) bool {
	return noun && c.n >= 3 && (c.rise || c.fall)
}

// isCount: at least four numbers counted up from 0 or 1 by one or two, or
// from the step ("01 23 45 67 89" is a phone).
func (c *countRun) isCount() bool {
	return c.n >= 4 && c.up && (c.first <= 1 && c.step <= 2 || c.first == c.step)
}

// seriesToken reads the word at p as a number of a series: up to four
// digits, or up to sixteen with o, l or i for some of them, or one of
// those letters alone; 'x' between two digits ends it ("6x1x2…"). It
// returns the end of the word, its digits and letters, its value (-1 for
// letters) and whether it starts with a 0 and has more digits.
func (sc *scanState) seriesToken(p int) (e, digits, looks, val int, ok bool) {
	t := sc.n.b
	L := len(t)
	q := p
	for ; q < L && isWord[t[q]]; q++ {
		c := t[q]
		d := sc.digitAt(q)
		switch {
		case q-p >= 16:
			return
		case d >= 0 && (isDigit(c) || q+1 < L && t[q+1] == 'x' || q > p && t[q-1] == 'x'):
			digits++
			val = val*10 + d
		case lookalikeDigit[c] != 0:
			looks++
		case c == 'x' && q > p && sc.digitAt(q-1) >= 0 && q+1 < L && sc.digitAt(q+1) >= 0:
			goto end
		default:
			return
		}
	}
end:
	if q == p || digits == 0 && q-p > 1 || looks == 0 && digits > 4 {
		return
	}
	if looks > 0 {
		val = -1
	}
	return q, digits, looks, val, true
}

// digitAt: the digit at normalised offset q, or a letter that stands for
// one written as a digit ("6x1x2" normalises to "6xix2"), or -1.
func (sc *scanState) digitAt(q int) int {
	c := sc.n.b[q]
	if isDigit(c) {
		return int(c - '0')
	}
	if !isLetter(c) {
		return -1
	}
	if o := sc.n.src[q]; o < len(sc.n.orig) && isDigit(sc.n.orig[o]) {
		return int(sc.n.orig[o] - '0')
	}
	return -1
}

// seriesSepAt reads the separator after a number of a series ending at
// e: a space; or a space, one symbol said up to three times (four emoji),
// a space; or 'x' between digits; or nothing between brackets. sig tells
// one separator from another; r is where the next number starts.
func (sc *scanState) seriesSepAt(e int) (r int, sig uint32, ok bool) {
	t := sc.n.b
	L := len(t)
	r = e
	if r < L && t[r] == 'x' && r+1 < L && sc.digitAt(r+1) >= 0 {
		return r + 1, 'x' << 8, true
	}
	var sp1, sp2 uint32
	if r < L && t[r] == ' ' {
		if sc.n.lineBreakAt(r) {
			return e, 0, false
		}
		sp1, r = 1, r+1
	}
	c, k := byte(0), r
	for k < L && seriesSymbol[t[k]] && k-r < 4 && (c == 0 || t[k] == c) {
		c = t[k]
		k++
	}
	if c != 0 {
		if k < L && seriesSymbol[t[k]] || c != sepByte && k-r > 3 {
			return e, 0, false
		}
		r = k
		if r < L && t[r] == ' ' {
			if sc.n.lineBreakAt(r) {
				return e, 0, false
			}
			sp2, r = 1, r+1
		}
	}
	if r >= L || !(isDigit(t[r]) || lookalikeDigit[t[r]] != 0 || closeBracket[t[r]] != 0) {
		return e, 0, false
	}
	return r, sp1<<16 | uint32(c)<<8 | sp2, true
}

// seriesNumberAt reads a number of a series at p, bare, in brackets or
// quotes ("(6)", `"6"`), or followed by ')' ("6)").
func (sc *scanState) seriesNumberAt(p int) (e, digits, looks, val int, wrapped, ok bool) {
	t := sc.n.b
	L := len(t)
	var closeB byte
	if p < L && closeBracket[t[p]] != 0 {
		closeB = closeBracket[t[p]]
		p++
	}
	e, digits, looks, val, ok = sc.seriesToken(p)
	if !ok {
		return
	}
	switch {
	case closeB != 0:
		if e >= L || t[e] != closeB {
			ok = false
			return
		}
		e, wrapped = e+1, true
	case e < L && t[e] == ')':
		e, wrapped = e+1, true
	}
	return
}

// seriesLead reads a country code at p ("+34 ", "0034 ") before a series
// and returns where the series starts, or p.
func (sc *scanState) seriesLead(p int) int {
	t := sc.n.b
	L := len(t)
	q := p
	switch {
	case q < L && t[q] == '+':
		q++
	case q+2 < L && t[q] == '0' && t[q+1] == '0':
		q += 2
	default:
		return p
	}
	d := q
	for q < L && q-d < 4 && isDigit(t[q]) {
		q++
	}
	if q == d || q-d > 3 || q+1 >= L || t[q] != ' ' || sc.n.lineBreakAt(q) {
		return p
	}
	return q + 1
}

// digitSeries reads the series from i (the start of a run of digits, or
// a '+' before one). When it is a phone number it flags it and returns
// its end; else it returns 0 and leaves the run to numberRun.
func (sc *scanState) digitSeries(i int) int {
	if i < sc.seriesDone {
		return 0 // inside a series read already: the rest of a count is none
	}
	t := sc.n.b
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
	start := p
	ccDigits := 0
	if q := sc.seriesLead(p); q > p {
		ccDigits = q - p - 2 // '+' or "00", and the space
		if t[p] == '+' {
			ccDigits++
		}
		p = q
	} else if t[p] == '+' {
		return 0
	}
	var cr countRun
	n, digits, looks, lone, wide := 0, 0, 0, 0, 0
	nw, leadZero, rising, opened := 0, false, true, false
	thousands := true // "1,500,000": a first group, then groups of three
	prevVal, end, last := -1, p, p
	var sig uint32
	first, spaced := true, false
	for {
		e, d, lk, v, w, ok := sc.seriesNumberAt(p)
		if !ok {
			break
		}
		n++
		digits += d
		looks += lk
		nw += btoi(w)
		opened = closeBracket[t[p]] != 0
		last = p
		if d == 0 {
			lone++
		}
		thousands = thousands && lk == 0 && (n == 1 || d == 3)
		if d+lk > 1 {
			wide++
			if lk == 0 && t[p+btoi(w && closeBracket[t[p]] != 0)] == '0' {
				leadZero = true
			}
		}
		rising = rising && v > prevVal
		prevVal = v
		cr.push(v)
		end = e
		r, s, ok := sc.seriesSepAt(e)
		if !ok || !first && s&0xff00 != sig&0xff00 || r == e && !(w && closeBracket[t[r]] != 0) {
			break
		}
		spaced = spaced || !first && s != sig
		sig, first = s, false
		p = r
	}
	// The last number may start another series ("1) 6. 1. 2…").
	sc.seriesDone = last
	if nw < n && !opened && end > 0 && t[end-1] == ')' {
		end-- // "(tel. 612 345 678)": the bracket closes what came before
	}
	wrapped := nw == n
	total := digits + looks
	if total+ccDigits < 7 || total < 6 || n < 3 && looks == 0 {
		return 0
	}
	symbol := sig>>8&0xff != 0
	if c := byte(sig >> 8); thousands && c == ',' && sig&0x10001 == 0 || (c == '%' || c == '$') && sig&0x10001 != 0 {
		return 0 // "1,500,000 €"; "50% 25% 25% 10%", "$ 10 $ 20"
	}
	if sig == 'x'<<8 && wide > 0 {
		return 0 // "1920x1080x60": sizes; 'x' only between digits one at a time
	}
	if looks == 0 && !symbol && !wrapped {
		return 0 // numbers between spaces: numberRun's
	}
	if looks*2 > digits || lone > 0 && wide > 0 || spaced && wide > 0 {
		// spaces that come and go around one symbol only between
		// digits one at a time ("6.1.2. 3.4.5."; "1,50, 2,30" are prices)
		// "1º 2º 3º…", "il 12 o 13 o 14"
		return 0
	}
	if ccDigits == 0 {
		switch {
		case cr.isList(sc.listNounBefore(start)):
			return 0
		case looks == 0 && wide > 0 && rising && !leadZero:
			return 0 // "101, 102, 205, 306", "2 - 4 - 6 - 8 - 10"
		case looks == 0 && n == 3 && isDateSep(byte(sig>>8)) && sc.dateShape(start, end):
			return 0
		case looks == 0 && cr.isCount() && !sc.numberLikeBefore(start):
			return 0
		}
	}
	sc.add(start, end, catPhone)
	return end
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isDateSep(c byte) bool { return c == '.' || c == '/' || c == '-' }

// dateShape: the three numbers from s to e are a day, a month and a year
// ("12/03/2026", "3.1.2026") or a year, a month and a day.
func (sc *scanState) dateShape(s, e int) bool {
	t := sc.n.b
	var v [3]int
	var l [3]int
	k := 0
	for p := s; p < e && k < 3; {
		if !isDigit(t[p]) {
			p++
			continue
		}
		for p < e && isDigit(t[p]) {
			v[k] = v[k]*10 + int(t[p]-'0')
			l[k]++
			p++
		}
		k++
	}
	dm := func(d, m int) bool { return d >= 1 && d <= 31 && m >= 1 && m <= 12 }
	return l[0] <= 2 && l[1] <= 2 && (l[2] == 2 || l[2] == 4) && (dm(v[0], v[1]) || dm(v[1], v[0])) ||
		l[0] == 4 && l[1] <= 2 && l[2] <= 2 && dm(v[2], v[1])
}
