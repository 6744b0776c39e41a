package twiliotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
)

const token = "faketoken0123456789abcdef"

var sidRE = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

// post sends a form to the fake with the given credentials.
func post(t *testing.T, f *Fake, user, pass, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	return do(t, f, http.MethodPost, user, pass, path, form)
}

func do(t *testing.T, f *Fake, method, user, pass, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	u := f.URL() + path
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if form != nil {
		u += "?" + form.Encode()
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, pass)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v", method, path, err)
		}
	}
	return resp.StatusCode, m
}

func msgsPath(f *Fake) string { return "/2010-04-01/Accounts/" + f.AccountSID() + "/Messages.json" }
func msgPath(f *Fake, sid string) string {
	return "/2010-04-01/Accounts/" + f.AccountSID() + "/Messages/" + sid + ".json"
}

func TestAuth(t *testing.T) {
	f := New(t, token)
	form := url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"hi"}}
	for _, tc := range []struct {
		name, user, pass, acct string
	}{
		{"wrong token", f.AccountSID(), "nope", f.AccountSID()},
		{"wrong user", "AC00000000000000000000000000000000", token, f.AccountSID()},
		{"other account in path", f.AccountSID(), token, "AC00000000000000000000000000000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, m := post(t, f, tc.user, tc.pass, "/2010-04-01/Accounts/"+tc.acct+"/Messages.json", form)
			if code != 401 || m["code"] != float64(20003) {
				t.Fatalf("got %d %v, want 401 code 20003", code, m)
			}
		})
	}
	if f.Created() != 0 {
		t.Fatalf("created %d messages without auth", f.Created())
	}
	reqs := f.Requests()
	if len(reqs) != 3 || reqs[0].AuthOK {
		t.Fatalf("requests recorded: %+v", reqs)
	}
}

func TestCreateFetchShape(t *testing.T) {
	f := New(t, token)
	code, m := post(t, f, f.AccountSID(), token, msgsPath(f), url.Values{
		"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"hello"}, "StatusCallback": {"https://example.org/cb"}})
	if code != 201 {
		t.Fatalf("create: %d %v", code, m)
	}
	sid, _ := m["sid"].(string)
	if !sidRE.MatchString(sid) || m["status"] != "queued" || m["to"] != "+447700900123" || m["from"] != "+15005550006" ||
		m["account_sid"] != f.AccountSID() || m["direction"] != "outbound-api" || m["body"] != "hello" {
		t.Fatalf("create answer: %v", m)
	}
	if _, err := time.Parse(rfc2822, m["date_created"].(string)); err != nil {
		t.Fatalf("date_created: %v", err)
	}
	code, g := do(t, f, http.MethodGet, f.AccountSID(), token, msgPath(f, sid), nil)
	if code != 200 || g["sid"] != sid || g["status"] != "queued" {
		t.Fatalf("fetch: %d %v", code, g)
	}
	stored, ok := f.Message(sid)
	if !ok || stored.StatusCallback != "https://example.org/cb" || stored.Params.Get("Body") != "hello" {
		t.Fatalf("stored: %+v", stored)
	}

	// With a Messaging Service and no From: "accepted", from null.
	code, m = post(t, f, f.AccountSID(), token, msgsPath(f), url.Values{
		"To": {"+447700900123"}, "MessagingServiceSid": {"MG" + strings.Repeat("a", 32)}, "Body": {"x"}})
	if code != 201 || m["status"] != "accepted" || m["from"] != nil || m["messaging_service_sid"] != "MG"+strings.Repeat("a", 32) {
		t.Fatalf("mss create: %d %v", code, m)
	}
	if f.Created() != 2 {
		t.Fatalf("Created = %d", f.Created())
	}
}

func TestCreateValidationLikeTwilio(t *testing.T) {
	f := New(t, token)
	base := func() url.Values {
		return url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"x"}}
	}
	for _, tc := range []struct {
		name   string
		mutate func(url.Values)
		code   int
	}{
		{"no To", func(v url.Values) { v.Del("To") }, 21604},
		{"no sender", func(v url.Values) { v.Del("From") }, 21603},
		{"no body", func(v url.Values) { v.Del("Body") }, 21602},
		{"bad To", func(v url.Values) { v.Set("To", "+4477") }, 21211},
		{"channel mismatch", func(v url.Values) { v.Set("To", "whatsapp:+447700900123") }, 21910},
		{"too long", func(v url.Values) { v.Set("Body", strings.Repeat("é", 1601)) }, 21617},
		{"bad content variables", func(v url.Values) {
			v.Del("Body")
			v.Set("ContentSid", "HX"+strings.Repeat("0", 32))
			v.Set("ContentVariables", "[1]")
		}, 21656},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := base()
			tc.mutate(v)
			code, m := post(t, f, f.AccountSID(), token, msgsPath(f), v)
			if code != 400 || m["code"] != float64(tc.code) || m["status"] != float64(400) ||
				m["more_info"] != fmt.Sprintf("https://www.twilio.com/docs/errors/%d", tc.code) {
				t.Fatalf("got %d %v, want 400/%d", code, m, tc.code)
			}
		})
	}
	// Like Twilio, number errors quote the number: senders must sanitise.
	v := base()
	v.Set("To", "+4477")
	_, m := post(t, f, f.AccountSID(), token, msgsPath(f), v)
	if !strings.Contains(m["message"].(string), "+4477") {
		t.Fatalf("21211 message should quote the number like Twilio does: %v", m["message"])
	}
}

