package compose

import (
	"fmt"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// ecsCondition maps compose depends_on conditions to ECS container dependency conditions.
var ecsCondition = map[string]string{
	types.ServiceConditionStarted:               "START",
	types.ServiceConditionHealthy:               "HEALTHY",
	types.ServiceConditionCompletedSuccessfully: "SUCCESS",
}

// dependencies resolves one service's depends_on once every container of the project
// exists. Inside one task it becomes container dependsOn; across ECS services it becomes
// apply order (ServiceDoc.After), since ECS has no ordering between services.
// serviceOf maps a compose service to the ECS service (name) that runs it; byName gives
// the converters of the same task.
func (s *svcConv) dependencies(serviceOf map[string]string, byName map[string]*svcConv) (after []string) {
	deps := sortedKeys(map[string]types.ServiceDependency(s.svc.DependsOn))
	for _, dep := range deps {
		d := s.svc.DependsOn[dep]
		k := "depends_on." + dep
		if _, ok := s.project.Services[dep]; !ok {
			continue // an optional dependency (required: false) on a disabled service
		}
		cond, ok := ecsCondition[d.Condition]
		if !ok {
			s.errorf(RuleDependency, k, "condition %q is not one compose defines", d.Condition)
			continue
		}
		if d.Restart {
			s.unsupported(k+".restart", "ECS does not restart a container when its dependency restarts")
		}
		if peer, same := byName[dep]; same {
			s.containerDependency(k, cond, peer)
			continue
		}
		if cond == "SUCCESS" {
			s.errorf(RuleDependency, k, "service_completed_successfully on a service in another ECS service cannot be expressed: ECS services restart containers that exit. Put both services into one task with `%s: {task: NAME}`", ExtensionKey)
			continue
		}
		svc := serviceOf[dep]
		after = append(after, svc)
		what := "running"
		if cond == "HEALTHY" {
			what = "healthy"
		}
		s.svcApprox(k, "%q is a separate ECS service: this becomes apply order (ecsgit applies %s first and waits until its deployment is %s and stable). At run time nothing orders or waits: if %s restarts later, this service is not held back", dep, svc, what, dep)
	}
	sort.Strings(after)
	return after
}

func (s *svcConv) containerDependency(k, cond string, peer *svcConv) {
	switch cond {
	case "HEALTHY":
		if peer.c.HealthCheck == nil {
			s.errorf(RuleDependency, k, "service_healthy needs a health check on %q, which has none that ECS runs", peer.name)
			return
		}
	case "SUCCESS":
		// ECS allows SUCCESS only on a non-essential container: one that exits (as a
		// run-once container must) without stopping the task.
		if peer.x.Essential != nil && *peer.x.Essential {
			s.errorf(RuleDependency, k, "service_completed_successfully needs %q to be non-essential (it exits), but its %s sets essential: true", peer.name, ExtensionKey)
			return
		}
		peer.c.Essential = new(false)
	}
	s.c.DependsOn = append(s.c.DependsOn, spec.ContainerDependency{ContainerName: peer.name, Condition: cond})
	s.field(fmt.Sprintf("dependsOn[%d]", len(s.c.DependsOn)-1), k)
}
