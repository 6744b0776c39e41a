package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"safecontact/db/dbtest"
	"safecontact/keys"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestServeRefusesWithoutKey(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCmd(t, "serve", "--sink", "--data-dir", dir, "--database-url", "postgres://127.0.0.1:1/x")
	if code != 1 || !strings.Contains(stderr, "gateway keys init --key-file "+filepath.Join(dir, "keys.json")) {
		t.Fatalf("serve without key: exit %d, stderr %q", code, stderr)
	}
}

// serve refuses to fake delivery: no provider credentials and no --sink.
func TestServeRefusesWithoutProvider(t *testing.T) {
	t.Setenv("TWILIO_ACCOUNT_SID", "")
	dir := t.TempDir()
	code, _, stderr := runCmd(t, "serve", "--data-dir", dir, "--database-url", "postgres://127.0.0.1:1/x")
	if code != 1 || !strings.Contains(stderr, "no provider credentials") || !strings.Contains(stderr, "--sink") {
		t.Fatalf("serve without provider: exit %d, stderr %q", code, stderr)
	}
}

// serve refuses plain HTTP off loopback unless a TLS proxy is said to be
// in front.
func TestServeRefusesInsecureListen(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCmd(t, "serve", "--sink", "--addr", "0.0.0.0:8080", "--data-dir", dir, "--database-url", "postgres://127.0.0.1:1/x")
	if code != 1 || !strings.Contains(stderr, "refusing to listen without TLS") || !strings.Contains(stderr, "--insecure-behind-proxy") {
		t.Fatalf("serve on 0.0.0.0 without TLS: exit %d, stderr %q", code, stderr)
	}
	// The proxy flag needs the proxy's address: without it every client
	// would look like the proxy (audit, throttling).
	serveStops(t, dir, "--insecure-behind-proxy needs --trusted-proxies", "--insecure-behind-proxy", "--addr", "0.0.0.0:8080")
	// With both it gets past the rule (and stops at the key file).
	serveStops(t, dir, "gateway keys init", "--insecure-behind-proxy", "--trusted-proxies", "10.0.0.1", "--addr", "0.0.0.0:8080")
	// /metrics off loopback needs a token.
	serveStops(t, dir, "GATEWAY_METRICS_TOKEN", "--metrics-addr", "0.0.0.0:9464")
	t.Setenv("GATEWAY_METRICS_TOKEN", "a-long-random-scraper-token")
	serveStops(t, dir, "gateway keys init", "--metrics-addr", "0.0.0.0:9464")
}

// serveStops runs serve --sink with args on a data dir without a key file
// and checks that it exits 1 saying want.
func serveStops(t *testing.T, dir, want string, args ...string) string {
	t.Helper()
	args = append([]string{"serve", "--sink", "--data-dir", dir, "--database-url", "postgres://127.0.0.1:1/x"}, args...)
	code, _, stderr := runCmd(t, args...)
	if code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("%v: exit %d, stderr %q, want %q", args, code, stderr, want)
	}
	return stderr
}

// A test instance next to real provider credentials is a mistake either
// way: serve refuses to guess which was meant.
func TestServeRefusesSinkWithProviderCredentials(t *testing.T) {
	dir := t.TempDir()
	stderr := serveStops(t, dir, "test instance with provider credentials", "--twilio-account-sid", "AC00000000000000000000000000000000")
	if !strings.Contains(stderr, "TWILIO_ACCOUNT_SID") {
		t.Fatalf("no way out named: %q", stderr)
	}
	t.Setenv("TWILIO_AUTH_TOKEN", "secret")
	if stderr := serveStops(t, dir, "test instance with provider credentials"); strings.Contains(stderr, "secret") {
		t.Fatalf("the token in the message: %q", stderr)
	}
}

// --reveal-daily-budget 0 means no reveals, not "the default".
func TestRevealBudgetFlag(t *testing.T) {
	for args, want := range map[string]int{"": 5, "--reveal-daily-budget 0": 0, "--reveal-daily-budget 2": 2} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		cfg, _ := appFlags(fs)
		if err := fs.Parse(strings.Fields(args)); err != nil {
			t.Fatal(err)
		}
		finishAppConfig(fs, cfg)
		if cfg.Service.RevealDailyBudget == nil || *cfg.Service.RevealDailyBudget != want {
			t.Errorf("%q: %v", args, cfg.Service.RevealDailyBudget)
		}
	}
}

