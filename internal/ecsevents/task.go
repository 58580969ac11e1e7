package ecsevents

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// task maps an allocation update to a Task State Change when the task's ECS
// (lastStatus, desiredStatus) moved, and notes starts and stops for the console.
func (m *Mapper) task(index uint64, a *nomadbackend.AllocEvent, started, stopped taskSet) []Event {
	svc, ok := m.service(a.JobID)
	if !ok {
		return nil
	}
	last, desired := lastStatus(a), desiredStatus(a)
	mem := m.tasks[a.ID]
	if mem == nil {
		mem = &taskMemory{}
		m.tasks[a.ID] = mem
	}
	if mem.last == last && mem.desired == desired {
		return nil
	}
	if mem.last == "" && (last == taskStatusProvisioning || last == taskStatusPending) {
		started.add(svc, a.ID, a.CreateTime)
	}
	if desired == desiredStopped && mem.desired != desiredStopped && a.DesiredStatus != "run" {
		stopped.add(svc, a.ID, a.ModifyTime)
	}
	var out []Event
	for _, skipped := range skippedStates(mem.last, last, a) {
		out = append(out, m.taskEvent(index, a, svc, skipped, desiredRunning, mem))
	}
	out = append(out, m.taskEvent(index, a, svc, last, desired, mem))
	mem.last, mem.desired = last, desired
	return out
}

// lifecycle is ECS's order of lastStatus values that ecsgit reports.
var lifecycle = []string{taskStatusProvisioning, taskStatusPending, taskStatusRunning, taskStatusStopped}

