package templates

import (
	"strings"
	"testing"
)

// addressCovers reports whether the address findings of text cover the
// whole of part (found) or touch none of it.
func addressCovers(f *Filter, lang, text, part string, points ...string) (all, any bool, fs []Finding) {
	fs = f.ScanWith(text, ScanOptions{Lang: lang, KnownNames: points})
	ps := strings.Index(text, part)
	if ps < 0 {
		return false, false, fs
	}
	pe := ps + len(part)
	covered := make([]bool, len(text))
	for _, x := range fs {
		if x.Category != CategoryAddress {
			continue
		}
		for i := x.Start; i < x.End; i++ {
			covered[i] = true
		}
	}
	all = true
	for i := ps; i < pe; i++ {
		if text[i] == ' ' || text[i] == ',' {
			continue
		}
		all = all && covered[i]
		any = any || covered[i]
	}
	return all, any, fs
}

// TestAddressShapes: the shapes of an address caseworkers write, by
// language: a street with its number, a floor or a door alone, an
// intercom, a postcode, a dwelling or a service's building placed by a
// street or a name. The part given must be wholly an address.
func TestAddressShapes(t *testing.T) {
	t.Parallel()
	f := mustFilter(t)
	for _, c := range []struct{ lang, text, part string }{
		// es
		{"es", "Te espero en c/ Feria 23 a las 5", "c/ Feria 23"},
		{"es", "La dirección es Calle San Jacinto, 45, 2ºB", "Calle San Jacinto, 45, 2ºB"},
		{"es", "Vive en el 2º izq, sube sin llamar", "2º izq"},
		{"es", "vive en el 2º 1ª con su hermana", "2º 1ª"},
		{"es", "pulsa el 3º B y di que vienes de mi parte", "3º B"},
		{"es", "Sube al piso 4 y pregunta por Ana", "piso 4"},
		{"es", "Vive en Calle 2 de Mayo 5", "Calle 2 de Mayo 5"},
		{"es", "la reunion es en el piso de Usera", "piso de Usera"},
		{"es", "la clase es en la parroquia de San Ramon", "parroquia de San Ramon"},
		{"es", "la escuela infantil Los Gorriones ya tiene plaza", "escuela infantil Los Gorriones"},
		{"es", "Calle Mayor 5, entresuelo, pregunta por Ana", "Calle Mayor 5, entresuelo"},
		// ca
		{"ca", "És al 3r 1a, truca abans", "3r 1a"},
		{"ca", "la reunio es al pis de Badalona", "pis de Badalona"},
		{"ca", "Adreça: Carrer de l'Hospital 120, entresòl, pica", "Carrer de l'Hospital 120, entresòl"},
		{"ca", "a la mesquita del carrer Erasme de Janer hi ha dones", "mesquita del carrer Erasme de Janer"},
		{"ca", "no a l'antiga habitació de Sant Adrià", "antiga habitació de Sant Adrià"},
		// it
		{"it", "Vieni in via Toledo 256 domani", "via Toledo 256"},
		{"it", "in via Nizza 112, citofono Assoc.", "via Nizza 112, citofono Assoc"},
		{"it", "via Padova 142, 20127, citofono 'Rossi'. Ci vediamo", "via Padova 142, 20127, citofono 'Rossi'"},
		{"it", "è in via della Lungara 19, citofono 3", "via della Lungara 19, citofono 3"},
		{"it", "suona al 2° piano e chiedi di Sara", "2° piano"},
		{"it", "Chiedi interno 4 al portiere", "interno 4"},
		{"it", "Suona porta B e sali", "porta B"},
		{"it", "la casa è in Via XX Settembre 12", "Via XX Settembre 12"},
		{"it", "sei scappata dall'appartamento a Tor Bella Monaca", "appartamento a Tor Bella Monaca"},
		// fr
		{"fr", "C'est au 12 rue Colbert, 2e étage", "12 rue Colbert, 2e étage"},
		{"fr", "A la mosquée de la rue Polonceau il y a un cercle", "mosquée de la rue Polonceau"},
		{"fr", "14 rue Polonceau, bat. B, 3e gauche, tu la donnes", "3e gauche"},
		// pt
		{"pt", "A casa fica na Rua da Sofia 112, perto do rio", "Rua da Sofia 112"},
		{"pt", "vamos ao Comando da PSP no Largo 1º de Dezembro, lá há", "Largo 1º de Dezembro"},
		{"pt", "Na Avenida 5 de Outubro 120 há uma loja", "Avenida 5 de Outubro 120"},
		{"pt", "a morada nova é Rua de Costa Cabral 1240, 4200-225 Porto, 2º esq. Só tu", "morada nova é Rua de Costa Cabral 1240, 4200-225 Porto, 2º esq"},
		{"pt", "trabalhavas na casa de alterne em Setúbal", "casa de alterne em Setúbal"},
		{"pt", "a aula é na junta de freguesia de Arroios", "junta de freguesia de Arroios"},
		// ro
		{"ro", "Stai pe str. Lapusneanu nr. 7 de acum", "str. Lapusneanu nr. 7"},
		{"ro", "Bloc 5, et. 2 ap. 14, suna", "et. 2 ap. 14"},
		{"ro", "pe Strada 13 Septembrie 90 e biroul", "Strada 13 Septembrie 90"},
		{"ro", "nu merge la garsoniera din Rahova", "garsoniera din Rahova"},
		{"ro", "tot in cladirea de pe Stirbei Voda", "cladirea de pe Stirbei Voda"},
		{"ro", "la sediul din Bd. Unirii. Vin cu tine", "sediul din Bd. Unirii"},
		{"ro", "am gasit loc la gradinita 128, de luni", "gradinita 128"},
		// en
		{"en", "The office is at LS1 4DY", "LS1 4DY"},
		{"en", "Send it to D01 F5P2 please", "D01 F5P2"},
		{"en", "They moved to Leeds, LS6 now", "Leeds, LS6"},
		{"en", "go back to the house in Wembley tomorrow", "house in Wembley"},
		{"en", "the other girls in the Ilford flat", "Ilford flat"},
		{"en", "not ur old room in Ilford", "old room in Ilford"},
		{"en", "room 4 at the community centre on Hoe St. Bring", "community centre on Hoe St"},
		{"en", "a room at the refuge in Levenshulme, M19. Ring", "room at the refuge in Levenshulme, M19"},
		{"en", "Meet me at 221B Baker Street", "221B Baker Street"},
		{"en", "She lives behind the Tesco on Green Lane", "behind the Tesco on Green Lane"},
		{"es", "Vive cerca del mercado de San Antón", "cerca del mercado de San Antón"},
		{"it", "Lei abita vicino alla stazione di Porta Genova", "vicino alla stazione di Porta Genova"},
		{"fr", "Elle habite juste à côté de la gare du Nord", "à côté de la gare du Nord"},
		{"pt", "Ela mora perto do mercado de Arroios", "perto do mercado de Arroios"},
		{"ro", "Locuieste langa Piata Obor", "langa Piata Obor"},
		{"ca", "Viu a prop de la Sagrada Familia", "a prop de la Sagrada Familia"},
	} {
		if all, _, fs := addressCovers(f, c.lang, c.text, c.part); !all {
			t.Errorf("%s %q: %q is not wholly an address: %v", c.lang, c.text, c.part, fs)
		}
	}
}

