package templates

// The noun a finding depends on. Staff write a service, a medicine or a
// procedure as the complement of an everyday noun: "la dirección de la
// asociación", "la dosis de la sertralina", "la revisió del metge de la
// metadona", "the asylum questionnaire", "ta carte AME". Left alone, the
// noun says what was cut out ("la dosis de la ___": a medicine; "la
// dirección de la ___": a place of hers), so a lexicon finding takes it:
//
//   - to the left (every language), a head noun, its article, and the
//     preposition that links it to the finding ("la cita de la
//     interrupción", "la reunión con Servicios Sociales"), at most two
//     hops; a card or a paper also right before an acronym ("la tessera
//     STP");
//   - to the right (English, where the complement comes first), one head
//     noun right after ("the methadone script", "the trauma assessment").
//
// Heads are nouns of doses, check-ups, dates, papers, cards, contact
// details, meetings and doctors only. A noun of place or time ("la
// puerta del CAD", "la hora") is not one, so "quedamos en la puerta del
// CAD" keeps its door; nor is the appointment itself ("La cita de la
// ginecóloga", "La visita"): the parts label it to stay.

// headNouns, normalised.
var headNouns = normWordSet(`dosis dosi dose doses doza doză revision revisión revisió revisione révision revisão revisao
	controllo volant volante impegnativa fecha data date
	direccion dirección adreça adresse indirizzo morada endereço endereco adresa address
	telefono teléfono telèfon téléphone telefone telefonul numero número numéro numarul numărul number
	reunion reunión reunió riunione réunion reunião reuniao intalnire întâlnire întâlnirea intalnirea meeting
	papeles papers papiers papéis papeis documenti documentos documents actele
	tarjeta targeta tessera carte cartão cartao cardul carnet carnetul boletim card
	metge metgessa medico médico medica médica médecin medecin medicul
	enfermera infermera infermiera infirmière infirmiere enfermeira asistenta nurse
	pastilla pastillas píldora pildora píndola pindola pastiglia pastiglie pillola pilule comprimé comprime comprimido comprimidos
	pastila pastile pastilele pill pills tablet tablets
	expediente expedient fascicolo dossier processo dosar dosarul
	solicitud sol·licitud domanda richiesta demande pedido requerimento cererea cerere
	appartement apartamento appartamento apartamentul flat`)

// takeVerbs take a medicine or start a treatment: "Did you take the
// sertraline", "Já tomaste a sertralina", "hai preso il metadone",
// "empezar con la metadona", "per començar el tractament".
var takeVerbs = normWordSet(`take took taking tomaste tomar toma tomas tomado tomou tomei prendre pris prends prenez prendi preso prendere
	luat ia iei prens pres presa
	start begin empezar comenzar començar iniciar commencer cominciare iniziare começar comecar incepe începe`)

// headPreps link a head noun to its complement, normalised; the
// articles of articleWords may stand after them.
var headPreps = normWordSet(`de del dels della dello dei delle degli di do da dos das du des d of for per pour para pra pentru pt
	con amb with avec cu al au ao alla`)

// enHeads follow an English complement: "the asylum questionnaire".
var enHeads = normWordSet(`questionnaire assessment script card letter certificate appointment appt interview renewal
	form review referral team support application claim tablets pills`)

// What a word before a finding may be, as bits: one map lookup a word
// (the scan walks back from every finding).
const (
	hwArticle uint8 = 1 << iota // an article, not also a preposition
	hwPrep
	hwHead
	hwTake
)

var headWordKinds = func() map[string]uint8 {
	m := map[string]uint8{}
	for w := range articleWords {
		if !headPreps[w] {
			m[w] |= hwArticle
		}
	}
	for w := range headPreps {
		m[w] |= hwPrep
	}
	for w := range headNouns {
		m[w] |= hwHead
	}
	for w := range takeVerbs {
		m[w] |= hwTake
	}
	return m
}()

// wordBeforeHead returns the start and the kind (headWordKinds) of the
// word before normalised offset s, across one space or an apostrophe
// ("l'entitat"), or -1.
func (sc *scanState) wordBeforeHead(s int) (int, uint8) {
	t := sc.n.b
	if s < 2 || t[s-1] != ' ' && t[s-1] != '\'' {
		return -1, 0
	}
	ws := s - 1
	for ws > 0 && isWord[t[ws-1]] && s-1-ws <= 16 {
		ws--
	}
	if ws == s-1 || ws > 0 && isWord[t[ws-1]] {
		return -1, 0
	}
	k := headWordKinds[bytesToStr(t[ws:s-1])]
	if k == 0 || isLetter(t[ws]) && sc.n.upperAt(ws) && !sc.sentenceStart(ws) {
		return -1, 0 // a word of none of the kinds; a capitalised word is a name
	}
	return ws, k
}

