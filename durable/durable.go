// Package durable writes small files that must be whole, and must still
// be there after a crash once the call has returned: the key files, the
// organisation identity, the spill of receipts not yet recorded, audit
// checkpoints and exported referral packages.
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
//     file no longer holds). Directories the caller created are not synced
//     here: ext4 and xfs keep a new directory's entry with its first file.
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
	d, err := os.Open(filepath.Dir(path))
	if err == nil {
		err = d.Sync()
		if cerr := d.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("%s %w: %w", path, ErrWrittenNotSynced, bare(err))
	}
	return nil
}
