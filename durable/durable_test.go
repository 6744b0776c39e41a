package durable

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// onlyFiles fails unless dir holds exactly the names want (no temporary
// file left behind).
func onlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	if len(got) != len(want) {
		t.Fatalf("%s holds %q, want %q", dir, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s holds %q, want %q", dir, got, want)
		}
	}
}

func checkFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != content {
		t.Fatalf("%s holds %q, want %q", path, b, content)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != perm {
		t.Fatalf("%s has mode %v, want %v", path, st.Mode().Perm(), perm)
	}
}

func TestReplace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "keys.json")
	if err := Replace(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, p, "one", 0o600)
	if err := Replace(p, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, p, "two", 0o600)
	onlyFiles(t, dir, "keys.json")

	// A file made readable by others is replaced by one that is not.
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Replace(p, []byte("three"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, p, "three", 0o600)
}

func TestCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "org-keys.json")
	if err := Create(p, []byte("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, p, "first", 0o600)
	err := Create(p, []byte("second"), 0o600)
	if !errors.Is(err, os.ErrExist) {
		t.Fatalf("Create over an existing file: %v, want os.ErrExist", err)
	}
	checkFile(t, p, "first", 0o600)
	onlyFiles(t, dir, "org-keys.json")
}

// TestCreateRace: of several processes' worth of concurrent Creates, one
// wins and the file holds its content whole.
func TestCreateRace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Create(p, []byte{byte('a' + i)}, 0o600)
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if won >= 0 {
				t.Fatalf("Create succeeded twice (%d and %d)", won, i)
			}
			won = i
		case !errors.Is(err, os.ErrExist):
			t.Fatalf("Create %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no Create succeeded")
	}
	checkFile(t, p, string([]byte{byte('a' + won)}), 0o600)
	onlyFiles(t, dir, "f")
}

func TestMissingDirectory(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "missing", "f")
	for name, f := range map[string]func(string, []byte, os.FileMode) error{"Replace": Replace, "Create": Create} {
		err := f(p, []byte("x"), 0o600)
		if err == nil {
			t.Fatalf("%s into a missing directory succeeded", name)
		}
		// The error names the file asked for, not a temporary name.
		if !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), ".tmp-") {
			t.Errorf("%s: error %q does not name %s alone", name, err, p)
		}
	}
}

// TestReplaceOverDirectory: when the rename fails (a directory has the
// name), nothing is left behind.
func TestReplaceOverDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "d")
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, "inside"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Replace(p, []byte("x"), 0o600); err == nil {
		t.Fatal("Replace over a non-empty directory succeeded")
	}
	onlyFiles(t, dir, "d")
}

func checkDir(t *testing.T, path string, perm os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsDir() || st.Mode().Perm() != perm {
		t.Fatalf("%s: dir %v mode %v, want a directory of mode %v", path, st.IsDir(), st.Mode().Perm(), perm)
	}
}

func TestMkdirAll(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "a", "b", "c")
	// 0777: the usual umask (022) would take bits away; the mode is exact.
	if err := MkdirAll(p, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a", "b"), p} {
		checkDir(t, d, 0o777)
	}
	checkDir(t, dir, 0o700) // there already: untouched

	// Again, and on a directory of another mode: nothing changes.
	if err := MkdirAll(p, 0o700); err != nil {
		t.Fatal(err)
	}
	checkDir(t, p, 0o777)

	// A file in the way is an error naming the path asked for.
	f := filepath.Join(dir, "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{f, filepath.Join(f, "below")} {
		err := MkdirAll(q, 0o700)
		if err == nil || !strings.Contains(err.Error(), q) {
			t.Fatalf("MkdirAll(%s) = %v, want an error naming it", q, err)
		}
	}
}

// TestMkdirAllRace: concurrent calls making the same directories all
// succeed.
func TestMkdirAllRace(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "x", "y", "z")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = MkdirAll(p, 0o700)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("MkdirAll %d: %v", i, err)
		}
	}
	checkDir(t, p, 0o700)
}

func TestRemove(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "receipts.spill")
	if err := Replace(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Remove(p); err != nil {
		t.Fatal(err)
	}
	onlyFiles(t, dir, "other")
	// Nothing there: os.ErrNotExist, naming the path.
	err := Remove(p)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), p) {
		t.Fatalf("second Remove = %v, want os.ErrNotExist naming %s", err, p)
	}
	// A directory that is not empty stays, and says why.
	sub := filepath.Join(dir, "sub")
	if err := MkdirAll(filepath.Join(sub, "inner"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Remove(sub); err == nil || errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Remove of a non-empty directory = %v, want a failure", err)
	}
	checkDir(t, sub, 0o700)
}
