package templates

import "testing"

// A street named like an abbreviated day keeps its numbered address.
func TestStreetNamedLikeADay(t *testing.T) {
	checkClass(t, []classCase{
		{"fr", "elle habite boulevard de la Mer 14, Nice", []string{"boulevard de la Mer 14"}, nil},
		{"fr", "rdv avenue de la Mer 12 à 10h", []string{"avenue de la Mer 12"}, nil},
		{"fr", "Chemin du Dim 3", []string{"Chemin du Dim 3"}, nil},
		{"es", "Calle Vie 5", []string{"Calle Vie 5"}, nil},
		{"ro", "str. Dum 4", []string{"str. Dum 4"}, nil},
		{"es", "nos vemos el Jue a las 10 o el Vie, como quieras", nil, []string{"Jue", "Vie"}},
	})
}

// A cue of a person's first name exempts a known first name only, never
// an organisation's word or a title a boss goes by.
func TestPersonCueNeedsFirstName(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "Pregunta por Cepaim en la entrada.", []string{"Cepaim"}, nil},
		{"es", "me dice Oga que sí", []string{"Oga"}, nil},
		{"es", "pregunta por Mama", []string{"Mama"}, nil},
		{"es", "el num de Mama de Lagos", []string{"Mama", "Lagos"}, nil},
		{"en", "ask for Mama at the door", []string{"Mama"}, nil},
		{"en", "ask for Medaille at reception", []string{"Medaille"}, nil},
		{"it", "chiedi di Lule", []string{"Lule"}, nil},
		{"fr", "demande Cepaim", []string{"Cepaim"}, nil},
		{"ro", "întreabă de Reaching", []string{"Reaching"}, nil},
		{"ro", "intreaba de dna Reaching", []string{"Reaching"}, nil},
		{"ro", "mi-a zis Reaching sa vii", []string{"Reaching"}, nil},
		{"es", "pregunta por Nieves en la entrada", nil, []string{"Nieves"}},
		{"es", "me dice Pilar que sí", nil, []string{"Pilar"}},
		{"en", "ask for Jo at reception", nil, []string{"Jo"}},
		{"fr", "demande Sylvie", nil, []string{"Sylvie"}},
		{"it", "chiedi di Paola", nil, []string{"Paola"}},
		{"pt", "pergunta pela Ana", nil, []string{"Ana"}},
		{"ro", "intreaba de dna Marin", nil, []string{"Marin"}},
		{"ro", "mi-a zis Ioana sa vii", nil, []string{"Ioana"}},
		{"ca", "em diu la Merce que vinguis", nil, []string{"Merce"}},
		{"pt", "A Rita disse-me que ja tens a carta", nil, []string{"Rita"}},
		{"ca", "pregunta per la Roser", nil, []string{"Roser"}},
	})
}

// A signature exempts a known first name only: an organisation can sign
// off too.
func TestSignatureNeedsFirstName(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "Besos 😊 Cepaim", []string{"Cepaim"}, nil},
		{"en", "Take care, Medaille x", []string{"Medaille"}, nil},
		{"en", "Love, Medaille", []string{"Medaille"}, nil},
		{"es", "Besos, Cepaim", []string{"Cepaim"}, nil},
		{"fr", "Bisous, Aftam", []string{"Aftam"}, nil},
		{"it", "Baci 😊 Lule", []string{"Lule"}, nil},
		{"en", "Take care, Grace x", nil, []string{"Grace"}},
		{"pt", "Bjs, Fatima", nil, []string{"Fatima"}},
		{"ca", "Petons, Carme", nil, []string{"Carme"}},
		{"fr", "Bises, Rose", nil, []string{"Rose"}},
	})
}

// An offer's clause ends before a time or a date, and everyday offers
// (an appointment, an outing) are no offer of a place.
func TestOfferLogistics(t *testing.T) {
	checkClass(t, []classCase{
		{"ro", "Vă pot primi mâine la ora 10 la sediu, aduceți buletinul.", nil, []string{"Vă pot primi mâine la ora 10 la sediu"}},
		{"en", "they can take you to the cinema on Sat and the kids too", nil, []string{"they can take you to the cinema on Sat"}},
		{"en", "they can take u shopping tmrw and pick you up at 10", nil, []string{"they can take u shopping tmrw"}},
		{"en", "can take you in the car to the Job Centre", nil, []string{"can take you in the"}},
		{"fr", "mes parents peuvent vous accueillir pour Noël", nil, []string{"pour"}},
		{"it", "possono accogliere anche tua sorella in vacanza", nil, []string{"in vacanza"}},
		{"es", "Pueden acogerte mañana a las 10, ya te digo", nil, []string{"mañana a las 10"}},
		{"es", "te pueden acoger a ti y a la niña en Getafe", []string{"te pueden acoger a ti y a la niña en Getafe"}, nil},
		{"ro", "va pot primi pe tine si pe fetita la Cluj", []string{"va pot primi pe tine si pe fetita la Cluj"}, nil},
	})
}

// A postcode after a numbered address is one in the language's format,
// never a time or a price; the city after it only when it is known.
func TestPostcodeTail(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "en la calle Mayor 5, 1030 te espero", []string{"calle Mayor 5"}, []string{"1030 te espero"}},
		{"pt", "Rua Augusta 12, 1500 Euros", []string{"Rua Augusta 12"}, []string{"1500"}},
		{"es", "calle Mayor 5, 28013 Madrid", []string{"calle Mayor 5, 28013 Madrid"}, nil},
		{"pt", "Rua Augusta 25, 1150-039 Lisboa", []string{"Rua Augusta 25, 1150-039 Lisboa"}, nil},
		{"es", "en la calle Mayor 5, 1500 Madame", []string{"calle Mayor 5", "Madame"}, []string{"1500"}},
		{"fr", "rue des Tanneurs 169, 1000 Bruxelles", []string{"rue des Tanneurs 169, 1000 Bruxelles"}, nil},
		{"es", "calle Mayor 5, 15000 euros al mes", []string{"calle Mayor 5"}, []string{"15000 euros"}},
	})
}

// An ambiguous day abbreviation is a day in its own language only.
func TestAmbiguousDayLanguage(t *testing.T) {
	checkClass(t, []classCase{
		{"en", "He makes you do Sex 10 times a day", []string{"Sex"}, nil},
		{"es", "ven con Sam a las 10", []string{"Sam"}, nil},
		{"pt", "encontramo-nos Sex 11h", nil, []string{"Sex 11h"}},
		{"fr", "on se voit Sam à 15h", nil, []string{"Sam à 15h"}},
		{"ro", "ne vedem Vin la 12", nil, []string{"Vin la 12"}},
		{"es", "quedamos Mar a las 11 en la plaza", nil, []string{"Mar a las 11"}},
	})
}
