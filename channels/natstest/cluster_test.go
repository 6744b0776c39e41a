package natstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"safecontact/channels"
	"safecontact/channels/natstest"
)

// TestClusterStreamSurvivesLeaderKill: the gateway's streams are created
// with three replicas, and with the stream leader killed a new one is
// elected and takes publishes; the restarted node catches up.
func TestClusterStreamSurvivesLeaderKill(t *testing.T) {
	c := natstest.Start(t, 3)
	nc, err := channels.Connect(c.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := channels.EnsureStreams(ctx, js, channels.StreamConfig{Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, channels.StreamContact)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("stream: replicas %d, cluster %+v", info.Config.Replicas, info.Cluster)
	}
	if _, err := js.Publish(ctx, channels.Subject("sms", false), []byte("m1")); err != nil {
		t.Fatal(err)
	}
	leader, err := c.WaitStreamLeader(ctx, channels.StreamContact)
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	c.Kill(leader)
	for {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		_, err := js.Publish(pctx, channels.Subject("sms", false), []byte("m2"))
		pcancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no publish accepted %s after the leader was killed: %v", time.Since(killed), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("publish accepted again %s after the stream leader was killed", time.Since(killed).Round(time.Millisecond))
	c.Restart(leader)
	info, err = s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Fatalf("stream holds %d messages, want 2", info.State.Msgs)
	}
}
