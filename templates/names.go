package templates

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Default-deny for what a lexicon cannot know. Local services, procedures
// and programmes are endless and are mostly written as acronyms ("CAID",
// "SerD", "CeGIDD") or proper names ("Sandoval", "Kalayaan"). For a
// monitored phone (ScanOptions.UnknownNames) the scan reports as
// CategoryUnknownName:
//
//   - an acronym: a word with two or more capital letters, unless it is on
//     the short benign list (OK, SMS, AM, PM...) or the whole text is
//     written in capitals;
//   - a capitalised name that does not start a sentence: one or more
//     capitalised words, joined by particles ("Amicale du Nid", "Women
//     and Girls Network"), unless it is a day, a month, a greeting or
//     another word of the benign vocabulary (lexicon/benign.list).
//
// Under the whole policy (Plain and UnknownNames, no Vocabulary), which
// sends a text as written with no vocabulary to stop what these rules let
// through, a lone capitalised word opening a sentence is a name too unless
// it is an everyday word or a known first name ("Kessler te espera"), and
// a text mostly in capitals is one unknown name over the whole text
// (AllCapitals).
//
// Names in ScanOptions.KnownNames (the registered meeting points, the
// names staff confirmed) are never unknown. The preview shows these
// findings so staff can rephrase or confirm a name.

// DefaultUnknownNames is whether a monitored phone's free text is scanned
// for unknown names when the deployment does not say (chosen from the
// corpus figures in docs/benchmarks.md).
const DefaultUnknownNames = true

// benignAcronyms: capitals that say nothing about her.
var benignAcronyms = normWordSet(`ok okay sms mms am pm tv cv pdf wifi usb gps id eu uk eur km kg irs iva vat esol fle
	rer ratp sncf tgv renfe ave emt tmb fgc atm atac gtt tfl dlr cfr stb ter
	rdv cp ce1 ce2 cm1 cm2 delf dalf dele celi cils ielts
	bbc itv rte rtve tve tv3 tf1 rtp sic tvi hbo`)

// benignNames are capitalised words that place nothing: the cities of
// the countries where the shipped languages are spoken (a district or a
// service is what gives her away, not the city), everyday software and
// brands, TV channels, the shops and cafés where staff meet women, and
// the months as abbreviated in dates ("3 Feb"). Multi-word names are
// listed word by word.
var benignNames = normWordSet(`
	madrid barcelona valencia sevilla zaragoza málaga malaga bilbao alicante murcia palma granada córdoba valladolid vigo gijón
	girona lleida tarragona badalona sabadell terrassa
	roma milano napoli torino palermo genova bologna firenze bari catania venezia verona padova
	paris marseille lyon toulouse nice nantes strasbourg montpellier bordeaux lille rennes
	lisboa porto braga coimbra faro setúbal amadora
	bucurești bucuresti bucharest cluj timișoara timisoara iași iasi constanța constanta craiova brașov brasov
	london manchester birmingham leeds glasgow liverpool bristol edinburgh dublin cork belfast galway limerick
	bruxelles brussels bruselas brussel·les bruxelas
	españa espanya italia france francia portugal românia romania england ireland europa europe
	sants atocha termini perrache
	nigeria rumania rumanía roumanie romênia românia marruecos marroc maroc marocco marrocos morocco colombia colòmbia colombie
	venezuela paraguay brasil brazil brésil brasile china albania albanie moldova moldavia moldavie ucrania ukraine ucraina
	ghana senegal sénégal camerún cameroun camerun cameroon guinea guinée costa marfil ivoire
	ploiești ploiesti pitești pitesti oradea galați galati bacău bacau arad sibiu suceava
	excel powerpoint zoom teams skype outlook hotmail microsoft windows apple samsung youtube tiktok telegram
	arial calibri courier helvetica verdana times roman georgia
	navigo navegante multibanco leap oyster bizum tarjeta westfield spar tcl ctp
	mcdonald mcdonald's mcdonalds burger king starbucks costa coffee primark zara mango carrefour lidl aldi mercadona
	corte inglés ingles fnac decathlon ikea conad esselunga monoprix franprix auchan leclerc continente pingo doce
	kaufland mega image profi penny tesco sainsbury's sainsburys asda boots greggs pret
	rai mediaset antena netflix disney spotify whatsapp instagram facebook
	postepay
	navidad nadal natale noël noel natal crăciun craciun christmas xmas pascua pasqua pâques paques páscoa pascoa paști pasti
	easter aïd aid eid ramadán ramadan ramadà ramadã diwali hanukkah ambrogio
	santander bbva caixabank bankinter unicaja ibercaja kutxabank intesa unicredit bancoposta bnl fineco bnp paribas
	crédit agricole société générale generale lcl banque postale livret millennium bcp cgd caixa geral novobanco bpi montepio
	bcr brd cec transilvania barclays hsbc lloyds natwest monzo revolut halifax nationwide
	rodalies cercanías cercanias trenitalia italo ouigo comboios metrorex
	malpensa linate fiumicino ciampino barajas heathrow gatwick stansted luton orly roissy otopeni
	nepal india pakistan bangladesh filipinas philippines filippine vietnam tailandia thailand eritrea etiopía etiopia somalia sudan
	paraguai bolivia bolívia perú peru ecuador honduras nicaragua dominicana
	jan feb febr fév fev févr abr apr ago aug sept oct ott nov dic déc dez ian iun iul`)

