// Package durable writes small files that must be whole, and must still
// be there after a crash once the call has returned: the key files, the
// organisation identity, the spill of receipts not yet recorded, audit
// checkpoints and exported referral packages. It also makes the
// directories they live in (MkdirAll) and removes files that must stay
// removed (Remove), with the same promise.
//
// Invariants, with their reasons:
//   - A reader never sees a half-written file: the content is written under
//     a temporary name in the same directory (rename and link work only
//     within one file system) and only then given its name.
//   - The content is on disk before the name points at it (fsync of the
//     file), and the name is on disk before the call returns (fsync of the
//     directory). Without the first, a crash can leave the name on an empty
//     file; without the second, a crash can bring back the old file after
//     the caller has acted on the new one (data sealed with a key that the
//     file no longer holds). The directory holding the file is synced, not
//     its parent: a directory made with MkdirAll is on disk already, and
//     one made otherwise is the caller's to sync.
//   - MkdirAll syncs the parent of every directory it makes, in order from
//     the top, before it returns: otherwise a crash can lose a new
//     directory, and every file written into it and synced, since a file's
//     sync does not write the entry naming its directory. A directory made
//     has mode perm exactly, like a file.
//   - Remove syncs the directory after removing the name: otherwise a crash
//     can bring the file back (a spill already recorded, replayed again; a
//     key the caller meant to be gone).
//   - The file has mode perm exactly (the umask does not apply), set
//     before any content is written.
//   - The temporary name is removed when the call fails, and never after
//     it succeeded (another writer may have taken the name by then). A
//     crash while writing leaves it behind: a hidden ".NAME.tmp-*" file
//     beside NAME, mode perm, holding part or all of the content; an
//     operator removing a key file removes those too.
//   - Create never replaces a file: link(2) fails when the name exists, even
//     when another process races the call. It needs a file system with hard
//     links (not vfat, exfat, or SMB without Unix extensions).
//   - An error always names the path asked for. Once the name holds the new
//     content, a failure to sync the directory says so ("written, but"), so
//     a caller does not retry what has happened.
//
// github.com/google/renameio covers the temporary file and its fsync, but
// not the directory sync nor a create that never replaces, and by default
// keeps an existing file's looser mode; hence this small package.
package durable

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrWrittenNotSynced is wrapped by the error of a call whose file is in
// place with its new content but whose directory could not be synced: a
// crash may still lose the change, yet retrying the call is wrong.
var ErrWrittenNotSynced = errors.New("written, but its directory could not be synced")

// ErrRemovedNotSynced is wrapped by the error of a Remove whose file is
// gone but whose directory could not be synced.
var ErrRemovedNotSynced = errors.New("removed, but its directory could not be synced")

// Replace writes data to path with mode perm, replacing a file that is
// there, so that a reader sees the old content or the new, never a part.
func Replace(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return fmt.Errorf("replace %s: %w", path, bare(err))
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replace %s: %w", path, bare(err))
	}
	return syncDir(path)
}

// Create writes data to a new file at path with mode perm. If a file is
// there already it is left untouched and the error wraps os.ErrExist.
func Create(path string, data []byte, perm os.FileMode) error {
	if _, err := os.Lstat(path); err == nil {
		// Said before writing anything, so that a read-only directory
		// holding the file answers "exists", not "permission denied".
		return fmt.Errorf("create %s: %w", path, os.ErrExist)
	}
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, bare(err))
	}
	if err := os.Link(tmp, path); err != nil {
		err = bare(err)
		os.Remove(tmp)
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOTSUP) {
			return fmt.Errorf("create %s: the file system does not support hard links, which a file that must never be overwritten needs; keep it on another one: %w", path, err)
		}
		return fmt.Errorf("create %s: %w", path, err)
	}
	// path now holds the content; a temporary name left behind is only
	// clutter, so its removal does not fail the call.
	os.Remove(tmp)
	return syncDir(path)
}

// MkdirAll makes the directory path and any parents missing, each with
// mode perm exactly, like os.MkdirAll, and syncs the parent of each one it
// makes before it returns. A directory already there is left as it is
// (mode included). One made meanwhile by another process counts as made
// here: its parent is synced all the same, so that the caller never acts
// on a directory a crash could still take away.
func MkdirAll(path string, perm os.FileMode) error {
	path = filepath.Clean(path)
	// missing: the directories to make, deepest first.
	var missing []string
	for d := path; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("mkdir %s: %s is not a directory", path, d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("mkdir %s: %w", path, bare(err))
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		err := os.Mkdir(d, perm)
		if err == nil {
			// Exact, as for files: the umask does not apply.
			err = os.Chmod(d, perm)
		} else if errors.Is(err, fs.ErrExist) {
			if st, serr := os.Stat(d); serr == nil && st.IsDir() {
				err = nil
			}
		}
		if err != nil {
			return fmt.Errorf("mkdir %s: %w", path, bare(err))
		}
		if err := fsyncDir(filepath.Dir(d)); err != nil {
			return fmt.Errorf("mkdir %s: made, but the directory holding %s could not be synced: %w", path, d, bare(err))
		}
	}
	return nil
}

// Remove removes the file (or empty directory) at path and syncs its
// directory. When nothing was there the directory is synced all the same
// (an earlier Remove may have failed to) and the error wraps
// os.ErrNotExist, so a caller that only wants the file gone ignores that
// error and knows its absence is on disk.
func Remove(path string) error {
	rerr := os.Remove(path)
	if rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, bare(rerr))
	}
	if err := fsyncDir(filepath.Dir(path)); err != nil {
		if rerr != nil {
			return fmt.Errorf("remove %s: the file was not there, and its directory could not be synced: %w", path, bare(err))
		}
		return fmt.Errorf("%s %w: %w", path, ErrRemovedNotSynced, bare(err))
	}
	if rerr != nil {
		return fmt.Errorf("remove %s: %w", path, os.ErrNotExist)
	}
	return nil
}

// writeTemp writes data, synced, to a new hidden file beside path and
// returns its name.
func writeTemp(path string, data []byte, perm os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// bare drops the file names from a *PathError or *LinkError (the
// temporary name means nothing to the caller), keeping the operation and
// the cause, so errors.Is still sees os.ErrExist and the errno.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("%s: %w", le.Op, le.Err)
	}
	return err
}

// syncDir syncs the directory of path, which already holds the new content.
func syncDir(path string) error {
	if err := fsyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("%s %w: %w", path, ErrWrittenNotSynced, bare(err))
	}
	return nil
}

// fsyncDir syncs the directory dir itself.
func fsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
