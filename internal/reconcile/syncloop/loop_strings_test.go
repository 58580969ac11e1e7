package syncloop

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// fresh returns a copy of s in memory of its own, as a pass that computes a value
// again makes it.
func fresh(s string) string { return strings.Clone(s) }

func same(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

// What the loop keeps between passes of what a pass computes anew (the spec hash of
// every service, the statuses' task definition and reason) stays the string it kept
// already when the new one is equal: 5,000 new strings per pass, allocated among the
// pass's garbage, would keep that garbage's spans in use (issue 19). A value that changed
// is taken.
func TestLoopKeepsEqualStringsOfThePassBefore(t *testing.T) {
	l := &Loop{specs: map[string]string{}}
	pass := func(web, api string) *reconcile.Planned {
		return &reconcile.Planned{Plan: &plan.Plan{Services: []plan.ServicePlan{
			{Service: "web", JobID: "web", SpecHash: fresh(web)}, {Service: "api", JobID: "api", SpecHash: fresh(api)}}}}
	}
	l.rememberSpecs(pass("h-web-1", "h-api-1"), nil)
	kept := l.specs["web"]
	l.rememberSpecs(pass("h-web-1", "h-api-2"), nil)
	if l.specs["web"] != "h-web-1" || !same(l.specs["web"], kept) {
		t.Error("an unchanged spec hash was replaced by the new pass's equal string")
	}
	if l.specs["api"] != "h-api-2" {
		t.Errorf("a changed spec hash was not taken: %q", l.specs["api"])
	}

	prev := []ServiceStatus{{Service: "web", JobID: "web", TaskDefinition: "web:3", Reason: "r"}, {Service: "api", JobID: "api", TaskDefinition: "api:1"}}
	next := []ServiceStatus{{Service: fresh("web"), JobID: fresh("web"), TaskDefinition: fresh("web:3"), Reason: fresh("r")},
		{Service: fresh("api"), JobID: fresh("api"), TaskDefinition: fresh("api:2")}, {Service: "new", JobID: "new", TaskDefinition: "new:1"}}
	keepStrings(next, prev)
	if w := next[0]; !same(w.Service, prev[0].Service) || !same(w.JobID, prev[0].JobID) || !same(w.TaskDefinition, prev[0].TaskDefinition) || !same(w.Reason, prev[0].Reason) {
		t.Errorf("unchanged status strings were not the kept ones: %+v", w)
	}
	if a := next[1]; a.TaskDefinition != "api:2" || !same(a.Service, prev[1].Service) {
		t.Errorf("status of a changed service: %+v", a)
	}
	if n := next[2]; n != (ServiceStatus{Service: "new", JobID: "new", TaskDefinition: "new:1"}) {
		t.Errorf("status of a new service: %+v", n)
	}
}
