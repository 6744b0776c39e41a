package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"safecontact/keys"
)

func TestOrgInitShowCard(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys.json")
	code, out, stderr := runCmd(t, "org", "init", "--key-file", keyFile, "--name", "Fundación Puente")
	orgFile := filepath.Join(dir, keys.OrgKeyFileName)
	if code != 0 || !strings.Contains(out, "wrote "+orgFile) {
		t.Fatalf("org init: %d %q %q", code, out, stderr)
	}
	before, _ := os.ReadFile(orgFile)
	if code, _, stderr := runCmd(t, "org", "init", "--key-file", keyFile); code != 1 || !strings.Contains(stderr, "refusing to overwrite") {
		t.Fatalf("second org init: %d %q", code, stderr)
	}
	if after, _ := os.ReadFile(orgFile); !bytes.Equal(before, after) {
		t.Fatal("org key file changed")
	}

	o, err := keys.LoadOrg(orgFile)
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "org", "show", "--org-key-file", orgFile)
	fp := strings.Fields(o.Public().Fingerprint())
	for _, want := range []string{"Fundación Puente", o.KeyID().String(), strings.Join(fp[:4], " "), strings.Join(fp[4:], " "), "sealing key (X25519)", "signing key (Ed25519)"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("org show lacks %q: %d %q", want, code, out)
		}
	}
	if regexp.MustCompile(`(?i)secret|seed`).MatchString(out) {
		t.Fatalf("org show mentions a secret: %q", out)
	}

	code, out, stderr = runCmd(t, "org", "show", "--key-file", keyFile, "--card", "--inbox-url", "https://gw.puente.example/v1/referrals/inbox")
	if code != 0 {
		t.Fatalf("org show --card: %d %q", code, stderr)
	}
	pc, err := keys.ParsePartnerCard([]byte(out))
	if err != nil || !pc.Public.Equal(o.Public()) || pc.InboxURL != "https://gw.puente.example/v1/referrals/inbox" || pc.Name != "Fundación Puente" {
		t.Fatalf("card: %v %+v", err, pc)
	}
	secret, _ := os.ReadFile(orgFile)
	for _, line := range strings.Split(string(secret), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && (strings.Contains(k, "secret") || strings.Contains(k, "seed")) {
			if strings.Contains(out, strings.Trim(strings.TrimSpace(v), `",`)) {
				t.Fatal("the card holds a secret")
			}
		}
	}
	if pc.Issued.IsZero() || time.Since(pc.Issued) > time.Minute || time.Since(pc.Issued) < -time.Second {
		t.Fatalf("card issued %v, want now", pc.Issued)
	}
	if code, _, stderr := runCmd(t, "org", "show", "--org-key-file", filepath.Join(dir, "none.json")); code != 1 || !strings.Contains(stderr, "gateway org init") {
		t.Fatalf("show without a file: %d %q", code, stderr)
	}
}

// Flags that would do nothing are errors, not silently ignored.
func TestOrgRefusesFlagsThatDoNothing(t *testing.T) {
	dir := t.TempDir()
	orgFile := filepath.Join(dir, keys.OrgKeyFileName)
	if code, _, stderr := runCmd(t, "org", "init", "--org-key-file", orgFile, "--name", "Puente"); code != 0 {
		t.Fatalf("org init: %q", stderr)
	}
	before, _ := os.ReadFile(orgFile)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"org", "show", "--org-key-file", orgFile, "--inbox-url", "https://gw.puente.example/v1/referrals/inbox"}, "use it with --card"},
		{[]string{"org", "show", "--org-key-file", orgFile, "--name", "Other"}, "does not take --name"},
		{[]string{"org", "show", "--org-key-file", orgFile, "--card", "--name", "Other"}, "does not take --name"},
		{[]string{"org", "init", "--org-key-file", filepath.Join(dir, "o2.json"), "--card"}, "does not take --card"},
		{[]string{"org", "init", "--org-key-file", filepath.Join(dir, "o2.json"), "--inbox-url", "https://x.example/inbox"}, "does not take --card or --inbox-url"},
		{[]string{"org", "show", "--org-key-file", orgFile, "extra"}, "takes no arguments"},
		{[]string{"org", "show", "--org-key-file", orgFile, "--card", "--inbox-url", "http://gw.puente.example/inbox"}, "invalid_inbox_url"},
	}
	for _, tc := range tests {
		code, out, stderr := runCmd(t, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tc.args, code, out, stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "o2.json")); err == nil {
		t.Error("org init with a refused flag wrote a file")
	}
	if after, _ := os.ReadFile(orgFile); !bytes.Equal(before, after) {
		t.Error("the org key file changed")
	}
}
