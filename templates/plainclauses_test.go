package templates

import "testing"

// plainHarmClauses are sensitive messages written entirely in everyday
// words: a debt she need not pay back, the loan and who lent it, the lies
// about the job and the trip, the money she earns or her papers taken, the
// man who drives her about at night or the one she left with, the sim or
// phone he gave her, a "boyfriend" in scare quotes, what she can tell him
// (she is going to the chemist), where she lives unknown to him now, a
// hospital discharge. Typed the way people text. The plain policy refuses
// each with a risky_phrase finding.
var plainHarmClauses = []struct{ lang, text string }{
	{"en", "ur not obliged to pay back the 8k"},
	{"en", "you dont have to pay them back"},
	{"en", "they lied to u about the job and the trip"},
	{"en", "he lied to you about the wages"},
	{"en", "if he's still taking the money u earn"},
	{"en", "he keeps ur wages"},
	{"en", "the madame has no right to keep your ID"},
	{"en", "they're keeping ur passport"},
	{"en", "just tell him ur going to the chemist"},
	{"en", "that guy who drives u about at night"},
	{"en", "the man who brings you back every night"},
	{"en", "the one u left for Italy with"},
	{"en", "the man you took that loan from"},
	{"en", "the sim he gave you, throw it away"},
	{"en", "is ur \"boyfriend\" still there?"},
	{"en", "he doesn't know where you live any more"},

	{"fr", "t'es pas obligee de rembourser les 30 000"},
	{"fr", "ils t'ont menti sur le voyage"},
	{"fr", "il te ment sur le salaire"},
	{"fr", "s'il te prend encore l'argent que tu gagnes"},
	{"fr", "la madame a pas le droit de garder ta carte d'identite"},
	{"fr", "tu peux lui dire que tu vas a la pharmacie"},
	{"fr", "le monsieur qui te ramene chaque soir"},
	{"fr", "le mec avec qui t'es partie en Italie"},
	{"fr", "la puce qu'il t'a donnee, jette la"},
	{"fr", "ton \"copain\" est toujours la?"},
	{"fr", "ton « copain » est toujours la?"},
	{"fr", "il sait plus ou tu habites"},
	{"fr", "t'es sortie de l'hopital?"},

	{"es", "no estas obligada a devolver los 3000"},
	{"es", "te mintieron con el trabajo y el viaje"},
	{"es", "si te sigue quitando el dinero que ganas"},
	{"es", "la señora no tiene derecho a quedarse tu pasaporte"},
	{"es", "dile q vas a la farmacia"},
	{"es", "el tipo que te lleva por las noches"},
	{"es", "el chico con quien te fuiste a Italia"},
	{"es", "la sim que te dio, tirala"},
	{"es", "tu \"novio\" sigue ahi?"},
	{"es", "ya no sabe donde vives"},
	{"es", "hola mi niña, ya te han dado de alta? escribeme"},

	{"it", "non sei obbligata a ridare i 5000"},
	{"it", "ti hanno mentito sul lavoro e sul viaggio"},
	{"it", "se ti prende ancora i soldi che guadagni"},
	{"it", "non ha diritto di tenere il tuo passaporto"},
	{"it", "il passaporto non lasciarlo in casa sua"},
	{"it", "digli che vai in farmacia"},
	{"it", "il tipo che ti porta in giro la notte"},
	{"it", "quello con cui sei partita per l'Italia"},
	{"it", "hai ancora la sim che ti ha dato? buttala"},
	{"it", "il tuo \"fidanzato\" e ancora li?"},
	{"it", "non sa piu dove abiti"},
	{"it", "ti hanno dimessa?"},

	{"pt", "nao es obrigada a devolver os 5000"},
	{"pt", "mentiram-te sobre o trabalho e a viagem"},
	{"pt", "se ele ainda fica com o dinheiro que ganhas"},
	{"pt", "ele fica com o teu passaporte?"},
	{"pt", "a senhora nao tem direito de ficar com o teu passaporte"},
	{"pt", "podes dizer-lhe que vais a farmacia"},
	{"pt", "o gajo que te leva todas as noites"},
	{"pt", "o homem com quem vieste para Portugal"},
	{"pt", "o chip que ele te deu, deita-o fora"},
	{"pt", "tens ainda o telemovel q o teu \"namorado\" te deu?"},
	{"pt", "ja nao sabe onde moras"},
	{"pt", "ja tiveste alta?"},

	{"ca", "no estas obligada a tornar els 3000"},
	{"ca", "et van mentir amb la feina i el viatge"},
	{"ca", "si encara et pren els diners que guanyes"},
	{"ca", "et guarden el passaport?"},
	{"ca", "no tenen dret a quedar-se el teu passaport"},
	{"ca", "li pots dir que vas a la farmacia"},
	{"ca", "el noi que et porta cada nit"},
	{"ca", "el noi amb qui vas marxar a Italia"},
	{"ca", "la sim que et va donar, llença-la"},
	{"ca", "el teu \"novio\" encara hi es?"},
	{"ca", "tranqui q el noi que et va dur fins a Girona amb el cotxe ja no sap on vius"},
	{"ca", "ja t'han donat l'alta?"},

	{"ro", "nu esti obligata sa dai inapoi cei 5000 de euro"},
	{"ro", "te-au mintit cu tot cu drumul"},
	{"ro", "daca iti mai ia banii pe care ii castigi"},
	{"ro", "iti tine buletinul?"},
	{"ro", "madam nu are dreptul sa tina actele tale"},
	{"ro", "spune-i ca mergi la farmacie"},
	{"ro", "tipul care te duce noaptea"},
	{"ro", "baiatul cu care ai plecat in Italia"},
	{"ro", "omul de la care ai luat imprumutul ala"},
	{"ro", "cartela pe care ti-a dat-o, arunc-o"},
	{"ro", "\"iubitul\" tau mai e acolo?"},
	{"ro", "nu mai stie unde stai"},
	{"ro", "te-au externat?"},
}