// TestNotAddresses: times, dates, prices, bus lines, platforms and gates,
// a room number alone, an ordinal alone, a registered meeting point, an
// address merely named ("the address: ...") and a home left for a holiday
// are not addresses.
func TestNotAddresses(t *testing.T) {
	t.Parallel()
	f := mustFilter(t)
	for _, c := range []struct {
		lang, text, part string
		points           []string
	}{
		{"en", "Take bus 27 then platform 4, gate 12", "bus 27 then platform 4, gate 12", nil},
		{"en", "See you on the 3rd at 10", "the 3rd at 10", nil},
		{"en", "Tennis court 3 at 5pm", "court 3 at 5pm", nil},
		{"en", "ESOL class is moving to Tues 2pm, room 4", "room 4", nil},
		{"en", "the house in June was cold", "house in June", nil},
		{"en", "heres the address: 35 Clapham Rd", "heres the address", nil},
		{"en", "we meet at the café in Plaza Mayor", "Plaza Mayor", []string{"Plaza Mayor"}},
		{"es", "Metro línea 5 hasta Sol", "línea 5", nil},
		{"es", "La clase se cambia al aula 3", "aula 3", nil},
		{"es", "Te pago 1500 euros el 2 de mayo", "1500 euros el 2 de mayo", nil},
		{"es", "tienes plaza 15 de enero en el curso", "plaza 15 de enero", nil},
		{"es", "vuelve a casa el lunes a las 5", "casa el lunes a las 5", nil},
		{"es", "el piso 4 personas comparten", "piso 4", nil},
		{"es", "2º 1ª", "2º 1ª", nil},
		{"ca", "et veig a les 10.30 al bar", "10.30", nil},
		{"it", "vado via alle 10", "via alle 10", nil},
		{"it", "la riunione è alle 15:30", "15:30", nil},
		{"fr", "rendez-vous le 15 mai et 2 enfants", "15 mai et 2 enfants", nil},
		{"fr", "appelle et 2 fois", "et 2", nil},
		{"pt", "o comboio sai da porta 5 às 10h", "porta 5", nil},
		{"pt", "a casa de Maria é longe", "a casa de", nil},
		{"ro", "ne vedem la 13 la metrou", "la 13", nil},
		{"ro", "iti dau adresa: Str. Ion Campineanu 20", "iti dau adresa", nil},
		{"ro", "o audiere la scoala de muzica", "scoala de muzica", nil},
		{"es", "nos vemos cerca de la estación de Atocha", "cerca de la estación de Atocha", nil},
		{"en", "the meeting is next to the Town Hall", "next to the Town Hall", nil},
		{"en", "she lives near Metro Sol", "Metro Sol", []string{"Metro Sol"}},
	} {
		if _, any, fs := addressCovers(f, c.lang, c.text, c.part, c.points...); any {
			t.Errorf("%s %q: %q is taken as an address: %v", c.lang, c.text, c.part, fs)
		}
	}
}

