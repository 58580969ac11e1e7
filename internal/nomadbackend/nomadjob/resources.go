package nomadjob

import (
	"fmt"
	"github.com/hashicorp/nomad/api"
)

// DefaultContainerCPUUnits is what a container without cpu reserves when the task
// definition has no task-level cpu either. ECS reserves nothing for it (Docker gives it
// 2 CPU shares); Nomad must reserve something, and 128 units (1/8 vCPU) is ECS's smallest
// task size.
const DefaultContainerCPUUnits = 128

// minMemoryMB is Nomad's smallest memory reservation per task.
const minMemoryMB = 10

// resources computes each container's cpu (MHz) and memory (MB).
//
// CPU: ECS units are converted with CPUMHzPerVCPU (1024 units = 1 vCPU), minimum 1 MHz.
// Containers without cpu share what the task-level cpu leaves over, or get
// DefaultContainerCPUUnits. Nomad cpu is a soft weight plus a scheduling reservation,
// like ECS container cpu; a task-level hard limit has no Nomad equivalent.
//
// Memory: memory only → memory (hard). memoryReservation + memory → memory =
// reservation (what the scheduler counts, as ECS does) and memory_max = memory (needs
// memory oversubscription on the cluster). memoryReservation only → memory =
// reservation, memory_max = -1 (no hard limit). Neither → an even share of task-level
// memory.
func (t *translator) resources() []*api.Resources {
	defs := t.td.ContainerDefinitions
	out := make([]*api.Resources, len(defs))
	cpu := t.cpuUnits()
	mem := t.memory()
	for i := range defs {
		mhz := cpu[i] * t.cfg.CPUMHzPerVCPU / 1024
		if mhz < 1 {
			mhz = 1
		}
		out[i] = &api.Resources{CPU: new(mhz), MemoryMB: mem[i].memory}
		if mem[i].max != nil {
			out[i].MemoryMaxMB = mem[i].max
		}
	}
	return out
}

// cpuUnits returns each container's ECS cpu units after sharing out the task-level cpu.
func (t *translator) cpuUnits() []int {
	defs := t.td.ContainerDefinitions
	units := make([]int, len(defs))
	var assigned, missing int
	for i := range defs {
		units[i] = defs[i].Cpu
		assigned += defs[i].Cpu
		if defs[i].Cpu == 0 {
			missing++
		}
	}
	if missing == 0 {
		if t.td.Cpu > 0 {
			t.notes.approx(t.tdField("cpu"), RuleResources,
				"task-level cpu is a hard limit in ECS; Nomad has no group-level limit: each container gets its own cpu as a weight")
		}
		return units
	}
	share := DefaultContainerCPUUnits
	if task := int(t.td.Cpu); task > 0 {
		share = (task - assigned) / missing
		t.notes.approx(t.tdField("cpu"), RuleResources,
			"task-level cpu %d is shared out: %d units to each container without cpu; Nomad has no group-level cpu limit", task, max(share, 1))
	} else {
		for i := range defs {
			if defs[i].Cpu == 0 {
				t.notes.approx(t.containerField(i, "cpu"), RuleResources,
					"no cpu: Nomad reserves %d units' worth of MHz for the container (ECS reserves none)", DefaultContainerCPUUnits)
			}
		}
	}
	for i := range defs {
		if defs[i].Cpu == 0 {
			units[i] = max(share, 1)
		}
	}
	return units
}

type memorySetting struct {
	memory *int
	max    *int
}

func (t *translator) memory() []memorySetting {
	defs := t.td.ContainerDefinitions
	out := make([]memorySetting, len(defs))
	var assigned, missing int
	for i := range defs {
		c := &defs[i]
		switch {
		case c.MemoryReservation != nil && c.Memory != nil:
			out[i] = memorySetting{memory: new(*c.MemoryReservation), max: new(*c.Memory)}
			t.noteMemoryMax(i, fmt.Sprintf("%d MiB", *c.Memory))
		case c.Memory != nil:
			out[i] = memorySetting{memory: new(*c.Memory)}
		case c.MemoryReservation != nil:
			// -1 = no hard limit (docker supports it); ECS lets the container grow to
			// what the instance has.
			out[i] = memorySetting{memory: new(*c.MemoryReservation), max: new(-1)}
			t.noteMemoryMax(i, "the node's memory")
		default:
			missing++
			continue
		}
		assigned += *out[i].memory
	}
	if missing == 0 {
		if t.td.Memory > 0 {
			t.notes.approx(t.tdField("memory"), RuleResources,
				"task-level memory is a hard limit in ECS; Nomad has no group-level limit: each container is limited by its own memory")
		}
		return out
	}
	task := int(t.td.Memory)
	if task <= 0 {
		// Validation requires memory somewhere (ECS does too); leave Nomad's default.
		for i := range defs {
			if out[i].memory == nil {
				t.notes.approx(t.containerField(i, "memory"), RuleResources, "no memory anywhere: Nomad's default reservation (300 MB) applies")
			}
		}
		return out
	}
	share := max((task-assigned)/missing, minMemoryMB)
	t.notes.approx(t.tdField("memory"), RuleResources,
		"task-level memory %d MiB is split evenly: %d MiB hard limit for each container without memory (ECS lets them share the task's memory)", task, share)
	for i := range defs {
		if out[i].memory == nil {
			out[i].memory = new(share)
		}
	}
	return out
}

// noteMemoryMax notes what memory_max depends on: Nomad honours it only where the
// scheduler has memory oversubscription enabled (cluster-wide or per node pool); elsewhere
// it warns at registration and the reservation becomes the hard limit.
func (t *translator) noteMemoryMax(i int, limit string) {
	c := &t.td.ContainerDefinitions[i]
	t.notes.approx(t.containerField(i, "memoryReservation"), RuleResources,
		"memory_max (up to %s) needs memory oversubscription enabled in Nomad's scheduler configuration; without it the container is OOM-killed at its reservation of %d MiB", limit, *c.MemoryReservation)
}
