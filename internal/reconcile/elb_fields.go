package reconcile

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// An ELB object's fields, for the plan and its record: a flat map from a path in ELB
// terms to a value, with ELB's defaults filled in (so writing a default out changes
// nothing), references reduced to the names they resolve to (an ARN and a name of the
// same target group are the same), and list members keyed by what identifies them
// (Conditions[path-pattern], Attributes[KEY], Tags[KEY]) rather than by position.

// lbObject is one desired ELB object.
type lbObject struct {
	kind     plan.ResourceKind
	name     string
	file     string
	fields   map[string]string
	routesTo []string
}

// desiredLBObjects lists the repository's ELB objects with the services each routes to.
func desiredLBObjects(d *spec.Desired) []lbObject {
	byTG := servicesByTargetGroup(d)
	var out []lbObject
	tgRoutes := func(acts []spec.ELBAction) []string {
		var svcs []string
		for _, a := range acts {
			for _, ref := range spec.ActionTargetGroups(a) {
				svcs = append(svcs, byTG[spec.ELBResourceName(ref)]...)
			}
		}
		return sortedUnique(svcs)
	}
	listenerRoutes := map[string][]string{}
	for _, l := range d.Listeners {
		listenerRoutes[l.Key()] = append(listenerRoutes[l.Key()], tgRoutes(l.DefaultActions)...)
	}
	for _, r := range d.Rules {
		routes := tgRoutes(r.Actions)
		listenerRoutes[r.Listener] = append(listenerRoutes[r.Listener], routes...)
		out = append(out, lbObject{kind: plan.ResourceRule, name: ruleName(d, r), file: relFile(d, r.Pos.File), fields: ruleFields(r), routesTo: routes})
	}
	lbRoutes := map[string][]string{}
	for _, l := range d.Listeners {
		routes := sortedUnique(listenerRoutes[l.Key()])
		lbRoutes[l.LoadBalancer] = append(lbRoutes[l.LoadBalancer], routes...)
		out = append(out, lbObject{kind: plan.ResourceListener, name: l.Key(), file: relFile(d, l.Pos.File), fields: listenerFields(l), routesTo: routes})
	}
	for _, lb := range d.LoadBalancers {
		out = append(out, lbObject{kind: plan.ResourceLoadBalancer, name: lb.Name, file: relFile(d, lb.Pos.File), fields: loadBalancerFields(lb), routesTo: sortedUnique(lbRoutes[lb.Name])})
	}
	for _, tg := range d.TargetGroups {
		out = append(out, lbObject{kind: plan.ResourceTargetGroup, name: tg.Name, file: relFile(d, tg.Pos.File), fields: targetGroupFields(tg), routesTo: sortedUnique(byTG[tg.Name])})
	}
	return out
}

// servicesByTargetGroup maps a target group's name to the services registered in it.
func servicesByTargetGroup(d *spec.Desired) map[string][]string {
	out := map[string][]string{}
	for _, s := range d.Services {
		for _, lb := range s.LoadBalancers {
			if lb.TargetGroupArn != "" {
				name := spec.ELBResourceName(lb.TargetGroupArn)
				out[name] = append(out[name], s.ServiceName)
			}
		}
	}
	return out
}

// ruleName identifies a rule, which has no name in ELB: its "Name" tag (the AWS
// console's convention), else its file in the repository without the extension. Not
// its priority or its listener: those are fields a change of which is an update.
func ruleName(d *spec.Desired, r *spec.RuleDoc) string {
	for _, t := range r.Tags {
		if t.Key == "Name" && t.Value != "" {
			return t.Value
		}
	}
	return strings.TrimSuffix(relFile(d, r.Pos.File), filepath.Ext(r.Pos.File))
}

