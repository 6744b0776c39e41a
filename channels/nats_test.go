package channels

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestEmbeddedStreamsIdempotent(t *testing.T) {
	e, err := StartEmbedded(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown()
	nc, err := e.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := 0; i < 2; i++ { // twice: set-up runs at every start
		if err := EnsureStreams(ctx, js, StreamConfig{}); err != nil {
			t.Fatalf("EnsureStreams #%d: %v", i+1, err)
		}
	}
	s, err := js.Stream(ctx, StreamContact)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Retention != jetstream.WorkQueuePolicy || info.Config.Storage != jetstream.FileStorage {
		t.Fatalf("stream config = %+v", info.Config)
	}
	if err := Healthy(ctx, nc, js); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	if err := Healthy(ctx, nc, js); err == nil {
		t.Fatal("Healthy on a closed connection = nil")
	}
}
