package bench

import (
	"fmt"
	"testing"

	"github.com/ecsgit/ecsgit/bench/gen"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// BenchmarkOfflinePlan is the part of `ecsgit plan` that needs no Nomad, end to end, for
// a generated repository of N services with 10 % changed: spec.Load (read, decode,
// normalize, validate), nomadjob.Translate + JobJSON of every service, and plan.Diff
// of every service against the previous generation (what the records hold).
//
//	cd bench && go test -run '^$' -bench OfflinePlan -benchmem .
func BenchmarkOfflinePlan(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			prev := load(b, n, 0)
			dir := b.TempDir()
			if _, err := gen.Generate(dir, gen.Options{N: n, Seed: 1, Source: "default", Generation: 1, ChangedFraction: 0.1}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				d, err := spec.Load(dir+"/repo", spec.LoadOptions{})
				if err != nil || d.Diagnostics.HasErrors(false) {
					b.Fatal(err, d.Diagnostics)
				}
				changed := 0
				for _, svc := range d.Services {
					tr, err := nomadjob.Translate(d, svc, nomadjob.TranslateOptions{Source: "default"})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := nomadjob.JobJSON(tr.Job); err != nil {
						b.Fatal(err)
					}
					old := prev[svc.ServiceName]
					if len(plan.Diff(&old.td.TaskDefinition, &d.TaskDefinitionFor(svc).TaskDefinition, &old.svc.Service, &svc.Service)) > 0 {
						changed++
					}
				}
				if want := (n + 5) / 10; changed != want {
					b.Fatalf("%d services changed, want %d", changed, want)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/service")
		})
	}
}

type docs struct {
	td  *spec.TaskDefinitionDoc
	svc *spec.ServiceDoc
}

func load(b *testing.B, n, generation int) map[string]docs {
	dir := b.TempDir()
	if _, err := gen.Generate(dir, gen.Options{N: n, Seed: 1, Source: "default", Generation: generation, ChangedFraction: 0.1}); err != nil {
		b.Fatal(err)
	}
	d, err := spec.Load(dir+"/repo", spec.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]docs{}
	for _, s := range d.Services {
		out[s.ServiceName] = docs{d.TaskDefinitionFor(s), s}
	}
	return out
}
