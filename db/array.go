package db

import (
	"time"

	"github.com/lib/pq"
)

// Array returns the PostgreSQL array literal of v (a slice) for a
// parameter that the query declares as text and casts itself, as in
// unnest(sqlc.arg(ids)::text::uuid[]).
//
// Why not pass pq.Array(v) for a uuid[] parameter: through the pgx
// database/sql driver, pgx takes the literal pq produces, parses it back
// into values and re-encodes them for the declared array type; at volume
// that was 13% of the gateway's CPU (most of it building the error of a
// first failed encoding attempt). A text parameter goes as is, and
// PostgreSQL's array_in parses it.
//
// Times are cut to microseconds first: PostgreSQL rounds the nanoseconds
// of a text timestamp, the binary encoding used elsewhere truncates them,
// and the two must agree.
func Array(v any) string {
	if ts, ok := v.([]time.Time); ok {
		cut := make([]time.Time, len(ts))
		for i, t := range ts {
			cut[i] = t.Truncate(time.Microsecond)
		}
		v = cut
	}
	lit, err := pq.Array(v).Value()
	if err != nil {
		// Only unsupported element types fail; every caller passes a
		// slice of a basic type, so this is a programming error.
		panic("db.Array: " + err.Error())
	}
	if lit == nil {
		return "{}"
	}
	return lit.(string)
}
