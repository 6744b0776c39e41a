package templates

import (
	"sort"
	"strings"
	"testing"
)

// sensitive: each message must be caught with exactly these categories.
// benign: each must come through the filter untouched.
type langCorpus struct {
	sensitive []struct {
		text string
		cats []Category
	}
	benign []string
}

const (
	org   = CategoryOrganisation
	expl  = CategoryExploitation
	legal = CategoryLegal
	hlth  = CategoryHealth
	addr  = CategoryAddress
	phone = CategoryPhone
	email = CategoryEmail
	url   = CategoryURL
)

type sc = struct {
	text string
	cats []Category
}

func cats(c ...Category) []Category { return c }

var corpus = map[string]langCorpus{
	"es": {
		sensitive: []sc{
			{"Mañana tienes cita con la psicóloga a las 10:00", cats(hlth)},
			{"Recuerda la vista en el juzgado el lunes", cats(legal)},
			{"Tu abogada te llamará para preparar la denuncia", cats(legal)},
			{"La Policía Nacional quiere hablar contigo", cats(legal)},
			{"Quedamos en la casa de acogida a las 5", cats(org)},
			{"Somos de la ONG que te ayudó el año pasado", cats(org)},
			{"Ven a la Calle Mayor 5, 2º 1ª", cats(addr)},
			{"Mi móvil es 612 345 678, llámame", cats(phone)},
			{"Escríbenos a ayuda@esperanza.org", cats(email)},
			{"Más información en www.esperanza.org/ayuda", cats(url)},
			{"Te acompañamos como víctima de trata", cats(expl)},
			{"Tienes que renovar el permiso de residencia", cats(legal)},
			{"La sesión de terapia es el jueves", cats(hlth)},
			{"Declaras como testigo protegido ante el fiscal", cats(legal)},
			{"Ve a la Guardia Civil de la c/ Pelai 12", cats(legal, addr)},
			{"Dirección: Avenida de la Constitución 20, 41001 Sevilla", cats(addr)},
			{"Los traficantes no pueden saber que hablas con nosotras", cats(expl)},
			{"Tienes cita en la clínica de salud sexual", cats(hlth)},
			{"LOS MOSSOS TE ESPERAN EN LA COMISARÍA", cats(legal)},
			{"Te llamamos desde el +34 91 123 45 67", cats(phone)},
		},
		benign: []string{
			"Hola, ¿qué tal? Responde 1 si estás bien.",
			"Tu clase de español es el martes a las 10:00.",
			"Nos vemos en la parada del autobús 24, Plaza Mayor.",
			"Quedamos el 3/6/2025 a las 10.30 en Metro Sol.",
			"¡Feliz cumpleaños! Un abrazo muy fuerte.",
			"La cita es mañana a las 9:30, en la estación de Atocha.",
			"Se trata de una reunión corta, llega 5 minutos antes.",
			"Quedan 3 plazas en el curso de cocina, de 10.00-12.00.",
			"Me voy al polideportivo a las 18:00, ¿vienes?",
			"Responde 2 si prefieres el jueves.",
			"El curso 2024-2025 empieza el 15 de septiembre.",
			"Buenos días, nos vemos en la calle de siempre a las 5 de la tarde.",
		},
	},
	"ca": {
		sensitive: []sc{
			{"Demà tens cita amb la psicòloga a les 10", cats(hlth)},
			{"Els Mossos d'Esquadra volen parlar amb tu", cats(legal)},
			{"La teva advocada et trucarà aquesta setmana", cats(legal)},
			{"Hem de preparar el judici de dijous", cats(legal)},
			{"Ens veiem a la casa d'acollida", cats(org)},
			{"Vine al Carrer de Pelai, 12", cats(addr)},
			{"El meu telèfon és 93 123 45 67", cats(phone)},
			{"Escriu-nos a info@fundacio.cat", cats(email)},
			{"Consulta http://fundacio.cat/ajuda", cats(url)},
			{"Ets víctima de tràfic de persones", cats(expl)},
			{"Cal renovar el permís de residència", cats(legal)},
			{"Tens sessió de teràpia dijous", cats(hlth)},
			{"Has de posar una denúncia", cats(legal)},
			{"La treballadora social et visitarà", cats(org)},
			{"Passeig de Gràcia 92, 08008 Barcelona", cats(addr)},
			{"La policia local ha trucat", cats(legal)},
			{"Vas patir una agressió sexual", cats(expl)},
		},
		benign: []string{
			"Hola, com estàs? Respon 1 si tot va bé.",
			"La classe de català és dimarts a les 10:00.",
			"Ens veiem a la parada de l'autobús V15, Plaça de Catalunya.",
			"Quedem a l'estació de Sants a les 9:30.",
			"Bon dia! Una abraçada.",
			"Tens hora el 12/05/2025 a les 17.00.",
			"Al final no podrem quedar, ho sento. Parlem demà.",
		},
	},
	"it": {
		sensitive: []sc{
			{"Domani hai l'appuntamento con la psicologa", cats(hlth)},
			{"L'avvocato ti chiamerà per la denuncia", cats(legal)},
			{"La questura ha fissato l'udienza", cats(legal)},
			{"Ci vediamo alla casa rifugio", cats(org)},
			{"Vieni in Via Roma 10", cats(addr)},
			{"Il mio numero è 333 123 4567", cats(phone)},
			{"Scrivi a aiuto@associazione.it", cats(email)},
			{"Informazioni su www.associazione.it", cats(url)},
			{"Sei una vittima di tratta", cats(expl)},
			{"Devi rinnovare il permesso di soggiorno", cats(legal)},
			{"La seduta di terapia è giovedì", cats(hlth)},
			{"I carabinieri ti cercano", cats(legal)},
			{"Lo sfruttamento lavorativo è un reato", cats(expl)},
			{"L'assistente sociale ti aspetta", cats(org)},
			{"Piazza Garibaldi 3, 00184 Roma", cats(addr)},
			{"Il centro antiviolenza è aperto", cats(org)},
			{"Hai subito violenza sessuale?", cats(expl)},
		},
		benign: []string{
			"Ciao, come stai? Rispondi 1 se va tutto bene.",
			"La lezione di italiano è martedì alle 10:00.",
			"Vado via alle 10, ci vediamo dopo.",
			"Ci vediamo alla fermata dell'autobus 64, Piazza Venezia.",
			"Si tratta di un incontro breve.",
			"Buon compleanno! Un abbraccio.",
			"Appuntamento il 3.6.2025 alle 10.30 a Termini.",
			"C'è traffico, arrivo tra 10 minuti.",
		},
	},
	"en": {
		sensitive: []sc{
			{"Your appointment with the psychologist is on Monday", cats(hlth)},
			{"The police want to talk to you", cats(legal)},
			{"Your lawyer will call about the hearing", cats(legal)},
			{"Meet me at the shelter", cats(org)},
			{"Come to 221B Baker Street", cats(addr)},
			{"Call me on 07700 900123", cats(phone)},
			{"Email help@charity.org.uk for anything", cats(email)},
			{"See https://charity.org/help", cats(url)},
			{"You are a victim of trafficking", cats(expl)},
			{"Bring your residence permit", cats(legal)},
			{"Your therapy session is tomorrow", cats(hlth)},
			{"The social worker will visit you", cats(org)},
			{"Your asylum interview is next week", cats(legal)},
			{"We support survivors of debt bondage", cats(expl)},
			{"Send it to 10 Downing Street, London SW1A 2AA", cats(addr)},
			{"The trauma clinic opens at 9", cats(hlth)},
			{"Text +44 20 7946 0958", cats(phone)},
		},
		benign: []string{
			"Hi, how are you? Reply 1 if you are OK.",
			"Your English class is on Tuesday at 10:00.",
			"See you at the bus stop on Oxford Circus.",
			"Meeting at 10:00 on 3 June, near Victoria station.",
			"Happy birthday! Lots of love.",
			"The appointment is at 9:30, reply 2 to confirm.",
			"I'll be 5 minutes late, traffic is terrible.",
			"Good morning! Can we meet at 2pm instead?",
		},
	},
	"fr": {
		sensitive: []sc{
			{"Ton rendez-vous avec la psychologue est lundi", cats(hlth)},
			{"La police veut te parler", cats(legal)},
			{"Ton avocate t'appellera pour la plainte", cats(legal)},
			{"L'audience au tribunal est mardi", cats(legal)},
			{"Rendez-vous au centre d'hébergement", cats(org)},
			{"Viens au 12 rue de la Paix", cats(addr)},
			{"Mon numéro : 06 12 34 56 78", cats(phone)},
			{"Écris à aide@association.fr", cats(email)},
			{"Voir www.association.fr", cats(url)},
			{"Tu es victime de traite des êtres humains", cats(expl)},
			{"Il faut renouveler ton titre de séjour", cats(legal)},
			{"Ta séance de thérapie est jeudi", cats(hlth)},
			{"La gendarmerie a appelé", cats(legal)},
			{"L'assistante sociale passera demain", cats(org)},
			{"Retrouve-moi au 5, avenue Foch, 75016 Paris", cats(addr)},
			{"Le proxénète ne doit pas savoir", cats(expl)},
			{"Ta demande d'asile avance", cats(legal)},
		},
		benign: []string{
			"Salut, ça va ? Réponds 1 si tout va bien.",
			"Ton cours de français est mardi à 10h00.",
			"On se voit à l'arrêt de bus Bastille.",
			"Rendez-vous le 3/6/2025 à 10h30 devant la gare.",
			"Joyeux anniversaire ! Bisous.",
			"Je suis en retard de 5 minutes, désolée.",
			"Rendez-vous dimanche 1er juin à 9h30, à Métro Bastille.",
		},
	},
	"pt": {
		sensitive: []sc{
			{"A tua consulta com a psicóloga é segunda-feira", cats(hlth)},
			{"A polícia quer falar contigo", cats(legal)},
			{"O teu advogado vai ligar por causa da queixa-crime", cats(legal)},
			{"O julgamento é no tribunal de Lisboa", cats(legal)},
			{"Encontramo-nos na casa de abrigo", cats(org)},
			{"Vem à Rua Augusta 25", cats(addr)},
			{"O meu número é 912 345 678", cats(phone)},
			{"Escreve para apoio@associacao.pt", cats(email)},
			{"Vê www.associacao.pt", cats(url)},
			{"És vítima de tráfico de pessoas", cats(expl)},
			{"Tens de renovar a autorização de residência", cats(legal)},
			{"A sessão de terapia é quinta-feira", cats(hlth)},
			{"A assistente social vai visitar-te", cats(org)},
			{"Avenida da Liberdade 100, 1250-096 Lisboa", cats(addr)},
			{"A exploração sexual é crime", cats(expl)},
			{"És testemunha no processo", cats(legal)},
			{"A PSP ligou-te ontem", cats(legal)},
		},
		benign: []string{
			"Olá, tudo bem? Responde 1 se estiver tudo bem.",
			"A aula de português é terça-feira às 10:00.",
			"Encontramo-nos na paragem do autocarro, Praça do Comércio.",
			"Até amanhã às 9h30 na estação do Rossio.",
			"Parabéns! Beijinhos.",
			"Chego 5 minutos atrasada.",
			"Encontramo-nos terça-feira, 3 de junho, às 10:00, em Metro Rossio.",
		},
	},
	"ro": {
		sensitive: []sc{
			{"Mâine ai programare la psiholog", cats(hlth)},
			{"Poliția vrea să vorbească cu tine", cats(legal)},
			{"Avocatul te va suna pentru plângere", cats(legal)},
			{"Procesul este la tribunal marți", cats(legal)},
			{"Ne vedem la adăpost", cats(org)},
			{"Vino pe Strada Lipscani nr. 5", cats(addr)},
			{"Numărul meu este 0722 123 456", cats(phone)},
			{"Scrie-ne la ajutor@asociatie.ro", cats(email)},
			{"Vezi www.asociatie.ro", cats(url)},
			{"Ești victimă a traficului de persoane", cats(expl)},
			{"Trebuie să reînnoiești permisul de ședere", cats(legal)},
			{"Ședința de terapie este joi", cats(hlth)},
			{"Asistentul social te va vizita", cats(org)},
			{"Calea Victoriei 12, 010063 București", cats(addr)},
			{"Exploatarea sexuală este o crimă", cats(expl)},
			{"Ești martor protejat", cats(legal)},
			{"Jandarmeria a sunat", cats(legal)},
			{"Politia si avocatul (fara diacritice)", cats(legal)},
		},
		benign: []string{
			"Bună, ce faci? Răspunde 1 dacă totul e bine.",
			"Ora de română este marți la 10:00.",
			"Ne vedem la stația de autobuz Piața Unirii.",
			"Ne vedem pe 3.6.2025 la ora 10.30.",
			"La mulți ani! Te pup.",
			"Întârzii 5 minute, scuze.",
			"Vei ști mâine, șefa mea a zis.",
		},
	},
}