// users: slug names, expiry shown in the list, rotation keeps the user,
// and a name made before the rule cannot rewrite the terminal.
func TestUsersExpiryRotationAndListing(t *testing.T) {
	pool, url := dbtest.New(t)
	if code, _, stderr := runCmd(t, "users", "add", "--no-password", "--database-url", url, "--name", "evil\x1b[2K", "--role", "staff"); code != 1 || !strings.Contains(stderr, "invalid_text") {
		t.Fatalf("escape in a name: %d %q", code, stderr)
	}
	if code, out, stderr := runCmd(t, "users", "add", "--no-password", "--database-url", url, "--name", "temp", "--role", "staff", "--expires", "90d"); code != 0 || !strings.Contains(out, "sc_") {
		t.Fatalf("add --expires: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := runCmd(t, "users", "add", "--no-password", "--database-url", url, "--name", "x2", "--expires", "forever"); code != 1 || !strings.Contains(stderr, "invalid_expiry_format") {
		t.Fatalf("bad expiry: %d %q", code, stderr)
	}
	code, out, stderr := runCmd(t, "users", "rotate", "--database-url", url, "--name", "temp")
	if code != 0 || !regexp.MustCompile(`new token.*\n.*sc_[a-z2-7]{52}`).MatchString(out) {
		t.Fatalf("rotate: %d %q %q", code, out, stderr)
	}
	// A legacy name (before the slug rule) with a terminal escape.
	if _, err := pool.Exec(`INSERT INTO users (name, role, token_hash) VALUES ($1, 'staff', '\x01')`, "old\x1b[1Aname"); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "users", "list", "--database-url", url)
	want := time.Now().Add(90 * 24 * time.Hour).Format("2006-01-02")
	if code != 0 || !regexp.MustCompile(`temp\s+staff\s+\S+\s+`+want+`\s+active`).MatchString(out) || strings.Contains(out, "\x1b") ||
		!strings.Contains(out, `"old\x1b[1Aname"`) {
		t.Fatalf("users list: %d %q", code, out)
	}
}

func TestKeysInitRefusesOverwrite(t *testing.T) {
	file := filepath.Join(t.TempDir(), "k.json")
	if code, out, _ := runCmd(t, "keys", "init", "--key-file", file); code != 0 || !strings.Contains(out, "wrote") {
		t.Fatalf("keys init: %d %q", code, out)
	}
	before, _ := os.ReadFile(file)
	if code, _, stderr := runCmd(t, "keys", "init", "--key-file", file); code != 1 || !strings.Contains(stderr, "refusing to overwrite") {
		t.Fatalf("second keys init: %d %q", code, stderr)
	}
	after, _ := os.ReadFile(file)
	if !bytes.Equal(before, after) {
		t.Fatal("key file changed")
	}
}

// TestKeysRotateConcurrent: `keys rotate` run many times at once, half
// through a symlink to the key file, adds every key (each command says
// its own), and the link stays a link.
func TestKeysRotateConcurrent(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "keys.json")
	if code, out, _ := runCmd(t, "keys", "init", "--key-file", file); code != 0 {
		t.Fatalf("keys init: %d %q", code, out)
	}
	link := filepath.Join(t.TempDir(), "keys.json")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	const n = 16
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		p := file
		if i%2 == 1 {
			p = link
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			if code := run(context.Background(), []string{"keys", "rotate", "--key-file", p}, &out, &errb); code != 0 {
				outs[i] = "exit " + errb.String()
				return
			}
			outs[i] = out.String()
		}()
	}
	wg.Wait()
	said := map[string]bool{}
	for _, out := range outs {
		m := regexp.MustCompile(`^added key (\d+) to `).FindStringSubmatch(out)
		if m == nil || said[m[1]] {
			t.Fatalf("keys rotate: %q (all: %q)", out, outs)
		}
		said[m[1]] = true
	}
	var f keys.File
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Keys) != n+1 || f.Primary != n+1 {
		t.Fatalf("the key file holds %d keys (primary %d) of the %d created", len(f.Keys), f.Primary, n+1)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", st, err)
	}
}

func TestUsersAndMigrateCommands(t *testing.T) {
	_, url := dbtest.New(t)
	code, out, stderr := runCmd(t, "users", "add", "--no-password", "--database-url", url, "--name", "alice", "--role", "supervisor")
	if code != 0 || !regexp.MustCompile(`token \(shown once, store it now\): sc_[a-z2-7]{52}`).MatchString(out) {
		t.Fatalf("users add: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := runCmd(t, "users", "add", "--no-password", "--database-url", url, "--name", "bob", "--role", "boss"); code != 1 || !strings.Contains(stderr, "invalid_role") {
		t.Fatalf("bad role: %d %q", code, stderr)
	}
	if code, _, _ := runCmd(t, "users", "disable", "--database-url", url, "--name", "alice"); code != 0 {
		t.Fatal("users disable failed")
	}
	code, out, _ = runCmd(t, "users", "list", "--database-url", url)
	if code != 0 || !regexp.MustCompile(`alice\s+supervisor\s+\S+\s+never\s+disabled`).MatchString(out) {
		t.Fatalf("users list: %d %q", code, out)
	}
	code, out, _ = runCmd(t, "migrate", "status", "--database-url", url)
	if code != 0 || !strings.Contains(out, "00001_foundation.sql") || strings.Contains(out, "pending") {
		t.Fatalf("migrate status: %d %q", code, out)
	}
	if code, _, stderr := runCmd(t, "nonsense"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, stderr)
	}
}

