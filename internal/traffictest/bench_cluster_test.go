package traffictest

import (
	"flag"
	"testing"
	"time"
)

var (
	benchRequests    = flag.Int("traffic.bench.n", 2000, "requests per side of TestProxyVersusDirect")
	benchConcurrency = flag.Int("traffic.bench.c", 8, "concurrent clients of TestProxyVersusDirect")
)

// TestProxyVersusDirect measures requests/s and latency through the load balancer (one
// service of one task behind a listener) against the same task's host port directly,
// with the same client (docs/benchmarks.md has the figures and the command). It fails
// only on a failed request; the figures are logged.
func TestProxyVersusDirect(t *testing.T) {
	h := newHarness(t)
	ctx := ctxFor(t, 5*time.Minute)
	h.mustApply(ctx, t, repo{
		Services:     []service{{Name: "bench", Count: 1, TG: "bench-tg"}},
		TargetGroups: []targetGroup{{Name: "bench-tg", Delay: 1}},
		DefaultTG:    "bench-tg",
	})
	viaProxy := h.proxy.ListenerURL(t, 80) + "/"
	waitServed(t, viaProxy, "1", time.Minute)
	allocs := h.env.WaitHealthy("bench", 1, time.Minute)
	direct, err := allocPortURL(allocs[0])
	if err != nil {
		t.Fatal(err)
	}
	n, c := *benchRequests, *benchConcurrency
	Bench(direct, n/10, c) // warm both paths' connections
	Bench(viaProxy, n/10, c)
	for _, side := range []struct{ name, url string }{{"direct", direct}, {"proxy", viaProxy}} {
		r := Bench(side.url, n, c)
		t.Logf("%-6s %d requests, %d clients: %.0f req/s, p50 %s, p99 %s, %d failed",
			side.name, n, c, float64(r.OK)/r.Elapsed.Seconds(), r.Percentile(50).Round(10*time.Microsecond), r.Percentile(99).Round(10*time.Microsecond), r.Failed)
		if r.Failed > 0 {
			t.Errorf("%s: %d of %d requests failed", side.name, r.Failed, n)
		}
	}
}
