package ecsevents

import (
	"fmt"
	"strings"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// placement maps an evaluation that could not place every task to
// SERVICE_TASK_PLACEMENT_FAILURE and the console's "was unable to place a task".
func (m *Mapper) placement(index uint64, e *nomadbackend.EvalEvent) []Event {
	svc, ok := m.service(e.JobID)
	if !ok || len(e.FailedGroups) == 0 || m.placed[e.ID] {
		return nil
	}
	m.placed[e.ID] = true
	var reasons, why []string
	for _, g := range e.FailedGroups {
		for _, r := range g.Reasons {
			reasons = append(reasons, placementReason(r))
		}
		why = append(why, fmt.Sprintf("%d task(s) not placed: %d of %d container instances filtered, %d exhausted (%s)",
			g.Failed, g.NodesFiltered, g.NodesEvaluated+g.NodesFiltered, g.NodesExhausted, strings.Join(g.Reasons, ", ")))
	}
	reason := strings.Join(reasons, ",")
	det := &ServiceActionDetail{EventType: eventTypeWarn, EventName: ServiceTaskPlacementFailure, ClusterArn: m.clusterArn(),
		CreatedAt: e.ModifyTime.Truncate(1e6), Reason: reason}
	id := eventID(m.o.Namespace, "placement", e.ID)
	act := Event{Envelope: m.envelope(id, DetailServiceAction, e.ModifyTime, []string{m.serviceArn(svc)}, det), Service: svc,
		NomadIndex: index, Text: fmt.Sprintf("(service %s) %s: %s", svc, ServiceTaskPlacementFailure, reason)}
	msg := "was unable to place a task because no container instance met all of its requirements. Reason: " + strings.Join(why, "; ") + "."
	return []Event{act, m.consoleEvent(index, svc, e.ModifyTime, "placement|"+e.ID, msg)}
}

// placementReason is ECS's reason vocabulary for one of the scheduler's dimensions:
// RESOURCE:CPU, RESOURCE:MEMORY, RESOURCE:PORTS, otherwise CONSTRAINT:<what>.
func placementReason(dim string) string {
	switch d := strings.ToLower(dim); {
	case d == "cpu" || strings.HasPrefix(d, "cpu"):
		return "RESOURCE:CPU"
	case d == "memory" || strings.HasPrefix(d, "memory"):
		return "RESOURCE:MEMORY"
	case strings.Contains(d, "port") || strings.Contains(d, "network"):
		return "RESOURCE:PORTS"
	}
	return "CONSTRAINT:" + dim
}
