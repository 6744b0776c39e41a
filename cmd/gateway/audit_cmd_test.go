package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/keys"
)

func TestKeysAuditKeypair(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit-keys")
	code, out, stderr := runCmd(t, "keys", "audit-keypair", "--out", dir)
	if code != 0 || !strings.Contains(out, "GATEWAY_AUDIT_PUBLIC_KEY_FILE="+filepath.Join(dir, keys.AuditPublicKeyFile)) || !strings.Contains(out, "SECRET") {
		t.Fatalf("audit-keypair: %d %q %q", code, out, stderr)
	}
	for _, f := range []string{keys.AuditPublicKeyFile, keys.AuditSecretKeyFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", f, st.Mode(), err)
		}
	}
	before, _ := os.ReadFile(filepath.Join(dir, keys.AuditSecretKeyFile))
	if code, _, stderr := runCmd(t, "keys", "audit-keypair", "--out", dir); code != 1 || !strings.Contains(stderr, "refusing to overwrite") {
		t.Fatalf("second audit-keypair: %d %q", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, keys.AuditSecretKeyFile)); !bytes.Equal(before, after) {
		t.Fatal("secret key changed")
	}
	if code, _, stderr := runCmd(t, "keys", "audit-keypair"); code != 1 || !strings.Contains(stderr, "--out") {
		t.Fatalf("no --out: %d %q", code, stderr)
	}
}

func appendCLIEvents(t *testing.T, url string, n int) {
	t.Helper()
	pool, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for i := range n {
		if _, err := audit.Append(context.Background(), db.New(pool), &auth.Actor{Name: "ana", Role: auth.RoleStaff, RequestID: fmt.Sprintf("req-%08d", i)},
			audit.Event{Action: "participant.updated", ParticipantCode: "P-7K3QX", Details: map[string]any{"fields": []string{"language"}}}); err != nil {
			t.Fatal(err)
		}
	}
}

