package templates

import "bytes"

// Anchored scanners. Each starts at a byte that can begin what it looks
// for, reads a bounded stretch of the normalised text and returns where it
// stopped, so the main loop never starts it again inside the same run: the
// whole scan stays linear.

// ---------------------------------------------------------------------------
// Numbers: phones and postcodes.
//
// A number run is a sequence of chunks separated by single spaces; a chunk
// is digits joined by single '.', '-' or '/' and optionally led by '(' or
// '+' ("+34", "(93)", "612-345-678", "06.12.34.56.78"). Chunks shaped like a
// date (3/6/2025, 2025-06-03), a time or time range (10.00, 10.00-12.30), a
// year range (2024-2025) or a Portuguese postcode (1000-001) break the run,
// so "3.6.2025 10.00" is not read as one long number. A phone is a stretch
// of unbroken chunks with at least 7 digits in all: "reply 1", "10:00" or a
// 4-digit year never are.

type chunk struct {
	s, e     int // normalised span, ending after the last digit (or ')')
	digits   int
	ng       int // digit groups
	gs, gl   [8]int
	seps     [7]byte
	special  bool // '+' or parentheses: always phone material
	glued    bool // a letter follows immediately ("10h00")
	excluded bool
	ptPost   bool
}

func (sc *scanState) parseChunk(j int) (chunk, bool) {
	t := sc.n.b
	L := len(t)
	ch := chunk{s: j}
	k := j
	if k < L && t[k] == '(' {
		ch.special = true
		k++
	}
	if k < L && t[k] == '+' {
		ch.special = true
		k++
	}
	if k >= L || !isDigit(t[k]) {
		return ch, false
	}
	end := k
	for k < L {
		c := t[k]
		if isDigit(c) {
			st := k
			for k < L && isDigit(t[k]) {
				k++
			}
			if ch.ng < len(ch.gs) {
				ch.gs[ch.ng], ch.gl[ch.ng] = st, k-st
			}
			ch.ng++
			ch.digits += k - st
			end = k
			continue
		}
		if (c == '.' || c == '-' || c == '/') && k+1 < L && isDigit(t[k+1]) {
			if ch.ng-1 < len(ch.seps) && ch.ng >= 1 {
				ch.seps[ch.ng-1] = c
			}
			k++
			continue
		}
		if c == '(' && k+1 < L && isDigit(t[k+1]) {
			ch.special = true
			k++
			continue
		}
		if c == ')' && ch.special {
			k++
			end = k
			continue
		}
		break
	}
	ch.e = end
	ch.glued = end < L && isLetter(t[end])
	if !ch.special {
		sc.classifyChunk(&ch)
	}
	return ch, true
}

func (sc *scanState) groupVal(ch *chunk, g int) int {
	t := sc.n.b
	v := 0
	for p := ch.gs[g]; p < ch.gs[g]+ch.gl[g]; p++ {
		v = v*10 + int(t[p]-'0')
	}
	return v
}

func (sc *scanState) classifyChunk(ch *chunk) {
	if ch.ng > len(ch.gs) {
		return
	}
	gl := ch.gl
	switch ch.ng {
	case 2:
		sep := ch.seps[0]
		a, b := sc.groupVal(ch, 0), sc.groupVal(ch, 1)
		switch {
		case sep == '.' && gl[0] <= 2 && gl[1] == 2 && a <= 24 && b <= 59: // 10.30
			ch.excluded = true
		case (sep == '-' || sep == '/') && gl[0] == 4 && (gl[1] == 4 || gl[1] == 2) && a >= 1900 && a <= 2099: // 2024-2025
			ch.excluded = true
		case sep == '-' && gl[0] == 4 && gl[1] == 3: // 1000-001
			ch.excluded, ch.ptPost = true, true
		}
	case 3:
		s0, s1 := ch.seps[0], ch.seps[1]
		if s0 != s1 || !(s0 == '.' || s0 == '/' || s0 == '-') {
			return
		}
		a, b, c := sc.groupVal(ch, 0), sc.groupVal(ch, 1), sc.groupVal(ch, 2)
		dm := func(d, m int) bool { return d >= 1 && d <= 31 && m >= 1 && m <= 12 }
		switch {
		case gl[0] <= 2 && gl[1] <= 2 && (gl[2] == 2 || gl[2] == 4) && (dm(a, b) || dm(b, a)): // 3/6/2025
			ch.excluded = true
		case gl[0] == 4 && gl[1] <= 2 && gl[2] <= 2 && a >= 1900 && a <= 2099 && dm(c, b): // 2025-06-03
			ch.excluded = true
		}
	case 4:
		if ch.seps[0] == '.' && ch.seps[1] == '-' && ch.seps[2] == '.' &&
			gl[0] <= 2 && gl[1] == 2 && gl[2] <= 2 && gl[3] == 2 &&
			sc.groupVal(ch, 0) <= 24 && sc.groupVal(ch, 1) <= 59 && sc.groupVal(ch, 2) <= 24 && sc.groupVal(ch, 3) <= 59 { // 10.00-12.30
			ch.excluded = true
		}
	}
}

