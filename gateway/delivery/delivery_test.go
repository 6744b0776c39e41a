package delivery

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"safecontact/channels"
)

// TestReceiptSpillFile: the spill makes its directory (mode 0700) when it
// opens, keeps entries in memory and in its file (mode 0600, ids only),
// lists the waiting ones oldest first, keeps a set aside entry in the file
// and the count, and removes the file when empty.
func TestReceiptSpillFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "gateway")
	sp, err := openReceiptSpill(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("spill directory: %v %v", st, err)
	}
	now := time.Now().UTC()
	a, b := uuid.New(), uuid.New()
	if err := sp.add([]spilled{{MessageID: b, ProviderID: "SMb", At: now.Add(time.Second)}, {MessageID: a, ProviderID: "SMa", At: now}}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, spillFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("spill file: %v %v", st, err)
	}
	if l := sp.list(); len(l) != 2 || l[0].MessageID != a {
		t.Fatalf("list %v, want oldest first", l)
	}
	sp.setAside(a)
	if l := sp.list(); len(l) != 1 || l[0].MessageID != b || sp.size() != 2 {
		t.Fatalf("after set aside: list %v size %d", l, sp.size())
	}
	// A restart reads the file back, the set-aside entry included.
	again, err := openReceiptSpill(dir)
	if err != nil || again.size() != 2 || len(again.list()) != 2 {
		t.Fatalf("reopened: %v %v", again, err)
	}
	if err := sp.remove([]uuid.UUID{a, b}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, spillFile)); !os.IsNotExist(err) {
		t.Fatalf("empty spill left its file: %v", err)
	}
	// Emptying a spill whose file is gone already is no error.
	if err := sp.remove(nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, spillFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openReceiptSpill(dir); err == nil {
		t.Fatal("a damaged spill file was read")
	}
}

// TestSpillGauge: safecontact_receipt_spill_entries counts what the
// worker's spill holds, what a previous process left included.
func TestSpillGauge(t *testing.T) {
	dir := t.TempDir()
	raw, _ := json.Marshal([]spilled{{MessageID: uuid.New(), ProviderID: "SM1", At: time.Now()}})
	if err := os.WriteFile(filepath.Join(dir, spillFile), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s := New(Deps{Reg: reg}, Config{})
	s.NewWorker(map[string]channels.Sender{}, WorkerConfig{SpillDir: dir})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "safecontact_receipt_spill_entries" {
			if v := mf.GetMetric()[0].GetGauge().GetValue(); v != 1 {
				t.Fatalf("gauge %v, want 1", v)
			}
			return
		}
	}
	t.Fatal("no safecontact_receipt_spill_entries gauge")
}

// TestSendErrorClasses: which failures may be retried, and which say the
// provider (not the message) is the problem.
func TestSendErrorClasses(t *testing.T) {
	dial := &net.OpError{Op: "dial", Err: errors.New("refused")}
	cases := []struct {
		name        string
		err         error
		retry, down bool
	}{
		{"5xx", &channels.SendError{HTTPStatus: 503, Retryable: true}, true, true},
		{"429", &channels.SendError{HTTPStatus: 429, Retryable: true}, true, true},
		{"400 refused", &channels.SendError{HTTPStatus: 400}, false, false},
		{"dial failed", &channels.SendError{Retryable: true, Err: dial}, true, true},
		{"timeout after sending", &channels.SendError{Retryable: true, Err: errors.New("deadline")}, false, true},
	}
	for _, c := range cases {
		if got := safeToRetry(c.err); got != c.retry {
			t.Errorf("%s: safeToRetry %v", c.name, got)
		}
		if got := providerDown(c.err); got != c.down {
			t.Errorf("%s: providerDown %v", c.name, got)
		}
	}
}

// TestBackoffs: the worker's retry wait repeats its last step, and
// reconciliation's recheck doubles up to its maximum.
func TestBackoffs(t *testing.T) {
	w := &Worker{cfg: WorkerConfig{Backoff: []time.Duration{time.Second, time.Minute}}}
	if w.backoff(1) != time.Second || w.backoff(2) != time.Minute || w.backoff(9) != time.Minute {
		t.Fatal("worker backoff")
	}
	c := ReconcileConfig{RecheckAfter: 5 * time.Minute, RecheckMax: time.Hour}
	for checks, want := range []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, time.Hour} {
		if got := c.nextCheckIn(int32(checks)); got != want {
			t.Errorf("checks %d: %v, want %v", checks, got, want)
		}
	}
}
