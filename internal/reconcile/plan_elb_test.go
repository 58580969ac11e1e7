package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// lbFake is the fake cluster with ELB records, check-and-set like Nomad's variables.
type lbFake struct {
	*fakeCluster
	lmu  sync.Mutex
	recs map[string]*nomadbackend.LBRecord
}

var _ LBRecordStore = (*lbFake)(nil)

func newLBFake(t *testing.T) *lbFake {
	return &lbFake{fakeCluster: newFakeCluster(t), recs: map[string]*nomadbackend.LBRecord{}}
}

func (f *lbFake) ListLBRecords(context.Context, string) ([]*nomadbackend.LBRecord, error) {
	f.lmu.Lock()
	defer f.lmu.Unlock()
	var out []*nomadbackend.LBRecord
	for _, k := range slices.Sorted(maps.Keys(f.recs)) {
		c := *f.recs[k]
		c.Fields = maps.Clone(c.Fields)
		out = append(out, &c)
	}
	return out, nil
}

func (f *lbFake) WriteLBRecord(_ context.Context, r *nomadbackend.LBRecord) error {
	f.lmu.Lock()
	defer f.lmu.Unlock()
	key := r.Kind + "/" + r.Name
	cur := uint64(0)
	if old := f.recs[key]; old != nil {
		cur = old.ModifyIndex
	}
	if cur != r.ModifyIndex {
		return fmt.Errorf("write %s: %w", key, nomadbackend.ErrRecordConflict)
	}
	f.mu.Lock()
	f.index++
	r.ModifyIndex = f.index
	f.mu.Unlock()
	r.FieldsHash = nomadbackend.LBFieldsHash(r.Fields)
	c := *r
	c.Fields = maps.Clone(r.Fields)
	f.recs[key] = &c
	return nil
}

func (f *lbFake) DeleteLBRecord(_ context.Context, r *nomadbackend.LBRecord) error {
	f.lmu.Lock()
	defer f.lmu.Unlock()
	key := r.Kind + "/" + r.Name
	if old := f.recs[key]; old != nil && old.ModifyIndex != r.ModifyIndex {
		return fmt.Errorf("delete %s: %w", key, nomadbackend.ErrRecordConflict)
	}
	delete(f.recs, key)
	return nil
}

