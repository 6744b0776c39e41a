package templates

import "unsafe"

// bytesToStr views an immutable byte slice (the fold pool, never written
// after init) as a string without copying.
func bytesToStr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
