package reconcile

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// BenchmarkPipelinePass5000 is the CPU of one daemon pass over 5,000 services after a
// commit that changed one task definition, without Nomad (the in-memory fake cluster,
// everything applied first): load, validate and plan, with and without the daemon's
// file cache, and the earlier reads reused as the daemon does (PlanOptions.Reuse). Each
// iteration plans a new checkout (a fresh directory, as the daemon's snapshots are)
// alternating between two commits.
//
//	go test ./internal/reconcile -run '^$' -bench PipelinePass5000 -benchtime 5x
func BenchmarkPipelinePass5000(b *testing.B) {
	commits := alternatingCommits5000(b)
	for _, cached := range []bool{false, true} {
		b.Run(fmt.Sprintf("cache=%v", cached), func(b *testing.B) {
			f := newFakeCluster(&testing.T{})
			pp := &Pipeline{Cluster: f, Options: PlanOptions{Source: "bench", Namespace: "default"},
				Load: spec.LoadOptions{RelativeNames: true}}
			if cached {
				pp.Load.Cache = spec.NewFileCache()
			}
			ctx := context.Background()
			p, err := pp.Plan(ctx, Pass{Dir: commits[1]})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ApplyPlanned(ctx, f, p, ApplyOptions{Who: "bench", PlacementTimeout: time.Minute}); err != nil {
				b.Fatal(err)
			}
			if p, err = pp.Plan(ctx, Pass{Dir: commits[1]}); err != nil {
				b.Fatal(err)
			}
			prior := p.Services
			reuse := func(id string) *PlannedService { return prior[id] }
			i := 0
			for b.Loop() {
				p, err := pp.Plan(ctx, Pass{Dir: commits[i%2], Revision: source.Revision{SHA: fmt.Sprintf("%040x", i+1)}, Reuse: reuse})
				if err != nil || len(p.Services) != services5000 || p.Reused < services5000-1 {
					b.Fatalf("plan: %v (%d reused)", err, p.Reused)
				}
				i++
			}
		})
	}
}

// BenchmarkDaemonPass5000 is one daemon pass at 5,000 services as the daemon runs it,
// without Nomad: plan with the file cache and the earlier pass's reads (and plan memos,
// plan_memo.go) handed back as syncloop's read cache does, then apply. The commits
// alternate one task definition, so every pass registers one service and finds 4,999
// unchanged.
//
//	go test ./internal/reconcile -run '^$' -bench DaemonPass5000 -benchtime 4x
func BenchmarkDaemonPass5000(b *testing.B) {
	commits := alternatingCommits5000(b)
	f := newFakeCluster(&testing.T{})
	pp := &Pipeline{Cluster: f, Options: PlanOptions{Source: "bench", Namespace: "default"},
		Load: spec.LoadOptions{RelativeNames: true, Cache: spec.NewFileCache()}}
	ctx := context.Background()
	reads := newMemoReads()
	pass := func(i int) *Planned {
		p, err := pp.Plan(ctx, Pass{Dir: commits[i%2], Revision: source.Revision{SHA: fmt.Sprintf("%040x", i+1)}, Reuse: reads.lookup})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ApplyPlanned(ctx, f, p, ApplyOptions{Who: "bench", PlacementTimeout: time.Minute}); err != nil {
			b.Fatal(err)
		}
		reads.remember(p)
		return p
	}
	pass(1) // creates everything
	pass(1) // reads everything: all unchanged
	i := 0
	for b.Loop() {
		if p := pass(i); p.Reused < services5000-1 {
			b.Fatalf("pass %d: %d reused", i, p.Reused)
		}
		i++
	}
}

const services5000 = 5000

// alternatingCommits5000 writes two checkouts of 5,000 services that differ in one task
// definition's image (app:1, app:2): a pass over one after the other registers one
// service and finds 4,999 unchanged.
func alternatingCommits5000(b *testing.B) []string {
	svcs := make([]repotest.Service, services5000)
	for i := range svcs {
		svcs[i] = repotest.Service{Name: fmt.Sprintf("svc-%04d", i), Image: "app:1", Memory: 64, Count: 1}
	}
	files := repotest.New("", svcs...).Files()
	commits := make([]string, 2)
	for i := range commits {
		files["svc-0001-taskdef.json"] = strings.Replace(files["svc-0001-taskdef.json"], fmt.Sprintf(`"app:%d"`, i+1-i%2), fmt.Sprintf(`"app:%d"`, i+1), 1)
		commits[i] = b.TempDir()
		writeFiles(b, commits[i], files)
	}
	return commits
}
