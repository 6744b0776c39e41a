package templates

import (
	"slices"
	"testing"
)

// vocabRiskyPhrases are whole messages, each of which the plain policy
// once sent as written: a late period or a miscarriage, bruises, money
// owed, drugs by their street names, an offer to get her out or take her
// in, an offer of help, and hiding a text from him. Each is refused now:
// a word of it is no longer in the vocabulary, or a phrase of the lexicon
// finds it (a late period in es and ca, where "late" is also the word for
// "afternoon").
var vocabRiskyPhrases = []struct{ lang, text string }{
	// A late period, a miscarriage.
	{"en", "I'm late this month"},
	{"en", "delayed this month?"},
	{"en", "did you lose the baby?"},
	{"es", "me viene tarde este mes"},
	{"es", "¿y el bebé?"},
	{"es", "¿has tenido pérdidas?"},
	{"ca", "no m'ha baixat aquest mes"},
	{"ca", "em ve tard aquest mes"},
	{"pt", "ainda não me desceu este mês"},
	{"pt", "ainda não veio este mês?"},
	{"it", "non ti è ancora venuto questo mese?"},
	{"it", "hai perso il bambino?"},
	{"ro", "nu mi-a venit luna asta"},
	// Bruises and marks.
	{"es", "¿todavía tienes el morado en la cara?"},
	{"ca", "encara tens blaus a la cara?"},
	{"pt", "ainda tens o roxo na cara?"},
	{"pt", "ainda tens marcas nas costas?"},
	// Money owed.
	{"fr", "Il veut ses sous demain"},
	// Drugs.
	{"en", "any snow tonight? bring some for the party"},
	{"es", "¿tienes nieve para la fiesta?"},
	{"es", "¿tienes blanca para la fiesta?"},
	{"fr", "t'as de la blanche pour ce soir ?"},
	{"fr", "t'as de la neige pour ce soir ?"},
	{"it", "hai la neve per stasera?"},
	{"it", "hai la bianca per la festa?"},
	{"pt", "tens neve para a festa?"},
	{"pt", "tens branca para a festa?"},
	{"ca", "tens neu per a la festa?"},
	{"ro", "ai zăpadă pentru petrecere?"},
	// Getting her out, taking her in, help.
	{"en", "we can help you get out tonight"},
	{"fr", "tu peux venir chez nous ce soir"},
	{"es", "puedes venir a casa con nosotras esta noche"},
	{"ca", "pots venir a casa amb nosaltres aquesta nit"},
	{"pt", "podes vir connosco hoje à noite"},
	{"it", "vieni fuori, ti aspettiamo alla stazione stasera"},
	{"ro", "vino afară, te aștept la gară diseară"},
	{"en", "do you need help? call me"},
	{"es", "¿necesitas ayuda? llámame"},
	{"ro", "ai nevoie de ajutor?"},
	// Hiding a text from him.
	{"en", "don't show him this text"},
	{"fr", "ne lui montre pas ce message"},
	{"es", "no se lo enseñes, borra el mensaje"},
}

