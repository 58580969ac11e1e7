package bench

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/ecsgit/ecsgit/bench/gen"
	"github.com/ecsgit/ecsgit/internal/heaptest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// BenchmarkFileCacheMemory is the heap the daemon's file cache keeps for bench/gen's
// repository of N services (2N files), and the heap one pass over it allocates with every
// file a hit: the first is what stays live between passes, the second what the garbage
// collector must clean after each one (with GOGC=100 the heap grows to twice the live
// heap before a collection, and that peak is what RSS shows).
//
//	cd bench && go test -run '^$' -bench FileCacheMemory -benchtime 1x .
//
// ECSGIT_HEAP_PROFILE=<file> also writes a heap profile with the cache live (N = 5,000).
func BenchmarkFileCacheMemory(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if _, err := gen.Generate(dir, gen.Options{N: n, Seed: 1, Source: "default"}); err != nil {
				b.Fatal(err)
			}
			root := dir + "/repo"
			opts := spec.LoadOptions{RelativeNames: true}
			var cached, spans, pass, passAlloc uint64
			for b.Loop() {
				opts.Cache = spec.NewFileCache()
				before, spansBefore := heaptest.Live(), heaptest.Spans()
				d, err := spec.Load(root, opts)
				if err != nil || d.Diagnostics.HasErrors(false) || len(d.Services) != n {
					b.Fatalf("load: %v, %d services, %v", err, len(d.Services), d.Diagnostics)
				}
				d = nil
				cached, spans = heaptest.Live()-before, heaptest.Spans()-spansBefore
				if p := os.Getenv("ECSGIT_HEAP_PROFILE"); p != "" && n == 5000 {
					heaptest.WriteProfile(b, p)
				}
				var ms0, ms1 runtime.MemStats
				runtime.ReadMemStats(&ms0)
				d, err = spec.Load(root, opts)
				if err != nil || opts.Cache.Stats().Misses != 0 {
					b.Fatalf("second load: %v, %+v", err, opts.Cache.Stats())
				}
				runtime.ReadMemStats(&ms1)
				passAlloc = ms1.TotalAlloc - ms0.TotalAlloc
				pass = heaptest.Live() - before - cached // what the Desired of a pass holds
				runtime.KeepAlive(d)
			}
			runtime.KeepAlive(opts.Cache)
			b.ReportMetric(float64(cached)/float64(2*n), "cache-B/file")
			b.ReportMetric(float64(cached)/(1<<20), "cache-MiB")
			b.ReportMetric(float64(spans)/(1<<20), "cache-spans-MiB")
			b.ReportMetric(float64(pass)/(1<<20), "desired-MiB")
			b.ReportMetric(float64(passAlloc)/(1<<20), "pass-alloc-MiB")
		})
	}
}
