package templates

import "testing"

// The classes the sixth blind set, once spent, showed over-stripped or
// missed: one table per class, every language, in sentences that are not
// in the corpus, with the everyday near-misses that must stay.

// The sender presents herself by a verb at the start of the text, with or
// without a greeting; a known first name after a comma that ends the text
// signs it; an emoji ends a sentence, and "I" begins no name.
func TestRound7SenderNames(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "Soy Lucia, hoy estoy de guardia. Escribe si hace falta", nil, []string{"Soy Lucia"}},
		{"ca", "Soc la Neus, de torn aquest cap de setmana", nil, []string{"Soc la Neus"}},
		{"it", "Sono Paola, ti chiamo domani verso le 5?", nil, []string{"Sono Paola"}},
		{"fr", "Je suis Camille, je t'appelle demain matin", nil, []string{"Je suis Camille"}},
		{"fr", "Bonsoir, ici Julie, je suis de permanence ce soir", nil, []string{"ici Julie"}},
		{"pt", "Sou a Rita, ligo-te amanhã de manhã", nil, []string{"Sou a Rita"}},
		{"pt", "Fala a Catarina, amanhã às 10 está bem?", nil, []string{"Fala a Catarina"}},
		{"ro", "Sunt Ioana, te sun maine dimineata", nil, []string{"Sunt Ioana"}},
		{"en", "Morning, it's Kerry, running 10 min late", nil, []string{"it's Kerry"}},
		{"en", "Perfect, see you on Thurs, Natasha", nil, []string{"Natasha"}},
		{"pt", "Combinado! Até quinta, Rita", nil, []string{"Rita"}},
		{"ro", "Ok, pe joi, Ioana", nil, []string{"Ioana"}},
		{"it", "Stasera sono reperibile io, Paola. Scrivimi pure", nil, []string{"io, Paola"}},
		{"es", "Perfecto 🎉 Te escribo mañana", nil, []string{"Te escribo"}},
		{"en", "Sorry I missed your call, ring you at 5", nil, []string{"Sorry I missed"}},
		// An organisation is still a name, signing or not.
		{"es", "Un abrazo 😊 Cepaim", []string{"Cepaim"}, nil},
		{"en", "Hi it's Maria from Kalayaan, call me back", []string{"Kalayaan"}, []string{"it's Maria"}},
	})
}

// Everyday words that looked like sensitive ones: urgent, a place came
// free, on duty, a kindergarten, an appointment abbreviated, a school
// class, a language diploma, the exit of a station.
func TestRound7EverydayLookAlikes(t *testing.T) {
	checkClass(t, []classCase{
		{"fr", "En cas d'urgence appelle-moi, sinon à demain", nil, []string{"En cas d'urgence"}},
		{"ro", "Daca e ceva urgent scrie-mi, altfel ne vedem joi", nil, []string{"urgent"}},
		{"ro", "S-a eliberat o ora la cursul de engleza", nil, []string{"S-a eliberat"}},
		{"ro", "Sunt de garda sambata, scrie-mi", nil, []string{"de garda"}},
		{"it", "Domani porto il bimbo all'asilo e poi ci vediamo", nil, []string{"all'asilo"}},
		{"fr", "RDV jeudi 14h au métro, et ta fille entre en CP lundi", nil, []string{"RDV jeudi", "en CP"}},
		{"fr", "Le DELF B1 c'est samedi, bon courage", nil, []string{"Le DELF B1"}},
		{"ca", "Ens veiem a la sortida Aribau del metro", nil, []string{"sortida Aribau"}},
		{"es", "Quedamos en la salida Gran Vía del metro", nil, []string{"salida Gran Vía"}},
		{"pt", "apanha o metro até Alameda e eu espero", nil, []string{"metro até Alameda"}},
		{"ro", "ia metroul pana la Piata Victoriei si suna-ma", nil, []string{"metroul pana la Piata Victoriei"}},
		// The emergency department and asylum are still what they are.
		{"fr", "Va aux urgences si ça continue", []string{"urgences"}, nil},
		{"it", "La richiesta d'asilo va fatta in questura", []string{"richiesta d'asilo", "questura"}, nil},
		{"es", "Mañana vamos a pedir asilo", []string{"asilo"}, nil},
	})
}

