package browsertest

// Page actions through JavaScript.
//
// chromedp's queries (Text, SetValue, Click, WaitVisible) find nodes in a
// copy of the document tree that chromedp keeps up to date from DOM
// events. Under load, after a form's POST answered with a page, Chromium
// 156 driven by chromedp v0.23 was seen to leave that copy stale: the
// query then waited its full timeout although a screenshot taken at that
// moment showed the element. Neither waiting for the load event nor for
// the next page's element helped, since both depend on the same events.
//
// The helpers here never use that copy. They read and act through
// Runtime.evaluate, which always runs in the document the tab shows now,
// and they know the next page has arrived by a mark left on the current
// document: a new document does not carry it. A click is a real mouse
// event at the element's centre (Input.dispatchMouseEvent), so a form
// posts as it does for a person, also with scripts turned off in the page
// (Runtime.evaluate still runs then: it is the debugger's, not the
// page's).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// pollEvery is how often a wait looks at the page again.
const pollEvery = 20 * time.Millisecond

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// visible is a JavaScript function of an element: laid out, not hidden.
const visible = `(function(e) { if (!e) return false; if (e.checkVisibility) return e.checkVisibility({visibilityProperty: true}); return e.getClientRects().length > 0; })`

// eval runs expr once in the document shown now.
func eval[T any](ctx context.Context, expr string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// poll evaluates expr until it gives ok, and returns its value. An error
// while a navigation replaces the document (its context is destroyed) is
// a "not yet".
func poll[T any](ctx context.Context, expr string, ok func(T) bool) (T, error) {
	var last error
	for {
		v, err := eval[T](ctx, expr)
		if err == nil && ok(v) {
			return v, nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return v, fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
			}
			return v, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// fail takes a screenshot and ends the test.
func (b *Browser) fail(what string, err error) {
	b.t.Helper()
	b.Screenshot("failed-step")
	b.t.Fatalf("browser: %s: %v", what, err)
}

// WaitFor waits until the JavaScript expression cond is true in the page
// shown.
func (b *Browser) WaitFor(cond string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	if _, err := poll(ctx, cond, func(v bool) bool { return v }); err != nil {
		b.fail("waiting for "+cond, err)
	}
}

// element is the expression for the first element matching the CSS
// selector sel once it is visible, else null.
func element(sel string) string {
	return fmt.Sprintf(`(function() { const e = document.querySelector(%s); return %s(e) ? e : null; })()`, js(sel), visible)
}

// Text waits for the first visible element matching the CSS selector sel
// and returns its innerText (what a reader sees).
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return b.read(sel, "e.innerText")
}

// Value waits for the first visible element matching sel and returns its
// form value.
func (b *Browser) Value(sel string) string {
	b.t.Helper()
	return b.read(sel, "e.value")
}

func (b *Browser) read(sel, prop string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	expr := fmt.Sprintf(`(function() { const e = %s; return e ? [true, String(%s)] : [false, ""]; })()`, element(sel), prop)
	v, err := poll(ctx, expr, func(v [2]any) bool { return v[0] == true })
	if err != nil {
		b.fail("reading "+sel, err)
	}
	s, _ := v[1].(string)
	return s
}

// SetValue waits for the visible field matching sel and sets its value,
// as typing or choosing would (an input and a change event follow).
func (b *Browser) SetValue(sel, value string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	expr := fmt.Sprintf(`(function() { const e = %s; if (!e) return false; e.value = %s; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, element(sel), js(value))
	if _, err := poll(ctx, expr, func(v bool) bool { return v }); err != nil {
		b.fail("setting "+sel, err)
	}
}

// SetChecked waits for the visible checkbox or radio button matching sel
// and ticks it (on) or clears it, as a click would (an input and a change
// event follow when it changes).
func (b *Browser) SetChecked(sel string, on bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	expr := fmt.Sprintf(`(function() { const e = %s; if (!e) return false; if (e.checked !== %t) { e.checked = %t; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); } return true; })()`, element(sel), on, on)
	if _, err := poll(ctx, expr, func(v bool) bool { return v }); err != nil {
		b.fail("checking "+sel, err)
	}
}

// marks numbers the documents a Browser has marked.
var marks atomic.Int64

// mark leaves a mark on the document shown and returns the condition
// that a new document has fully loaded in its place.
func (b *Browser) mark(ctx context.Context) (string, error) {
	n := marks.Add(1)
	if _, err := eval[bool](ctx, fmt.Sprintf(`window.__browsertestMark = %d, true`, n)); err != nil {
		return "", err
	}
	return fmt.Sprintf(`window.__browsertestMark !== %d && document.readyState === "complete"`, n), nil
}

// Click clicks the first visible element matching sel with the mouse,
// and waits for the page it leads to.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	if err := b.clickAndWait(ctx, sel); err != nil {
		b.fail("clicking "+sel, err)
	}
}

func (b *Browser) clickAndWait(ctx context.Context, sel string) error {
	// The element's centre in the viewport, once it is visible and
	// scrolled into view.
	expr := fmt.Sprintf(`(function() { const e = %s; if (!e) return null; e.scrollIntoView({block: "center", inline: "center"}); const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`, element(sel))
	xy, err := poll(ctx, expr, func(v []float64) bool { return len(v) == 2 })
	if err != nil {
		return err
	}
	next, err := b.mark(ctx)
	if err != nil {
		return err
	}
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
		return err
	}
	_, err = poll(ctx, next, func(v bool) bool { return v })
	return err
}

// Navigate opens url and waits for its page to load.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	err := func() error {
		next, err := b.mark(ctx)
		if err != nil {
			return err
		}
		err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			r, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: url})
			if err == nil && r.ErrorText != "" {
				err = errors.New(r.ErrorText)
			}
			return err
		}))
		if err != nil {
			return err
		}
		_, err = poll(ctx, next, func(v bool) bool { return v })
		return err
	}()
	if err != nil {
		b.fail("opening "+url, err)
	}
}
