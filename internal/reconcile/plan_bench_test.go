package reconcile

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// timedTransport sums the wall time of Nomad requests (concurrent requests overlap, so
// the sum can exceed the elapsed time; it is the load ecsgit puts on Nomad).
type timedTransport struct {
	next  http.RoundTripper
	total atomic.Int64
	calls atomic.Int64
}

func (t *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	t.total.Add(int64(time.Since(start)))
	t.calls.Add(1)
	return resp, err
}

// BenchmarkComputePlan plans N services (ECSGIT_BENCH_SERVICES, default 100) against the
// real cluster: half already applied and unchanged, half new, all with desiredCount 0 so
// no container runs. Reports Nomad calls and their summed time per plan.
//
//	go test ./reconcile -run '^$' -bench ComputePlan -benchtime 5x
func BenchmarkComputePlan(b *testing.B) {
	n := 100
	if v, err := strconv.Atoi(os.Getenv("ECSGIT_BENCH_SERVICES")); err == nil && v > 0 {
		n = v
	}
	backend, ns := clusterBackend(b)
	tt := &timedTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
	cfg := api.DefaultConfig()
	cfg.Address = backend.Address()
	cfg.HttpClient = &http.Client{Transport: tt}
	timed, err := nomadbackend.NewClient(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := ctxFor(b)
	svcs := make([]repotest.Service, n)
	for i := range svcs {
		svcs[i] = repotest.Service{Name: fmt.Sprintf("svc-%04d", i)}
	}
	applyForTest(ctx, b, backend, mustPlan(ctx, b, repotest.New(ns, svcs[:n/2]...).WriteLoad(b, b.TempDir()), backend, PlanOptions{}))
	d := repotest.New(ns, svcs...).WriteLoad(b, b.TempDir())
	tt.total.Store(0)
	tt.calls.Store(0)
	b.ResetTimer()
	for range b.N {
		p := mustPlan(ctx, b, d, timed, PlanOptions{})
		if p.Plan.Summary.Create != n-n/2 || p.Plan.Summary.Unchanged != n/2 {
			b.Fatalf("summary %+v", p.Plan.Summary)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n), "services")
	b.ReportMetric(float64(tt.calls.Load())/float64(b.N), "nomad-calls/op")
	b.ReportMetric(time.Duration(tt.total.Load()/int64(b.N)).Seconds(), "nomad-s/op")
}
