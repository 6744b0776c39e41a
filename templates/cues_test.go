package templates

import (
	"strings"
	"testing"
	"time"
)

// A cue word in its other, everyday sense, or a cue that is merely in
// the same sentence, must not let the sensitive word through: the
// incident that is an "episode", a stay that is a "season", a series of
// photos, a protection programme, a forensic exam before court, a
// refuge in the mountains, a police station by the museum, a bus to the
// shelter, a menstrual cycle at the clinic.
func TestCuesOtherSense(t *testing.T) {
	checkClass(t, []classCase{
		// a detective: episode, season, series, short channel names
		{"es", "el inspector quiere hablar del episodio del sábado", []string{"inspector"}, nil},
		{"es", "el inspector tiene una serie de preguntas para ti", []string{"inspector"}, nil},
		{"es", "pasarás una temporada en el piso, el inspector lo sabe", []string{"inspector"}, nil},
		{"ca", "el comissari vol parlar de l'episodi de dissabte", []string{"comissari"}, nil},
		{"it", "il commissario vuole parlare dell'episodio di sabato", []string{"commissario"}, nil},
		{"it", "l'ispettore vuole la serie di foto del telefono", []string{"ispettore"}, nil},
		{"fr", "l'inspecteur veut parler de l'épisode de samedi", []string{"inspecteur"}, nil},
		{"pt", "o inspetor quer falar do episódio de sábado", []string{"inspetor"}, nil},
		{"pt", "o inspetor vai ligar pro teu número amanhã", []string{"inspetor"}, nil},
		{"pt", "o inspetor disse sic que era urgente, e a TVI nao sabe de nada", []string{"inspetor"}, nil},
		{"en", "the inspector wants the series of photos", []string{"inspector"}, nil},
		{"en", "the detective asked about the episode on saturday", []string{"detective"}, nil},
		{"en", "the inspector says a pro bono lawyer will ring u", []string{"inspector"}, nil},
		{"en", "the detective drives up the M6 to see u this season", []string{"detective"}, nil},
		// a refuge: its programme, its outings, a place in the mountains, top of the list
		{"es", "una temporada en el refugio te vendrá bien", []string{"refugio"}, nil},
		{"es", "el refugio organiza una excursión el domingo", []string{"refugio"}, nil},
		{"es", "el refugio está en la montaña, él no lo conoce", []string{"refugio"}, nil},
		{"es", "estás en la cima de la lista del refugio", []string{"refugio"}, nil},
		{"ca", "el refugi fa una excursió diumenge amb les noies", []string{"refugi"}, nil},
		{"ca", "el refugi és a la muntanya, ell no el coneix", []string{"refugi"}, nil},
		{"fr", "le refuge est à la montagne, il ne le connaît pas", []string{"refuge"}, nil},
		{"fr", "le refuge fait une rando dimanche avec les filles", []string{"refuge"}, nil},
		{"pt", "o refúgio fica na montanha, ele não conhece", []string{"refúgio"}, nil},
		{"en", "the refuge's programme starts monday, theres a hike on sunday", []string{"refuge"}, nil},
		{"en", "the refuge program has a trek for the women", []string{"refuge"}, nil},
		{"en", "its a bit of a hike to the refuge from the station", []string{"refuge"}, nil},
		{"en", "the trek to the refuge was long but u are safe now", []string{"refuge"}, nil},
		{"en", "the detective in the TV room will see u", []string{"detective"}, nil},
		{"en", "Inspector Rai will ring u at 3", []string{"Inspector"}, nil},
		// a police station by a museum or in a shopping arcade; the curator's word shown
		{"es", "la comisaria está en la galería comercial, segunda planta", []string{"comisaria"}, nil},
		{"es", "la comisaria de la galería Velázquez abre a las 9", []string{"comisaria"}, nil},
		{"es", "ve a la comisaria que está al lado del museo", []string{"comisaria"}, nil},
		{"ca", "la comissaria et mostra el camí, és al costat del museu", []string{"comissaria"}, nil},
		{"it", "il commissario mostra le foto domani", []string{"commissario"}, nil},
		{"it", "il commissario ti aspetta davanti al museo", []string{"commissario"}, nil},
		{"es", "la comisaria de la Expo te espera a las 10", []string{"comisaria"}, nil},
		// a court: a forensic exam, a bankruptcy or a competition, "these"
		{"es", "el forense te hará un examen y luego vas al tribunal", []string{"tribunal"}, nil},
		{"es", "te harán un examen en el tribunal el lunes", []string{"tribunal"}, nil},
		{"es", "el tribunal del concurso de acreedores embargó el piso de él", []string{"tribunal"}, nil},
		{"ca", "el forense et farà un examen i després anem al tribunal", []string{"tribunal"}, nil},
		{"ca", "el tribunal del concurs ha citat el teu ex", []string{"tribunal"}, nil},
		{"it", "il medico legale ti fa un esame e poi andiamo al tribunale", []string{"tribunale"}, nil},
		{"it", "la tesi del tribunale è che sei una vittima", []string{"tribunale"}, nil},
		{"fr", "le médecin légiste te fera un examen puis on va au tribunal", []string{"tribunal"}, nil},
		{"fr", "avec le concours du tribunal on aura la protection", []string{"tribunal"}, nil},
		{"pt", "o perito faz-te um exame e depois vamos ao tribunal", []string{"tribunal"}, nil},
		{"pt", "o exame do tribunal é na terça", []string{"tribunal"}, nil},
		{"ro", "tribunalul cere examenul medico-legal", []string{"tribunalul"}, nil},
		{"en", "the tribunal wants these papers by friday", []string{"tribunal"}, nil},
		{"en", "the tribunal needs a medical exam first", []string{"tribunal"}, nil},
		// a health centre: a protection programme, a check-up, a radius
		{"es", "tienes consultorio con el programa de protección", []string{"consultorio"}, nil},
		{"es", "el consultorio del programa de víctimas te llama", []string{"consultorio"}, nil},
		{"es", "el consultorio está en un radio de 2 km", []string{"consultorio"}, nil},
		{"pt", "o consultório do programa de apoio liga-te", []string{"consultório"}, nil},
		{"pt", "o consultório faz a revista às 10", []string{"consultório"}, nil},
		// a clinic: a cycle that is not a bike
		{"en", "the clinic will check your cycle", []string{"clinic"}, nil},
		{"en", "the clinic tracks cycles, bring your diary", []string{"clinic"}, nil},
		{"fr", "la clinique suit ton cycle", []string{"clinique"}, nil},
		// the police: a character, a source, a handwriting
		{"fr", "la police dit qu'il a un sale caractère", []string{"police"}, nil},
		{"fr", "selon une fuente de la police", []string{"police"}, nil},
		{"en", "the police have your letra of the statement", []string{"police"}, nil},
		{"fr", "les gars de la police font des contrôles dans ta rue", []string{"police"}, nil},
		{"fr", "la Police font une enquête", []string{"Police"}, nil},
		// a shelter: the bus there, the stop named after it
		{"es", "coge el autobús hasta el refugio", []string{"refugio"}, nil},
		{"es", "bájate en la parada del refugio", []string{"refugio"}, nil},
		{"ro", "ia autobuzul 41 pana la adapost", []string{"adapost"}, nil},
		{"en", "take the bus to the shelter, ill meet u there", []string{"shelter"}, nil},
		{"en", "the shelter on the bus route is full", []string{"shelter"}, nil},
		{"en", "the shelter the bus stops at has a bed for u", []string{"shelter"}, nil},
		// a court of appeal beside a school
	})
}

