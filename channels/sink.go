package channels

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"safecontact/consent"
)

// SinkKeep is how many sent messages the dev sink keeps in memory.
const SinkKeep = 1000

// SinkStatus is the status the sink reports: nothing left the machine,
// so it never says "delivered" (or even "sent"). StatusRank places it
// after sent, as final.
const SinkStatus = "sent_to_sink"

// SinkEntry is one message the sink "sent". It keeps the text (the point
// of a test instance is to see it) but only the masked number: a sink
// run by mistake on real data must not leave numbers in clear on disk.
type SinkEntry struct {
	At               time.Time         `json:"at"`
	MessageID        string            `json:"message_id"`
	ProviderID       string            `json:"provider_id"`
	Channel          string            `json:"channel"`
	To               string            `json:"to"`
	Body             string            `json:"body,omitempty"`
	ContentSID       string            `json:"content_sid,omitempty"`
	ContentVariables map[string]string `json:"content_variables,omitempty"`
	StatusCallback   string            `json:"status_callback,omitempty"`
	Status           string            `json:"status"`
}

// Sink is the Sender of a test instance (serve --sink, gateway dev): it
// accepts what Twilio would accept (same validation), answers
// Receipt{ProviderID: "DEV…", Status: SinkStatus}, keeps the last
// SinkKeep entries in memory and, with a directory, appends each entry to
// dir/outbox.jsonl (mode 0600). It never logs. Safe for concurrent use.
type Sink struct {
	dir string

	mu   sync.Mutex
	ring []SinkEntry
	pos  int // next slot once the ring is full
}

// NewSink makes a sink; dir "" keeps entries in memory only.
func NewSink(dir string) *Sink {
	return &Sink{dir: dir, ring: make([]SinkEntry, 0, 64)}
}

// SinkFile is the outbox file name under the sink's directory.
const SinkFile = "outbox.jsonl"

// Send records m. Validation errors are the same *SendError Twilio's
// sender returns; a file that cannot be written is "sink_unavailable".
func (s *Sink) Send(ctx context.Context, m Outgoing) (Receipt, error) {
	if err := ctx.Err(); err != nil {
		return Receipt{}, &SendError{Code: "provider_unreachable", Retryable: true, Err: err}
	}
	if se := validateForSink(m); se != nil {
		return Receipt{}, se
	}
	e := SinkEntry{
		At: time.Now().UTC(), MessageID: m.MessageID, ProviderID: "DEV" + randomHex(16),
		Channel: m.Channel, To: consent.MaskPhone(m.To), Body: m.Body, ContentSID: m.ContentSID,
		ContentVariables: cloneVars(m.ContentVariables), StatusCallback: m.StatusCallback, Status: SinkStatus,
	}
	if m.ContentSID != "" {
		e.Body = "" // a template message has no free text, as at Twilio
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir != "" {
		if err := s.appendFile(e); err != nil {
			return Receipt{}, &SendError{Code: "sink_unavailable", Retryable: true, Err: err}
		}
	}
	if len(s.ring) < SinkKeep {
		s.ring = append(s.ring, e)
	} else {
		s.ring[s.pos] = e
		s.pos = (s.pos + 1) % SinkKeep
	}
	return Receipt{ProviderID: e.ProviderID, Status: e.Status}, nil
}

// validateForSink applies the Twilio sender's checks, with a sender that
// has every channel configured.
func validateForSink(m Outgoing) *SendError {
	t := &Twilio{cfg: TwilioConfig{From: "+15005550006"}, whatsappFrom: "whatsapp:+15005550006"}
	_, se := t.params(m)
	return se
}

// appendFile writes one JSON line. s.mu held, so lines never interleave.
func (s *Sink) appendFile(e SinkEntry) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return errors.New("dev sink: cannot create its directory")
	}
	f, err := os.OpenFile(filepath.Join(s.dir, SinkFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return errors.New("dev sink: cannot open " + SinkFile)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			return errors.New("dev sink: cannot restrict " + SinkFile + " to mode 0600")
		}
	}
	b, err := json.Marshal(e)
	if err != nil {
		return errors.New("dev sink: cannot encode entry")
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return errors.New("dev sink: cannot write " + SinkFile)
	}
	return nil
}

// Recent returns the kept entries, oldest first (copies).
func (s *Sink) Recent() []SinkEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SinkEntry, 0, len(s.ring))
	if len(s.ring) == SinkKeep {
		out = append(out, s.ring[s.pos:]...)
		out = append(out, s.ring[:s.pos]...)
	} else {
		out = append(out, s.ring...)
	}
	kept := out[:0]
	for _, e := range out {
		if e.ProviderID == "" { // deleted
			continue
		}
		e.ContentVariables = cloneVars(e.ContentVariables)
		kept = append(kept, e)
	}
	return kept
}

// FetchMessageStatus mirrors Twilio.FetchMessageStatus for kept entries.
func (s *Sink) FetchMessageStatus(_ context.Context, sid string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.find(sid); i >= 0 {
		return s.ring[i].Status, nil
	}
	return "", &SendError{Code: "not_found", Err: errors.New("dev sink: no such message")}
}

// RedactMessage blanks the body of a kept entry (in memory; lines already
// in outbox.jsonl stay: the file is a developer's record of test data).
func (s *Sink) RedactMessage(_ context.Context, sid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.find(sid); i >= 0 {
		s.ring[i].Body = ""
		s.ring[i].ContentVariables = nil
		return nil
	}
	return &SendError{Code: "not_found", Err: errors.New("dev sink: no such message")}
}

// DeleteMessage forgets a kept entry (in memory).
func (s *Sink) DeleteMessage(_ context.Context, sid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.find(sid); i >= 0 {
		s.ring[i] = SinkEntry{}
		return nil
	}
	return &SendError{Code: "not_found", Err: errors.New("dev sink: no such message")}
}

func (s *Sink) find(sid string) int {
	if sid == "" {
		return -1
	}
	for i := range s.ring {
		if s.ring[i].ProviderID == sid {
			return i
		}
	}
	return -1
}

func cloneVars(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b)
}
