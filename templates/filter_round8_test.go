package templates

import "testing"

// The classes the seventh blind set, once spent, showed over-stripped or
// missed: one table per class, every language, in sentences that are not
// in the corpus, with the everyday near-misses that must stay.

// A caller's number takes the verb for calling her and its "from"; a
// team's, a workplace's or an appointment line's number the words that
// say whose it is. The sender's own new number keeps its words, and a
// number she is to call keeps its verb (a hotline's aside).
func TestRound8CallerNumbers(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "Te llamarán desde el 91 555 23 10, cógelo", []string{"llamarán desde el 91 555 23 10"}, []string{"cógelo"}},
		{"ca", "Et trucarà del 93 318 22 40 la setmana que ve", []string{"trucarà del 93 318 22 40"}, []string{"la setmana que ve"}},
		{"it", "Ti chiameranno dal 02 4455 8811 domani", []string{"chiameranno dal 02 4455 8811"}, []string{"domani"}},
		{"fr", "Elle t'appellera du 01 53 24 11 80 jeudi", []string{"appellera du 01 53 24 11 80"}, []string{"jeudi"}},
		{"pt", "Vão-te ligar do 213 456 789 amanhã", []string{"ligar do 213 456 789"}, []string{"amanhã"}},
		{"ro", "Te va suna de pe 021 318 44 02 maine", []string{"suna de pe 021 318 44 02"}, []string{"maine"}},
		{"en", "They'll ring you from 020 7946 0112 on Friday", []string{"ring you from 020 7946 0112"}, []string{"on Friday"}},
		{"pt", "Número novo da equipa: 917 220 481", []string{"Número novo da equipa: 917 220 481"}, nil},
		{"es", "Nuevo numero del equipo: 634 120 998", []string{"numero del equipo: 634 120 998"}, nil},
		{"en", "New work phone is 07700 900 461", []string{"work phone is 07700 900 461"}, nil},
		{"ca", "Cita: 93 551 70 20, de 9 a 14", []string{"Cita: 93 551 70 20"}, []string{"de 9 a 14"}},
		// The sender's own number, and a number she is to call.
		{"es", "Apunta mi numero nuevo: 611 23 45 67", []string{"611 23 45 67"}, []string{"Apunta mi numero nuevo"}},
		{"fr", "Garde mon nouveau numero: 06 12 34 56 78", []string{"06 12 34 56 78"}, []string{"Garde mon nouveau numero"}},
		{"ro", "Noul meu numar e 0722 123 456", []string{"0722 123 456"}, []string{"Noul meu numar e"}},
		{"ca", "Truca al 622 41 88 09 quan puguis", []string{"622 41 88 09"}, []string{"Truca al", "quan puguis"}},
		{"pt", "Se ele aparecer liga logo para o 112", []string{"112"}, []string{"liga logo"}},
	})
}

// Feasts in a greeting, banks and their accounts, a brand in mixed case,
// suburban trains, Underground lines and airports, the countries women
// come from: names that place nothing.
func TestRound8EverydayNames(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "Feliz Navidad! Y buena entrada de año", nil, []string{"Feliz Navidad!"}},
		{"ca", "Bona Pasqua a tu i a la nena!", nil, []string{"Bona Pasqua"}},
		{"it", "Buon Natale a te e ai bimbi!", nil, []string{"Buon Natale"}},
		{"fr", "Bon Ramadan a toi et a ta famille", nil, []string{"Bon Ramadan"}},
		{"pt", "Feliz Páscoa para ti e para o pequeno!", nil, []string{"Feliz Páscoa"}},
		{"ro", "Paște fericit! Ne vedem marti", nil, []string{"Paște fericit!"}},
		{"en", "Happy Eid to you and the kids!", nil, []string{"Happy Eid"}},
		{"es", "La tarjeta del Santander te llega el lunes", nil, []string{"Santander"}},
		{"pt", "A conta da Caixa Geral fica aberta amanha", nil, []string{"Caixa Geral"}},
		{"ro", "Cardul de la BRD vine luni", nil, []string{"BRD"}},
		{"en", "Your Monzo card arrives Tuesday", nil, []string{"Monzo"}},
		{"fr", "Le virement arrive sur ton Livret A", nil, []string{"Livret A"}},
		{"it", "Ricarica la Postepay in tabaccheria", nil, []string{"Postepay"}},
		{"ca", "Escriu-me per WhatsApp, no per SMS", nil, []string{"WhatsApp"}},
		{"es", "Hay huelga de Cercanías, ven en metro", nil, []string{"Cercanías"}},
		{"it", "Il volo parte da Fiumicino alle 7", nil, []string{"Fiumicino"}},
		{"pt", "A tua mãe no Nepal já recebeu a carta", nil, []string{"Nepal"}},
		{"en", "Sorry, the Jubilee line is down, there in 20", nil, []string{"the Jubilee line"}},
		// A service is still a name.
		{"es", "Te espera la abogada de APRAMP el martes", []string{"APRAMP"}, nil},
	})
}

