package templates

import (
	"strings"
	"testing"
)

// TestTimeBeforeStreetKeepsMinutes: the minutes of a time right before a
// street written number-first ("14:00 Oxford Street") are not its house
// number; the time stays whole. A real house number still
// makes an address.
func TestTimeBeforeStreetKeepsMinutes(t *testing.T) {
	t.Parallel()
	f := mustFilter(t)
	for _, c := range []struct {
		text, keep string
		address    bool
	}{
		{"Mon 14:00 Oxford Street", "14:00", false},
		{"Sat 10:30 Oxford Street, by the shop", "10:30", false},
		{"a les 10.30 Baker Street", "10.30", false},
		{"Mon 14:00 at 10 Downing St", "14:00", true},
		{"she lived at 221B Baker Street", "she lived", true},
	} {
		fs := f.ScanWith(c.text, ScanOptions{UnknownNames: true})
		ks := strings.Index(c.text, c.keep)
		addr := false
		for _, x := range fs {
			if x.Start < ks+len(c.keep) && ks < x.End {
				t.Errorf("%q: %q touched by %v", c.text, c.keep, x)
			}
			addr = addr || x.Category == CategoryAddress
		}
		if addr != c.address {
			t.Errorf("%q: address found %v, want %v (%v)", c.text, addr, c.address, fs)
		}
	}
}
