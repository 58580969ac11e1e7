package traffictest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// TestLoadBalancingResourcesCreateChangeDelete: the plan lists the load balancer, the
// listener, the rule and the target group as resources of their own, with the
// services each routes to; after apply the next plan is empty; a rule's path change is
// a rule update in ELB terms, the proxy then routes the new path and not the old one,
// and the next plan is empty again; the rule removed from the repository is a delete
// (prune on), the proxy stops routing it and its record is gone. Real cluster, real
// proxy, requests to 127.0.0.1.
func TestLoadBalancingResourcesCreateChangeDelete(t *testing.T) {
	h := newHarness(t)
	ctx := ctxFor(t, 5*time.Minute)
	base := h.proxy.ListenerURL(t, 80)
	r := repo{
		Services:     []service{{Name: "api", Count: 1, TG: "api-tg"}},
		TargetGroups: []targetGroup{{Name: "api-tg", Delay: 1}},
		Rules:        []rule{{Priority: 10, Path: "/sleep*", TG: "api-tg"}},
	}

	p := h.planResources(ctx, t, r, false)
	wantResources(t, "first plan", p.Plan, []string{"+ load-balancer front", "+ listener front:80", "+ rule rule-10", "+ target-group api-tg"})
	for _, rp := range p.Plan.LoadBalancing {
		if len(rp.RoutesTo) != 1 || rp.RoutesTo[0] != "api" {
			t.Errorf("%s %s routes to %v, want [api]", rp.Kind, rp.Name, rp.RoutesTo)
		}
	}
	h.applyPlanned(ctx, t, p)
	waitStatus(t, base+"/sleep?ms=1", 200, time.Minute)
	h.wantNoChanges(ctx, t, r, false)

	r.Rules[0].Path = "/burn*"
	p = h.planResources(ctx, t, r, false)
	wantResources(t, "plan of the rule change", p.Plan, []string{"  load-balancer front", "  listener front:80", "~ rule rule-10", "  target-group api-tg"})
	rc := resource(p.Plan, plan.ResourceRule, "rule-10")
	if len(rc.Changes) != 1 || rc.Changes[0].Path != "Conditions[path-pattern]" || rc.Changes[0].Old != `["/sleep*"]` || rc.Changes[0].New != `["/burn*"]` {
		t.Errorf("rule update %+v, want Conditions[path-pattern] [\"/sleep*\"] → [\"/burn*\"]", rc.Changes)
	}
	h.applyPlanned(ctx, t, p)
	waitStatus(t, base+"/burn?ms=1", 200, time.Minute)
	waitStatus(t, base+"/sleep?ms=1", 404, time.Minute)
	h.wantNoChanges(ctx, t, r, false)

	r.Rules = nil
	p = h.planResources(ctx, t, r, true)
	wantResources(t, "plan of the rule's removal", p.Plan, []string{"~ load-balancer front", "~ listener front:80", "- rule rule-10", "  target-group api-tg"})
	res := h.applyPlanned(ctx, t, p)
	waitStatus(t, base+"/burn?ms=1", 404, time.Minute)
	recs, err := h.b.ListLBRecords(ctx, h.env.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if rec.Kind == "rule" {
			t.Errorf("the removed rule's record is still on the cluster: %+v (apply: %v)", rec, res.LoadBalancing)
		}
	}
	h.wantNoChanges(ctx, t, r, true)
}

func (h *harness) planResources(ctx context.Context, t *testing.T, r repo, prune bool) *reconcile.Planned {
	t.Helper()
	d := r.write(t, h.dir, h.env.Namespace)
	p, err := reconcile.ComputePlanned(ctx, d, h.b, reconcile.PlanOptions{Source: "traffic-test", Prune: prune})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

func (h *harness) applyPlanned(ctx context.Context, t *testing.T, p *reconcile.Planned) *reconcile.Result {
	t.Helper()
	res, err := reconcile.ApplyPlanned(ctx, h.b, p, reconcile.ApplyOptions{Who: "test", Poll: 500 * time.Millisecond})
	if err != nil || !res.OK() {
		t.Fatalf("apply: %v %+v %+v", err, res.Services, res.LoadBalancing)
	}
	return res
}

func (h *harness) wantNoChanges(ctx context.Context, t *testing.T, r repo, prune bool) {
	t.Helper()
	p := h.planResources(ctx, t, r, prune)
	if plan.WouldChange(p.Plan) {
		var b []string
		for _, rp := range p.Plan.LoadBalancing {
			b = append(b, fmt.Sprintf("%s %s %s %v", rp.Action, rp.Kind, rp.Name, rp.Changes))
		}
		t.Errorf("the plan after apply has changes: services %+v, resources %v", p.Plan.Summary, b)
	}
}

func wantResources(t *testing.T, what string, p *plan.Plan, want []string) {
	t.Helper()
	var got []string
	for _, rp := range p.LoadBalancing {
		got = append(got, fmt.Sprintf("%s %s %s", rp.Action, rp.Kind, rp.Name))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: resources %q, want %q", what, got, want)
	}
}

func resource(p *plan.Plan, kind plan.ResourceKind, name string) plan.ResourcePlan {
	for _, rp := range p.LoadBalancing {
		if rp.Kind == kind && rp.Name == name {
			return rp
		}
	}
	return plan.ResourcePlan{}
}