// elbRepo writes service api behind target group api-tg, load balancer front with a
// listener on 80 (default: 404) and a rule file rules/api.json, then loads it.
func elbRepo(t *testing.T, dir string, priority int, path string, withRule bool, tgDelay string) *spec.Desired {
	t.Helper()
	files := map[string]any{
		"ecsgit.yaml":  map[string]any{"version": 1, "source": fakeSource, "prune": true},
		"api-td.json":  map[string]any{"family": "api", "containerDefinitions": []any{map[string]any{"name": "app", "image": "ecsgit-demo/app:1", "memory": 32, "portMappings": []any{map[string]any{"containerPort": 8080}}}}},
		"api-svc.json": map[string]any{"serviceName": "api", "taskDefinition": "api", "desiredCount": 1, "loadBalancers": []any{map[string]any{"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-tg/0123456789abcdef", "containerName": "app", "containerPort": 8080}}},
		"lb.json":      map[string]any{"Name": "front", "Type": "application", "Subnets": []string{"subnet-b", "subnet-a"}},
		"listener.json": map[string]any{"LoadBalancerArn": "front", "Protocol": "HTTP", "Port": 80,
			"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{"StatusCode": "404"}}}},
		"tg.json": map[string]any{"Name": "api-tg", "Protocol": "HTTP", "Port": 8080, "HealthCheckPath": "/healthz", "HealthCheckIntervalSeconds": 30,
			"Attributes": []any{map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": tgDelay}}},
	}
	if withRule {
		files["rules/api.json"] = map[string]any{"ListenerArn": "front:80", "Priority": priority,
			"Conditions": []any{map[string]any{"Field": "path-pattern", "Values": []string{path}}},
			"Actions":    []any{map[string]any{"Type": "forward", "TargetGroupArn": "api-tg"}}}
	}
	_ = os.RemoveAll(dir)
	for name, v := range files {
		b, _ := json.MarshalIndent(v, "", "  ")
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := spec.Load(dir, spec.LoadOptions{})
	if err != nil || d.Diagnostics.HasErrors(false) {
		t.Fatalf("load: %v %v", err, d.Diagnostics)
	}
	return d
}

// resources is "ACTION KIND NAME" of each resource, sorted as the plan is.
func resources(p *plan.Plan) []string {
	var out []string
	for _, r := range p.LoadBalancing {
		out = append(out, fmt.Sprintf("%s %s %s", r.Action, r.Kind, r.Name))
	}
	return out
}

func changesOf(p *plan.Plan, kind plan.ResourceKind, name string) []string {
	for _, r := range p.LoadBalancing {
		if r.Kind == kind && r.Name == name {
			var out []string
			for _, c := range r.Changes {
				out = append(out, fmt.Sprintf("%s: %s → %s", c.Path, c.Old, c.New))
			}
			return out
		}
	}
	return nil
}

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// TestLoadBalancingResourcesLifecycle: create → apply → no change; a rule's priority
// and path change → a rule update in ELB terms (not only the service's) → apply → no
// change; the rule removed → its record is pruned; a default written out (interval
// 30) is no change.
func TestLoadBalancingResourcesLifecycle(t *testing.T) {
	f := newLBFake(t)
	dir := filepath.Join(t.TempDir(), "repo")

	p := fakePlan(t, f.fakeCluster, elbRepo(t, dir, 10, "/api/*", true, "5"), PlanOptions{})
	if len(p.Plan.LoadBalancing) != 0 {
		t.Fatalf("a cluster without ELB records planned resources: %v", resources(p.Plan))
	}

	plan1 := planLB(t, f, elbRepo(t, dir, 10, "/api/*", true, "5"))
	wantStrings(t, "first plan", resources(plan1.Plan), []string{
		"+ load-balancer front", "+ listener front:80", "+ rule rules/api", "+ target-group api-tg"})
	wantStrings(t, "rule fields on create", changesOf(plan1.Plan, plan.ResourceRule, "rules/api"), []string{
		`Actions[forward].TargetGroup:  → api-tg`, `Conditions[path-pattern]:  → ["/api/*"]`, `Listener:  → front:80`, `Priority:  → 10`})
	for _, r := range plan1.Plan.LoadBalancing {
		want := []string{"api"}
		if !slices.Equal(r.RoutesTo, want) {
			t.Errorf("%s %s routes to %v, want %v", r.Kind, r.Name, r.RoutesTo, want)
		}
	}
	if !plan.WouldChange(plan1.Plan) {
		t.Error("WouldChange false for a plan creating resources")
	}
	res := applyLB(t, f, plan1)
	if len(res.LoadBalancing) != 4 {
		t.Fatalf("apply recorded %v, want 4 records", res.LoadBalancing)
	}

	plan2 := planLB(t, f, elbRepo(t, dir, 10, "/api/*", true, "5"))
	wantStrings(t, "plan after apply", resources(plan2.Plan), []string{
		"  load-balancer front", "  listener front:80", "  rule rules/api", "  target-group api-tg"})
	if plan.WouldChange(plan2.Plan) {
		t.Error("the plan after apply has changes")
	}

	plan3 := planLB(t, f, elbRepo(t, dir, 7, "/v2/*", true, "30"))
	wantStrings(t, "rule change", changesOf(plan3.Plan, plan.ResourceRule, "rules/api"), []string{
		`Conditions[path-pattern]: ["/api/*"] → ["/v2/*"]`, `Priority: 10 → 7`})
	wantStrings(t, "target group change", changesOf(plan3.Plan, plan.ResourceTargetGroup, "api-tg"), []string{
		`Attributes[deregistration_delay.timeout_seconds]: 5 → 30`})
	applyLB(t, f, plan3)
	if plan.WouldChange(planLB(t, f, elbRepo(t, dir, 7, "/v2/*", true, "30")).Plan) {
		t.Error("the plan after applying the rule change has changes")
	}

	plan4 := planLB(t, f, elbRepo(t, dir, 7, "/v2/*", false, "30"))
	wantStrings(t, "rule removed", resources(plan4.Plan), []string{
		"~ load-balancer front", "~ listener front:80", "- rule rules/api", "  target-group api-tg"})
	wantStrings(t, "listener loses its route", changesOf(plan4.Plan, plan.ResourceListener, "front:80"), []string{"(routes to): api → "})
	applyLB(t, f, plan4)
	if _, ok := f.recs["rule/rules/api"]; ok {
		t.Error("the pruned rule's record is still there")
	}
	if plan.WouldChange(planLB(t, f, elbRepo(t, dir, 7, "/v2/*", false, "30")).Plan) {
		t.Error("the plan after the prune has changes")
	}
}

// TestLoadBalancingRecordDriftAndOwnership: a record edited outside ecsgit is drift and
// is written again; a record of another source is skipped, never written or pruned; a
// record written since the plan is a conflict, not overwritten.
func TestLoadBalancingRecordDriftAndOwnership(t *testing.T) {
	f := newLBFake(t)
	dir := filepath.Join(t.TempDir(), "repo")
	applyLB(t, f, planLB(t, f, elbRepo(t, dir, 10, "/api/*", true, "5")))

	f.recs["target-group/api-tg"].Fields["HealthCheckPath"] = "/edited" // by hand, hash unchanged
	f.recs["load-balancer/front"].Source = "someone-else"
	f.recs["rule/other"] = &nomadbackend.LBRecord{Kind: "rule", Name: "other", Source: "someone-else", ModifyIndex: 1}
	p := planLB(t, f, elbRepo(t, dir, 10, "/api/*", true, "5"))
	wantStrings(t, "plan", resources(p.Plan), []string{
		"! load-balancer front", "  listener front:80", "  rule rules/api", "~ target-group api-tg"})
	for _, r := range p.Plan.LoadBalancing {
		if r.Kind == plan.ResourceTargetGroup && (!r.Drifted || len(r.Changes) != 1 || r.Changes[0].Old != "/edited") {
			t.Errorf("edited record planned as %+v, want drifted with HealthCheckPath /edited → /healthz", r)
		}
	}
	f.recs["target-group/api-tg"].ModifyIndex++ // another apply wrote it since the plan
	res := applyLB(t, f, p)
	if len(res.LoadBalancing) != 1 || res.LoadBalancing[0].Status != StatusConflict || res.OK() {
		t.Errorf("apply over a record written since the plan: %v, want one conflict", res.LoadBalancing)
	}
	if f.recs["load-balancer/front"].Source != "someone-else" || f.recs["rule/other"] == nil {
		t.Error("another source's records were changed")
	}
}

// TestLoadBalancingNotRecordedWhenItsServiceFails: a rule whose service's rollout failed
// is not recorded; the next plan shows it again.
func TestLoadBalancingNotRecordedWhenItsServiceFails(t *testing.T) {
	f := newLBFake(t)
	dir := filepath.Join(t.TempDir(), "repo")
	var seen []int
	f.onRollout("api", failingRollout(&seen, 3))
	p := planLB(t, f, elbRepo(t, dir, 10, "/api/*", true, "5"))
	res := applyLB(t, f, p)
	for _, r := range res.LoadBalancing {
		if r.Status != StatusSkipped || !strings.Contains(r.Reason, "api did not succeed") {
			t.Errorf("%s: %s (%s), want skipped because api failed", r.Name, r.Status, r.Reason)
		}
	}
	if len(f.recs) != 0 {
		t.Errorf("records written for a failed service: %v", slices.Collect(maps.Keys(f.recs)))
	}
}

func planLB(t *testing.T, f *lbFake, d *spec.Desired) *Planned {
	t.Helper()
	p, err := ComputePlanned(t.Context(), d, f, PlanOptions{Source: fakeSource})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

func applyLB(t *testing.T, f *lbFake, p *Planned) *Result {
	t.Helper()
	res, err := ApplyPlanned(t.Context(), f, p, ApplyOptions{Who: "test"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}
