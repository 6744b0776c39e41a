package delivery_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/channels/twiliotest"
	"safecontact/db/dbtest"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
)

// stopAfterSend sends through the real client, then stops the database
// before the worker records the answer: a PostgreSQL restart between a
// send and its record.
type stopAfterSend struct {
	tw   channels.Sender
	stop func()
}

func (s *stopAfterSend) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	rc, err := s.tw.Send(ctx, m)
	s.stop()
	return rc, err
}

// TestAcceptedSendRecordedAfterDatabaseOutage: the provider accepted the
// message, the database is down when the worker records it. The receipt is
// spilled (file 0600, ids only), the process stops, and the next worker
// records it at start: sent with its provider id, never unknown, sent once.
func TestAcceptedSendRecordedAfterDatabaseOutage(t *testing.T) {
	cluster, pool, url := dbtest.NewCluster(t)
	fake := twiliotest.New(t, "testauthtoken0123456789abcdef000")
	t.Cleanup(fake.Close)
	e := gatewaytest.New(t, gatewaytest.WithDatabase(pool, url))
	e.Clock.UseRealTime()
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 000 777"
	b["any_time"] = true
	b["safe_windows"] = []string{}
	code := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"})
	if r.Status != 202 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	tw, err := channels.NewTwilio(channels.TwilioConfig{AccountSID: fake.AccountSID(), AuthToken: fake.AuthToken(), APIBaseURL: fake.URL(), From: "+15005550006"})
	if err != nil {
		t.Fatal(err)
	}
	// A data directory not made yet: the worker makes it at start.
	dir := filepath.Join(t.TempDir(), "data")
	w := e.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": &stopAfterSend{tw: tw, stop: cluster.Stop}}, gateway.WorkerConfig{SpillDir: dir})
	if out := w.Handle(context.Background(), id, 1); out != channels.Done {
		t.Fatalf("outcome %v, want done (the receipt is spilled, not the send retried)", out)
	}
	spill := filepath.Join(dir, "receipts.spill")
	st, err := os.Stat(spill)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("spill file: %v %v", st, err)
	}
	raw, _ := os.ReadFile(spill)
	if !strings.Contains(string(raw), id) || !strings.Contains(string(raw), `"provider_id":"SM`) ||
		strings.Contains(string(raw), "612") || strings.Contains(string(raw), "saludo") {
		t.Fatalf("spill holds more or less than ids: %s", raw)
	}
	// The process stops; the database comes back; the next worker
	// replays the spill at start.
	cluster.Start()
	w2 := e.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": tw}, gateway.WorkerConfig{SpillDir: dir})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w2.ReplaySpill(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		m := e.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil)
		if m.Status == 200 && m.JSON(t)["status"] == message.StatusSent {
			if h := gatewaytest.HistoryOf(m.JSON(t)); h != "queued,sending,sent" {
				t.Fatalf("history %s", h)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spilled receipt never recorded: %d %s", m.Status, m.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var pid string
	if err := pool.QueryRow("SELECT provider_id FROM messages WHERE id = $1", id).Scan(&pid); err != nil || !strings.HasPrefix(pid, "SM") {
		t.Fatalf("provider id %q %v", pid, err)
	}
	for time.Now().Before(deadline) {
		if _, err := os.Stat(spill); os.IsNotExist(err) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(spill); !os.IsNotExist(err) {
		t.Fatalf("spill file left after replay: %v", err)
	}
	if n := fake.Created(); n != 1 {
		t.Fatalf("created %d times", n)
	}
}

// TestSpillReplayPerEntry: one spilled receipt the database refuses for
// good (its provider id is already recorded for another message) is set
// aside; the others are recorded.
func TestSpillReplayPerEntry(t *testing.T) {
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	code := p.ConsentingParticipant("+34 612 000 996", false)
	var ids []uuid.UUID
	for range 3 {
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola"})
		ids = append(ids, uuid.MustParse(r.JSON(t)["id"].(string)))
	}
	if _, err := p.DB.Exec(`UPDATE messages SET status = 'sending'`); err != nil {
		t.Fatal(err)
	}
	// ids[0] already holds the provider id the bad entry carries.
	if _, err := p.DB.Exec(`UPDATE messages SET status = 'sent', provider_id = 'SMtaken' WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	// A spill file left by a previous process; the next worker replays it
	// at start.
	dir := t.TempDir()
	now := time.Now()
	left, _ := json.Marshal([]map[string]any{
		{"message_id": ids[1], "provider_id": "SMtaken", "provider_status": "queued", "at": now},
		{"message_id": ids[2], "provider_id": "SMgood", "provider_status": "queued", "at": now.Add(time.Millisecond)},
	})
	spill := filepath.Join(dir, "receipts.spill")
	if err := os.WriteFile(spill, left, 0o600); err != nil {
		t.Fatal(err)
	}
	w := p.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": p.Twilio()}, gateway.WorkerConfig{SpillDir: dir, SpillRetry: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.ReplaySpill(ctx) }()
	var st string
	for deadline := time.Now().Add(10 * time.Second); ; {
		if err := p.DB.QueryRow(`SELECT status FROM messages WHERE id = $1`, ids[2]).Scan(&st); err != nil {
			t.Fatal(err)
		}
		if st == message.StatusSent || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if st != message.StatusSent {
		t.Fatalf("good entry: %q", st)
	}
	// The refused entry stays in the file for a person to look at; the
	// recorded one is gone. (The gauge over what the spill holds is
	// tested in gateway/delivery.)
	raw, err := os.ReadFile(spill)
	if err != nil || !strings.Contains(string(raw), ids[1].String()) || strings.Contains(string(raw), ids[2].String()) {
		t.Fatalf("spill file after replay: %s %v", raw, err)
	}
	if err := p.DB.QueryRow(`SELECT status FROM messages WHERE id = $1`, ids[1]).Scan(&st); err != nil || st != message.StatusSending {
		t.Fatalf("refused entry's message: %q %v", st, err)
	}
}
