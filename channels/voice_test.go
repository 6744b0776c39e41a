package channels

import (
	"context"
	"encoding/xml"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
)

const voiceFrom = "+15005550008"

func TestCreateCallThroughFake(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
	rc, err := tw.CreateCall(context.Background(), CallRequest{
		To: herNumber, From: voiceFrom,
		URL:                  "https://gw.example.org/webhooks/twilio/voice/bridge?task=7",
		StatusCallback:       "https://gw.example.org/webhooks/twilio/voice/status?task=7",
		StatusCallbackEvents: []string{"initiated", "answered", "completed"},
		MachineDetection:     "Enable",
		Timeout:              25 * time.Second,
		TimeLimit:            time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !IsCallSid(rc.Sid) || rc.Status != "queued" {
		t.Fatalf("receipt %+v", rc)
	}
	call, ok := f.Call(rc.Sid)
	if !ok {
		t.Fatal("the fake has no such call")
	}
	p := call.Params
	if call.To != herNumber || call.From != voiceFrom || p.Get("Url") != "https://gw.example.org/webhooks/twilio/voice/bridge?task=7" ||
		p.Get("Method") != "POST" || p.Get("MachineDetection") != "Enable" || p.Get("Timeout") != "25" || p.Get("TimeLimit") != "3600" ||
		strings.Join(p["StatusCallbackEvent"], ",") != "initiated,answered,completed" || p.Get("Record") != "" {
		t.Fatalf("call params %v", p)
	}
	// Hang up: an update with Status=completed.
	if err := tw.HangUpCall(context.Background(), rc.Sid); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.Call(rc.Sid); c.Status != "completed" {
		t.Fatalf("after hang-up: %s", c.Status)
	}
	// A call the provider does not know: not_found, no number in the error.
	err = tw.HangUpCall(context.Background(), "CA"+strings.Repeat("0", 32))
	if errCode(err) != "not_found" {
		t.Fatalf("unknown call: %v", err)
	}
}

func errCode(err error) string {
	if se, ok := err.(*SendError); ok {
		return se.Code
	}
	return ""
}

func TestCreateCallErrorsCarryNoNumber(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
	f.FailTo(herNumber, 400, 21211) // the fake's message quotes the number, like Twilio's
	_, err := tw.CreateCall(context.Background(), CallRequest{To: herNumber, From: voiceFrom, URL: "https://gw.example.org/x"})
	if err == nil || errCode(err) != "invalid_number" {
		t.Fatalf("err = %v", err)
	}
	assertNoNumber(t, err)
	// Local validation: nothing is sent.
	for _, c := range []CallRequest{
		{To: "612345678", From: voiceFrom, URL: "https://gw.example.org/x"},
		{To: herNumber, From: "", URL: "https://gw.example.org/x"},
		{To: herNumber, From: voiceFrom, URL: "/relative"},
		{To: herNumber, From: voiceFrom, URL: "https://gw.example.org/x", MachineDetection: "Yes"},
		{To: herNumber, From: voiceFrom, URL: "https://gw.example.org/x", StatusCallback: "https://x/y", StatusCallbackEvents: []string{"bogus"}},
	} {
		n := f.RequestCount()
		_, err := tw.CreateCall(context.Background(), c)
		if err == nil {
			t.Errorf("%+v: no error", c)
		}
		assertNoNumber(t, err)
		if f.RequestCount() != n {
			t.Errorf("%+v reached the provider", c)
		}
	}
}

// wellFormed decodes the whole document, failing on any XML error.
func wellFormed(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(b)))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
	}
}