// numberRun scans the number run starting at i and returns its end.
// afterLetter: the run is glued to a preceding letter ("tlf612345678");
// only a phone can start there.
func (sc *scanState) numberRun(i int, afterLetter bool) int {
	t := sc.n.b
	L := len(t)
	var chunks [16]chunk
	nc := 0
	j := i
	end := i + 1
	for nc < len(chunks) {
		ch, ok := sc.parseChunk(j)
		if !ok {
			break
		}
		chunks[nc] = ch
		nc++
		end = ch.e
		if ch.e+1 < L && t[ch.e] == ' ' && (isDigit(t[ch.e+1]) || t[ch.e+1] == '(' || t[ch.e+1] == '+') {
			j = ch.e + 1
			continue
		}
		break
	}
	if nc == 0 {
		return i + 1
	}
	// Phones: maximal stretches of non-excluded chunks.
	inPhone := [16]bool{}
	seq, digits := -1, 0
	flush := func(last int) {
		if seq >= 0 && digits >= 7 && !sc.counting(chunks[seq:last+1]) {
			sc.add(chunks[seq].s, chunks[last].e, catPhone)
			for k := seq; k <= last; k++ {
				inPhone[k] = true
			}
		}
		seq, digits = -1, 0
	}
	for k := 0; k < nc; k++ {
		ch := &chunks[k]
		if ch.excluded {
			flush(k - 1)
			if ch.ptPost && !(k == 0 && afterLetter) && !ch.glued {
				sc.add(ch.s, ch.e, catAddress)
			}
			continue
		}
		if seq < 0 {
			seq = k
		}
		digits += ch.digits
	}
	flush(nc - 1)
	// Hotlines written alone: "al 016", "call 999", "116 006".
	for k := 0; k < nc; k++ {
		ch := &chunks[k]
		if inPhone[k] || ch.special || ch.ng != 1 || ch.glued || ch.digits < 2 || ch.digits > 6 || (k == 0 && afterLetter) {
			continue
		}
		d := bytesToStr(sc.n.b[ch.s:ch.e])
		if d == "116" && k+1 < nc && chunks[k+1].ng == 1 && chunks[k+1].digits == 3 {
			sc.hotlineAt(ch.s, chunks[k+1].e, d+bytesToStr(sc.n.b[chunks[k+1].s:chunks[k+1].e]))
			continue
		}
		if k == nc-1 && !hotlines[d] && sc.followedByQuantity(ch.e) {
			continue
		}
		if !hotlines[d] && sc.timeOrDateAfter(ch.e) {
			// "call me at 17:00", "ring you on 18 June": a time or a
			// date, not a number to call.
			continue
		}
		sc.hotlineAt(ch.s, ch.e, d)
	}
	// Postcodes: a plain 5 or 6 digit chunk (ES, IT, FR; RO) followed by a
	// capitalised place name ("08001 Barcelona") or preceded by a postcode
	// label ("CP 28013", "code postal 75001").
	for k := 0; k < nc; k++ {
		ch := &chunks[k]
		if inPhone[k] || ch.special || ch.ng != 1 || ch.glued || (ch.digits != 5 && ch.digits != 6) || (k == 0 && afterLetter) {
			continue
		}
		switch {
		case k == nc-1 && sc.capitalisedWordAt(ch.e):
			// "08002 Barcelona": the city stays (it places nothing)
			sc.add(sc.addressBefore(ch.s), ch.e, catAddress)
		case sc.precededByPostLabel(ch.s):
			sc.add(ch.s, ch.e, catAddress)
		case sc.currencyAfter(ch.e):
			// "calle Mayor 5, 15000 euros": a price
		default:
			if a := sc.addressBefore(ch.s); a < ch.s {
				sc.add(a, ch.e, catAddress)
			}
		}
	}
	return end
}