// withHead extends the start s of a finding over the head nouns it is the
// complement of (two at most), each with its article; acronym: the
// finding is an acronym, which a card or a paper may stand right before.
func (sc *scanState) withHead(s int, acronym bool) int {
	// A finding that begins with its preposition is linked already:
	// "Medicul de la planificare".
	t := sc.n.b
	fe := s
	for fe < len(t) && isWord[t[fe]] && fe-s <= 8 {
		fe++
	}
	first := headWordKinds[bytesToStr(t[s:fe])]&hwPrep != 0
	for hop := 0; hop < 2; hop++ {
		p := s
		ws, k := sc.wordBeforeHead(p)
		if ws >= 0 && k&hwArticle != 0 {
			p = ws
			ws, k = sc.wordBeforeHead(p)
		}
		linked := hop == 0 && first
		if ws >= 0 && k&hwPrep != 0 && !linked {
			linked = true
			p = ws
			ws, k = sc.wordBeforeHead(p)
		}
		if ws < 0 || k&hwHead == 0 || !linked && !(acronym && hop == 0) {
			return s
		}
		s = ws
		if as, a := sc.wordBeforeHead(s); as >= 0 && a&hwArticle != 0 {
			s = as
		}
	}
	return s
}

// withTake extends the start s of a medicine over the verb for taking it
// and its article.
func (sc *scanState) withTake(s int) int {
	ws, k := sc.wordBeforeHead(s)
	for n := 0; n < 2 && ws >= 0 && k&(hwArticle|hwPrep) != 0 && k&hwTake == 0; n++ {
		ws, k = sc.wordBeforeHead(ws) // "con la", "the"
	}
	if ws >= 0 && k&hwTake != 0 {
		return ws
	}
	return s
}

// withEnHead extends the end e of a finding in English over the head noun
// right after it.
func (sc *scanState) withEnHead(e int) int {
	if w, we := sc.spacedWord(e); enHeads[w] {
		return we
	}
	return e
}

// A deadline after a health finding says what it is for: "l'aborto
// farmacologico si può fare fino alla nona settimana", "la IVG tem de ser
// até às 10 semanas", "the morning after pill you need to go within 3
// days". A health finding takes the words up to a deadline (eight at
// most, in its sentence): a word for "until" or "within", then a number
// (or an ordinal up to the tenth) and its unit. "el ginecólogo en 2
// semanas" has no such word and stays.
var (
	deadlineWords = normWordSet(`pana până la jusqu jusque a à fino alla al entro até ate às as ao hasta las fins abans de la
		within before avant prima della antes inainte înainte de before by`)
	deadlineStarts = normWordSet(`pana până jusqu jusque fino entro até ate hasta fins abans within before avant prima antes inainte înainte`)
	deadlineUnits  = normWordSet(`semana semanas setmana setmanes settimana settimane semaine semaines saptamana saptamani săptămâni
		săptămână week weeks horas hores ore heures hours h zile dias días jours days giorni dies`)
	ordinalWords = normWordSet(`primera segunda tercera cuarta quinta sexta septima séptima octava novena decima décima
		prima seconda terza quarta quinta sesta settima ottava nona decima
		premiere première deuxieme deuxième troisieme troisième quatrieme quatrième cinquieme cinquième sixieme sixième septieme septième huitieme huitième neuvieme neuvième dixieme dixième
		primeira segunda terceira quarta quinta sexta setima sétima oitava nona decima décima
		first second third fourth fifth sixth seventh eighth ninth tenth`)
)

// withDeadline extends the end e of a health finding over the words up to
// a deadline and the deadline, or returns e.
func (sc *scanState) withDeadline(e int) int {
	t := sc.n.b
	p := e
	started := false
	for n := 0; n < 12; n++ {
		w, we := sc.wordAfter(p) // "c'est", "jusqu'à" across the apostrophe
		if w == "" {
			return e
		}
		switch {
		case !started && deadlineStarts[w]:
			started = true
		case started && deadlineWords[w]:
		case started && (isDigit(t[we-len(w)]) || ordinalWords[w]):
			// the number, with its unit glued ("72h") or after it
			if u := w[len(w)-1]; u == 'h' && isDigit(t[we-2]) {
				return we
			}
			if u, ue := sc.wordAfter(we); deadlineUnits[u] {
				return ue
			}
			return e
		case started:
			return e
		case n >= 8:
			return e
		}
		p = we
	}
	return e
}

// wordAfter is spacedWord across an apostrophe too: the word after the
// space or the apostrophe at normalised offset p, and its end.
func (sc *scanState) wordAfter(p int) (string, int) {
	t := sc.n.b
	if p >= len(t) || t[p] != ' ' && t[p] != '\'' {
		return "", p
	}
	s := p + 1
	e := s
	for e < len(t) && isWord[t[e]] {
		e++
	}
	return bytesToStr(t[s:e]), e
}
