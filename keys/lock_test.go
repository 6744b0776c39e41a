package keys

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

// TestLockRepointedWhileWaiting: a symlink re-pointed while a change waits
// for the lock of its old target makes the waiter drop that lock and take
// the new target's, and it then reads and writes the new target.
func TestLockRepointedWhileWaiting(t *testing.T) {
	// Not parallel: it sets testHookBeforeFlock.
	a := newKeyFile(t)
	b := newKeyFile(t)
	link := filepath.Join(t.TempDir(), "keys.json")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	held, err := lockKeyFile(a)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan string, lockTries)
	testHookBeforeFlock = func(real string) { waiting <- real }
	t.Cleanup(func() { testHookBeforeFlock = nil })

	type result struct {
		id  uint32
		err error
	}
	done := make(chan result, 1)
	go func() {
		id, err := Rotate(link)
		done <- result{id, err}
	}()
	if got := <-waiting; got != a {
		held.release()
		t.Fatalf("first wait for %s, want %s", got, a)
	}
	// The waiter is at (or about to enter) the flock of a's lock, which
	// is held. Re-point the link to b in one rename, then let it go.
	tmp := link + ".new"
	if err := os.Symlink(b, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
	held.release()
	r := <-done
	if r.err != nil || r.id != 2 {
		t.Fatalf("Rotate via the re-pointed link = %d, %v", r.id, r.err)
	}
	if got := <-waiting; got != b {
		t.Fatalf("second wait for %s, want %s", got, b)
	}
	checkAllKeys(t, a, 1)
	checkAllKeys(t, b, 2)
}

// TestLockRepointedEveryTime: a link re-pointed before every re-check
// ends in an error after lockTries tries, holding no lock.
func TestLockRepointedEveryTime(t *testing.T) {
	// Not parallel: it sets testHookBeforeFlock.
	a := newKeyFile(t)
	b := newKeyFile(t)
	link := filepath.Join(t.TempDir(), "keys.json")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	tries := 0
	testHookBeforeFlock = func(real string) {
		tries++
		next := a
		if real == a {
			next = b
		}
		tmp := link + ".new"
		if err := os.Symlink(next, tmp); err != nil {
			t.Error(err)
		}
		if err := os.Rename(tmp, link); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(func() { testHookBeforeFlock = nil })
	if l, err := lockKeyFile(link); err == nil {
		l.release()
		t.Fatal("lockKeyFile succeeded though the link moved at every try")
	}
	if tries != lockTries {
		t.Fatalf("%d tries, want %d", tries, lockTries)
	}
	testHookBeforeFlock = nil
	for _, p := range []string{a, b} {
		l, err := tryLockKeyFile(p)
		if err != nil {
			t.Fatalf("lock of %s left held: %v", p, err)
		}
		l.release()
	}
}

// TestLockFileMustBeRegular: a symlink, FIFO or directory at KEYFILE.lock
// is refused at once with an error naming it; nothing is created through
// the symlink and the key file is unchanged.
func TestLockFileMustBeRegular(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		make func(lock string) error
	}{
		{"symlink", func(lock string) error {
			return os.Symlink(filepath.Join(filepath.Dir(lock), "elsewhere"), lock)
		}},
		{"symlink to a regular file", func(lock string) error {
			target := filepath.Join(filepath.Dir(lock), "other.lock")
			if err := os.WriteFile(target, nil, 0o600); err != nil {
				return err
			}
			return os.Symlink(target, lock)
		}},
		{"fifo", func(lock string) error { return unix.Mkfifo(lock, 0o600) }},
		{"directory", func(lock string) error { return os.Mkdir(lock, 0o700) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := newKeyFile(t)
			lock := path + LockSuffix
			// Init left a lock file; no change runs now.
			if err := os.Remove(lock); err != nil {
				t.Fatal(err)
			}
			if err := c.make(lock); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := Rotate(path)
				done <- err
			}()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Rotate is still waiting")
			}
			if err == nil || !strings.Contains(err.Error(), lock) {
				t.Fatalf("Rotate with a %s lock = %v, want an error naming %s", c.name, err, lock)
			}
			if l, err := tryLockKeyFile(path); err == nil {
				l.release()
				t.Fatal("tryLockKeyFile succeeded")
			}
			after, err := os.ReadFile(path)
			if err != nil || string(after) != string(before) {
				t.Fatalf("the key file changed: %v", err)
			}
			if _, err := os.Lstat(filepath.Join(filepath.Dir(lock), "elsewhere")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a file was created through the symlink: %v", err)
			}
		})
	}
}

// replaceLockFile removes the lock file at lock and creates a new one, as
// an operator deleting it while a change waits would.
func replaceLockFile(t *testing.T, lock string) {
	t.Helper()
	if err := os.Remove(lock); err != nil {
		t.Error(err)
	}
	if err := os.WriteFile(lock, nil, 0o600); err != nil {
		t.Error(err)
	}
}

