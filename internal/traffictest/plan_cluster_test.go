package traffictest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// TestRuleChangeIsPlannedAndAppliedInPlace: moving a rule from /sleep* to /burn* changes
// no ECS field of the service; the plan still shows it (the route, and the routing tag
// from Nomad's diff under loadBalancers:), applying it replaces no task, and the proxy
// then routes the new path and no longer the old one.
func TestRuleChangeIsPlannedAndAppliedInPlace(t *testing.T) {
	h := newHarness(t)
	ctx := ctxFor(t, 4*time.Minute)
	r := repo{
		Services:     []service{{Name: "api", Count: 1, TG: "api-tg"}},
		TargetGroups: []targetGroup{{Name: "api-tg", Delay: 1}},
		Rules:        []rule{{Priority: 10, Path: "/sleep*", TG: "api-tg"}},
	}
	h.mustApply(ctx, t, r)
	base := h.proxy.ListenerURL(t, 80)
	waitStatus(t, base+"/sleep?ms=1", 200, time.Minute)
	before := h.env.WaitHealthy("api", 1, time.Minute)[0].ID

	r.Rules[0].Path = "/burn*"
	d := r.write(t, h.dir, h.env.Namespace)
	p, err := reconcile.ComputePlanned(ctx, d, h.b, reconcile.PlanOptions{Source: "traffic-test"})
	if err != nil {
		t.Fatal(err)
	}
	sp := p.Plan.Services[0]
	if sp.Action != plan.ActionUpdate {
		t.Fatalf("plan of a rule change: %s, want update", sp.Action)
	}
	if len(sp.Routes) != 1 || sp.Routes[0].Conditions != "path-pattern /burn*" || sp.Routes[0].Priority != 10 {
		t.Errorf("plan routes %+v, want front:80 rule 10 path-pattern /burn*", sp.Routes)
	}
	var added, removed bool
	for _, c := range sp.Changes {
		if strings.HasPrefix(c.Path, "loadBalancers:") && strings.Contains(c.New, "^/burn.*$") {
			added = true
		}
		if strings.HasPrefix(c.Path, "loadBalancers:") && strings.Contains(c.Old, "^/sleep.*$") {
			removed = true
		}
	}
	if !added || !removed {
		t.Errorf("plan changes %+v: want the old and the new rule under loadBalancers:", sp.Changes)
	}
	res, err := reconcile.ApplyPlanned(ctx, h.b, p, reconcile.ApplyOptions{Who: "test", Poll: 500 * time.Millisecond})
	if err != nil || !res.OK() {
		t.Fatalf("apply: %v %+v", err, res)
	}
	waitStatus(t, base+"/burn?ms=1", 200, time.Minute)
	waitStatus(t, base+"/sleep?ms=1", 404, time.Minute)
	after := h.env.WaitHealthy("api", 1, time.Minute)[0].ID
	if after != before {
		t.Errorf("the rule change replaced the task (%s → %s); it is applied in place", before, after)
	}
}

// waitStatus waits until GET url answers status.
func waitStatus(t *testing.T, url string, status int, timeout time.Duration) {
	t.Helper()
	client := nomadtestHTTP()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		resp, err := client.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == status {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %s after %s, want %d %s", url, last, timeout, status, http.StatusText(status))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
