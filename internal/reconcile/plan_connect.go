package reconcile

import (
	"fmt"

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
