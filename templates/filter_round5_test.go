package templates

import "testing"

// The classes of round 5 (what the spent blind set heldout4, now the
// tuning part tune10, missed), one table per class, every language, in
// sentences that are not in the corpus (checkClass: gone must be wholly
// covered by findings, stay must not be touched).

// Medicines by their WHO INN name are the same word in every language.
func TestRound5Medicines(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "el psiquiatra te sube la quetiapina a partir del lunes, nos vemos a las 10", []string{"quetiapina"}, []string{"nos vemos a las 10"}},
		{"ca", "recorda prendre la sertralina cada mati, dijous quedem a les 11", []string{"sertralina"}, []string{"dijous quedem a les 11"}},
		{"it", "al SerD ti danno la buprenorfina da martedi, ci vediamo in piazza", []string{"buprenorfina"}, []string{"ci vediamo in piazza"}},
		{"fr", "le medecin a change la mirtazapine, on se voit jeudi au cafe", []string{"mirtazapine"}, []string{"on se voit jeudi au cafe"}},
		{"pt", "ja tens o Truvada para a PrEP, encontramo-nos 5a feira", []string{"Truvada"}, []string{"encontramo-nos 5a feira"}},
		{"ro", "medicul ti-a dat metadona de luni, ne vedem la cafenea", []string{"metadona"}, []string{"ne vedem la cafenea"}},
		{"en", "keep taking the olanzapine at night, see u Friday at the library", []string{"olanzapine"}, []string{"see u Friday at the library"}},
	})
}

// Pregnancy care, tests and symptoms of sexual and reproductive health.
func TestRound5ReproductiveHealth(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "la matrona dice q la ecografia esta bien, el jueves te acompaño", []string{"matrona", "ecografia"}, []string{"el jueves te acompaño"}},
		{"ca", "la llevadora et vol veure per l'ecografia, dimarts a les 9", []string{"llevadora", "ecografia"}, []string{"dimarts a les 9"}},
		{"it", "l'ostetrica ha spostato l'ecografia, ci vediamo lunedi", []string{"ostetrica", "ecografia"}, []string{"ci vediamo lunedi"}},
		{"fr", "si tu as des saignements appelle la sage-femme, bisous", []string{"saignements", "sage-femme"}, []string{"bisous"}},
		{"pt", "a parteira disse que a gravidez vai bem, beijinhos", []string{"parteira", "gravidez"}, []string{"beijinhos"}},
		{"ro", "daca ai sangerari mergi la maternitate, te pup", []string{"sangerari", "maternitate"}, []string{"te pup"}},
		{"en", "if the bleeding starts again call the midwife, love x", []string{"bleeding", "midwife"}, []string{"love x"}},
	})
}

// Mental health said by its symptom.
func TestRound5PanicAttacks(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "si te dan ataques de panico esta noche escribeme", []string{"ataques de panico"}, []string{"escribeme"}},
		{"ca", "si et ve un atac d'ansietat escriu-me", []string{"atac d'ansietat"}, []string{"escriu-me"}},
		{"it", "se hai un attacco di panico scrivimi subito", []string{"attacco di panico"}, []string{"scrivimi subito"}},
		{"fr", "si tu refais une crise d'angoisse ecris-moi", []string{"crise d'angoisse"}, []string{"ecris-moi"}},
		{"pt", "se tiveres outro ataque de panico manda-me mensagem", []string{"ataque de panico"}, []string{"manda-me mensagem"}},
		{"ro", "daca ai un atac de panica scrie-mi", []string{"atac de panica"}, []string{"scrie-mi"}},
		{"en", "if u get a panic attack tonight text me", []string{"panic attack"}, []string{"text me"}},
	})
}

