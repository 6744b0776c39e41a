package db

import "time"

// ClockOffsetUs is the offset, in microseconds, of an application clock
// reading taken just now (appNow) from the wall clock: zero in
// production, where the application's clock is the wall clock; a test's
// clock set elsewhere gives its offset. Queries that compare a row's time
// with the database's clock (clock_timestamp()) add it, so they count the
// time that passed up to the statement, on the clock the row was written
// with.
func ClockOffsetUs(appNow time.Time) int64 {
	return appNow.Sub(time.Now()).Microseconds()
}
