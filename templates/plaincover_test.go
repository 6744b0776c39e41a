package templates

import "testing"

// plainAnswerStories are cover stories given as the answer alone, with no
// "if he asks" or "tell him" before it: what she was doing ("you were at
// the market, ok?"), the story agreed ("the story is…", "we say…"), the
// excuse to give ("just say the bus was late"), who to say the sender is
// ("say I'm your cousin"), the name the number is saved under ("I'm Pizza
// in your phone"), and his going through her phone. Typed the way people
// text: no accents, abbreviations. The plain policy refuses each with a
// risky_phrase finding.
var plainAnswerStories = []struct{ lang, text string }{
	{"en", "you were at the market, ok?"},
	{"en", "you were with me at the market, right?"},
	{"en", "remember: you went to the market"},
	{"en", "the story is you were at your friend's"},
	{"en", "we say you were at the bakery"},
	{"en", "just say the bus was late"},
	{"en", "you were at the shop all afternoon, got it?"},
	{"en", "u were w me at the shops ok"},
	{"en", "remember u were at ur sisters"},
	{"en", "our story: you were at the dentist"},
	{"en", "you went to the market with me, yeah?"},
	{"en", "if anyone asks, you were at the library with me"},
	{"en", "if they ask you were at school"},
	{"en", "if u get asked, we were at the park"},
	{"en", "if he checks your phone"},
	{"en", "if he goes through ur phone"},
	{"en", "say im ur cousin"},
	{"en", "just say I'm your teacher"},
	{"en", "say im ur friend from the gym"},
	{"en", "I'm saved as Pizza in your phone"},
	{"en", "im Ana in ur phone"},
	{"en", "say u missed the bus"},
	{"en", "you were at the market... ok?"},
	{"en", "you were at the shop till 5.30, ok?"},

	{"es", "estabas en el mercado, vale?"},
	{"es", "estabas conmigo en el mercado, verdad?"},
	{"es", "recuerda: fuiste al mercado"},
	{"es", "la historia es q estabas en casa de tu amiga"},
	{"es", "decimos q estabas en la panaderia"},
	{"es", "tu solo di q el bus llego tarde"},
	{"es", "estuviste en la tienda toda la tarde, entendido?"},
	{"es", "fuiste al mercado conmigo ok?"},
	{"es", "recuerda q estabamos en la biblio"},
	{"es", "si alguien pregunta estabas conmigo"},
	{"es", "si te preguntan, estabas en clase"},
	{"es", "si te revisa el movil"},
	{"es", "si el mira tu movil"},
	{"es", "di q soy tu prima"},
	{"es", "dile q soy tu profe"},
	{"es", "estoy guardada como Ana en tu movil"},
	{"es", "en tu movil soy Ana"},
	{"es", "di q perdiste el bus"},
	{"es", "decimos q era la profe"},

	{"ca", "estaves al mercat, vale?"},
	{"ca", "estaves amb mi al mercat, oi?"},
	{"ca", "recorda: vas anar al mercat"},
	{"ca", "la historia es q eres a casa de la teva amiga"},
	{"ca", "diem q eres a la fleca"},
	{"ca", "digues q el bus va arribar tard"},
	{"ca", "vas estar a la botiga tota la tarda, entesos?"},
	{"ca", "vas anar al mercat amb mi, vale?"},
	{"ca", "recorda q erem a la biblio"},
	{"ca", "si algu pregunta, eres amb mi"},
	{"ca", "si et pregunten, eres a classe"},
	{"ca", "si et mira el mobil"},
	{"ca", "si ell et revisa el mobil"},
	{"ca", "digues q soc la teva cosina"},
	{"ca", "digues-li q soc la teva profe"},
	{"ca", "estic guardada com Ana al teu mobil"},
	{"ca", "al teu mobil soc Ana"},
	{"ca", "digues q vas perdre el bus"},

	{"it", "eri al mercato, ok?"},
	{"it", "eri con me al mercato, giusto?"},
	{"it", "ricorda: sei andata al mercato"},
	{"it", "la storia e che eri a casa della tua amica"},
	{"it", "diciamo che eri dal panettiere"},
	{"it", "di solo che il bus era in ritardo"},
	{"it", "sei stata al negozio tutto il pomeriggio, capito?"},
	{"it", "sei andata al mercato con me, ok?"},
	{"it", "ricorda che eravamo in biblioteca"},
	{"it", "se qualcuno chiede, eri con me"},
	{"it", "se ti chiedono, eri a scuola"},
	{"it", "se ti controlla il telefono"},
	{"it", "se lui guarda il tuo cell"},
	{"it", "di che sono tua cugina"},
	{"it", "digli che sono la tua prof"},
	{"it", "sono salvata come Anna nel tuo cell"},
	{"it", "nel tuo telefono sono Anna"},
	{"it", "di che hai perso il bus"},

	{"fr", "t'etais au marche, ok?"},
	{"fr", "t'etais avec moi au marche, hein?"},
	{"fr", "rappelle toi: t'es allee au marche"},
	{"fr", "l'histoire c'est que t'etais chez ta copine"},
	{"fr", "on dit que t'etais a la boulangerie"},
	{"fr", "dis juste que le bus etait en retard"},
	{"fr", "t'etais au magasin tout l'aprem, compris?"},
	{"fr", "t'es allee au marche avec moi, ok?"},
	{"fr", "rappelle toi qu'on etait a la biblio"},
	{"fr", "si qqn demande t'etais avec moi"},
	{"fr", "si on te demande, t'etais au cours"},
	{"fr", "s'il regarde ton tel"},
	{"fr", "s'il fouille ton portable"},
	{"fr", "dis que je suis ta cousine"},
	{"fr", "dis lui que je suis ta prof"},
	{"fr", "je suis enregistree sous Pizza dans ton tel"},
	{"fr", "dans ton tel je suis Ana"},
	{"fr", "dis que t'as rate le bus"},

	{"pt", "estavas no mercado, ok?"},
	{"pt", "estavas comigo no mercado, certo?"},
	{"pt", "lembra-te: foste ao mercado"},
	{"pt", "a historia e q estavas em casa da tua amiga"},
	{"pt", "dizemos q estavas na padaria"},
	{"pt", "diz so q o autocarro atrasou"},
	{"pt", "estiveste na loja a tarde toda, percebeste?"},
	{"pt", "foste ao mercado comigo, ta?"},
	{"pt", "lembra-te q estavamos na biblioteca"},
	{"pt", "se alguem perguntar estavas comigo"},
	{"pt", "se te perguntarem, estavas na aula"},
	{"pt", "se ele mexer no teu telemovel"},
	{"pt", "se ele vir o teu tlm"},
	{"pt", "diz q sou tua prima"},
	{"pt", "diz-lhe q sou a tua professora"},
	{"pt", "estou gravada como Ana no teu telemovel"},
	{"pt", "no teu tlm sou a Ana"},
	{"pt", "diz q perdeste o autocarro"},

	{"ro", "erai la piata, ok?"},
	{"ro", "erai cu mine la piata, da?"},
	{"ro", "tine minte: ai fost la piata"},
	{"ro", "povestea e ca erai la prietena ta"},
	{"ro", "zicem ca erai la brutarie"},
	{"ro", "zi doar ca a intarziat autobuzul"},
	{"ro", "ai fost la magazin toata dupa-amiaza, ai inteles?"},
	{"ro", "ai fost la piata cu mine, ok?"},
	{"ro", "tine minte ca eram la biblioteca"},
	{"ro", "daca intreaba cineva erai cu mine"},
	{"ro", "daca te intreaba, erai la curs"},
	{"ro", "daca se uita in telefonul tau"},
	{"ro", "daca el iti verifica telefonul"},
	{"ro", "zi ca sunt verisoara ta"},
	{"ro", "spune-i ca sunt profesoara ta"},
	{"ro", "sunt salvata ca Pizza in telefonul tau"},
	{"ro", "in telefonul tau sunt Ana"},
	{"ro", "zi ca ai pierdut autobuzul"},
}

