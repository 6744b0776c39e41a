package channels

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A pull stopped while NATS is reconnecting returns at once, and once the
// connection is back the server holds no subscription for it: a drain
// would send no unsubscribe during the outage, have the subscription sent
// again on reconnect, and wait for the reconnect (up to 10 s).
func TestPullStoppedDuringOutageLeavesNoSubscription(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := &server.Options{Host: "127.0.0.1", Port: port, NoSigs: true, NoLog: true}
	start := func() *server.Server {
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		go s.Start()
		if !s.ReadyForConnections(5 * time.Second) {
			t.Fatal("server not ready")
		}
		return s
	}
	s := start()
	nc, err := nats.Connect(s.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// A listener that never answers: the pull is neither refused (no
	// responders) nor ended, and waits until ctx ends.
	const subject = "$JS.API.CONSUMER.MSG.NEXT.S.C"
	if _, err := nc.Subscribe(subject, func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan time.Time, 1)
	go func() {
		pullOnce(ctx, nc, subject, 1, func(jetstream.Msg) {})
		returned <- time.Now()
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case <-returned:
		t.Fatal("pull ended before the outage")
	default:
	}
	s.Shutdown()
	s.WaitForShutdown()
	time.Sleep(200 * time.Millisecond) // less than two heartbeats
	if nc.IsConnected() {
		t.Fatal("still connected after the server stopped")
	}
	stopped := time.Now()
	cancel()
	back := false
	select {
	case <-returned:
		back = true
	case <-time.After(time.Second):
		t.Error("pull did not return within 1 s of ctx ending during the outage")
	}
	s = start()
	defer s.Shutdown()
	if !back {
		select {
		case at := <-returned:
			t.Logf("pull returned %v after ctx ended, once reconnected", at.Sub(stopped))
		case <-time.After(5 * time.Second):
			t.Fatal("pull did not return within 5 s of the reconnect")
		}
	}
	waitFor(t, 5*time.Second, "reconnected", nc.IsConnected)
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	cz, err := s.Connz(&server.ConnzOptions{Subscriptions: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cz.Conns {
		for _, sub := range c.Subs {
			if sub != subject {
				t.Errorf("connection %d holds subscription %s after reconnecting", c.Cid, sub)
			}
		}
	}
	if n := nc.NumSubscriptions(); n != 1 {
		t.Errorf("client holds %d subscriptions, want 1", n)
	}
}
