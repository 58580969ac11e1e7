package reconcile

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// routes lists the listener rules and default actions that reach svc's target groups.
func routes(d *spec.Desired, svc *spec.ServiceDoc) []plan.Route {
	var out []plan.Route
	for _, lb := range svc.LoadBalancers {
		tg := d.TargetGroup(lb.TargetGroupArn)
		if tg == nil {
			continue
		}
		for _, r := range d.RoutesTo(tg.Name) {
			pr := plan.Route{Listener: r.Listener.Key(), TargetGroup: tg.Name}
			if r.Rule != nil {
				if r.Rule.Priority != nil {
					pr.Priority = *r.Rule.Priority
				}
				var conds []string
				for _, c := range r.Rule.Conditions {
					conds = append(conds, c.Field+" "+strings.Join(spec.ConditionValues(c), ", "))
				}
				pr.Conditions = strings.Join(conds, " AND ")
			}
			out = append(out, pr)
		}
	}
	return out
}

// trafficChanges shows what changes in a service's load-balancer registration: a rule,
// a listener or a target group changes the job's target-group services (routing tags,
// health check) and shutdown_delay, not the ECS service, so the ECS field diff would
// show nothing. The changes come from Nomad's own diff of the dry-run, under
// "loadBalancers".
func trafficChanges(ps *PlannedService, sp *plan.ServicePlan) {
	if ps.Service == nil || len(ps.Service.LoadBalancers) == 0 || ps.DryRun == nil || ps.DryRun.Diff == nil || ps.DryRun.DiffType != nomadbackend.DiffEdited {
		return
	}
	for _, tg := range ps.DryRun.Diff.TaskGroups {
		for _, t := range tg.Tasks {
			for _, f := range t.Fields {
				if f.Name == "ShutdownDelay" && f.Type != nomadbackend.DiffNone {
					sp.Changes = append(sp.Changes, plan.NewFieldChange(fmt.Sprintf("loadBalancers: deregistration delay (task %s shutdown_delay)", t.Name), changeKind(f.Type), nanos(f.Old), nanos(f.New)))
				}
			}
			for _, o := range t.Objects {
				if o.Name != "Service" || o.Type == nomadbackend.DiffNone {
					continue
				}
				walkFields(fmt.Sprintf("loadBalancers: nomad:task[%s].Service", t.Name), o.Fields, o.Objects, func(p string, f nomadbackend.FieldDiff) {
					p = strings.ReplaceAll(p, ".Tags.Tags", ".Tags") // Nomad's set diff: object Tags, field Tags
					sp.Changes = append(sp.Changes, plan.NewFieldChange(p, changeKind(f.Type), f.Old, f.New))
				})
			}
		}
	}
}

// nanos shows Nomad's nanosecond durations ("5000000000") as durations ("5s").
func nanos(v string) string {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(n).String()
	}
	return v
}