// plainRiskyPhrases are messages of everyday words, each in the
// vocabulary or close to it, that offer to take her away or hide her
// (come or stay with us, we pick you up, pack your things) or ask her to
// hide something from him (do not tell him, delete this message, he will
// not know), written as staff text (no accents, abbreviations), and the
// words of the class whose stem the vocabulary keeps for an everyday
// word (pasta, pèrdues, marcas). The plain policy refuses each with a
// risky_phrase finding (vocabulary/phrases/LANG.txt).
var plainRiskyPhrases = []struct{ lang, text string }{
	{"en", "come with us tonight"},
	{"en", "u can come w us 2nite, we got a room"},
	{"en", "you can stay with us for a bit"},
	{"en", "we'll pick you up at the corner at 9"},
	{"en", "we will come and get u after work"},
	{"en", "pack ur stuff tonight"},
	{"en", "get your things ready for sunday"},
	{"en", "dont tell him anything ok"},
	{"en", "don't say nothing to him"},
	{"en", "delete this message after u read it"},
	{"en", "he won't know, i promise"},
	{"en", "he'll never know"},
	{"en", "come to ours tonight"},
	{"es", "vente con nosotras esta noche"},
	{"es", "puedes quedarte con nosotros unos dias"},
	{"es", "te venimos a buscar a las 9"},
	{"es", "te paso a buscar al salir"},
	{"es", "prepara tus cosas para el viernes"},
	{"es", "coge tus cosas y ven"},
	{"es", "no le digas nada eh"},
	{"es", "no se lo cuentes"},
	{"es", "borra este msj"},
	{"es", "el no se va a enterar"},
	{"es", "nunca lo sabra"},
	{"es", "tienes la pasta?"},
	{"ca", "vine amb nosaltres aquesta nit"},
	{"ca", "et pots quedar a casa nostra"},
	{"ca", "et passem a buscar a les 9"},
	{"ca", "et venim a buscar despres"},
	{"ca", "prepara les teves coses"},
	{"ca", "agafa les teves coses i vine"},
	{"ca", "no li diguis res eh"},
	{"ca", "no l'hi diguis"},
	{"ca", "esborra el missatge"},
	{"ca", "ell no ho sabra"},
	{"ca", "no se n'assabentara"},
	{"ca", "tens la pasta?"},
	{"ca", "has tingut perdues?"},
	{"ca", "has tingut pèrdues aquest mes?"},
	{"it", "vieni con noi stasera"},
	{"it", "puoi stare da noi qualche giorno"},
	{"it", "ti veniamo a prendere alle 9"},
	{"it", "passo a prenderti dopo"},
	{"it", "prepara le tue cose"},
	{"it", "prendi le tue cose e vieni"},
	{"it", "non dirgli niente"},
	{"it", "non dire nulla a lui"},
	{"it", "cancella questo messaggio"},
	{"it", "lui non lo sapra mai"},
	{"it", "non se ne accorge"},
	{"fr", "viens avec nous ce soir"},
	{"fr", "tu peux rester chez nous"},
	{"fr", "on passe te chercher a 9h"},
	{"fr", "je viens te chercher apres"},
	{"fr", "prepare tes affaires"},
	{"fr", "prends tes affaires et viens"},
	{"fr", "ne lui dis rien"},
	{"fr", "dis lui rien stp"},
	{"fr", "efface ce msg"},
	{"fr", "il ne saura pas"},
	{"fr", "il saura jamais"},
	{"pt", "vem com a gente hoje a noite"},
	{"pt", "podes ficar connosco uns dias"},
	{"pt", "vamos buscar-te as 9"},
	{"pt", "passo a buscar-te depois"},
	{"pt", "prepara as tuas coisas"},
	{"pt", "pega nas tuas coisas e vem"},
	{"pt", "nao lhe digas nada"},
	{"pt", "nao conta pra ele"},
	{"pt", "apaga esta msg"},
	{"pt", "ele nao vai saber"},
	{"pt", "ele nunca vai saber"},
	{"pt", "ainda tens as marcas?"},
	{"ro", "vino cu noi diseara"},
	{"ro", "poti sta la noi cateva zile"},
	{"ro", "te luam noi la 9"},
	{"ro", "venim dupa tine dupa munca"},
	{"ro", "fa-ti bagajul"},
	{"ro", "ia-ti lucrurile si vino"},
	{"ro", "nu-i spune nimic"},
	{"ro", "nu ii spune"},
	{"ro", "sterge mesajul asta"},
	{"ro", "el nu o sa afle"},
	{"ro", "nu va sti"},
	{"en", "say nothing to him"},
	{"en", "don't let him see this"},
	{"en", "keep this between us"},
	{"es", "pasamos a por ti"},
	{"es", "ni una palabra a el"},
	{"es", "esto queda entre nosotras"},
	{"ca", "passem a per tu"},
	{"ca", "que no ho sapiga"},
	{"it", "che non lo sappia"},
	{"it", "resta tra noi"},
	{"fr", "qu'il le sache pas"},
	{"fr", "ca reste entre nous"},
	{"pt", "que ele nao saiba"},
	{"pt", "fica entre nos"},
	{"ro", "ramane intre noi"},
	{"ro", "nu spune nimanui"},
}