// counting: the numbers of the chunks count up (isCount: "1.2.3.4.5.6.7.8.9",
// "1 2 3 4 5 6 7 8 9 10", "2/4/6/8/10/12/14") or follow a word that names
// a list ("líneas 9 8 7 6 5 4 3"): not a phone. After a number-like token
// ("6O 1 2 3 4 5 6 7") they are the rest of a number.
func (sc *scanState) counting(chs []chunk) bool {
	t := sc.n.b
	var cr countRun
	for k := range chs {
		ch := &chs[k]
		if ch.special {
			return false
		}
		for p := ch.s; p < ch.e; {
			if !isDigit(t[p]) {
				p++
				continue
			}
			v := 0
			q := p
			for q < ch.e && isDigit(t[q]) && q-p < 4 {
				v = v*10 + int(t[q]-'0')
				q++
			}
			if q < ch.e && isDigit(t[q]) {
				return false
			}
			cr.push(v)
			p = q
		}
	}
	return cr.isList(sc.listNounBefore(chs[0].s)) || cr.isCount() && !sc.numberLikeBefore(chs[0].s)
}

// addressBefore: the start of what a postcode at s completes, after a
// comma: an address found just before ("Str. Baba Novac 10, 031621"), or
// a capitalised place with its district number ("Paris 18e, 75018");
// else s.
func (sc *scanState) addressBefore(s int) int {
	t := sc.n.b
	if s < 3 || t[s-1] != ' ' || t[s-2] != ',' {
		return s
	}
	p := s - 2
	for i := len(sc.cands) - 1; i >= 0 && i >= len(sc.cands)-4; i-- {
		if c := sc.cands[i]; c.cat == catAddress && int(c.e) == p {
			return int(c.s)
		}
	}
	// [Place] [district], postcode
	ws := p
	for ws > 0 && isWord[t[ws-1]] {
		ws--
	}
	if ws == p {
		return s
	}
	if isDigit(t[ws]) && p-ws <= 4 && ws >= 2 && t[ws-1] == ' ' {
		q := ws - 1
		for q > 0 && isWord[t[q-1]] {
			q--
		}
		if q < ws-1 {
			ws = q
		}
	}
	if isLetter(t[ws]) && sc.n.upperAt(ws) && p-ws >= 3 {
		we := ws
		for we < p && isWord[t[we]] {
			we++
		}
		loadBenign()
		if benignSet[bytesToStr(t[ws:we])] {
			return s // "el Lunes, 12345": a day, not a place
		}
		return ws
	}
	return s
}

// capitalisedWordAt: " Word" (upper-case initial, 3+ letters) at p.
func (sc *scanState) capitalisedWordAt(p int) bool {
	t := sc.n.b
	if p+1 >= len(t) || t[p] != ' ' || !(isLetter(t[p+1]) || t[p+1] >= 0x80) {
		return false
	}
	if !sc.n.upperAt(p + 1) {
		return false
	}
	q := p + 1
	for q < len(t) && isWord[t[q]] && !isDigit(t[q]) {
		q++
	}
	return q-(p+1) >= 3
}

var postLabels = [][]byte{
	[]byte("cp"), []byte("c.p"), []byte("c. p"), []byte("cap"), []byte("c.a.p"),
	[]byte("postal"), []byte("postale"), []byte("postcode"), []byte("post code"),
	[]byte("zip"), []byte("zip code"), []byte("zipcode"),
}

func (sc *scanState) precededByPostLabel(s int) bool {
	t := sc.n.b
	j := s
	for j > 0 && (t[j-1] == ' ' || t[j-1] == ':' || t[j-1] == '.') && s-j < 4 {
		j--
	}
	for _, l := range postLabels {
		if j >= len(l) && bytes.Equal(t[j-len(l):j], l) && (j == len(l) || !isWord[t[j-len(l)-1]]) {
			return true
		}
	}
	return false
}

