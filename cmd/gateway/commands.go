package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/keys"
	"safecontact/migrations"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, level := appFlags(fs)
	pprofAddr := fs.String("pprof-addr", env("GATEWAY_PPROF_ADDR", ""), "serve Go profiling on this loopback address, for benchmarks (env GATEWAY_PPROF_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	finishAppConfig(fs, cfg)
	log := newLogger(stderr, *level)
	if os.Getenv("GOGC") == "" {
		// The heap is small (tens of MB) and short-lived per request;
		// collecting at twice the live heap instead of once halves the
		// collector's share of the CPU (8% of the gateway's CPU at 1,200
		// messages/s with the default). GOGC still overrides.
		debug.SetGCPercent(200)
	}
	if *pprofAddr != "" {
		go func() {
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			log.Warn("pprof listening", "addr", *pprofAddr, "err", http.ListenAndServe(*pprofAddr, mux))
		}()
	}
	app, err := gateway.Open(ctx, *cfg, log)
	if err != nil {
		return err
	}
	defer app.Close()
	return app.Serve(ctx, nil)
}

// parseSub takes the subcommand in front of the flags ("gateway users add
// --name x") and parses the rest; choices names the subcommands for the
// error when there is none.
func parseSub(fs *flag.FlagSet, args []string, choices string) (string, error) {
	if len(args) == 0 {
		fs.Usage()
		return "", errors.New("missing subcommand: " + choices)
	}
	return args[0], fs.Parse(args[1:])
}

func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("database-url", env("DATABASE_URL", ""), "PostgreSQL URL (env DATABASE_URL)")
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := dbFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gateway migrate up|status [--database-url URL]")
		fs.PrintDefaults()
	}
	sub, err := parseSub(fs, args, "up or status")
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, *url)
	if err != nil {
		return err
	}
	defer pool.Close()
	switch sub {
	case "up":
		return migrations.Up(ctx, pool, newLogger(stderr, "info"))
	case "status":
		return migrations.Status(ctx, pool, stdout)
	}
	return fmt.Errorf("unknown subcommand %q: use up or status", sub)
}

func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("key-file", env("GATEWAY_KEY_FILE", ""), "key file; default <data-dir>/keys.json (env GATEWAY_KEY_FILE)")
	dataDir := fs.String("data-dir", defaultDataDir(), "data directory (env GATEWAY_DATA_DIR)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gateway keys init|rotate [--key-file FILE]\n       gateway keys audit-keypair --out DIR")
		fs.PrintDefaults()
	}
	if len(args) > 0 && args[0] == "audit-keypair" {
		return cmdAuditKeypair(args[1:], stdout, stderr)
	}
	sub, err := parseSub(fs, args, "init, rotate or audit-keypair")
	if err != nil {
		return err
	}
	if *file == "" {
		*file = filepath.Join(*dataDir, "keys.json")
	}
	switch sub {
	case "init":
		if err := keys.Init(*file); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (mode 0600). Back it up somewhere safe: without it no stored phone number can be read.\n", *file)
		return nil
	case "rotate":
		id, err := keys.Rotate(*file)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added key %d to %s; new data is sealed with it, old data stays readable.\n", id, *file)
		return nil
	}
	return fmt.Errorf("unknown subcommand %q: use init or rotate", sub)
}

func cmdUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("users", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := dbFlag(fs)
	name := fs.String("name", "", "user name (add, disable, rotate)")
	role := fs.String("role", "staff", "role: staff, supervisor or admin (add)")
	expires := fs.String("expires", "", "token lifetime, e.g. 90d or 12h; empty: no expiry (add), keep the current one (rotate)")
	generate := fs.Bool("generate-password", false, "generate the console password and print it once (add, reset-password)")
	noPassword := fs.Bool("no-password", false, "no console password: an integration's user, API token only (add)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gateway users add --name NAME --role staff|supervisor|admin [--expires 90d] [--generate-password | --no-password]\n       gateway users reset-password --name NAME [--generate-password]\n       gateway users list\n       gateway users disable --name NAME\n       gateway users rotate --name NAME [--expires 90d]")
		fmt.Fprintln(stderr, "A console password is typed at a prompt (not shown), read from a line of standard input when it is not a terminal, or generated and printed once with --generate-password; she chooses her own at her first sign-in.")
		fs.PrintDefaults()
	}
	if len(args) > 1 && args[0] == "reset-password" && !strings.HasPrefix(args[1], "-") {
		// "gateway users reset-password NAME [flags]"
		args = append([]string{args[0], "--name", args[1]}, args[2:]...)
	}
	sub, err := parseSub(fs, args, "add, reset-password, list, disable or rotate")
	if err != nil {
		return err
	}
	exp, err := auth.ParseExpiry(*expires)
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, *url)
	if err != nil {
		return err
	}
	defer pool.Close()
	actor := auth.SystemActor("cli")
	switch sub {
	case "add":
		r, err := auth.ParseRole(*role)
		if err != nil {
			return err
		}
		var password string
		if !*noPassword {
			if password, err = newPassword(stdin, stderr, *generate); err != nil {
				return err
			}
		}
		token, err := gateway.AddUserWith(ctx, pool, actor, auth.NewUser{Name: *name, Role: r, ExpiresIn: exp, Password: password})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s (%s) added.\ntoken (shown once, store it now): %s\n", printable(*name), r, token)
		switch {
		case *noPassword:
			fmt.Fprintf(stdout, "no console password (API token only); set one with: gateway users reset-password %s\n", printable(*name))
		case *generate:
			fmt.Fprintf(stdout, "console password (shown once; she chooses her own at first sign-in): %s\n", password)
		default:
			fmt.Fprintln(stdout, "console password set; she chooses her own at first sign-in.")
		}
		return nil
	case "reset-password":
		password, err := newPassword(stdin, stderr, *generate)
		if err != nil {
			return err
		}
		if err := gateway.SetUserPassword(ctx, pool, actor, *name, password); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s has a new console password; her sessions have ended and she chooses her own at her next sign-in.\n", printable(*name))
		if *generate {
			fmt.Fprintf(stdout, "console password (shown once): %s\n", password)
		}
		return nil
	case "list":
		users, err := gateway.ListUsers(ctx, pool)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tEXPIRES\tSTATUS")
		for _, u := range users {
			status, expiry := "active", "never"
			if u.ExpiresAt != nil {
				expiry = u.ExpiresAt.Format("2006-01-02")
				if !u.ExpiresAt.After(time.Now()) {
					status = "expired"
				}
			}
			if u.DisabledAt != nil {
				status = "disabled " + u.DisabledAt.Format("2006-01-02")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", printable(u.Name), u.Role, u.CreatedAt.Format("2006-01-02"), expiry, status)
		}
		return tw.Flush()
	case "disable":
		if err := gateway.DisableUser(ctx, pool, actor, *name); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s disabled; its token no longer works.\n", printable(*name))
		return nil
	case "rotate":
		token, v, err := gateway.RotateToken(ctx, pool, actor, *name, exp)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s has a new token; the old one no longer works.\ntoken (shown once, store it now): %s\n", printable(v.Name), token)
		return nil
	}
	return fmt.Errorf("unknown subcommand %q: use add, reset-password, list, disable or rotate", sub)
}

// printable shows a user name on a terminal: names made before the slug
// rule may hold escape sequences or newlines, which would let one line
// of the listing overwrite another.
func printable(s string) string {
	q := strconv.QuoteToGraphic(s)
	if q[1:len(q)-1] == s {
		return s
	}
	return q
}
