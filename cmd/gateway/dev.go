package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"safecontact/db"
	"safecontact/durable"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/keys"
	"safecontact/migrations"
)

// cmdDev gives a new user a running gateway with no set-up: it finds or
// starts PostgreSQL, uses the in-process NATS server, makes a key file and
// an admin (API token and console password) on first run, and prints the
// console's URL, the password and the token.
func cmdDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, level := appFlags(fs)
	private := fs.Bool("private-postgres", false, "always start a private PostgreSQL cluster under the data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	finishAppConfig(fs, cfg)
	// A developer's gateway is a test instance: the sink, never Twilio.
	cfg.Sink = true
	log := newLogger(stderr, *level)
	if err := durable.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	abs, _ := filepath.Abs(cfg.DataDir)
	cfg.DataDir = abs
	if !filepath.IsAbs(cfg.KeyFile) {
		cfg.KeyFile, _ = filepath.Abs(cfg.KeyFile)
	}

	if _, err := os.Stat(cfg.KeyFile); errors.Is(err, os.ErrNotExist) {
		if err := keys.Init(cfg.KeyFile); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dev: created key file %s\n", cfg.KeyFile)
	}

	if cfg.DatabaseURL == "" {
		u, stopPG, err := devPostgres(ctx, cfg.DataDir, *private, stdout)
		if err != nil {
			return err
		}
		if stopPG != nil {
			defer stopPG()
		}
		cfg.DatabaseURL = u
	}
	// Migrate before counting users: first run has no tables yet.
	pool, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	if err := migrations.Up(ctx, pool, log); err != nil {
		pool.Close()
		return err
	}
	users, err := gateway.ListUsers(ctx, pool)
	if err != nil {
		pool.Close()
		return err
	}
	var token, password string
	if len(users) == 0 {
		password = signin.GeneratePassword()
		nu := auth.NewUser{Name: "admin", Role: auth.RoleAdmin, Password: password}
		if token, err = gateway.AddUserWith(ctx, pool, auth.SystemActor("dev"), nu); err != nil {
			pool.Close()
			return err
		}
	}
	pool.Close()

	app, err := gateway.Open(ctx, *cfg, log)
	if err != nil {
		return err
	}
	defer app.Close()
	ready := make(chan string, 1)
	go func() {
		addr := <-ready
		fmt.Fprintf(stdout, "\nsafecontact gateway (dev) is running at http://%s\n", addr)
		fmt.Fprintf(stdout, "console: open http://%s/ in a browser\n", addr)
		if token != "" {
			fmt.Fprintf(stdout, "sign in as admin with the password (shown once): %s\n", password)
			fmt.Fprintln(stdout, "  then choose your own password and set up the second step (an authenticator app).")
			fmt.Fprintf(stdout, "admin API token (shown once; store it now): %s\n", token)
			fmt.Fprintf(stdout, "try:  curl -H 'Authorization: Bearer %s' http://%s/v1/participants\n\n", token, addr)
		} else {
			fmt.Fprintf(stdout, "users already exist; the admin's password and token were printed on first run.\nnew password: gateway users reset-password admin --generate-password --database-url '%s'\nanother user: gateway users add --database-url '%s' --name NAME --role admin --generate-password\n\n", redactURL(cfg.DatabaseURL), redactURL(cfg.DatabaseURL))
		}
	}()
	return app.Serve(ctx, ready)
}

func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "<DATABASE_URL>"
	}
	return p.Redacted()
}

// devPostgres returns a database URL: the local server if one answers, else
// a private cluster under dataDir started with initdb/pg_ctl (and a
// function that stops it).
func devPostgres(ctx context.Context, dataDir string, private bool, stdout io.Writer) (string, func(), error) {
	if private {
		return privateCluster(ctx, filepath.Join(dataDir, "postgres"), stdout)
	}
	for _, admin := range []string{
		"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"host=/var/run/postgresql user=postgres dbname=postgres",
		"host=/var/run/postgresql dbname=postgres",
	} {
		if u, err := ensureDatabase(ctx, admin, "safecontact"); err == nil {
			fmt.Fprintln(stdout, "dev: using the local PostgreSQL server, database safecontact")
			return u, nil, nil
		}
	}
	return privateCluster(ctx, filepath.Join(dataDir, "postgres"), stdout)
}

// ensureDatabase connects with admin and creates name if it is missing.
func ensureDatabase(ctx context.Context, admin, name string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	pool, err := sql.Open("pgx", admin)
	if err != nil {
		return "", err
	}
	defer pool.Close()
	if err := pool.PingContext(cctx); err != nil {
		return "", err
	}
	var exists bool
	if err := pool.QueryRowContext(cctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := pool.ExecContext(cctx, "CREATE DATABASE "+name); err != nil {
			return "", err
		}
	}
	if strings.HasPrefix(admin, "postgres://") {
		p, _ := url.Parse(admin)
		p.Path = "/" + name
		return p.String(), nil
	}
	return strings.Replace(admin, "dbname=postgres", "dbname="+name, 1), nil
}

// pgBinary finds initdb/pg_ctl/postgres on PATH or in Debian's versioned
// directories.
func pgBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1], nil
	}
	return "", fmt.Errorf("no PostgreSQL server answered and %s is not installed.\nInstall PostgreSQL (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@16), or set DATABASE_URL to a server you have", name)
}

func privateCluster(ctx context.Context, dir string, stdout io.Writer) (string, func(), error) {
	initdb, err := pgBinary("initdb")
	if err != nil {
		return "", nil, err
	}
	pgctl, err := pgBinary("pg_ctl")
	if err != nil {
		return "", nil, err
	}
	// PostgreSQL refuses to run as root; as root we run it as the
	// "postgres" system user, which owns the cluster directory.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", nil, errors.New("running as root and there is no 'postgres' system user to run a private PostgreSQL as; set DATABASE_URL instead")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	run := func(name string, args ...string) error {
		// Not tied to ctx: the stop on exit runs after ctx is cancelled.
		cmd := exec.Command(name, args...)
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", filepath.Base(name), err, out)
		}
		return nil
	}
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	if cred != nil {
		// The data dir must be reachable by the postgres user.
		os.Chmod(filepath.Dir(dir), 0o711)
		os.Chown(dir, int(cred.Uid), int(cred.Gid))
	}
	pgdata := filepath.Join(dir, "data")
	if _, err := os.Stat(filepath.Join(pgdata, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(stdout, "dev: creating a private PostgreSQL cluster in", pgdata)
		if err := run(initdb, "-D", pgdata, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"); err != nil {
			return "", nil, err
		}
	}
	// Unix socket only, in our own directory: nothing listens on TCP.
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=on", dir)
	if err := run(pgctl, "-D", pgdata, "-o", opts, "-l", filepath.Join(dir, "postgres.log"), "-w", "start"); err != nil {
		return "", nil, err
	}
	stop := func() { run(pgctl, "-D", pgdata, "-m", "fast", "-w", "stop") }
	admin := fmt.Sprintf("host=%s user=postgres dbname=postgres", dir)
	u, err := ensureDatabase(ctx, admin, "safecontact")
	if err != nil {
		stop()
		return "", nil, err
	}
	fmt.Fprintln(stdout, "dev: private PostgreSQL started on unix socket in", dir)
	return u, stop, nil
}
