package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"safecontact/db"
	"safecontact/durable"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/keys"
)

// cmdAudit is `gateway audit verify|checkpoint|export|open`: the
// supervisor's tools for the tamper-evident contact log.
func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := dbFlag(fs)
	checkpoint := fs.String("checkpoint", "", "verify: a checkpoint file ({seq, hash, at}) the chain must still hold")
	export := fs.String("export", "", "verify: check this JSONL export offline instead of the database")
	filtered := fs.Bool("filtered", false, "verify --export: the export was filtered, gaps in seq are expected")
	asJSON := fs.Bool("json", false, "verify: print the whole report as JSON")
	out := fs.String("out", "", "checkpoint: also write the checkpoint to this file (refuses to overwrite)")
	format := fs.String("format", "jsonl", "export: jsonl or csv")
	secretKey := fs.String("secret-key", "", "open: the programme's audit secret key file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: gateway audit verify [--checkpoint FILE] [--json]      recompute the hash chain in the database
       gateway audit verify --export FILE [--filtered] [--checkpoint FILE]   check an export offline
       gateway audit checkpoint [--out FILE]                   verify, then record and print the head {seq, hash, at}
       gateway audit export [--format jsonl|csv] > FILE        the whole log (recorded as audit.exported)
       gateway audit open --secret-key FILE < export.jsonl     break-glass: open the sealed sent texts locally`)
		fs.PrintDefaults()
	}
	sub, err := parseSub(fs, args, "verify, checkpoint, export or open")
	if err != nil {
		return err
	}
	switch sub {
	case "verify":
		return auditVerify(ctx, *url, *checkpoint, *export, *filtered, *asJSON, stdout, stderr)
	case "checkpoint":
		return auditCheckpoint(ctx, *url, *out, stdout)
	case "export":
		pool, err := openDB(ctx, *url)
		if err != nil {
			return err
		}
		defer pool.Close()
		return audit.ExportAll(ctx, pool, auth.SystemActor("cli"), *format, stdout)
	case "open":
		return auditOpen(*secretKey, stdin, stdout, stderr)
	}
	return fmt.Errorf("unknown subcommand %q: use verify, checkpoint, export or open", sub)
}

func openDB(ctx context.Context, url string) (*sql.DB, error) {
	if url == "" {
		return nil, errors.New("DATABASE_URL is not set (or pass --database-url)")
	}
	return db.Open(ctx, url)
}

func readCheckpoint(path string) (audit.ChainPoint, error) {
	var cp audit.ChainPoint
	b, err := os.ReadFile(path)
	if err != nil {
		return cp, err
	}
	if err := json.Unmarshal(b, &cp); err != nil || len(cp.Hash) != 64 {
		return cp, fmt.Errorf("%s is not a checkpoint (JSON with seq, hash, at, as `gateway audit checkpoint` writes)", path)
	}
	cp.Hash = strings.ToLower(cp.Hash)
	return cp, nil
}

func auditVerify(ctx context.Context, url, checkpoint, export string, filtered, asJSON bool, stdout, stderr io.Writer) error {
	var opt audit.VerifyOptions
	if checkpoint != "" {
		cp, err := readCheckpoint(checkpoint)
		if err != nil {
			return err
		}
		opt.Checkpoints = append(opt.Checkpoints, cp)
	}
	var rep *audit.VerifyReport
	if export != "" {
		f, err := os.Open(export)
		if err != nil {
			return err
		}
		defer f.Close()
		if rep, err = audit.VerifyExport(f, opt, filtered); err != nil {
			return err
		}
	} else {
		pool, err := openDB(ctx, url)
		if err != nil {
			return err
		}
		defer pool.Close()
		if rep, err = audit.Verify(ctx, pool, opt); err != nil {
			return err
		}
		// The verification is itself recorded; a database that refuses
		// the record does not hide the result.
		if _, err := audit.Append(ctx, db.New(pool), auth.SystemActor("cli"), audit.Event{Action: audit.ActionVerified, Details: rep.Summary()}); err != nil {
			fmt.Fprintln(stderr, "warning: could not record this verification in the audit log:", err)
		}
	}
	if asJSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintln(stdout, string(b))
	} else {
		printReport(stdout, rep, export != "")
	}
	if !rep.OK {
		p := rep.Problems[0]
		return errs.New(rep.Code, "first bad sequence number %d (%s): %s", *rep.FirstBadSeq, p.Kind, p.Message)
	}
	return nil
}

func printReport(w io.Writer, rep *audit.VerifyReport, export bool) {
	what := "audit log"
	if export {
		what = "export"
	}
	if rep.OK {
		fmt.Fprintf(w, "%s verified: %d events checked (after seq %d), head seq %d hash %s\n", what, rep.Checked, rep.FromSeq, rep.Head.Seq, rep.Head.Hash)
	} else {
		fmt.Fprintf(w, "%s DOES NOT VERIFY: first bad sequence number %d\n", what, *rep.FirstBadSeq)
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "  seq %d: %s: %s\n", p.Seq, p.Kind, p.Message)
		}
	}
	for _, c := range rep.Checkpoints {
		state := "holds"
		if !c.OK {
			state = "FAILS: " + c.Problem
		}
		fmt.Fprintf(w, "checkpoint seq %d hash %s: %s\n", c.Seq, c.Hash, state)
	}
	if rep.Unsealed > 0 {
		age := ""
		if rep.OldestUnsealedAt != nil {
			age = fmt.Sprintf(", oldest from %s", rep.OldestUnsealedAt.Format(time.RFC3339))
		}
		fmt.Fprintf(w, "%d events not sealed yet%s (normal for a fraction of a second; more means no sequencer is running)\n", rep.Unsealed, age)
	}
}

func auditCheckpoint(ctx context.Context, url, out string, stdout io.Writer) error {
	pool, err := openDB(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	// Seal what is pending first (if no serve process is sequencing now).
	if _, err := audit.SealPending(ctx, pool, time.Now()); err != nil {
		return err
	}
	cp, rep, err := audit.CheckpointVerified(ctx, pool, "cli", time.Now())
	if err != nil {
		return err
	}
	if !rep.OK {
		p := rep.Problems[0]
		return errs.New(rep.Code, "refusing to checkpoint a log that does not verify: first bad sequence number %d (%s): %s", *rep.FirstBadSeq, p.Kind, p.Message)
	}
	b, _ := json.Marshal(cp)
	if out != "" {
		if err := durable.Create(out, append(b, '\n'), 0o644); err != nil {
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s already exists; refusing to overwrite a checkpoint", out)
			}
			return err
		}
	}
	fmt.Fprintln(stdout, string(b))
	return nil
}

// auditOpen reads an export (JSONL) and writes it back with the sealed
// contents opened ("content"); lines without one pass through. The output
// holds the texts that were sent, in clear.
func auditOpen(secretPath string, in io.Reader, stdout, stderr io.Writer) error {
	if secretPath == "" {
		return errors.New("--secret-key FILE is required (the programme's audit secret key, " + keys.AuditSecretKeyFile + ")")
	}
	sk, err := keys.LoadAuditSecretKey(secretPath)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	opened, failed, line := 0, 0, 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("line %d is not an export record", line)
		}
		var b64 *string
		if raw, ok := rec["sealed_content"]; ok {
			json.Unmarshal(raw, &b64)
		}
		if b64 != nil {
			sealed, err := base64.StdEncoding.DecodeString(*b64)
			var plain []byte
			if err == nil {
				plain, err = sk.Open(sealed)
			}
			switch {
			case errors.Is(err, keys.ErrWrongAuditKey):
				failed++
				rec["content_error"], _ = json.Marshal("sealed to another audit key pair (fingerprint " + keys.SealedFingerprint(sealed) + "; this key is " + sk.Public().Fingerprint() + ")")
			case err != nil:
				failed++
				rec["content_error"], _ = json.Marshal("cannot be opened: damaged or not a sealed value")
			case json.Valid(plain):
				rec["content"] = plain
				opened++
			default:
				rec["content"], _ = json.Marshal(string(plain))
				opened++
			}
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		w.Write(append(b, '\n'))
	}
	if err := sc.Err(); err != nil {
		return err
	}
	w.Flush()
	fmt.Fprintf(stderr, "opened %d sealed texts. The output holds what was sent to her in clear: keep it on this machine and delete it after the review.\n", opened)
	if failed > 0 {
		return fmt.Errorf("%d sealed texts could not be opened with %s", failed, filepath.Base(secretPath))
	}
	return nil
}

// cmdAuditKeypair is `gateway keys audit-keypair --out DIR`.
func cmdAuditKeypair(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys audit-keypair", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory for "+keys.AuditPublicKeyFile+" and "+keys.AuditSecretKeyFile)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out DIR is required")
	}
	pub, sec, err := keys.GenerateAuditKeyPair(*out)
	if err != nil {
		return err
	}
	pk, err := keys.LoadAuditPublicKey(pub)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, `wrote the programme's audit key pair (fingerprint %s), both mode 0600:
  %s   for the server: GATEWAY_AUDIT_PUBLIC_KEY_FILE=%s
  %s   the SECRET key: move it off this machine now (an offline supervisor machine, a safe);
      it opens every sent text in the audit log (gateway audit open --secret-key FILE < export.jsonl)
`, pk.Fingerprint(), pub, pub, sec)
	return nil
}