// plainAnswerBenign are everyday texts near those stories (what she did,
// a reminder, an "ok?", a question and the "ok" after its answer, a
// greeting to pass on, the bus late, her phone) that no risky phrase
// matches.
var plainAnswerBenign = []struct{ lang, text string }{
	{"en", "you were great today"},
	{"en", "you were right"},
	{"en", "remember to bring your umbrella"},
	{"en", "we said 10, ok?"},
	{"en", "were you at the market?"},
	{"en", "I was at the market"},
	{"en", "say hi to your mum"},
	{"en", "tell me when you arrive"},
	{"en", "remember you're not alone"},
	{"en", "just say when"},
	{"en", "the bus was late, sorry, im on my way"},
	{"en", "check your phone for the address"},
	{"en", "you were so brave today, proud of u"},
	{"en", "I'm at the market, ok?"},
	{"en", "we were at the park, it was nice"},
	{"en", "let me know if the bus is late"},
	{"en", "you went to the doctor? good, ok speak later"},
	{"en", "you were in my thoughts today, hope ur ok"},

	{"es", "estuviste genial hoy"},
	{"es", "tenias razon"},
	{"es", "recuerda traer el paraguas"},
	{"es", "dijimos a las 10, vale?"},
	{"es", "estabas en el mercado?"},
	{"es", "yo estaba en el mercado"},
	{"es", "saludos a tu madre"},
	{"es", "avisame cuando llegues"},
	{"es", "fuiste muy valiente hoy"},
	{"es", "recuerda q no estas sola"},
	{"es", "el bus llego tarde, perdona"},
	{"es", "mira el movil, te mande la direccion"},
	{"es", "estoy en el mercado, vale?"},
	{"es", "dime cuando quieras"},
	{"es", "fuiste a la reunion? vale, me cuentas"},

	{"ca", "vas estar genial avui"},
	{"ca", "tenies rao"},
	{"ca", "recorda portar el paraigua"},
	{"ca", "vam dir a les 10, vale?"},
	{"ca", "eres al mercat?"},
	{"ca", "jo era al mercat"},
	{"ca", "records a la teva mare"},
	{"ca", "avisa'm quan arribis"},
	{"ca", "recorda q no estas sola"},
	{"ca", "el bus ha arribat tard, perdona"},
	{"ca", "mira el mobil, t'he enviat l'adreça"},
	{"ca", "soc al mercat, vale?"},
	{"ca", "digues quan vulguis"},
	{"ca", "vas anar a la reunio? vale, m'expliques"},

	{"it", "sei stata bravissima oggi"},
	{"it", "avevi ragione"},
	{"it", "ricordati di portare l'ombrello"},
	{"it", "avevamo detto alle 10, ok?"},
	{"it", "eri al mercato?"},
	{"it", "ero al mercato"},
	{"it", "saluta la tua mamma"},
	{"it", "dimmi quando arrivi"},
	{"it", "ricorda che non sei sola"},
	{"it", "il bus era in ritardo, scusa"},
	{"it", "guarda il telefono, ti ho mandato l'indirizzo"},
	{"it", "sono al mercato, ok?"},
	{"it", "dimmi tu quando"},
	{"it", "sei stata al corso ieri? ok, dimmi com'e andata"},

	{"fr", "t'etais top aujourd'hui"},
	{"fr", "t'avais raison"},
	{"fr", "pense a prendre ton parapluie"},
	{"fr", "on avait dit 10h, ok?"},
	{"fr", "t'etais au marche?"},
	{"fr", "j'etais au marche"},
	{"fr", "dis bonjour a ta maman"},
	{"fr", "dis moi quand t'arrives"},
	{"fr", "rappelle toi que t'es pas seule"},
	{"fr", "le bus etait en retard, dsl"},
	{"fr", "regarde ton tel, je t'ai envoye l'adresse"},
	{"fr", "je suis au marche, ok?"},
	{"fr", "dis moi quand tu veux"},
	{"fr", "t'etais au cours hier? ok, dis moi comment ca s'est passe"},
	{"fr", "on dit que c'est le meilleur cafe"},

	{"pt", "estiveste muito bem hoje"},
	{"pt", "tinhas razao"},
	{"pt", "lembra-te de trazer o guarda-chuva"},
	{"pt", "combinamos as 10, ok?"},
	{"pt", "estavas no mercado?"},
	{"pt", "eu estava no mercado"},
	{"pt", "da beijinhos a tua mae"},
	{"pt", "diz-me quando chegares"},
	{"pt", "lembra-te q nao estas sozinha"},
	{"pt", "o autocarro atrasou, desculpa"},
	{"pt", "ve o telemovel, mandei a morada"},
	{"pt", "estou no mercado, ok?"},
	{"pt", "diz quando quiseres"},
	{"pt", "foste a consulta ontem? ok, depois conta"},
	{"pt", "desculpa, e que estava ocupada"},

	{"ro", "ai fost super azi"},
	{"ro", "ai avut dreptate"},
	{"ro", "nu uita umbrela"},
	{"ro", "am zis la 10, ok?"},
	{"ro", "erai la piata?"},
	{"ro", "eu eram la piata"},
	{"ro", "salutari mamei tale"},
	{"ro", "spune-mi cand ajungi"},
	{"ro", "tine minte ca nu esti singura"},
	{"ro", "autobuzul a intarziat, scuze"},
	{"ro", "uita-te pe telefon, ti-am trimis adresa"},
	{"ro", "sunt la piata, ok?"},
	{"ro", "zi-mi cand vrei"},
	{"ro", "ai fost la doctor? bine ca te-ai dus"},
	{"ro", "ai fost la doctor? ok, spune-mi cum a fost"},
	{"ro", "eram in sedinta. totul ok pt joi"},
}

