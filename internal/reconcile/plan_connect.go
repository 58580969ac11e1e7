package reconcile

import (
	"fmt"
	"strings"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// serviceConnect summarises what svc provides and calls in its Service Connect
// namespace, from the same functions the translation uses (so the plan says what the
// job does).
func serviceConnect(d *spec.Desired, svc *spec.ServiceDoc) *plan.ServiceConnect {
	c := svc.ServiceConnect()
	td := d.TaskDefinitionFor(svc)
	if c == nil || td == nil || td.NetworkMode != "awsvpc" {
		return nil
	}
	ns := spec.ConnectNamespace(c.Namespace)
	out := &plan.ServiceConnect{Namespace: ns}
	own := map[int]bool{}
	for _, cd := range td.ContainerDefinitions {
		for _, pm := range cd.PortMappings {
			if pm.ContainerPort != nil {
				own[*pm.ContainerPort] = true
			}
		}
	}
	for _, e := range d.ConnectEndpoints(ns) {
		if e.Service == svc.ServiceName {
			out.Provides = append(out.Provides, fmt.Sprintf("%s:%d → %s:%d (Nomad service %s)", e.DNSName, e.Port, e.Container, e.ContainerPort, nomadjob.ConnectServiceName(ns, e.Discovery)))
		}
	}
	for _, a := range nomadjob.ConnectAliases(d, ns) {
		if !own[a.Port] {
			out.Uses = append(out.Uses, fmt.Sprintf("%s:%d at %s → %s", a.DNSName, a.Port, a.Listen, a.Upstream))
		}
	}
	return out
}

// connectChanges shows what changes in a service's Service Connect wiring when the
// namespace changes around it (another service adds, renames or drops an alias): the
// service's own files are unchanged, so the ECS field diff shows nothing, but its proxy's
// listeners (the sidecar's template) and its tasks' hosts entries change. From Nomad's
// diff of the dry-run, under "serviceConnectConfiguration".
func connectChanges(ps *PlannedService, sp *plan.ServicePlan) {
	if ps.Service == nil || ps.Service.ServiceConnect() == nil || ps.DryRun == nil || ps.DryRun.Diff == nil || ps.DryRun.DiffType != nomadbackend.DiffEdited {
		return
	}
	const base = "serviceConnectConfiguration: "
	for _, tg := range ps.DryRun.Diff.TaskGroups {
		for _, t := range tg.Tasks {
			if t.Name == nomadjob.ConnectProxyTask && (t.Type == nomadbackend.DiffAdded || t.Type == nomadbackend.DiffDeleted) {
				sp.Changes = append(sp.Changes, plan.NewFieldChange(base+"proxy sidecar "+t.Name, changeKind(t.Type), "", ""))
				continue
			}
			for _, o := range t.Objects {
				if o.Type == nomadbackend.DiffNone {
					continue
				}
				switch {
				case t.Name == nomadjob.ConnectProxyTask && o.Name == "Template":
					walkFields(fmt.Sprintf(base+"nomad:task[%s].Template", t.Name), o.Fields, o.Objects, func(p string, f nomadbackend.FieldDiff) {
						sp.Changes = append(sp.Changes, plan.NewFieldChange(p, changeKind(f.Type), f.Old, f.New))
					})
				case o.Name == "Config":
					for _, f := range o.Fields {
						if strings.HasPrefix(f.Name, "extra_hosts") && f.Type != nomadbackend.DiffNone {
							sp.Changes = append(sp.Changes, plan.NewFieldChange(fmt.Sprintf(base+"nomad:task[%s].Config.%s", t.Name, f.Name), changeKind(f.Type), f.Old, f.New))
						}
					}
				}
			}
		}
	}
}