// A finding takes the noun it is the complement of: a dose, a check-up, a
// date, an address, a number, a meeting, a card, a pill, a file; in
// English the head after it; a medicine the verb for taking it. The
// appointment itself and a place stay.
func TestRound7Heads(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "Te han subido la dosis de la metadona?", []string{"la dosis de la metadona"}, nil},
		{"ca", "Et passo l'adreça de la fundació demà", []string{"l'adreça de la fundació"}, nil},
		{"it", "Ti mando il numero del consultorio stasera", []string{"il numero del consultorio"}, nil},
		{"fr", "La date du procès est fixée, on en parle jeudi", []string{"La date du procès"}, []string{"on en parle jeudi"}},
		{"pt", "Já tens o cartão do centro de saúde?", []string{"cartão do centro de saúde"}, nil},
		{"ro", "Ai luat pastilele pentru anxietate azi?", []string{"pastilele pentru anxietate"}, nil},
		{"en", "We can fill in the asylum application on Monday", []string{"asylum application"}, []string{"on Monday"}},
		{"en", "Did you take the methadone this morning?", []string{"take the methadone"}, nil},
		{"en", "Bring the Oyster card and the BRP card", []string{"BRP card"}, []string{"Oyster card"}},
		{"ro", "Asistenta de la dispensar a sunat", []string{"Asistenta de la dispensar"}, nil},
		{"es", "mañana vas a empezar con la metadona", []string{"empezar con la metadona"}, []string{"mañana vas a"}},
		{"ca", "demà pots començar el tractament al CAS", []string{"començar el tractament"}, []string{"demà pots"}},
		{"ro", "Medicul de la planificare a zis ca e bine", []string{"Medicul de la planificare"}, nil},
		// The appointment and a place keep their words.
		{"es", "La cita de la ginecóloga es el martes", []string{"ginecóloga"}, []string{"La cita de la"}},
		{"es", "Te espero en la puerta del CAD a las 10", []string{"CAD"}, []string{"en la puerta"}},
	})
}

// A service's phone number and e-mail address take the words that say
// whose they are; the sender's own number keeps them.
func TestRound7ContactIntro(t *testing.T) {
	checkClass(t, []classCase{
		{"en", "Office number is 020 7946 0000 if mine is off", []string{"Office number is 020 7946 0000"}, []string{"if mine is off"}},
		{"es", "el teléfono de la oficina: 912 345 678", []string{"teléfono de la oficina: 912 345 678"}, nil},
		{"fr", "la ligne d'écoute 01 45 00 00 00, gratuite", []string{"ligne d'écoute 01 45 00 00 00"}, nil},
		{"ro", "numarul biroului: 021 300 00 00", []string{"numarul biroului: 021 300 00 00"}, nil},
		{"en", "or email the project on info@example.org", []string{"the project on info@example.org"}, []string{"or email"}},
		{"it", "scrivi alla squadra su info@example.org", []string{"alla squadra su info@example.org"}, []string{"scrivi"}},
		// The sender's own number: her words stay.
		{"es", "apunta mi número nuevo: 612 345 678", []string{"612 345 678"}, []string{"apunta mi número nuevo"}},
		{"pt", "guarda o meu numero novo: 912 345 678", []string{"912 345 678"}, []string{"guarda o meu numero novo"}},
		// An emergency number with the verb for calling it.
		{"fr", "si ça recommence tu fais le 17", []string{"fais le 17"}, nil},
		{"ro", "daca vine suni la 112", []string{"suni la 112"}, nil},
	})
}