// Procedure verbs and states, and special measures in court.
func TestRound5ProcedureStates(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "por fin lo han detenido, y declaras con mampara. Un abrazo", []string{"lo han detenido", "con mampara"}, []string{"Un abrazo"}},
		{"ca", "ja l'han detingut, i declararas per videoconferencia. Una abraçada", []string{"l'han detingut", "per videoconferencia"}, []string{"Una abraçada"}},
		{"it", "e ai domiciliari, e tu testimoni con lo schermo. Un abbraccio", []string{"ai domiciliari", "con lo schermo"}, []string{"Un abbraccio"}},
		{"fr", "il a ete mis en examen, le proces sera a huis clos. Bisous", []string{"mis en examen", "huis clos"}, []string{"Bisous"}},
		{"pt", "ele foi constituido arguido, vais depor por videoconferencia. Beijinhos", []string{"constituido arguido", "por videoconferencia"}, []string{"Beijinhos"}},
		{"ro", "a fost trimis in judecata, tu depui ca martor protejat. Te pup", []string{"trimis in judecata", "martor protejat"}, []string{"Te pup"}},
		{"en", "he's been remanded, and u can give evidence by video link. love x", []string{"remanded", "video link"}, []string{"love x"}},
	})
}

// Legal aid and consulates.
func TestRound5LegalAidConsulates(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "ya tienes la justicia gratuita, y el consulado te llama el lunes", []string{"justicia gratuita", "consulado"}, []string{"el lunes"}},
		{"ca", "t'han donat la justicia gratuita, el consolat et truca dilluns", []string{"justicia gratuita", "consolat"}, []string{"dilluns"}},
		{"it", "ti hanno dato il gratuito patrocinio, il consolato ti chiama lunedi", []string{"gratuito patrocinio", "consolato"}, []string{"lunedi"}},
		{"fr", "tu as l'aide juridictionnelle, le consulat t'appelle lundi", []string{"aide juridictionnelle", "consulat"}, []string{"lundi"}},
		{"pt", "ja tens apoio judiciario, o consulado liga-te na 2a", []string{"apoio judiciario", "consulado"}, []string{"na 2a"}},
		{"ro", "ai primit ajutor public judiciar, consulatul te suna luni", []string{"ajutor public judiciar", "consulatul"}, []string{"luni"}},
		{"en", "u got legal aid, and the consulate will ring u Monday", []string{"legal aid", "consulate"}, []string{"Monday"}},
	})
}

// Outreach teams and insertion plans.
func TestRound5Outreach(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "el equipo de calle pasa el martes, y luego vemos el plan de insercion", []string{"equipo de calle", "plan de insercion"}, []string{"el martes"}},
		{"ca", "l'equip de carrer passa dimarts, despres mirem el pla d'insercio", []string{"equip de carrer", "pla d'insercio"}, []string{"dimarts"}},
		{"it", "l'unita di strada passa martedi, poi vediamo il piano di inserimento", []string{"unita di strada", "piano di inserimento"}, []string{"martedi"}},
		{"fr", "la maraude passe mardi, ensuite on voit le contrat d'insertion", []string{"maraude", "contrat d'insertion"}, []string{"mardi"}},
		{"pt", "a equipa de rua vem na 3a, depois vemos o plano de insercao", []string{"equipa de rua", "plano de insercao"}, []string{"depois vemos"}},
		{"ro", "echipa mobila trece marti, apoi facem ancheta sociala", []string{"echipa mobila", "ancheta sociala"}, []string{"marti"}},
		{"en", "the outreach team comes Tuesday, then the work coach", []string{"outreach team", "work coach"}, []string{"Tuesday"}},
	})
}

// The verb for calling, or the word for the line, goes with a hotline.
func TestRound5HotlineVerb(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "si pasa algo llama al 112 y luego a mi", []string{"llama al 112"}, []string{"y luego a mi"}},
		{"ca", "si passa res truca al 061, d'acord?", []string{"truca al 061"}, []string{"d'acord?"}},
		{"it", "se succede qualcosa chiama il 112, poi me", []string{"chiama il 112"}, []string{"poi me"}},
		{"fr", "si tu vas mal appelle le 3114, puis moi", []string{"appelle le 3114"}, []string{"puis moi"}},
		{"pt", "se acontecer algo liga 112, depois a mim", []string{"liga 112"}, []string{"depois a mim"}},
		{"ro", "daca se intampla ceva suna la 112, apoi pe mine", []string{"suna la 112"}, []string{"apoi pe mine"}},
		{"en", "if anything happens ring 999, then me", []string{"ring 999"}, []string{"then me"}},
		{"es", "de noche tienes la linea 024, cuando quieras", []string{"la linea 024"}, []string{"cuando quieras"}},
	})
}

