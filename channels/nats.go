// Package channels owns the ways a message leaves the gateway: the channel
// interface, the Twilio SMS / WhatsApp / voice implementations, and the NATS
// JetStream queues and workers between the outbox and the providers.
package channels

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"safecontact/durable"
)

// Stream and subject names. Payloads on these subjects carry a message id
// only: never a phone number or a body.
const (
	StreamContact = "CONTACT"
	StreamDead    = "CONTACT_DEAD"
	SubjectPrefix = "contact."
	SubjectDead   = "contact.dead."
)

// Subject returns the work subject of a channel: "contact.sms" for the
// bulk lane, "contact.sms.priority" for the safety lane (check-ins and
// escalations), which workers serve ahead of bulk reminders.
func Subject(channel string, priority bool) string {
	if priority {
		return SubjectPrefix + channel + ".priority"
	}
	return SubjectPrefix + channel
}

// ChannelNames are the channels with a work queue.
var ChannelNames = []string{"sms", "whatsapp", "voice"}

// Embedded is an in-process NATS server with JetStream, used when no
// NATS_URL is configured and in tests.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts an in-process nats-server with JetStream storing
// under dir. port 0 means no TCP listener (in-process connections only);
// -1 picks a random free port.
func StartEmbedded(dir string, port int) (*Embedded, error) {
	// JetStream syncs what it writes in dir, not the entry naming dir.
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	opts := &server.Options{
		ServerName: "safecontact-embedded",
		Host:       "127.0.0.1",
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Clean(dir),
		NoSigs:     true,
		NoLog:      true,
	}
	if port == 0 {
		opts.DontListen = true
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("embedded nats: not ready after 10s")
	}
	return &Embedded{srv: srv}, nil
}

// Connect opens a client connection to the embedded server.
func (e *Embedded) Connect(name string) (*nats.Conn, error) {
	return nats.Connect(e.srv.ClientURL(), nats.Name(name), nats.InProcessServer(e.srv), nats.MaxReconnects(-1))
}

// ClientURL is the server's URL (meaningful when it listens on TCP).
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// Connect dials an external NATS server or cluster. It keeps reconnecting
// forever: an outage delays messages (they wait in the Postgres outbox), it
// must not end the process.
func Connect(url, name string) (*nats.Conn, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second), nats.RetryOnFailedConnect(true))
	if err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	return nc, nil
}

// publishAckTimeout bounds the wait for a stream's answer to one
// asynchronous publish. Without it a publish sent to a stream leader that
// dies never answers, and the outbox relay waits its whole pass timeout
// before trying again on the new leader (measured on a three-node cluster:
// delivery stalled 10 s after the stream leader was killed). A publish
// that timed out but was stored is dropped as a duplicate when retried
// (Nats-Msg-Id).
const publishAckTimeout = 2 * time.Second

// NewJetStream is the JetStream context every process uses.
func NewJetStream(nc *nats.Conn) (jetstream.JetStream, error) {
	return jetstream.New(nc, jetstream.WithPublishAsyncTimeout(publishAckTimeout))
}

// StreamConfig holds what a deployment may tune.
type StreamConfig struct {
	Replicas int // 1 for a single server, 3 for a cluster
}

// EnsureStreams creates or updates the gateway's streams. It is idempotent
// and safe to run from every process at start.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) error {
	if cfg.Replicas < 1 {
		cfg.Replicas = 1
	}
	streams := []jetstream.StreamConfig{{
		Name:        StreamContact,
		Description: "Outgoing contact work: one message id per entry, per channel subject",
		Subjects:    workSubjects(),
		// Work-queue: an entry is gone once a worker acks it.
		Retention: jetstream.WorkQueuePolicy,
		Storage:   jetstream.FileStorage,
		Replicas:  cfg.Replicas,
		// The outbox publishes with Nats-Msg-Id = the outbox row id; a republish
		// after a crash inside this window is dropped as a duplicate.
		Duplicates: 10 * time.Minute,
	}, {
		Name:        StreamDead,
		Description: "Contact work whose retries are exhausted, kept for inspection",
		Subjects:    []string{"contact.dead.>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		MaxAge:      30 * 24 * time.Hour,
	}, {
		Name:        "SAFETY",
		Description: "Safety escalation events for other systems to subscribe to (codes and ids only)",
		Subjects:    []string{"safety.>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		MaxAge:      90 * 24 * time.Hour,
	}}
	for _, sc := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("nats stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

// Healthy reports whether the connection is up and JetStream answers.
func Healthy(ctx context.Context, nc *nats.Conn, js jetstream.JetStream) error {
	if nc == nil || !nc.IsConnected() {
		return errors.New("nats: not connected")
	}
	if _, err := js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("nats: jetstream: %w", err)
	}
	return nil
}

func workSubjects() []string {
	var out []string
	for _, ch := range ChannelNames {
		out = append(out, Subject(ch, false), Subject(ch, true))
	}
	return out
}