// nameParticles join capitalised words into one name.
var nameParticles = normWordSet(`de del dels d la las los el les l di da dal della delle dei degli do dos das du des
	y e i and of the et und`)

func (sc *scanState) unknownNames() {
	n := sc.n
	t := n.b
	L := len(t)
	loadBenign()
	// A text mostly in capitals is shouting, not acronyms (counted on
	// the ASCII letters, which is enough to tell).
	up, letters := 0, 0
	for i := 0; i < len(n.orig); i++ {
		c := n.orig[i]
		if c >= 'A' && c <= 'Z' {
			up++
			letters++
		} else if c >= 'a' && c <= 'z' {
			letters++
		}
	}
	shouting := letters > 0 && up*10 >= letters*6
	// Under the whole policy the text goes out as written: in capitals
	// no name nor acronym can be told from the other words, so a text
	// mostly in capitals is refused whole, to be retyped in normal case.
	whole := sc.wholeNames()
	if whole && AllCapitals(n.orig) {
		sc.add(0, L, catUnknown)
		return
	}
	known := sc.knownSpans()
	inKnown := func(s, e int) bool {
		for _, k := range known {
			if k[0] <= s && e <= k[1] {
				return true
			}
		}
		return false
	}
	spanStart, spanEnd := -1, -1
	flush := func() {
		if spanStart >= 0 {
			sc.add(sc.withProgramme(spanStart), spanEnd, catUnknown)
		}
		spanStart, spanEnd = -1, -1
	}
	for i := 0; i < L; {
		if !isWord[t[i]] {
			i++
			continue
		}
		s := i
		for i < L && isWord[t[i]] {
			i++
		}
		e := i
		w := bytesToStr(t[s:e])
		if o := n.orig[n.src[s]]; o >= 'a' && o <= 'z' || !isLetter(t[s]) && t[s] < 0x80 || shouting || !n.upperAt(s) {
			// A lower-case particle may join two capitalised words.
			if spanStart >= 0 && !(nameParticles[w] && sc.capitalisedNext(e)) {
				flush()
			}
			continue
		}
		caps := 0
		for k := s; k < e; k++ {
			if (isLetter(t[k]) || t[k] >= 0x80) && n.upperAt(k) {
				caps++
			}
		}
		acronym := caps >= 2
		name := false
		switch {
		case e-s < 2 && !acronym, inKnown(s, e):
		case !acronym && hasDigit(w):
			// A bus or metro line, a room: "V15", "L5", "H12".
		case acronym:
			// "WhatsApp", "TikTok": a brand in mixed case.
			name = !benignAcronyms[w] && !benignNames[w]
		case (benignSet[w] || benignNames[w]) && spanStart >= 0 && !sc.sentenceStart(s) && !sc.dayAt(s, e, w):
			// A capitalised word that is ordinary on its own goes on a
			// name already begun: "CSMA de Sant Martí" ("marti" is a
			// Romanian Tuesday), "the Royal London" (a hospital named
			// after its city).
			name = true
		case benignSet[w], benignNames[w]:
		case !acronym && sc.dayAt(s, e, w):
			// A day, abbreviated or not, is no name and ends one: "Ilford
			// Lane Tuesday", "the GP Weds".
		case spanStart < 0 && sc.cueBefore(s) && (sc.coverNameCue(s) || sc.addressCue(s, e) || sc.introCue(s)):
			// "save it as Ana": the name staff give her for saving their
			// number, meant to be read.
		case spanStart < 0 && !acronym && (sc.personCue(s, e) || sc.signatureAfterSymbol(s, e) || sc.commaSignature(s, e)):
			// "ask for Jo", "me dice Pilar", "el num de Maria": a first
			// name of staff or a colleague; "bolachas 😊 Sofia": a
			// signature.
		case sc.sentenceStart(s):
			// Only as the first word of a longer name: "Médicos del Mundo".
			// A verb presenting the sender starts none: "Soy Ana", "Sunt
			// Andreea".
			// Nor does a word before a feast, a bank or a brand: "Feliz
			// Navidad", "Happy Eid", "Ricarica la Postepay".
			name = sc.capitalisedNext(e) && !benignSet[w] && !greetingWords[w] && !closingWords[w] && !introWords[w] &&
				!sc.benignNameNext(e)
			if !name && whole && !sc.capitalisedNext(e) {
				// Under the whole policy a word alone at a sentence start
				// is a name unless it is an everyday word or a known
				// first name: "Kessler te espera", "Hola. Kessler te
				// llama", not "Mañana a las 10", "Ana te llama".
				name = !benignSet[w] && !greetingWords[w] && !closingWords[w] && !introWords[w] &&
					!sc.firstNameAt(s, e) && !sc.everydayWord(s, e)
			}
		default:
			name = true
		}
		if !name {
			flush()
			continue
		}
		if spanStart < 0 {
			spanStart = s
		}
		spanEnd = e
	}
	flush()
}

