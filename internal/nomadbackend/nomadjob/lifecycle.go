package nomadjob

import (
	"fmt"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
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
		for _, dep := range defs[i].DependsOn {
			k, ok := index[dep.ContainerName]
			if !ok {
				return nil, fmt.Errorf("container %q dependsOn unknown container %q", defs[i].Name, dep.ContainerName)
			}
			strongest[k] = stronger(strongest[k], dep.Condition)
		}
	}
	roles := make([]role, len(defs))
	for i := range defs {
		roles[i] = t.roleOf(i, strongest[i])
	}
	// The notes need both containers' tiers: only then is it known what Nomad does.
	for i := range defs {
		for j, dep := range defs[i].DependsOn {
			ref := t.containerField(i, fmt.Sprintf("dependsOn[%d]", j))
			t.noteDependency(i, index[dep.ContainerName], dep.Condition, roles, ref)
		}
	}
	return roles, nil
}

// tier is a role's place in Nomad's start order: every prestart task (sidecar or not)
// starts first, then the main tasks, then the poststart tasks. Within a tier Nomad
// starts tasks together.
func (r role) tier() int {
	switch r.hook {
	case api.TaskLifecycleHookPrestart:
		return 0
	case api.TaskLifecycleHookPoststart:
		return 2
	}
	return 1
}

func (r role) String() string {
	switch {
	case r.hook == api.TaskLifecycleHookPrestart && r.sidecar:
		return "a prestart sidecar"
	case r.hook == api.TaskLifecycleHookPrestart:
		return "a prestart task"
	case r.hook == api.TaskLifecycleHookPoststart:
		return "a poststart sidecar"
	}
	return "a main task"
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
		t.notes.approx(ref, RuleSidecarRestart, "runs as a prestart sidecar: Nomad restarts a sidecar whenever it exits, even with code 0 (restart mode delay, forever); ECS would leave it stopped")
		return role{hook: api.TaskLifecycleHookPrestart, sidecar: true, restart: keepRestarting()}
	}
	t.notes.approx(ref, RuleSidecarRestart, "runs as a poststart sidecar: Nomad restarts a sidecar whenever it exits, even with code 0 (restart mode delay, forever); ECS would leave it stopped")
	return role{hook: api.TaskLifecycleHookPoststart, sidecar: true, restart: keepRestarting()}
}

// noteDependency reports what Nomad does with "container i depends on container k with
// cond", given the tiers the containers got: Nomad orders only between tiers (prestart
// tasks run to completion, prestart sidecars are started, before the main tasks; the
// main tasks are started before the poststart sidecars) and never waits for health.
func (t *translator) noteDependency(i, k int, cond string, roles []role, ref fieldRef) {
	defs := t.td.ContainerDefinitions
	me, dep := defs[i].Name, defs[k].Name
	ri, rk := roles[i], roles[k]
	switch {
	case rk.tier() == ri.tier():
		level := spec.FidelityApproximate
		if cond != condStart {
			level = spec.FidelityUnsupported
		}
		t.notes.add(ref, level, RuleDependsOn,
			"%q and %q are both %s: Nomad starts them together, without order (ECS waits for %s)", me, dep, tierName(ri), cond)
	case rk.tier() > ri.tier():
		t.notes.add(ref, spec.FidelityUnsupported, RuleDependsOn,
			"%q is %s and %q %s: Nomad starts %q first, before the container it depends on", me, ri, dep, rk, me)
	case cond == condHealthy && rk.hook == api.TaskLifecycleHookPrestart && !rk.sidecar:
		t.notes.add(ref, spec.FidelityApproximate, RuleDependsOn,
			"Nomad never waits for another task's health: %q starts once %q (%s) has exited with code 0", me, dep, rk)
	case cond == condHealthy:
		t.notes.add(ref, spec.FidelityUnsupported, RuleDependsOn,
			"Nomad never waits for another task's health: %q starts once %q (%s) is running, not healthy", me, dep, rk)
	case cond == condStart && rk.hook == api.TaskLifecycleHookPrestart && !rk.sidecar:
		t.notes.approx(ref, RuleDependsOn,
			"%q is a prestart task (another container waits for its exit): %q starts once it has exited with code 0, not once it started", dep, me)
	case cond == condComplete && rk.hook == api.TaskLifecycleHookPrestart && !rk.sidecar:
		t.notes.approx(ref, RuleDependsOn,
			"%q runs as a prestart task: Nomad needs exit code 0 (ECS COMPLETE accepts any exit code)", dep)
	case (cond == condComplete || cond == condSuccess) && !(rk.hook == api.TaskLifecycleHookPrestart && !rk.sidecar):
		t.notes.add(ref, spec.FidelityUnsupported, RuleDependsOn,
			"%q is %s: Nomad starts %q once it is running, without waiting for it to exit", dep, rk, me)
	}
}

// tierName names a tier in the plural, for "both are …".
func tierName(r role) string {
	switch r.tier() {
	case 0:
		return "prestart tasks"
	case 2:
		return "poststart sidecars"
	}
	return "main tasks"
}