// The exploiter by role and place, and a threat as a clause.
func TestRound5ExploiterByRole(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "si la señora del piso te escribe, no contestes", []string{"la señora del piso"}, []string{"no contestes"}},
		{"ca", "si la senyora del pis et truca, no contestis", []string{"la senyora del pis"}, []string{"no contestis"}},
		{"it", "se ti minaccia ancora, dimmelo", []string{"se ti minaccia"}, []string{"dimmelo"}},
		{"fr", "le patron du salon de massage t'a ecrit? ne reponds pas", []string{"patron du salon de massage"}, []string{"ne reponds pas"}},
		{"pt", "a madrinha voltou a escrever? nao respondas", []string{"a madrinha"}, []string{"nao respondas"}},
		{"ro", "patronul de la bar te-a sunat? nu raspunde", []string{"patronul de la"}, []string{"nu raspunde"}},
		{"en", "the guy who ran the nail bar texted u? don't answer", []string{"the guy who ran"}, []string{"don't answer"}},
	})
}

// The one who sent her, and hospitals by name.
func TestRound5SentByAndHospitals(t *testing.T) {
	checkClass(t, []classCase{
		{"ro", "femeia care te-a trimis aici ti-a scris? vorbim maine", []string{"care te-a trimis"}, []string{"vorbim maine"}},
		{"en", "has the woman who sent u here messaged again? talk tmrw", []string{"who sent u"}, []string{"talk tmrw"}},
		{"fr", "le rdv est a l'hôpital Tenon mardi, je viens avec toi", []string{"hôpital"}, []string{"je viens avec toi"}},
		{"it", "domani all'ospedale alle 9, vengo io", []string{"ospedale"}, []string{"vengo io"}},
		{"ro", "maine la spital la 9, vin eu cu tine", []string{"spital"}, []string{"vin eu cu tine"}},
	})
}

// A service's district goes with its acronym.
func TestRound5District(t *testing.T) {
	checkClass(t, []classCase{
		{"ro", "maine mergem la DGASPC sector 4, ne vedem la 10", []string{"DGASPC sector 4"}, []string{"ne vedem la 10"}},
		{"es", "el martes vamos a la OAR distrito 2 y luego comemos", []string{"OAR distrito 2"}, []string{"y luego comemos"}},
	})
}

// The week or trimester of a pregnancy goes with the scan before it.
func TestRound5PregnancyWeek(t *testing.T) {
	checkClass(t, []classCase{
		{"es", "la ecografia de la semana 12 es el lunes", []string{"ecografia de la semana 12"}, []string{"es el lunes"}},
		{"ca", "l'ecografia de la setmana 20 es dijous", []string{"ecografia de la setmana 20"}, []string{"es dijous"}},
		{"it", "l'ecografia della 20a settimana e lunedi", []string{"ecografia della 20a settimana"}, []string{"lunedi"}},
		{"fr", "l'échographie du 3e trimestre est jeudi", []string{"échographie du 3e trimestre"}, []string{"jeudi"}},
		{"pt", "a ecografia das 12 semanas e na 2a", []string{"ecografia das 12 semanas"}, []string{"na 2a"}},
		{"ro", "ecografia de trimestrul 3 e marti", []string{"ecografia de trimestrul 3"}, []string{"marti"}},
		{"en", "the scan at 20 weeks is on Monday", []string{"scan at 20 weeks"}, []string{"Monday"}},
	})
}