func TestFailures(t *testing.T) {
	f := New(t, token)
	form := url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"x"}}
	f.FailNext(2, 503, 20500)
	for i := 0; i < 2; i++ {
		if code, m := post(t, f, f.AccountSID(), token, msgsPath(f), form); code != 503 || m["code"] != float64(20500) {
			t.Fatalf("failure %d: %d %v", i, code, m)
		}
	}
	if code, _ := post(t, f, f.AccountSID(), token, msgsPath(f), form); code != 201 {
		t.Fatalf("after failures: %d", code)
	}

	f.FailNextWith(1, Failure{HTTPStatus: 502, Body: "<html>bad gateway</html>"})
	resp, err := http.PostForm(f.URL()+msgsPath(f), form) // no auth: failure injection comes after auth
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("unauthenticated request consumed an injected failure: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, f.URL()+msgsPath(f), strings.NewReader(form.Encode()))
	req.SetBasicAuth(f.AccountSID(), token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || string(b) != "<html>bad gateway</html>" {
		t.Fatalf("raw failure: %d %q", resp.StatusCode, b)
	}

	f.FailNext(1, 0, 0) // dropped connection
	req, _ = http.NewRequest(http.MethodPost, f.URL()+msgsPath(f), strings.NewReader(form.Encode()))
	req.SetBasicAuth(f.AccountSID(), token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}

	f.FailTo("whatsapp:+447700900123", 400, 21610) // the prefix is ignored
	if code, m := post(t, f, f.AccountSID(), token, msgsPath(f), form); code != 400 || m["code"] != float64(21610) {
		t.Fatalf("FailTo: %d %v", code, m)
	}
	other := url.Values{"To": {"+447700900999"}, "From": {"+15005550006"}, "Body": {"x"}}
	if code, _ := post(t, f, f.AccountSID(), token, msgsPath(f), other); code != 201 {
		t.Fatalf("FailTo hit another number: %d", code)
	}
	f.ClearFailures()
	if code, _ := post(t, f, f.AccountSID(), token, msgsPath(f), form); code != 201 {
		t.Fatalf("after ClearFailures: %d", code)
	}
}

func TestLatency(t *testing.T) {
	f := New(t, token)
	f.SetLatency(80 * time.Millisecond)
	start := time.Now()
	post(t, f, f.AccountSID(), token, msgsPath(f), url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"x"}})
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("answered after %v, latency 80ms", d)
	}
}