// ukPostcode: "SW1A 1AA", "M1 1AE", "EC1A1BB" written in capitals; an
// Irish Eircode ("D01 F5P2"); a British postcode district after its place
// ("Leeds, LS6").
func (sc *scanState) ukPostcode(i int) {
	t := sc.n.b
	if sc.eircode(i) || sc.ukFullPostcode(i) {
		return
	}
	if (sc.lang == langEn || sc.lang == langAny) && i >= 4 && t[i-1] == ' ' && t[i-2] == ',' {
		if e := sc.districtCode(i - 2); e > i {
			ws := i - 2
			for ws > 0 && isWord[t[ws-1]] {
				ws--
			}
			if ws < i-2 && isLetter(t[ws]) && sc.n.upperAt(ws) && !sc.allCaps(ws, i-2) && !daysMonths[bytesToStr(t[ws:i-2])] {
				sc.add(ws, e, catAddress)
			}
		}
	}
}

// ukFullPostcode: "SW1A 1AA", "M1 1AE", "EC1A1BB" in capitals at i.
func (sc *scanState) ukFullPostcode(i int) bool {
	t := sc.n.b
	L := len(t)
	k := i
	for k < L && isLetter(t[k]) && k-i < 2 {
		k++
	}
	if k == i || k >= L || !isDigit(t[k]) {
		return false
	}
	k++
	for _, opt := range []int{1, 0} {
		q := k
		if opt == 1 {
			if q >= L || !(isDigit(t[q]) || isLetter(t[q])) {
				continue
			}
			q++
		}
		if q < L && t[q] == ' ' {
			q++
		}
		if q+3 > L || !isDigit(t[q]) || !isLetter(t[q+1]) || !isLetter(t[q+2]) {
			continue
		}
		e := q + 3
		if e < L && isWord[t[e]] {
			continue
		}
		for p := i; p < e; p++ {
			if isLetter(t[p]) && !sc.n.upperAt(p) {
				return false
			}
		}
		sc.add(i, e, catAddress)
		return true
	}
	return false
}

// eircodeLetters: the letters of an Eircode's unique identifier and of
// its routing key's first place.
var eircodeLetters = func() (m [256]bool) {
	for _, c := range "acdefhknprtvwxy" {
		m[c] = true
	}
	return m
}()

// refWords name an order's, a booking's or a file's code, which has the
// shape of an Eircode: "Order ID A12 B3C4", "ref: H91 X2Y3".
var refWords = normWordSet(`ref refs reference referencia referencias order orden pedido id num numero number no nr
	tracking ticket invoice factura booking reserva expediente codigo localizador`)

// eircode: an Irish postcode at i ("D01 F5P2", "A65 F4E2", "D6W X2Y3",
// "d01 f5p2", "Eircode D01F5P2"): a routing key (a letter and two
// digits, or D6W), a space and a unique identifier of four of its
// letters and digits, with both; written without the space only after
// the word "eircode"; not after a word naming a reference.
func (sc *scanState) eircode(i int) bool {
	t := sc.n.b
	L := len(t)
	if i+7 > L || !eircodeLetters[t[i]] || !isDigit(t[i+1]) {
		return false
	}
	if !isDigit(t[i+2]) && !(t[i] == 'd' && t[i+1] == '6' && t[i+2] == 'w') {
		return false
	}
	u := i + 3
	if u < L && t[u] == ' ' {
		u++
	} else if sc.wordsBack(i, 1, func(w string) bool { return w == "eircode" }) < 0 {
		return false
	}
	e := u + 4
	if e > L || e < L && isWord[t[e]] {
		return false
	}
	letters, digits := 0, 0
	for p := u; p < e; p++ {
		// as written: a digit inside a word reads as a letter ("f5p2")
		c := sc.n.orig[sc.n.src[p]] | 0x20
		switch {
		case isDigit(c):
			digits++
		case eircodeLetters[c] && isLetter(t[p]):
			letters++
		default:
			return false
		}
	}
	if letters == 0 || digits == 0 {
		return false
	}
	if sc.wordsBack(i, 2, func(w string) bool { return refWords[w] }) >= 0 {
		return false
	}
	sc.add(i, e, catAddress)
	return true
}