// plainHarmClausesBenign are everyday texts near those clauses (money
// lent between friends, a lie about one's age, a receipt kept, the kids
// taken to school, a greeting passed on, a trip to the beach, a job fair,
// a boyfriend asked about) that no risky phrase matches.
var plainHarmClausesBenign = []struct{ lang, text string }{
	{"en", "pay me back the 5 euros for the cinema"},
	{"en", "you don't have to pay me back"},
	{"en", "I lied about my age lol"},
	{"en", "keep the receipt"},
	{"en", "he's taking the kids to school"},
	{"en", "tell him happy birthday"},
	{"en", "say hi to your mum"},
	{"en", "the trip to the beach was great"},
	{"en", "the job fair on Tuesday"},
	{"en", "your boyfriend? how nice"},
	{"en", "don't forget to take your passport to the appointment"},
	{"en", "keep your money, I'll pay"},
	{"en", "the phone he gave you for christmas is nice"},
	{"en", "I don't know where you live, send me the address"},
	{"en", "you don't need to give him anything for his birthday"},
	{"en", "he wants u to get cash from the machine"},
	{"en", "I can lend you the fare for the bus"},
	{"en", "I promised u I'd help with work"},
	{"en", "keep the money you got for your birthday"},
	{"en", "they check your ID at the door"},
	{"en", "don't leave it at his house, bring it to the party"},
	{"en", "the guy who drives you home tonight"},
	{"en", "the lady you left the keys with"},
	{"en", "tell him u have to work late"},
	{"en", "the man who takes u around the museum"},
	{"en", "stop giving him sweets"},

	{"fr", "rembourse-moi les 5 euros du cine"},
	{"fr", "j'ai menti sur mon age mdr"},
	{"fr", "garde le ticket"},
	{"fr", "il emmene les enfants a l'ecole"},
	{"fr", "dis-lui joyeux anniversaire"},
	{"fr", "dis bonjour a ta maman"},
	{"fr", "le voyage a la plage etait super"},
	{"fr", "le salon de l'emploi mardi"},
	{"fr", "ton copain ? trop bien"},
	{"fr", "garde ton passeport sur toi pour le rdv"},
	{"fr", "pas besoin de payer, c'est gratuit"},
	{"fr", "t'as pas besoin de me rendre le livre"},
	{"fr", "il dit que tu dois venir samedi"},
	{"fr", "l'argent qu'il t'a donne pour les courses"},
	{"fr", "laisse pas le chien chez lui"},
	{"fr", "avec qui t'es partie en vacances?"},
	{"fr", "je sais plus ou tu habites"},
	{"fr", "tu vas pas lui rendre visite?"},

	{"es", "devuelveme los 5 euros del cine"},
	{"es", "menti sobre mi edad jaja"},
	{"es", "guarda el ticket"},
	{"es", "lleva a los niños al cole"},
	{"es", "dile feliz cumpleaños"},
	{"es", "saluda a tu madre"},
	{"es", "el viaje a la playa fue genial"},
	{"es", "la feria de empleo el martes"},
	{"es", "tu novio? que bien"},
	{"es", "el chico que te lleva al cine esta noche"},
	{"es", "no tienes que pagar nada, es gratis"},
	{"es", "no tienes que devolverme el libro"},
	{"es", "no le tienes que dar explicaciones"},
	{"es", "dice que tu debes venir"},
	{"es", "el dinero que te dio tu madre"},
	{"es", "te prometio llevarte a casa"},
	{"es", "te guardo el dinero hasta mañana"},
	{"es", "no dejes los juguetes en su casa"},
	{"es", "con quien te fuiste de vacaciones?"},
	{"es", "te has dado de alta en el gimnasio?"},

	{"it", "ridammi i 5 euro del cinema"},
	{"it", "ho mentito sulla mia eta lol"},
	{"it", "tieni lo scontrino"},
	{"it", "porta i bambini a scuola"},
	{"it", "digli buon compleanno"},
	{"it", "saluta tua mamma"},
	{"it", "il viaggio al mare era bellissimo"},
	{"it", "la fiera del lavoro martedi"},
	{"it", "il tuo ragazzo? che bello"},
	{"it", "tieni il passaporto con te per l'appuntamento"},
	{"it", "non devi pagare niente, e gratis"},
	{"it", "non devi restituire il libro"},
	{"it", "dice che devi venire sabato"},
	{"it", "i soldi che ti ha dato la nonna"},
	{"it", "ti prendo i soldi dal portafoglio?"},
	{"it", "con cui sei partita per le vacanze"},
	{"it", "non so piu dove abiti"},

	{"pt", "devolve-me os 5 euros do cinema"},
	{"pt", "menti sobre a minha idade lol"},
	{"pt", "guarda o talao"},
	{"pt", "ele leva os miudos a escola"},
	{"pt", "diz-lhe parabens"},
	{"pt", "diz ola a tua mae"},
	{"pt", "a viagem a praia foi otima"},
	{"pt", "a feira de emprego na terca"},
	{"pt", "o teu namorado? que giro"},
	{"pt", "o telemovel que a tua mae te deu e lindo"},
	{"pt", "nao precisas de pagar nada"},
	{"pt", "diz que tu deves vir"},
	{"pt", "o dinheiro que a avo te deu"},
	{"pt", "eu te levo o cartao amanha"},
	{"pt", "nao deixes o cao em casa dele"},
	{"pt", "com quem saiste ontem?"},
	{"pt", "ja nao sei onde moras"},
	{"pt", "recebeste a nota alta?"},

	{"ca", "torna'm els 5 euros del cine"},
	{"ca", "vaig mentir sobre la meva edat jaja"},
	{"ca", "guarda el tiquet"},
	{"ca", "porta els nens a l'escola"},
	{"ca", "digues-li per molts anys"},
	{"ca", "saluda la teva mare"},
	{"ca", "el viatge a la platja va ser genial"},
	{"ca", "la fira de feina dimarts"},
	{"ca", "el teu novio? que be"},
	{"ca", "no sap on vius, envia-li l'adreça"},
	{"ca", "no cal pagar res, es gratis"},
	{"ca", "els diners que et va donar la iaia"},
	{"ca", "et guardo la targeta fins dema"},
	{"ca", "no deixis el gos a casa seva"},
	{"ca", "amb qui vas marxar de vacances?"},
	{"ca", "la noia que et va portar a la festa a les 8"},
	{"ca", "dius que vas a l'escola dema?"},
	{"ca", "t'has donat d'alta al gimnas?"},

	{"ro", "da-mi inapoi cei 5 lei de la film"},
	{"ro", "am mintit despre varsta mea lol"},
	{"ro", "pastreaza bonul"},
	{"ro", "el duce copiii la scoala"},
	{"ro", "spune-i la multi ani"},
	{"ro", "saluta-o pe mama ta"},
	{"ro", "excursia la mare a fost super"},
	{"ro", "targul de joburi de marti"},
	{"ro", "iubitul tau? ce dragut"},
	{"ro", "nu trebuie sa platesti nimic, e gratis"},
	{"ro", "banii pe care ti i-a dat mama"},
	{"ro", "iti tin eu banii pana maine"},
	{"ro", "prietena cu care ai venit in oras"},
	{"ro", "nu mai stiu unde stai"},
	{"ro", "cel care te-a adus aici la petrecere"},
}

