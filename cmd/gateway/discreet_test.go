package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
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
	_, url := dbtest.New(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys.json")
	if code, _, stderr := runCmd(t, "keys", "init", "--key-file", keyFile); code != 0 {
		t.Fatalf("keys init: %s", stderr)
	}
	code, out, stderr := runCmd(t, "users", "add", "--no-password", "--database-url", url, "--name", "ana", "--role", "staff")
	token := regexp.MustCompile(`sc_[a-z2-7]{52}`).FindString(out)
	if code != 0 || token == "" {
		t.Fatalf("users add: %d %q %q", code, out, stderr)
	}
	terms := filepath.Join(dir, "terms.txt")
	os.WriteFile(terms, []byte("# our own name\norganisation: Casa Lumbre\n"), 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var serveErr lockedBuffer
	wg.Add(1)
	go func() {
		defer wg.Done()
		run(ctx, []string{"serve", "--sink", "--database-url", url, "--key-file", keyFile, "--data-dir", dir, "--addr", addr,
			"--discreet-terms-file", terms, "--monitored-free-text", "filter"}, &bytes.Buffer{}, &serveErr)
	}()
	defer func() { cancel(); wg.Wait() }()
	base := "http://" + addr
	do := func(method, path string, body any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
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
			t.Fatalf("serve did not start: %s", serveErr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
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
	code, out, _ = runCmd(t, "sanitize", "--lang", "es", "--discreet-terms-file", terms, "--monitored-free-text", "filter")
	if code != 0 || !strings.Contains(out, `"match":"Casa Lumbre"`) {
		t.Fatalf("sanitize: %d %s", code, out)
	}
	stdin = strings.NewReader(body)
	code, out, _ = runCmd(t, "sanitize", "--lang", "es", "--discreet-terms-file", terms)
	if code != 0 || !strings.Contains(out, `"refused":"free_text_refused"`) || strings.Contains(out, "Lumbre") {
		t.Fatalf("sanitize, default policy: %d %s", code, out)
	}
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
