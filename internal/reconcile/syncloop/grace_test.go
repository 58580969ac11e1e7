package syncloop

import (
	"context"
	"testing"
	"time"
)

// An apply is not limited while the daemon runs, and ends grace after a shutdown.
func TestGraceContext(t *testing.T) {
	parent, shutdown := context.WithCancel(context.Background())
	ctx, cancel := graceContext(parent, 50*time.Millisecond)
	defer cancel()
	select {
	case <-ctx.Done():
		t.Fatal("the apply was cut while the daemon runs")
	case <-time.After(200 * time.Millisecond): // four times the grace
	}
	shutdown()
	select {
	case <-ctx.Done():
		t.Fatal("the apply was cut at once on shutdown, without its grace")
	case <-time.After(10 * time.Millisecond):
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the apply was not cut after the grace")
	}
}
