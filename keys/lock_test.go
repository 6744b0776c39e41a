package keys

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// newKeyFile makes a key file in a new directory and returns its path.
func newKeyFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := Init(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkAllKeys fails unless the key file at path holds keys 1..want, each
// once, the highest primary.
func checkAllKeys(t *testing.T, path string, want int) {
	t.Helper()
	f, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint32]bool{}
	for _, k := range f.Keys {
		seen[k.ID] = true
	}
	if len(f.Keys) != want || len(seen) != want {
		t.Fatalf("the key file holds %d keys (%d ids) of the %d created", len(f.Keys), len(seen), want)
	}
	for id := uint32(1); id <= uint32(want); id++ {
		if !seen[id] {
			t.Fatalf("key %d is missing", id)
		}
	}
	if f.Primary != uint32(want) {
		t.Fatalf("primary %d, want %d", f.Primary, want)
	}
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
}

// TestRotateConcurrent: rotations of one file at once each add their key;
// none is lost, and each returns its own id.
func TestRotateConcurrent(t *testing.T) {
	t.Parallel()
	path := newKeyFile(t)
	const n = 36
	var wg sync.WaitGroup
	ids := make([]uint32, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = Rotate(path)
		}()
	}
	wg.Wait()
	checkAllKeys(t, path, n+1)
	got := map[uint32]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Rotate %d: %v", i, errs[i])
		}
		if got[ids[i]] {
			t.Fatalf("two rotations returned key %d", ids[i])
		}
		got[ids[i]] = true
	}
}

// TestRotateConcurrentProcesses: the same across processes (the test
// binary run again as a rotating child), half of them through a symlink.
func TestRotateConcurrentProcesses(t *testing.T) {
	t.Parallel()
	path := newKeyFile(t)
	link := filepath.Join(t.TempDir(), "link.json")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	const procs, each = 6, 4
	var wg sync.WaitGroup
	outs := make([][]byte, procs)
	errs := make([]error, procs)
	for i := range procs {
		p := path
		if i%2 == 1 {
			p = link
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestRotateChild$")
		cmd.Env = append(os.Environ(), "KEYS_ROTATE_CHILD="+p, "KEYS_ROTATE_TIMES="+strconv.Itoa(each))
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range procs {
		if errs[i] != nil {
			t.Fatalf("child %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	checkAllKeys(t, path, 1+procs*each)
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", st, err)
	}
}

// TestRotateChild is the child of TestRotateConcurrentProcesses; it does
// nothing otherwise.
func TestRotateChild(t *testing.T) {
	path := os.Getenv("KEYS_ROTATE_CHILD")
	if path == "" {
		t.Skip("run as a child of TestRotateConcurrentProcesses")
	}
	n, _ := strconv.Atoi(os.Getenv("KEYS_ROTATE_TIMES"))
	for range n {
		if _, err := Rotate(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			t.Fatal(err)
		}
	}
}

// TestLockThroughSymlink: the lock taken through a symlink (to the file,
// or to its directory, relative or absolute) and the one taken through
// the target exclude each other.
func TestLockThroughSymlink(t *testing.T) {
	t.Parallel()
	path := newKeyFile(t)
	dir := filepath.Dir(path)
	other := t.TempDir()
	fileLink := filepath.Join(other, "keys.json")
	if err := os.Symlink(path, fileLink); err != nil {
		t.Fatal(err)
	}
	relLink := filepath.Join(dir, "current.json")
	if err := os.Symlink("keys.json", relLink); err != nil {
		t.Fatal(err)
	}
	dirLink := filepath.Join(other, "keydir")
	if err := os.Symlink(dir, dirLink); err != nil {
		t.Fatal(err)
	}
	for _, via := range []string{fileLink, relLink, filepath.Join(dirLink, "keys.json")} {
		for _, pair := range [][2]string{{via, path}, {path, via}} {
			held, err := tryLockKeyFile(pair[0])
			if err != nil {
				t.Fatal(err)
			}
			if l, err := tryLockKeyFile(pair[1]); !errors.Is(err, errLockBusy) {
				if l != nil {
					l.release()
				}
				t.Fatalf("lock via %s held, lock via %s = %v, want busy", pair[0], pair[1], err)
			}
			held.release()
			// Waiting, not trying: a child another test forks at this
			// moment shares the lock until it execs.
			l, err := lockKeyFile(pair[1])
			if err != nil {
				t.Fatalf("lock via %s after release: %v", pair[1], err)
			}
			l.release()
		}
	}
	// One lock file, beside the real file; none beside the links.
	if _, err := os.Stat(path + LockSuffix); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fileLink, relLink} {
		if _, err := os.Lstat(p + LockSuffix); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("lock file beside the link %s: %v", p, err)
		}
	}
}

// TestRotateThroughSymlink: rotating through a symlink changes the target
// and leaves the link a link.
func TestRotateThroughSymlink(t *testing.T) {
	t.Parallel()
	path := newKeyFile(t)
	link := filepath.Join(t.TempDir(), "keys.json")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if id, err := Rotate(link); err != nil || id != 2 {
		t.Fatalf("Rotate via the link = %d, %v", id, err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", st, err)
	}
	checkAllKeys(t, path, 2)
	// A symlink to nothing is no key file.
	dangling := filepath.Join(t.TempDir(), "keys.json")
	if err := os.Symlink(filepath.Join(t.TempDir(), "gone.json"), dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := Rotate(dangling); !errors.Is(err, ErrNoKeyFile) {
		t.Fatalf("Rotate via a dangling symlink = %v, want ErrNoKeyFile", err)
	}
}
