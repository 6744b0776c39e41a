package db

import (
	"database/sql"
	"time"
)

// TimeOrNil is a nullable timestamp column as an optional JSON time: nil
// when NULL, else the time in UTC.
func TimeOrNil(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return new(t.Time.UTC())
}