func TestTwiMLEscapesEverything(t *testing.T) {
	hostile := `</Say><Dial>+34600000000</Dial><Say a="1" & 'b'>`
	tw := (&TwiML{}).
		Say(hostile, "es-ES", "Polly.Lucia").
		Gather("https://gw.example.org/g?task=1&x=<y>", 1, 8, hostile, "es-ES", "").
		Dial("+15005550008", 25, "https://gw.example.org/d?task=1", DialNumber{Number: "+34612345678", URL: "https://gw.example.org/s?task=1&a=b", MachineDetection: "Enable"}).
		Pause(1).
		Hangup()
	b := tw.Bytes()
	wellFormed(t, b)
	if strings.Contains(string(b), "<Dial>+34600000000") || strings.Count(string(b), "<Dial") != 1 {
		t.Fatalf("text broke out of its element: %s", b)
	}
	var doc struct {
		Say []struct {
			Language string `xml:"language,attr"`
			Text     string `xml:",chardata"`
		} `xml:"Say"`
		Gather struct {
			Action              string `xml:"action,attr"`
			NumDigits           string `xml:"numDigits,attr"`
			Timeout             string `xml:"timeout,attr"`
			ActionOnEmptyResult string `xml:"actionOnEmptyResult,attr"`
			Say                 struct {
				Text string `xml:",chardata"`
			} `xml:"Say"`
		} `xml:"Gather"`
		Dial struct {
			CallerID       string `xml:"callerId,attr"`
			AnswerOnBridge string `xml:"answerOnBridge,attr"`
			Record         string `xml:"record,attr"`
			Number         struct {
				URL              string `xml:"url,attr"`
				MachineDetection string `xml:"machineDetection,attr"`
				Value            string `xml:",chardata"`
			} `xml:"Number"`
		} `xml:"Dial"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Say) != 1 || doc.Say[0].Text != hostile || doc.Say[0].Language != "es-ES" {
		t.Fatalf("say = %+v", doc.Say)
	}
	if doc.Gather.Action != "https://gw.example.org/g?task=1&x=<y>" || doc.Gather.NumDigits != "1" || doc.Gather.Timeout != "8" ||
		doc.Gather.ActionOnEmptyResult != "true" || doc.Gather.Say.Text != hostile {
		t.Fatalf("gather = %+v", doc.Gather)
	}
	if doc.Dial.CallerID != "+15005550008" || doc.Dial.AnswerOnBridge != "true" || doc.Dial.Record != "do-not-record" ||
		doc.Dial.Number.Value != "+34612345678" || doc.Dial.Number.URL != "https://gw.example.org/s?task=1&a=b" || doc.Dial.Number.MachineDetection != "Enable" {
		t.Fatalf("dial = %+v", doc.Dial)
	}
	// Empty: a bare Response.
	e := (&TwiML{}).Bytes()
	wellFormed(t, e)
	if !strings.HasSuffix(string(e), "<Response></Response>") {
		t.Fatalf("empty = %s", e)
	}
}

func TestParseTwilioCall(t *testing.T) {
	sid := "CA" + strings.Repeat("ab", 16)
	parent := "CA" + strings.Repeat("cd", 16)
	ev, err := ParseTwilioCall(url.Values{"CallSid": {sid}, "ParentCallSid": {parent}, "CallStatus": {"in-progress"},
		"AnsweredBy": {"machine_start"}, "Digits": {"1"}, "DialCallStatus": {"no-answer"}, "CallDuration": {"42"},
		"From": {herNumber}, "To": {voiceFrom}})
	if err != nil {
		t.Fatal(err)
	}
	if ev.CallSid != sid || ev.ParentCallSid != parent || ev.CallStatus != "in-progress" || !ev.IsMachine() ||
		ev.Digits != "1" || ev.DialCallStatus != "no-answer" || ev.Duration != 42 {
		t.Fatalf("event %+v", ev)
	}
	if e, _ := ParseTwilioCall(url.Values{"CallSid": {sid}, "AnsweredBy": {"human"}}); e.IsMachine() {
		t.Fatal("human read as a machine")
	}
	for name, form := range map[string]url.Values{
		"no sid":      {"CallStatus": {"ringing"}},
		"bad sid":     {"CallSid": {"SM" + strings.Repeat("0", 32)}},
		"status":      {"CallSid": {sid}, "CallStatus": {herNumber}},
		"answered":    {"CallSid": {sid}, "AnsweredBy": {"robot"}},
		"digits":      {"CallSid": {sid}, "Digits": {herNumber}},
		"repeated":    {"CallSid": {sid, sid}},
		"duration":    {"CallSid": {sid}, "CallDuration": {"-1"}},
		"dial status": {"CallSid": {sid}, "DialCallStatus": {"maybe"}},
	} {
		_, err := ParseTwilioCall(form)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		assertNoNumber(t, err)
	}
}
