// Package durable writes small files that must be whole, and must still
// be there after a crash once the call has returned: the key file, the
// organisation identity, the spill of receipts not yet recorded.
//
// Invariants, with their reasons:
//   - A reader never sees a half-written file: the content is written under
//     a temporary name in the same directory (a rename or link across file
//     systems is not atomic) and only then given its name.
//   - The content is on disk before the name points at it (fsync of the
//     file), and the name is on disk before the call returns (fsync of the
//     directory). Without the first, a crash can leave the name on an empty
//     file; without the second, a crash can bring back the old file after
//     the caller has acted on the new one (sealed data with a key that the
//     file no longer holds).
//   - The temporary file is mode perm from its creation (os.CreateTemp
//     makes it 0600 and it is changed before anything is written), and it
//     is removed on every path but success.
//   - Create never replaces a file: link(2) fails when the name exists, even
//     when another process races the call.
//
// github.com/google/renameio does the first and third but, by its own
// statement, not the directory sync; hence this small package.
package durable

import (
	"fmt"
	"os"
	"path/filepath"
)

// Replace writes data to path with mode perm, replacing a file that is
// there, so that a reader sees the old content or the new, never a part.
func Replace(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// Create writes data to a new file at path with mode perm. If a file is
// there already it is left untouched and the error wraps os.ErrExist.
func Create(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	if err := os.Remove(tmp); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
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
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return f.Name(), nil
}

func syncDir(dir string) error {
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