// programmeWords, before a name, make it a project's name: "del progetto
// Anello Forte" (left alone, "del progetto ___" still says she is in one).
var programmeWords = normWordSet(`proyecto projecte progetto projet projeto proiectul proiect project programa programma programme programul`)

// withProgramme extends the start s of an unknown name over a programme
// word right before it.
func (sc *scanState) withProgramme(s int) int {
	t := sc.n.b
	if s < 2 || t[s-1] != ' ' {
		return s
	}
	ws := s - 1
	for ws > 0 && isWord[t[ws-1]] && s-ws < 14 {
		ws--
	}
	if ws < s-1 && (ws == 0 || !isWord[t[ws-1]]) && programmeWords[bytesToStr(t[ws:s-1])] {
		return ws
	}
	return s
}

// saveVerbs begin the verbs for saving a contact, normalised;
// asWords are "as" in the seven languages.
var (
	saveVerbs = []string{"sav", "guard", "enregistr", "salv", "desa", "grava", "memoriz", "stor", "put", "pon", "mett", "pune", "agend", "add", "anot", "apunt", "ajout", "aggiung", "adaug"}
	asWords   = normWordSet(`as como com sous comme come ca drept under`)
)

// prevWords fills words with up to len(words) words before normalised
// offset s, nearest first; it returns how many, and whether only spaces
// and commas separate the nearest one from s.
func (sc *scanState) prevWords(s int, words []string) (int, bool) {
	t := sc.n.b
	n := 0
	p := s
	plain := true
	for n < len(words) && p > 0 {
		q0 := p
		for p > 0 && !isWord[t[p-1]] {
			p--
		}
		if n == 0 {
			for k := p; k < q0; k++ {
				plain = plain && (t[k] == ' ' || t[k] == ',')
			}
		}
		q := p
		for p > 0 && isWord[t[p-1]] && q-p < 24 {
			p--
		}
		if p == q {
			break
		}
		words[n] = bytesToStr(t[p:q])
		n++
	}
	return n, plain
}

// cueWords: the words a cover name, a greeting or a signature follows.
var cueWords = func() map[string]bool {
	// "s" and "est": the verb of "it's" and "c'est" (introCue checks the
	// word before it).
	m := map[string]bool{"a": true, "s": true, "est": true}
	for _, set := range []map[string]bool{asWords, greetingWords, greetingTails, weekendWords, closingWords, introWords, introArticles, selfPronouns} {
		for w := range set {
			m[w] = true
		}
	}
	return m
}()

// cueBefore: the word before normalised offset s is one of cueWords (a
// quick test before the cues themselves).
func (sc *scanState) cueBefore(s int) bool {
	var buf [1]string
	n, _ := sc.prevWords(s, buf[:])
	return n == 1 && cueWords[buf[0]]
}

// coverNameCue: the word at normalised offset s follows a verb for saving
// a contact and an "as" ("save it as Jess", "guárdalo como Ana",
// "enregistre-le sous Léa", "desa'l com a Marta"): a cover name for her
// phone's contact list.
func (sc *scanState) coverNameCue(s int) bool {
	var buf [5]string
	n, _ := sc.prevWords(s, buf[:])
	words := buf[:n]
	// words[0] is the word before the name; "com a" in Catalan.
	k := 0
	if k < len(words) && words[k] == "a" {
		k++
	}
	if k >= len(words) || !asWords[words[k]] {
		return false
	}
	for _, w := range words[k+1:] {
		for _, v := range saveVerbs {
			if strings.HasPrefix(w, v) {
				return true
			}
		}
	}
	return false
}

