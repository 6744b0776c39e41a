// Package faults is the fault harness of the send path: it runs the real
// `gateway serve` binary (so it can be SIGKILLed and restarted), a NATS
// server built from the linked nats-server/v2 module on a fixed port and
// store directory (so it can be stopped and started again), a private
// PostgreSQL cluster (initdb/pg_ctl on a temporary directory and a free
// port, so it can be restarted), and the fake Twilio behind a proxy whose
// mode can be switched (pass, 503, slow, hang) with a front proxy that
// plays the load balancer for the API and can drop status callbacks.
//
// A load driver offers messages like a real client (Idempotency-Key,
// retries of 5xx and connection errors with the same key); the report
// reads the database, the fake's creates and the status history and runs
// `gateway audit verify`. The experiments are in experiments.go; the
// short versions run in `go test ./faults`, the full 60 s runs with
// cmd/chaos (docs/benchmarks.md, "Faults").
//
// Nothing here is a mock: every component is the real one, and every
// fault is one a deployment sees (a process killed, a server restarted,
// a provider answering 503, slowly, or not at all).
package faults

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"safecontact/channels"
)

// FreePort asks the kernel for a free TCP port on loopback.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ---- PostgreSQL ----

// Postgres is a private cluster the harness can stop and start: the
// shared test server must never be restarted under other people's tests.
type Postgres struct {
	Port        int
	dir, pgdata string
	pgctl       string
	cred        *syscall.Credential
}

func pgBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) == 0 {
		return "", fmt.Errorf("%s not found on PATH or under /usr/lib/postgresql/*/bin", name)
	}
	return matches[len(matches)-1], nil
}

// StartPostgres runs initdb in dir and starts the cluster on a free port
// of 127.0.0.1 (trust auth, user postgres).
func StartPostgres(dir string) (*Postgres, error) {
	initdb, err := pgBinary("initdb")
	if err != nil {
		return nil, err
	}
	pgctl, err := pgBinary("pg_ctl")
	if err != nil {
		return nil, err
	}
	p := &Postgres{dir: dir, pgdata: filepath.Join(dir, "data"), pgctl: pgctl}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: run it as the postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, errors.New("running as root without a postgres system user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return nil, err
	}
	if p.cred != nil {
		for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
			// Every parent must be traversable by the postgres user.
			if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
				os.Chmod(d, fi.Mode().Perm()|0o011)
			}
			if d == os.TempDir() {
				break
			}
		}
		os.Chown(dir, int(p.cred.Uid), int(p.cred.Gid))
	}
	if p.Port, err = FreePort(); err != nil {
		return nil, err
	}
	if err := p.run(initdb, "-D", p.pgdata, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"); err != nil {
		return nil, err
	}
	return p, p.Start()
}

func (p *Postgres) run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", filepath.Base(name), err, out)
	}
	return nil
}

// Start starts the (stopped) cluster and waits until it accepts connections.
func (p *Postgres) Start() error {
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories='%s' -c max_connections=300", p.Port, p.dir)
	return p.run(p.pgctl, "-D", p.pgdata, "-o", opts, "-l", filepath.Join(p.dir, "postgres.log"), "-w", "-t", "60", "start")
}

// Stop stops the cluster in fast mode: open transactions are rolled
// back, every session is cut, as in a restart for a minor upgrade.
func (p *Postgres) Stop() error {
	return p.run(p.pgctl, "-D", p.pgdata, "-m", "fast", "-w", "-t", "60", "stop")
}

// URL is the admin URL of the cluster's postgres database.
func (p *Postgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port)
}

// ---- NATS ----

// NATS is a JetStream server from the linked nats-server/v2 module, run
// in the harness process on a fixed port and store directory so that it
// can be shut down and started again with its streams intact.
type NATS struct {
	Port int
	dir  string
	mu   sync.Mutex
	srv  *channels.Embedded
}

// StartNATS starts the server on a free port, storing under dir.
func StartNATS(dir string) (*NATS, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	n := &NATS{Port: port, dir: dir}
	return n, n.Start()
}

// Start starts the server (again).
func (n *NATS) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv != nil {
		return nil
	}
	srv, err := channels.StartEmbedded(n.dir, n.Port)
	if err != nil {
		return err
	}
	n.srv = srv
	return nil
}

// Stop shuts the server down; clients see their connections drop.
func (n *NATS) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv = nil
	}
}

// URL is the client URL.
func (n *NATS) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.Port) }

// ---- gateway binary ----

// BuildGateway builds cmd/gateway into dir once; the module is found from
// the current directory (any directory inside the repository).
func BuildGateway(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "gateway")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "safecontact/cmd/gateway")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build gateway: %v\n%s", err, out)
	}
	return bin, nil
}

// Gateway is one `gateway serve` process and its settings, restartable.
type Gateway struct {
	Name    string
	Bin     string
	Addr    string // 127.0.0.1:port
	Env     []string
	LogPath string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	logFile *os.File
}

// Start starts the process and waits until /healthz answers.
func (g *Gateway) Start(ctx context.Context) error {
	g.mu.Lock()
	f, err := os.OpenFile(g.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		g.mu.Unlock()
		return err
	}
	cmd := exec.Command(g.Bin, "serve")
	cmd.Env = append(os.Environ(), g.Env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		g.mu.Unlock()
		return err
	}
	done := make(chan struct{})
	g.cmd, g.done, g.logFile = cmd, done, f
	go func() { cmd.Wait(); f.Close(); close(done) }()
	g.mu.Unlock()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("gateway %s exited at start (see %s)", g.Name, g.LogPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get("http://" + g.Addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
	}
	return fmt.Errorf("gateway %s not healthy after 90s (see %s)", g.Name, g.LogPath)
}

// Kill sends SIGKILL and waits for the process to be gone.
func (g *Gateway) Kill() { g.signal(syscall.SIGKILL) }

// Stop sends SIGTERM (a graceful stop) and waits.
func (g *Gateway) Stop() { g.signal(syscall.SIGTERM) }

func (g *Gateway) signal(sig syscall.Signal) {
	g.mu.Lock()
	cmd, done := g.cmd, g.done
	g.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// Running says whether the process is alive.
func (g *Gateway) Running() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done == nil {
		return false
	}
	select {
	case <-g.done:
		return false
	default:
		return true
	}
}

// LogContains counts the log lines containing s.
func (g *Gateway) LogContains(s string) int {
	f, err := os.Open(g.LogPath)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			n++
		}
	}
	return n
}