// plainCoverStories are cover stories in everyday words: what to say if
// he or anyone asks where she goes or who she talks to, who to say the
// number is, what she was doing, a contact name to save the number under.
// Staff write them informally (no accents, "q" for que, "x" for por). The
// plain policy refuses each with a risky_phrase finding.
var plainCoverStories = []struct{ lang, text string }{
	{"en", "if he asks where you're going, say it's the Catalan class"},
	{"en", "if anyone asks, we're friends from the course"},
	{"en", "tell him it's your cousin"},
	{"en", "tell them it's the bank calling"},
	{"en", "say you were at the market"},
	{"en", "save my number as Ana"},
	{"en", "save this number under Pizza"},
	{"en", "if he sees this message say it's a wrong number"},
	{"en", "if he asks who u were talking to just say its ur friend from work"},
	{"en", "when they ask where u been tell them u were at the shops"},
	{"en", "if anybody asks just tell em it was a wrong number"},
	{"en", "in case he asks, it's the dentist"},
	{"en", "put me in ur phone as Pizza Express"},
	{"en", "if he checks ur phone say it was the school"},
	{"en", "if ppl ask just say we're mates from the course"},
	{"es", "si te pregunta a donde vas, dile que al medico"},
	{"es", "si te pregunta a dónde vas, dile que vas a la compra"},
	{"es", "dile que es tu prima"},
	{"es", "si alguien pregunta, somos amigas del curso"},
	{"es", "di que estabas en el mercado"},
	{"es", "guárdame como Ana"},
	{"es", "guarda mi número como Pizza"},
	{"es", "si ve este mensaje dile que es un número equivocado"},
	{"es", "si te preguntan con quien hablabas contestale q era una amiga"},
	{"es", "si el te pregunta algo le dices q es del trabajo"},
	{"es", "dile q te llamo el banco"},
	{"es", "responde que te equivocaste de número"},
	{"es", "si te pregunta x q llegas tarde dile q habia cola en el super"},
	{"es", "si pregunta alguien, eres mi prima de Valencia"},
	{"ca", "si et demana a on vas, digues que a classe de catala"},
	{"ca", "si ell et demanen amb qui parles, digues-li q amb la cosina"},
	{"ca", "quan et demani on eres, contesta que a la biblio"},
	{"ca", "si et pregunta on vas, digues que a classe de catala"},
	{"ca", "digues-li que és la teva cosina"},
	{"ca", "si algú pregunta, som amigues del curs"},
	{"ca", "digues que estaves al mercat"},
	{"ca", "guarda'm com Ana"},
	{"ca", "guarda el meu número com Pizza"},
	{"ca", "si et pregunta amb qui parlaves digue-li q era una amiga"},
	{"ca", "si veu el missatge digues que és un número equivocat"},
	{"ca", "digues li q t'ha trucat el banc"},
	{"ca", "si et pregunta x q arribes tard digues-li q hi havia cua al super"},
	{"ca", "digues que érem al mercat"},
	{"ca", "posa'm com Montse de la perruqueria"},
	{"it", "se ti chiede dove vai, digli che vai dal medico"},
	{"it", "se qualcuno chiede, siamo amiche del corso"},
	{"it", "digli che è tua cugina"},
	{"it", "dille che eri al mercato"},
	{"it", "salvami come Anna"},
	{"it", "salva il mio numero come Pizza"},
	{"it", "se vede questo messaggio digli che è un numero sbagliato"},
	{"it", "se ti chiede con chi parlavi rispondi che era un'amica"},
	{"it", "se lui ti chiede qualcosa digli ke sei al corso"},
	{"it", "se ti chiede xke sei in ritardo digli ke c'era fila al super"},
	{"it", "se chiede qualcuno, sei mia cugina"},
	{"it", "mettimi come Francesca del parrucchiere"},
	{"fr", "s'il te demande où tu vas, dis-lui que tu vas chez le médecin"},
	{"fr", "si quelqu'un demande, on est copines du cours"},
	{"fr", "dis-lui que c'est ta cousine"},
	{"fr", "dis que t'étais au marché"},
	{"fr", "enregistre-moi sous Ana"},
	{"fr", "enregistre mon numéro sous Pizza"},
	{"fr", "s'il voit ce message dis-lui que c'est un faux numéro"},
	{"fr", "si on te demande avec qui tu parlais reponds que c'etait une copine"},
	{"fr", "s'il te demande qq chose tu dis que c'est le boulot"},
	{"fr", "dis lui q c'est la banque qui a appelé"},
	{"fr", "s'il te demande pk t'es en retard dis-lui qu'il y avait la queue"},
	{"fr", "s'il demande c'est ta cousine"},
	{"pt", "se ele perguntar onde vais, diz que vais ao médico"},
	{"pt", "se alguém perguntar, somos amigas do curso"},
	{"pt", "diz-lhe que é a tua prima"},
	{"pt", "diz que estavas no mercado"},
	{"pt", "guarda-me como Ana"},
	{"pt", "guarda o meu número como Pizza"},
	{"pt", "se ele vir esta mensagem diz que é engano"},
	{"pt", "se te perguntarem com quem falavas responde que era uma amiga"},
	{"pt", "se ele te perguntar alguma coisa diz q vais a aula"},
	{"pt", "diz-lhe q ligou o banco"},
	{"pt", "se perguntarem, és a minha prima"},
	{"pt", "diz que foste ao mercado com uma amiga"},
	{"ro", "dacă te întreabă unde mergi, spune-i că mergi la medic"},
	{"ro", "dacă întreabă cineva, suntem prietene de la curs"},
	{"ro", "spune-i că e verișoara ta"},
	{"ro", "zi că erai la piață"},
	{"ro", "salvează-mă ca Ana"},
	{"ro", "salvează numărul meu ca Pizza"},
	{"ro", "dacă vede mesajul spune-i că e număr greșit"},
	{"ro", "daca te intreaba cu cine vorbeai zi-i ca era o prietena"},
	{"ro", "daca el te intreaba ceva spune ca esti la curs"},
	{"ro", "spune-i ca a sunat banca"},
	{"ro", "daca te intreaba de ce ai intarziat zi-i ca era coada la magazin"},
	{"ro", "raspunde ca erai la coafor"},
	{"en", "if he ever wants to know where you were, say the library"},
	{"es", "si quiere saber dónde estabas, dile que en la biblioteca"},
	{"ca", "si vol saber on eres, digues-li que a la biblioteca"},
	{"it", "se vuole sapere dove eri, digli che eri in biblioteca"},
	{"fr", "s'il veut savoir où t'étais, dis-lui que t'étais à la bibliothèque"},
	{"pt", "se ele quiser saber onde estavas, diz-lhe que na biblioteca"},
	{"ro", "dacă vrea să știe unde erai, zi-i că la bibliotecă"},
	// His question alone, the answer after a mark or without a verb, and
	// what she can tell him.
	{"es", "si pregunta: estabas en clase conmigo"},
	{"es", "y si te pregunta? estabas en clase conmigo"},
	{"it", "se ti chiede: eri a scuola con me"},
	{"fr", "s il te demande: tu etais avec moi a l ecole"},
	{"pt", "se ele perguntar: estavas comigo na aula"},
	{"ro", "daca te intreaba: erai cu mine la scoala"},
	{"ca", "si et pregunta: estaves amb mi a classe"},
	{"en", "if they ask? you were at school with me"},
	{"es", "si te pregunta quien soy, una amiga de la escuela"},
	{"it", "se ti chiede chi sono, una amica della scuola"},
	{"en", "if they ask who i am, a friend from school"},
	{"es", "si quiere saber donde vas, a clase conmigo"},
	{"ca", "si vol saber qui soc, una amiga de classe"},
	{"it", "se vuole sapere chi sono, una amica di scuola"},
	{"fr", "s'il veut savoir qui je suis, une amie de l'ecole"},
	{"pt", "se ele quiser saber quem sou, uma amiga da escola"},
	{"ro", "daca vrea sa stie cine sunt, o prietena de la scoala"},
	{"en", "if he wants to know who i am, a friend from school"},
	{"en", "let him think you were at class"},
	{"it", "se ti fa domande, eri a scuola con me"},
	{"en", "if he questions you, you were at school"},
	{"it", "se ti domanda, eri con me a scuola"},
	{"ro", "daca te intreaba, ai fost la scoala cu mine"},
	{"en", "if they ask, you were at school with me"},
	{"es", "le puedes decir que estabas en clase conmigo"},
	{"it", "gli puoi dire che eri a scuola con me"},
	{"fr", "tu peux lui dire que tu etais a l'ecole avec moi"},
	{"ca", "li pots dir que eres a classe amb mi"},
	{"ro", "ii poti spune ca ai fost la scoala cu mine"},
	{"es", "le vas a decir que fuiste a clase"},
	{"pt", "podes lhe dizer que estavas comigo"},
}

