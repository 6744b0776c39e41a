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
// again on reconnect, and wait out its timeout.
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
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan time.Time, 1)
	go func() {
		// Nobody answers on this server: the pull waits until ctx ends.
		pullOnce(ctx, nc, "$JS.API.CONSUMER.MSG.NEXT.S.C", 1, func(jetstream.Msg) {})
		returned <- time.Now()
	}()
	time.Sleep(100 * time.Millisecond)
	s.Shutdown()
	s.WaitForShutdown()
	time.Sleep(200 * time.Millisecond) // less than two heartbeats
	if nc.IsConnected() {
		t.Fatal("still connected after the server stopped")
	}
	stopped := time.Now()
	cancel()
	select {
	case at := <-returned:
		if d := at.Sub(stopped); d > time.Second {
			t.Errorf("pull returned %v after ctx ended during the outage", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pull did not return within 5 s of ctx ending during the outage")
	}
	s = start()
	defer s.Shutdown()
	waitFor(t, 5*time.Second, "reconnected", nc.IsConnected)
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	cz, err := s.Connz(&server.ConnzOptions{Subscriptions: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cz.Conns {
		if len(c.Subs) != 0 {
			t.Errorf("connection %d holds subscriptions %v after reconnecting", c.Cid, c.Subs)
		}
	}
	if n := nc.NumSubscriptions(); n != 0 {
		t.Errorf("client holds %d subscriptions", n)
	}
}
