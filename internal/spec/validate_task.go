package spec

import (
	"fmt"
	"regexp"
	"slices"
)

// namePattern is ECS's charset for family, container, volume and service names.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// MaxContainers is ECS's non-adjustable quota of containers per task definition.
const MaxContainers = 10

func (v *validator) taskDefinition(td *TaskDefinition) {
	switch {
	case td.Family == "":
		v.errorf("family", RuleFamily, "family is required")
	case !namePattern.MatchString(td.Family):
		v.errorf("family", RuleFamily, "family %q: use 1 to 255 letters, digits, underscores and hyphens", td.Family)
	}
	switch n := len(td.ContainerDefinitions); {
	case n == 0:
		v.errorf("containerDefinitions", RuleContainerCount, "containerDefinitions: at least one container is required")
	case n > MaxContainers:
		v.errorf("containerDefinitions", RuleContainerCount, "containerDefinitions: %d containers, ECS allows at most %d per task definition", n, MaxContainers)
	}
	if len(td.ContainerDefinitions) > 0 && !slices.ContainsFunc(td.ContainerDefinitions, func(c ContainerDefinition) bool { return c.IsEssential() }) {
		v.errorf("containerDefinitions", RuleNoEssential, "containerDefinitions: at least one container must be essential")
	}
	v.checkEnum("networkMode", "TaskDefinition.networkMode", "networkMode", td.NetworkMode)
	for i, c := range td.RequiresCompatibilities {
		v.checkEnum(fmt.Sprintf("requiresCompatibilities[%d]", i), "TaskDefinition.requiresCompatibilities", "requiresCompatibilities", c)
	}
	if n := len(td.Tags); !inRange("TaskDefinition.tags", n) {
		v.errorf("tags", RuleTags, "tags: %d tags, ECS allows at most %d per resource", n, rangeOf("TaskDefinition.tags").Max)
	}
	v.taskResources(td)
	v.taskEnums(td)
	v.taskVolumes(td)
	v.taskPlacement(td)
	v.containers(td)
	v.firelens(td)
}

func (td *TaskDefinition) isFargate() bool {
	return slices.Contains(td.RequiresCompatibilities, "FARGATE")
}

func (v *validator) taskResources(td *TaskDefinition) {
	if td.Cpu != 0 && !inRange("TaskDefinition.cpu", int(td.Cpu)) {
		v.errorf("cpu", RuleTaskCPURange, "cpu %d: task cpu must be 128 to 196608 CPU units (0.125 to 192 vCPU)", td.Cpu)
	}
	if td.Memory != 0 && td.Memory < 6 {
		v.errorf("memory", RuleTaskCPURange, "memory %d MiB: at least 6 MiB is needed", td.Memory)
	}
	if td.isFargate() {
		v.fargate(td, "")
	}
	if td.Memory == 0 {
		for i, c := range td.ContainerDefinitions {
			if (c.Memory == nil || *c.Memory == 0) && (c.MemoryReservation == nil || *c.MemoryReservation == 0) {
				v.errorf(fmt.Sprintf("containerDefinitions[%d]", i), RuleContainerMemoryNeeded,
					"container %q: without task-level memory, every container needs memory or memoryReservation", c.Name)
			}
		}
	}
	sum := 0
	for _, c := range td.ContainerDefinitions {
		sum += c.Cpu
	}
	if td.Cpu != 0 && sum > int(td.Cpu) {
		v.errorf("cpu", RuleCPUSum, "cpu %d: the containers' cpu adds up to %d, more than the task's", td.Cpu, sum)
	}
	if td.Memory != 0 {
		for i, c := range td.ContainerDefinitions {
			for _, f := range []struct {
				name string
				val  *int
			}{{"memory", c.Memory}, {"memoryReservation", c.MemoryReservation}} {
				if f.val != nil && *f.val > int(td.Memory) {
					v.errorf(fmt.Sprintf("containerDefinitions[%d].%s", i, f.name), RuleMemoryOverTask,
						"container %q: %s %d MiB exceeds the task memory %d MiB", c.Name, f.name, *f.val, td.Memory)
				}
			}
		}
	}
}

