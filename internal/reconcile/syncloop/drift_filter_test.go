package syncloop

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// recordsOnly is a cluster that can only read service records (realDrift's one call).
type recordsOnly struct {
	reconcile.Cluster
	recs  map[string]*nomadbackend.ServiceRecord
	reads atomic.Int32
}

func (c *recordsOnly) Concurrency() int { return 4 }

func (c *recordsOnly) ReadServiceRecord(_ context.Context, _, id string) (*nomadbackend.ServiceRecord, error) {
	c.reads.Add(1)
	return c.recs[id], nil
}

// A job event at the index of ecsgit's own register costs nothing; one the record
// explains (a restart lost the in-memory index) costs a read; anything else is drift.
func TestRealDriftDropsOwnWrites(t *testing.T) {
	c := &recordsOnly{recs: map[string]*nomadbackend.ServiceRecord{
		"restarted": {JobModifyIndex: 70},
		"by-hand":   {JobModifyIndex: 80},
		"pruned":    {Outcome: nomadbackend.OutcomeDeleted},
	}}
	l := &Loop{opts: LoopOptions{Nomad: c, Namespace: "ns", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		own: map[string]uint64{"mine-1": 10, "mine-2": 20, "by-hand": 79}}
	got := l.realDrift(t.Context(), map[string]driftCandidate{
		"mine-1":    {JobModifyIndex: 10},
		"mine-2":    {JobModifyIndex: 20},
		"restarted": {JobModifyIndex: 70},
		"by-hand":   {JobModifyIndex: 81},
		"pruned":    {Deregistered: true},
		"unknown":   {JobModifyIndex: 5}, // never applied by ecsgit: not ours to correct
	})
	if len(got) != 1 || got["by-hand"].JobModifyIndex != 81 {
		t.Errorf("drift = %+v, want only by-hand at 81", got)
	}
	if n := c.reads.Load(); n != 4 {
		t.Errorf("%d record reads, want 4 (none for the two own writes)", n)
	}
}
