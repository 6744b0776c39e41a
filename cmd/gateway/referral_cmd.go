package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"safecontact/durable"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/referrals"
	"safecontact/keys"
	"safecontact/referral"
)

// cmdPartners is `gateway partners add|verify|list|remove`: the partner
// directory, as an admin keeps it from the command line.
func cmdPartners(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("partners", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := referralFlags(fs)
	fingerprint := fs.String("fingerprint", "", "verify: the fingerprint you compared with the partner (read aloud or on paper)")
	removed := fs.Bool("removed", false, "list: removed partners too")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: gateway partners add CARD.json          add a partner from its card (unverified)
       gateway partners verify ID --fingerprint "30418 77265 …"   mark it verified, after comparing the fingerprint out of band
       gateway partners list [--removed]
       gateway partners remove ID`)
		fs.PrintDefaults()
	}
	sub, arg, err := subAndArg(fs, args, "add, verify, list or remove")
	if err != nil {
		return err
	}
	svc, done, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	actor := gateway.ReferralActor(auth.SystemActor("cli"))
	switch sub {
	case "add":
		if arg == "" {
			return errors.New("partners add takes the card file: gateway partners add CARD.json")
		}
		b, err := readBounded(arg, keys.MaxCardSize)
		if err != nil {
			return err
		}
		p, created, err := svc.AddPartner(ctx, actor, b)
		if err != nil {
			return err
		}
		what := "updated from a newer card"
		if created {
			what = "added, NOT verified"
		}
		fmt.Fprintf(stdout, "partner %d %s: %s\nkey id:      %s\nfingerprint: %s\ninbox:       %s\n", p.ID, what, p.Name, p.KeyID, p.Fingerprint, orNone(p.InboxURL))
		if !p.Verified {
			fmt.Fprintf(stdout, "\nRead the fingerprint with the partner over the phone (or compare it on paper), then:\n  gateway partners verify %d --fingerprint \"…\"\n", p.ID)
		}
		return nil
	case "verify":
		id, err := partnerArg(arg)
		if err != nil {
			return err
		}
		if *fingerprint == "" {
			return errors.New("--fingerprint is required: type the fingerprint you compared with the partner")
		}
		p, err := svc.VerifyPartner(ctx, actor, id, *fingerprint)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "partner %d (%s) verified: referrals can be sent to it and received from it.\n", p.ID, p.Name)
		return nil
	case "list":
		ps, err := svc.ListPartners(ctx, *removed)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tKEY ID\tSTATUS\tINBOX")
		for _, p := range ps {
			status := "unverified"
			switch {
			case p.Removed:
				status = "removed " + p.RemovedAt.Format("2006-01-02")
			case p.Verified:
				status = "verified " + p.VerifiedAt.Format("2006-01-02")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", p.ID, printable(p.Name), p.KeyID, status, orNone(p.InboxURL))
		}
		return tw.Flush()
	case "remove":
		id, err := partnerArg(arg)
		if err != nil {
			return err
		}
		p, err := svc.RemovePartner(ctx, actor, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "partner %d (%s) removed: packages to and from it are refused.\n", p.ID, p.Name)
		return nil
	}
	return fmt.Errorf("unknown subcommand %q: use add, verify, list or remove", sub)
}

// cmdReferral is `gateway referral export|import`: referral packages as
// files, for partners without an inbox URL.
func cmdReferral(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("referral", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := referralFlags(fs)
	out := fs.String("out", "", "export: the file to write (refuses to overwrite); default referral-<package id>.scref in the current directory")
	receipt := fs.Bool("receipt", false, "export: the receipt of a received referral that was decided, instead of a sent referral's package")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: gateway referral export ID [--receipt] [--out FILE]   a sent referral's package (or a decided one's receipt) as a file
       gateway referral import FILE                           a package from a partner (a referral, or a receipt)`)
		fs.PrintDefaults()
	}
	sub, arg, err := subAndArg(fs, args, "export or import")
	if err != nil {
		return err
	}
	svc, done, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	actor := gateway.ReferralActor(auth.SystemActor("cli"))
	switch sub {
	case "export":
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || id <= 0 {
			return errors.New("referral export takes the referral's id: gateway referral export ID")
		}
		var pkg []byte
		var v referrals.ReferralView
		prefix := "referral-"
		if *receipt {
			pkg, v, err = svc.Receipt(ctx, actor, id)
			prefix = "receipt-"
		} else {
			pkg, v, err = svc.Package(ctx, actor, id)
		}
		if err != nil {
			return err
		}
		if *out == "" {
			*out = prefix + *v.PackageID + ".scref"
		}
		if err := durable.Create(*out, pkg, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%d bytes) for %s: sealed to the partner, only it can open it.\n", *out, len(pkg), v.Partner.Name)
		return nil
	case "import":
		if arg == "" {
			return errors.New("referral import takes the package file: gateway referral import FILE")
		}
		b, err := readBounded(arg, referral.MaxPackageSize)
		if err != nil {
			return err
		}
		imp, err := svc.Import(ctx, actor, b, referrals.ViaFile)
		if err != nil {
			return err
		}
		if imp.Kind == "receipt" {
			fmt.Fprintf(stdout, "receipt imported: referral %d to %s is %s.\n", imp.Referral.ID, imp.Referral.Partner.Name, imp.Referral.State)
			return nil
		}
		fmt.Fprintf(stdout, "referral %d imported from %s; review it in the console or at GET /v1/referrals/%d.\n", imp.Referral.ID, imp.Referral.Partner.Name, imp.Referral.ID)
		return nil
	}
	return fmt.Errorf("unknown subcommand %q: use export or import", sub)
}