// plainCoverBenign are everyday texts near the cover stories (asking,
// saying, "tell me if", "say hi") that the plain policy sends as written,
// and must keep sending: asking or saying alone is not a cover story.
var plainCoverBenign = []struct{ lang, text string }{
	{"en", "say hi to your little one from me"},
	{"en", "if you have any questions just ask"},
	{"en", "let me know if you need anything, just say"},
	{"en", "he asked about the course, it's on Monday"},
	{"en", "if you want to change the day just say"},
	{"en", "say when you're ready and we go"},
	{"en", "when you get there ask for me"},
	{"es", "pregunta por mí en la entrada"},
	{"es", "dime si el miércoles te viene bien"},
	{"es", "si tienes alguna pregunta dime"},
	{"es", "di que sí a la profe, es una buena idea"},
	{"es", "me dices si vienes el sabado"},
	{"ca", "pregunta per mi a l'entrada"},
	{"ca", "digues si dimecres et va bé"},
	{"ca", "digues-me si vens"},
	{"ca", "si tens alguna pregunta digues-m'ho"},
	{"ca", "pregunta'm el que vulguis"},
	{"ca", "digues que sí, t'ho passaras molt bé"},
	{"it", "dimmi se mercoledì ti va bene"},
	{"it", "se hai domande chiedi pure"},
	{"it", "di che cosa hai bisogno?"},
	{"it", "ti volevo dire che sei stata bravissima"},
	{"it", "dimmi se ti va bene alle 10"},
	{"fr", "dis-moi si mercredi ça te va"},
	{"fr", "si tu as une question demande-moi"},
	{"fr", "dis-moi que tu viens samedi"},
	{"fr", "demande-moi si tu as besoin de quelque chose"},
	{"fr", "si tu veux changer le jour, dis-le moi"},
	{"fr", "dis oui, ça va être super"},
	{"pt", "diz-me se quarta te dá jeito"},
	{"pt", "se tiveres alguma pergunta diz-me"},
	{"pt", "diz-me que vens sábado"},
	{"pt", "pergunta-me o que quiseres"},
	{"pt", "se quiseres mudar o dia diz-me"},
	{"pt", "diz que sim, vai ser giro"},
	{"ro", "zi-mi dacă miercuri e bine"},
	{"ro", "întreabă-mă orice vrei"},
	{"ro", "spune-mi când ajungi acasă"},
	{"ro", "zi-mi dacă vrei să schimbăm ziua"},
	{"ro", "dacă vrei să schimbăm ziua, spune-mi"},
	{"ro", "spune da, o să fie frumos"},
	{"es", "si quieres saber más, dime"},
	{"fr", "si tu veux savoir l'heure, dis-moi"},
	{"pt", "se quiseres saber mais, diz-me"},
}