// skippedStates are the states between from and to that one Nomad update jumped over
// (a client reports setup and start at once): ECS consumers expect every task to pass
// PENDING, and RUNNING when a container started.
func skippedStates(from, to string, a *nomadbackend.AllocEvent) []string {
	i, j := slices.Index(lifecycle, from), slices.Index(lifecycle, to)
	if i < 0 || j <= i+1 {
		return nil
	}
	var out []string
	for _, s := range lifecycle[i+1 : j] {
		if s == taskStatusRunning && !anyStarted(a) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func anyStarted(a *nomadbackend.AllocEvent) bool {
	for _, t := range a.Tasks {
		if !t.StartedAt.IsZero() {
			return true
		}
	}
	return false
}

func (m *Mapper) taskEvent(index uint64, a *nomadbackend.AllocEvent, svc, last, desired string, mem *taskMemory) Event {
	mem.version++
	d := m.taskDetail(a, svc, last, desired, mem.version)
	id := eventID(m.o.Namespace, "task", a.ID, last, desired)
	text := fmt.Sprintf("(service %s) (task %s) %s, desired %s", svc, a.ID, last, desired)
	if d.StopCode != "" {
		text += fmt.Sprintf(": %s: %s", d.StopCode, d.StoppedReason)
	}
	env := m.envelope(id, DetailTaskStateChange, a.ModifyTime, []string{d.TaskArn}, d)
	return Event{Envelope: env, Service: svc, NomadIndex: index, Text: text}
}

// lastStatus is ECS's task lifecycle read from an allocation: PROVISIONING while no
// client has picked it up, PENDING while its containers are set up or pulled, RUNNING,
// then STOPPED.
func lastStatus(a *nomadbackend.AllocEvent) string {
	switch a.ClientStatus {
	case "running":
		return taskStatusRunning
	case "complete", "failed", "lost":
		return taskStatusStopped
	}
	for _, t := range a.Tasks {
		if t.LastEventType != "" || t.State != "pending" {
			return taskStatusPending
		}
	}
	return taskStatusProvisioning
}

func desiredStatus(a *nomadbackend.AllocEvent) string {
	if a.DesiredStatus == "run" && a.ClientStatus != "complete" && a.ClientStatus != "failed" && a.ClientStatus != "lost" {
		return desiredRunning
	}
	return desiredStopped
}

func (m *Mapper) taskDetail(a *nomadbackend.AllocEvent, svc, last, desired string, version int) *TaskDetail {
	d := &TaskDetail{ClusterArn: m.clusterArn(), CreatedAt: a.CreateTime.Truncate(time.Millisecond), DesiredStatus: desired,
		Group: "service:" + svc, LaunchType: "EC2", LastStatus: last, StartedBy: "ecsgit/" + svc,
		TaskArn: m.taskArn(a.ID), Containers: []ContainerDetail{}, UpdatedAt: a.ModifyTime.Truncate(time.Millisecond), Version: version}
	if a.DeploymentID != "" {
		d.StartedBy = a.DeploymentID
	}
	if a.NodeID != "" {
		d.ContainerInstanceArn = fmt.Sprintf("arn:aws:ecs:%s:%s:container-instance/%s/%s", m.o.Region, m.o.Account, m.o.Namespace, a.NodeID)
	}
	if m.o.TaskDefinition != nil {
		if td := m.o.TaskDefinition(a.JobID); td != "" {
			d.TaskDefinitionArn = fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s", m.o.Region, m.o.Account, td)
		}
	}
	for _, t := range a.Tasks {
		c := ContainerDetail{ContainerArn: fmt.Sprintf("arn:aws:ecs:%s:%s:container/%s/%s/%s", m.o.Region, m.o.Account, m.o.Namespace, a.ID, t.Name),
			Name: t.Name, LastStatus: containerStatus(t), TaskArn: d.TaskArn}
		if slices.Index(lifecycle, c.LastStatus) > slices.Index(lifecycle, last) {
			c.LastStatus = last // an intermediate state of a jump: the containers were there then
		}
		if c.LastStatus == taskStatusStopped {
			c.ExitCode = t.ExitCode
			if t.Failed || (t.ExitCode != nil && *t.ExitCode != 0) {
				c.Reason = eventText(t)
			}
		}
		d.Containers = append(d.Containers, c)
		if !t.PullStarted.IsZero() && (d.PullStartedAt == nil || t.PullStarted.Before(*d.PullStartedAt)) {
			d.PullStartedAt = timePtr(t.PullStarted)
		}
		if !t.StartedAt.IsZero() && (d.StartedAt == nil || t.StartedAt.Before(*d.StartedAt)) {
			d.StartedAt = timePtr(t.StartedAt)
		}
		if !t.FinishedAt.IsZero() && last == taskStatusStopped && (d.StoppedAt == nil || t.FinishedAt.After(*d.StoppedAt)) {
			d.StoppedAt = timePtr(t.FinishedAt)
		}
	}
	if desired == desiredStopped && last != taskStatusStopped {
		d.StoppingAt = timePtr(a.ModifyTime)
	}
	if desired == desiredStopped {
		d.StopCode, d.StoppedReason = stopCause(a)
	}
	if last == taskStatusPending {
		d.StartedAt = nil
	}
	if last == taskStatusStopped && d.StoppedAt == nil {
		d.StoppedAt = timePtr(a.ModifyTime)
	}
	return d
}

func containerStatus(t nomadbackend.TaskStateEvent) string {
	switch t.State {
	case "running":
		return taskStatusRunning
	case "dead":
		return taskStatusStopped
	}
	return taskStatusPending
}

// stopCause is ECS's stopCode and stoppedReason for a task that stops or stopped.
func stopCause(a *nomadbackend.AllocEvent) (string, string) {
	switch {
	case a.ClientStatus == "lost":
		return stopCodeTerminationNotice, "Task stopped because its container instance (Nomad node " + a.NodeName + ") was lost."
	case a.DesiredStatus == "evict" || strings.Contains(a.DesiredDescription, "migrat"):
		return stopCodeServiceScheduler, "Task stopped because its container instance is draining."
	case a.DesiredStatus == "stop" && a.DesiredDescription != "":
		return stopCodeServiceScheduler, "Task stopped by the service scheduler: " + a.DesiredDescription
	}
	for _, t := range a.Tasks {
		if t.State == "dead" && t.ExitCode != nil && *t.ExitCode != 0 {
			// Nomad marks the allocation unhealthy after such an exit too: the exit is
			// the cause.
			return stopCodeEssentialExited, "Essential container in task exited"
		}
	}
	for _, t := range a.Tasks {
		if t.LastEventType == "Alloc Unhealthy" {
			// Nomad killed the task for failing its checks, as ECS's scheduler stops
			// a task whose essential container turned UNHEALTHY.
			return stopCodeServiceScheduler, "Task failed container health checks"
		}
	}
	for _, t := range a.Tasks {
		if t.StartedAt.IsZero() && (t.Failed || a.ClientStatus == "failed") {
			return stopCodeTaskFailedToStart, startFailure(t)
		}
	}
	for _, t := range a.Tasks {
		if t.State == "dead" {
			return stopCodeEssentialExited, "Essential container in task exited"
		}
	}
	return stopCodeServiceScheduler, "Task stopped by the scheduler"
}

// startFailure names why a container never started, with ECS's error names where they
// exist (CannotPullContainerError).
func startFailure(t nomadbackend.TaskStateEvent) string {
	msg := eventText(t)
	if strings.Contains(strings.ToLower(t.LastEventMessage), "pull") || strings.Contains(strings.ToLower(t.LastEventMessage), "image") {
		return "CannotPullContainerError: " + t.LastEventMessage
	}
	return "Task failed to start: " + msg
}

func eventText(t nomadbackend.TaskStateEvent) string {
	switch {
	case t.LastEventType == "":
		return ""
	case t.LastEventMessage == "":
		return t.LastEventType
	}
	return t.LastEventType + ": " + t.LastEventMessage
}

func timePtr(t time.Time) *time.Time {
	t = t.Truncate(time.Millisecond)
	return &t
}
