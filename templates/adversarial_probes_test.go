package templates

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// Adversarial probes: texts written to slip a sensitive word past the
// filter (letters spelt out, look-alike letters, digits for letters, words
// glued together, URLs and phone numbers written oddly, organisation and
// everyday words for shelters and abusers, bidi tricks), in the seven
// languages, and benign look-alikes that must pass untouched. A probe is
// checked on both paths a text can take to a monitored phone:
//
//   - free text: her language, unknown names on (ScanWith), or refused
//     before filtering (MonitoredProblem);
//   - a meeting point or a template parameter: Scan with no language, or
//     refused by MonitoredProblem.
//
// A sensitive probe leaks if any letter or digit of its needle is left
// uncovered on a path and the text is not refused. A benign probe is
// damaged if a finding touches its needle, or the text is refused.
//
//	go test ./templates -run TestAdversarialProbes -v

type probe struct {
	lang, text, needle string
	benign             bool
	class              string
}

// obfuscationWords: per language, sensitive words to disguise.
var obfuscationWords = map[string][]string{
	"es": {"policía", "abogada", "denuncia", "tratante", "refugio", "proxeneta"},
	"ca": {"policia", "advocada", "denúncia", "traficant", "refugi", "proxeneta"},
	"it": {"polizia", "avvocata", "denuncia", "trafficante", "questura", "magnaccia"},
	"fr": {"police", "avocate", "plainte", "proxénète", "foyer", "passeur"},
	"pt": {"polícia", "advogada", "denúncia", "traficante", "cafetão", "esquadra"},
	"ro": {"poliția", "avocată", "plângere", "traficant", "proxenet", "adăpost"},
	"en": {"police", "lawyer", "shelter", "trafficker", "pimp", "asylum"},
}

// frames: a sentence around the disguised word, per language.
var probeFrames = map[string]string{
	"es": "Mañana vamos a ver lo de %s a las 10, te espero",
	"ca": "Demà anem a veure lo de %s a les 10, t'espero",
	"it": "Domani andiamo per la %s alle 10, ti aspetto",
	"fr": "Demain on va voir pour %s à 10h, je t'attends",
	"pt": "Amanhã vamos tratar da %s às 10, espero-te",
	"ro": "Mâine mergem pentru %s la ora 10, te aștept",
	"en": "Tomorrow we sort out the %s at 10, see you",
}

// glue: a short word glued before the sensitive one, per language.
var probeGlue = map[string]string{"es": "la", "ca": "la", "it": "la", "fr": "le", "pt": "a", "ro": "la", "en": "the"}

func spell(w, sep string) string {
	var rs []string
	for _, r := range w {
		rs = append(rs, string(r))
	}
	return strings.Join(rs, sep)
}

