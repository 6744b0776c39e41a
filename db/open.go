// Package db is the gateway's PostgreSQL access: the queries in query/*.sql
// compiled by sqlc (database/sql over the pgx stdlib driver), and helpers to
// open a pool and run a transaction.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
)

//go:generate go run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1 generate -f ../sqlc.yaml

// Open opens a pool to url and checks that the server answers.
//
// Sessions plan with random_page_cost = 1.1 (PostgreSQL's advice for SSD
// or cached data; the default 4 assumes spinning disks) unless url sets
// it. Why it matters here: each connection caches a generic plan for each
// statement after a few runs. With the default, a plan cached while a
// table was small picks a sequential scan for the keyed lookups of the
// hot path (messages by id, the foreign-key checks), and keeps it as the
// table grows until the next ANALYZE; on a server without autovacuum that
// is never, and every status update then read the whole messages table.
// Measured: 945 → 1,209 messages/s end to end on the 2-core machine, and
// 7.3 million rows read by sequential scans in 20 s → 71
// (docs/benchmarks.md).
func Open(ctx context.Context, url string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	// Given as a startup parameter, or inside options (also where
	// PGOPTIONS lands), the URL's own value wins. (Behind PgBouncer, list
	// random_page_cost in its ignore_startup_parameters.)
	_, set := cfg.RuntimeParams["random_page_cost"]
	if !set && !strings.Contains(cfg.RuntimeParams["options"], "random_page_cost") {
		cfg.RuntimeParams["random_page_cost"] = "1.1"
	}
	// A server that is down is found out quickly (a request then gets 503
	// unavailable at once, not after the kernel's connect timeout), unless
	// the URL sets connect_timeout.
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 2 * time.Second
	}
	pool := stdlib.OpenDB(*cfg)
	// DATABASE_MAX_CONNS overrides the pool size (measured: on 2 cores 32
	// beats 8 and 16; the work is round-trip bound, not CPU bound).
	n := 32
	if v, err := strconv.Atoi(os.Getenv("DATABASE_MAX_CONNS")); err == nil && v > 0 {
		n = v
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database: cannot reach PostgreSQL: %w", err)
	}
	return pool, nil
}

// InTx runs fn in a transaction, committing if it returns nil.
func InTx(ctx context.Context, pool *sql.DB, fn func(q *Queries, tx *sql.Tx) error) error {
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(New(tx), tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Unavailable reports whether err says the database could not be reached
// or stopped answering (connection refused or cut, the server shutting
// down or starting up, a connect or statement timeout, too many clients),
// as opposed to a refusal of this query. The HTTP layer answers those with
// 503 unavailable and Retry-After: the request may be retried as it is.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case strings.HasPrefix(pg.Code, "08"), // connection exception
			pg.Code == "57P01", pg.Code == "57P02", pg.Code == "57P03", // shutdown, crash, cannot connect now
			pg.Code == "57014",                     // canceled (statement timeout)
			pg.Code == "53300",                     // too many connections
			pg.Code == "40001", pg.Code == "40P01": // serialization failure, deadlock: retry as is
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err) || strings.Contains(err.Error(), "conn closed")
}
