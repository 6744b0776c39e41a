package templates

import (
	"strings"
	"testing"
)

// The classes of round 4 (what the spent blind set heldout3, now the
// tuning part tune9, missed), one table per class, every language, in
// sentences that are not in the corpus: gone must be wholly covered by
// findings, stay must not be touched.

type classCase struct {
	lang, text string
	gone, stay []string
}

func checkClass(t *testing.T, cases []classCase) {
	t.Helper()
	f := mustFilter(t)
	for _, c := range cases {
		fs := f.ScanWith(c.text, ScanOptions{Lang: c.lang, UnknownNames: true})
		covered := make([]bool, len(c.text))
		for _, x := range fs {
			for i := x.Start; i < x.End; i++ {
				covered[i] = true
			}
		}
		var got []string
		for _, x := range fs {
			got = append(got, string(x.Category)+":"+x.Match)
		}
		for _, g := range c.gone {
			i := strings.Index(c.text, g)
			if i < 0 {
				t.Fatalf("%s: %q not in %q", c.lang, g, c.text)
			}
			for k := i; k < i+len(g); k++ {
				if !covered[k] && c.text[k] != ' ' {
					t.Errorf("%s: %q: %q is left (findings %q)", c.lang, c.text, g, got)
					break
				}
			}
		}
		for _, s := range c.stay {
			i := strings.Index(c.text, s)
			if i < 0 {
				t.Fatalf("%s: %q not in %q", c.lang, s, c.text)
			}
			for k := i; k < i+len(s); k++ {
				if covered[k] {
					t.Errorf("%s: %q: %q is touched (findings %q)", c.lang, c.text, s, got)
					break
				}
			}
		}
	}
}

// A relative clause in everyday words takes the person it describes and
// the place she was brought to, and leaves what the sentence goes on to
// say.
func TestClassWhoClause(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "la señora que te trajo aquí ya no puede llamarte, tranquila", []string{"la señora que te trajo aquí"}, []string{"ya no puede llamarte", "tranquila"}},
		{"es", "el tipo que te guardaba el pasaporte está detenido", []string{"el tipo que te guardaba el pasaporte"}, nil},
		{"ca", "la dona que et va portar a Espanya ja no et pot trucar", []string{"la dona que et va portar a Espanya"}, []string{"ja no et pot trucar"}},
		{"it", "la signora che ti ha portato qui non può più chiamarti", []string{"la signora che ti ha portato qui"}, []string{"non può più chiamarti"}},
		{"it", "l'uomo che ti teneva il passaporto è stato fermato", []string{"uomo che ti teneva il passaporto"}, nil},
		{"fr", "la femme qui t'a fait venir en Espagne ne sait pas où tu es", []string{"la femme qui t'a fait venir en Espagne"}, []string{"ne sait pas où tu es"}},
		{"pt", "a senhora que te trouxe para ca ja nao te pode ligar", []string{"a senhora que te trouxe"}, []string{"ja nao te pode ligar"}},
		{"ro", "femeia care te-a adus aici nu mai are numarul tau", []string{"femeia care te-a adus aici"}, []string{"nu mai are numarul tau"}},
		{"en", "the woman who kept your wages cant ring u now", []string{"the woman who kept your wages"}, []string{"cant ring u now"}},
		{"en", "the oath they made you swear back home means nothing here", []string{"the oath they made you swear"}, nil},
		{"fr", "la femme qui te surveillait a quitté la ville", []string{"la femme qui te surveillait"}, []string{"a quitté la ville"}},
		{"ro", "omul care te controla a plecat din oras", []string{"omul care te controla"}, []string{"a plecat din oras"}},
		{"en", "the man who had your passport is gone", []string{"the man who had your passport"}, []string{"is gone"}},
		{"it", "quello che ti teneva i soldi e il passaporto è lontano", []string{"quello che ti teneva i soldi e il passaporto"}, []string{"è lontano"}},
		{"en", "tues u see the gynae at the Royal London at 10", []string{"gynae", "Royal London"}, []string{"at 10"}},
		{"es", "el que te quitaba los papeles cuando llegaste ya no está", []string{"el que te quitaba los papeles cuando llegaste"}, []string{"ya no está"}},
		{"en", "the woman who took your passport when u got here is in court", []string{"the woman who took your passport when u got here"}, nil},
	})
}

