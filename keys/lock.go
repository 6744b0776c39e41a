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
//   - The lock file is never removed: a process that opened it before a
//     removal would lock the removed inode while the next one locks a new
//     file, and both would change the key file at once. It is empty, mode
//     0600, and may be deleted only while no change can run.
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

func acquire(path string, how int) (*keyFileLock, error) {
	real, err := realPath(path)
	if err != nil {
		return nil, err
	}
	name := real + LockSuffix
	f, err := os.OpenFile(name, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("key file lock: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if err == unix.EWOULDBLOCK {
			return nil, errLockBusy
		}
		return nil, fmt.Errorf("key file lock %s: flock: %w", name, err)
	}
	return &keyFileLock{f: f, real: real}, nil
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