func (v *validator) taskEnums(td *TaskDefinition) {
	v.checkEnum("pidMode", "TaskDefinition.pidMode", "pidMode", td.PidMode)
	v.checkEnum("ipcMode", "TaskDefinition.ipcMode", "ipcMode", td.IpcMode)
	if pc := td.ProxyConfiguration; pc != nil {
		v.checkEnum("proxyConfiguration.type", "ProxyConfiguration.type", "proxyConfiguration.type", pc.Type)
	}
	if rp := td.RuntimePlatform; rp != nil {
		v.checkEnum("runtimePlatform.cpuArchitecture", "RuntimePlatform.cpuArchitecture", "runtimePlatform.cpuArchitecture", rp.CpuArchitecture)
		v.checkEnum("runtimePlatform.operatingSystemFamily", "RuntimePlatform.operatingSystemFamily", "runtimePlatform.operatingSystemFamily", rp.OperatingSystemFamily)
	}
	if es := td.EphemeralStorage; es != nil && !inRange("EphemeralStorage.sizeInGiB", es.SizeInGiB) {
		v.errorf("ephemeralStorage.sizeInGiB", RuleEphemeralStorage, "ephemeralStorage.sizeInGiB %d: allowed range is 21 to 200", es.SizeInGiB)
	}
}

func (v *validator) taskVolumes(td *TaskDefinition) {
	names := map[string]bool{}
	for i, vol := range td.Volumes {
		path := fmt.Sprintf("volumes[%d].name", i)
		switch {
		case !namePattern.MatchString(vol.Name):
			v.errorf(path, RuleVolumes, "volume name %q: use 1 to 255 letters, digits, underscores and hyphens", vol.Name)
		case names[vol.Name]:
			v.errorf(path, RuleVolumes, "volume %q is defined twice", vol.Name)
		}
		names[vol.Name] = true
		if dv := vol.DockerVolumeConfiguration; dv != nil {
			v.checkEnum(fmt.Sprintf("volumes[%d].dockerVolumeConfiguration.scope", i), "DockerVolumeConfiguration.scope", sprintf("volume %q: dockerVolumeConfiguration.scope", vol.Name), dv.Scope)
		}
	}
	for i, c := range td.ContainerDefinitions {
		for j, mp := range c.MountPoints {
			if !names[mp.SourceVolume] {
				v.errorf(fmt.Sprintf("containerDefinitions[%d].mountPoints[%d].sourceVolume", i, j), RuleVolumes,
					"container %q: mountPoints sourceVolume %q is not a volume of the task definition", c.Name, mp.SourceVolume)
			}
		}
	}
}

func (v *validator) taskPlacement(td *TaskDefinition) {
	if n := len(td.PlacementConstraints); !inRange("TaskDefinition.placementConstraints", n) {
		v.errorf("placementConstraints", RuleTDPlacement, "placementConstraints: %d constraints, at most %d are allowed", n, MaxPlacementConstraints)
	}
	for i, pc := range td.PlacementConstraints {
		path := fmt.Sprintf("placementConstraints[%d]", i)
		if !slices.Contains(enumValues("TaskDefinitionPlacementConstraint.type"), pc.Type) {
			v.errorf(path+".type", RuleTDPlacement, "placementConstraints type %q: task definitions allow only memberOf", pc.Type)
			continue
		}
		v.cqlExpression(path+".expression", pc.Expression)
	}
}

func (v *validator) cqlExpression(path, expr string) {
	if expr == "" {
		v.errorf(path, RuleCQL, "memberOf needs an expression")
		return
	}
	if _, err := ParseCQL(expr); err != nil {
		v.errorf(path, RuleCQL, "invalid memberOf expression %q: %v", expr, err)
	}
}