// wordsBack: the offset of the first of the n words before p, read back
// over spaces and punctuation ("ref: ", "Order ID "), that is, or -1.
func (sc *scanState) wordsBack(p, n int, is func(string) bool) int {
	t := sc.n.b
	for ; n > 0; n-- {
		q := p
		for q > 0 && p-q < 3 && !isWord[t[q-1]] && t[q-1] != '\n' {
			q--
		}
		if q == p || q == 0 || !isWord[t[q-1]] {
			return -1
		}
		s := q
		for s > 0 && isWord[t[s-1]] {
			s--
		}
		if is(bytesToStr(t[s:q])) {
			return s
		}
		p = s
	}
	return -1
}

// ---------------------------------------------------------------------------
// E-mail and URLs.

func isLocalByte(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c >= 0x80
}

func isHostByte(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '-' || c == '.' || c >= 0x80
}

// email scans around the '@' at i and returns where to resume.
func (sc *scanState) email(i int) int {
	t := sc.n.b
	L := len(t)
	j := i
	for j > 0 && i-j < 64 && isLocalByte(t[j-1]) {
		j--
	}
	for j < i && t[j] == '.' {
		j++
	}
	if j == i {
		return sc.handle(i)
	}
	k := i + 1
	labels := 0
	lastStart, lastEnd := k, k
	for k < L && k-i < 256 {
		ls := k
		for k < L && k-i < 256 && (isLetter(t[k]) || isDigit(t[k]) || t[k] == '-' || t[k] >= 0x80) {
			k++
		}
		if k == ls {
			break
		}
		labels++
		lastStart, lastEnd = ls, k
		if k+1 < L && t[k] == '.' && (isLetter(t[k+1]) || isDigit(t[k+1]) || t[k+1] >= 0x80) {
			k++
			continue
		}
		break
	}
	if labels < 2 || lastEnd-lastStart < 2 {
		return i + 1
	}
	for p := lastStart; p < lastEnd; p++ {
		if isDigit(t[p]) || t[p] == '-' {
			return i + 1
		}
	}
	sc.add(j, lastEnd, catEmail)
	return lastEnd
}

var tlds = map[string]bool{}

func init() {
	for _, s := range []string{
		"com", "org", "net", "info", "biz", "edu", "gov", "gob", "int", "ngo", "ong", "eu",
		"es", "cat", "eus", "gal", "it", "fr", "pt", "ro", "md", "uk", "ie", "de", "at", "ch",
		"be", "nl", "lu", "pl", "se", "no", "dk", "fi", "gr", "bg", "hu", "cz", "sk", "ua", "ru",
		"us", "ca", "mx", "ar", "br", "co", "cl", "pe", "ve", "ec", "bo", "py", "uy", "do", "cu",
		"ma", "dz", "tn", "ng", "gh", "sn", "cm", "ci", "ke", "za",
		"io", "me", "ly", "gl", "gd", "to", "tv", "cc", "ws", "la", "app", "dev", "page", "site",
		"online", "web", "link", "live", "help", "social", "world", "digital", "xyz", "top",
		"club", "store", "shop", "blog", "news", "email", "chat", "org.es", "com.es",
	} {
		tlds[normalizeString(s)] = true
	}
}

// wordTLDs are top-level domains that are also words of the shipped
// languages: written in title case after a dot they are the start of the
// next sentence, unless a path follows ("Bit.Ly/x" is a link).
var wordTLDs = normWordSet(`es it me to la do no be at de ca co pe se ma us in`)

// dotTLDs: after a spelt-out dot ("example dot org", "ejemplo punto
// org") only these count, so "el punto es" is not a domain.
var dotTLDs = normWordSet(`com org net info cat eus gal eu fr pt ro uk ie io ly ngo ong`)