// lookalike replaces the Latin o, a, e, c, p of w with their Cyrillic
// look-alikes (all of them: the word is then of one script).
func lookalike(w string, all bool) string {
	m := map[rune]rune{'o': 'о', 'a': 'а', 'e': 'е', 'c': 'с', 'p': 'р', 'i': 'і'}
	var sb strings.Builder
	done := false
	for _, r := range w {
		if x, ok := m[r]; ok && (all || !done) {
			sb.WriteRune(x)
			done = true
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func greek(w string) string {
	return strings.NewReplacer("o", "ο", "a", "α", "i", "ι").Replace(w)
}

func leetPart(w string) string {
	// the first o, e, a or i becomes a digit; the rest stay letters
	for i, r := range w {
		if d, ok := map[rune]string{'o': "0", 'e': "3", 'a': "4", 'i': "1"}[r]; ok {
			return w[:i] + d + w[i+utf8.RuneLen(r):]
		}
	}
	return w
}

func zeroForO(w string) string {
	if strings.Contains(w, "o") {
		return strings.ReplaceAll(w, "o", "0")
	}
	return strings.Replace(w, "a", "@", 1)
}

func starInside(w string) string {
	rs := []rune(w)
	k := len(rs) / 2
	return string(rs[:k]) + "*" + string(rs[k+1:])
}

func obfuscationProbes() []probe {
	var out []probe
	for _, lang := range ShippedLanguages {
		for _, w := range obfuscationWords[lang] {
			forms := []struct{ class, form string }{
				{"spelt dots", spell(w, ".")},
				{"spelt spaces", spell(w, " ")},
				{"spelt dashes", spell(w, "-")},
				{"spelt underscores", spell(w, "_")},
				{"spelt asterisks", spell(w, "*")},
				{"asterisk for a letter", starInside(w)},
				{"capitals", strings.ToUpper(w)},
				{"cyrillic one letter", lookalike(w, false)},
				{"cyrillic all", lookalike(w, true)},
				{"greek", greek(w)},
				{"0 for o", zeroForO(w)},
				{"leet in part", leetPart(w)},
				{"repeated letters", strings.Replace(w, string([]rune(w)[1]), strings.Repeat(string([]rune(w)[1]), 3), 1)},
			}
			for _, fm := range forms {
				if fm.form == w && fm.class != "capitals" {
					continue
				}
				out = append(out, probe{lang: lang, text: fmt.Sprintf(probeFrames[lang], fm.form), needle: fm.form, class: fm.class})
			}
			glued := probeGlue[lang] + w
			out = append(out, probe{lang: lang, text: fmt.Sprintf(probeFrames[lang], glued), needle: w, class: "glued"})
		}
	}
	return out
}

// handProbes: "lang|class|text|needle", a leading "+" on the class marks
// a benign probe (the needle must stay).
var handProbes = `
en|url|Read this: Bit.Ly/x9Ab before Friday|Bit.Ly/x9Ab
en|url|It is all on EXAMPLE.ORG, have a look|EXAMPLE.ORG
en|url|Go to example dot org and fill the form|example dot org
en|url|The form is at example[.]org/help|example[.]org/help
en|url|Look at example(.)com when you can|example(.)com
es|url|Entra en ejemplo。org y rellena el formulario|ejemplo。org
es|url|Mira www.Ejemplo.ES mañana|www.Ejemplo.ES
fr|url|Regarde sur Exemple.FR ce soir|Exemple.FR
it|url|Guarda su tinyurl.com/abc12 stasera|tinyurl.com/abc12
pt|url|Vê em exemplo ponto pt amanhã|exemplo ponto pt
ro|url|Intră pe exemplu punct ro mâine|exemplu punct ro
ca|url|Mira-ho a HTTPS://EXEMPLE.CAT avui|HTTPS://EXEMPLE.CAT
en|handle|Message them on Instagram @safe_haven_ldn tonight|@safe_haven_ldn
es|handle|Escríbeles a @ayuda.mujeres por insta|@ayuda.mujeres
fr|handle|Contacte @asso_femmes sur insta|@asso_femmes
en|phone|Call me on seven nine three four five six one two two|seven nine three four five six one two two
es|phone|Llámame al seis uno dos tres cuatro cinco seis siete ocho|seis uno dos tres cuatro cinco seis siete ocho
it|phone|Chiamami al tre quattro sette otto uno due sei cinque nove zero|tre quattro sette otto uno due sei cinque nove zero
fr|phone|Appelle le zéro six douze trente quatre cinquante six|zéro six douze trente quatre cinquante six
pt|phone|Liga para nove um dois três quatro cinco seis sete oito|nove um dois três quatro cinco seis sete oito
ro|phone|Sună la zero șapte patru cinci unu doi trei patru cinci|zero șapte patru cinci unu doi trei patru cinci
ca|phone|Truca'm al sis dos dos u tres quatre cinc sis set|sis dos dos u tres quatre cinc sis set
en|phone|My number is 0791 then 234 then 5678|0791 then 234 then 5678
es|phone|Mi número es 622 y luego 481 907|622 y luego 481 907
en|phone|If anything happens call 999|999
en|phone|Call 112 if he comes back|112
es|phone|Si pasa algo llama al 016|016
es|phone|016|016
it|phone|Se serve chiama il 1522|1522
it|phone|Numero verde 800 290 290|800 290 290
fr|phone|Si besoin appelle le 3919|3919
fr|phone|Appelle le 17 tout de suite|17
pt|phone|Se precisares liga 112|112
ro|phone|Dacă e ceva sună la 112|112
ca|phone|Si cal, truca al 900 900 120|900 900 120
en|phone|Ring 101 and ask for the officer|101
en|organisation|The IOM caseworker will call you|IOM
es|organisation|Te llama la de OIM el lunes|OIM
fr|organisation|L'OIM t'appelle lundi|OIM
en|organisation|UNHCR will send the letter|UNHCR
es|organisation|ACNUR te manda la carta|ACNUR
it|organisation|L'UNHCR ti manda la lettera|UNHCR
en|organisation|The UNODC programme starts Monday|UNODC
ro|organisation|Cei de la La Strada te sună luni|La Strada
ro|organisation|Ne vedem la Caritas luni|Caritas
es|organisation|Ve a Cáritas el martes|Cáritas
es|organisation|Mañana vamos a Proyecto Esperanza|Proyecto Esperanza
es|organisation|Las de APRAMP te esperan|APRAMP
es|organisation|Tienes cita en Accem a las 10|Accem
es|organisation|La abogada de CEAR te llama|CEAR
es|organisation|Te llaman de Cruz Roja|Cruz Roja
it|organisation|Ci vediamo da On the Road|On the Road
it|organisation|Quelli di BeFree ti chiamano|BeFree
fr|organisation|Rendez-vous à l'Amicale du Nid|Amicale du Nid
pt|organisation|A APAV liga-te amanhã|APAV
ro|organisation|Cei de la ANITP te sună|ANITP
en|organisation|Someone from the Salvation Army will call|Salvation Army
en|organisation|Unseen will call you tomorrow|Unseen
en|organisation|UNICEF sent the form|UNICEF
en|organisation|UN Women are running the group|UN Women
ca|organisation|Les de SICAR cat et truquen|SICAR cat
en|shelter|Your room at the refuge is ready|refuge
en|shelter|The safe house has a room for you|safe house
en|shelter|You can stay at the women's shelter|shelter
es|shelter|Hay plaza en la casa de acogida|casa de acogida
es|shelter|Te llevamos al piso de acogida|piso de acogida
es|shelter|Hay sitio en el piso protegido|piso protegido
it|shelter|C'è posto nella casa rifugio|casa rifugio
it|shelter|Ti portiamo in casa protetta|casa protetta
it|shelter|La comunità di accoglienza ti aspetta|comunità di accoglienza
fr|shelter|Il y a une place à la maison d'accueil|maison d'accueil
fr|shelter|L'éducatrice du foyer t'attend|foyer
fr|shelter|On a trouvé un hébergement d'urgence|hébergement d'urgence
pt|shelter|Há vaga na casa abrigo|casa abrigo
pt|shelter|Há lugar na casa de acolhimento|casa de acolhimento
ro|shelter|Este loc la adăpost pentru tine|adăpost
ro|shelter|Te ducem la centrul de cazare|centrul de cazare
ca|shelter|Hi ha plaça al pis d'acollida|pis d'acollida
ca|shelter|Et portem a la casa d'acollida|casa d'acollida
en|abuser|The pimp cannot find you here|pimp
en|abuser|The madame has no right to your passport|madame
en|abuser|The traffickers were arrested|traffickers
en|abuser|The trafficker's men were seen|trafficker
es|abuser|El proxeneta ya no puede hacerte nada|proxeneta
es|abuser|Tu chulo no sabe nada|chulo
es|abuser|Los tratantes fueron detenidos|tratantes
es|abuser|La madama no tiene derecho|madama
it|abuser|Il magnaccia non può trovarti|magnaccia
it|abuser|Il tuo protettore non sa niente|protettore
it|abuser|I trafficanti sono stati arrestati|trafficanti
it|abuser|Lo sfruttatore è in carcere|sfruttatore
fr|abuser|Le proxénète ne peut plus te trouver|proxénète
fr|abuser|Ton mac ne sait rien|mac
fr|abuser|Les passeurs ont été arrêtés|passeurs
pt|abuser|O cafetão não te pode encontrar|cafetão
pt|abuser|O teu chulo não sabe nada|chulo
pt|abuser|Os traficantes foram presos|traficantes
ro|abuser|Proxenetul nu te mai poate găsi|Proxenetul
ro|abuser|Traficanții au fost arestați|Traficanții
ro|abuser|Peștele tău nu știe nimic|Peștele
ca|abuser|El proxeneta ja no et pot trobar|proxeneta
ca|abuser|Els traficants han estat detinguts|traficants
ca|abuser|La madame no té cap dret|madame
en|bidi|Meet me at the ` + "\u202e" + `retlehs` + "\u202c" + ` at 5|retlehs
es|bidi|Nos vemos en la ` + "\u202e" + `aícilop` + "\u202c" + ` a las 5|aícilop
fr|bidi|On se voit au ` + "\u2067" + `reyof` + "\u2069" + ` à 5h|reyof
it|bidi|Ci vediamo in ` + "\u202e" + `aruteuq` + "\u202c" + ` alle 5|aruteuq
en|zero-width|Meet me at the shel` + "\u200b" + `ter at 5|shel` + "\u200b" + `ter
pt|bidi|Vemo-nos na ` + "\u202e" + `aicílop` + "\u202c" + ` às 5|aicílop
ro|bidi|Ne vedem la ` + "\u202e" + `aițilop` + "\u202c" + ` la 5|aițilop
ca|bidi|Ens veiem a la ` + "\u202e" + `aicilop` + "\u202c" + ` a les 5|aicilop
en|+benign|Meet me at tennis court 3 at 10|tennis court 3
en|+benign|Wait at the bus shelter on the corner|bus shelter
en|+benign|Use the Arial typeface for your CV|Arial typeface
it|+benign|Ci vediamo alla Metro Tribunali alle 15|Metro Tribunali
en|+benign|Calling from a new number, save it as Ana|save it as Ana
es|+benign|Te llamo desde otro número, guárdalo como Ana|guárdalo como Ana
fr|+benign|Enregistre-le sous Léa, c'est plus simple|Enregistre-le sous Léa
it|+benign|Salvalo come Giulia, è più semplice|Salvalo come Giulia
pt|+benign|Guarda como Rita, é mais simples|Guarda como Rita
ro|+benign|Salvează-l ca Maria, e mai simplu|Salvează-l ca Maria
ca|+benign|Desa'l com a Marta, és més fàcil|Desa'l com a Marta
fr|+benign|Pour ton CV, mets une police plus grande|police plus grande
fr|+benign|Arial 12 c'est bien pour le CV|Arial 12
es|+benign|Ponte el abrigo que hace frío|Ponte el abrigo
es|+benign|Qué chulo tu vestido nuevo|Qué chulo
es|+benign|Te han contratado en la tienda, enhorabuena|contratado
es|+benign|Nos vemos en la pista 3 del polideportivo|pista 3
es|+benign|Quedamos en la plaza el día 3 a las 5|el día 3
es|+benign|Te espero en la parada del 27 a las 9|a las 9
en|+benign|See you at 5 p.m. on Friday|5 p.m.
en|+benign|Bring a coat, it is cold|Bring a coat
en|+benign|Meet me in the hotel foyer at 4|hotel foyer
en|+benign|Let me know if the Mac works|Mac
en|+benign|Good morning! How are you today?|Good morning
en|+benign|Your appointment is on Monday at 10:30|Monday at 10:30
fr|+benign|On se voit au Café de Flore à 15h|à 15h
fr|+benign|Rendez-vous lundi à 10h, bonne journée|lundi à 10h
fr|+benign|Le foyer de l'immeuble est fermé ?|est fermé
it|+benign|Ci vediamo lunedì alle 10, buona giornata|lunedì alle 10
it|+benign|La tratta Roma-Milano delle 8 è in ritardo|delle 8
pt|+benign|Vemo-nos na segunda às 10, bom dia|segunda às 10
pt|+benign|O abrigo da paragem está partido|da paragem
ro|+benign|Ne vedem luni la ora 10, o zi bună|luni la ora 10
ro|+benign|Ia-ți umbrela, plouă|Ia-ți umbrela
ca|+benign|Ens veiem dilluns a les 10, bon dia|dilluns a les 10
ca|+benign|Porta l'abric, que fa fred|Porta l'abric
en|+benign|The wifi password is casa_ana_5G|wifi password
es|+benign|Sala B-2, segunda planta|segunda planta
en|+benign|Grab a coffee at Court Street Café at 3|at 3
en|+benign|Good luck at the job interview tomorrow|job interview
fr|+benign|Bonne chance pour l'entretien d'embauche demain|entretien d'embauche
fr|+benign|L'entretien de la chaudière est lundi|L'entretien de la chaudière
es|+benign|La cita es el jueves a las 10:30|el jueves a las 10:30
it|+benign|Il campo da tennis 2 è libero alle 18|alle 18
es|+benign|Hola guapa, ¿qué tal el fin de semana?|qué tal el fin de semana
es|+benign|El tratamiento del dentista es el martes|El tratamiento
es|+benign|Te espero en la salida del metro a las 18:00|a las 18:00
es|+benign|Quedamos en la Plaza Mayor el sábado|el sábado
es|+benign|Recuerda traer el abrigo y el paraguas|el abrigo
es|+benign|La clase de español empieza el 3 de octubre|el 3 de octubre
es|+benign|Estación de Atocha, salida 2, a las 11|a las 11
es|+benign|Me ha gustado mucho hablar contigo hoy|hablar contigo hoy
es|+benign|Guárdame como Lucía en el móvil|Guárdame como Lucía
ca|+benign|Ens veiem a la Plaça de Catalunya a les 6|a les 6
ca|+benign|Bon dia! Com estàs avui?|Com estàs avui
ca|+benign|Porta el paraigua que plourà|Porta el paraigua
ca|+benign|El curs de català comença dimarts|comença dimarts
ca|+benign|Metro Sants, sortida Carrer de Sants, a les 10|a les 10
ca|+benign|Guarda'm com a Núria, sisplau|Guarda'm com a Núria
it|+benign|Ci vediamo alla fermata del 90 alle 17|alle 17
it|+benign|Buongiorno! Come stai oggi?|Come stai oggi
it|+benign|Il corso di italiano inizia giovedì|inizia giovedì
it|+benign|Salvami come Sara nella rubrica|Salvami come Sara
it|+benign|Porta il cappotto, fa freddo|Porta il cappotto
it|+benign|Stazione Centrale, binario 4, alle 9|alle 9
it|+benign|Fermata Questura, linea 2, alle 11|alle 11
fr|+benign|On se retrouve à l'arrêt de bus à 14h|à 14h
fr|+benign|Bonjour ! Comment ça va aujourd'hui ?|Comment ça va
fr|+benign|Le cours de français commence mardi|commence mardi
fr|+benign|Prends ton manteau, il fait froid|ton manteau
fr|+benign|Métro Château Rouge, sortie 2, à 10h|à 10h
fr|+benign|Enregistre-moi sous Sophie dans ton téléphone|Enregistre-moi sous Sophie
fr|+benign|Choisis une police Calibri pour la lettre|police Calibri
pt|+benign|Encontramo-nos na paragem do 28 às 15h|às 15h
pt|+benign|Bom dia! Como estás hoje?|Como estás hoje
pt|+benign|O curso de português começa na terça|começa na terça
pt|+benign|Leva o casaco que está frio|Leva o casaco
pt|+benign|Grava-me como Ana no telemóvel|Grava-me como Ana
pt|+benign|Metro Anjos, saída 1, às 10|às 10
ro|+benign|Ne vedem la stația de autobuz la ora 14|la ora 14
ro|+benign|Bună ziua! Ce mai faci azi?|Ce mai faci
ro|+benign|Cursul de română începe marți|începe marți
ro|+benign|Ia-ți geaca, e frig|Ia-ți geaca
ro|+benign|Salvează-mă ca Elena în telefon|Salvează-mă ca Elena
ro|+benign|Metrou Unirii, ieșirea 2, la ora 10|la ora 10
en|+benign|See you at the bus stop at 2pm|at 2pm
en|+benign|Hi! How was your weekend?|How was your weekend
en|+benign|The English class starts on Tuesday|starts on Tuesday
en|+benign|Save me as Kate in your phone|Save me as Kate
en|+benign|Meet me at Oxford Circus, exit 2, at 10|at 10
en|+benign|Your new trainers look great|trainers look great
en|+benign|Did you get the parcel from the post office?|the parcel
en|+benign|The food court on level 2 at noon|food court
en|+benign|Bring your Android charger please|Android charger
en|+benign|Take the number 27 bus to the end|number 27 bus
en|+benign|The court of the castle is lovely in spring|lovely in spring
es|+benign|Hola Ana, nos vemos el lunes a las 10. Besos, Marta|Besos, Marta
es|+benign|Buenos días Fatima! Te espero en la puerta del Corte Inglés|Buenos días Fatima
it|+benign|Ciao Joy, ci vediamo al bar Roma alle 5. Un abbraccio, Giulia|bar Roma
fr|+benign|Coucou Blessing, rdv devant le Monoprix à 15h. Bisous, Claire|Coucou Blessing
en|+benign|Hi Grace, see you at Costa Coffee on Monday at 11. Love, Sarah|Love, Sarah
pt|+benign|Olá Ana, encontramo-nos no Pingo Doce às 10. Beijinhos, Rita|Olá Ana
ro|+benign|Bună Ioana, ne vedem la Mega Image la ora 10. Pupici, Elena|Bună Ioana
ca|+benign|Hola Aminata, ens veiem a les 10. Petons, Laia|Petons, Laia
es|organisation|Hola Ana, mañana te acompaño a APRAMP. Besos, Marta|APRAMP
en|abuser|Hi Grace, the pimp was arrested. Love, Sarah|pimp
ca|+benign|Bona tarda Rosa, arribo 10 min tard|Bona tarda Rosa
ca|+benign|Ànims Marta! Dijous ens veiem a les 10|Ànims Marta
es|+benign|Ánimo Lucía, mañana hablamos|Ánimo Lucía
pt|+benign|Boa notícia Ana: o curso começa na terça|Boa notícia Ana
pt|+benign|Força Rita 💪 amanhã falamos|Força Rita
pt|+benign|Que alegria Joana! Até amanhã|Que alegria Joana
ca|abuser|Ànims Marta, el proxeneta ja està detingut|proxeneta
es|+benign|Buenas Rosa!! el jueves nos vemos en Plaza de Callao|Buenas Rosa
es|+benign|Vale Joy, entonces quedamos el martes a las 10|Vale Joy
ca|+benign|Bon cap de setmana Marta! Dilluns a les 10 ens veiem|Bon cap de setmana Marta
pt|+benign|Bom fim de semana Célia, descansa|Bom fim de semana Célia
es|+benign|Carla la deuda de los 30.000 euros no es legal, no la pagues|Carla
es|abuser|Carla la deuda de los 30.000 euros no es legal, no la pagues|la deuda de los 30.000 euros no es legal
pt|+benign|Rosa aqueles q te punham a trabalhar foram presos|Rosa
pt|abuser|Rosa aqueles q te punham a trabalhar foram presos|aqueles q te punham a trabalhar
`

func parseHandProbes(t testing.TB) []probe {
	var out []probe
	for i, line := range strings.Split(handProbes, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 4 || !strings.Contains(f[2], f[3]) {
			t.Fatalf("probe line %d: want lang|class|text|needle, the needle in the text: %q", i, line)
		}
		p := probe{lang: f[0], class: f[1], text: f[2], needle: f[3]}
		if strings.HasPrefix(p.class, "+") {
			p.benign, p.class = true, p.class[1:]
		}
		out = append(out, p)
	}
	return out
}

// probeCovered: every letter or digit of needle, at each of its
// occurrences, is inside a finding; in a phrase with a word of four
// letters or more, a word of one or two letters may be left ("comunità
// [] di []": what is left says nothing).
func probeCovered(text, needle string, fs []Finding) bool {
	short := map[int]bool{} // needle offsets inside a short word
	long := false
	for _, w := range strings.Fields(needle) {
		long = long || utf8.RuneCountInString(w) >= 4
	}
	off := 0
	for _, w := range strings.Fields(needle) {
		k := strings.Index(needle[off:], w) + off
		if utf8.RuneCountInString(w) <= 2 {
			for j := k; j < k+len(w); j++ {
				short[j] = long
			}
		}
		off = k + len(w)
	}
	for _, sp := range occurrences(text, needle) {
		for i := sp[0]; i < sp[1]; {
			r, sz := utf8.DecodeRuneInString(text[i:])
			if isProbeWordRune(r) && !short[i-sp[0]] {
				in := false
				for _, x := range fs {
					if x.Start <= i && i+sz <= x.End {
						in = true
						break
					}
				}
				if !in {
					return false
				}
			}
			i += sz
		}
	}
	return true
}

func isProbeWordRune(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 && r != '\u3002' && r != '\u200b'
}

func probeTouched(text, needle string, fs []Finding) bool {
	for _, sp := range occurrences(text, needle) {
		for _, x := range fs {
			if x.Start < sp[1] && sp[0] < x.End {
				return true
			}
		}
	}
	return false
}

// Committed limits: leak on either path, and benign damage.
const (
	probeMaxLeakPct   = 2.0
	probeMaxDamagePct = 3.0
)

func TestAdversarialProbes(t *testing.T) {
	f := mustFilter(t)
	probes := append(obfuscationProbes(), parseHandProbes(t)...)
	type score struct{ n, bad int }
	var sens, ben score
	byClass := map[string]*score{}
	byLang := map[string]*score{}
	var classes []string
	for _, p := range probes {
		free := f.ScanWith(p.text, ScanOptions{Lang: p.lang, UnknownNames: true})
		param := f.Scan(p.text)
		checkFindings(t, p.text, free)
		checkFindings(t, p.text, param)
		refused := MonitoredProblem(p.text)
		bad := false
		var why string
		if p.benign {
			switch {
			case refused != "":
				bad, why = true, "refused: "+refused
			case probeTouched(p.text, p.needle, free):
				bad, why = true, fmt.Sprintf("free text %v", free)
			case probeTouched(p.text, p.needle, param):
				bad, why = true, fmt.Sprintf("parameter %v", param)
			}
			ben.n++
			if bad {
				ben.bad++
				t.Logf("DAMAGE %s %s: %q in %q (%s)", p.lang, p.class, p.needle, p.text, why)
			}
		} else {
			if refused == "" {
				switch {
				case !probeCovered(p.text, p.needle, free):
					bad, why = true, fmt.Sprintf("free text %v", free)
				case !probeCovered(p.text, p.needle, param):
					bad, why = true, fmt.Sprintf("parameter %v", param)
				}
			}
			sens.n++
			if bad {
				sens.bad++
				t.Logf("LEAK %s %s: %q in %q (%s)", p.lang, p.class, p.needle, p.text, why)
			}
		}
		key := p.class
		if p.benign {
			key = "benign " + key
		}
		if byClass[key] == nil {
			byClass[key] = &score{}
			classes = append(classes, key)
		}
		byClass[key].n++
		if byLang[p.lang] == nil {
			byLang[p.lang] = &score{}
		}
		byLang[p.lang].n++
		if bad {
			byClass[key].bad++
			byLang[p.lang].bad++
		}
	}
	t.Logf("%d probes: %d sensitive, leak %.1f%% (%d); %d benign, damaged %.1f%% (%d)",
		len(probes), sens.n, pct(sens.bad, sens.n), sens.bad, ben.n, pct(ben.bad, ben.n), ben.bad)
	for _, c := range classes {
		t.Logf("  %-24s %3d/%3d failed", c, byClass[c].bad, byClass[c].n)
	}
	for _, l := range ShippedLanguages {
		if s := byLang[l]; s != nil {
			t.Logf("  %-24s %3d/%3d failed", l, s.bad, s.n)
		}
	}
	if len(probes) < 250 {
		t.Errorf("%d probes, want at least 250", len(probes))
	}
	if pct(sens.bad, sens.n) > probeMaxLeakPct {
		t.Errorf("leak %.1f%% above %.1f%%", pct(sens.bad, sens.n), probeMaxLeakPct)
	}
	if pct(ben.bad, ben.n) > probeMaxDamagePct {
		t.Errorf("benign damage %.1f%% above %.1f%%", pct(ben.bad, ben.n), probeMaxDamagePct)
	}
}

// Meeting points and template parameters go through the same filter: the
// probes' tricks are refused in a discreet rendering, and the benign
// place names pass.
func TestAdversarialProbesInRendering(t *testing.T) {
	c := mustBuiltin(t)
	req := func(place string) RenderRequest {
		return RenderRequest{TemplateID: "appointment_reminder", Lang: "es", Variant: Discreet, Channel: "sms",
			Params: map[string]string{"when": "2025-06-03T08:00:00Z", "place": place}, TimeZone: "Europe/Madrid"}
	}
	for _, place := range []string{"Bit.Ly/x9Ab", "EXAMPLE.ORG", "example dot org", "la \u202eaícilop\u202c", "pоlicía",
		"pol*cía", "p.o.l.i.c.í.a", "lapolicía", "tr@tante", "Caritas", "casa de acogida", "llama al 016", "@ayuda.mujeres"} {
		if _, err := c.Render(req(place)); err == nil {
			t.Errorf("place %q rendered", place)
		}
	}
	for _, place := range []string{"Metro Tribunali", "Metro Tribunal", "parada del bus", "Plaza Mayor", "Estación de Atocha"} {
		if _, err := c.Render(req(place)); err != nil {
			t.Errorf("place %q refused: %v", place, err)
		}
	}
}
