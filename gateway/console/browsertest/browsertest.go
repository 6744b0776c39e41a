// Package browsertest drives headless Chromium for the console's browser
// tests, through chromedp: it starts Debian's chromium for one test,
// records every page's response headers and every console message (a
// Content-Security-Policy violation shows there), writes screenshots under
// the test's artefact directory, and checks pages with axe-core.
//
// Chromium: $CHROMIUM, else /usr/bin/chromium (Debian's package
// chromium), else chromium on $PATH. Without one a test is skipped with a
// message saying how to install it — except in CI (CI set), where it
// fails: CI must install it (.ci/run does).
//
// Screenshots: t.ArtifactDir() (kept under -outputdir with `go test
// -artifacts`); and when a test fails and $BROWSERTEST_ARTIFACTS is set,
// they are also copied to $BROWSERTEST_ARTIFACTS/<test name>/ for CI to
// keep.
package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

//go:embed vendor/axe.min.js
var axeSource string

// ChromiumPath is the Chromium binary to use, or "" when none is found.
func ChromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	if st, err := os.Stat("/usr/bin/chromium"); err == nil && !st.IsDir() {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Document is one page (top-level document) the browser received.
type Document struct {
	URL     string
	Status  int64
	Headers map[string]string // lower-case names
}

// Browser is one headless Chromium for one test.
type Browser struct {
	t       *testing.T
	ctx     context.Context
	timeout time.Duration

	mu       sync.Mutex
	docs     []Document
	messages []chromedp.ConsoleMessage
	shots    []string
}

// Timeout bounds each step a test runs (a page that never shows the
// awaited element fails the test instead of hanging it).
const Timeout = 30 * time.Second

// New starts Chromium for t; it stops when t ends.
func New(t *testing.T) *Browser {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		msg := "no Chromium: install Debian's package (apt-get install -y chromium) or set CHROMIUM to its path"
		if ci := os.Getenv("CI"); ci != "" && ci != "0" && ci != "false" {
			t.Fatal("browser tests must run in CI: " + msg)
		}
		t.Skip("skipping browser test: " + msg)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	b := &Browser{t: t, ctx: ctx, timeout: Timeout}
	t.Cleanup(func() {
		b.keepOnFailure()
		cancel()
		cancelAlloc()
	})
	// The first call starts the browser with a context that has no
	// deadline (a deadline on it would end the browser).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	responses := chromedp.Events(ctx, network.ResponseReceived)
	messages := chromedp.Console(ctx)
	go func() {
		for ev, err := range responses {
			if err != nil {
				return
			}
			if ev.Type != network.ResourceTypeDocument || ev.Response == nil {
				continue
			}
			d := Document{URL: ev.Response.URL, Status: ev.Response.Status, Headers: map[string]string{}}
			for k, v := range ev.Response.Headers {
				d.Headers[strings.ToLower(k)] = fmt.Sprint(v)
			}
			b.mu.Lock()
			b.docs = append(b.docs, d)
			b.mu.Unlock()
		}
	}()
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// Context is the browser tab's context, for actions of a test's own.
func (b *Browser) Context() context.Context { return b.ctx }

// Do runs steps in the tab; on an error it takes a screenshot and fails
// the test.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.Screenshot("failed-step")
		b.t.Fatalf("browser: %v", err)
	}
}

// Get runs one action in b's tab and returns its value, failing the test
// on an error.
func Get[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.Screenshot("failed-step")
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// Screenshot writes a full-page PNG named name under the test's artefact
// directory and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	b.mu.Lock()
	n := len(b.shots) + 1
	b.mu.Unlock()
	path := filepath.Join(b.t.ArtifactDir(), fmt.Sprintf("%02d-%s.png", n, unsafeName.ReplaceAllString(name, "_")))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	b.mu.Lock()
	b.shots = append(b.shots, path)
	b.mu.Unlock()
	return path
}

// Screenshots are the paths written so far.
func (b *Browser) Screenshots() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.shots...)
}

// keepOnFailure copies the screenshots of a failed test to
// $BROWSERTEST_ARTIFACTS/<test name>/.
func (b *Browser) keepOnFailure() {
	dir := os.Getenv("BROWSERTEST_ARTIFACTS")
	if dir == "" || !b.t.Failed() {
		return
	}
	dst := filepath.Join(dir, unsafeName.ReplaceAllString(b.t.Name(), "_"))
	if err := os.MkdirAll(dst, 0o755); err != nil {
		b.t.Logf("keeping screenshots: %v", err)
		return
	}
	for _, p := range b.Screenshots() {
		if data, err := os.ReadFile(p); err == nil {
			os.WriteFile(filepath.Join(dst, filepath.Base(p)), data, 0o644)
		}
	}
	b.t.Logf("screenshots of the failed test kept in %s", dst)
}

// Documents are the pages received so far, in order.
func (b *Browser) Documents() []Document {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Document(nil), b.docs...)
}

// Console is what pages wrote to the console so far (errors, CSP
// violations, exceptions).
func (b *Browser) Console() []chromedp.ConsoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), b.messages...)
}

// Cookies are the browser's cookies for the current page.
func (b *Browser) Cookies() []*network.Cookie {
	b.t.Helper()
	res := Get(b, func(ctx context.Context, t *chromedp.Target) (*network.GetCookiesResult, error) {
		r, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
		return &r, err
	})
	return res.Cookies
}

// AxeViolation is one rule axe-core found broken on a page.
type AxeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// Axe runs axe-core (WCAG 2.x A and AA rules and best practices) on the
// current page and returns its violations. axe is injected through the
// DevTools protocol, which the page's Content-Security-Policy does not
// restrict, so the page itself needs no exception for it.
func (b *Browser) Axe() []AxeViolation {
	b.t.Helper()
	loaded := Get(b, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if !loaded {
		b.Do(chromedp.Evaluate[chromedp.Void](axeSource))
	}
	raw := Get(b, chromedp.Evaluate[[]byte](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	var vs []AxeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		b.t.Fatalf("axe result: %v", err)
	}
	return vs
}

// CheckAxe fails the test if axe-core finds a serious or critical
// violation on the current page (named page in the messages); lesser ones
// are logged.
func (b *Browser) CheckAxe(page string) {
	b.t.Helper()
	for _, v := range b.Axe() {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target))
		}
		msg := fmt.Sprintf("axe on %s: %s (%s): %s at %s", page, v.ID, v.Impact, v.Help, strings.Join(where, ", "))
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Error(msg)
		} else {
			b.t.Log(msg)
		}
	}
}
