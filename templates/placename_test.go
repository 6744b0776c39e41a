package templates

import "testing"

// TestPlaceNameKeepsNumberlessStreet: a meeting point may name the street
// of a metro exit ("exit Carrer de Sants"); a street with a house number is
// an address in a place name too, and in free text a street named without
// a number is an address (where she or a service is).
func TestPlaceNameKeepsNumberlessStreet(t *testing.T) {
	t.Parallel()
	f := mustFilter(t)
	for _, c := range []struct {
		text      string
		placeName bool
		address   bool
	}{
		{"Metro Sants, exit Carrer de Sants", true, false},
		{"Metro Sants, exit Carrer de Sants", false, true},
		{"Bus stop Calle Mayor", true, false},
		{"Calle Mayor 12, 3º 2ª", true, true},
		{"Rua Augusta 12", true, true},
		{"la oficina es en carrer Murcia", false, true},
	} {
		got := false
		for _, x := range f.ScanWith(c.text, ScanOptions{PlaceName: c.placeName}) {
			if x.Category == CategoryAddress {
				got = true
			}
		}
		if got != c.address {
			t.Errorf("%q (place name %v): address found %v, want %v", c.text, c.placeName, got, c.address)
		}
	}
}