// TestPlainAnswerCoverStories: the plain policy refuses each message of
// plainAnswerStories with a risky_phrase finding (with the vocabulary and
// without it), and no risky phrase matches a message of
// plainAnswerBenign; each language has at least 15 of the one and 10 of
// the other.
func TestPlainAnswerCoverStories(t *testing.T) {
	f := mustVocabFilter(t)
	risky, benign := map[string]int{}, map[string]int{}
	for _, c := range plainAnswerStories {
		risky[c.lang]++
		if fs := f.ScanWith(c.text, plainOpts(c.lang)); !hasRiskyPhrase(fs) {
			t.Errorf("%s %q: no risky_phrase finding under the plain policy (%v)", c.lang, c.text, fs)
		}
		if fs := f.ScanWith(c.text, ScanOptions{Lang: c.lang, Plain: true}); !hasRiskyPhrase(fs) {
			t.Errorf("%s %q: no risky_phrase finding under Plain without the vocabulary", c.lang, c.text)
		}
	}
	for _, c := range plainAnswerBenign {
		benign[c.lang]++
		if fs := f.ScanWith(c.text, plainOpts(c.lang)); hasRiskyPhrase(fs) {
			t.Errorf("%s %q: a risky_phrase finding (%v)", c.lang, c.text, fs)
		}
	}
	for _, l := range ShippedLanguages {
		if risky[l] < 15 || benign[l] < 10 {
			t.Errorf("%s: %d stories and %d benign texts, want at least 15 and 10", l, risky[l], benign[l])
		}
	}
}

// TestSentenceEnd: "~~" stops at "?", "!" and a full stop before a space,
// not at the dot of "5.30" nor at an ellipsis.
func TestSentenceEnd(t *testing.T) {
	for sep, want := range map[string]bool{
		" ": false, ", ": false, ".": false, "... ": false, "…": false, "\x1f ": false,
		"? ": true, "?": true, "! ": true, ". ": true, "?? ": true, ", ? ": true,
	} {
		if got := sentenceEnd([]byte(sep)); got != want {
			t.Errorf("sentenceEnd(%q) = %v, want %v", sep, got, want)
		}
	}
}
