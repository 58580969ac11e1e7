package reconcile

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/heaptest"
	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// BenchmarkDaemonHeldBetweenPasses5000 is the heap a daemon at 5,000 services holds
// between two passes (issue 19: RSS under 100 MiB), by what holds it: the read cache's
// entries with their plan memos (memoReads keeps what syncloop's readCache keeps:
// PlannedService.ForReuse of every unchanged service), the listing of the source's jobs
// that prune reuses, and the file cache. Each figure is the live heap after a full
// collection with the part held, less the live heap once it is let go; "held-MiB" is
// all three. The passes are BenchmarkDaemonPass5000's (plan with the earlier reads, then
// apply, on the fake cluster), ten of them ran before the measurement. "inuse-MiB" and
// "slack-MiB" are the median over the last seven passes of the heap's spans in use after
// debug.FreeOSMemory (what RSS shows of the heap between passes) and of the part of them
// that no live object fills (the fake cluster's jobs and records are in both).
//
//	go test ./internal/reconcile -run '^$' -bench DaemonHeldBetweenPasses5000 -benchtime 1x
//
// ECSGIT_HEAP_PROFILE=<file> writes a heap profile with everything held (read it with
// go tool pprof -top -sample_index=inuse_space; the fake cluster's jobs and records
// are in it too).
func BenchmarkDaemonHeldBetweenPasses5000(b *testing.B) {
	if os.Getenv("ECSGIT_HEAP_PROFILE") != "" {
		runtime.MemProfileRate = 4096 // the default samples every 512 KiB: too coarse for a few MiB
	}
	commits := alternatingCommits5000(b)
	var held, reads, owned, cache, inuse, slack uint64
	for b.Loop() {
		f := newFakeCluster(&testing.T{})
		pp := &Pipeline{Cluster: f, Options: PlanOptions{Source: "bench", Namespace: "default"},
			Load: spec.LoadOptions{RelativeNames: true, Cache: spec.NewFileCache()}}
		ctx := context.Background()
		r := newMemoReads()
		var inuses, slacks []uint64
		for i := range 10 {
			p, err := pp.Plan(ctx, Pass{Dir: commits[i%2], Revision: source.Revision{SHA: fmt.Sprintf("%040x", i+1)}, Reuse: r.lookup, ReuseOwned: r.ownedFor})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ApplyPlanned(ctx, f, p, ApplyOptions{Who: "bench", PlacementTimeout: time.Minute}); err != nil {
				b.Fatal(err)
			}
			r.remember(p)
			r.sync(f)
			if i >= 2 && p.Reused < services5000-1 {
				b.Fatalf("pass %d: %d reused", i, p.Reused)
			}
			p = nil
			if i >= 3 {
				// What RSS shows between passes is the heap's spans in use, not only the
				// live objects: a span that keeps one object of a pass stays, with its
				// free slots. The daemon returns the rest after each pass, as here.
				debug.FreeOSMemory()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				inuses, slacks = append(inuses, ms.HeapInuse), append(slacks, ms.HeapInuse-ms.HeapAlloc)
			}
		}
		inuse, slack = median(inuses), median(slacks)
		all := heaptest.Live()
		if p := os.Getenv("ECSGIT_HEAP_PROFILE"); p != "" {
			heaptest.WriteProfile(b, p)
		}
		clear(r.entries)
		noReads := heaptest.Live()
		r.owned = nil
		noOwned := heaptest.Live()
		pp.Load.Cache = nil
		none := heaptest.Live()
		held, reads, owned, cache = all-none, all-noReads, noReads-noOwned, noOwned-none
		runtime.KeepAlive(f)
	}
	b.ReportMetric(float64(held)/(1<<20), "held-MiB")
	b.ReportMetric(float64(reads)/(1<<20), "reads-MiB")
	b.ReportMetric(float64(reads)/services5000, "reads-B/service")
	b.ReportMetric(float64(owned)/(1<<20), "owned-MiB")
	b.ReportMetric(float64(cache)/(1<<20), "cache-MiB")
	b.ReportMetric(float64(inuse)/(1<<20), "inuse-MiB")
	b.ReportMetric(float64(slack)/(1<<20), "slack-MiB")
}

func median(xs []uint64) uint64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}
