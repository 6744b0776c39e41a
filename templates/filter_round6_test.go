package templates

import "testing"

// The classes of round 6 (what the spent blind set heldout5, now the
// tuning part tune11, over-stripped or missed), one table per class,
// every language, in sentences that are not in the corpus.

// Days abbreviated are no names, with or without a dot; the ambiguous
// ones ("Mar", "Sam", "Dom", "Gio", "Vin") only beside a time, a date or
// another day.
func TestRound6DayAbbreviations(t *testing.T) {
	checkClass(t, []classCase{
		{"en", "ok see u Weds at the library, or Thurs. if not", nil, []string{"Weds", "Thurs"}},
		{"en", "the GP can fit u in Fri 9am, meet at Costa before", []string{"GP"}, []string{"Fri 9am"}},
		{"en", "Lunch Mon? I'm free", nil, []string{"Lunch Mon?"}},
		{"en", "the drop-in at Ilford Lane Tue night is quiet", []string{"Ilford Lane"}, []string{"Tue night"}},
		{"es", "nos vemos el Jue a las 10 o el Vie, como quieras", nil, []string{"Jue", "Vie"}},
		{"es", "quedamos Mar a las 11 en la plaza", nil, []string{"Mar a las 11"}},
		{"es", "pregunta a Mar si viene, ella sabe", []string{"Mar"}, nil},
		{"ca", "ens veiem Dj a les 10 o Dv. a la tarda", nil, []string{"Dj", "Dv."}},
		{"it", "ci vediamo Gio alle 10 oppure Ven pomeriggio", nil, []string{"Gio alle 10", "Ven"}},
		{"it", "ha chiamato Gio, ti saluta", []string{"Gio"}, nil},
		{"fr", "on se voit Jeu. 14h ou Sam à 15h ?", nil, []string{"Jeu. 14h", "Sam à 15h"}},
		{"fr", "j'ai parlé avec Sam hier", []string{"Sam"}, nil},
		{"pt", "encontramo-nos Qui as 10h ou Sex 11h", nil, []string{"Qui", "Sex 11h"}},
		{"ro", "ne vedem Joi la 10 sau Vin la 12", nil, []string{"Joi la 10", "Vin la 12"}},
		{"ro", "ne vedem Mie dupa-amiaza", nil, []string{"Mie"}},
	})
}

// A name after a sign-off at the end of the text is the signature, also
// after an abbreviated sign-off or before kisses; a name after a symbol
// or a smiley that ends the text is one too.
func TestRound6Signatures(t *testing.T) {
	checkClass(t, []classCase{
		{"en", "see u at the library at 3. Take care, Joy x", nil, []string{"Take care, Joy x"}},
		{"en", "bring the forms on Friday 😊 Hannah", nil, []string{"Hannah"}},
		{"es", "el sabado a las 12 en la plaza. Bss Lucia", nil, []string{"Bss Lucia"}},
		{"ca", "dijous a les 10 al metro. Petons, Laia", nil, []string{"Petons, Laia"}},
		{"it", "ci vediamo giovedi alle 10 :) Serena", nil, []string{"Serena"}},
		{"fr", "rdv jeudi 10h au metro. Bises, Rose", nil, []string{"Bises, Rose"}},
		{"pt", "ate quinta as 10h no metro. Bjs, Ines", nil, []string{"Bjs, Ines"}},
		{"ro", "ne vedem joi la 10 la metrou. Te pup, Ioana", nil, []string{"Te pup, Ioana"}},
		// Not at the end: a name in the text is still a name.
		{"es", "bss a Kalayaan de mi parte y nos vemos", []string{"Kalayaan"}, nil},
	})
}

// The contact to ask for, a colleague who said something and whose
// number this is: a single first name, not the service after it.
func TestRound6PersonCues(t *testing.T) {
	checkClass(t, []classCase{
		{"en", "ring 020 7946 0000 and ask for Kim at Hackney Refuge Project", []string{"020 7946 0000", "Hackney Refuge Project"}, []string{"ask for Kim"}},
		{"en", "Here's Lou from Kalayaan on 07700 900 111", []string{"Kalayaan", "07700 900 111"}, []string{"Here's Lou"}},
		{"es", "llama al 912 345 678 y pregunta por Rocio", []string{"912 345 678"}, []string{"pregunta por Rocio"}},
		{"es", "Me dice Lola q no fuiste, todo bien?", nil, []string{"Me dice Lola"}},
		{"es", "te dejo el num de Rocio de Fundacion Amaranta 611 222 333", []string{"Fundacion Amaranta", "611 222 333"}, []string{"el num de Rocio"}},
		{"es", "pregunta por Fundacion Amaranta en recepcion", []string{"Fundacion Amaranta"}, nil},
		{"es", "te paso el num de Kalayaan", []string{"Kalayaan"}, nil},
		{"ca", "truca al 933 111 222 i pregunta per la Montse", []string{"933 111 222"}, []string{"pregunta per la Montse"}},
		{"ca", "Em diu la Nuria q ahir no hi vas anar", nil, []string{"Em diu la Nuria"}},
		{"it", "chiama lo 011 123 4567 e chiedi di Chiara", []string{"011 123 4567"}, []string{"chiedi di Chiara"}},
		{"it", "ti lascio il cell di Chiara di Differenza Donna 333 111 2222", []string{"Differenza Donna", "333 111 2222"}, []string{"il cell di Chiara"}},
		{"fr", "appelle le 01 23 45 67 89 et demande Claire", []string{"01 23 45 67 89"}, []string{"demande Claire"}},
		{"pt", "liga para o 213 456 789 e pergunta pela Joana", []string{"213 456 789"}, []string{"pergunta pela Joana"}},
		{"pt", "A Joana disse-me que ja tens a carta", nil, []string{"A Joana disse-me"}},
		{"ro", "suna la 021 123 45 67 si intreaba de dna Popa", []string{"021 123 45 67"}, []string{"intreaba de dna Popa"}},
		{"ro", "Mi-a zis Ana ca nu ai ajuns, e totul ok?", nil, []string{"Mi-a zis Ana"}},
	})
}
