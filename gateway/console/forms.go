package console

import (
	"strings"

	"golang.org/x/text/language"

	"safecontact/consent"
	"safecontact/errs"
)

// The form vocabulary the area pages share (the participant and referral
// forms ask for the same things about her): a refused field's error, the
// channel choices, and the languages and zones offered.

// FieldErr is a refused form's error, shown in words beside its field.
type FieldErr struct {
	Form, Field, Text string
}

// At is the error's text if it is about field of form, else "".
func (e *FieldErr) At(form, field string) string {
	if e == nil || e.Form != form || e.Field != field {
		return ""
	}
	return e.Text
}

// FormErrorText is a refused form's sentence in the reader's language:
// the area's catalogue key for the error's code (keys), else the core's
// sentence for the code (error.<code>), else a sentence naming the code.
// Never the error's own message: that is English, for the API's clients
// and the logs.
func FormErrorText(L *Localizer, err error, keys map[string]string) string {
	code := errs.Code(err)
	if k, ok := keys[code]; ok {
		return L.T(k)
	}
	if s := L.T("error." + code); !strings.HasPrefix(s, "⟦") {
		return ErrorText(L, err)
	}
	return L.T("error.form_refused", "code", code)
}

// ChanOption is a channel of a form's choice.
type ChanOption struct{ Value, Name string }

// ChannelOptions are the channels in the reader's words, in consent's
// order.
func ChannelOptions(L *Localizer) []ChanOption {
	out := make([]ChanOption, 0, len(consent.Channels))
	for _, ch := range consent.Channels {
		out = append(out, ChanOption{Value: string(ch), Name: ChannelName(L, ch)})
	}
	return out
}

// ChannelName is a channel in the reader's words.
func ChannelName(L *Localizer, ch consent.Channel) string {
	switch ch {
	case consent.SMS:
		return L.T("participants.channel.sms")
	case consent.WhatsApp:
		return L.T("participants.channel.whatsapp")
	case consent.Voice:
		return L.T("participants.channel.voice")
	}
	return string(ch)
}

// HerLanguages are offered in the language fields (any BCP 47 tag is
// accepted).
var HerLanguages = []string{"es", "en", "ro", "pt", "fr", "it", "ca", "ar", "bg", "uk", "ru", "zh", "tl", "wo", "ff", "ha", "yo", "ig", "am", "ti"}

// LanguageLabel names a language tag in its own language, with the tag:
// "español (es)".
func LanguageLabel(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	return LanguageName(t) + " (" + tag + ")"
}
