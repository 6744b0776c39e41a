// Command gateway is the safecontact binary: the HTTP service, its
// development mode, migrations, keys, users and operator tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // zone data in the binary: safe windows must not depend on the host
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

type command struct {
	name, usage string
	run         func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the gateway (HTTP API, workers, scheduler)", cmdServe},
		{"dev", "run a gateway on embedded defaults: local or private PostgreSQL, in-process NATS, dev key and admin token", cmdDev},
		{"migrate", "migrate up|status: apply or list database migrations", cmdMigrate},
		{"keys", "keys init|rotate|audit-keypair: create or rotate the encryption key file; make the audit key pair", cmdKeys},
		{"org", "org init|show: the organisation's key pairs for referral packages, its fingerprint and partner card", cmdOrg},
		{"partners", "partners add|verify|list|remove: the directory of partner organisations referrals are exchanged with", cmdPartners},
		{"referral", "referral export|import: referral packages (and their receipts) as files", cmdReferral},
		{"users", "users add|reset-password|list|disable|rotate: manage staff users, console passwords and API tokens", cmdUsers},
		{"sanitize", "read a message on stdin, print the discreet-content filter's verdict as JSON", cmdSanitize},
		{"templates", "templates list|render: the message catalogue, for authors", cmdTemplates},
		{"audit", "audit verify|checkpoint|export|open: check the tamper-evident contact log, keep its checkpoints, open sealed texts", cmdAudit},
		{"version", "print the version", func(_ context.Context, _ []string, out, _ io.Writer) error {
			fmt.Fprintln(out, "safecontact gateway", version)
			return nil
		}},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gateway <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nRun 'gateway <command> -h' for a command's flags. Configuration also comes from the environment: DATABASE_URL, NATS_URL, GATEWAY_ADDR, GATEWAY_KEY_FILE, GATEWAY_DATA_DIR (each also as NAME_FILE).")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if err != nil {
				fmt.Fprintln(stderr, "gateway "+c.name+": "+strings.TrimSpace(err.Error()))
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "gateway: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
