package channels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// errNoHeartbeat: a pull saw no message and no heartbeat for two
// heartbeat intervals (on a cluster, the consumer leader that held the
// request is gone).
var errNoHeartbeat = errors.New("pull: no heartbeat")

// pullOnce sends one pull request for up to n entries of a durable
// consumer and hands each entry that arrives to arrived, until the server
// ends the request (n delivered, expired, or a status such as a deleted
// consumer), two heartbeats are missed, or ctx ends. It returns how many
// entries arrived; arrived is never called after it returns.
//
// The library's Fetch cannot end a pull safely before the server does: on
// ctx it stops reading and unsubscribes, while the server goes on
// delivering to the request until it has processed that unsubscribe, so
// an entry published meanwhile (by anyone: the stream is shared) is
// dropped by the client and waits out the ack wait; the unsubscribe is
// even sent after the Fetch has reported its end, so the process that
// stopped cannot tell when its pull is gone. Here a pull the server has
// not ended is drained instead: the server is told to forget it, and
// whatever it delivered before that still reaches arrived (a stopping
// process gives it back at once, see ConsumeBatch). On a single server
// the drain completes only after the server has processed the
// unsubscribe, so nothing is lost. On a cluster the consumer leader may
// be another server: an entry it sent before the unsubscribe reached it
// (a window of about one hop) can still arrive after the drain, be
// dropped, and wait out the ack wait.
func pullOnce(ctx context.Context, nc *nats.Conn, subject string, n int, arrived func(jetstream.Msg)) (int, error) {
	var (
		mu      sync.Mutex
		got     int
		ended   = make(chan struct{})
		endErr  error
		stopped bool // pullOnce has returned: arrived is not called
	)
	endLocked := func(err error) {
		select {
		case <-ended:
		default:
			endErr = err
			close(ended)
		}
	}
	beat := make(chan struct{}, 1)
	closed := make(chan struct{})
	sub, err := nc.Subscribe(nc.NewInbox(), func(m *nats.Msg) {
		select {
		case beat <- struct{}{}:
		default:
		}
		if status := m.Header.Get("Status"); status != "" && m.Reply == "" {
			mu.Lock()
			defer mu.Unlock()
			switch status {
			case "100": // idle heartbeat
			case "404", "408": // nothing to deliver, or expired: ended
				endLocked(nil)
			default: // 409 consumer deleted, leadership change, …
				endLocked(fmt.Errorf("pull: %s %s", status, m.Header.Get("Description")))
			}
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		got++
		if got >= n {
			endLocked(nil)
		}
		arrived(&pulledMsg{m: m, nc: nc})
	})
	if err != nil {
		return 0, err
	}
	// Called once the subscription's callbacks have all returned.
	sub.SetClosedHandler(func(string) { close(closed) })
	req, err := json.Marshal(struct {
		Batch     int           `json:"batch"`
		Expires   time.Duration `json:"expires"`
		Heartbeat time.Duration `json:"idle_heartbeat"`
	}{n, pullExpiry, pullHeartbeat})
	if err == nil {
		// A pull asked for after ctx has ended would only be drained at once.
		err = ctx.Err()
	}
	if err == nil {
		err = nc.PublishRequest(subject, sub.Subject, req)
	}
	if err != nil {
		// Nothing was asked for: nothing can arrive.
		sub.Unsubscribe()
		mu.Lock()
		stopped = true
		mu.Unlock()
		return 0, err
	}
	hb := time.NewTimer(2 * pullHeartbeat)
	defer hb.Stop()
	// A backstop should the server's end of the request never come.
	expiry := time.NewTimer(pullExpiry + 2*pullHeartbeat)
	defer expiry.Stop()
	var drainErr error
	for done := false; !done; {
		select {
		case <-ended:
			// The server has forgotten the request: nothing more comes.
			sub.Unsubscribe()
			done = true
			continue
		case <-beat:
			hb.Reset(2 * pullHeartbeat)
			continue
		case <-hb.C:
			drainErr = errNoHeartbeat
		case <-expiry.C:
			drainErr = errNoHeartbeat
		case <-ctx.Done():
		}
		switch {
		case drainErr != nil:
			// The server that held the request is presumed gone (as the
			// library presumes on missed heartbeats): nothing is waited for.
			sub.Unsubscribe()
		case nc.IsConnected():
			// The server may still hold the request: drain, so that it
			// forgets it and what it sent before still arrives.
			if sub.Drain() != nil {
				sub.Unsubscribe()
			}
		default:
			// Reconnecting (or closed): a drain sends no unsubscribe now,
			// the subscription would be sent again on reconnect and only
			// removed on our side, and the drain would wait for the
			// reconnect (up to 10 s). A plain unsubscribe removes it at
			// once, so it is not sent again; the server dropped it with
			// the old connection, and a request nobody listens to is
			// discarded.
			sub.Unsubscribe()
		}
		done = true
	}
	// The closed handler runs once the last callback has returned; should
	// the connection have closed before the handler was set, it never
	// runs, and stopped keeps a late callback from arriving.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case <-closed:
			waiting = false
		case <-tick.C:
			waiting = !nc.IsClosed()
		}
	}
	mu.Lock()
	defer mu.Unlock()
	stopped = true
	if endErr == nil && drainErr != nil {
		select {
		case <-ended: // ended by the server while draining
		default:
			endErr = drainErr
		}
	}
	return got, endErr
}

