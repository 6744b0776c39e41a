package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"safecontact/gateway/gatewaytest"
	"sort"
	"strings"
	"testing"
	"time"

	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/message"
	"safecontact/keys"
)

// TestAuditEndToEnd runs the whole pipeline with the sequencer and an
// audit key, goes through every kind of contact, and checks that the log
// has every action, verifies, seals the sent text so that only the
// programme's secret key opens it, and never shows the number or the text.
func TestAuditEndToEnd(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	pub, sec := gatewaytest.AuditKeyPair(t)
	_, otherSec := gatewaytest.AuditKeyPair(t)
	p.Stop() // the worker reads the config: set it while nothing runs
	p.Server.SetAuditPublicKey(pub)
	p.Start()
	seqCtx, stopSeq := context.WithCancel(context.Background())
	seqDone := make(chan struct{})
	sq := p.Server.Audit().NewSequencer()
	sq.Interval = 20 * time.Millisecond
	go func() { defer close(seqDone); sq.Run(seqCtx) }()
	defer func() { stopSeq(); <-seqDone }()

	p.Fake.AutoDeliver("sent", "delivered")
	const body = "Hola, ¿podemos hablar mañana por la mañana?"
	code := p.ConsentingParticipant("+34 612 345 678", false)
	if r := p.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"initials": "M.R.T."}); r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	send := func(ch, text string, want int) string {
		t.Helper()
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": ch, "body": text})
		if r.Status != want {
			t.Fatalf("send %s: %d %s", ch, r.Status, r.Body)
		}
		id, _ := r.JSON(t)["id"].(string)
		return id
	}
	// Delivered.
	delivered := send("sms", body, http.StatusAccepted)
	p.WaitStatus(delivered, "delivered")
	// Refused: no voice consent.
	send("voice", "Te llamamos luego", http.StatusForbidden)
	// Failed: the provider says the number is invalid.
	p.Fake.FailNext(1, 400, 21211)
	p.WaitStatus(send("sms", "Nos vemos pronto, un abrazo", http.StatusAccepted), "failed")
	// Unknown: a worker stopped mid-send; found "sending" again.
	p.Stop()
	unknown := send("whatsapp", "Un saludo desde el centro", http.StatusAccepted)
	if _, err := p.DB.Exec(`UPDATE messages SET status = 'sending', updated_at = now() - interval '1 hour' WHERE id = $1`, unknown); err != nil {
		t.Fatal(err)
	}
	p.Worker.Handle(context.Background(), unknown, 2)
	// Dropped: consent revoked between accept and send.
	dropped := send("sms", "Hasta el martes, un saludo", http.StatusAccepted)
	if r := p.Do(auth.RoleStaff, "DELETE", "/v1/participants/"+code+"/consents/sms", map[string]any{"reason": "she asked for no more SMS"}); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	p.Start()
	p.WaitStatus(dropped, message.StatusDropped)
	p.WaitStatus(unknown, message.StatusUnknown)
	// Users.
	if r := p.Do(auth.RoleAdmin, "POST", "/v1/users", map[string]any{"name": "temp", "role": "staff"}); r.Status != 201 {
		t.Fatalf("add user: %d", r.Status)
	}
	if r := p.Do(auth.RoleAdmin, "POST", "/v1/users/temp/disable", nil); r.Status != 204 {
		t.Fatalf("disable user: %d", r.Status)
	}
	// Reveal, read, export, verify.
	if r := p.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/reveal-phone", map[string]any{"reason": "call-back she requested"}); r.Status != 200 {
		t.Fatalf("reveal: %d %s", r.Status, r.Body)
	}
	if r := p.Do(auth.RoleSupervisor, "GET", "/v1/audit?participant="+code, nil); r.Status != 200 {
		t.Fatalf("read: %d", r.Status)
	}
	if r := p.Do(auth.RoleSupervisor, "GET", "/v1/participants/"+code+"/contact-log", nil); r.Status != 200 {
		t.Fatalf("contact log: %d", r.Status)
	}
	if r := p.Do(auth.RoleSupervisor, "GET", "/v1/audit/export?format=csv", nil); r.Status != 200 {
		t.Fatalf("csv export: %d", r.Status)
	}

	// Wait until the sequencer has sealed everything, then verify.
	var rep *audit.VerifyReport
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var err error
		if rep, err = audit.Verify(context.Background(), p.DB, audit.VerifyOptions{}); err != nil {
			t.Fatal(err)
		} else if rep.Unsealed == 0 {
			break
		}
	}
	if r := p.Do(auth.RoleSupervisor, "GET", "/v1/audit/verify", nil); r.Status != 200 {
		t.Fatalf("verify: %d %s", r.Status, r.Body)
	}
	if !rep.OK || rep.Unsealed != 0 {
		t.Fatalf("chain: %+v", rep)
	}

	// Every action is in the log.
	have := map[string]bool{}
	for _, a := range p.AuditActions() {
		have[a] = true
	}
	var missing []string
	for _, a := range []string{
		"participant.created", "participant.updated", "consent.granted", "consent.revoked",
		"message.accepted", "message.refused", "message.sent", "message.delivered", "message.failed", "message.dropped", "message.unknown",
		"user.added", "user.disabled", "phone.revealed", "audit.read", "audit.exported", "audit.verified",
	} {
		if !have[a] {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		all := make([]string, 0, len(have))
		for a := range have {
			all = append(all, a)
		}
		sort.Strings(all)
		t.Fatalf("missing actions %v; the log has %v", missing, all)
	}

	// The text actually sent is sealed in its message.sent event: the
	// secret key opens it, another key does not, and the server holds no
	// key that could.
	var sealed []byte
	if err := p.DB.QueryRow(`SELECT sealed_content FROM audit_events WHERE action = 'message.sent' AND actor_name = 'system:worker' AND details->>'message_id' = $1`, delivered).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	opened, err := sec.Open(sealed)
	if err != nil {
		t.Fatalf("open with the programme's secret key: %v", err)
	}
	var sc audit.SentContent
	if json.Unmarshal(opened, &sc); sc.Text != body || sc.MessageID != delivered {
		t.Fatalf("sealed content: %s", opened)
	}
	if _, err := otherSec.Open(sealed); !errors.Is(err, keys.ErrWrongAuditKey) {
		t.Fatalf("another key: %v", err)
	}
	if bytes.Contains(sealed, []byte("podemos")) {
		t.Fatal("sealed content holds the text")
	}

	// The final export: complete, verifies offline, opens with the secret
	// key, and holds neither the number nor the text outside the sealed bytes.
	r := p.Do(auth.RoleSupervisor, "GET", "/v1/audit/export?format=jsonl", nil)
	if r.Status != 200 {
		t.Fatalf("export: %d", r.Status)
	}
	if rep, err := audit.VerifyExport(bytes.NewReader(r.Body), audit.VerifyOptions{}, false); err != nil || !rep.OK || rep.Checked == 0 {
		t.Fatalf("offline verify: %+v %v", rep, err)
	}
	csv := p.Do(auth.RoleSupervisor, "GET", "/v1/audit/export?format=csv", nil)
	for _, needle := range []string{"612345678", "612 345 678", "+34612", "podemos hablar", "Nos vemos pronto", "Un saludo desde"} {
		for name, text := range map[string]string{"jsonl export": string(r.Body), "csv export": string(csv.Body), "logs": p.Logs.String()} {
			if strings.Contains(text, needle) {
				t.Errorf("%s contains %q", name, needle)
			}
		}
	}
	var n int
	for _, line := range strings.Split(strings.TrimSpace(string(r.Body)), "\n") {
		var e audit.ExportRecord
		json.Unmarshal([]byte(line), &e)
		if e.Action == "message.sent" && e.ActorName == "system:worker" {
			if _, err := sec.Open(e.SealedContent); err != nil {
				t.Fatalf("exported sealed content: %v", err)
			}
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d message.sent events of the worker in the export", n)
	}
}
