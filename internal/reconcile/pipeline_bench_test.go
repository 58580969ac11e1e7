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
	svcs := make([]repotest.Service, 5000)
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
				if err != nil || len(p.Services) != len(svcs) || p.Reused < len(svcs)-1 {
					b.Fatalf("plan: %v (%d reused)", err, p.Reused)
				}
				i++
			}
		})
	}
}