// TestVocabularyRiskyPhrases: the plain policy refuses each message of
// vocabRiskyPhrases, plainRiskyPhrases and plainCoverStories (the scan it
// sends on finds something), the latter two with a risky_phrase finding
// that the other policies' scan (no ScanOptions.Plain) never makes, and
// sends each message of plainCoverBenign.
func TestVocabularyRiskyPhrases(t *testing.T) {
	f := mustVocabFilter(t)
	for _, c := range vocabRiskyPhrases {
		o := ScanOptions{Lang: c.lang, Vocabulary: true, Plain: true, UnknownNames: DefaultUnknownNames}
		if fs := f.ScanWith(c.text, o); len(fs) == 0 {
			t.Errorf("%s %q: sent as written under the plain policy", c.lang, c.text)
		}
	}
	has := func(fs []Finding) bool {
		return slices.ContainsFunc(fs, func(x Finding) bool { return x.Category == CategoryRiskyPhrase })
	}
	perLang, cover := map[string]int{}, map[string]int{}
	for _, c := range plainCoverStories {
		cover[c.lang]++
	}
	for _, c := range slices.Concat(plainRiskyPhrases, plainCoverStories) {
		perLang[c.lang]++
		o := ScanOptions{Lang: c.lang, Vocabulary: true, Plain: true, UnknownNames: DefaultUnknownNames}
		if fs := f.ScanWith(c.text, o); !has(fs) {
			t.Errorf("%s %q: no risky_phrase finding under the plain policy (%v)", c.lang, c.text, fs)
		}
		o.Plain = false
		if fs := f.ScanWith(c.text, o); has(fs) {
			t.Errorf("%s %q: a risky_phrase finding without the plain policy", c.lang, c.text)
		}
		if fs := f.ScanWith(c.text, ScanOptions{Lang: c.lang, Plain: true}); !has(fs) {
			t.Errorf("%s %q: no risky_phrase finding under Plain without the vocabulary", c.lang, c.text)
		}
	}
	for _, l := range ShippedLanguages {
		if perLang[l] < 5 {
			t.Errorf("%s: %d messages in plainRiskyPhrases, want at least 5", l, perLang[l])
		}
		if cover[l] < 8 {
			t.Errorf("%s: %d messages in plainCoverStories, want at least 8", l, cover[l])
		}
	}
	benign := map[string]int{}
	for _, c := range plainCoverBenign {
		benign[c.lang]++
		o := ScanOptions{Lang: c.lang, Vocabulary: true, Plain: true, UnknownNames: DefaultUnknownNames}
		if fs := f.ScanWith(c.text, o); len(fs) > 0 {
			t.Errorf("%s %q: refused under the plain policy (%v)", c.lang, c.text, fs)
		}
	}
	for _, l := range ShippedLanguages {
		if benign[l] < 5 {
			t.Errorf("%s: %d messages in plainCoverBenign, want at least 5", l, benign[l])
		}
	}
}