// relFile is file relative to the repository root, with slashes.
func relFile(d *spec.Desired, file string) string {
	if d.Root != "" {
		if rel, err := filepath.Rel(d.Root, file); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(file)
}

type fieldSet map[string]string

func (f fieldSet) set(path, v string) {
	if v != "" {
		f[path] = plan.HideSecretValue(path, v)
	}
}
func (f fieldSet) str(path, v, def string) { f.set(path, cmpOr(v, def)) }
func (f fieldSet) int(path string, p *int, def int) {
	if p != nil {
		f.set(path, strconv.Itoa(*p))
	} else if def >= 0 {
		f.set(path, strconv.Itoa(def))
	}
}
func (f fieldSet) list(path string, vs []string) {
	if len(vs) > 0 {
		s := slices.Clone(vs)
		slices.Sort(s)
		f.set(path, compactJSON(s))
	}
}
func (f fieldSet) raw(path string, v json.RawMessage) {
	if len(v) > 0 && string(v) != "null" {
		f.set(path, compactJSON(v))
	}
}
func (f fieldSet) tags(tags []spec.ELBTag) {
	for _, t := range tags {
		f[fmt.Sprintf("Tags[%s]", t.Key)] = plan.HideSecretValue("Tags["+t.Key+"]", t.Value)
	}
}

// actions keys each action by its type (a listener or rule has one action of a type
// that ends the evaluation), the value being what it does.
func (f fieldSet) actions(path string, acts []spec.ELBAction) {
	seen := map[string]int{}
	for _, a := range acts {
		key := a.Type
		if seen[key]++; seen[key] > 1 {
			key += "#" + strconv.Itoa(seen[key])
		}
		p := fmt.Sprintf("%s[%s]", path, key)
		switch a.Type {
		case "forward":
			var tgs []string
			for _, ref := range spec.ActionTargetGroups(a) {
				tgs = append(tgs, spec.ELBResourceName(ref))
			}
			f.set(p+".TargetGroup", strings.Join(tgs, ", "))
			if a.ForwardConfig != nil {
				for _, t := range a.ForwardConfig.TargetGroups {
					if t.Weight != nil {
						f.set(fmt.Sprintf("%s.Weight[%s]", p, spec.ELBResourceName(t.TargetGroupArn)), strconv.Itoa(*t.Weight))
					}
				}
				f.raw(p+".Stickiness", a.ForwardConfig.TargetGroupStickinessConfig)
			}
		case "fixed-response":
			f.raw(p+".FixedResponseConfig", a.FixedResponseConfig)
			if _, ok := f[p+".FixedResponseConfig"]; !ok {
				f[p] = "fixed-response"
			}
		default:
			f[p] = compactJSON(a)
		}
	}
}

func loadBalancerFields(lb *spec.LoadBalancerDoc) map[string]string {
	f := fieldSet{}
	f.set("Name", lb.Name)
	f.str("Type", lb.Type, "application")
	f.str("Scheme", lb.Scheme, "internet-facing")
	f.str("IpAddressType", lb.IpAddressType, "ipv4")
	f.list("Subnets", lb.Subnets)
	f.raw("SubnetMappings", lb.SubnetMappings)
	f.list("SecurityGroups", lb.SecurityGroups)
	f.tags(lb.Tags)
	return f
}

func listenerFields(l *spec.ListenerDoc) map[string]string {
	f := fieldSet{}
	f.set("LoadBalancer", l.LoadBalancer)
	f.set("Protocol", l.Protocol)
	f.int("Port", l.Port, -1)
	f.set("SslPolicy", l.SslPolicy)
	f.list("AlpnPolicy", l.AlpnPolicy)
	f.actions("DefaultActions", l.DefaultActions)
	f.tags(l.Tags)
	return f
}

func ruleFields(r *spec.RuleDoc) map[string]string {
	f := fieldSet{}
	f.set("Listener", cmpOr(r.Listener, r.ListenerArn))
	f.int("Priority", r.Priority, -1)
	for _, c := range r.Conditions {
		// Values of one condition are ORed, so their order is no change.
		f.list(fmt.Sprintf("Conditions[%s]", c.Field), spec.ConditionValues(c))
	}
	f.actions("Actions", r.Actions)
	f.tags(r.Tags)
	return f
}

func targetGroupFields(tg *spec.TargetGroupDoc) map[string]string {
	f := fieldSet{}
	f.set("Name", tg.Name)
	f.str("Protocol", tg.Protocol, "HTTP")
	f.set("ProtocolVersion", tg.ProtocolVersion)
	f.int("Port", tg.Port, -1)
	f.str("TargetType", tg.TargetType, "instance")
	f.set("VpcId", tg.VpcId)
	enabled := "true"
	if tg.HealthCheckEnabled != nil && !*tg.HealthCheckEnabled {
		enabled = "false"
	}
	f.set("HealthCheckEnabled", enabled)
	f.str("HealthCheckProtocol", tg.HealthCheckProtocol, "HTTP")
	f.str("HealthCheckPort", tg.HealthCheckPort, "traffic-port")
	f.str("HealthCheckPath", tg.HealthCheckPath, spec.ELBDefaultHealthCheckPath)
	f.int("HealthCheckIntervalSeconds", tg.HealthCheckIntervalSeconds, spec.ELBDefaultHealthCheckInterval)
	f.int("HealthCheckTimeoutSeconds", tg.HealthCheckTimeoutSeconds, spec.ELBDefaultHealthCheckTimeout)
	f.int("HealthyThresholdCount", tg.HealthyThresholdCount, spec.ELBDefaultHealthyThreshold)
	f.int("UnhealthyThresholdCount", tg.UnhealthyThresholdCount, spec.ELBDefaultUnhealthyThreshold)
	matcher := spec.ELBDefaultMatcher
	if tg.Matcher != nil && tg.Matcher.HttpCode != "" {
		matcher = tg.Matcher.HttpCode
	}
	f.set("Matcher.HttpCode", matcher)
	f.set("IpAddressType", tg.IpAddressType)
	f.set("Attributes["+spec.AttrDeregistrationDelay+"]", strconv.Itoa(tg.DeregistrationDelay()))
	for _, a := range tg.Attributes {
		if a.Key != spec.AttrDeregistrationDelay {
			f.set("Attributes["+a.Key+"]", a.Value)
		}
	}
	f.tags(tg.Tags)
	return f
}

// diffFields is the change from old to new, sorted by path (nil old: all added).
func diffFields(old, new map[string]string) []plan.FieldChange {
	var out []plan.FieldChange
	for p, nv := range new {
		ov, had := old[p]
		switch {
		case !had:
			out = append(out, plan.NewFieldChange(p, plan.KindAdded, "", nv))
		case ov != nv:
			out = append(out, plan.NewFieldChange(p, plan.KindChanged, ov, nv))
		}
	}
	for p, ov := range old {
		if _, ok := new[p]; !ok {
			out = append(out, plan.NewFieldChange(p, plan.KindRemoved, ov, ""))
		}
	}
	slices.SortFunc(out, func(a, b plan.FieldChange) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func compactJSON(v any) string {
	if raw, ok := v.(json.RawMessage); ok {
		var x any
		if json.Unmarshal(raw, &x) == nil {
			v = x // re-encoded: sorted keys, no insignificant space
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
