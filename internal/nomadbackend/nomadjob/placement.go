package nomadjob

import (
	"fmt"
	"strings"

	"github.com/hashicorp/nomad/api"
)

// placement translates placement strategies and constraints (service and task
// definition) into group spreads and constraints.
func (t *translator) placement(tg *api.TaskGroup) error {
	if !t.isDaemon() {
		tg.Spreads = t.spreads()
	} else if len(t.svc.PlacementStrategy) > 0 {
		t.notes.unsupported(t.svcField("placementStrategy"),
			"a DAEMON service runs one task on every eligible node: placement strategies have no effect (ECS ignores them too)")
	}
	for i, pc := range t.td.PlacementConstraints {
		ref := t.tdField(fmt.Sprintf("placementConstraints[%d]", i))
		tg.Constraints = append(tg.Constraints, t.constraint(pc.Type, pc.Expression, ref)...)
	}
	for i, pc := range t.svc.PlacementConstraints {
		ref := t.svcField(fmt.Sprintf("placementConstraints[%d]", i))
		tg.Constraints = append(tg.Constraints, t.constraint(pc.Type, pc.Expression, ref)...)
	}
	if rp := t.td.RuntimePlatform; rp != nil {
		tg.Constraints = append(tg.Constraints, t.runtimePlatform()...)
	}
	return nil
}

// spreads maps ECS strategies in priority order to Nomad spreads. Nomad requires the
// weights to sum to at most 100, so earlier strategies get larger weights. Without any
// strategy, ECS's default for services is to balance across availability zones, which
// is a spread over the zone attribute.
func (t *translator) spreads() []*api.Spread {
	var attrs []string
	if len(t.svc.PlacementStrategy) == 0 {
		attrs = append(attrs, t.cfg.ZoneAttribute)
	}
	for i, ps := range t.svc.PlacementStrategy {
		ref := t.svcField(fmt.Sprintf("placementStrategy[%d]", i))
		switch ps.Type {
		case "spread":
			if attr, ok := t.strategyAttribute(ps.Field, ref.child("field")); ok {
				attrs = append(attrs, attr)
			}
		case "binpack":
			t.notes.approx(ref, RulePlacement,
				"Nomad bin-packs by default, but per cluster (scheduler algorithm), not per service and not by a chosen dimension (%s)", ps.Field)
		case "random":
			t.notes.unsupported(ref, "Nomad has no random placement; its scheduler scores nodes instead")
		}
	}
	if len(attrs) == 0 {
		return nil
	}
	// Weights n, n-1, ..., 1 scaled to 100.
	n := len(attrs)
	total := n * (n + 1) / 2
	out := make([]*api.Spread, 0, n)
	for i, a := range attrs {
		w := int8(max(100*(n-i)/total, 1))
		out = append(out, &api.Spread{Attribute: a, Weight: new(w)})
	}
	return out
}

// strategyAttribute maps a spread field to a Nomad node attribute.
func (t *translator) strategyAttribute(field string, ref fieldRef) (string, bool) {
	switch field {
	case "instanceId", "host":
		return "${node.unique.id}", true
	}
	name, ok := strings.CutPrefix(field, "attribute:")
	if !ok {
		t.notes.unsupported(ref, "spread field %q is not translated", field)
		return "", false
	}
	attr, level, detail := nodeAttribute(t.cfg.ZoneAttribute, name)
	switch level {
	case "unsupported":
		t.notes.unsupported(ref, "%s", detail)
		return "", false
	case "approximate":
		t.notes.approx(ref, RulePlacement, "%s", detail)
	}
	return attr, true
}

// nodeAttribute maps an ECS container-instance attribute to a Nomad node attribute.
// Custom attributes become client meta (set `meta { <name> = "..." }` on the clients).
func nodeAttribute(zoneAttr, name string) (attr, level, detail string) {
	switch name {
	case "ecs.availability-zone":
		return zoneAttr, "", ""
	case "ecs.instance-type":
		return "${attr.platform.aws.instance-type}", "approximate",
			"ecs.instance-type becomes ${attr.platform.aws.instance-type}, which only clients on EC2 with the AWS fingerprinter report"
	case "ecs.cpu-architecture":
		// Exact: the values are mapped (nodeValues: x86_64 → amd64).
		return "${attr.cpu.arch}", "", ""
	case "ecs.os-type":
		return "${attr.kernel.name}", "approximate", "ecs.os-type becomes ${attr.kernel.name} (linux, windows)"
	}
	if strings.HasPrefix(name, "ecs.") {
		return "", "unsupported", fmt.Sprintf("attribute %q has no Nomad node attribute", name)
	}
	return "${meta." + name + "}", "", ""
}

// constraint translates one distinctInstance or memberOf constraint.
func (t *translator) constraint(typ, expr string, ref fieldRef) []*api.Constraint {
	switch typ {
	case "distinctInstance":
		return []*api.Constraint{{Operand: api.ConstraintDistinctHosts, RTarget: "true"}}
	case "memberOf":
		return t.memberOf(expr, ref.child("expression"))
	}
	t.notes.unsupported(ref.child("type"), "placement constraint type %q is not translated", typ)
	return nil
}

// runtimePlatform pins the CPU architecture and OS family.
func (t *translator) runtimePlatform() []*api.Constraint {
	rp := t.td.RuntimePlatform
	var out []*api.Constraint
	switch rp.CpuArchitecture {
	case "X86_64":
		out = append(out, &api.Constraint{LTarget: "${attr.cpu.arch}", RTarget: "amd64", Operand: "="})
	case "ARM64":
		out = append(out, &api.Constraint{LTarget: "${attr.cpu.arch}", RTarget: "arm64", Operand: "="})
	}
	switch os := rp.OperatingSystemFamily; {
	case os == "LINUX":
		out = append(out, &api.Constraint{LTarget: "${attr.kernel.name}", RTarget: "linux", Operand: "="})
	case strings.HasPrefix(os, "WINDOWS"):
		out = append(out, &api.Constraint{LTarget: "${attr.kernel.name}", RTarget: "windows", Operand: "="})
		t.notes.approx(t.tdField("runtimePlatform.operatingSystemFamily"), RulePlacement,
			"only the OS kind (windows) is constrained, not the Windows Server version")
	}
	return out
}
