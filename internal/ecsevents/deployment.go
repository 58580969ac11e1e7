package ecsevents

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// revertRe reads the job version of Nomad's auto-revert from a failed deployment's
// description ("Failed due to unhealthy allocations - rolling back to job version 0").
var revertRe = regexp.MustCompile(`rolling back to job version (\d+)`)

// deployment maps a deployment update: in progress (a new or a rollback deployment),
// completed (plus the steady state), failed (the circuit breaker, with its rollback).
func (m *Mapper) deployment(index uint64, d *nomadbackend.DeploymentEvent) []Event {
	svc, ok := m.service(d.JobID)
	if !ok {
		return nil
	}
	status := deploymentPhase(d.Status)
	if status == "" || m.deploys[d.ID] == status {
		return nil
	}
	m.deploys[d.ID] = status
	at := d.ModifyTime
	if at.IsZero() {
		// Nomad's deployment events carry no time (ModifyTime is 0 in the payload): the
		// event is stamped when ecsgit derived it. Its ID does not depend on it.
		at = m.o.Now().UTC()
	}
	res := []string{m.serviceArn(svc)}
	dep := func(eventType, name, reason string) Event {
		det := &DeploymentDetail{EventType: eventType, EventName: name, DeploymentID: d.ID, UpdatedAt: at.Truncate(1e6), Reason: reason}
		id := eventID(m.o.Namespace, "deployment", d.ID, name)
		return Event{Envelope: m.envelope(id, DetailDeploymentStateChange, at, res, det), Service: svc, NomadIndex: index,
			Text: fmt.Sprintf("(service %s) (deployment %s) %s: %s", svc, d.ID, name, reason)}
	}
	var out []Event
	switch status {
	case ServiceDeploymentInProgress:
		reason := fmt.Sprintf("ECS deployment %s in progress.", d.ID)
		if v, ok := m.reverting[d.JobID]; ok {
			delete(m.reverting, d.JobID)
			reason = fmt.Sprintf("ECS deployment circuit breaker: rolling back to job version %d.", v)
			out = append(out, m.consoleEvent(index, svc, at, "rollback|"+d.ID, fmt.Sprintf("(deployment %s) rolling back to job version %d.", d.ID, v)))
		}
		out = append(out, dep(eventTypeInfo, ServiceDeploymentInProgress, reason))
	case ServiceDeploymentCompleted:
		out = append(out, dep(eventTypeInfo, ServiceDeploymentCompleted, fmt.Sprintf("ECS deployment %s completed.", d.ID)))
		out = append(out, m.consoleEvent(index, svc, at, "completed|"+d.ID, fmt.Sprintf("(deployment %s) deployment completed.", d.ID)))
		out = append(out, m.steadyState(index, svc, d, at))
		out = append(out, m.consoleEvent(index, svc, at, "steady|"+d.ID, "has reached a steady state."))
	case ServiceDeploymentFailed:
		reason := "ECS deployment circuit breaker: " + d.Description + "."
		if mm := revertRe.FindStringSubmatch(d.Description); mm != nil {
			v, _ := strconv.ParseUint(mm[1], 10, 64)
			m.reverting[d.JobID] = v
		}
		out = append(out, dep(eventTypeError, ServiceDeploymentFailed, reason))
		out = append(out, m.consoleEvent(index, svc, at, "failed|"+d.ID, fmt.Sprintf("(deployment %s) deployment failed: %s.", d.ID, d.Description)))
	}
	return out
}

// deploymentPhase maps Nomad's deployment status to the ECS event it starts ("" for
// none: a paused or cancelled deployment has no ECS counterpart).
func deploymentPhase(s nomadbackend.DeploymentStatus) string {
	switch s {
	case nomadbackend.DeploymentRunning, nomadbackend.DeploymentPending:
		return ServiceDeploymentInProgress
	case nomadbackend.DeploymentSuccessful:
		return ServiceDeploymentCompleted
	case nomadbackend.DeploymentFailed:
		return ServiceDeploymentFailed
	}
	return ""
}

// steadyState is SERVICE_STEADY_STATE once a deployment completed: every desired task
// is running and healthy.
func (m *Mapper) steadyState(index uint64, svc string, d *nomadbackend.DeploymentEvent, at time.Time) Event {
	desired := d.Desired
	det := &ServiceActionDetail{EventType: eventTypeInfo, EventName: ServiceSteadyState, ClusterArn: m.clusterArn(),
		CreatedAt: at.Truncate(time.Millisecond), DesiredCount: &desired}
	id := eventID(m.o.Namespace, "steady", d.ID)
	return Event{Envelope: m.envelope(id, DetailServiceAction, at, []string{m.serviceArn(svc)}, det), Service: svc,
		NomadIndex: index, Text: fmt.Sprintf("(service %s) %s: has reached a steady state.", svc, ServiceSteadyState)}
}
