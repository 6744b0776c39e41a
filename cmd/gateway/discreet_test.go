package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"safecontact/db/dbtest"
)

// A terms file that is set but unreadable stops serve before anything else.
func TestServeRefusesUnreadableTermsFile(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCmd(t, "serve", "--sink", "--data-dir", dir, "--database-url", "postgres://127.0.0.1:1/x",
		"--discreet-terms-file", filepath.Join(dir, "missing.txt"))
	if code != 1 || !strings.Contains(stderr, "terms file") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	t.Setenv("GATEWAY_DISCREET_STOP_FILE", filepath.Join(dir, "missing-stop.txt"))
	code, _, stderr = runCmd(t, "serve", "--sink", "--data-dir", dir, "--database-url", "postgres://127.0.0.1:1/x")
	if code != 1 || !strings.Contains(stderr, "stop list") {
		t.Fatalf("stop list: exit %d, stderr %q", code, stderr)
	}
}

// serve with a deployment terms file and the filter policy: a term from it
// is removed from free text to a monitored phone, as the preview shows;
// sanitize with the same settings removes it too, and without the filter
// policy (the default) reports the refusal serve would give.
func TestServeTermsFileThroughPreview(t *testing.T) {
	dir := t.TempDir()
	terms := filepath.Join(dir, "terms.txt")
	os.WriteFile(terms, []byte("# our own name\norganisation: Casa Lumbre\n"), 0o600)
	do, serveErr := startServeAPI(t, dir, "--discreet-terms-file", terms, "--monitored-free-text", "filter")
	st, p := do("POST", "/v1/participants", map[string]any{"initials": "M.R.", "language": "es", "time_zone": "Europe/Madrid",
		"phone": "+34 612 345 000", "monitored": true, "any_time": true})
	if st != 201 {
		t.Fatalf("participant: %d %v", st, p)
	}
	pcode := p["code"].(string)
	if st, m := do("POST", "/v1/participants/"+pcode+"/consents", map[string]any{"channel": "sms", "evidence": "signed form F-1", "notice_language": "es"}); st != 201 {
		t.Fatalf("consent: %d %v", st, m)
	}
	body := "Hola, el martes a las 10 te esperan en Casa Lumbre, ¿te va bien?"
	st, m := do("POST", "/v1/messages/preview", map[string]any{"participant": pcode, "channel": "sms", "body": body})
	if st != 200 {
		t.Fatalf("preview: %d %v", st, m)
	}
	text, _ := m["text"].(string)
	found := false
	for _, x := range m["redactions"].([]any) {
		r := x.(map[string]any)
		found = found || r["match"] == "Casa Lumbre" && r["category"] == "organisation"
	}
	if !found || strings.Contains(text, "Lumbre") || !strings.Contains(text, "martes a las 10") {
		t.Fatalf("preview: %v", m)
	}
	if strings.Contains(serveErr.String(), "Lumbre") {
		t.Fatal("the term is in the logs")
	}
	// sanitize, same setting.
	stdin = strings.NewReader(body)
	defer func() { stdin = os.Stdin }()
	code, out, _ := runCmd(t, "sanitize", "--lang", "es", "--discreet-terms-file", terms, "--monitored-free-text", "filter")
	if code != 0 || !strings.Contains(out, `"match":"Casa Lumbre"`) {
		t.Fatalf("sanitize: %d %s", code, out)
	}
	stdin = strings.NewReader(body)
	code, out, _ = runCmd(t, "sanitize", "--lang", "es", "--discreet-terms-file", terms)
	if code != 0 || !strings.Contains(out, `"refused":"free_text_refused"`) || strings.Contains(out, "Lumbre") {
		t.Fatalf("sanitize, default policy: %d %s", code, out)
	}
}

