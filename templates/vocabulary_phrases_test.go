package templates

import "testing"

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

// TestVocabularyRiskyPhrases: the plain policy refuses each message of
// vocabRiskyPhrases (the scan it sends on finds something).
func TestVocabularyRiskyPhrases(t *testing.T) {
	f := mustVocabFilter(t)
	for _, c := range vocabRiskyPhrases {
		o := ScanOptions{Lang: c.lang, Vocabulary: true, UnknownNames: DefaultUnknownNames}
		if fs := f.ScanWith(c.text, o); len(fs) == 0 {
			t.Errorf("%s %q: sent as written under the plain policy", c.lang, c.text)
		}
	}
}