// The trip as a debt "they say you owe", "made you do", the street as
// work.
func TestClassDebtAndStreet(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "lo que dicen que debes del viaje no es real", []string{"dicen que debes del viaje"}, nil},
		{"ca", "el que diuen que deus no existeix, d'acord?", []string{"diuen que deus"}, []string{"d'acord?"}},
		{"it", "quello che dicono che devi per il biglietto non esiste", []string{"dicono che devi per il biglietto"}, nil},
		{"fr", "ce qu'ils disent que tu dois pour le billet, oublie", []string{"disent que tu dois pour le billet"}, []string{"oublie"}},
		{"pt", "o que dizem que deves da viagem nao e divida tua", []string{"dizem que deves da viagem"}, nil},
		{"ro", "ce zic ca datorezi pentru drum nu e datoria ta", []string{"zic ca datorezi pentru drum"}, nil},
		{"en", "what they say u owe for the ticket isnt real", []string{"say u owe for the ticket"}, nil},
		{"pt", "a rua acabou, agora tens casa", []string{"a rua acabou"}, []string{"agora tens casa"}},
		{"ro", "s-a terminat cu strada, acum ai casa", []string{"s-a terminat cu strada"}, []string{"acum ai casa"}},
		{"en", "no more working the street, u have a room now", []string{"working the street"}, []string{"u have a room now"}},
		{"fr", "fini le trottoir, tu as une chambre maintenant", []string{"fini le trottoir"}, []string{"tu as une chambre maintenant"}},
	})
}

// Health by topic and by role: addiction, pregnancy care, her medicines,
// the family doctor.
func TestClassHealthByRole(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "el martes tienes cita con el medico de familia", []string{"medico de familia"}, []string{"el martes"}},
		{"es", "vamos juntas al CAD por lo de la bebida", []string{"lo de la bebida"}, nil},
		{"ca", "dijous tens hora amb el metge de capçalera", []string{"metge de capçalera"}, []string{"dijous"}},
		{"it", "domani hai il controllo della gravidanza alle 10", []string{"controllo della gravidanza"}, []string{"alle 10"}},
		{"it", "giovedi vai dal medico di base", []string{"medico di base"}, []string{"giovedi"}},
		{"fr", "jeudi rdv chez le medecin traitant pour la grossesse", []string{"medecin traitant", "la grossesse"}, []string{"jeudi"}},
		{"pt", "amanha tens o medico de familia no centro de saude", []string{"medico de familia", "centro de saude"}, []string{"amanha"}},
		{"ro", "maine mergem la medicul de familie pentru bautura", []string{"medicul de familie", "pentru bautura"}, []string{"maine"}},
		{"en", "did u take ur meds? the health visitor comes thurs", []string{"ur meds", "health visitor"}, nil},
	})
}

// Family and juvenile courts, custody and contact, the register, fees,
// basic-income schemes tied to her case, the Garda station.
func TestClassFamilyCourtsAndSchemes(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "el lunes es lo del juzgado de familia, luego el empadronamiento", []string{"juzgado de familia", "empadronamiento"}, []string{"el lunes"}},
		{"es", "te ayudo con el ingreso minimo vital el viernes", []string{"ingreso minimo vital"}, []string{"el viernes"}},
		{"ca", "dimarts vas al jutjat de menors amb l'advocada del torn", []string{"jutjat de menors", "advocada del torn"}, []string{"dimarts"}},
		{"it", "venerdi c'e il tribunale per i minorenni per l'affidamento", []string{"tribunale per i minorenni", "affidamento"}, []string{"venerdi"}},
		{"fr", "mardi le juge des enfants, pense au timbre fiscal", []string{"juge des enfants", "timbre fiscal"}, []string{"mardi"}},
		{"pt", "quarta vamos ao tribunal de familia e menores", []string{"tribunal de familia e menores"}, []string{"quarta"}},
		{"ro", "joi ai termen la tribunalul pentru minori pentru custodia", []string{"tribunalul pentru minori", "custodia"}, []string{"joi"}},
		{"en", "the family court moved the contact hearing, the UC claim is fine", []string{"family court", "contact hearing", "UC claim"}, nil},
		{"en", "the Garda station on Pearse St rang, its adjourned", []string{"Garda station", "adjourned"}, nil},
	})
}

// Night shelters and emergency reception, by their generic names.
func TestClassShelters(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "esta noche hay cama en el albergue nocturno", []string{"albergue nocturno"}, []string{"esta noche"}},
		{"ca", "aquesta nit hi ha llit a l'alberg nocturn", []string{"alberg nocturn"}, []string{"aquesta nit"}},
		{"it", "stasera c'e posto all'asilo notturno", []string{"asilo notturno"}, []string{"stasera"}},
		{"fr", "ce soir il y a une place en hebergement d'urgence", []string{"hebergement d'urgence"}, []string{"ce soir"}},
		{"pt", "hoje ha cama no albergue noturno", []string{"albergue noturno"}, []string{"hoje"}},
		{"ro", "diseara ai loc la adapost de noapte", []string{"adapost de noapte"}, []string{"diseara"}},
		{"en", "theres a bed at the night shelter tonight", []string{"night shelter"}, []string{"tonight"}},
	})
}