// Greetings and closings around the names of the two people writing to
// each other: "Hola Ana," is her own name, "Besos, Marta" the name staff
// sign with. Neither tells a reader of her phone anything (a deployment
// that treats staff names as sensitive lists them in its terms file).
var (
	greetingWords = normWordSet(`hola hi hello hey ciao salve bonjour bonsoir coucou salut ola olá oi bună buna
		buongiorno buonasera dear querida querido cara caro chère cher estimada benvolguda hallo
		ei ey eh ehi oye ep hei hej morning evening hiya bjr bsr coraggio courage curaj
		felicidades felicitats felicitaciones auguri complimenti félicitations felicitations parabéns parabens
		congrats congratulations felicitări felicitari
		ànims anims ánimo animo ánimos animos força forca alegria buenas bones boas vale`)
	greetingTails = normWordSet(`días dias tardes noches dia tarde tarda nit noite ziua seara dimineata dimineața morning afternoon evening sera
		noticia notícia
		cumple cumpleaños aniversari anniv anniversaire compleanno aniversário aniversario bday birthday ani
		soirée soiree journée journee nuit night notte serata giornata`)
	weekendWords  = normWordSet(`semana setmana`)
	greetingHeads = normWordSet(`buenos buenas bon bom boa bona bună buna buona good bonne night
		feliz joyeux bon buon happy multi mulți`)
	// introWords present the sender after a greeting: "Hola, soy
	// Carmen", "Hi its Kate", "Bonjour c'est Sophie", "Ciao sono
	// Silvia", "Olá é a Inês", "Bună, sunt Alina", "Hola, sóc la Montse",
	// "Sou a Joana", "Je suis Sophie", "Bonjour, ici Bart", "Fala a Sara".
	introWords = normWordSet(`soy sóc soc sono sunt est its it's im i'm é è sou suis ici fala`)
	// selfPronouns before a comma and a first name: "sono di turno io,
	// Chiara", the sender naming herself.
	selfPronouns  = normWordSet(`yo jo io moi eu me`)
	introArticles = normWordSet(`la el a o lo l`)
	closingWords  = normWordSet(`besos besitos beso abrazo abrazos saludos bisous bises biz baci bacio abbraccio abbracci saluti
		beijinhos beijinho beijos beijo abraço abraços pupici pup pupic îmbrățișări love cheers thanks gracias merci grazie
		obrigada obrigado mulțumesc multumesc petons abraçada abraçades xx xoxo regards atentamente cordialement cordiali
		bjs bjss bjos bj bss bsss bs bsos bx x xxx bisou bizou bizous bacioni bacini abs abç kisses hugs care cuídate cuidate cuida't
		pupici pupic pup sarutari sărutări`)
)

// addressCue: the name at normalised offset s, ending at e, is the one a
// greeting addresses ("Hola Ana", "Buenos días Fatima") or the signature
// after a closing at the end of the text ("Besos, Marta").
func (sc *scanState) addressCue(s, e int) bool {
	var buf [4]string
	n, plain := sc.prevWords(s, buf[:])
	words := buf[:n]
	if n == 0 || !plain {
		return false
	}
	if greetingWords[words[0]] || len(words) > 1 && greetingTails[words[0]] && greetingHeads[words[1]] {
		return true
	}
	// "Bon cap de setmana Precious", "Bom fim de semana Célia".
	if len(words) > 3 && weekendWords[words[0]] && words[1] == "de" && greetingHeads[words[3]] {
		return true
	}
	if !closingWords[words[0]] {
		return false
	}
	if words[0] == "care" && (n < 2 || words[1] != "take") {
		return false
	}
	// An organisation can sign off too: "Besos, Cepaim".
	return sc.lastWord(e) && (sc.firstNameAt(s, e) || farewells[bytesToStr(sc.n.b[s:e])])
}

// commaSignature: the name at normalised offsets [s,e) is a first name
// after a comma that ends the text ("See you Tues, Hannah", "Até 3ª,
// Inês": the signature) or that ends a sentence after a pronoun ("sono
// di turno io, Chiara.": the sender naming herself).
func (sc *scanState) commaSignature(s, e int) bool {
	if !sc.commaBefore(s) || !sc.firstNameAt(s, e) {
		return false
	}
	if sc.lastWord(e) {
		return true
	}
	var one [1]string
	n, _ := sc.prevWords(s, one[:])
	return n == 1 && selfPronouns[one[0]] && sc.sentenceEnd(e)
}

// commaBefore: a comma (and spaces) stands right before normalised
// offset s.
func (sc *scanState) commaBefore(s int) bool {
	t := sc.n.b
	p := s
	for p > 0 && t[p-1] == ' ' {
		p--
	}
	return p > 0 && t[p-1] == ','
}

// sentenceEnd: a full stop, "!" or "?" (after spaces) or the end of the
// text follows normalised offset e.
func (sc *scanState) sentenceEnd(e int) bool {
	t := sc.n.b
	p := e
	for p < len(t) && t[p] == ' ' {
		p++
	}
	return p >= len(t) || t[p] == '.' || t[p] == '!' || t[p] == '?'
}

// farewells close a text after a closing word: "Thanks, Bye".
var farewells = normWordSet(`bye byee ciao chao adiós adios adeu adéu adieu tchau pa later`)

// kisses: what may follow a signature at the end of a text ("Grace x",
// "Fatima bjs").
var kisses = normWordSet(`x xx xxx xo xoxo bjs bss bs bj`)

// lastWord: nothing but kisses, punctuation and symbols follows
// normalised offset e.
func (sc *scanState) lastWord(e int) bool {
	t := sc.n.b
	for k := e; k < len(t); {
		if !isWord[t[k]] {
			k++
			continue
		}
		q := k
		for q < len(t) && isWord[t[q]] {
			q++
		}
		if !kisses[bytesToStr(t[k:q])] {
			return false
		}
		k = q
	}
	return true
}