// The clauses of the classes: money asked of her, people asking about her
// or at her family's door, where she was and where she is now, seeing him,
// evidence without facing him, the night staff, a move to another place.
func TestRound7Clauses(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "Si te piden el dinero otra vez, avísame", []string{"te piden el dinero otra vez"}, []string{"avísame"}},
		{"it", "Se ti chiedono i soldi non rispondere", []string{"ti chiedono i soldi"}, nil},
		{"pt", "Se te pedem dinheiro, diz-me", []string{"te pedem dinheiro"}, []string{"diz-me"}},
		{"ca", "Un home ha preguntat per tu a la botiga", []string{"ha preguntat per tu"}, nil},
		{"ro", "Cineva a intrebat de tine la magazin", []string{"a intrebat de tine"}, nil},
		{"en", "Two men were asking about you at the shop", []string{"asking about you"}, nil},
		{"es", "El hombre del bar donde trabajabas te busca", []string{"El hombre del bar donde trabajabas"}, nil},
		{"fr", "La femme qui était avec toi à Lyon a appelé", []string{"qui était avec toi"}, nil},
		{"en", "Does he know which town you're in? Tell me", []string{"which town you're in"}, []string{"Tell me"}},
		{"it", "Se lo vedi vicino a casa chiama subito", []string{"Se lo vedi vicino a casa"}, nil},
		{"pt", "Se o vires perto da escola liga-me", []string{"Se o vires perto da escola"}, nil},
		{"fr", "Au procès tu ne seras pas face à lui", []string{"face à lui"}, nil},
		{"ro", "avizeaza asistenta de noapte daca intarzii", []string{"asistenta de noapte"}, nil},
		{"en", "We'll move you to another house this week", []string{"move you to another house"}, nil},
		{"en", "The gangmaster called your brother again", []string{"gangmaster"}, nil},
		// Who told staff is not the clause: "Mi sorella dice che ...".
		{"pt", "A tua irmã disse que a senhora diz que lhe deves a viagem", []string{"a senhora diz que lhe deves a viagem"}, []string{"A tua irmã disse que"}},
		{"es", "tu prima dice q el señor dice q le debes el viaje", []string{"q le debes el viaje"}, []string{"tu prima dice"}},
		// "ni un euro" is not even one, in the clause; "nor" ends it.
		{"es", "no le debes ni un euro a nadie", []string{"no le debes ni un euro"}, nil},
		{"ca", "el mòbil no el deixis a ningú ni el portis al pis on vivies", []string{"al pis on vivies"}, []string{"no el deixis a ningú"}},
	})
}

// Sexual-health tests, pregnancy records, nightmares, emergency
// contraception; the floor of an address.
func TestRound7HealthAndAddress(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "las pruebas de transmisión sexual son el lunes", []string{"transmisión sexual"}, []string{"el lunes"}},
		{"it", "il test è gratuito e anonimo, ci andiamo insieme", []string{"gratuito e anonimo"}, []string{"ci andiamo insieme"}},
		{"fr", "n'oublie pas ton carnet de grossesse jeudi", []string{"carnet de grossesse"}, []string{"jeudi"}},
		{"ro", "ia carnetul de gravida cu tine", []string{"carnetul de gravida"}, nil},
		{"pt", "ainda tens pesadelos? falamos na sexta", []string{"pesadelos"}, []string{"falamos na sexta"}},
		{"ca", "la pastilla del dia després s'ha de prendre avui", []string{"pastilla del dia després"}, nil},
		{"fr", "on se voit au 8 rue Custine, 2e étage", []string{"8 rue Custine, 2e étage"}, nil},
		{"en", "it's 14 Kingsley Road, 1st floor", []string{"14 Kingsley Road, 1st floor"}, nil},
	})
}