func TestRecordingBounded(t *testing.T) {
	f := New(t, token)
	f.SetRecordLimit(3)
	for i := 0; i < 5; i++ {
		post(t, f, f.AccountSID(), token, msgsPath(f), url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {fmt.Sprint(i)}})
	}
	reqs := f.Requests()
	if len(reqs) != 3 {
		t.Fatalf("kept %d requests, limit 3", len(reqs))
	}
	for i, r := range reqs {
		if r.Form.Get("Body") != fmt.Sprint(i+2) || r.Method != http.MethodPost || !r.AuthOK || r.Path != msgsPath(f) {
			t.Fatalf("request %d: %+v", i, r)
		}
	}
	reqs[0].Form.Set("Body", "changed") // a copy
	if f.Requests()[0].Form.Get("Body") != "2" {
		t.Fatal("Requests returned shared forms")
	}
	f.SetRecord(false)
	post(t, f, f.AccountSID(), token, msgsPath(f), url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"off"}})
	if got := f.Requests(); got[len(got)-1].Form.Get("Body") != "4" {
		t.Fatal("recorded with recording off")
	}
	if f.RequestCount() != 6 {
		t.Fatalf("RequestCount = %d", f.RequestCount())
	}
}

func TestMessageStoreBounded(t *testing.T) {
	f := New(t, token)
	f.SetMaxMessages(2)
	var sids []string
	for i := 0; i < 3; i++ {
		_, m := post(t, f, f.AccountSID(), token, msgsPath(f), url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"x"}})
		sids = append(sids, m["sid"].(string))
	}
	if _, ok := f.Message(sids[0]); ok {
		t.Fatal("oldest message not evicted")
	}
	if code, _ := do(t, f, http.MethodGet, f.AccountSID(), token, msgPath(f, sids[0]), nil); code != 404 {
		t.Fatalf("evicted fetch: %d", code)
	}
	for _, s := range sids[1:] {
		if _, ok := f.Message(s); !ok {
			t.Fatal("recent message evicted")
		}
	}
}

func TestRedactDeleteNeedFinalState(t *testing.T) {
	f := New(t, token)
	_, m := post(t, f, f.AccountSID(), token, msgsPath(f), url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"secret"}})
	sid := m["sid"].(string)
	if code, m := post(t, f, f.AccountSID(), token, msgPath(f, sid), url.Values{"Body": {""}}); code != 400 || m["code"] != float64(20009) {
		t.Fatalf("redact while queued: %d %v", code, m)
	}
	if code, m := do(t, f, http.MethodDelete, f.AccountSID(), token, msgPath(f, sid), nil); code != 400 || m["code"] != float64(20009) {
		t.Fatalf("delete while queued: %d %v", code, m)
	}
	if err := f.SetStatus(sid, "delivered"); err != nil {
		t.Fatal(err)
	}
	if code, m := post(t, f, f.AccountSID(), token, msgPath(f, sid), url.Values{"Body": {""}}); code != 200 || m["body"] != "" {
		t.Fatalf("redact: %d %v", code, m)
	}
	if got, _ := f.Message(sid); got.Body != "" || got.Params.Get("Body") != "" {
		t.Fatalf("body kept after redaction: %+v", got)
	}
	if code, _ := do(t, f, http.MethodDelete, f.AccountSID(), token, msgPath(f, sid), nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if _, ok := f.Message(sid); ok {
		t.Fatal("deleted message still stored")
	}
}