// signatureAfterSymbol: the name at normalised offsets [s,e) is one
// capitalised word, the last of the text, after a symbol or a smiley
// ("levo bolachas 😊 Sofia", "dicen q llueve :) Lucia"): the sender's
// signature, as after a full stop.
func (sc *scanState) signatureAfterSymbol(s, e int) bool {
	t := sc.n.b
	p := s
	for p > 0 && t[p-1] == ' ' {
		p--
	}
	if p == 0 || p == s || !(t[p-1] == sepByte || t[p-1] == ')' || t[p-1] == '(' && p > 1 && t[p-2] == ':') {
		return false
	}
	return sc.lastWord(e) && !sc.capitalisedNext(e) && sc.firstNameAt(s, e)
}

// Cues of a person's first name that a reader learns nothing from: the
// contact to ask for ("ask for Jo", "pregunta por Nieves", "pregunta per
// la Roser", "demande Sylvie", "chiedi di Paola", "pergunta pela Ana",
// "intreaba de dna Marin"), a colleague who said something ("me dice
// Pilar", "em diu la Merce", "mi-a zis Ioana", "m'a dit Léa", "mi ha
// detto Paola") and whose number this is ("el num de Maria", "le 06 44
// 18 27 93 de Léa", "il cell di Giulia", "nr Andreei", "here's Sara").
var (
	askVerbs = normWordSet(`ask pregunta preguntar pregunte preguntad pergunta perguntar pergunte pide pedir
		chiedi chiedere chieda cerca intreaba întreabă intrebati întrebați cauta caută`)
	askPreps    = normWordSet(`for por per pela pelo di de`)
	askAlone    = normWordSet(`demande demandez demander`)
	sayVerbs    = normWordSet(`dice dicho diu dit detto zis spus disse diz contou`)
	sayPronouns = normWordSet(`me em m mi ma a`)
	phoneNouns  = normWordSet(`num numero número numéro tlf tel telf telefon telefono teléfono telèfon telefone telefonul movil móvil mobil mobile
		cell cel cellulare contacto contacte contatto contact contactul whatsapp nr numarul numărul`)
	personArticles = normWordSet(`la el en na a o l dna doamna dl domnul`)
	// reportVerbs after a name that opens a sentence with its article:
	// "A Rita disse-me", "La Merce diu".
	reportVerbs = normWordSet(`disse diz contou falou dice diu ha m'ha said says told`)
	// colleagueWords after a word for "my" (before it in Romanian): the
	// sender's colleague ("te escribe mi compañera Ana", "ma collègue
	// Julie", "colega mea Ioana"); someone else's colleague ("her
	// colleague Jo", an officer's) is no cue.
	colleagueWords = normWordSet(`compañera compañero companya company collega colleghi collègue collegue colega colegă colleague`)
	myWords        = normWordSet(`mi mia mía ma mon minha meu my meva`)
)

// personCueLast: the words a person cue may end with, right before the
// name.
var personCueLast = func() map[string]bool {
	m := map[string]bool{"s": true, "de": true, "di": true, "da": true, "do": true, "del": true}
	m["mea"] = true
	for _, set := range []map[string]bool{personArticles, askAlone, askPreps, sayVerbs, phoneNouns, colleagueWords} {
		for w := range set {
			m[w] = true
		}
	}
	return m
}()

// personCue: the capitalised word at normalised offsets [s,e) is a
// person's first name by one of the cues above. The cue takes one word,
// never a longer name ("pregunta por Médicos del Mundo"); a number's
// owner may have her service after her ("el num de Maria de Médicos del
// Mundo": the service is still a name).
func (sc *scanState) personCue(s, e int) bool {
	// Most names have no cue: the word right before rules them out.
	var one [1]string
	if n, _ := sc.prevWords(s, one[:]); n == 0 || !personCueLast[one[0]] && !isDigit(one[0][len(one[0])-1]) {
		return false
	}
	var buf [5]string
	n, _ := sc.prevWords(s, buf[:])
	if n == 0 {
		return false
	}
	words := buf[:n]
	k := 0
	for k < len(words)-1 && k < 2 && personArticles[words[k]] {
		k++
	}
	next := sc.nextWordCapitalised(e)
	owner := false
	switch w := words[k]; {
	case phoneNouns[w] || w == "s" && k+1 < len(words) && words[k+1] == "here":
		owner = true
	case (w == "de" || w == "di" || w == "da" || w == "do" || w == "del") && k+1 < len(words) &&
		(phoneNouns[words[k+1]] || isDigit(words[k+1][len(words[k+1])-1])):
		owner = true
	case askAlone[w]:
	case colleagueWords[w] && k+1 < len(words) && myWords[words[k+1]]:
	case w == "mea" && k+1 < len(words) && colleagueWords[words[k+1]]:
	case askPreps[w] && k+1 < len(words) && askVerbs[words[k+1]]:
	case sayVerbs[w] && (k+1 < len(words) && sayPronouns[words[k+1]] || k+2 < len(words) && sayPronouns[words[k+2]]):
	case k == 0 && personArticles[w] && sc.sentenceStart(sc.wordStartBefore(s)) && sc.nextWordIn(e, reportVerbs):
	default:
		return false
	}
	if next == 1 {
		return false // "pregunta por Ana López": a full name
	}
	if !sc.firstNameAt(s, e) {
		return false // "pregunta por Cepaim", "ask for Mama": no first name
	}
	if owner {
		// Her service after her, else "el num de Cepaim" is a service.
		return sc.serviceAfter(e)
	}
	return next == 0
}

