package channels

import (
	"encoding/xml"
	"strconv"
)

// TwiML is a Twilio voice response document built from typed verbs and
// rendered with encoding/xml, so every attribute and text is escaped: a
// number or a spoken sentence can never break out of its element.
type TwiML struct {
	verbs []any
}

// Say speaks text in language (e.g. "es-ES"); voice may be "" for
// Twilio's default for that language.
func (t *TwiML) Say(text, language, voice string) *TwiML {
	t.verbs = append(t.verbs, say{Text: text, Language: language, Voice: voice})
	return t
}

// Gather waits for numDigits keys for up to timeout seconds while the
// prompt is spoken, then posts Digits to action. With
// actionOnEmptyResult the action is called even when nothing was pressed,
// so "no key" is a decision the action makes, not a fall-through.
func (t *TwiML) Gather(action string, numDigits, timeout int, prompt, language, voice string) *TwiML {
	g := gather{Action: action, Method: "POST", NumDigits: strconv.Itoa(numDigits), Timeout: strconv.Itoa(timeout),
		ActionOnEmptyResult: "true", Input: "dtmf"}
	if prompt != "" {
		g.Say = &say{Text: prompt, Language: language, Voice: voice}
	}
	t.verbs = append(t.verbs, g)
	return t
}

// DialNumber is the <Number> of a <Dial>.
type DialNumber struct {
	Number string // E.164
	// URL is fetched when the number answers, before the bridge (a
	// whisper/screen: she hears it, the caller keeps hearing ringing).
	URL string
	// MachineDetection: "" (off), "Enable" or "DetectMessageEnd";
	// AnsweredBy reaches URL.
	MachineDetection string
	// AMDStatusCallback receives asynchronous machine detection results.
	AMDStatusCallback string
}

// Dial bridges the current call to n, showing callerID, ringing for at
// most timeout seconds; action receives DialCallStatus when the leg ends.
// answerOnBridge: the caller hears ringing until the bridge is made.
func (t *TwiML) Dial(callerID string, timeout int, action string, n DialNumber) *TwiML {
	t.verbs = append(t.verbs, dial{CallerID: callerID, AnswerOnBridge: "true", Timeout: strconv.Itoa(timeout),
		Action: action, Method: "POST", Record: "do-not-record",
		Number: number{Number: n.Number, URL: n.URL, Method: methodFor(n.URL), MachineDetection: n.MachineDetection,
			AMDStatusCallback: n.AMDStatusCallback, AMDStatusCallbackMethod: methodFor(n.AMDStatusCallback)}})
	return t
}

// Pause waits seconds.
func (t *TwiML) Pause(seconds int) *TwiML {
	t.verbs = append(t.verbs, pause{Length: strconv.Itoa(seconds)})
	return t
}

// Hangup ends the call.
func (t *TwiML) Hangup() *TwiML {
	t.verbs = append(t.verbs, hangup{})
	return t
}

// Bytes renders the document with its XML declaration. An empty TwiML is
// <Response></Response>: Twilio does nothing (for an inbound message: no
// reply; for a whisper URL: the bridge proceeds).
func (t *TwiML) Bytes() []byte {
	b, err := xml.Marshal(response{Verbs: t.verbs})
	if err != nil {
		// Only our own fixed types go in: this cannot fail.
		panic(err)
	}
	return append([]byte(xml.Header), b...)
}

// ContentTypeTwiML is the Content-Type of a TwiML answer.
const ContentTypeTwiML = "text/xml; charset=utf-8"

func methodFor(u string) string {
	if u == "" {
		return ""
	}
	return "POST"
}

type response struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []any
}

type say struct {
	XMLName  xml.Name `xml:"Say"`
	Language string   `xml:"language,attr,omitempty"`
	Voice    string   `xml:"voice,attr,omitempty"`
	Text     string   `xml:",chardata"`
}

type gather struct {
	XMLName             xml.Name `xml:"Gather"`
	Input               string   `xml:"input,attr,omitempty"`
	NumDigits           string   `xml:"numDigits,attr"`
	Timeout             string   `xml:"timeout,attr"`
	Action              string   `xml:"action,attr,omitempty"`
	Method              string   `xml:"method,attr,omitempty"`
	ActionOnEmptyResult string   `xml:"actionOnEmptyResult,attr,omitempty"`
	Say                 *say
}

type dial struct {
	XMLName        xml.Name `xml:"Dial"`
	CallerID       string   `xml:"callerId,attr"`
	AnswerOnBridge string   `xml:"answerOnBridge,attr"`
	Timeout        string   `xml:"timeout,attr,omitempty"`
	Action         string   `xml:"action,attr,omitempty"`
	Method         string   `xml:"method,attr,omitempty"`
	Record         string   `xml:"record,attr,omitempty"`
	Number         number
}

type number struct {
	XMLName                 xml.Name `xml:"Number"`
	URL                     string   `xml:"url,attr,omitempty"`
	Method                  string   `xml:"method,attr,omitempty"`
	MachineDetection        string   `xml:"machineDetection,attr,omitempty"`
	AMDStatusCallback       string   `xml:"amdStatusCallback,attr,omitempty"`
	AMDStatusCallbackMethod string   `xml:"amdStatusCallbackMethod,attr,omitempty"`
	Number                  string   `xml:",chardata"`
}

type pause struct {
	XMLName xml.Name `xml:"Pause"`
	Length  string   `xml:"length,attr"`
}

type hangup struct {
	XMLName xml.Name `xml:"Hangup"`
}
