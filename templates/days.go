package templates

// Days of the week as staff abbreviate them ("Same time Thurs?", "Fri
// 11am", "dv a les 10", "Sam. 15h"): capitalised, they are no name.
// dayAbbrevs are read as days wherever they stand; ambiguousDays are
// also a person's or a place's name ("Mar", "Sam", "Dom", "Gio", "Vin")
// or an everyday word when capitalised ("Sex"), and are days only beside
// a time, a date or another day ("Dom 10h", "Sam à 15h", "lun, mar y
// mie"). dayWords: the days in full, which a list of days also takes.
var (
	dayAbbrevs = normWordSet(`mon tue tues wed weds thu thur thurs fri sat sun
		lun mie mié jue vie sab sáb
		dl dt dc dj dv ds dg
		mer ven
		jeu dim
		seg ter qua qui
		joi dum`)
	// ambiguousDays, by language (a bit per stemLangs index): "Sex" is a
	// Friday in Portuguese only, "Sam" a Saturday in French only.
	ambiguousDays = func() map[string]uint8 {
		m := map[string]uint8{}
		for w, langs := range map[string][]string{
			"mar": {"es", "it", "fr", "ro"},
			"dom": {"es", "it", "pt"},
			"gio": {"it"},
			"sam": {"fr"},
			"vin": {"ro"},
			"sex": {"pt"},
		} {
			for _, l := range langs {
				m[normalizeString(w)] |= 1 << langIndex(l)
			}
		}
		return m
	}()
	// dayWords: the days in full, by language (a bit per stemLangs
	// index): "marti" is a Tuesday in Romanian only ("CSMA de Sant
	// Martí").
	dayWords = func() map[string]uint8 {
		m := map[string]uint8{}
		for l, days := range map[string]string{
			"en": `monday tuesday wednesday thursday friday saturday sunday`,
			"es": `lunes martes miércoles jueves viernes sábado domingo`,
			"ca": `dilluns dimarts dimecres dijous divendres dissabte diumenge`,
			"it": `lunedì martedì mercoledì giovedì venerdì sabato domenica`,
			"fr": `lundi mardi mercredi jeudi vendredi samedi dimanche`,
			"pt": `segunda terça quarta quinta sexta sábado domingo`,
			"ro": `luni marți miercuri joi vineri sâmbătă duminică`,
		} {
			for w := range normWordSet(days) {
				m[w] |= 1 << langIndex(l)
			}
		}
		return m
	}()
	// dayTimeLinks may stand between an ambiguous day and its time:
	// "Mar a las 10", "Sam à 15h", "Dom alle 10", "Vin la 12".
	dayTimeLinks = normWordSet(`a à as às las les alle ore h la at ab de do dia`)
	// dayListLinks join the days of a list: "lun, mar y mie".
	dayListLinks = normWordSet(`y i e et and și si o ou or`)
)

// dayAt: the capitalised word w at normalised offsets [s,e) is a day of
// the week, in full or abbreviated.
func (sc *scanState) dayAt(s, e int, w string) bool {
	if e-s > 9 {
		return false // the longest day is "wednesday"
	}
	if dayAbbrevs[w] || sc.dayInFull(w) {
		return true
	}
	if !sc.ambiguousDay(w) {
		return false
	}
	t := sc.n.b
	L := len(t)
	// A time or a date after it: "Dom 10h", "Mar a las 10", "Sam. 15h".
	p := e
	for hops := 0; hops < 3; hops++ {
		for p < L && (t[p] == ' ' || t[p] == '.' || t[p] == ',') {
			p++
		}
		if p >= L || !isWord[t[p]] {
			break
		}
		if isDigit(t[p]) {
			return true
		}
		q := p
		for q < L && isWord[t[q]] {
			q++
		}
		nw := bytesToStr(t[p:q])
		if dayWords[nw] != 0 || dayAbbrevs[nw] || sc.ambiguousDay(nw) {
			return true
		}
		if !dayTimeLinks[nw] && !dayListLinks[nw] {
			break
		}
		p = q
	}
	// A date before it ("el 12, Mar"), or a day of a list ("Lun, Mar").
	var buf [2]string
	n, _ := sc.prevWords(s, buf[:])
	for k := 0; k < n; k++ {
		pw := buf[k]
		if isDigit(pw[len(pw)-1]) || dayWords[pw] != 0 || dayAbbrevs[pw] || sc.ambiguousDay(pw) {
			return true
		}
		if !dayListLinks[pw] {
			break
		}
	}
	return false
}

// dayInFull: w is a day written in full in the language of the text (in
// any language when it is not known).
func (sc *scanState) dayInFull(w string) bool {
	m := dayWords[w]
	return m != 0 && (sc.lang == langAny || m&(1<<sc.lang) != 0)
}

// ambiguousDay: w is an ambiguous day abbreviation in the language of
// the text (in any language when it is not known).
func (sc *scanState) ambiguousDay(w string) bool {
	m := ambiguousDays[w]
	return m != 0 && (sc.lang == langAny || m&(1<<sc.lang) != 0)
}