// The round-4 benign phrases keep working where the cue stands beside
// the word.
func TestCuesBeside(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "el domingo excursión al refugio de montaña", nil, []string{"refugio"}},
		{"fr", "dimanche rando jusqu'au refuge", nil, []string{"refuge"}},
		{"en", "we stop at the mountain refuge for lunch", nil, []string{"refuge"}},
		{"es", "me gusta la fuente tipo Police del cartel", nil, []string{"Police"}},
		{"fr", "change la police de caractères du flyer", nil, []string{"police"}},
		{"en", "use the bike clinic on saturday", nil, []string{"clinic"}},
		{"it", "stasera c'e il Commissario Montalbano su Rai1", nil, []string{"Commissario Montalbano"}},
		{"en", "the detective on TV last night was so bad", nil, []string{"detective"}},
		{"es", "el tribunal de oposiciones publica las notas", nil, []string{"tribunal"}},
		{"pt", "o consultório sentimental da revista", nil, []string{"consultório"}},
	})
}

// Texts full of the group words, their cues and names keep the scan
// linear: each candidate reads a bounded stretch around it.
func TestCuesStayLinear(t *testing.T) {
	f := mustFilter(t)
	for name, p := range map[string]string{
		"benign":   "refugio de montaña ",
		"words":    "la clinica ",
		"names":    "el refugio de montaña de Peñalara Ana Pérez ",
		"tv":       "Commissario Montalbano su Rai2 Ana ",
		"before":   "excursión al refugio ",
		"gaps":     "refugio                    montaña ",
		"nocue":    "refugio de la de la de la ",
		"glued":    "refugiorefugiorefugio ",
		"punct":    "refugio ,,,,,,,,,,,,,,,,,,,,,,,,,,,, Ana ",
		"spanname": "bike clinic Ana Ana Ana Ana Ana ",
	} {
		s := strings.Repeat(p, 200000/len(p)+1)
		t0 := time.Now()
		fs := f.ScanWith(s, ScanOptions{Lang: "es", UnknownNames: true})
		if d := time.Since(t0); d > 3*time.Second {
			t.Errorf("%s: scan %v for %d bytes", name, d, len(s))
		}
		checkFindings(t, s, fs)
	}
}

// TestCueWordsInTheLexicon: the words the cues make benign are found on
// their own, without a cue beside them (a police commissioner, a refuge,
// a consultation room, the court in French), in their other senses too.
func TestCueWordsInTheLexicon(t *testing.T) {
	checkClass(t, []classCase{
		{"fr", "le commissaire a une série de questions pour toi", []string{"commissaire"}, nil},
		{"fr", "le commissaire t'attend devant le musée", []string{"commissaire"}, nil},
		{"fr", "le commissaire de la galerie marchande t'attend", []string{"commissaire"}, nil},
		{"fr", "la cour a fixé l'audience, la crèche garde ton fils", []string{"cour"}, nil},
		{"fr", "la cour veut un certificat de l'école", []string{"cour"}, nil},
		{"ro", "comisarul are o serie de intrebari pentru tine", []string{"comisarul"}, nil},
		{"ro", "comisarul vrea sa vorbeasca despre un episod de sambata", []string{"comisarul"}, nil},
		{"ro", "comisarul te asteapta langa muzeu la 10", []string{"comisarul"}, nil},
		{"ro", "refugiul e la munte, el nu stie unde", []string{"refugiul"}, nil},
		{"it", "il rifugio è in montagna, lui non lo conosce", []string{"rifugio"}, nil},
		{"ca", "tens consultori amb el programa d'acollida", []string{"consultori"}, nil},
	})
}