// handle: "@maria_b" (a social-media handle) at the '@' of i, when no
// e-mail local part comes before it.
func (sc *scanState) handle(i int) int {
	t := sc.n.b
	L := len(t)
	if i > 0 && isWord[t[i-1]] {
		return i + 1
	}
	k := i + 1
	for k < L && k-i <= 31 && (isLetter(t[k]) || isDigit(t[k]) || t[k] == '_' || t[k] == '.' && k+1 < L && isWord[t[k+1]]) {
		k++
	}
	if k-i-1 < 2 || k < L && isWord[t[k]] {
		return i + 1
	}
	sc.add(i, k, catURL)
	return k
}

// spelledDot handles "dot", "punto", "[.]", "(.)", "[dot]"... found at
// [s,e): a host label before it and a known top-level domain after it make
// the whole a URL ("example dot org", "example[.]org", "EXAMPLE (dot) ORG").
func (sc *scanState) spelledDot(s, e int) {
	t := sc.n.b
	L := len(t)
	word := isWord[t[s]]
	// label before
	q := s
	if q > 0 && t[q-1] == ' ' {
		q--
	} else if word {
		return
	}
	ls := q
	for ls > 0 && q-ls < 63 && (isWord[t[ls-1]] || t[ls-1] == '-' || t[ls-1] == '.') {
		ls--
	}
	if ls == q {
		return
	}
	// TLD after
	r := e
	if r < L && t[r] == ' ' {
		r++
	} else if word {
		return
	}
	te := r
	for te < L && isLetter(t[te]) && te-r < 10 {
		te++
	}
	if te == r || te < L && isWord[t[te]] {
		return
	}
	tld := bytesToStr(t[r:te])
	if !dotTLDs[tld] && (word || !tlds[tld]) {
		return
	}
	end := te
	if end < L && t[end] == '/' {
		end = sc.urlEnd(end)
	}
	sc.add(ls, end, catURL)
}

// urlEnd extends a URL from p to the end of its non-space run, dropping
// trailing punctuation.
func (sc *scanState) urlEnd(p int) int {
	t := sc.n.b
	L := len(t)
	k := p
	for k < L && t[k] != ' ' && t[k] != '"' && t[k] != '<' && t[k] != '>' && t[k] != sepByte {
		k++
	}
	for k > p {
		switch t[k-1] {
		case '.', ',', ';', ':', '!', '?', ')', '\'', ']':
			k--
			continue
		}
		break
	}
	return k
}

// urlFrom handles "http://", "https://" and "www." at s.
func (sc *scanState) urlFrom(s int) int {
	if s < sc.urlDone {
		return s // inside a URL already found
	}
	e := sc.urlEnd(s)
	sc.urlDone = e
	if e-s < 2 {
		return s
	}
	sc.add(s, e, catURL)
	return e
}

// bareDomain looks at the host around the '.' at i ("ong-esperanza.org",
// "bit.ly/x").
func (sc *scanState) bareDomain(i int) int {
	t := sc.n.b
	L := len(t)
	j := i
	for j > 0 && i-j < 253 && isHostByte(t[j-1]) {
		j--
	}
	k := i
	for k < L && k-j < 512 && isHostByte(t[k]) {
		k++
	}
	if j > 0 && (t[j-1] == '@' || t[j-1] == '/') {
		return k
	}
	hs, he := j, k
	for hs < he && (t[hs] == '.' || t[hs] == '-') {
		hs++
	}
	for he > hs && (t[he-1] == '.' || t[he-1] == '-') {
		he--
	}
	host := t[hs:he]
	last := bytes.LastIndexByte(host, '.')
	if last <= 0 {
		return k
	}
	if !tlds[bytesToStr(host[last+1:])] {
		return k
	}
	if tl := hs + last + 1; sc.n.upperAt(tl) && tl+1 < he && !sc.n.upperAt(tl+1) && !(he < L && t[he] == '/') &&
		wordTLDs[bytesToStr(host[last+1:])] {
		return k // "mañana.Es tarde": a missing space, not a domain
	}
	hasLetter := false
	for _, c := range host[:last] {
		if isLetter(c) || c >= 0x80 {
			hasLetter = true
			break
		}
	}
	if !hasLetter {
		return k
	}
	e := he
	if e < L && (t[e] == '/' || t[e] == ':' && e+1 < L && isDigit(t[e+1])) && he == k {
		e = sc.urlEnd(e)
	}
	sc.add(hs, e, catURL)
	if e > k {
		return e
	}
	return k
}
