package callback

// The spoken screen before any call reaches her: a short, neutral prompt
// in her language ("press 1 if you can talk now"). It names nobody and no
// organisation, so whoever answers her phone learns nothing; only she
// knows to press 1. No key, or another key: the call ends.

// voiceLang is how one shipped language is spoken: Twilio's <Say>
// language and an Amazon Polly voice that speaks it (the basic Twilio
// voices do not cover Catalan or Romanian).
type voiceLang struct {
	tag, voice string
	// prompt is the screen, asked before the bridge or the reminder.
	prompt string
	// unavailable is said to the staff member when the call cannot go
	// ahead (her consent or safe window changed while the phone rang).
	unavailable string
}

var voiceLangs = map[string]voiceLang{
	"es": {tag: "es-ES", voice: "Polly.Lucia", prompt: "Hola. Si puedes hablar ahora, pulsa 1.", unavailable: "Ahora no se puede hacer la llamada."},
	"ca": {tag: "ca-ES", voice: "Polly.Arlet-Neural", prompt: "Hola. Si ara pots parlar, prem 1.", unavailable: "Ara no es pot fer la trucada."},
	"it": {tag: "it-IT", voice: "Polly.Bianca", prompt: "Ciao. Se puoi parlare adesso, premi 1.", unavailable: "Ora la chiamata non si può fare."},
	"en": {tag: "en-GB", voice: "Polly.Amy", prompt: "Hello. If you can talk now, press 1.", unavailable: "The call cannot be made now."},
	"fr": {tag: "fr-FR", voice: "Polly.Lea", prompt: "Bonjour. Si tu peux parler maintenant, appuie sur 1.", unavailable: "L'appel ne peut pas être passé maintenant."},
	"pt": {tag: "pt-PT", voice: "Polly.Ines", prompt: "Olá. Se puderes falar agora, carrega no 1.", unavailable: "A chamada não pode ser feita agora."},
	"ro": {tag: "ro-RO", voice: "Polly.Carmen", prompt: "Bună. Dacă poți vorbi acum, apasă 1.", unavailable: "Apelul nu poate fi făcut acum."},
}

// langAliases follow the template catalogue's matching for languages it
// maps onto a shipped one.
var langAliases = map[string]string{"gl": "es", "eu": "es", "mo": "ro", "oc": "ca"}

// voiceFor returns how to speak to someone whose language is lang (a BCP
// 47 tag); English when it is not a shipped language.
func voiceFor(lang string) voiceLang {
	b := baseLang(lang)
	if a, ok := langAliases[b]; ok {
		b = a
	}
	if v, ok := voiceLangs[b]; ok {
		return v
	}
	return voiceLangs["en"]
}