func superExec(t *testing.T, url string, stmts ...string) {
	t.Helper()
	pool, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	conn, _ := pool.Conn(context.Background())
	defer conn.Close()
	conn.ExecContext(context.Background(), "SET session_replication_role = replica")
	for _, s := range stmts {
		if _, err := conn.ExecContext(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditCheckpointAndVerifyCommands(t *testing.T) {
	_, url := dbtest.New(t)
	appendCLIEvents(t, url, 12)
	cpFile := filepath.Join(t.TempDir(), "checkpoint.json")
	code, out, stderr := runCmd(t, "audit", "checkpoint", "--database-url", url, "--out", cpFile)
	if code != 0 {
		t.Fatalf("checkpoint: %d %q %q", code, out, stderr)
	}
	var cp audit.ChainPoint
	if err := json.Unmarshal([]byte(out), &cp); err != nil || cp.Seq != 12 || len(cp.Hash) != 64 || cp.At.IsZero() {
		t.Fatalf("checkpoint output %q: %v", out, err)
	}
	if b, _ := os.ReadFile(cpFile); strings.TrimSpace(string(b)) != strings.TrimSpace(out) {
		t.Fatalf("checkpoint file %q", b)
	}
	if code, _, stderr := runCmd(t, "audit", "checkpoint", "--database-url", url, "--out", cpFile); code != 1 || !strings.Contains(stderr, "refusing to overwrite") {
		t.Fatalf("checkpoint over a file: %d %q", code, stderr)
	}
	appendCLIEvents(t, url, 3)
	code, out, stderr = runCmd(t, "audit", "verify", "--database-url", url, "--checkpoint", cpFile)
	if code != 0 || !strings.Contains(out, "audit log verified") || !strings.Contains(out, "checkpoint seq 12") || !strings.Contains(out, "holds") {
		t.Fatalf("verify: %d %q %q", code, out, stderr)
	}
	// Unsealed events (no sequencer ran since) are reported, not failed.
	if !strings.Contains(out, "not sealed yet") {
		t.Fatalf("unsealed not reported: %q", out)
	}

	// A superuser edits event 4: the verifier names it.
	superExec(t, url, "UPDATE audit_events SET actor_name = 'bob' WHERE seq = 4")
	code, out, stderr = runCmd(t, "audit", "verify", "--database-url", url)
	if code != 1 || !strings.Contains(out, "first bad sequence number 4") || !strings.Contains(stderr, "audit_chain_broken") {
		t.Fatalf("verify after edit: %d %q %q", code, out, stderr)
	}
	// JSON report.
	code, out, _ = runCmd(t, "audit", "verify", "--database-url", url, "--json")
	var rep audit.VerifyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.OK || *rep.FirstBadSeq != 4 {
		t.Fatalf("json: %d %q %v", code, out, err)
	}
	// A checkpoint is refused on a broken log.
	if code, _, stderr := runCmd(t, "audit", "checkpoint", "--database-url", url); code != 1 || !strings.Contains(stderr, "refusing to checkpoint") {
		t.Fatalf("checkpoint of a broken log: %d %q", code, stderr)
	}
	// Every verification was recorded.
	pool, _ := db.Open(context.Background(), url)
	defer pool.Close()
	var n int
	pool.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'audit.verified' AND actor_name = 'system:cli'`).Scan(&n)
	if n != 3 {
		t.Fatalf("%d audit.verified events, want 3", n)
	}
	superExec(t, url, "UPDATE audit_events SET actor_name = 'ana' WHERE seq = 4")
	// Cut from the end: only the checkpoint kept outside shows it.
	superExec(t, url, "DELETE FROM audit_events WHERE seq > 10", "DELETE FROM audit_checkpoints")
	if code, _, _ := runCmd(t, "audit", "verify", "--database-url", url); code != 0 {
		t.Fatal("a cut log with its checkpoints deleted verifies on its own, as expected; got a failure")
	}
	code, out, stderr = runCmd(t, "audit", "verify", "--database-url", url, "--checkpoint", cpFile)
	if code != 1 || !strings.Contains(stderr, "checkpoint_not_found") || !strings.Contains(out, "cut from the end") {
		t.Fatalf("verify cut log against checkpoint: %d %q %q", code, out, stderr)
	}
}

func TestAuditExportVerifyAndOpenCommands(t *testing.T) {
	_, url := dbtest.New(t)
	dir := t.TempDir()
	pubPath, secPath, err := keys.GenerateAuditKeyPair(filepath.Join(dir, "k"))
	if err != nil {
		t.Fatal(err)
	}
	_, otherSec, _ := keys.GenerateAuditKeyPair(filepath.Join(dir, "other"))
	pub, _ := keys.LoadAuditPublicKey(pubPath)
	pool, _ := db.Open(context.Background(), url)
	defer pool.Close()
	sealed, _ := pub.Seal([]byte(`{"message_id":"m1","text":"Hola, ¿nos vemos el martes?"}`))
	if _, err := audit.Append(context.Background(), db.New(pool), auth.SystemActor("worker"), audit.Event{Action: "message.sent", ParticipantCode: "P-7K3QX", Sealed: sealed}); err != nil {
		t.Fatal(err)
	}
	appendCLIEvents(t, url, 2)
	if _, err := audit.SealPending(context.Background(), pool, time.Now()); err != nil {
		t.Fatal(err)
	}
	// export: the whole log, recorded.
	code, out, stderr := runCmd(t, "audit", "export", "--database-url", url)
	if code != 0 || strings.Count(out, "\n") != 4 {
		t.Fatalf("export: %d %q %q", code, out, stderr)
	}
	if !strings.Contains(out, `"action":"audit.exported"`) || strings.Contains(out, "nos vemos") {
		t.Fatalf("export content: %s", out)
	}
	exportFile := filepath.Join(dir, "export.jsonl")
	os.WriteFile(exportFile, []byte(out), 0o600)
	// verify --export: offline, no database.
	code, vout, stderr := runCmd(t, "audit", "verify", "--export", exportFile)
	if code != 0 || !strings.Contains(vout, "export verified: 3 events") {
		t.Fatalf("verify --export: %d %q %q", code, vout, stderr)
	}
	edited := filepath.Join(dir, "edited.jsonl")
	os.WriteFile(edited, []byte(strings.Replace(out, `"actor_name":"ana"`, `"actor_name":"eve"`, 1)), 0o600)
	if code, vout, _ := runCmd(t, "audit", "verify", "--export", edited); code != 1 || !strings.Contains(vout, "first bad sequence number 2") {
		t.Fatalf("verify edited export: %d %q", code, vout)
	}
	// open: the sealed text with the secret key.
	stdin = strings.NewReader(out)
	defer func() { stdin = os.Stdin }()
	code, oout, stderr := runCmd(t, "audit", "open", "--secret-key", secPath)
	if code != 0 || !strings.Contains(oout, `"content":{"message_id":"m1","text":"Hola, ¿nos vemos el martes?"}`) || !strings.Contains(stderr, "opened 1 sealed texts") {
		t.Fatalf("open: %d %q %q", code, oout, stderr)
	}
	if strings.Count(oout, "\n") != 4 {
		t.Fatalf("open dropped lines: %q", oout)
	}
	// Another key pair opens nothing, and says so.
	stdin = strings.NewReader(out)
	code, oout, stderr = runCmd(t, "audit", "open", "--secret-key", otherSec)
	if code != 1 || strings.Contains(oout, "nos vemos") || !strings.Contains(oout, "sealed to another audit key pair") {
		t.Fatalf("open with another key: %d %q %q", code, oout, stderr)
	}
	// The public key is not a secret key.
	stdin = strings.NewReader(out)
	if code, _, _ := runCmd(t, "audit", "open", "--secret-key", pubPath); code != 1 {
		t.Fatal("opened with the public key file")
	}
	_ = base64.StdEncoding
}
