package templates

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"safecontact/errs"
)

// The built-in templates that tell her she will be called say so in their
// header, at their datetime parameter; the others promise nothing.
func TestBuiltinPromisedCalls(t *testing.T) {
	t.Parallel()
	c := mustBuiltin(t)
	want := map[string]string{"call_at": "when", "callback_notice": "when"}
	for _, info := range c.List() {
		param, ok := c.PromisedCall(info.ID)
		if w, promised := want[info.ID]; promised {
			if !ok || param != w || info.Promises != "call at {"+w+"}" {
				t.Errorf("%s: PromisedCall = %q %v, Promises = %q", info.ID, param, ok, info.Promises)
			}
			continue
		}
		if ok || info.Promises != "" {
			t.Errorf("%s promises %q (%q)", info.ID, param, info.Promises)
		}
	}
	if _, ok := c.PromisedCall("no_such_template"); ok {
		t.Error("an unknown template promises a call")
	}
}

var versionLine = regexp.MustCompile(`(?m)^version: \d+$`)

// builtinOverride is the built-in file of id with a version above the
// built-in's current one (read from the catalogue, so bumping the built-in
// does not break the test) and edit applied.
func builtinOverride(t *testing.T, id string, edit func(string) string) string {
	t.Helper()
	data, err := builtinFS.ReadFile("builtin/" + id + ".tmpl")
	if err != nil {
		t.Fatal(err)
	}
	v := mustBuiltin(t).tmpl[id].version
	s := versionLine.ReplaceAllString(string(data), fmt.Sprintf("version: %d", v+1))
	if s == string(data) {
		t.Fatalf("%s: no version line", id)
	}
	return edit(s)
}

// A deployment override of a built-in that promises a call must keep the
// promise: without the header the gateway would send "we will call you on
// ..." without checking that call against her voice consent and hours.
func TestOverrideKeepsPromisedCall(t *testing.T) {
	t.Parallel()
	dropHeader := func(s string) string {
		var out []string
		for _, ln := range strings.Split(s, "\n") {
			if !strings.HasPrefix(ln, "promises:") {
				out = append(out, ln)
			}
		}
		return strings.Join(out, "\n")
	}
	for _, id := range []string{"call_at", "callback_notice"} {
		dropped := builtinOverride(t, id, dropHeader)
		if strings.Contains(dropped, "promises:") {
			t.Fatalf("%s: header not dropped", id)
		}
		dir := t.TempDir()
		writeTmpl(t, dir, id+".tmpl", dropped)
		_, err := Load(dir)
		if errs.Code(err) != CodeInvalidTemplate || !strings.Contains(err.Error(), "overrides built-in") ||
			!strings.Contains(err.Error(), `"promises: call at {when}"`) || !strings.Contains(err.Error(), id+".tmpl") {
			t.Errorf("%s without its promises header: %v", id, err)
		}

		// Kept (with a new wording): loaded, and still a promise.
		kept := builtinOverride(t, id, func(s string) string {
			return strings.Replace(s, "[en discreet]\n", "[en discreet]\nHey! ", 1)
		})
		dir = t.TempDir()
		writeTmpl(t, dir, id+".tmpl", kept)
		c, err := Load(dir)
		if err != nil {
			t.Fatalf("%s with its promises header: %v", id, err)
		}
		if p, ok := c.PromisedCall(id); !ok || p != "when" {
			t.Errorf("%s override: PromisedCall = %q %v", id, p, ok)
		}
		if v := c.tmpl[id].version; v != mustBuiltin(t).tmpl[id].version+1 || !strings.HasPrefix(c.tmpl[id].file, dir) || c.tmpl[id].source != SourceDeployment {
			t.Errorf("%s override not in force: version %d file %s source %s", id, v, c.tmpl[id].file, c.tmpl[id].source)
		}
	}
	// An override may add a promise to a built-in that makes none.
	dir := t.TempDir()
	writeTmpl(t, dir, "r.tmpl", builtinOverride(t, "appointment_reminder", func(s string) string {
		return strings.Replace(s, "param place: meeting_point\n", "param place: meeting_point\npromises: call at {when}\n", 1)
	}))
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := c.PromisedCall("appointment_reminder"); !ok || p != "when" {
		t.Errorf("added promise: %q %v", p, ok)
	}
}

// The header's own rules: one promise, "call at {param}", naming a
// declared datetime parameter.
func TestPromisesHeader(t *testing.T) {
	t.Parallel()
	withHeader := func(h string) string {
		return strings.Replace(minimalTmpl, "param when: datetime\n", "param when: datetime\n"+h+"\n", 1)
	}
	cases := []struct{ name, body, wantMsg string }{
		{"other kind", withHeader("promises: visit at {when}"), `promises must be "call at {param}"`},
		{"no braces", withHeader("promises: call at when"), `promises must be "call at {param}"`},
		{"empty", withHeader("promises:"), `promises must be "call at {param}"`},
		{"extra words", withHeader("promises: call at {when} sharp"), `promises must be "call at {param}"`},
		{"bad name", withHeader("promises: call at {When}"), `promises must be "call at {param}"`},
		{"undeclared", withHeader("promises: call at {time}"), "{time}, which is not a declared param"},
		{"twice", withHeader("promises: call at {when}\npromises: call at {when}"), "promises given twice"},
		{"malformed key", withHeader("promises soon: call at {when}"), "malformed key"},
		{"not a datetime", strings.ReplaceAll(withHeader("promises: call at {code}"), "param when: datetime", "param when: datetime\nparam code: digits"), "a digits param"},
	}
	for _, tc := range cases {
		body := tc.body
		if tc.name == "not a datetime" {
			body = strings.ReplaceAll(body, "{when}.", "{when} {code}.")
		}
		dir := t.TempDir()
		writeTmpl(t, dir, "t.tmpl", body)
		_, err := Load(dir)
		if errs.Code(err) != CodeInvalidTemplate || !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("%s: %v (want %q)", tc.name, err, tc.wantMsg)
		}
	}
	// Declared after the param line or before it: both read.
	for _, body := range []string{withHeader("promises: call at {when}"),
		strings.Replace(minimalTmpl, "param when: datetime\n", "promises:   call  at  {when}\nparam when: datetime\n", 1)} {
		dir := t.TempDir()
		writeTmpl(t, dir, "t.tmpl", body)
		c, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := c.PromisedCall("x_note"); !ok || p != "when" {
			t.Errorf("PromisedCall = %q %v", p, ok)
		}
	}
}
