package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/gateway"
	"safecontact/gateway/referrals"
	"safecontact/keys"
	"safecontact/referral"
)

// cliOrg is one organisation's key files and database, for the CLI.
type cliOrg struct {
	dir, keyFile, url string
	flags             []string
}

func newCLIOrg(t *testing.T, name string) cliOrg {
	t.Helper()
	_, url := dbtest.New(t)
	o := cliOrg{dir: t.TempDir(), url: url}
	o.keyFile = filepath.Join(o.dir, "keys.json")
	o.flags = []string{"--key-file", o.keyFile, "--database-url", url}
	for _, args := range [][]string{{"keys", "init", "--key-file", o.keyFile}, {"org", "init", "--key-file", o.keyFile, "--name", name}} {
		if code, _, stderr := runCmd(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
	}
	return o
}

func (o cliOrg) run(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := runCmd(t, append(args, o.flags...)...)
	if code != 0 {
		t.Fatalf("%v: %d %s", args, code, stderr)
	}
	return out
}

// service is the referrals capability over o's database, as the API
// would use it (drafting and deciding have no CLI).
func (o cliOrg) service(t *testing.T) *referrals.Service {
	t.Helper()
	pool, err := db.Open(context.Background(), o.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	ring, err := keys.Load(o.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	org, err := keys.LoadOrg(keys.OrgKeyFileBeside(o.keyFile))
	if err != nil {
		t.Fatal(err)
	}
	srv := gateway.New(gateway.Deps{DB: pool, Keys: ring, Log: slog.New(slog.DiscardHandler), Config: gateway.Config{Org: org}})
	t.Cleanup(srv.Close)
	return srv.Referrals()
}

// TestPartnersAndReferralFiles: two organisations add and verify each
// other with the CLI, and a referral and its receipt travel as files.
func TestPartnersAndReferralFiles(t *testing.T) {
	a, b := newCLIOrg(t, "Fundación Puente"), newCLIOrg(t, "Casa Aurora")
	cards := map[string]string{}
	for name, o := range map[string]cliOrg{"a": a, "b": b} {
		code, out, stderr := runCmd(t, "org", "show", "--key-file", o.keyFile, "--card")
		if code != 0 {
			t.Fatal(stderr)
		}
		cards[name] = filepath.Join(t.TempDir(), name+"-card.json")
		os.WriteFile(cards[name], []byte(out), 0o600)
	}
	idOf := regexp.MustCompile(`partner (\d+) added, NOT verified`)
	fpOf := regexp.MustCompile(`fingerprint: ([0-9 ]+)`)
	for _, x := range []struct {
		o    cliOrg
		card string
	}{{a, cards["b"]}, {b, cards["a"]}} {
		out := x.o.run(t, "partners", "add", x.card)
		m, fp := idOf.FindStringSubmatch(out), fpOf.FindStringSubmatch(out)
		if m == nil || fp == nil {
			t.Fatalf("partners add: %s", out)
		}
		if code, _, stderr := runCmd(t, append([]string{"partners", "verify", m[1], "--fingerprint", "11111 22222 33333 44444 55555 66666 77777 88888"}, x.o.flags...)...); code == 0 || !strings.Contains(stderr, "fingerprint") {
			t.Fatalf("verify with a wrong fingerprint: %d %s", code, stderr)
		}
		if out := x.o.run(t, "partners", "verify", m[1], "--fingerprint", strings.TrimSpace(fp[1])); !strings.Contains(out, "verified") {
			t.Fatal(out)
		}
		if out := x.o.run(t, "partners", "list"); !strings.Contains(out, "verified ") {
			t.Fatalf("list: %s", out)
		}
	}

	ctx := context.Background()
	sa, sb := a.service(t), b.service(t)
	f := map[string]any{
		"schema": referral.SchemaV1, "initials": "MR", "languages": []string{"ro"}, "notice_language": "ro",
		"time_zone": "Europe/Madrid", "safe_windows": []string{}, "monitored": "no", "channels": []string{"sms"},
		"phone": "+34 612 345 678", "needs": []string{"housing"},
		"referral_consent": map[string]any{"agreed": true, "evidence": "signed form R-1"},
		"risk_evaluation":  map[string]any{},
		"safety": map[string]any{"can_coincide": map[string]any{"answer": "yes"}, "protected_witness": map[string]any{"answer": "no"},
			"judicial_process": map[string]any{"answer": "no"}, "lives_with_exploiters": map[string]any{"answer": "no"},
			"recent_threats": map[string]any{"answer": "no"}, "imminent_danger": map[string]any{"answer": "no"}},
	}
	body, _ := json.Marshal(f)
	parts, err := sa.ListPartners(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	d, err := sa.Draft(ctx, referrals.Actor{Name: "ana"}, parts[0].ID, body)
	if err != nil {
		t.Fatal(err)
	}
	pkgFile := filepath.Join(t.TempDir(), "ref.scref")
	if out := a.run(t, "referral", "export", itoa(d.Referral.ID), "--out", pkgFile); !strings.Contains(out, "Casa Aurora") {
		t.Fatal(out)
	}
	out := b.run(t, "referral", "import", pkgFile)
	m := regexp.MustCompile(`referral (\d+) imported from Fundación Puente`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal(out)
	}
	if code, _, stderr := runCmd(t, append([]string{"referral", "import", pkgFile}, b.flags...)...); code == 0 || !strings.Contains(stderr, referral.CodeReplayed) {
		t.Fatalf("import twice: %d %s", code, stderr)
	}
	if _, err := sb.Decide(ctx, referrals.Actor{Name: "bea"}, atoi(t, m[1]), referrals.Decision{Outcome: referral.Declined, Reason: "No places until next month."}); err != nil {
		t.Fatal(err)
	}
	rcFile := filepath.Join(t.TempDir(), "receipt.scref")
	b.run(t, "referral", "export", m[1], "--receipt", "--out", rcFile)
	if out := a.run(t, "referral", "import", rcFile); !strings.Contains(out, "is declined") {
		t.Fatal(out)
	}

	if out := a.run(t, "partners", "remove", itoa(parts[0].ID)); !strings.Contains(out, "removed") {
		t.Fatal(out)
	}
	if out := a.run(t, "partners", "list", "--removed"); !strings.Contains(out, "removed ") {
		t.Fatal(out)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