// refFlags are what the referral commands open: the database, the key
// ring and the organisation identity.
type refFlags struct {
	url, keyFile, orgFile, dataDir *string
}

func referralFlags(fs *flag.FlagSet) refFlags {
	return refFlags{
		url:     dbFlag(fs),
		keyFile: fs.String("key-file", env("GATEWAY_KEY_FILE", ""), "key file (env GATEWAY_KEY_FILE); default <data-dir>/keys.json"),
		orgFile: fs.String("org-key-file", env("GATEWAY_ORG_KEY_FILE", ""), "organisation key file; default "+keys.OrgKeyFileName+" beside the key file (env GATEWAY_ORG_KEY_FILE)"),
		dataDir: fs.String("data-dir", defaultDataDir(), "data directory (env GATEWAY_DATA_DIR)"),
	}
}

// open builds the referrals capability over the database, as serve does.
func (f refFlags) open(ctx context.Context) (*referrals.Service, func(), error) {
	if *f.keyFile == "" {
		*f.keyFile = filepath.Join(*f.dataDir, "keys.json")
	}
	if *f.orgFile == "" {
		*f.orgFile = keys.OrgKeyFileBeside(*f.keyFile)
	}
	ring, err := keys.Load(*f.keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("key file: %w", err)
	}
	org, err := keys.LoadOrg(*f.orgFile)
	if err != nil {
		return nil, nil, fmt.Errorf("organisation key file (gateway org init makes it): %w", err)
	}
	pool, err := openDB(ctx, *f.url)
	if err != nil {
		return nil, nil, err
	}
	srv := gateway.New(gateway.Deps{DB: pool, Keys: ring, Log: slog.New(slog.DiscardHandler), Config: gateway.Config{Org: org}})
	return srv.Referrals(), func() { srv.Close(); pool.Close() }, nil
}

// subAndArg reads "SUB [ARG] [flags]" or "SUB [flags] [ARG]".
func subAndArg(fs *flag.FlagSet, args []string, choices string) (string, string, error) {
	var arg string
	if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		arg = args[1]
		args = append(args[:1:1], args[2:]...)
	}
	sub, err := parseSub(fs, args, choices)
	if err != nil {
		return "", "", err
	}
	if fs.NArg() > 1 || fs.NArg() == 1 && arg != "" {
		return "", "", fmt.Errorf("%s takes one argument", sub)
	}
	if arg == "" && fs.NArg() == 1 {
		arg = fs.Arg(0)
	}
	return sub, arg, nil
}

func partnerArg(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, errors.New("name the partner by its id (gateway partners list shows it)")
	}
	return id, nil
}

// readBounded reads a file of at most max bytes (one more is read, so an
// oversized one is refused by what parses it).
func readBounded(path string, max int) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return io.ReadAll(io.LimitReader(fh, int64(max)+1))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