// serviceLinks join a person to her service: "Maria de Médicos del
// Mundo", "Sara from Unseen", "Léa à Médecins du Monde".
var serviceLinks = normWordSet(`de di da do dos das del della dell d la l from at a à of`)

// serviceAfter: link words and then a capitalised word follow
// normalised offset e.
func (sc *scanState) serviceAfter(e int) bool {
	t := sc.n.b
	p := e
	for hops := 0; hops < 4; hops++ {
		for p < len(t) && (t[p] == ' ' || t[p] == '\'') {
			p++
		}
		if p >= len(t) || !isWord[t[p]] {
			return false
		}
		q := p
		for q < len(t) && isWord[t[q]] {
			q++
		}
		if isLetter(t[p]) && sc.n.upperAt(p) {
			return hops > 0
		}
		if !serviceLinks[bytesToStr(t[p:q])] {
			return false
		}
		p = q
	}
	return false
}

// nextWordCapitalised: 0 if the word after normalised offset e is not
// capitalised, 1 if it is and follows right after, 2 if particles stand
// between ("Maria de Médicos del Mundo").
func (sc *scanState) nextWordCapitalised(e int) int {
	t := sc.n.b
	p := e
	for p < len(t) && (t[p] == ' ' || t[p] == '\'') {
		p++
	}
	if p >= len(t) || !isWord[t[p]] {
		return 0
	}
	if isLetter(t[p]) && sc.n.upperAt(p) {
		return 1
	}
	if sc.capitalisedNext(e) {
		return 2
	}
	return 0
}

// nextWordIn: the word right after normalised offset e is in set.
func (sc *scanState) nextWordIn(e int, set map[string]bool) bool {
	t := sc.n.b
	p := e
	for p < len(t) && t[p] == ' ' {
		p++
	}
	q := p
	for q < len(t) && isWord[t[q]] {
		q++
	}
	return q > p && set[bytesToStr(t[p:q])]
}

// wordStartBefore: the start of the word before normalised offset s.
func (sc *scanState) wordStartBefore(s int) int {
	t := sc.n.b
	p := s
	for p > 0 && !isWord[t[p-1]] {
		p--
	}
	for p > 0 && isWord[t[p-1]] {
		p--
	}
	return p
}

// introCue: the name at normalised offset s is the one the sender
// presents herself by in the first sentence of the text ("Hola, soy
// Carmen.", "Hi its Kate", "Bună, sunt Alina"): her own name, as in a
// signature.
func (sc *scanState) introCue(s int) bool {
	var buf [3]string
	n, _ := sc.prevWords(s, buf[:])
	words := buf[:n]
	k := 0
	if k < len(words) && introArticles[words[k]] {
		k++
	}
	if k >= len(words) {
		return false
	}
	w := words[k]
	if w == "est" || w == "s" {
		// c'est, it's: the word before is c or it.
		if k+1 >= len(words) || words[k+1] != "c" && words[k+1] != "it" {
			return false
		}
	} else if !introWords[w] {
		return false
	}
	if sc.firstEnd < 0 {
		t := sc.n.b
		sc.firstEnd = len(t)
		for p := range t {
			if t[p] == '.' || t[p] == '!' || t[p] == '?' || t[p] == '\n' {
				sc.firstEnd = p
				break
			}
		}
	}
	return s < sc.firstEnd
}

// capitalisedNext: the next word after p (past spaces and particles) is
// capitalised.
func (sc *scanState) capitalisedNext(p int) bool {
	t := sc.n.b
	L := len(t)
	for steps := 0; steps < 4; steps++ {
		for p < L && (t[p] == ' ' || t[p] == '\'') {
			p++
		}
		if p >= L || !isWord[t[p]] {
			return false
		}
		q := p
		for q < L && isWord[t[q]] {
			q++
		}
		if isLetter(t[p]) && sc.n.upperAt(p) {
			// "I" is the English pronoun ("Sorry I had to cancel").
			w := bytesToStr(t[p:q])
			return q-p > 1 && !benignSet[w] && !benignAcronyms[w] && !sc.dayAt(p, q, w)
		}
		if !nameParticles[bytesToStr(t[p:q])] {
			return false
		}
		p = q
	}
	return false
}

