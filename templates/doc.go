// Package templates owns the message catalogue (per language, a standard
// and a discreet variant of each template), rendering, and the
// discreet-content filter.
//
// A message to a phone that someone else may read must not reveal who
// sends it or why. Staff pick a template; the gateway renders its discreet
// variant when her phone may be monitored, and passes any free text staff
// type through the Filter.
//
// # Catalogue
//
// Templates are files, one per template id, embedded from builtin/*.tmpl
// (Builtin). Load(dir) adds the *.tmpl files of a deployment directory: a
// file whose id is a built-in one replaces that template entirely and must
// carry a higher version; any other id is added. Every discreet body is
// rendered with sample parameters and checked against the filter when the
// catalogue loads, so a bad template stops the service from starting (and
// a test over every date of a year stops the build). CheckDiscreet repeats
// the check with a deployment's own filter.
//
// # Template file format
//
//	# Comment lines start with '#', anywhere in the file.
//	id: appointment_reminder          # lower-case letters, digits, _
//	version: 1                        # positive integer, recorded with each message
//	description: Reminder of an appointment.
//	channels: sms, whatsapp, voice    # the channels it suits
//	param when: datetime              # datetime | meeting_point | text | digits | minutes
//	param place: meeting_point
//	promises: call at {when}          # optional: the text promises a call then
//	whatsapp es discreet: HX0123456789abcdef0123456789abcdef 1=when 2=place
//
//	[es standard]
//	Hola. Te recordamos tu cita: {when}, en {place}.
//	Si no puedes venir, responde a este mensaje.
//
//	[es discreet]
//	Hola, te recuerdo que quedamos el {when}, en {place}. ¡Hasta pronto!
//
//	[es discreet voice]
//	Hola, soy yo. Te llamo para recordarte que quedamos el {when}, en {place}.
//
// The header comes first: "key: value" lines. "param NAME: TYPE" declares
// the parameters in order. "whatsapp LANG VARIANT: CONTENTSID N=param ..."
// names the Twilio Content template (ContentSid, "HX" + 32 hex digits)
// approved for that language and variant, and which parameter fills
// variable {{N}} (numbered 1, 2, 3... in order); Render then returns
// ContentSID and ContentVariables for the whatsapp channel. The body in the
// file must be the text the Content template was approved with: it is what
// Preview shows. Built-in templates carry no ContentSid (SIDs belong to a
// Twilio account); a deployment adds them by overriding the template.
//
// "promises: call at {param}" says the text promises her a call at that
// datetime parameter (call_at, callback_notice). The gateway then checks
// the promised time before the text goes out (consent.DecideCall: her
// voice consent, not past, at most 30 days ahead, inside her safe hours),
// when it is accepted and again just before it is sent, so a call she is
// told to expect is one that may be made. An override of a built-in
// template must keep the built-in's promises header (Load refuses it
// otherwise); PromisedCall reports the parameter.
//
// Then sections "[LANG VARIANT]" with an optional channel: "[es discreet
// voice]" is used for the voice channel instead of "[es discreet]". LANG is
// a BCP 47 tag. Every language needs both variants; every template needs
// English, the last fallback. In a body, consecutive lines are joined with
// one space (wrap freely) and a blank line becomes one line break;
// {name} inserts a parameter, and every body must use every parameter;
// {name.at} inserts a meeting_point parameter's at form, the place with
// its preposition in the body's language ("a la Plaça Reial"; atform.go);
// other braces are not allowed. A WhatsApp variable may be N=name.at.
//
// # Rendering
//
// Render matches her language (BCP 47) against the template's languages
// with golang.org/x/text/language (es-MX gets es, gl and eu get es, mo gets
// ro, anything unmatched gets en) and returns the template id and version,
// the language actually used, the text exactly as the phone will show it
// (NFC; Preview returns just that), the WhatsApp content, and the SMS
// encoding and segment count (SMSSegments: GSM-7 with its extension table,
// or UCS-2; 160/153 and 70/67 units per part).
//
// Parameters:
//   - datetime: RFC 3339; rendered in her IANA time zone and language
//     (FormatDateTime: "martes 3 de junio, 10:00", "mardi 3 juin à 10h00",
//     "marți, 3 iunie, ora 10:00"); languages without names fall back to
//     "2025-06-03 10:00".
//   - meeting_point: one line, at most 80 characters, and it must pass the
//     filter: the neutral name of a metro or bus stop, never a street
//     address, phone, e-mail or URL. RenderRequest.AtForms gives its
//     registered at forms by language; {place.at} uses hers, checked like
//     the name (at most 120 bytes, and it must contain the name), or the
//     language's default construction ("en Metro Sol", "à Métro Bastille").
//   - text: one line, at most 300 characters; in a discreet rendering it
//     must pass the filter.
//   - digits: 1 to 6 digits (so it never reads as a phone number).
//   - minutes: a number of minutes from 1 to 180 without a leading zero.
//
// A discreet rendering whose final text has any finding fails with
// sensitive_content. Errors are *errs.Error with a stable code
// (unknown_template, missing_param, invalid_param, unsupported_channel,
// sensitive_content, invalid_template, invalid_terms) and the field at
// fault; messages name parameters, never their values.
//
// # Discreet-content filter
//
// Filter.Scan finds sensitive spans in text of any of the supported
// languages, by category: organisation, exploitation, legal, health,
// address, phone, email, url (and unknown_name, below, and
// not_in_vocabulary: under ScanOptions.Vocabulary every word outside her
// language's vocabulary of everyday words, vocabulary.go; and
// risky_phrase: under ScanOptions.Plain a phrase of everyday words that
// offers to take her away or hide her, plainphrases.go). It returns them
// sorted and non-overlapping, with byte offsets into the original text (on
// rune boundaries) and the matched text. ScanWith and StripWith take what
// is known about the message (ScanOptions): her language, whether unknown
// names count, and the names that are known.
//
// Every path builds its filter with NewFilterFrom(FilterConfig): the
// built-in lexicon, a deployment's terms file (stemmed like the built-in
// terms, in every language) and its stop list, and for the vocabulary
// policy the built-in vocabulary and a deployment's own words.
//
// How it matches, in one pass:
//   - The text is normalised (see normalize.go): case folded, diacritics
//     stripped (NFKD), white space runs collapsed, zero-width characters
//     dropped, full-width forms narrowed; an offset map leads every
//     normalised byte back to the original rune.
//     Obfuscations are folded too: repeated letters, letters spelt with
//     separators ("p.o.l.i.c.e"), digits and symbols for letters
//     ("p0lice"), look-alike letters of other scripts (Unicode
//     confusables), other full stops.
//   - The lexicon is matched word by word (tokindex.go): at each word
//     start the word's prefixes are looked up in a hash table of the
//     lexicon keys' first words, at most one probe per byte of the word
//     whatever the lexicon size; a head found is verified against its whole
//     key. A term matches at word boundaries, and a stem ("psicolog*")
//     matches any word that starts with it, which catches plural, gender
//     and Romanian suffixed articles (psicóloga, psicólogos, avocatul). A
//     word glued onto a short function word ("lapolicía", "thepolice") is
//     looked up again after it. A small Aho-Corasick automaton (a DFA over
//     byte classes) keeps the fixed patterns: street types, stop phrases,
//     spelt-out dots and digits, URL schemes.
//   - Morphology (stem.go): every term of a language file also matches by
//     stem in that language (Snowball; Catalan suffix rules): the stem is
//     a key, and only words that begin with it are stemmed (a sharded,
//     bounded cache keeps the stems) and compared; phrases are checked
//     word by word. Stems shared with benign words are kept out (the
//     over-reach guard). A "debt:" term widens to its clause.
//   - Context (context.go): everyday words that name a procedure only
//     beside one ("entretien", "interview", "arrêtée") are findings only
//     in a sentence that already has one.
//   - A stop list (lexicon/stop.list and the deployment's) names phrases in
//     which nothing is flagged: "court 3", "Tottenham Court Road", "bus
//     shelter", "police Arial", and "metro ^": a capitalised name after a
//     word for a station ("Metro Tribunali") is a place.
//   - Numbers: hotlines alone or after a word for calling ("llama al
//     016", "call 999"), phone numbers spelt in words or split by a word;
//     domains in any case and with a spelt-out dot ("example dot org",
//     "example[.]org"), @handles.
//   - With ScanOptions.UnknownNames (a monitored phone's free text),
//     acronyms and capitalised names the filter cannot place are findings
//     of category unknown_name (names.go); the cover name staff give for
//     saving their number ("save it as Ana", "guárdalo como Ana") is not.
//   - Anchored scanners start only where their pattern can begin: phones (7
//     or more digits with separators or a + prefix; dates, times, time and
//     year ranges break a number run, so "10:00", "reply 1", "3/6/2025" and
//     "10.00-12.30" are not phones), postcodes (5-6 digits before a
//     capitalised place or after a postcode label, PT 1000-001, UK SW1A
//     1AA), e-mails (at '@'), URLs (schemes, www., bare domains with a
//     known top-level domain), and street addresses (anchored on a
//     street-type word from the automaton: "Calle Mayor 5", "c/ Pelai 12",
//     "Carrer de Pelai, 3", "Via Roma 10", "12 rue de la Paix", "Rua
//     Augusta 25", "Strada Lipscani nr. 5", "221B Baker Street"). Street
//     types that are also common words (via, place, camino, way...) need a
//     capitalised name; a number followed by a unit ("5 minutos") or after
//     a time word ("a las 5") is not a house number.
//
// The lexicon ships in lexicon/*.txt (one file per language plus
// common.txt), in the same format a deployment uses for its own terms
// (NewFilter(path) or NewFilterWithTerms):
//
//	# comment
//	organisation: Fundación Esperanza Nueva
//	organisation: Lucía Ferrer
//	address: Carrer d'Elisabets
//	health: psicolog*
//
// Categories are the eight above ("organization" is accepted). A term is
// matched case- and accent-insensitively as a whole word or phrase; a
// trailing * makes it a stem. Errors name the line, never the term.
//
// # Replacement policy (Strip)
//
// Filter.Strip removes every span; it never puts a neutral word in its
// place, because a word that is neutral and grammatical depends on the
// language, gender and sentence, which the filter does not know. So that
// the rest still reads, it also removes the function words left dangling
// right before a span (up to four: articles, prepositions, possessives,
// conjunctions of the shipped languages, and elided l' d' dell'), and, for
// phone, e-mail, URL and address spans, their labels ("Tel.:", "correo",
// "web", "CP"). Then it tidies white space and punctuation: no double
// spaces, no space before , . ; : ! ? ) or after ( ¿ ¡, no empty (), []
// or ¿?, no doubled or leading , ; : and no trailing , ; :. Examples:
//
//	"Nos vemos en la comisaría a las 10."     -> "Nos vemos a las 10."
//	"Llámame (tel. 612 345 678) mañana."      -> "Llámame mañana."
//	"Je t'attends au 12 rue de la Paix, à 10h." -> "Je t'attends, à 10h."
//
// If a removal joins words into a new sensitive phrase, that is removed
// too: Strip's result always scans clean. A text with no finding is
// returned unchanged. The gateway shows the stripped text to staff as a
// suggestion; it does not send it on its own.
//
// MonitoredProblem refuses, before any filtering, text with bidi or other
// format controls, a word mixing scripts, a letter masked by "*"
// ("pol*cía") or letters and digits drawn as symbols NFKC does not map
// ("🅟🅞🅛", "🇵🇴🇱", "🆘", "❶") or maps to what the scanners misread
// (the bracketed and full-stop digits "⑹" "⒍", the mathematical
// alphabets "𝐏𝐎𝐋𝐈𝐂𝐈𝐀"), or code points unassigned in Go's Unicode tables
// or for private use: such text is refused for a monitored phone, not
// cleaned. Pictographs are read as words (pictographs.go):
// "🏥" is a health finding, "👮" a legal one, and under the vocabulary
// policy an emoji outside a short list of greeting ones is not in her
// vocabulary.
//
// # Known limits
//
// The lexicon errs on the side of flagging: some words with a benign
// second meaning are caught ("hearing", "trial" in English outside the
// stop list, "avocat" (also avocado) in French, "audiencia"), and a
// meeting point named after a hospital or clinic ("Hospital Clínic") is
// refused. A house number is only found next to a street-type word; a
// street name on its own is caught only if the deployment lists it (or,
// capitalised, as an unknown name). Words that are sensitive only in
// context are caught only in a sentence with another finding. A word
// spelt with spaces and followed by a one-letter word ("r e f u g i o a
// las 10") is read with that letter and missed. Exploitation said without
// its words ("the woman who ran the flat") is caught only where the
// phrase is listed. The figures are in docs/benchmarks.md.
package templates
