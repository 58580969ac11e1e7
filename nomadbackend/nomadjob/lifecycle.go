package nomadjob

import (
	"fmt"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/spec"
)

// ECS dependsOn conditions.
const (
	condStart    = "START"
	condComplete = "COMPLETE"
	condSuccess  = "SUCCESS"
	condHealthy  = "HEALTHY"
)

// role is what a container becomes in Nomad's lifecycle tiers:
// prestart (run to completion) → prestart sidecar → main → poststart sidecar.
type role struct {
	hook    string // "" = main task
	sidecar bool
	restart *api.RestartPolicy
}

func (r role) apply(task *api.Task) {
	if r.hook != "" {
		task.Lifecycle = &api.TaskLifecycle{Hook: r.hook, Sidecar: r.sidecar}
	}
	task.RestartPolicy = r.restart
}

// failFast is the restart policy of essential containers and init containers: never
// restart in place. In ECS an essential container that exits stops the whole task and
// the service scheduler starts a replacement, possibly elsewhere. Nomad's equivalent is
// "the task fails → the allocation fails (siblings are killed) → reschedule places a
// new allocation", which the group's reschedule policy then carries out.
func failFast() *api.RestartPolicy {
	return &api.RestartPolicy{Attempts: new(0), Mode: new("fail")}
}

// keepRestarting is the restart policy of long-running non-essential containers: ECS
// never stops a task because of them, so they must never fail the allocation. Nomad
// cannot leave a dead task stopped; "delay" mode keeps restarting it (2 attempts per 5
// minutes) without ever failing the allocation.
func keepRestarting() *api.RestartPolicy {
	return &api.RestartPolicy{
		Attempts: new(2),
		Interval: new(5 * time.Minute),
		Delay:    new(15 * time.Second),
		Mode:     new("delay"),
	}
}

// lifecycleRoles decides each container's tier from essential and dependsOn.
//
//   - essential → main task (fail fast).
//   - non-essential that others wait for with SUCCESS/COMPLETE → prestart, not a
//     sidecar (runs to completion before the main tasks start).
//   - non-essential that others wait for with START/HEALTHY → prestart sidecar.
//   - non-essential that nobody waits for → poststart sidecar.
func (t *translator) lifecycleRoles() ([]role, error) {
	defs := t.td.ContainerDefinitions
	index := make(map[string]int, len(defs))
	for i := range defs {
		index[defs[i].Name] = i
	}
	// strongest[i] is the strongest condition any container waits for on container i.
	strongest := make([]string, len(defs))
	for i := range defs {
		for j, dep := range defs[i].DependsOn {
			k, ok := index[dep.ContainerName]
			if !ok {
				return nil, fmt.Errorf("container %q dependsOn unknown container %q", defs[i].Name, dep.ContainerName)
			}
			ref := t.containerField(i, fmt.Sprintf("dependsOn[%d]", j))
			t.noteDependency(i, k, dep.Condition, ref)
			strongest[k] = stronger(strongest[k], dep.Condition)
		}
	}
	roles := make([]role, len(defs))
	for i := range defs {
		roles[i] = t.roleOf(i, strongest[i])
	}
	return roles, nil
}

var conditionRank = map[string]int{"": 0, condStart: 1, condHealthy: 2, condComplete: 3, condSuccess: 4}

// stronger orders conditions by what they demand of the dependency: a run-to-completion
// demand (SUCCESS, COMPLETE) decides the tier over a started/healthy demand.
func stronger(a, b string) string {
	if conditionRank[b] > conditionRank[a] {
		return b
	}
	return a
}

func (t *translator) roleOf(i int, cond string) role {
	c := &t.td.ContainerDefinitions[i]
	ref := t.containerField(i, "essential")
	if c.FirelensConfiguration != nil && len(t.firelensUsers()) > 0 {
		// The ECS agent starts the log router before the containers that log to it
		// (an implicit dependsOn START): a prestart sidecar. An essential router still
		// fails the allocation when it exits.
		if c.IsEssential() {
			return role{hook: api.TaskLifecycleHookPrestart, sidecar: true, restart: failFast()}
		}
		cond = condStart
	}
	if c.IsEssential() {
		return role{restart: failFast()}
	}
	switch cond {
	case condSuccess, condComplete:
		return role{hook: api.TaskLifecycleHookPrestart, restart: failFast()}
	case condStart, condHealthy:
		t.notes.approx(ref, RuleSidecarRestart, "runs as a prestart sidecar: Nomad restarts a failed sidecar; ECS would leave it stopped")
		return role{hook: api.TaskLifecycleHookPrestart, sidecar: true, restart: keepRestarting()}
	}
	t.notes.approx(ref, RuleSidecarRestart, "runs as a poststart sidecar: Nomad restarts a failed sidecar; ECS would leave it stopped")
	return role{hook: api.TaskLifecycleHookPoststart, sidecar: true, restart: keepRestarting()}
}

// noteDependency reports dependencies that the tiers above do not express exactly.
// Container i depends on container k with cond.
func (t *translator) noteDependency(i, k int, cond string, ref fieldRef) {
	defs := t.td.ContainerDefinitions
	dep := &defs[k]
	switch {
	case cond == condHealthy:
		t.notes.add(ref, spec.FidelityUnsupported, RuleDependsOn,
			"Nomad never waits for another task's health: %q starts once %q is running, not healthy", defs[i].Name, dep.Name)
	case dep.IsEssential():
		// ECS allows only START/HEALTHY on essential containers; both become main tasks.
		t.notes.approx(ref, RuleDependsOn,
			"both containers are main tasks: Nomad starts %q and %q together, without order", defs[i].Name, dep.Name)
	case cond == condComplete:
		t.notes.approx(ref, RuleDependsOn,
			"%q runs as a prestart task: Nomad needs exit code 0 (ECS COMPLETE accepts any exit code)", dep.Name)
	case !defs[i].IsEssential():
		t.notes.approx(ref, RuleDependsOn,
			"%q and %q are both lifecycle hooks: Nomad orders only by tier (prestart → main → poststart), not between hooks", defs[i].Name, dep.Name)
	}
}
