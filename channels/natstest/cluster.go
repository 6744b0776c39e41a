// Package natstest runs a JetStream cluster of in-process NATS servers
// for tests, built from the nats-server/v2 module the gateway links, so a
// test exercises the server version the binary ships with (the operating
// system's nats-server package is older and keeps acknowledged work-queue
// entries on a restarted replica; see the README's deployment guide).
//
// Each node has its own client port, cluster (route) port and store
// directory; ports and directories are fixed at the first start, so a
// node killed with Kill comes back with Restart where it was, with the
// JetStream state it had on disk, as a real server restarted by its
// supervisor would.
package natstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Account is the account the gateway's streams live in when the servers
// run without accounts configured.
const Account = "$G"

// Cluster is a set of in-process NATS servers forming one JetStream
// cluster.
type Cluster struct {
	t     testing.TB
	name  string
	mu    sync.Mutex
	opts  []*server.Options
	nodes []*server.Server // nil while a node is down
}

// Start starts an n-node cluster (n ≥ 3 for replicated streams to keep a
// quorum with one node down) and waits until it has a JetStream meta
// leader. The nodes stop when the test ends.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t, name: "sc-test", opts: make([]*server.Options, n), nodes: make([]*server.Server, n)}
	clientPorts, routePorts := freePorts(t, n), freePorts(t, n)
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", routePorts[i]))
	}
	base := t.TempDir()
	for i := range n {
		c.opts[i] = &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       clientPorts[i],
			JetStream:  true,
			StoreDir:   filepath.Join(base, fmt.Sprintf("n%d", i+1)),
			Cluster: server.ClusterOpts{
				Name: c.name,
				Host: "127.0.0.1",
				Port: routePorts[i],
			},
			Routes: server.RoutesFromStr(strings.Join(routes, ",")),
			NoSigs: true,
			NoLog:  true,
		}
	}
	// All nodes start before any is waited on: a node alone cannot form
	// the meta group.
	for i := range n {
		c.start(i)
	}
	t.Cleanup(c.Shutdown)
	c.waitMetaLeader(30 * time.Second)
	return c
}

func (c *Cluster) start(i int) {
	c.t.Helper()
	// A copy: the server keeps and changes the options it was given.
	o := c.opts[i].Clone()
	s, err := server.NewServer(o)
	if err != nil {
		c.t.Fatalf("natstest: node %d: %v", i+1, err)
	}
	s.Start()
	if !s.ReadyForConnections(20 * time.Second) {
		s.Shutdown()
		c.t.Fatalf("natstest: node %d not ready for connections", i+1)
	}
	c.mu.Lock()
	c.nodes[i] = s
	c.mu.Unlock()
}

// URL is the client URL list of every node, for nats.Connect.
func (c *Cluster) URL() string {
	var urls []string
	for _, o := range c.opts {
		urls = append(urls, (&url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", o.Port)}).String())
	}
	return strings.Join(urls, ",")
}

// Size is the number of nodes, up or down.
func (c *Cluster) Size() int { return len(c.opts) }

// Kill stops node i (from 0) abruptly, as a crashed process would stop:
// its store stays on disk.
func (c *Cluster) Kill(i int) {
	c.mu.Lock()
	s := c.nodes[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if s == nil {
		return
	}
	s.Shutdown()
	s.WaitForShutdown()
}

// Restart starts node i again on its ports and store.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	c.mu.Lock()
	up := c.nodes[i] != nil
	c.mu.Unlock()
	if up {
		c.t.Fatalf("natstest: node %d is running", i+1)
	}
	c.start(i)
}

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	for i := range c.nodes {
		c.Kill(i)
	}
}

// StreamLeader returns the index of the node leading stream, or -1.
func (c *Cluster) StreamLeader(stream string) int {
	return c.find(func(s *server.Server) bool { return s.JetStreamIsStreamLeader(Account, stream) })
}

// ConsumerLeader returns the index of the node leading the consumer, or -1.
func (c *Cluster) ConsumerLeader(stream, consumer string) int {
	return c.find(func(s *server.Server) bool { return s.JetStreamIsConsumerLeader(Account, stream, consumer) })
}

func (c *Cluster) find(is func(*server.Server) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.nodes {
		if s != nil && s.Running() && is(s) {
			return i
		}
	}
	return -1
}

// StreamMsgs returns, per node, how many messages that node's own copy of
// stream holds (-1 for a node that is down or has no copy). On a
// work-queue stream every copy should reach 0 once everything is
// acknowledged; a replica that keeps acknowledged entries is the fault
// seen with older servers.
func (c *Cluster) StreamMsgs(stream string) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int, len(c.nodes))
	for i, s := range c.nodes {
		out[i] = -1
		if s == nil {
			continue
		}
		ad, err := s.JszAccount(&server.JSzOptions{Account: Account, Streams: true})
		if err != nil {
			continue
		}
		for _, sd := range ad.Streams {
			if sd.Name == stream {
				out[i] = int(sd.State.Msgs)
			}
		}
	}
	return out
}

// WaitStreamLeader waits until stream has a leader on a running node and
// returns its index.
func (c *Cluster) WaitStreamLeader(ctx context.Context, stream string) (int, error) {
	return c.wait(ctx, func() int { return c.StreamLeader(stream) })
}

// WaitConsumerLeader waits until the consumer has a leader on a running
// node and returns its index.
func (c *Cluster) WaitConsumerLeader(ctx context.Context, stream, consumer string) (int, error) {
	return c.wait(ctx, func() int { return c.ConsumerLeader(stream, consumer) })
}

func (c *Cluster) wait(ctx context.Context, leader func() int) (int, error) {
	for {
		if i := leader(); i >= 0 {
			return i, nil
		}
		select {
		case <-ctx.Done():
			return -1, errors.New("natstest: no leader")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitMetaLeader waits for a meta leader that counts every node as an
// online JetStream peer: before that, creating a stream with as many
// replicas as nodes fails with "no suitable peers for placement".
func (c *Cluster) waitMetaLeader(d time.Duration) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if _, err := c.wait(ctx, func() int {
		return c.find(func(s *server.Server) bool {
			return s.JetStreamIsLeader() && len(s.JetStreamClusterPeers()) == len(c.opts)
		})
	}); err != nil {
		c.t.Fatalf("natstest: no JetStream meta leader with all %d peers after %s", len(c.opts), d)
	}
}

// freePorts picks n free TCP ports on the loopback interface. They are
// free when chosen; a test elsewhere could take one before the node
// binds it, which would fail the start loudly rather than silently.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}
