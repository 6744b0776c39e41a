package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"safecontact/consent"
	"safecontact/errs"
	"safecontact/gateway"
	"safecontact/gateway/message"
	"safecontact/templates"
)

// stdin is where sanitize reads from (a variable so tests can feed it).
var stdin io.Reader = os.Stdin

// cmdSanitize reads one message from stdin and prints the filter's verdict
// for a monitored phone as JSON: the stripped text and what was removed
// (byte offsets of the input), or why it would be refused. It builds the
// filter from the same settings as serve (discreetFlags): under the
// default policy (GATEWAY_MONITORED_FREE_TEXT=refuse) every free text is
// refused with free_text_refused, as serve would; --monitored-free-text
// filter shows what the filter would remove, --monitored-free-text
// vocabulary what the vocabulary policy would (not_in_vocabulary
// findings beside the filter's), --monitored-free-text plain the text
// unchanged when that scan finds nothing, else the refusal serve would
// answer (content_not_discreet, reason not_plain, with the categories and
// the findings to rephrase; no text), and --monitored-free-text whole the
// same with the filter's scan (unknown names and risky everyday phrases
// included, no vocabulary) and reason flagged. --known-names are the registered
// meeting points: one the filter flags as a place's name is refused, as
// serve refuses to register it. --confirm-names are the request's
// confirm_names, checked as serve checks them (message.FlaggedConfirmedName:
// a name the filter flags on its own, or that would hide a finding of the
// text, is refused with invalid_param on confirm_names; the name is not
// echoed). --signature-name is the author's signature name, checked as
// PUT /v1/me/signature-name checks it (message.CheckSignatureName: a
// refused one stops the command with that error, which never quotes it)
// and a known name in this scan as serve makes it: where the text spells
// it as given, unless it would hide a finding of the text. A name of only
// spaces is refused as empty (the PUT would clear the name with it; here
// the flag is left out for none).
func cmdSanitize(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sanitize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "es", "her language (BCP 47): words are matched by stem in it; other languages' words as written")
	var cfg gateway.DiscreetConfig
	discreetFlags(fs, &cfg)
	fs.StringVar(&cfg.Filter.TermsFile, "terms", cfg.Filter.TermsFile, "same as --discreet-terms-file")
	known := fs.String("known-names", "", "comma-separated names that are not unknown (the registered meeting points); one the filter flags as a place's name is refused, as serve refuses to register it")
	confirm := fs.String("confirm-names", "", "comma-separated names staff confirm (the request's confirm_names); one the filter flags on its own, or in the text, is refused with invalid_param as serve does")
	signature := fs.String("signature-name", "", "the author's signature name (PUT /v1/me/signature-name): refused as serve refuses to set it (a name of only spaces too: leave the flag out for none), else a known name in this scan as serve makes it; visible in ps and the shell history")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := consent.ParseLanguage(*lang); err != nil {
		return err
	}
	cat, err := gateway.DiscreetCatalog(cfg)
	if err != nil {
		return err
	}
	in, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil {
		return err
	}
	o := templates.ScanOptions{Lang: *lang, UnknownNames: cfg.UnknownNamesOn(), Vocabulary: cfg.UsesVocabulary()}
	o.Plain = message.WholeOrNothing(cfg.MonitoredFreeText) // risky everyday phrases, as serve scans
	var knownNames, confirmed []string
	for i, k := range splitNames(*known) {
		// The registration check of a meeting point's name.
		if fs := cat.Filter().ScanWith(k, templates.ScanOptions{PlaceName: true}); len(fs) > 0 {
			return fmt.Errorf("known name %d is flagged by the filter (%s): serve would not register it as a meeting point", i+1, fs[0].Category)
		}
		knownNames = append(knownNames, k)
	}
	confirmed = splitNames(*confirm)
	sig := ""
	if *signature != "" {
		// A name of only spaces is refused as empty: given on the command
		// line it is a mistake, not a wish for none.
		if sig, err = message.CheckSignatureName(cat.Filter(), "signature_name", *signature); err != nil {
			return err
		}
	}
	// As serve: the known names (and the confirmed ones) are known only
	// when unknown names or the vocabulary are looked for.
	if o.UnknownNames || o.Vocabulary {
		o.KnownNames = knownNames
	}
	sigKnown := message.SignatureKnown(cat.Filter(), string(in), sig, o)
	out := struct {
		Text       string              `json:"text"`
		Redactions []templates.Finding `json:"redactions"`
		Refused    string              `json:"refused,omitempty"`
		Field      string              `json:"field,omitempty"`
		Reason     string              `json:"reason,omitempty"`
		Categories []string            `json:"categories,omitempty"`
	}{Redactions: []templates.Finding{}}
	if cfg.FreeTextPolicy() == gateway.FreeTextRefuse {
		out.Refused = "free_text_refused"
	} else if reason := templates.MonitoredProblem(string(in)); reason != "" {
		out.Refused = reason
	} else if i, c := message.FlaggedConfirmedName(cat.Filter(), string(in), confirmed, templates.ScanOptions{Lang: o.Lang, UnknownNames: o.UnknownNames, Vocabulary: o.Vocabulary, KnownNames: o.KnownNames, ExactNames: sigKnown}); i > 0 {
		out.Refused, out.Field, out.Reason, out.Categories = "invalid_param", "confirm_names", fmt.Sprintf("confirmed name %d is flagged by the filter", i), []string{string(c)}
	} else {
		if o.UnknownNames || o.Vocabulary {
			o.ExactNames = append(sigKnown, confirmed...)
		}
		if message.WholeOrNothing(cfg.MonitoredFreeText) {
			// Whole or not at all, as serve sends it: nothing is cut.
			findings := cat.Filter().ScanWith(string(in), o)
			out.Text = string(in)
			if findings != nil {
				out.Redactions = findings
			}
			// The refusal serve answers with, printed from its details.
			if _, err := message.WholeRefusal(cfg.MonitoredFreeText, findings); err != nil {
				e := errs.As(err)
				d, _ := e.Details.(map[string]any)
				reason, _ := d["reason"].(string)
				cats, _ := d["categories"].([]string)
				out.Text, out.Refused, out.Reason, out.Categories = "", e.Code, reason, cats
			}
		} else {
			text, findings := cat.Filter().StripWith(string(in), o)
			out.Text = text
			if findings != nil {
				out.Redactions = findings
			}
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// splitNames splits a comma-separated list of names, blanks left out.
func splitNames(list string) []string {
	var out []string
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// cmdTemplates lists and renders templates, for authors. It builds the
// catalogue and the filter from the same settings as serve
// (discreetFlags): the templates directory (--dir is --templates-dir),
// the built-in ones, every discreet variant checked with the deployment's
// filter (terms file, stop list), which also checks the parameters of a
// discreet rendering. A template serve would refuse is refused here.
func cmdTemplates(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("templates", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg gateway.DiscreetConfig
	discreetFlags(fs, &cfg)
	fs.StringVar(&cfg.TemplatesDir, "dir", cfg.TemplatesDir, "same as --templates-dir")
	lang := fs.String("lang", "en", "language (BCP 47)")
	variant := fs.String("variant", "standard", "standard or discreet")
	channel := fs.String("channel", "sms", "sms, whatsapp or voice")
	tz := fs.String("tz", "Europe/Madrid", "her IANA time zone")
	var params paramList
	fs.Var(&params, "param", "k=v parameter (repeatable); datetime values are RFC 3339")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gateway templates list\n       gateway templates render ID --lang LANG --variant discreet --param k=v …")
		fs.PrintDefaults()
	}
	if len(args) == 0 {
		fs.Usage()
		return errors.New("missing subcommand: list or render")
	}
	sub, rest := args[0], args[1:]
	var id string
	if sub == "render" && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		id, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	cat, err := gateway.DiscreetCatalog(cfg)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		// DIGEST (the first hex digits of the SHA-256 of the file, as a
		// message records it in full) and SOURCE (builtin or deployment)
		// tell an author which text each sent message used.
		fmt.Fprintln(tw, "ID\tVERSION\tDIGEST\tSOURCE\tCHANNELS\tPARAMS\tLANGUAGES")
		for _, t := range cat.List() {
			var ps []string
			for _, p := range t.Params {
				ps = append(ps, p.Name+":"+string(p.Type))
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Version, templates.ShortDigest(t.Digest), t.Source,
				strings.Join(t.Channels, ","), strings.Join(ps, ","), strings.Join(t.Languages, ","))
		}
		return tw.Flush()
	case "render":
		if id == "" {
			return errors.New("render needs a template id: gateway templates render ID …")
		}
		r, err := cat.Render(templates.RenderRequest{TemplateID: id, Lang: *lang, Variant: templates.Variant(*variant),
			Channel: *channel, Params: params.m, TimeZone: *tz})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, r.Text)
		fmt.Fprintf(stderr, "(%s v%d, language %s, %s, %s: %d chars, %d segment(s))\n", r.TemplateID, r.Version, r.Lang, r.Variant, r.SMS.Encoding, r.SMS.Chars, r.SMS.Segments)
		return nil
	}
	return fmt.Errorf("unknown subcommand %q: use list or render", sub)
}

type paramList struct{ m map[string]string }

func (p *paramList) String() string { return "" }

func (p *paramList) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("param %q is not k=v", v)
	}
	if p.m == nil {
		p.m = map[string]string{}
	}
	p.m[k] = val
	return nil
}
