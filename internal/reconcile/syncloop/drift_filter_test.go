package syncloop

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// recordsOnly is a cluster that can only read service records (realDrift's one call).
type recordsOnly struct {
	reconcile.Cluster
	recs  map[string]*nomadbackend.ServiceRecord
	errs  map[string]error
	reads atomic.Int32
}

func (c *recordsOnly) Concurrency() int { return 4 }

func (c *recordsOnly) ReadServiceRecord(_ context.Context, _, id string) (*nomadbackend.ServiceRecord, error) {
	c.reads.Add(1)
	return c.recs[id], c.errs[id]
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

// A job event whose record could not be read is kept (the pass reads that service
// again and its plan decides) but not logged as drift: during a server outage or at
// shutdown every read fails, and the log said "sync: drift" for each of them.
func TestRealDriftKeepsUnreadEventsWithoutCallingThemDrift(t *testing.T) {
	for _, tt := range []struct {
		name     string
		stopping bool
		warn     bool
	}{
		{name: "read failed", warn: true},
		{name: "shutdown: no read made", stopping: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &recordsOnly{
				recs: map[string]*nomadbackend.ServiceRecord{"by-hand": {JobModifyIndex: 80}},
				errs: map[string]error{"unreadable": errors.New("connection refused")},
			}
			var logs bytes.Buffer
			l := &Loop{opts: LoopOptions{Nomad: c, Namespace: "ns", Logger: slog.New(slog.NewTextHandler(&logs, nil))}}
			ctx := t.Context()
			if tt.stopping {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				cancel()
			}
			got := l.realDrift(ctx, map[string]driftCandidate{
				"unreadable": {JobModifyIndex: 5},
				"by-hand":    {JobModifyIndex: 81},
			})
			if _, ok := got["unreadable"]; !ok {
				t.Errorf("drift candidates = %+v: the unread one was dropped, want it kept for the pass to read", got)
			}
			out := logs.String()
			if strings.Contains(out, "msg=\"sync: drift\" job=unreadable") {
				t.Errorf("log calls an unread job event drift:\n%s", out)
			}
			if tt.warn != strings.Contains(out, "jobs=1") {
				t.Errorf("warning about the unread record: %v, want %v; log:\n%s", !tt.warn, tt.warn, out)
			}
			if !tt.stopping && !strings.Contains(out, "msg=\"sync: drift\" job=by-hand") {
				t.Errorf("the real drift is not logged:\n%s", out)
			}
		})
	}
}