// The health card in every language; a check-up beside a health
// finding; the town of the place she was kept.
func TestRound7CardsCheckupsPlaces(t *testing.T) {
	checkClass(t, []classCase{
		{"ca", "porta la targeta sanitaria dimarts", []string{"targeta sanitaria"}, []string{"dimarts"}},
		{"pt", "leva o cartão de utente na 3ª", []string{"cartão de utente"}, nil},
		{"fr", "n'oublie pas ta carte vitale", []string{"carte vitale"}, nil},
		{"ro", "ia cardul de sanatate cu tine", []string{"cardul de sanatate"}, nil},
		{"es", "la revisión en el CAD es el jueves", []string{"revisión", "CAD"}, []string{"el jueves"}},
		{"ca", "la revisió del cotxe és dilluns", nil, []string{"la revisió del cotxe"}},
		{"es", "la señora del piso de Alcorcón te llamó", []string{"la señora del piso de Alcorcón"}, nil},
		{"pt", "o dono do bar de Setúbal ligou", []string{"o dono do bar de Setúbal"}, nil},
	})
}

// The procedures of labour cases and after, in every language: the labour
// inspectorate, victim status, compensation, voluntary return, the
// statutory defence; a summons, a statement or a file beside another
// legal finding.
func TestRound7LabourAndAfter(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "la inspección de trabajo fue a la finca", []string{"inspección de trabajo"}, nil},
		{"it", "l'ispettorato del lavoro ha fatto il verbale", []string{"ispettorato del lavoro"}, nil},
		{"fr", "l'inspection du travail a tout vu", []string{"inspection du travail"}, nil},
		{"ro", "a venit decizia pentru statutul de victima", []string{"statutul de victima"}, nil},
		{"pt", "os papéis para o regresso voluntário estão prontos", []string{"regresso voluntário"}, nil},
		{"en", "the section 45 defence may apply", []string{"section 45 defence"}, nil},
		{"en", "your victim status letter came", []string{"victim status"}, nil},
		{"fr", "L'OFPRA t'a convoquée mardi", []string{"OFPRA", "convoquée"}, []string{"mardi"}},
		{"it", "il fascicolo è in procura", []string{"fascicolo", "procura"}, nil},
		{"ro", "Linkul pentru cererea de permis de sedere", []string{"cererea de permis de sedere"}, []string{"Linkul"}},
		// A summons alone, a file alone: everyday.
		{"fr", "j'ai été convoquée à l'école de ma fille", nil, []string{"convoquée"}},
		{"it", "ti mando il fascicolo del corso", nil, []string{"fascicolo"}},
	})
}

// A link presented as a programme's takes the words that present it; a
// link alone, or "all the info here", keeps them.
func TestRound7ProgrammeLinks(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "Info del proyecto aquí: www.example.org/mujeres", []string{"Info del proyecto aquí: www.example.org/mujeres"}, nil},
		{"ro", "Informatii despre program: www.example.ro", []string{"Informatii despre program: www.example.ro"}, nil},
		{"it", "Informazioni sul progetto: www.example.it", []string{"Informazioni sul progetto: www.example.it"}, nil},
		{"ca", "Tota la info aquí: www.example.cat", []string{"www.example.cat"}, []string{"Tota la info aquí"}},
		{"en", "the cinema times: www.example.co.uk", []string{"www.example.co.uk"}, []string{"the cinema times"}},
		{"it", "domani viene per il reddito di inclusione", []string{"reddito di inclusione"}, []string{"domani viene"}},
	})
}

// A health finding takes the words up to a deadline after it; a time
// without a word for "until" or "within" stays.
func TestRound7Deadlines(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "la IVE se puede hacer hasta las 14 semanas, tú decides", []string{"IVE se puede hacer hasta las 14 semanas"}, []string{"tú decides"}},
		{"fr", "la pilule du lendemain c'est jusqu'à 72h, je viens avec toi", []string{"pilule du lendemain c'est jusqu'à 72h"}, []string{"je viens avec toi"}},
		{"en", "the morning after pill works within 5 days", []string{"morning after pill works within 5 days"}, nil},
		{"ro", "intreruperea de sarcina se face pana la 14 saptamani", []string{"intreruperea de sarcina se face pana la 14 saptamani"}, nil},
		{"es", "el ginecólogo en 2 semanas, vale?", []string{"ginecólogo"}, []string{"en 2 semanas"}},
		{"it", "la psicologa ti vede tra 2 settimane", []string{"psicologa"}, []string{"tra 2 settimane"}},
	})
}
