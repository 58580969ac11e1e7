package plan

import (
	"bytes"
	"strings"
	"testing"
)

// elbPlan is a plan whose only service change is in place, with every kind of
// load-balancing resource change: a target group created, a rule whose priority and
// path pattern change, a target group whose health check and deregistration delay
// change, a rule pruned, a listener whose record drifted, another source's load
// balancer skipped and one unchanged listener.
func elbPlan() *Plan {
	p := examplePlan()
	p.Services = p.Services[6:] // cache and docs, unchanged
	p.LoadBalancing = []ResourcePlan{
		{Kind: ResourceLoadBalancer, Name: "shared", Action: ActionSkip, File: "lb/shared.json",
			Reason: `ecsgit's record says source "platform" applied this load-balancer, not "shop"; two repositories define it in namespace default`},
		{Kind: ResourceListener, Name: "front:80", Action: ActionNoop, File: "lb/listener.json", RoutesTo: []string{"api", "web"}},
		{Kind: ResourceListener, Name: "front:8080", Action: ActionUpdate, Drifted: true, File: "lb/admin.json", RoutesTo: []string{"admin"},
			Reason: "the record was changed outside ecsgit"},
		{Kind: ResourceRule, Name: "rules/api", Action: ActionUpdate, File: "rules/api.json", RoutesTo: []string{"api"},
			After: map[string]string{"Listener": "front:80", "Priority": "5"},
			Changes: []FieldChange{
				{Path: "Conditions[path-pattern]", Old: `["/api/*"]`, New: `["/api/*","/v2/*"]`, Kind: KindChanged},
				{Path: "Priority", Old: "10", New: "5", Kind: KindChanged},
			}},
		{Kind: ResourceRule, Name: "rules/legacy", Action: ActionDelete, RoutesTo: []string{"web"},
			Reason: "no longer in the repository (rules/legacy.json)"},
		{Kind: ResourceTargetGroup, Name: "admin-tg", Action: ActionCreate, File: "tg/admin.json",
			Changes: []FieldChange{
				{Path: "HealthCheckPath", New: "/healthz", Kind: KindAdded},
				{Path: "Name", New: "admin-tg", Kind: KindAdded},
				{Path: "Tags[api-token]", New: "t0ps3cr3t", Kind: KindAdded},
			}},
		{Kind: ResourceTargetGroup, Name: "web-tg", Action: ActionUpdate, File: "tg/web.json", RoutesTo: []string{"web"},
			Changes: []FieldChange{
				{Path: "Attributes[deregistration_delay.timeout_seconds]", Old: "300", New: "30", Kind: KindChanged},
				{Path: "HealthCheckIntervalSeconds", Old: "30", New: "10", Kind: KindChanged},
				{Path: "HealthCheckPath", Old: "/", New: "/healthz", Kind: KindChanged},
				{Path: "HealthyThresholdCount", Old: "5", New: "2", Kind: KindChanged},
				{Path: "Matcher.HttpCode", Old: "200", New: "200-299", Kind: KindChanged},
			}},
	}
	p.Summarize()
	return p
}

func TestRenderLoadBalancingGolden(t *testing.T) {
	tests := []struct {
		name, file string
		format     Format
		opts       RenderOptions
		reason     string
	}{
		{"human", "plan-elb.human.golden", FormatHuman, RenderOptions{}, "listeners, rules and target groups as resources, with ELB field diffs"},
		{"human verbose", "plan-elb.human-verbose.golden", FormatHuman, RenderOptions{Verbose: true}, "-v lists unchanged resources"},
		{"json", "plan-elb.json.golden", FormatJSON, RenderOptions{}, "load_balancing and summary.load_balancing in the JSON contract"},
		{"markdown", "plan-elb.md.golden", FormatMarkdown, RenderOptions{}, "the pull-request comment's load-balancing table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, elbPlan(), tt.format, tt.opts); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), "t0ps3cr3t") {
				t.Error("a tag value under a secret-looking key reached the output")
			}
			golden(t, tt.file, b.Bytes(), tt.reason)
		})
	}
}

// TestResourceChangesAreChanges: a plan whose services are all unchanged but whose
// load-balancing resources change has changes (--detailed-exitcode 2, apply asks),
// and one whose resources are all unchanged or skipped has none.
func TestResourceChangesAreChanges(t *testing.T) {
	p := elbPlan()
	if !WouldChange(p) {
		t.Error("a plan with a rule update: WouldChange false, want true")
	}
	for i := range p.LoadBalancing {
		if a := p.LoadBalancing[i].Action; a != ActionSkip {
			p.LoadBalancing[i].Action, p.LoadBalancing[i].Drifted = ActionNoop, false
		}
	}
	if WouldChange(p) {
		t.Error("a plan whose resources are unchanged or skipped: WouldChange true, want false")
	}
}