// benignNameNext: the next capitalised word after normalised offset p
// (past name particles, as capitalisedNext) is one of benignNames.
func (sc *scanState) benignNameNext(p int) bool {
	t := sc.n.b
	L := len(t)
	for steps := 0; steps < 4; steps++ {
		for p < L && (t[p] == ' ' || t[p] == '\'') {
			p++
		}
		if p >= L || !isWord[t[p]] {
			return false
		}
		q := p
		for q < L && isWord[t[q]] {
			q++
		}
		w := bytesToStr(t[p:q])
		if isLetter(t[p]) && sc.n.upperAt(p) {
			return benignNames[w]
		}
		if !nameParticles[w] {
			return false
		}
		p = q
	}
	return false
}

// sentenceStart: the word at normalised offset s begins the text, a
// sentence, a line or a quotation.
func (sc *scanState) sentenceStart(s int) bool {
	orig := sc.n.orig
	p := sc.n.origStart(s)
	for p > 0 {
		r, sz := utf8.DecodeLastRuneInString(orig[:p])
		switch {
		case r == '\n' || r == '.' || r == '!' || r == '?' || r == ':' || r == '¡' || r == '¿' || r == '…' || r == ';':
			return true
		case unicode.Is(unicode.So, r) || r >= 0x1F000:
			// An emoji ends a sentence as a full stop does ("🎉 Te
			// llamo luego"), but for the last word of the text, which
			// signs it ("Besos 😊 Cepaim" is still a name).
			e := s
			for e < len(sc.n.b) && isWord[sc.n.b[e]] {
				e++
			}
			return !sc.lastWord(e)
		case r == 0xFE0F || r == 0x200D || r >= 0x1F3FB && r <= 0x1F3FF:
			p -= sz
			continue
		case unicode.IsSpace(r) || r == '"' || r == '«' || r == '“' || r == '(' || r == '-' || r == '\'' || r == '»' || r == '”':
			p -= sz
			continue
		}
		return false
	}
	return true
}

// dropInKnown drops the candidates that lie wholly inside a known name:
// a registered meeting point is sent as it is, even when a word of it is
// a lexicon term ("Piazza Madama Cristina", "Metro Tribunal").
func (sc *scanState) dropInKnown() {
	known := sc.knownSpans()
	if len(known) == 0 {
		return
	}
	out := sc.cands[:0]
	for _, c := range sc.cands {
		in := false
		for _, k := range known {
			if k[0] <= int(c.s) && int(c.e) <= k[1] {
				in = true
				break
			}
		}
		if !in {
			out = append(out, c)
		}
	}
	sc.cands = out
}

// knownSpans finds the known names in the normalised text: the
// KnownNames wherever they stand, the ExactNames only where the original
// text spells them exactly.
func (sc *scanState) knownSpans() [][2]int {
	var out [][2]int
	t := sc.n.b
	find := func(k string, exact bool) {
		key := []byte(normalizeString(k))
		if len(key) < 2 {
			return
		}
		for off := 0; off < len(t); {
			i := bytes.Index(t[off:], key)
			if i < 0 {
				break
			}
			s, e := off+i, off+i+len(key)
			if (s == 0 || !isWord[t[s-1]]) && (e == len(t) || !isWord[t[e]]) &&
				(!exact || sameName(sc.n.orig[sc.n.origStart(s):sc.n.origEnd(e)], k)) {
				out = append(out, [2]int{s, e})
			}
			off = e
		}
	}
	for _, k := range sc.opts.KnownNames {
		find(k, false)
	}
	for _, k := range sc.opts.ExactNames {
		find(k, true)
	}
	return out
}

// sameName reports whether written spells name exactly: the same letters
// in the same case, up to the composition of accents and the spacing
// between words.
func sameName(written, name string) bool {
	return PlaceKey(written) == PlaceKey(name)
}

// cityServices extends a capitalised service name found by the lexicon
// over the city that names its branch ("Dublin Rape Crisis Centre",
// "Glasgow Women's Aid"): a city alone places nothing, but with the
// service it says which door she goes to.
func (sc *scanState) cityServices() {
	t := sc.n.b
	for i := range sc.cands {
		c := &sc.cands[i]
		if c.cat != catOrganisation && c.cat != catHealth && c.cat != catLegal || c.s < 2 || t[c.s-1] != ' ' || !sc.n.upperAt(int(c.s)) {
			continue
		}
		ws := int(c.s) - 1
		for ws > 0 && isWord[t[ws-1]] {
			ws--
		}
		if ws < int(c.s)-1 && sc.n.upperAt(ws) && benignNames[bytesToStr(t[ws:c.s-1])] {
			c.s = int32(ws)
		}
	}
}