// TestRiskyPhrasesParse: every phrases file parses, and each shipped
// language has one.
func TestRiskyPhrasesParse(t *testing.T) {
	all, err := builtinRiskyPhrases()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ShippedLanguages {
		if len(all[langIndex(l)]) == 0 {
			t.Errorf("%s: no risky phrases", l)
		}
	}
	for name, data := range map[string]string{
		"lead":  "~ come with us\n",
		"trail": "come with ~\n",
		"twice": "come ~ ~ us\n",
		"wide":  "come ~ ~~ us\n",
		"wlead": "~~ come with us\n",
		"wtail": "come with ~~\n",
		"empty": "come |x\n",
		"nlead": "!come with us\n",
		"ngap":  "come ~ !with us\n",
		"dlead": "$ come\n",
		"dmid":  "come $ with\n",
		"dgap":  "come ~ $\n",
		"dnot":  "come !x $\n",
		"dtwo":  "come $ $\n",
	} {
		if _, err := parseRiskyPhrases(name, langEn, []byte(data), sbEnv()); err == nil {
			t.Errorf("%s: parsed %q", name, data)
		}
	}
	ps, err := parseRiskyPhrases("ok", langEn, []byte("# c\n\ncome|go ~ with us\n=pasta\nyou ~~ ok\n"), sbEnv())
	if err != nil || len(ps) != 3 || len(ps[0]) != 3 || ps[0][1].gap != riskyGap || ps[0][2].gap != 0 || len(ps[0][0].alts) != 2 || len(ps[1][0].alts[0][0].stems) != 0 || ps[2][1].gap != riskyWideGap {
		t.Errorf("parsed %+v, %v", ps, err)
	}
	ps, err = parseRiskyPhrases("ok", langEn, []byte("you in !my-thoughts ~~ ok $\n"), sbEnv())
	if err != nil || len(ps) != 1 || len(ps[0]) != 4 || !ps[0][2].not || len(ps[0][2].alts[0]) != 2 || !ps[0][3].end || ps[0][3].gap != riskyWideGap {
		t.Errorf("parsed %+v, %v", ps, err)
	}
}