// startServeAPI starts serve --sink on a fresh database, a key file in dir
// and a free port, with args added, and waits until it answers. do calls
// the API as a staff user; the buffer holds serve's logs. The service
// stops when the test ends.
func startServeAPI(t *testing.T, dir string, args ...string) (do func(method, path string, body any) (int, map[string]any), logs *lockedBuffer) {
	t.Helper()
	_, url := dbtest.New(t)
	keyFile := filepath.Join(dir, "keys.json")
	if code, _, stderr := runCmd(t, "keys", "init", "--key-file", keyFile); code != 0 {
		t.Fatalf("keys init: %s", stderr)
	}
	code, out, stderr := runCmd(t, "users", "add", "--no-password", "--database-url", url, "--name", "ana", "--role", "staff")
	token := regexp.MustCompile(`sc_[a-z2-7]{52}`).FindString(out)
	if code != 0 || token == "" {
		t.Fatalf("users add: %d %q %q", code, out, stderr)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	logs = &lockedBuffer{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		run(ctx, append([]string{"serve", "--sink", "--database-url", url, "--key-file", keyFile, "--data-dir", dir, "--addr", addr}, args...),
			&bytes.Buffer{}, logs)
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	base := "http://" + addr
	do = func(method, path string, body any) (int, map[string]any) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res, err := http.Get(base + "/healthz"); err == nil && res.StatusCode == 200 {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return do, logs
}

// lockedBuffer is a bytes.Buffer that serve's goroutines may write while
// the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Under the vocabulary policy, a deployment vocabulary word that the
// lexicon matches stops serve and sanitize (the error names the file and
// line, not the word); sanitize shows the not_in_vocabulary findings.
func TestVocabularyPolicyCommands(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "vocab.txt")
	os.WriteFile(bad, []byte("# ours\nganchillo\npolicía\n"), 0o600)
	code, _, stderr := runCmd(t, "serve", "--sink", "--data-dir", dir, "--database-url", "postgres://127.0.0.1:1/x",
		"--monitored-free-text", "vocabulary", "--discreet-vocabulary-file", bad)
	if code != 1 || !strings.Contains(stderr, "vocab.txt:3") || strings.Contains(stderr, "policía") {
		t.Fatalf("serve: exit %d, stderr %q", code, stderr)
	}
	stdin = strings.NewReader("hola")
	defer func() { stdin = os.Stdin }()
	code, _, stderr = runCmd(t, "sanitize", "--lang", "es", "--monitored-free-text", "vocabulary", "--discreet-vocabulary-file", bad)
	if code != 1 || !strings.Contains(stderr, "vocab.txt:3") {
		t.Fatalf("sanitize: exit %d, stderr %q", code, stderr)
	}
	good := filepath.Join(dir, "ok.txt")
	os.WriteFile(good, []byte("ganchillo\n"), 0o600)
	in := "Hola, el martes a las 10 hay ganchillo en Metro Sol, luego vamos al mercadillo solidario"
	stdin = strings.NewReader(in)
	code, out, stderr := runCmd(t, "sanitize", "--lang", "es", "--monitored-free-text", "vocabulary",
		"--discreet-vocabulary-file", good, "--known-names", "Metro Sol")
	if code != 0 {
		t.Fatalf("sanitize: %d %s", code, stderr)
	}
	var res struct {
		Text       string `json:"text"`
		Redactions []struct {
			Category string `json:"category"`
			Match    string `json:"match"`
		} `json:"redactions"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v %s", err, out)
	}
	if len(res.Redactions) != 1 || res.Redactions[0].Category != "not_in_vocabulary" || res.Redactions[0].Match != "mercadillo solidario" ||
		!strings.Contains(res.Text, "hay ganchillo en Metro Sol") {
		t.Fatalf("sanitize: %s", out)
	}
}

// A deployment's templates: an override of a built-in one (a higher
// version, the built-in's parameters, channels and languages) and a new
// one.
const (
	overrideReminder = `id: appointment_reminder
version: 7
description: Our own reminder.
channels: sms, whatsapp, voice
param when: datetime
param place: meeting_point

[en standard]
Hello from the team: {when}, at {place}.

[en discreet]
Hi! Coffee on {when} at {place}? Lots of love.

[es standard]
Hola, te escribe el equipo: {when}, en {place}.

[es discreet]
¡Hola! ¿Un café el {when} en {place}? Un abrazo fuerte.

[ca standard]
Hola, us escriu l'equip: {when}, a {place}.

[ca discreet]
Hola! Un cafè el {when} a {place}? Una abraçada.

[it standard]
Ciao, ti scrive il servizio: {when}, a {place}.

[it discreet]
Ciao! Un caffè {when} a {place}? Un abbraccio.

[fr standard]
Bonjour, c'est l'équipe : {when}, à {place}.

[fr discreet]
Coucou ! Un café {when} à {place} ? Bisous !

[pt standard]
Olá, escreve-te a equipa: {when}, em {place}.

[pt discreet]
Olá! Um café {when} em {place}? Beijinhos.

[ro standard]
Bună, îți scrie echipa: {when}, la {place}.

[ro discreet]
Bună! O cafea {when} la {place}? Te pup.
`
	newWalk = `id: walk_invite
version: 1
description: An invitation to a walk.
channels: sms
param when: datetime

[en standard]
Hello from the team: a walk on {when}?

[en discreet]
Hi! Shall we go for a walk on {when}?

[es standard]
Hola, te escribe el equipo: ¿un paseo el {when}?

[es discreet]
¡Hola! ¿Damos un paseo el {when}?
`
)

func writeTemplates(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// serve --templates-dir: the override and the new template are what
// GET /v1/templates lists and what a preview to a monitored phone renders,
// the same texts `gateway templates render --dir` shows.
func TestServeTemplatesDir(t *testing.T) {
	tdir := writeTemplates(t, map[string]string{"reminder.tmpl": overrideReminder, "walk.tmpl": newWalk})
	do, _ := startServeAPI(t, t.TempDir(), "--templates-dir", tdir)
	st, m := do("GET", "/v1/templates", nil)
	if st != 200 {
		t.Fatalf("templates: %d %v", st, m)
	}
	got := map[string]map[string]any{}
	for _, x := range m["items"].([]any) {
		it := x.(map[string]any)
		got[it["id"].(string)] = it
	}
	if ar := got["appointment_reminder"]; ar == nil || ar["version"] != float64(7) || ar["description"] != "Our own reminder." {
		t.Fatalf("override not served: %v", ar)
	}
	if w := got["walk_invite"]; w == nil || w["version"] != float64(1) {
		t.Fatalf("new template not served: %v", got)
	}
	if got["safety_checkin"] == nil {
		t.Fatalf("built-in templates lost: %v", got)
	}
	st, p := do("POST", "/v1/participants", map[string]any{"initials": "M.R.", "language": "es", "time_zone": "Europe/Madrid",
		"phone": "+34 612 345 001", "monitored": true, "any_time": true})
	if st != 201 {
		t.Fatalf("participant: %d %v", st, p)
	}
	pcode := p["code"].(string)
	if st, m := do("POST", "/v1/participants/"+pcode+"/consents", map[string]any{"channel": "sms", "evidence": "signed form F-1", "notice_language": "es"}); st != 201 {
		t.Fatalf("consent: %d %v", st, m)
	}
	when := "2026-06-02T08:00:00Z"
	for _, tc := range []struct {
		id      string
		params  map[string]string
		version float64
		want    string
	}{
		{"appointment_reminder", map[string]string{"when": when, "place": "Metro Sants"}, 7, "¿Un café el "},
		{"walk_invite", map[string]string{"when": when}, 1, "¿Damos un paseo el "},
	} {
		st, m := do("POST", "/v1/messages/preview", map[string]any{"participant": pcode, "channel": "sms", "template": tc.id, "params": tc.params})
		if st != 200 {
			t.Fatalf("%s preview: %d %v", tc.id, st, m)
		}
		text, _ := m["text"].(string)
		if m["template_version"] != tc.version || !strings.Contains(text, tc.want) || m["decision"].(map[string]any)["variant"] != "discreet" {
			t.Fatalf("%s preview: %v", tc.id, m)
		}
		args := []string{"templates", "render", tc.id, "--dir", tdir, "--lang", "es", "--variant", "discreet"}
		for k, v := range tc.params {
			args = append(args, "--param", k+"="+v)
		}
		code, out, stderr := runCmd(t, args...)
		if code != 0 || strings.TrimSpace(out) != text {
			t.Fatalf("templates render %s: %d %q %q, serve previewed %q", tc.id, code, out, stderr, text)
		}
	}
}

// A templates directory that is set but missing, a file or without a
// *.tmpl file, or whose discreet variant carries a term of the
// deployment's terms file or an unknown name, or that holds an invalid
// template, an override that breaks the built-in's contract or a text
// parameter under the refuse policy, stops serve before anything else (no fallback to the
// built-in catalogue); `gateway templates` refuses the same directory
// with the same settings.
func TestServeRefusesBadTemplatesDir(t *testing.T) {
	dir := t.TempDir()
	serveStops(t, dir, "GATEWAY_TEMPLATES_DIR", "--templates-dir", filepath.Join(dir, "missing"))
	t.Setenv("GATEWAY_TEMPLATES_DIR", filepath.Join(dir, "missing"))
	serveStops(t, dir, "GATEWAY_TEMPLATES_DIR")
	if code, _, stderr := runCmd(t, "templates", "list"); code != 1 || !strings.Contains(stderr, "GATEWAY_TEMPLATES_DIR") {
		t.Fatalf("templates list, missing dir: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("GATEWAY_TEMPLATES_DIR", "")

	terms := filepath.Join(dir, "terms.txt")
	os.WriteFile(terms, []byte("organisation: Casa Lumbre\n"), 0o600)
	leaky := writeTemplates(t, map[string]string{"walk.tmpl": strings.Replace(newWalk,
		"¡Hola! ¿Damos un paseo el {when}?", "¡Hola! ¿Damos un paseo el {when} desde Casa Lumbre?", 1)})
	// The built-in filter does not know the programme's name, but a
	// directory's discreet text is scanned as free text to a monitored
	// phone is: with unknown names on (the default) the name stops serve
	// even without the terms file; off, only the terms file does (serve
	// otherwise gets as far as the key file). No error quotes the name.
	noName := func(stderr string) {
		t.Helper()
		if strings.Contains(stderr, "Casa Lumbre") {
			t.Fatalf("the matched term reached the error: %q", stderr)
		}
	}
	noName(serveStops(t, dir, "unknown_name content", "--templates-dir", leaky))
	serveStops(t, dir, "gateway keys init", "--templates-dir", leaky, "--unknown-names", "off")
	noName(serveStops(t, dir, "must pass the filter", "--templates-dir", leaky, "--discreet-terms-file", terms, "--unknown-names", "off"))
	t.Setenv("GATEWAY_DISCREET_TERMS_FILE", terms)
	t.Setenv("GATEWAY_TEMPLATES_DIR", leaky)
	noName(serveStops(t, dir, "must pass the filter"))
	code, _, stderr := runCmd(t, "templates", "render", "walk_invite", "--lang", "es", "--variant", "discreet", "--param", "when=2026-06-02T08:00:00Z")
	if code != 1 || !strings.Contains(stderr, "must pass the filter") {
		t.Fatalf("templates render with the terms file: exit %d, stderr %q", code, stderr)
	}
	noName(stderr)
	t.Setenv("GATEWAY_DISCREET_TERMS_FILE", "")
	t.Setenv("GATEWAY_TEMPLATES_DIR", "")

	// A path that is a file, or a directory without a *.tmpl file, stops
	// serve too (never the built-in texts alone).
	serveStops(t, dir, "not a directory", "--templates-dir", terms)
	serveStops(t, dir, "holds no *.tmpl file", "--templates-dir", writeTemplates(t, map[string]string{"walk.TMPL": newWalk}))
	// An override that drops a parameter of the built-in.
	noPlace := strings.NewReplacer("param place: meeting_point\n", "", " at {place}", "", ", at {place}", "", " en {place}", "", ", en {place}", "",
		" a {place}", "", ", a {place}", "", " à {place}", "", ", à {place}", "", " em {place}", "", ", em {place}", "", " la {place}", "", ", la {place}", "").Replace(overrideReminder)
	serveStops(t, dir, "lacks param place", "--templates-dir", writeTemplates(t, map[string]string{"reminder.tmpl": noPlace}))
	// A text parameter under the refuse policy (the default).
	note := "id: free_note\nversion: 1\nchannels: sms\nparam note: text\n\n[en standard]\nFrom the team: {note}\n\n[en discreet]\nHi! {note}\n"
	serveStops(t, dir, "text parameter note", "--templates-dir", writeTemplates(t, map[string]string{"note.tmpl": note}))

	sameVersion := writeTemplates(t, map[string]string{"reminder.tmpl": strings.Replace(overrideReminder, "version: 7", "version: 1", 1)})
	serveStops(t, dir, "higher version", "--templates-dir", sameVersion)
}

// sanitizeResult is what `gateway sanitize` prints, every field the
// sanitize tests read.
type sanitizeResult struct {
	Text       string   `json:"text"`
	Refused    string   `json:"refused"`
	Reason     string   `json:"reason"`
	Field      string   `json:"field"`
	Categories []string `json:"categories"`
	Redactions []struct {
		Category   string `json:"category"`
		Match      string `json:"match"`
		Start, End int
	} `json:"redactions"`
}

// runSanitize runs `gateway sanitize args...` on in and decodes its
// answer; a non-zero exit fails the test.
func runSanitize(t *testing.T, in string, args ...string) (sanitizeResult, string) {
	t.Helper()
	stdin = strings.NewReader(in)
	code, out, stderr := runCmd(t, append([]string{"sanitize"}, args...)...)
	if code != 0 {
		t.Fatalf("sanitize %v: %d %s", args, code, stderr)
	}
	var res sanitizeResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v %s", err, out)
	}
	return res, out
}

// Under the plain policy sanitize prints the text unchanged when the scan
// (vocabulary, lexicon, unknown names) finds nothing, and otherwise the
// refusal serve answers: content_not_discreet, reason not_plain, the
// categories and the findings, no text. The help lists the policy.
func TestSanitizePlain(t *testing.T) {
	defer func() { stdin = os.Stdin }()
	run := func(in string) sanitizeResult {
		t.Helper()
		res, _ := runSanitize(t, in, "--lang", "es", "--monitored-free-text", "plain", "--known-names", "Metro Sol")
		return res
	}
	clean := "Hola, el jueves a las 10:30 nos vemos en Metro Sol y tomamos un café, ¿vale?"
	if res := run(clean); res.Text != clean || res.Refused != "" || len(res.Redactions) != 0 {
		t.Fatalf("clean: %+v", res)
	}
	in := "Hola, el jueves a las 10 en Metro Sol y luego vamos a ver a la abogada al mercadillo"
	res := run(in)
	if res.Refused != "content_not_discreet" || res.Reason != "not_plain" || res.Text != "" ||
		!slices.Contains(res.Categories, "legal") || !slices.Contains(res.Categories, "not_in_vocabulary") || len(res.Redactions) < 2 {
		t.Fatalf("sensitive: %+v", res)
	}
	for _, r := range res.Redactions {
		if in[r.Start:r.End] != r.Match {
			t.Fatalf("span %+v is not in the text", r)
		}
	}
	if res := run("Hola, mañana vamos a la pоlicía a las 10"); res.Refused != "mixed_script" {
		t.Fatalf("mixed script: %+v", res)
	}
	_, _, stderr := runCmd(t, "sanitize", "-h")
	if !strings.Contains(stderr, "plain (send it unchanged only") {
		t.Fatalf("help: %s", stderr)
	}
}

// Under the whole policy sanitize prints the text unchanged when the
// filter's scan (lexicon, scanners, unknown names, risky everyday phrases;
// no vocabulary) finds nothing, and otherwise the refusal serve answers:
// content_not_discreet, reason flagged, the categories and the findings,
// no text. Unknown names off with it stops sanitize and serve. The help
// lists the policy.
func TestSanitizeWhole(t *testing.T) {
	defer func() { stdin = os.Stdin }()
	run := func(in string, args ...string) sanitizeResult {
		t.Helper()
		res, _ := runSanitize(t, in, append([]string{"--lang", "es", "--monitored-free-text", "whole", "--known-names", "Metro Sol"}, args...)...)
		return res
	}
	// A word outside the everyday vocabulary is no finding here.
	for _, clean := range []string{
		"Hola, el jueves a las 10:30 nos vemos en Metro Sol y tomamos un café, ¿vale?",
		"Hola, el jueves a las 10 en Metro Sol y vamos al mercadillo, ¿vale?",
	} {
		if res := run(clean); res.Text != clean || res.Refused != "" || len(res.Redactions) != 0 {
			t.Fatalf("clean %q: %+v", clean, res)
		}
	}
	in := "Hola, el jueves a las 10 en Metro Sol con Kessler y luego vamos a ver a la abogada al mercadillo"
	res := run(in)
	if res.Refused != "content_not_discreet" || res.Reason != "flagged" || res.Text != "" ||
		!slices.Contains(res.Categories, "legal") || !slices.Contains(res.Categories, "unknown_name") ||
		slices.Contains(res.Categories, "not_in_vocabulary") || len(res.Redactions) != 2 {
		t.Fatalf("sensitive: %+v", res)
	}
	for _, r := range res.Redactions {
		if in[r.Start:r.End] != r.Match {
			t.Fatalf("span %+v is not in the text", r)
		}
	}
	// The unknown name confirmed: only the sensitive word is left.
	if res := run(in, "--confirm-names", "Kessler"); res.Refused != "content_not_discreet" || len(res.Categories) != 1 || res.Categories[0] != "legal" {
		t.Fatalf("confirmed name: %+v", res)
	}
	confirmed := "Hola, el jueves a las 10 en Metro Sol con Kessler, ¿vale?"
	if res := run(confirmed, "--confirm-names", "Kessler"); res.Refused != "" || res.Text != confirmed {
		t.Fatalf("confirmed name, nothing else: %+v", res)
	}
	// A risky everyday phrase is a finding under whole as under plain.
	if res := run("Hola, esta noche te paso a buscar a Metro Sol, ¿vale?"); res.Refused != "content_not_discreet" || !slices.Contains(res.Categories, "risky_phrase") {
		t.Fatalf("risky phrase: %+v", res)
	}
	if res := run("Hola, mañana vamos a la pоlicía a las 10"); res.Refused != "mixed_script" {
		t.Fatalf("mixed script: %+v", res)
	}
	// Whole relies on unknown names: off stops the command, and serve.
	stdin = strings.NewReader(confirmed)
	if code, out, stderr := runCmd(t, "sanitize", "--lang", "es", "--monitored-free-text", "whole", "--unknown-names", "off"); code == 0 || out != "" ||
		!strings.Contains(stderr, "GATEWAY_UNKNOWN_NAMES is off") {
		t.Fatalf("unknown names off: exit %d, %s %s", code, out, stderr)
	}
	serveStops(t, t.TempDir(), "GATEWAY_UNKNOWN_NAMES is off", "--monitored-free-text", "whole", "--unknown-names", "off")
	_, _, stderr := runCmd(t, "sanitize", "-h")
	if !strings.Contains(stderr, "whole (send it unchanged only") || !strings.Contains(stderr, "off is refused with --monitored-free-text whole") {
		t.Fatalf("help: %s", stderr)
	}
}

// sanitize checks names as serve does: a confirmed name the filter flags
// on its own (a street without its number, an organisation) is refused
// with invalid_param on confirm_names under every policy that takes it,
// a neutral one is known; a known name (a registered meeting point) the
// filter flags as a place's name stops the command, as serve would not
// register it. Neither name is echoed.
func TestSanitizeConfirmNames(t *testing.T) {
	defer func() { stdin = os.Stdin }()
	run := func(policy, in string, args ...string) (sanitizeResult, string) {
		t.Helper()
		return runSanitize(t, in, append([]string{"--lang", "es", "--monitored-free-text", policy}, args...)...)
	}
	for _, policy := range []string{"filter", "vocabulary", "plain", "whole"} {
		for _, c := range []struct{ body, name, word string }{
			{"Nos vemos en la calle Murcia mañana.", "calle Murcia", "Murcia"},
			{"Hola, el jueves a las 10 en Cruz Roja, ¿vale?", "Lucía,Cruz Roja", "Cruz"},
		} {
			res, out := run(policy, c.body, "--unknown-names", "on", "--confirm-names", c.name)
			if res.Refused != "invalid_param" || res.Field != "confirm_names" || res.Text != "" || len(res.Categories) != 1 {
				t.Fatalf("%s %q: %s", policy, c.name, out)
			}
			if strings.Contains(out, c.word) {
				t.Fatalf("%s: the name is echoed: %s", policy, out)
			}
		}
	}
	clean := "Hola Lucía, el lunes a las 11, ¿vale?"
	if res, out := run("plain", clean, "--confirm-names", "Lucía"); res.Refused != "" || res.Text != clean {
		t.Fatalf("neutral name: %s", out)
	}
	stdin = strings.NewReader(clean)
	code, out, stderr := runCmd(t, "sanitize", "--lang", "es", "--monitored-free-text", "plain", "--known-names", "Metro Sol,Cruz Roja")
	if code == 0 || !strings.Contains(stderr, "known name 2 is flagged") || strings.Contains(stderr+out, "Cruz") {
		t.Fatalf("flagged known name: exit %d, %s %s", code, out, stderr)
	}
	if _, _, stderr := runCmd(t, "sanitize", "-h"); !strings.Contains(stderr, "-confirm-names") {
		t.Fatalf("help: %s", stderr)
	}
}

// sanitize refuses letters and digits drawn as symbols (letter_symbols)
// under every policy, and reads pictographs as serve does: a sensitive one is a
// finding of its category, under plain any pictograph outside the
// greeting ones is not in her vocabulary.
func TestSanitizeLetterSymbolsAndPictographs(t *testing.T) {
	defer func() { stdin = os.Stdin }()
	run := func(policy, lang, in string) sanitizeResult {
		t.Helper()
		res, _ := runSanitize(t, in, "--lang", lang, "--monitored-free-text", policy)
		return res
	}
	for _, c := range [][2]string{
		{"es", "Hola, la 🅿🅾🅻🅸🅲🅸🅰 te espera mañana 🆘"},
		{"es", "la 🅟🅞🅛🅘🅒🅘🅐"},
		{"es", "la 🇵🇴🇱🇮🇨🇮🇦"},
		{"en", "the 🅟🅞🅛🅘🅒🅔 are waiting"},
		{"it", "domani dall'🅰🆅🆅🅾🅲🅰🆃🅾"},
		{"es", "llámame al ⑹⑴⑵-⑶⑷-⑸⑹-⑺⑻"},
		{"es", "llámame al ⒍⒈⒉ ⒊⒋⒌ ⒍⒎⒏"},
		{"en", "the 𝐏𝐎𝐋𝐈𝐂𝐈𝐀 are waiting"},
	} {
		for _, p := range []string{"filter", "vocabulary", "plain", "whole"} {
			if res := run(p, c[0], c[1]); res.Refused != "letter_symbols" || res.Text != "" {
				t.Fatalf("%s %q: %+v", p, c[1], res)
			}
		}
	}
	for _, p := range []string{"filter", "vocabulary", "plain", "whole"} {
		res := run(p, "es", "Nos vemos mañana en el 🏥")
		if !slices.Contains(res.Categories, "health") && (p == "plain" || p == "whole") || strings.Contains(res.Text, "🏥") {
			t.Fatalf("%s hospital: %+v", p, res)
		}
	}
	if res := run("plain", "fr", "demain avec le 👮"); res.Refused != "content_not_discreet" || !slices.Contains(res.Categories, "legal") {
		t.Fatalf("plain police: %+v", res)
	}
	greeting := "Hola, nos vemos mañana 😊❤️👍"
	if res := run("plain", "es", greeting); res.Refused != "" || res.Text != greeting {
		t.Fatalf("plain greeting: %+v", res)
	}
	if res := run("plain", "es", "Hola, nos vemos mañana 🔒"); res.Refused != "content_not_discreet" || !slices.Contains(res.Categories, "not_in_vocabulary") {
		t.Fatalf("plain lock: %+v", res)
	}
	// Whole scans without the vocabulary: the lock goes out as written.
	if res := run("whole", "es", "Hola, nos vemos mañana 🔒"); res.Refused != "" || res.Text != "Hola, nos vemos mañana 🔒" {
		t.Fatalf("whole lock: %+v", res)
	}
	if res := run("whole", "fr", "demain avec le 👮"); res.Refused != "content_not_discreet" || res.Reason != "flagged" || !slices.Contains(res.Categories, "legal") {
		t.Fatalf("whole police: %+v", res)
	}
}

// sanitize --signature-name is the author's signature name: checked as
// PUT /v1/me/signature-name checks it (message.CheckSignatureName; a name
// the filter flags or of the wrong shape stops the command with
// invalid_param on signature_name, never echoed) and a known name in this
// scan as serve makes it: her greeting goes out under plain with it and is
// refused without it; it does not make another finding pass.
func TestSanitizeSignatureName(t *testing.T) {
	defer func() { stdin = os.Stdin }()
	run := func(policy, in string, args ...string) sanitizeResult {
		t.Helper()
		res, _ := runSanitize(t, in, append([]string{"--lang", "es", "--monitored-free-text", policy}, args...)...)
		return res
	}
	const greeting = "Hola, soy Marta. Nos vemos a las 10"
	if res := run("plain", greeting); res.Refused != "content_not_discreet" || !slices.Contains(res.Categories, "not_in_vocabulary") && !slices.Contains(res.Categories, "unknown_name") {
		t.Fatalf("without a signature name: %+v", res)
	}
	for _, name := range []string{"Marta", " Marta "} {
		if res := run("plain", greeting, "--signature-name", name); res.Refused != "" || res.Text != greeting {
			t.Fatalf("signature name %q: %+v", name, res)
		}
	}
	if res := run("plain", greeting, "--signature-name", ""); res.Refused != "content_not_discreet" {
		t.Fatalf("empty signature name: %+v", res)
	}
	// Under vocabulary: cut without it, nothing cut with it.
	if res := run("vocabulary", greeting); len(res.Redactions) == 0 || strings.Contains(res.Text, "Marta") {
		t.Fatalf("vocabulary, without: %+v", res)
	}
	if res := run("vocabulary", greeting, "--signature-name", "Marta"); len(res.Redactions) != 0 || res.Text != greeting {
		t.Fatalf("vocabulary, with: %+v", res)
	}
	// Another finding still refuses the text.
	if res := run("plain", "Hola, soy Marta. Mañana vamos a ver a la abogada", "--signature-name", "Marta"); res.Refused != "content_not_discreet" || !slices.Contains(res.Categories, "legal") {
		t.Fatalf("a sensitive word beside her name: %+v", res)
	}
	// Refused as PUT /v1/me/signature-name refuses it, never echoed.
	for _, bad := range []string{"Police", "Caritas", "Calle Mayor", "marta", "Socorro", "Marta López García", "Ｍａｒｔａ"} {
		stdin = strings.NewReader(greeting)
		code, out, stderr := runCmd(t, "sanitize", "--lang", "es", "--monitored-free-text", "plain", "--signature-name", bad)
		if code == 0 || out != "" || !strings.Contains(stderr, "invalid_param (signature_name)") || strings.Contains(stderr, bad) {
			t.Fatalf("%q: exit %d, %s %s", bad, code, out, stderr)
		}
	}
	// A name of only spaces is no name: refused as empty, not read as none.
	stdin = strings.NewReader(greeting)
	if code, out, stderr := runCmd(t, "sanitize", "--lang", "es", "--monitored-free-text", "plain", "--signature-name", "   "); code == 0 || out != "" ||
		!strings.Contains(stderr, "invalid_param (signature_name)") || !strings.Contains(stderr, "empty") {
		t.Fatalf("blank signature name: exit %d, %s %s", code, out, stderr)
	}
	_, _, stderr := runCmd(t, "sanitize", "-h")
	if !strings.Contains(stderr, "-signature-name") || !strings.Contains(stderr, "visible in ps and the shell history") {
		t.Fatalf("help: %s", stderr)
	}
}

// Under the filter policy the signature name counts only where the scan
// reports names, as in serve: with unknown names off nothing changes with
// it; with them on, her name is cut without it and kept with it.
func TestSanitizeSignatureNameFilterPolicy(t *testing.T) {
	defer func() { stdin = os.Stdin }()
	run := func(in string, args ...string) sanitizeResult {
		t.Helper()
		res, _ := runSanitize(t, in, append([]string{"--lang", "es", "--monitored-free-text", "filter"}, args...)...)
		return res
	}
	// Not her presenting herself nor a signature, which the unknown names
	// leave alone without it.
	const greeting = "Mañana a las 10 te espera Marta en el mercado"
	for _, args := range [][]string{{"--unknown-names", "off"}, {"--unknown-names", "off", "--signature-name", "Marta"}} {
		if res := run(greeting, args...); res.Refused != "" || res.Text != greeting || len(res.Redactions) != 0 {
			t.Fatalf("unknown names off %v: %+v", args, res)
		}
	}
	res := run(greeting, "--unknown-names", "on")
	if res.Refused != "" || strings.Contains(res.Text, "Marta") || len(res.Redactions) != 1 || res.Redactions[0].Category != "unknown_name" {
		t.Fatalf("unknown names on, without a signature name: %+v", res)
	}
	if res := run(greeting, "--unknown-names", "on", "--signature-name", "Marta"); res.Refused != "" || res.Text != greeting || len(res.Redactions) != 0 {
		t.Fatalf("unknown names on, with a signature name: %+v", res)
	}
	// Another finding is still cut beside her name.
	in := "Mañana a las 10 te espera Marta con la abogada"
	res = run(in, "--unknown-names", "on", "--signature-name", "Marta")
	if res.Refused != "" || !strings.Contains(res.Text, "Marta") || strings.Contains(res.Text, "abogada") || len(res.Redactions) != 1 || res.Redactions[0].Category != "legal" {
		t.Fatalf("a sensitive word beside her name: %+v", res)
	}
	// A blank name is refused under this policy too.
	stdin = strings.NewReader(greeting)
	if code, _, stderr := runCmd(t, "sanitize", "--lang", "es", "--monitored-free-text", "filter", "--signature-name", " \t "); code == 0 || !strings.Contains(stderr, "invalid_param (signature_name)") {
		t.Fatalf("blank signature name: exit %d, %s", code, stderr)
	}
}
