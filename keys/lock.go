package keys

// The key file lock. Invariant: every change to a key file (Init, Rotate)
// holds an exclusive flock(2) on the file KEYFILE.lock beside it from
// before it reads the file until its new content is renamed into place and
// synced, where KEYFILE is the key file's real path (symlinks resolved).
//
// Why: a change is read, modify, write. Two at once (two operators
// rotating, or a rotate started while another runs) both read the same
// file, each adds its key, and the second rename throws away the key the
// first added, though the gateway may already seal numbers with it: every
// number sealed with a lost key is lost. The lock makes the second change
// read what the first wrote.
//
//   - The lock is on a file of its own, not on the key file: a change
//     replaces the key file by a rename, so a lock on it would be on the
//     old inode, and one who waited for it would then hold a lock nobody
//     else takes.
//   - KEYFILE is the real path: two processes reaching one file through a
//     symlink and through its target take the one lock. The change is
//     written to the real path too, so a symlink stays a symlink (a rename
//     onto the link's name would replace the link with a file, and the
//     target would keep the old keys).
//   - KEYFILE is resolved again once the lock is held: a change waits for
//     the lock, and a symlink re-pointed meanwhile names another file, whose
//     lock the waiter does not hold. If the real path moved, the lock is
//     dropped and taken again for the new one (at most lockTries times,
//     then an error), so the lock held is always the one of the file
//     then read and written.
//   - The lock file is never removed: a process that opened it before a
//     removal would lock the removed inode while the next one locks a new
//     file, and both would change the key file at once. It is empty, mode
//     0600, and may be deleted only while no change can run.
//   - The lock held is on the file at KEYFILE.lock when the wait ends: if
//     it was removed and created again meanwhile, the waiter would hold a
//     lock on the old inode while a newcomer locks the new file, so once
//     the lock is held the open file is compared with the one at the name
//     (fstat, Lstat) and, if they differ, the lock is dropped and taken
//     again (within the lockTries).
//   - The lock file is opened read-write, never through a symlink
//     (O_NOFOLLOW), and must be a regular file: a symlink planted at
//     KEYFILE.lock would make the open create or lock a file elsewhere,
//     and a FIFO, device or directory there is no lock file. It is looked
//     at (Lstat) before it is opened, so none of them is ever opened; one
//     planted between the look and the open fails the open (a symlink or
//     directory) or is opened without waiting (O_NONBLOCK), found by fstat
//     not to be the file looked at, and closed. Each is refused with an
//     error naming the path; it never means the lock is held.
//   - flock, not fcntl: an fcntl lock belongs to the process, so two
//     goroutines of one process would not exclude each other, and closing
//     any descriptor of the file drops it. A flock belongs to the open file,
//     and the kernel drops it when the holder dies, so a crash mid-change
//     never leaves the file locked. On NFS Linux maps flock to a lock the
//     server sees. A child forked while the lock is held shares it until
//     it execs (the descriptor is close-on-exec), so a release can take
//     effect a moment late, never early.
//   - Readers (Load) do not take the lock: the file is replaced whole by a
//     rename, so a reader sees the old content or the new.
//   - Waiting has no time limit: a change holds the lock for one read and
//     one synced write.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// LockSuffix is added to the key file's real path to name its lock file.
const LockSuffix = ".lock"

// errLockBusy is tryLockKeyFile's answer when another holds the lock.
var errLockBusy = errors.New("the key file is being changed by another process")

// keyFileLock is a held lock; release drops it.
type keyFileLock struct {
	f *os.File
	// real is the key file's real path: read and write the file there.
	real string
}

// lockKeyFile waits for the lock of the key file at path and returns it
// held. The key file need not exist (Init); its directory must.
func lockKeyFile(path string) (*keyFileLock, error) {
	return acquire(path, unix.LOCK_EX)
}

// tryLockKeyFile is lockKeyFile without waiting: errLockBusy when the lock
// is held.
func tryLockKeyFile(path string) (*keyFileLock, error) {
	return acquire(path, unix.LOCK_EX|unix.LOCK_NB)
}

// lockTries bounds how often acquire takes the lock again because the key
// file's real path changed while it waited.
const lockTries = 10

// testHookBeforeFlock, when set (by tests), is called with the real path
// just before each flock.
var testHookBeforeFlock func(real string)

