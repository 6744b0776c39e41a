package console_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The core imports no area package and no area imports another: each
// area hangs off the core alone (Page, Render, the catalogue), so an area
// is read, changed or left out without the others, and the core stays the
// one place for the security rules.
func TestAreasHangOffTheCore(t *testing.T) {
	t.Parallel()
	const core = "safecontact/gateway/console"
	// imports are the packages the files import; tests may also import
	// the core's test helpers (consoletest), which import only the core,
	// and an external test package its own package (self).
	imports := func(pattern, self string) []string {
		t.Helper()
		files, err := filepath.Glob(pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("no files %s (%v)", pattern, err)
		}
		var out []string
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, is := range af.Imports {
				p, _ := strconv.Unquote(is.Path.Value)
				if (p == core+"/consoletest" || p == self) && strings.HasSuffix(f, "_test.go") {
					continue
				}
				out = append(out, p)
			}
		}
		return out
	}
	for _, p := range imports("*.go", core) {
		if strings.HasPrefix(p, core+"/") && p != core+"/browsertest" {
			t.Errorf("the core imports %s", p)
		}
	}
	areas, _ := filepath.Glob("*ui")
	if len(areas) < 6 {
		t.Fatalf("found only the areas %v", areas)
	}
	for _, a := range areas {
		ps := imports(filepath.Join(a, "*.go"), core+"/"+a)
		if !slices.Contains(ps, core) {
			t.Errorf("%s does not import the core", a)
		}
		for _, p := range ps {
			if strings.HasPrefix(p, core+"/") {
				t.Errorf("%s imports %s", a, p)
			}
		}
	}
	for _, p := range imports("consoletest/consoletest.go", "") {
		if strings.HasPrefix(p, core+"/") {
			t.Errorf("consoletest imports %s", p)
		}
	}
}