// pulledMsg is an entry from pullOnce as a jetstream.Msg; its
// acknowledgements are published on the connection it came on, to its
// reply subject, as the jetstream library does.
type pulledMsg struct {
	m    *nats.Msg
	nc   *nats.Conn
	ackd atomic.Bool
}

func (p *pulledMsg) Metadata() (*jetstream.MsgMetadata, error) {
	md, err := p.m.Metadata()
	if err != nil {
		return nil, err
	}
	return &jetstream.MsgMetadata{
		Sequence:     jetstream.SequencePair{Consumer: md.Sequence.Consumer, Stream: md.Sequence.Stream},
		NumDelivered: md.NumDelivered,
		NumPending:   md.NumPending,
		Timestamp:    md.Timestamp,
		Stream:       md.Stream,
		Consumer:     md.Consumer,
		Domain:       md.Domain,
	}, nil
}

func (p *pulledMsg) Data() []byte         { return p.m.Data }
func (p *pulledMsg) Headers() nats.Header { return p.m.Header }
func (p *pulledMsg) Subject() string      { return p.m.Subject }
func (p *pulledMsg) Reply() string        { return p.m.Reply }
func (p *pulledMsg) Ack() error           { return p.ack("+ACK", true) }
func (p *pulledMsg) Nak() error           { return p.ack("-NAK", true) }
func (p *pulledMsg) InProgress() error    { return p.ack("+WPI", false) }
func (p *pulledMsg) Term() error          { return p.ack("+TERM", true) }
func (p *pulledMsg) TermWithReason(r string) error {
	return p.ack("+TERM "+r, true)
}

func (p *pulledMsg) NakWithDelay(d time.Duration) error {
	if d <= 0 {
		return p.Nak()
	}
	return p.ack(fmt.Sprintf(`-NAK {"delay": %d}`, d.Nanoseconds()), true)
}

// DoubleAck acknowledges and waits for the server to confirm.
func (p *pulledMsg) DoubleAck(ctx context.Context) error {
	if p.ackd.Load() {
		return jetstream.ErrMsgAlreadyAckd
	}
	if _, err := p.nc.RequestWithContext(ctx, p.m.Reply, []byte("+ACK")); err != nil {
		return err
	}
	p.ackd.Store(true)
	return nil
}

// ack publishes body to the entry's reply subject; final ones (all but
// in-progress) may be sent once.
func (p *pulledMsg) ack(body string, final bool) error {
	if p.ackd.Load() {
		return jetstream.ErrMsgAlreadyAckd
	}
	if p.m.Reply == "" {
		return jetstream.ErrMsgNoReply
	}
	if err := p.nc.Publish(p.m.Reply, []byte(body)); err != nil {
		return err
	}
	if final {
		p.ackd.Store(true)
	}
	return nil
}
