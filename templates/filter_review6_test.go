package templates

import "testing"

// A street named like an abbreviated day keeps its numbered address.
func TestStreetNamedLikeADay(t *testing.T) {
	checkClass(t, []classCase{
		{"fr", "elle habite boulevard de la Mer 14, Nice", []string{"boulevard de la Mer 14"}, nil},
		{"fr", "rdv avenue de la Mer 12 à 10h", []string{"avenue de la Mer 12"}, nil},
		{"fr", "Chemin du Dim 3", []string{"Chemin du Dim 3"}, nil},
		{"es", "Calle Vie 5", []string{"Calle Vie 5"}, nil},
		{"ro", "str. Dum 4", []string{"str. Dum 4"}, nil},
		{"es", "nos vemos el Jue a las 10 o el Vie, como quieras", nil, []string{"Jue", "Vie"}},
	})
}