func acquire(path string, how int) (*keyFileLock, error) {
	for range lockTries {
		real, err := realPath(path)
		if err != nil {
			return nil, err
		}
		f, err := openLockFile(real + LockSuffix)
		if errors.Is(err, errLockFileReplaced) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if testHookBeforeFlock != nil {
			testHookBeforeFlock(real)
		}
		if err := flock(f, how); err != nil {
			f.Close()
			return nil, err
		}
		// The lock is for real as resolved before the wait; a symlink on
		// the way may have been re-pointed since.
		now, err := realPath(path)
		if err != nil {
			f.Close()
			return nil, err
		}
		if now != real {
			f.Close()
			continue
		}
		// And it is on the inode opened before the wait: the lock file
		// may have been removed and created again since, and a newcomer
		// then locks the new file.
		same, err := isLockFile(f, real+LockSuffix)
		if err != nil {
			f.Close()
			return nil, err
		}
		if same {
			return &keyFileLock{f: f, real: real}, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("key file %s: its real path or its lock file changed %d times while waiting for its lock", path, lockTries)
}

// errLockFileReplaced: the lock file at the name is no longer the file
// opened (removed, or replaced by another); acquire tries again.
var errLockFileReplaced = errors.New("the key file lock was replaced")

// testHookBeforeOpen, when set (by tests), is called with the lock file's
// name between its Lstat and its open.
var testHookBeforeOpen func(name string)

// openLockFile opens (creating it, mode 0600) the lock file name, which
// must be a regular file and not a symlink. It looks before it opens, so
// a FIFO or device planted there is never opened; O_NOFOLLOW, O_NONBLOCK
// (which does not change flock on a regular file) and a fstat compared
// with the look close the race with one planted in between:
// errLockFileReplaced when the file opened is not the one looked at.
func openLockFile(name string) (*os.File, error) {
	flags := os.O_RDWR | unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NONBLOCK
	lst, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		lst = nil
		flags |= os.O_CREATE
	case err != nil:
		return nil, fmt.Errorf("key file lock: %w", err)
	case lst.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("key file lock %s is a symlink; refusing to follow it", name)
	case lst.IsDir():
		return nil, fmt.Errorf("key file lock %s is a directory, not a regular file", name)
	case !lst.Mode().IsRegular():
		return nil, fmt.Errorf("key file lock %s is not a regular file (mode %s); refusing to use it", name, lst.Mode().Type())
	}
	if testHookBeforeOpen != nil {
		testHookBeforeOpen(name)
	}
	f, err := os.OpenFile(name, flags, 0o600)
	if err != nil {
		switch {
		case lst != nil && errors.Is(err, fs.ErrNotExist):
			return nil, errLockFileReplaced // removed since the Lstat
		case errors.Is(err, unix.ELOOP):
			return nil, fmt.Errorf("key file lock %s is a symlink; refusing to follow it: %w", name, err)
		case errors.Is(err, unix.EISDIR):
			return nil, fmt.Errorf("key file lock %s is a directory, not a regular file: %w", name, err)
		}
		return nil, fmt.Errorf("key file lock: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("key file lock: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("key file lock %s is not a regular file (mode %s); refusing to use it", name, st.Mode().Type())
	}
	if lst != nil && !os.SameFile(lst, st) {
		f.Close()
		return nil, errLockFileReplaced
	}
	return f, nil
}

// isLockFile reports whether f is still the file at name (not removed,
// not replaced).
func isLockFile(f *os.File, name string) (bool, error) {
	lst, err := os.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("key file lock: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("key file lock: %w", err)
	}
	return os.SameFile(lst, st), nil
}

// flock takes the lock on f as how says, again after EINTR: errLockBusy
// when LOCK_NB is asked and another holds it.
func flock(f *os.File, how int) error {
	var err error
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			break
		}
	}
	if err == unix.EWOULDBLOCK {
		return errLockBusy
	}
	if err != nil {
		return fmt.Errorf("key file lock %s: flock: %w", f.Name(), err)
	}
	return nil
}

// release drops the lock (closing the file does).
func (l *keyFileLock) release() { l.f.Close() }

// realPath is path with every symlink resolved, absolute. A key file not
// there yet is named by its directory's real path; a symlink to nothing is
// an error wrapping fs.ErrNotExist.
func realPath(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, lerr := os.Lstat(path); lerr == nil {
			return "", fmt.Errorf("key file %s is a symlink to nothing: %w", path, fs.ErrNotExist)
		}
		var dir string
		dir, err = filepath.EvalSymlinks(filepath.Dir(path))
		real = filepath.Join(dir, filepath.Base(path))
	}
	if err != nil {
		return "", fmt.Errorf("key file %s: %w", path, err)
	}
	return filepath.Abs(real)
}
