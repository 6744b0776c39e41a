package dbtest

// Cluster is a private PostgreSQL server (initdb + pg_ctl on a temporary
// directory and a free TCP port on loopback) for a test that must stop and
// start the database under a running gateway. It is slower to make than New
// (initdb takes a second or two): use it only for outages.
//
// Invariants: it listens on 127.0.0.1 only, with trust authentication, and
// its directory is removed when the test ends; as root it runs as the
// "postgres" system user (PostgreSQL refuses root).

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"safecontact/db"
	"safecontact/migrations"
)

// Cluster is one private server; see the file comment.
type Cluster struct {
	t     testing.TB
	dir   string
	port  int
	cred  *syscall.Credential
	pgctl string
}

func pgBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name); len(m) > 0 {
		return m[len(m)-1], nil
	}
	return "", fmt.Errorf("dbtest: %s not found", name)
}

// NewCluster initialises and starts a private server, creates a migrated
// database on it, and returns the cluster, a pool and the database URL.
// The test is skipped when initdb is not installed.
func NewCluster(t testing.TB) (*Cluster, *sql.DB, string) {
	t.Helper()
	initdb, err := pgBinary("initdb")
	if err != nil {
		t.Skip(err)
	}
	pgctl, err := pgBinary("pg_ctl")
	if err != nil {
		t.Skip(err)
	}
	c := &Cluster{t: t, pgctl: pgctl}
	c.dir, err = os.MkdirTemp("", "sc-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(c.dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("dbtest: running as root without a postgres user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(c.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := c.run(initdb, "-D", c.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"); err != nil {
		t.Fatal(err)
	}
	c.Start()
	t.Cleanup(func() { c.run(c.pgctl, "-D", c.data(), "-m", "immediate", "-w", "stop") })
	ctx := context.Background()
	admin, err := db.Open(ctx, c.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE safecontact"); err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(ctx, c.url("safecontact"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	if err := migrations.Up(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	return c, pool, c.url("safecontact")
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) url(dbname string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, dbname)
}

func (c *Cluster) run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", filepath.Base(name), err, out)
	}
	return nil
}

// Start starts the server (again) on its port and waits until it answers.
func (c *Cluster) Start() {
	c.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories='%s' -c fsync=off", c.port, c.dir)
	if err := c.run(c.pgctl, "-D", c.data(), "-o", opts, "-l", filepath.Join(c.dir, "postgres.log"), "-w", "start"); err != nil {
		c.t.Fatal(err)
	}
}

// Stop stops the server at once (open connections are cut, as in a crash).
func (c *Cluster) Stop() {
	c.t.Helper()
	if err := c.run(c.pgctl, "-D", c.data(), "-m", "immediate", "-w", "stop"); err != nil {
		c.t.Fatal(err)
	}
}