// A word that is sensitive alone is everyday beside a cue of its
// everyday sense, and the name that completes such a phrase is a place.
func TestClassBenignCues(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "la clinica de bicicletas abre el sabado", nil, []string{"clinica"}},
		{"ca", "el refugi de muntanya es a dues hores", nil, []string{"refugi"}},
		{"it", "il rifugio alpino e aperto, facciamo l'escursione domenica", nil, []string{"rifugio"}},
		{"fr", "la clinique vélo du quartier répare les freins", nil, []string{"clinique"}},
		{"pt", "a letra Police no cartaz ficou bonita", nil, []string{"Police"}},
		{"ro", "fontul Police e prea mare pe afis", nil, []string{"Police"}},
		{"en", "use the Police font for the flyer", nil, []string{"Police"}},
		{"es", "la comisaria de la exposicion nos recibe el jueves", nil, []string{"comisaria"}},
		{"ca", "la comissària de l'exposició del Raval ens espera", nil, []string{"comissària", "Raval"}},
		{"es", "el tribunal del examen de conducir publica las notas", nil, []string{"tribunal"}},
		{"it", "stasera c'e l'ispettore Coliandro su Rai2", nil, []string{"ispettore Coliandro", "Rai2"}},
		{"en", "Inspector Morse is on ITV tonight", nil, []string{"Inspector Morse", "ITV"}},
		{"fr", "je t'attends dans la cour de l'école à 16h", nil, []string{"cour"}},
		{"pt", "ouvi o consultorio da radio ontem", nil, []string{"consultorio"}},
		{"en", "the asylum interview is on 12 Feb at 10", []string{"asylum interview"}, []string{"12 Feb"}},
		{"pt", "espero-te no abrigo da paragem do autocarro", nil, []string{"abrigo"}},
		{"ro", "te astept la adapostul din statia de autobuz", nil, []string{"adapostul"}},
		{"en", "Im at the bus shelter on the corner", nil, []string{"shelter"}},
		// a place's preposition is no link: "the shelter by the bus
		// station" may be hers
		{"en", "Im at the shelter by the bus stop", []string{"shelter"}, nil},
		// without the cue, or not as the first word, it is still found
		{"pt", "a casa de abrigo fica perto da paragem", []string{"casa de abrigo"}, nil},
		{"en", "the women's refuge is near the hiking trail", []string{"women's refuge"}, nil},
		{"es", "la clinica te espera el martes", []string{"clinica"}, nil},
		{"en", "the police rang me about u", []string{"police"}, nil},
		{"fr", "le refuge a une place pour toi", []string{"refuge"}, nil},
	})
}

// A removed acronym takes its article and the preposition before it; a
// reassurance and "if" end a debt clause.
func TestClassAcronymPrepAndClauseStops(t *testing.T) {
	checkClass(t, []classCase{
		{"ca", "la visita amb l'ONG es dijous", []string{"amb l'ONG"}, []string{"dijous"}},
		{"fr", "pour l'OQTF on fait le recours", []string{"pour l'OQTF"}, nil},
		{"it", "ti chiamano per il RdC domani", []string{"per il RdC"}, []string{"domani"}},
		{"es", "no te preocupes por la deuda con ella", []string{"la deuda"}, []string{"no te preocupes"}},
		{"ca", "no et preocupis pel deute", []string{"deute"}, []string{"no et preocupis"}},
		{"en", "dont worry about the debt to her", []string{"debt"}, []string{"dont worry"}},
		{"it", "non preoccuparti del debito con lei", []string{"debito"}, []string{"non preoccuparti"}},
		{"fr", "ne t'inquiète pas pour la dette", []string{"la dette"}, []string{"ne t'inquiète"}},
		{"pt", "nao te preocupes com a divida", []string{"divida"}, []string{"nao te preocupes"}},
		{"ro", "nu-ti face griji de datorie", []string{"datorie"}, []string{"nu-ti face griji"}},
		{"es", "la deuda no es tuya si te llaman cuelga", []string{"la deuda no es tuya"}, []string{"te llaman cuelga"}},
	})
}

// A city that names a service's branch goes with it; a city alone stays.
func TestClassCityService(t *testing.T) {
	checkClass(t, []classCase{
		{"en", "Dublin Rape Crisis Centre will ring u", []string{"Dublin Rape Crisis Centre"}, nil},
		{"en", "we meet in Dublin on friday", nil, []string{"Dublin"}},
		{"es", "mañana vamos a Madrid, la Policía no sabe nada", nil, []string{"Madrid"}},
	})
}