// TestAddressAfterPrepAndBell: a weak street type after a preposition of
// place is a street's ("di viale Jenner"); a square's is not; the bell
// to press goes with the door ("pulsa el 3º B").
func TestAddressAfterPrepAndBell(t *testing.T) {
	t.Parallel()
	f := mustFilter(t)
	for _, c := range []struct {
		lang, text, part string
		want             bool
	}{
		{"it", "Le analisi del Centro di viale Jenner sono pronte", "viale Jenner", true},
		{"ro", "la dispensarul de pe Calea Serban Voda, dr. Popescu", "Calea Serban Voda", true},
		{"es", "pulsa el 3º B y di que vienes de mi parte", "pulsa el 3º B", true},
		{"it", "suona al 2° piano e chiedi di Sara", "suona al 2° piano", true},
		{"it", "vado via Roma domani", "via Roma", false},
		{"es", "nos vemos en plaza Mayor a las 5", "plaza Mayor", false},
	} {
		all, any, fs := addressCovers(f, c.lang, c.text, c.part)
		if c.want && !all || !c.want && any {
			t.Errorf("%s %q: %q address %v, want %v: %v", c.lang, c.text, c.part, any, c.want, fs)
		}
	}
}

// TestAddressAfterManyPlaceWords: an address is found however many place
// words come before it.
func TestAddressAfterManyPlaceWords(t *testing.T) {
	t.Parallel()
	f := mustFilter(t)
	for _, c := range []struct{ lang, text, part string }{
		{"ca", strings.Repeat("la casa és gran. ", 63) + "la reunio es al pis de Badalona", "pis de Badalona"},
		{"ca", strings.Repeat("la casa és gran. ", 64) + "la reunio es al pis de Badalona", "pis de Badalona"},
		{"ca", strings.Repeat("la casa és gran. ", 500) + "la reunio es al pis de Badalona", "pis de Badalona"},
		{"en", strings.Repeat("I was near. ", 70) + "she lives near the Tesco on Green Lane", "near the Tesco on Green Lane"},
	} {
		if all, _, _ := addressCovers(f, c.lang, c.text, c.part); !all {
			t.Errorf("%s %d bytes: %q is not wholly an address", c.lang, len(c.text), c.part)
		}
	}
}