// wholeNames: is the scan the whole policy's (unknown names and risky
// phrases, no vocabulary)? It sends a text as written or not at all, with
// no vocabulary to stop a name the other rules let through.
func (sc *scanState) wholeNames() bool {
	o := sc.opts
	return o != nil && o.Plain && o.UnknownNames && !o.Vocabulary
}

// Bounds of AllCapitals: at least allCapsLetters letters, at least
// allCapsShare percent of them capitals.
const (
	allCapsLetters = 12
	allCapsShare   = 60
)

// AllCapitals: is text written mostly in capitals (at least 60% of at
// least 12 letters)? In capitals a name or an acronym looks like every
// other word, so the whole policy, which sends a text as written, refuses
// such a text whole (an unknown_name finding over it) to be retyped in
// normal case.
func AllCapitals(text string) bool {
	up, letters := 0, 0
	for _, r := range text {
		switch {
		case unicode.IsUpper(r):
			up++
			letters++
		case unicode.IsLetter(r):
			letters++
		}
	}
	return letters >= allCapsLetters && up*100 >= letters*allCapsShare
}

// everyday: the built-in vocabulary (vocabulary/LANG.txt) of every
// shipped language, normalised, and the stems of its words per language,
// for the whole policy's filter, which is built without a vocabulary.
var (
	everydayOnce  sync.Once
	everydayWords map[string]bool
	everydayStems []map[string]bool // per stemLangs index
	everydaySort  []string          // everydayWords, sorted
)

func loadEveryday() {
	everydayOnce.Do(func() {
		words := map[string]bool{}
		stems := make([]map[string]bool, len(stemLangs))
		for l := range stems {
			stems[l] = map[string]bool{}
		}
		base, err := builtinVocabulary()
		if err == nil {
			env := sbEnv()
			for _, e := range base {
				for _, tk := range vocabTokens(e.word) {
					words[tk[0]] = true
					if len(tk[0]) >= minStem && !hasDigit(tk[0]) && e.lang != langAny {
						for _, st := range stemVariants(e.lang, origWord(tk[1]), tk[0], env) {
							stems[e.lang][st] = true
						}
					}
				}
			}
		}
		sorted := make([]string, 0, len(words))
		for w := range words {
			sorted = append(sorted, w)
		}
		slices.Sort(sorted)
		everydayWords, everydayStems, everydaySort = words, stems, sorted
	})
}

// everydayWord: is the word at [s,e) an everyday word of a shipped
// language, written so or sharing a stem with one in that language
// ("Llámame", "Arrivo")? Any shipped language: her language on record is
// not always the one the text is written in.
func (sc *scanState) everydayWord(s, e int) bool {
	loadEveryday()
	n := sc.n
	tok := bytesToStr(n.b[s:e])
	if everydayWords[tok] || vocabNumber(tok) {
		return true
	}
	if everydayPrefix(tok) {
		return true
	}
	if e-s < minStem || e-s > maxStemToken {
		return false
	}
	raw := n.orig[n.origStart(s):n.origEnd(e)]
	for l := range everydayStems {
		ck := stemKey{lang: uint8(l), norm: tok, orig: raw}
		vs, ok := sc.f.cache.get(ck)
		if !ok {
			vs = stemVariants(uint8(l), origWord(raw), tok, sc.env)
			sc.f.cache.put(ck, vs)
		}
		for _, x := range vs {
			if everydayStems[l][x] {
				return true
			}
		}
	}
	// An ending her language's stemmer strips makes the word an inflected
	// one, a verb mostly ("Running", "Deberías", "Ricevuto"), seldom a
	// name; but for the endings of the infinitive, which many surnames
	// end in too ("Kessler", "Escobar").
	for l := range stemLangs {
		if sc.lang != langAny && uint8(l) != sc.lang {
			continue
		}
		if ow := origWord(raw); ow != "" {
			st := normalizeString(stemWord(uint8(l), ow, sc.env))
			if len(st) < len(tok) && strings.HasPrefix(tok, st) && !nameEndings[tok[len(st):]] {
				return true
			}
		}
	}
	return false
}

// nameEndings: the endings a stemmer strips from an infinitive that many
// names end in too.
var nameEndings = map[string]bool{"er": true, "ar": true, "ir": true, "r": true}

// everydayPrefix: does tok begin as an everyday word does, sharing with
// one its first letters but for its last three at most (and at least
// four): the inflections and the pronouns joined to a verb that the
// stems miss ("Cuéntame", "Raccontami", "Explica'm"). A name seldom
// begins as an everyday word does for that long ("Kessler").
func everydayPrefix(tok string) bool {
	need := max(4, len(tok)-3)
	if len(tok) < need {
		return false
	}
	i, _ := slices.BinarySearch(everydaySort, tok)
	for _, j := range []int{i - 1, i} {
		if j >= 0 && j < len(everydaySort) && commonPrefix(everydaySort[j], tok) >= need {
			return true
		}
	}
	return false
}

// commonPrefix: how many bytes a and b begin with in common.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
