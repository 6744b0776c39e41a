package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"safecontact/keys"
)

// cmdOrg is `gateway org init|show`: the organisation's identity for
// referral packages exchanged with partner organisations.
func cmdOrg(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("org", flag.ContinueOnError)
	fs.SetOutput(stderr)
	orgFile := fs.String("org-key-file", env("GATEWAY_ORG_KEY_FILE", ""), "organisation key file; default "+keys.OrgKeyFileName+" beside the key file (env GATEWAY_ORG_KEY_FILE)")
	keyFile := fs.String("key-file", env("GATEWAY_KEY_FILE", ""), "key file, whose directory holds the organisation key file by default (env GATEWAY_KEY_FILE)")
	dataDir := fs.String("data-dir", defaultDataDir(), "data directory (env GATEWAY_DATA_DIR)")
	name := fs.String("name", "", "init: the organisation's name as partners will see it on its card")
	card := fs.Bool("card", false, "show: print only the partner card (JSON), e.g. > card.json")
	inbox := fs.String("inbox-url", "", "show --card: the URL where partners may deliver packages, put on the card (https; e.g. https://gw.example.org/v1/referrals/inbox)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: gateway org init [--name NAME] [--org-key-file FILE]   make the organisation's sealing and signing key pairs (refuses to overwrite)
       gateway org show [--card [--inbox-url URL]]            public keys, key id, fingerprint; --card prints the partner card, dated now`)
		fs.PrintDefaults()
	}
	sub, err := parseSub(fs, args, "init or show")
	if err != nil {
		return err
	}
	if err := orgFlagsFit(fs, sub); err != nil {
		return err
	}
	if *orgFile == "" {
		if *keyFile == "" {
			*keyFile = filepath.Join(*dataDir, "keys.json")
		}
		*orgFile = keys.OrgKeyFileBeside(*keyFile)
	}
	switch sub {
	case "init":
		o, err := keys.InitOrg(*orgFile, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (mode 0600). Back it up: partners verify this identity, and a new one must be verified again by each of them.\n\n", *orgFile)
		printOrg(stdout, o)
		return nil
	case "show":
		o, err := keys.LoadOrg(*orgFile)
		if err != nil {
			return err
		}
		if *card {
			b, err := o.Card(*inbox, time.Now())
			if err != nil {
				return err
			}
			_, err = stdout.Write(b)
			return err
		}
		printOrg(stdout, o)
		return nil
	}
	return fmt.Errorf("unknown subcommand %q: use init or show", sub)
}

// orgFlagsFit refuses flags that do nothing with sub, and extra
// arguments: a flag silently ignored (a --name on show, an --inbox-url
// without --card) leaves the admin believing something was done.
func orgFlagsFit(fs *flag.FlagSet, sub string) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("org %s takes no arguments (got %q); flags come after the subcommand", sub, fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case sub == "init" && (set["card"] || set["inbox-url"]):
		return errors.New("org init does not take --card or --inbox-url; print the card with: gateway org show --card [--inbox-url URL]")
	case sub == "show" && set["name"]:
		return errors.New("org show does not take --name: the name is set once, by org init, and signed into the card")
	case sub == "show" && set["inbox-url"] && !set["card"]:
		return errors.New("--inbox-url goes on the partner card: use it with --card")
	}
	return nil
}

func printOrg(w io.Writer, o *keys.OrgIdentity) {
	p := o.Public()
	fp := strings.Fields(p.Fingerprint())
	name := o.Name()
	if name == "" {
		name = "(no name; gateway org init --name sets one)"
	}
	fmt.Fprintf(w, `organisation:            %s
key id:                  %s
fingerprint:             %s
                         %s
sealing key (X25519):    %s
signing key (Ed25519):   %s
created:                 %s

Before a partner sends or accepts packages, read the fingerprint to each other over the phone
(or compare it on paper) and have their admin mark it verified. Give partners the card:
  gateway org show --card [--inbox-url URL] > card.json
`, name, p.KeyID(), strings.Join(fp[:4], " "), strings.Join(fp[4:], " "),
		base64.StdEncoding.EncodeToString(p.Seal[:]), base64.StdEncoding.EncodeToString(p.Sign), o.Created().Format("2006-01-02 15:04 UTC"))
}
