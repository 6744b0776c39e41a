package channels

import (
	"safecontact/consent"

	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// herMasked is her number as the sink keeps it: masked, never in clear.
var herMasked = consent.MaskPhone(herNumber)

func TestSinkMemory(t *testing.T) {
	s := NewSink("")
	ctx := context.Background()
	var _ Sender = s
	rc, err := s.Send(ctx, Outgoing{MessageID: "m1", Channel: "sms", To: herNumber, Body: "Reminder: Tuesday 10:00", StatusCallback: callbackURL})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rc.ProviderID, "DEV") || len(rc.ProviderID) != 35 || rc.Status != SinkStatus {
		t.Fatalf("receipt %+v", rc)
	}
	rc2, err := s.Send(ctx, Outgoing{MessageID: "m2", Channel: "whatsapp", To: herNumber, ContentSID: testContent,
		ContentVariables: map[string]string{"1": "Tuesday"}, Body: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if rc2.ProviderID == rc.ProviderID {
		t.Fatal("provider ids repeat")
	}
	got := s.Recent()
	if len(got) != 2 || got[0].MessageID != "m1" || got[0].To != herMasked || got[0].Body != "Reminder: Tuesday 10:00" ||
		got[0].Channel != "sms" || got[0].ProviderID != rc.ProviderID || got[0].Status != SinkStatus || got[0].At.IsZero() {
		t.Fatalf("recent[0] = %+v", got[0])
	}
	if got[1].Body != "" || got[1].ContentSID != testContent || got[1].ContentVariables["1"] != "Tuesday" {
		t.Fatalf("recent[1] = %+v", got[1])
	}
	got[1].ContentVariables["1"] = "changed" // a copy
	if s.Recent()[1].ContentVariables["1"] != "Tuesday" {
		t.Fatal("Recent shares maps")
	}

	// Same validation as the Twilio sender.
	for _, bad := range []Outgoing{
		{Channel: "sms", To: "0770", Body: "x"},
		{Channel: "voice", To: herNumber, Body: "x"},
		{Channel: "sms", To: herNumber},
	} {
		_, err := s.Send(ctx, bad)
		var se *SendError
		if !errors.As(err, &se) || se.Retryable {
			t.Fatalf("%+v: %v", bad, err)
		}
		assertNoNumber(t, err)
	}

	// Parity with the Twilio sender's message operations.
	if st, err := s.FetchMessageStatus(ctx, rc.ProviderID); err != nil || st != SinkStatus {
		t.Fatalf("fetch %q %v", st, err)
	}
	if err := s.RedactMessage(ctx, rc.ProviderID); err != nil || s.Recent()[0].Body != "" {
		t.Fatalf("redact: %v", err)
	}
	if err := s.DeleteMessage(ctx, rc.ProviderID); err != nil || len(s.Recent()) != 1 {
		t.Fatalf("delete: %v", err)
	}
	var se *SendError
	if _, err := s.FetchMessageStatus(ctx, rc.ProviderID); !errors.As(err, &se) || se.Code != "not_found" {
		t.Fatalf("fetch deleted: %v", err)
	}
}

func TestSinkKeepsLastN(t *testing.T) {
	s := NewSink("")
	for i := 0; i < SinkKeep+5; i++ {
		if _, err := s.Send(context.Background(), Outgoing{MessageID: fmt.Sprint(i), Channel: "sms", To: herNumber, Body: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	got := s.Recent()
	if len(got) != SinkKeep || got[0].MessageID != "5" || got[SinkKeep-1].MessageID != fmt.Sprint(SinkKeep+4) {
		t.Fatalf("kept %d, first %s, last %s", len(got), got[0].MessageID, got[len(got)-1].MessageID)
	}
}

func TestSinkFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dev-sink")
	s := NewSink(dir)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := s.Send(context.Background(), Outgoing{MessageID: fmt.Sprint(i), Channel: "sms", To: herNumber, Body: "line\nwith newline"}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	path := filepath.Join(dir, SinkFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("outbox mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, want 0700", di.Mode().Perm())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e SinkEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if e.To != herMasked || e.Body != "line\nwith newline" || !strings.HasPrefix(e.ProviderID, "DEV") {
			t.Fatalf("entry %+v", e)
		}
		seen[e.MessageID] = true
	}
	if len(seen) != 50 {
		t.Fatalf("%d distinct lines, want 50", len(seen))
	}

	// A file left with a wider mode is tightened on the next write.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), Outgoing{Channel: "sms", To: herNumber, Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode not restored: %v", fi.Mode().Perm())
	}
}

func TestSinkUnwritableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := NewSink(filepath.Join(file, "sub"))
	_, err := s.Send(context.Background(), Outgoing{Channel: "sms", To: herNumber, Body: "x"})
	var se *SendError
	if !errors.As(err, &se) || se.Code != "sink_unavailable" || !se.Retryable {
		t.Fatalf("got %v", err)
	}
	if len(s.Recent()) != 0 {
		t.Fatal("kept an entry that was not written")
	}
	assertNoNumber(t, err)
}