// A word that is sensitive beside another finding is not made so by a
// name the lists do not know: a job interview at a firm. An acronym
// still is one (a service's).
func TestRound8ContextNotFromAName(t *testing.T) {
	checkClass(t, []classCase{
		{"fr", "Formation de vendeuse chez Decathlon Wagram: entretien le 3 a 10h", nil, []string{"entretien le 3"}},
		{"it", "Il colloquio per il corso da barista e il 7 alle 9 da Lavazza", nil, []string{"Il colloquio"}},
		{"ro", "Ai luat examenul de permis? Bravo!", nil, []string{"examenul de permis"}},
		{"es", "Mañana es el examen del carnet de conducir, suerte", nil, []string{"carnet de conducir"}},
		// A driving licence beside nothing says nothing; a residence
		// permit is still one.
		{"ca", "Ja tens el permis de residencia", []string{"permis de residencia"}, nil},
	})
}

// The sender's colleague by her first name after "my colleague" (before
// it in Romanian) is staff; someone else's colleague is not.
func TestRound8ColleagueNames(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "La semana que viene te escribe mi compañera Lucia", nil, []string{"mi compañera Lucia"}},
		{"fr", "Demain c'est ma collègue Julie qui vient", nil, []string{"ma collègue Julie"}},
		{"it", "Domani viene la mia collega Paola", nil, []string{"mia collega Paola"}},
		{"pt", "Amanhã vai a minha colega Rita contigo", nil, []string{"minha colega Rita"}},
		{"ro", "Maine vine colega mea Ioana", nil, []string{"colega mea Ioana"}},
		{"en", "My colleague Kate will text you tomorrow", nil, []string{"colleague Kate"}},
		{"en", "Take care, Becky x", nil, []string{"Becky"}},
		{"en", "The officer's colleague Dunmore will ring you", []string{"Dunmore"}, nil},
	})
}

// A street named without its number ends at a comma, unless its number,
// a block, a floor or a room follows: what comes after is a clause.
func TestRound8StreetEndsAtComma(t *testing.T) {
	checkClass(t, []classCase{
		{"it", "La scuola e in via Nizza, apre il 9 settembre", nil, []string{"apre il 9 settembre"}},
		{"fr", "Le cours est rue Pajol, ca commence le 5", nil, []string{"ca commence le 5"}},
		{"es", "Es en la calle Toledo, 41", []string{"calle Toledo, 41"}, nil},
		{"es", "el juzgado de Plaza de Castilla, sala 3", []string{"sala 3"}, nil},
		{"it", "Destiny va alla materna da lunedi", nil, []string{"alla materna"}},
	})
}

// Procedures, health and housing the earlier parts did not list, in
// every language: parole, an identity parade, the employment tribunal,
// sent to trial or a plea, the phone for women in grave danger;
// pregnancy diabetes, bruises, a women's group; social housing.
func TestRound8ProceduresHealthHousing(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "Ha salido en libertad condicional", []string{"libertad condicional"}, nil},
		{"ca", "Ha sortit en llibertat condicional", []string{"llibertat condicional"}, nil},
		{"it", "E uscito in libertà condizionale", []string{"libertà condizionale"}, nil},
		{"fr", "Il est sorti en liberté conditionnelle", []string{"liberté conditionnelle"}, nil},
		{"pt", "Saiu em liberdade condicional", []string{"liberdade condicional"}, nil},
		{"ro", "A primit liberare condiționată", []string{"liberare condiționată"}, nil},
		{"en", "He is out on licence since Monday", []string{"out on licence"}, nil},
		{"es", "La rueda de reconocimiento es el martes", []string{"rueda de reconocimiento"}, nil},
		{"fr", "Le tapissage est jeudi", []string{"tapissage"}, nil},
		{"en", "The employment tribunal wrote to you", []string{"employment tribunal"}, nil},
		{"it", "E stato rinviato a giudizio", []string{"rinviato a giudizio"}, nil},
		{"es", "Te hacen la prueba de la diabetes gestacional", []string{"diabetes gestacional"}, nil},
		{"it", "Hai ancora i lividi?", []string{"lividi"}, nil},
		{"en", "Are the bruises better?", []string{"bruises"}, nil},
		{"ca", "La sessio del grup de dones es dijous", []string{"grup de dones"}, nil},
		{"fr", "Ta demande de logement social est partie", []string{"logement social"}, nil},
		{"pt", "A candidatura à habitação social foi entregue", []string{"habitação social"}, nil},
		{"ro", "Am depus cererea de locuinta sociala", []string{"locuinta sociala"}, nil},
		{"en", "You're on the housing register now", []string{"housing register"}, nil},
	})
}