func TestCalls(t *testing.T) {
	f := New(t, token)
	path := "/2010-04-01/Accounts/" + f.AccountSID() + "/Calls.json"
	form := url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Twiml": {"<Response><Say>hi</Say></Response>"},
		"MachineDetection": {"DetectMessageEnd"}, "StatusCallback": {"https://example.org/voice"},
		"StatusCallbackEvent": {"initiated", "answered", "completed"}}
	code, m := post(t, f, f.AccountSID(), token, path, form)
	if code != 201 || !strings.HasPrefix(m["sid"].(string), "CA") || m["status"] != "queued" {
		t.Fatalf("create call: %d %v", code, m)
	}
	c, ok := f.Call(m["sid"].(string))
	if !ok || c.Params.Get("MachineDetection") != "DetectMessageEnd" || len(c.Params["StatusCallbackEvent"]) != 3 || c.StatusCallback != "https://example.org/voice" {
		t.Fatalf("stored call: %+v", c)
	}
	if code, m := post(t, f, f.AccountSID(), token, path, url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}}); code != 400 || m["code"] != float64(21205) {
		t.Fatalf("call without Url/Twiml: %d %v", code, m)
	}
	callPath := "/2010-04-01/Accounts/" + f.AccountSID() + "/Calls/" + c.Sid + ".json"
	if code, m := post(t, f, f.AccountSID(), token, callPath, url.Values{"Status": {"completed"}}); code != 200 || m["status"] != "completed" {
		t.Fatalf("hang up: %d %v", code, m)
	}
	if f.CallsCreated() != 1 {
		t.Fatalf("CallsCreated = %d", f.CallsCreated())
	}
}

func TestSignMatchesTwilioGo(t *testing.T) {
	form := url.Values{"MessageSid": {"SM" + strings.Repeat("1", 32)}, "MessageStatus": {"delivered"}, "To": {"+447700900123"}, "Zed": {""}}
	u := "https://gw.example.org/webhooks/twilio/status?x=1"
	sig := Sign(token, u, form)
	params := map[string]string{}
	for k, v := range form {
		params[k] = v[0]
	}
	rv := client.NewRequestValidator(token)
	if !rv.Validate(u, params, sig) {
		t.Fatal("twilio-go does not accept the fake's signature")
	}
	params["MessageStatus"] = "read"
	if rv.Validate(u, params, sig) {
		t.Fatal("altered form accepted")
	}
}

func TestDeliverAndAutoDeliver(t *testing.T) {
	f := New(t, token)
	var mu sync.Mutex
	got := map[string][]string{}
	sigOK := true
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		full := "http://" + r.Host + r.URL.RequestURI()
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("X-Twilio-Signature") != Sign(token, full, r.PostForm) {
			sigOK = false
		}
		got[r.PostForm.Get("MessageSid")] = append(got[r.PostForm.Get("MessageSid")], r.PostForm.Get("MessageStatus")+"/"+r.PostForm.Get("ErrorCode"))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer cb.Close()
	form := url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"x"}, "StatusCallback": {cb.URL + "/status?q=1"}}
	_, m := post(t, f, f.AccountSID(), token, msgsPath(f), form)
	sid := m["sid"].(string)
	if err := f.Deliver(sid, "sent"); err != nil {
		t.Fatal(err)
	}
	if err := f.Deliver(sid, "undelivered"); err != nil {
		t.Fatal(err)
	}
	if err := f.Deliver(sid, "bogus"); err == nil {
		t.Fatal("unknown status accepted")
	}
	f.AutoDeliver("sent", "delivered")
	var autos []string
	for i := 0; i < 20; i++ {
		_, m := post(t, f, f.AccountSID(), token, msgsPath(f), form)
		autos = append(autos, m["sid"].(string))
	}
	f.WaitCallbacks()
	if errs := f.CallbackErrors(); len(errs) != 0 {
		t.Fatalf("callback errors: %v", errs)
	}
	mu.Lock()
	defer mu.Unlock()
	if !sigOK {
		t.Fatal("a callback had a wrong signature")
	}
	if strings.Join(got[sid], ",") != "sent/,undelivered/30008" {
		t.Fatalf("manual deliveries: %v", got[sid])
	}
	for _, s := range autos {
		if strings.Join(got[s], ",") != "sent/,delivered/" {
			t.Fatalf("auto deliveries of %s: %v", s, got[s])
		}
		if st, _ := f.Message(s); st.Status != "delivered" {
			t.Fatalf("status after auto delivery: %s", st.Status)
		}
	}
}