// TestLockFileReplacedWhileWaiting: a change waiting for the lock while
// the lock file is removed and created again does not go on with the lock
// of the old inode: a newcomer holding the new file's lock keeps it
// waiting, and it then reads and writes after the newcomer.
func TestLockFileReplacedWhileWaiting(t *testing.T) {
	// Not parallel: it sets testHookBeforeFlock.
	path := newKeyFile(t)
	lock := path + LockSuffix
	held, err := lockKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan string, lockTries)
	testHookBeforeFlock = func(real string) { waiting <- real }
	t.Cleanup(func() { testHookBeforeFlock = nil })
	done := make(chan error, 1)
	go func() {
		_, err := Rotate(path)
		done <- err
	}()
	<-waiting
	// The waiter is at the flock of the old inode, which is held.
	replaceLockFile(t, lock)
	newcomer, err := tryLockKeyFile(path)
	if err != nil {
		held.release()
		t.Fatalf("a newcomer could not lock the new lock file: %v", err)
	}
	held.release()
	<-waiting // it found the old inode replaced and waits for the new one
	select {
	case err := <-done:
		newcomer.release()
		t.Fatalf("Rotate went on (%v) while the newcomer held the new lock file", err)
	case <-time.After(300 * time.Millisecond):
	}
	newcomer.release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkAllKeys(t, path, 2)
}

// TestLockFileReplacedEveryTime: a lock file replaced during every wait
// ends in an error after lockTries tries, holding no lock.
func TestLockFileReplacedEveryTime(t *testing.T) {
	// Not parallel: it sets testHookBeforeFlock.
	path := newKeyFile(t)
	tries := 0
	testHookBeforeFlock = func(real string) {
		tries++
		replaceLockFile(t, real+LockSuffix)
	}
	t.Cleanup(func() { testHookBeforeFlock = nil })
	if l, err := lockKeyFile(path); err == nil {
		l.release()
		t.Fatal("lockKeyFile succeeded though the lock file was replaced at every try")
	}
	if tries != lockTries {
		t.Fatalf("%d tries, want %d", tries, lockTries)
	}
	testHookBeforeFlock = nil
	l, err := tryLockKeyFile(path)
	if err != nil {
		t.Fatalf("lock left held: %v", err)
	}
	l.release()
}

// TestLockFileReplacedBeforeOpen: a lock file replaced between the look
// and the open is not used; the lock is taken on the file then there.
func TestLockFileReplacedBeforeOpen(t *testing.T) {
	// Not parallel: it sets testHookBeforeOpen.
	path := newKeyFile(t)
	lock := path + LockSuffix
	opens := 0
	testHookBeforeOpen = func(name string) {
		opens++
		if opens == 1 {
			// A new file renamed over the old one: a new inode (a file
			// removed and created again with nothing holding the old
			// one may get its inode number back, which is harmless).
			if err := os.WriteFile(name+".new", nil, 0o600); err != nil {
				t.Error(err)
			}
			if err := os.Rename(name+".new", name); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(func() { testHookBeforeOpen = nil })
	l, err := lockKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.release()
	if opens != 2 {
		t.Fatalf("%d opens, want 2", opens)
	}
	if same, err := isLockFile(l.f, lock); err != nil || !same {
		t.Fatalf("the lock is not on the file at %s: %v", lock, err)
	}
}

// TestLockFileFIFONotOpened: a FIFO at KEYFILE.lock is refused without
// being opened: a reader waiting on it is never let through, as it would
// be by an open for writing.
func TestLockFileFIFONotOpened(t *testing.T) {
	t.Parallel()
	path := newKeyFile(t)
	lock := path + LockSuffix
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(lock, 0o600); err != nil {
		t.Fatal(err)
	}
	opened := make(chan struct{})
	go func() {
		// Blocks until someone opens the FIFO for writing.
		if f, err := os.OpenFile(lock, os.O_RDONLY, 0); err == nil {
			f.Close()
		}
		close(opened)
	}()
	time.Sleep(50 * time.Millisecond) // let the reader block in its open
	if _, err := Rotate(path); err == nil || !strings.Contains(err.Error(), lock) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Rotate with a FIFO lock = %v, want an error naming %s", err, lock)
	}
	select {
	case <-opened:
		t.Fatal("the FIFO was opened for writing")
	case <-time.After(200 * time.Millisecond):
	}
	// Let the reader go.
	w, err := os.OpenFile(lock, os.O_WRONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	<-opened
}

// TestRotateMissingLeavesNoLock: rotating a path with no key file is
// ErrNoKeyFile and creates no lock file beside it; Init still does.
func TestRotateMissingLeavesNoLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.json")
	if _, err := Rotate(path); !errors.Is(err, ErrNoKeyFile) {
		t.Fatalf("Rotate of a missing file = %v, want ErrNoKeyFile", err)
	}
	if _, err := os.Lstat(path + LockSuffix); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Rotate of a missing file left %s: %v", path+LockSuffix, err)
	}
	// A missing directory is no key file either.
	if _, err := Rotate(filepath.Join(dir, "nodir", "keys.json")); !errors.Is(err, ErrNoKeyFile) {
		t.Fatalf("Rotate in a missing directory = %v, want ErrNoKeyFile", err)
	}
	if err := Init(path); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(path + LockSuffix); err != nil || !st.Mode().IsRegular() {
		t.Fatalf("Init made no lock file: %v %v", st, err)
	}
}