// TestAddressFoundOrNot: whether the part given is wholly an address
// (want) or touches none.
func TestAddressFoundOrNot(t *testing.T) {
	t.Parallel()
	f := mustFilter(t)
	for _, c := range []struct {
		lang, text, part string
		want             bool
	}{
		// "porta N": bring N, or a door after a bell, a preposition or a street
		{"it", "Porta 2 fototessere e il passaporto", "Porta 2", false},
		{"it", "porta 3 copie del contratto", "porta 3", false},
		{"it", "domani porta 2 documenti", "porta 2", false},
		{"ca", "Porta 2 fotos i el passaport", "Porta 2", false},
		{"ca", "porta 3 samarretes", "porta 3", false},
		{"it", "suona alla porta 3 e sali", "porta 3", true},
		{"it", "abita alla porta 3", "porta 3", true},
		{"ca", "truca a la porta 3", "porta 3", true},
		{"ca", "viu al carrer Gran 5, porta 3", "carrer Gran 5, porta 3", true},
		{"it", "Via Roma 5, scala A, porta 3", "Via Roma 5, scala A, porta 3", true},
		// a floor and a door letter, or a school class
		{"es", "Mi hija está en 2º B y la tutora dice que va bien", "2º B", false},
		{"es", "mi hijo está en 3º A del colegio", "3º A", false},
		{"es", "el 2º B de la ESO", "2º B", false},
		{"es", "está en 2ºB", "2ºB", false},
		{"it", "è in 1a A alle medie", "1a A", false},
		{"es", "vive en el 2º B de la ESO", "2º B", false},
		{"es", "vive en el 2º B con su madre", "2º B", true},
		{"es", "vive en el 2ºB", "2ºB", true},
		{"es", "pulsa el 3º B y di que vienes de mi parte", "3º B", true},
		{"es", "Calle Mayor 5, 2º B", "Calle Mayor 5, 2º B", true},
		{"it", "abita al 1a A", "1a A", true},
		// an Eircode, or a reference code of its shape
		{"en", "Order ID A12 B3C4 shipped", "A12 B3C4", false},
		{"en", "my ref: H91 X2Y3", "H91 X2Y3", false},
		{"es", "Ref A12 B3C4 de tu pedido", "A12 B3C4", false},
		{"en", "order no. H91 X2Y3 shipped", "H91 X2Y3", false},
		{"en", "she is at D01 F5P2 now", "D01 F5P2", true},
		{"en", "she is at d01 f5p2 now", "d01 f5p2", true},
		{"en", "Eircode D01F5P2", "D01F5P2", true},
		{"en", "the house is in D6W X2Y3", "D6W X2Y3", true},
		{"en", "A65 F4E2 is the place", "A65 F4E2", true},
		{"en", "code D01F5P2", "D01F5P2", false},
		// a unit number, or a range
		{"it", "scala 1 a 10 quanto stai?", "scala 1", false},
		{"it", "su una scala 1-10", "scala 1", false},
		{"it", "su una scala da 1 a 10", "scala da 1", false},
		{"en", "rate it on a scale 1 to 10, flat 3 to 5", "flat 3", false},
		{"it", "abita in scala 1 al terzo piano", "scala 1", true},
		{"es", "Sube al piso 4 y pregunta por Ana", "piso 4", true},
		// more verbs of dwelling
		{"fr", "Elle vit près de la gare du Nord", "près de la gare du Nord", true},
		{"es", "sigue viviendo cerca del mercado de San Antón", "cerca del mercado de San Antón", true},
		{"en", "she stays near the Tesco on Green Lane", "near the Tesco on Green Lane", true},
		{"es", "está viviendo en el 2º B", "2º B", true},
	} {
		all, any, fs := addressCovers(f, c.lang, c.text, c.part)
		if c.want && !all || !c.want && any {
			t.Errorf("%s %q: %q address %v, want %v: %v", c.lang, c.text, c.part, any, c.want, fs)
		}
	}
}