func catSet(fs []Finding) []Category {
	m := map[Category]bool{}
	for _, f := range fs {
		m[f.Category] = true
	}
	var out []Category
	for c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sameCats(a, b []Category) bool {
	a = append([]Category(nil), a...)
	b = append([]Category(nil), b...)
	sort.Slice(a, func(i, j int) bool { return a[i] < a[j] })
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFilterCorpus(t *testing.T) {
	f, err := NewFilter("")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range ShippedLanguages {
		c := corpus[lang]
		if len(c.sensitive) < 15 {
			t.Errorf("%s: only %d sensitive messages", lang, len(c.sensitive))
		}
		for _, s := range c.sensitive {
			fs := f.Scan(s.text)
			if got := catSet(fs); !sameCats(got, s.cats) {
				t.Errorf("%s: %q: categories %v, want %v (findings %+v)", lang, s.text, got, s.cats, fs)
			}
			checkFindings(t, s.text, fs)
			stripped, fs2 := f.Strip(s.text)
			if len(fs2) != len(fs) {
				t.Errorf("%s: Strip findings differ from Scan", lang)
			}
			if again := f.Scan(stripped); len(again) > 0 {
				t.Errorf("%s: Strip(%q) = %q still has %+v", lang, s.text, stripped, again)
			}
			for _, x := range fs {
				if strings.Contains(stripped, x.Match) {
					t.Errorf("%s: Strip(%q) = %q keeps %q", lang, s.text, stripped, x.Match)
				}
			}
		}
		for _, b := range c.benign {
			if fs := f.Scan(b); len(fs) != 0 {
				t.Errorf("%s: benign %q flagged: %+v", lang, b, fs)
			}
			if s, fs := f.Strip(b); s != b || fs != nil {
				t.Errorf("%s: benign %q changed to %q", lang, b, s)
			}
		}
	}
}

// checkFindings asserts the structural promises of Scan.
func checkFindings(t testing.TB, text string, fs []Finding) {
	t.Helper()
	prev := 0
	for _, x := range fs {
		if x.Start < prev || x.End <= x.Start || x.End > len(text) {
			t.Fatalf("bad span %+v (prev end %d, len %d) in %q", x, prev, len(text), text)
		}
		if x.Match != text[x.Start:x.End] {
			t.Fatalf("Match %q != text[%d:%d] %q", x.Match, x.Start, x.End, text[x.Start:x.End])
		}
		if _, ok := categoryIndex(x.Category); !ok {
			t.Fatalf("bad category %q", x.Category)
		}
		prev = x.End
	}
}

// helpLines: a phrase that names a help line is an organisation finding
// in every shipped language, inflected or not, whatever the sentence. A
// company's customer, support or free line and a metro line named by its
// colour are not help lines (TestLexiconEverydayLines).
var helpLines = map[string][]string{
	"en": {
		"call the help line tonight", "call the help-line tonight", "the helpline is open", "call the hotline tonight",
		"the helplines are open", "try the advice line", "the listening line is open",
		"the crisis line answers",
	},
	"it": {
		"chiama la linea di aiuto stasera", "chiama la linea d'aiuto", "chiama il numero verde stasera",
		"chiama il telefono di aiuto", "c'è il numero di aiuto", "chiama la linea d'ascolto", "la linea di ascolto risponde",
		"il telefono verde risponde", "chiama il telefono rosa",
		"chiama il telefono amico", "la linea di emergenza risponde",
	},
	"es": {
		"llama a la línea de ayuda", "llama a la linea de ayuda", "llama al teléfono de ayuda", "llama al número de ayuda",
		"llama a la línea de apoyo",
		"llama al teléfono de apoyo",
		"la línea de escucha está abierta", "llama al teléfono de la esperanza",
		"llama a la línea de emergencia",
	},
	"ca": {
		"truca a la línia d'ajuda", "truca al telèfon d'ajuda", "truca al número d'ajuda",
		"truca a la línia de suport", "truca al telèfon de suport",
		"truca a la línia d'escolta",
	},
	"fr": {
		"appelle la ligne d'écoute", "appelle le numéro vert", "appelle la ligne d'aide",
		"appelle le numéro d'aide", "appelle le numéro d'écoute", "appelle la ligne de soutien", "appelle la ligne d'urgence",
		"appelle le numéro d'urgence", "appelle la plateforme d'écoute",
	},
	"pt": {
		"liga para a linha de apoio", "liga pra linha de apoio", "liga para a linha de ajuda",
		"liga para o número verde", "liga para o número de apoio",
		"liga para o telefone de apoio", "liga para a linha de emergência", "liga para a linha de escuta",
		"liga para o número de ajuda",
	},
	"ro": {
		"sună la linia de ajutor", "suna la linia de ajutor", "sună la linie de ajutor", "sună la telefonul verde",
		"sună la un telefon verde", "sună la linia verde",
		"sună la linia de urgență", "sună la o linie de urgență", "sună la numărul de ajutor",
		"sună la linia de sprijin", "sună la telefonul de ajutor",
	},
}

// TestHelpLines: every help-line phrase is found as an organisation, under
// the filter and under the vocabulary policy.
func TestHelpLines(t *testing.T) {
	f := mustVocabFilter(t)
	for _, l := range ShippedLanguages {
		if len(helpLines[l]) == 0 {
			t.Errorf("%s: no help-line phrases", l)
		}
		for _, text := range helpLines[l] {
			for _, o := range []ScanOptions{{Lang: l}, {Lang: l, Vocabulary: true}} {
				found := false
				for _, x := range f.ScanWith(text, o) {
					found = found || x.Category == CategoryOrganisation
				}
				if !found {
					t.Errorf("%s (vocabulary %v): %q: no organisation finding", l, o.Vocabulary, text)
				}
			}
		}
	}
}