func TestConcurrentCreates(t *testing.T) {
	f := New(t, token)
	f.SetRecord(false)
	const n = 300
	var wg sync.WaitGroup
	sids := make([]string, n)
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			form := url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"x"}}
			req, _ := http.NewRequest(http.MethodPost, f.URL()+msgsPath(f), strings.NewReader(form.Encode()))
			req.SetBasicAuth(f.AccountSID(), token)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := hc.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var m map[string]any
			json.NewDecoder(resp.Body).Decode(&m)
			sids[i], _ = m["sid"].(string)
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range sids {
		if !sidRE.MatchString(s) || seen[s] {
			t.Fatalf("bad or duplicate sid %q", s)
		}
		seen[s] = true
	}
	if f.Created() != n || len(f.Requests()) != 0 {
		t.Fatalf("Created %d, recorded %d", f.Created(), len(f.Requests()))
	}
}

// TestListDateSentByDay: the listing's DateSent filters take a GMT date
// only, as Twilio documents them; a timestamp is refused with Twilio's
// error JSON. A date filters by whole days, inclusive at both ends.
func TestListDateSentByDay(t *testing.T) {
	f := New(t, token)
	midnight := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	sent := map[string]time.Time{}
	for _, at := range []time.Time{midnight.Add(-time.Second), midnight, midnight.Add(24*time.Hour - time.Second), midnight.Add(24 * time.Hour)} {
		code, m := post(t, f, f.AccountSID(), token, msgsPath(f), url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"x"}})
		if code != 201 {
			t.Fatalf("create: %d %v", code, m)
		}
		sid := m["sid"].(string)
		if err := f.SetStatus(sid, "delivered"); err != nil {
			t.Fatal(err)
		}
		if err := f.SetDateSent(sid, at); err != nil {
			t.Fatal(err)
		}
		sent[sid] = at
	}
	for _, bad := range []url.Values{
		{"DateSent>": {midnight.Format(time.RFC3339)}},
		{"DateSent<": {"2026-11-30T12:00:00Z"}},
		{"DateSent": {"30/11/2026"}},
	} {
		code, m := do(t, f, http.MethodGet, f.AccountSID(), token, msgsPath(f), bad)
		if code != 400 || m["status"] != float64(400) || m["code"] != float64(20001) || m["message"] == "" || m["more_info"] == "" {
			t.Fatalf("%v: %d %v, want Twilio's 400", bad, code, m)
		}
	}
	list := func(q url.Values) []time.Time {
		t.Helper()
		code, m := do(t, f, http.MethodGet, f.AccountSID(), token, msgsPath(f), q)
		if code != 200 {
			t.Fatalf("%v: %d %v", q, code, m)
		}
		var out []time.Time
		for _, x := range m["messages"].([]any) {
			out = append(out, sent[x.(map[string]any)["sid"].(string)])
		}
		return out
	}
	day := func(at ...time.Time) []time.Time { return at }
	for _, c := range []struct {
		q    url.Values
		want []time.Time
	}{
		{url.Values{"DateSent": {"2026-11-30"}}, day(midnight.Add(24*time.Hour-time.Second), midnight)},
		{url.Values{"DateSent>": {"2026-11-30"}, "DateSent<": {"2026-11-30"}}, day(midnight.Add(24*time.Hour-time.Second), midnight)},
		{url.Values{"DateSent>": {"2026-12-01"}}, day(midnight.Add(24 * time.Hour))},
		{url.Values{"DateSent<": {"2026-11-29"}}, day(midnight.Add(-time.Second))},
		{url.Values{"DateSent>": {"2026-11-29"}, "DateSent<": {"2026-12-01"}}, day(midnight.Add(24*time.Hour), midnight.Add(24*time.Hour-time.Second), midnight, midnight.Add(-time.Second))},
	} {
		got := list(c.q)
		if len(got) != len(c.want) {
			t.Fatalf("%v: %v, want %v", c.q, got, c.want)
		}
		for i := range got {
			if !got[i].Equal(c.want[i]) {
				t.Fatalf("%v: %v, want %v (newest sent first)", c.q, got, c.want)
			}
		}
	}
}
