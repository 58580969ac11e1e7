// Package heaptest measures the Go heap for the memory benchmarks of issue 19 (what the
// daemon keeps between passes): the live heap, the spans in use as RSS shows them, and a
// heap profile on request. It is used by tests and benchmarks only.
package heaptest

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"testing"
)

// Live is the heap in use after a full collection (two: the first may leave objects
// that finalizers or sweeping free only in the second).
func Live() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Spans is the heap's spans in use after a full collection, with the rest returned to
// the operating system as the daemon does after each pass (what RSS shows of the heap):
// a span that keeps one object stays in use with its free slots.
func Spans() uint64 {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// WriteProfile writes a heap profile to path (go tool pprof -sample_index=inuse_space).
func WriteProfile(tb testing.TB, path string) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		tb.Fatal(err)
	}
}
