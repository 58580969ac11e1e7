package reconcile

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// callCounter is a reverse proxy in front of the test cluster that counts Nomad HTTP
// calls by kind ("GET record", "PUT digest", ...): what the record protocol costs, as a
// user would measure it.
type callCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callCounter) kind(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/v1/var/ecsgit/services/"):
		p = "record"
	case strings.HasPrefix(p, "/v1/var/ecsgit/families/"):
		p = "family"
	case strings.HasPrefix(p, "/v1/var/ecsgit/digest/"):
		p = "digest"
	case p == "/v1/vars":
		p = "var-list"
	case p == "/v1/jobs":
		p = "job-list"
	case strings.HasPrefix(p, "/v1/job/"):
		p = "job"
	}
	return r.Method + " " + p
}

func (c *callCounter) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

func countingBackend(t *testing.T, e *applyEnv) (*nomadbackend.Client, *callCounter) {
	t.Helper()
	target, err := url.Parse(e.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &callCounter{n: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n[c.kind(r)]++
		c.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := api.DefaultConfig()
	cfg.Address = srv.URL
	b, err := nomadbackend.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b, c
}

func writesIn(n map[string]int) int {
	w := 0
	for k, v := range n {
		if strings.HasPrefix(k, "PUT ") || strings.HasPrefix(k, "POST ") || strings.HasPrefix(k, "DELETE ") {
			if !strings.HasSuffix(k, "/plan") { // the scheduler dry-run writes nothing
				w += v
			}
		}
	}
	return w
}

// The record protocol of issue 19 on the real cluster, counted at the HTTP API: new
// services read no record and no family (the record listing shows there are none),
// the apply writes each family once without reading it and the digest once; a no-op
// plan reads the digest instead of N records, and its apply writes nothing. A record
// changed behind the digest's back (here: paused by another writer, as `ecsgit
// rollback` or an older ecsgit would) is read in full, and the plan honours it.
func TestRecordDigestCallsPerService(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t)
	ctx := applyCtx(t, 4*time.Minute)
	b, calls := countingBackend(t, e)
	const n = 20 // ≥ listJobsFrom: the plan lists
	dir := t.TempDir()
	svcs := manyServices(n, 0)
	d := repotest.New(e.Namespace, svcs...).WriteLoad(t, dir)
	planApply := func() *Result {
		p, err := ComputePlanned(ctx, d, b, PlanOptions{Source: "apply-test"})
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		res, err := ApplyPlanned(ctx, b, p, ApplyOptions{Who: "test", Poll: 500 * time.Millisecond, PlacementTimeout: 30 * time.Second})
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		if !res.OK() || len(res.Warnings) > 0 {
			t.Fatalf("apply: %+v %v", res.Services, res.Warnings)
		}
		return res
	}

	planApply()
	got := calls.reset()
	if got["GET record"] != 0 || got["GET family"] != 0 || got["PUT family"] != n || got["PUT digest"] != 1 || got["GET var-list"] != 1 {
		t.Errorf("apply of %d new services: %v; want no record or family read, %d family writes, 1 digest write, 1 listing", n, got, n)
	}
	for _, s := range svcs {
		rec, err := e.Backend.ReadServiceRecord(ctx, e.Namespace, s.Name)
		if err != nil || rec == nil || rec.Outcome != nomadbackend.OutcomeSucceeded || rec.Revision != 1 || rec.Claim != "" || len(rec.History) != 1 {
			t.Fatalf("record of %s: %+v, %v", s.Name, rec, err)
		}
	}

	res := planApply()
	got = calls.reset()
	if got["GET record"] != 0 || got["GET digest"] != 1 || writesIn(got) != 0 {
		t.Errorf("no-op plan and apply: %v; want no record read, 1 digest read, no write", got)
	}
	for _, r := range res.Services {
		if r.Status != StatusUnchanged {
			t.Errorf("no-op apply, %s: %+v", r.Service, r)
		}
	}

	if _, err := e.Backend.UpdateServiceRecord(ctx, e.Namespace, "svc-05", func(r *nomadbackend.ServiceRecord) error {
		r.Paused, r.PausedReason = true, "by another writer"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p, err := ComputePlanned(ctx, d, b, PlanOptions{Source: "apply-test"})
	if err != nil {
		t.Fatal(err)
	}
	got = calls.reset()
	if sp := planOf(t, p.Plan, "svc-05"); sp.Action != plan.ActionSkip || !strings.Contains(sp.Reason, "paused") {
		t.Errorf("service paused behind the digest's back: %s (%s), want skipped as paused", sp.Action, sp.Reason)
	}
	if p.Plan.Summary.Unchanged != n-1 || got["GET record"] != 1 {
		t.Errorf("plan after the pause: %+v, calls %v; want %d unchanged, the paused record read", p.Plan.Summary, got, n-1)
	}
}