// TestPlainHarmClauses: the plain policy refuses each message of
// plainHarmClauses with a risky_phrase finding (with the vocabulary and
// without it), and no risky phrase matches a message of
// plainHarmClausesBenign; each language has at least 10 of the one and 8
// of the other.
func TestPlainHarmClauses(t *testing.T) {
	f := mustVocabFilter(t)
	risky, benign := map[string]int{}, map[string]int{}
	for _, c := range plainHarmClauses {
		risky[c.lang]++
		if fs := f.ScanWith(c.text, plainOpts(c.lang)); !hasRiskyPhrase(fs) {
			t.Errorf("%s %q: no risky_phrase finding under the plain policy (%v)", c.lang, c.text, fs)
		}
		if fs := f.ScanWith(c.text, ScanOptions{Lang: c.lang, Plain: true}); !hasRiskyPhrase(fs) {
			t.Errorf("%s %q: no risky_phrase finding under Plain without the vocabulary", c.lang, c.text)
		}
	}
	for _, c := range plainHarmClausesBenign {
		benign[c.lang]++
		if fs := f.ScanWith(c.text, plainOpts(c.lang)); hasRiskyPhrase(fs) {
			t.Errorf("%s %q: a risky_phrase finding (%v)", c.lang, c.text, fs)
		}
	}
	for _, l := range ShippedLanguages {
		if risky[l] < 10 || benign[l] < 8 {
			t.Errorf("%s: %d clauses and %d benign texts, want at least 10 and 8", l, risky[l], benign[l])
		}
	}
}
