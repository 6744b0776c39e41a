package faults

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestFaultsShort runs every experiment for a few seconds at a low rate
// and checks what must hold whatever the fault: nothing accepted is lost
// (missing from the database, or never sent without a status saying
// why), nothing is sent twice, no status moves backwards, and the audit
// chain verifies. The other figures (stuck, unknown, resume) are logged:
// what reconciliation settles takes it a minute (unknown) or ten (sent),
// longer than a CI run should wait; the 60 s table in docs/benchmarks.md
// records them.
func TestFaultsShort(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the fault runs take about a minute")
	}
	if _, err := pgBinary("initdb"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("no PostgreSQL server binaries for a private cluster:", err)
	}
	cfg := Short()
	cfg.Log = testWriter{t}
	ctx := context.Background()
	s, err := NewSuite(ctx, cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var table strings.Builder
	TableHeader(&table)
	for _, name := range Experiments {
		t.Run(name, func(t *testing.T) {
			r, err := s.Run(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			r.Row(&table)
			var d strings.Builder
			r.Details(&d)
			t.Log(d.String())
			if r.Stats.Accepted == 0 {
				t.Errorf("nothing accepted")
			}
			if r.Lost != 0 || r.Missing != 0 {
				t.Errorf("lost %d (missing from the database %d)", r.Lost, r.Missing)
			}
			if r.Duplicates != 0 {
				t.Errorf("sent twice: %d", r.Duplicates)
			}
			if r.Backwards != 0 {
				t.Errorf("statuses moved backwards: %d %v", r.Backwards, r.Kinds)
			}
			if !r.AuditOK {
				t.Errorf("audit verify: %s", r.AuditOut)
			}
		})
	}
	t.Log("\n" + table.String())
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