func TestSanitizeCommand(t *testing.T) {
	in := "Tu cita con la psicóloga del centro es el martes. Llama al +34 612 345 678 o escribe a ayuda@ong.org"
	stdin = strings.NewReader(in)
	defer func() { stdin = os.Stdin }()
	code, out, stderr := runCmd(t, "sanitize", "--lang", "es", "--monitored-free-text", "filter")
	if code != 0 {
		t.Fatalf("sanitize: %d %s", code, stderr)
	}
	var res struct {
		Text       string `json:"text"`
		Redactions []struct {
			Category   string `json:"category"`
			Start, End int
			Match      string `json:"match"`
		} `json:"redactions"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v %s", err, out)
	}
	cats := map[string]bool{}
	for _, r := range res.Redactions {
		cats[r.Category] = true
		if in[r.Start:r.End] != r.Match {
			t.Errorf("offsets %d-%d give %q, match says %q", r.Start, r.End, in[r.Start:r.End], r.Match)
		}
	}
	for _, c := range []string{"health", "phone", "email"} {
		if !cats[c] {
			t.Errorf("no %s finding in %s", c, out)
		}
	}
	if strings.Contains(res.Text, "612") || strings.Contains(res.Text, "psic") || strings.Contains(res.Text, "@") {
		t.Errorf("stripped text still sensitive: %q", res.Text)
	}
}

// templates list shows each template's DIGEST (the first 12 hex digits of
// the SHA-256 of its file, as a message records it in full) and SOURCE: a
// built-in's is the embedded file's, and a deployment's override of it has
// its own digest and source deployment.
func TestTemplatesListDigestAndSource(t *testing.T) {
	builtin, err := os.ReadFile(filepath.Join("..", "..", "templates", "builtin", "how_are_you.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	override := strings.Replace(strings.Replace(string(builtin), "version: 2", "version: 3", 1),
		"Write to us when you can.", "Write to us whenever you can.", 1)
	if override == string(builtin) || !strings.Contains(override, "whenever") {
		t.Fatal("the built-in how_are_you changed: update the override")
	}
	dir := writeTemplates(t, map[string]string{"how_are_you.tmpl": override})
	prefix := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:])[:12] }
	for _, tc := range []struct {
		name string
		args []string
		want []string // ID VERSION DIGEST SOURCE
	}{
		{"built-in", nil, []string{"how_are_you", "2", prefix(builtin), "builtin"}},
		{"override", []string{"--dir", dir}, []string{"how_are_you", "3", prefix([]byte(override)), "deployment"}},
	} {
		code, out, stderr := runCmd(t, append([]string{"templates", "list"}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d %s", tc.name, code, stderr)
		}
		lines := strings.Split(out, "\n")
		if got := strings.Fields(lines[0]); strings.Join(got[:4], " ") != "ID VERSION DIGEST SOURCE" {
			t.Fatalf("%s: header %q", tc.name, lines[0])
		}
		var row []string
		for _, l := range lines[1:] {
			if f := strings.Fields(l); len(f) > 4 && f[0] == "how_are_you" {
				row = f[:4]
			}
			if f := strings.Fields(l); len(f) > 4 && f[0] == "please_contact" && f[3] != "builtin" {
				t.Errorf("%s: an untouched built-in: %q", tc.name, l)
			}
		}
		if strings.Join(row, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: how_are_you row %q, want %q\n%s", tc.name, row, tc.want, out)
		}
	}
}

func TestTemplatesCommand(t *testing.T) {
	code, out, _ := runCmd(t, "templates", "list")
	if code != 0 || !strings.Contains(out, "appointment_reminder") || !strings.Contains(out, "safety_checkin") {
		t.Fatalf("templates list: %d %s", code, out)
	}
	code, out, stderr := runCmd(t, "templates", "render", "appointment_reminder", "--lang", "es", "--variant", "discreet",
		"--param", "when=2026-06-02T08:00:00Z", "--param", "place=Metro Sants")
	if code != 0 || !strings.Contains(out, "10:00") || !strings.Contains(out, "Metro Sants") {
		t.Fatalf("templates render: %d %q %q", code, out, stderr)
	}
}
