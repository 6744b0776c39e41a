// Package dbtest gives each test a fresh PostgreSQL database built from the
// migrations. A template database is migrated once per test binary and
// cloned per test (CREATE DATABASE … TEMPLATE), which takes milliseconds.
//
// The server is TEST_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
//
// Each test's pool is capped at MaxConns connections (TEST_DATABASE_MAX_CONNS
// overrides it), and the admin pool that creates and drops its database at
// two. The tests share one server: go test runs packages in parallel (-p,
// the number of cores) and parallel tests within each, so on a many-core
// CI machine the gateway's own size (db.Open: 32, DATABASE_MAX_CONNS) per
// test would take PostgreSQL's max_connections (100 by default) with a
// handful of busy tests, and the rest would fail with "too many clients"
// rather than wait. Capped, a busy test waits for its own connections
// instead. The gateways the harness starts (gatewaytest) run on this pool,
// so they run capped too: a gateway must work at any DATABASE_MAX_CONNS,
// and eight covers what a test's gateway holds at once (the scheduler's
// and the audit sequencer's leader sessions, the pipeline's few workers,
// the relay, requests), waiting briefly at peaks (the sign-in tests'
// concurrent bursts already capped themselves at eight). The cap bounds each
// test, not their number: a CI machine that runs more database tests at
// once than max_connections / MaxConns needs a larger max_connections or
// a smaller -p.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"

	"safecontact/db"
	"safecontact/migrations"
)

// AdminURL is the server tests create databases on.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// MaxConns is the default cap on each test's pool (see the file comment).
const MaxConns = 8

// maxConns is MaxConns, or TEST_DATABASE_MAX_CONNS when that is a positive
// number.
func maxConns() int {
	if v, err := strconv.Atoi(os.Getenv("TEST_DATABASE_MAX_CONNS")); err == nil && v > 0 {
		return v
	}
	return MaxConns
}

var (
	once     sync.Once
	template string
	initErr  error
)

func randName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func withDB(u, name string) string {
	p, err := url.Parse(u)
	if err != nil {
		panic(err)
	}
	p.Path = "/" + name
	return p.String()
}

// prepareTemplate makes sure a migrated template database exists. Its name
// is a hash of the migration files, so test binaries share it and a changed
// migration gets a new one; an advisory lock keeps parallel packages from
// building it twice.
func prepareTemplate(ctx context.Context) {
	h := sha256.New()
	ents, _ := fs.ReadDir(migrations.FS, ".")
	for _, e := range ents {
		b, _ := fs.ReadFile(migrations.FS, e.Name())
		h.Write([]byte(e.Name()))
		h.Write(b)
	}
	template = "sc_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	admin, err := db.Open(ctx, AdminURL())
	if err != nil {
		initErr = fmt.Errorf("dbtest: %w (is PostgreSQL running? set TEST_DATABASE_URL)", err)
		return
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		initErr = err
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(726354)"); err != nil {
		initErr = err
		return
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(726354)")
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", template).Scan(&exists); err != nil {
		initErr = err
		return
	}
	if exists {
		return
	}
	building := randName("sc_build_")
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		initErr = err
		return
	}
	pool, err := db.Open(ctx, withDB(AdminURL(), building))
	if err != nil {
		initErr = err
		return
	}
	initErr = migrations.Up(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pool.Close()
	if initErr != nil {
		return
	}
	_, initErr = conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+template)
}

// New creates a fresh migrated database for t, dropped when t ends, and
// returns a pool to it and its URL.
func New(t testing.TB) (*sql.DB, string) {
	t.Helper()
	ctx := context.Background()
	once.Do(func() { prepareTemplate(ctx) })
	if initErr != nil {
		t.Fatal(initErr)
	}
	admin, err := db.Open(ctx, AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	admin.SetMaxOpenConns(2)
	admin.SetMaxIdleConns(1)
	name := randName("sc_test_")
	if _, err := admin.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	dsn := withDB(AdminURL(), name)
	pool, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	n := maxConns()
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	t.Cleanup(func() {
		if st := pool.Stats(); st.WaitCount > 0 {
			t.Logf("dbtest: the pool (%d connections) was waited for %d times, %s in all", n, st.WaitCount, st.WaitDuration)
		}
		pool.Close()
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	return pool, dsn
}
