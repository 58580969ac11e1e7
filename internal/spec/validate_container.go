package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var (
	portNamePattern    = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]{0,63}$`)
	imageNamePattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/:#-]*$`)
	imageTagPattern    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	imageDigestPattern = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
)

// containers runs the per-container rules and those that relate containers to each other.
func (v *validator) containers(td *TaskDefinition) {
	byName := map[string]int{}
	for i, c := range td.ContainerDefinitions {
		p := fmt.Sprintf("containerDefinitions[%d]", i)
		switch {
		case c.Name == "":
			v.errorf(p, RuleContainerName, "container %d: name is required", i)
		case !namePattern.MatchString(c.Name):
			v.errorf(p+".name", RuleContainerName, "container name %q: use 1 to 255 letters, digits, underscores and hyphens", c.Name)
		}
		if first, dup := byName[c.Name]; dup && c.Name != "" {
			v.errorf(p+".name", RuleDuplicateContainer, "container name %q is already used by containerDefinitions[%d]", c.Name, first)
		} else {
			byName[c.Name] = i
		}
	}
	hostPorts := map[string]string{}
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		p := fmt.Sprintf("containerDefinitions[%d]", i)
		v.image(p, c)
		v.containerMemory(p, c)
		v.healthCheck(p, c)
		v.dependsOn(p, c, td, byName)
		v.portMappings(p, c, td.NetworkMode, hostPorts)
		v.containerMisc(p, c, td, byName)
	}
	v.dependencyCycles(td)
}

func (v *validator) image(p string, c *ContainerDefinition) {
	img := c.Image
	if img == "" {
		v.errorf(p, RuleImage, "container %q: image is required", c.Name)
		return
	}
	name, digest, hasDigest := strings.Cut(img, "@")
	bad := len(img) > 255+72 || !imageNamePattern.MatchString(name)
	if hasDigest && !imageDigestPattern.MatchString(digest) {
		v.errorf(p+".image", RuleImage, "container %q: image %q: a digest must be sha256: followed by 64 lowercase hex digits", c.Name, img)
		return
	}
	tag := ""
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, tag = name[:i], name[i+1:]
		bad = bad || !imageTagPattern.MatchString(tag)
	}
	if bad || strings.HasSuffix(name, "/") {
		v.errorf(p+".image", RuleImage, "container %q: image %q is not a valid reference (repository[:tag] or repository@sha256:<64 hex>)", c.Name, img)
		return
	}
	if tag == "latest" && !hasDigest {
		v.advisef(p+".image", RuleImage, "container %q: image %q: the tag latest moves, so what runs can change without a commit; pin a version or a digest", c.Name, img)
	}
	if tag == "" && !hasDigest {
		v.advisef(p+".image", RuleImage, "container %q: image %q has no tag: Docker pulls :latest, so what runs can change without a commit", c.Name, img)
	}
}

func (v *validator) containerMemory(p string, c *ContainerDefinition) {
	if c.Memory != nil && *c.Memory < 6 {
		v.errorf(p+".memory", RuleMemoryReservation, "container %q: memory %d MiB: Docker needs at least 6 MiB", c.Name, *c.Memory)
	}
	if c.Memory != nil && c.MemoryReservation != nil && *c.Memory <= *c.MemoryReservation {
		v.errorf(p+".memoryReservation", RuleMemoryReservation, "container %q: memory (%d) must be greater than memoryReservation (%d)", c.Name, *c.Memory, *c.MemoryReservation)
	}
	if c.Cpu < 0 {
		v.errorf(p+".cpu", RuleContainerCPUNegative, "container %q: cpu %d must not be negative", c.Name, c.Cpu)
	}
}

// healthCheckFields are the health check's bounded fields (Ranges "HealthCheck.*").
var healthCheckFields = []struct {
	field string
	get   func(*HealthCheck) *int
}{
	{"interval", func(h *HealthCheck) *int { return h.Interval }},
	{"timeout", func(h *HealthCheck) *int { return h.Timeout }},
	{"retries", func(h *HealthCheck) *int { return h.Retries }},
	{"startPeriod", func(h *HealthCheck) *int { return h.StartPeriod }},
}

func (v *validator) healthCheck(p string, c *ContainerDefinition) {
	hc := c.HealthCheck
	if hc == nil {
		return
	}
	p += ".healthCheck"
	switch {
	case len(hc.Command) == 0:
		v.errorf(p, RuleHealthCheckCommand, "container %q: healthCheck.command is required", c.Name)
	case hc.Command[0] != "CMD" && hc.Command[0] != "CMD-SHELL":
		v.errorf(p+".command[0]", RuleHealthCheckCommand, "container %q: healthCheck.command must start with \"CMD\" or \"CMD-SHELL\", got %q", c.Name, hc.Command[0])
	case len(hc.Command) == 1:
		v.errorf(p+".command", RuleHealthCheckCommand, "container %q: healthCheck.command has no command after %q", c.Name, hc.Command[0])
	}
	for _, f := range healthCheckFields {
		if val := f.get(hc); val != nil && !inRange("HealthCheck."+f.field, *val) {
			r := rangeOf("HealthCheck." + f.field)
			v.errorf(p+"."+f.field, RuleHealthCheckRange, "container %q: healthCheck.%s %d: allowed range is %d to %d", c.Name, f.field, *val, r.Min, r.Max)
		}
	}
}

func (v *validator) dependsOn(p string, c *ContainerDefinition, td *TaskDefinition, byName map[string]int) {
	for j, dep := range c.DependsOn {
		dp := fmt.Sprintf("%s.dependsOn[%d]", p, j)
		if dep.Condition == "" {
			v.errorf(dp, RuleDependsOnCondition, "container %q: dependsOn needs a condition (%s)", c.Name, strings.Join(enumValues("ContainerDependency.condition"), ", "))
		}
		v.checkEnum(dp+".condition", "ContainerDependency.condition", sprintf("container %q: dependsOn condition", c.Name), dep.Condition)
		k, ok := byName[dep.ContainerName]
		if !ok || dep.ContainerName == c.Name {
			msg := fmt.Sprintf("container %q: dependsOn names %q, which is not another container of this task definition", c.Name, dep.ContainerName)
			if s := suggest(dep.ContainerName, mapKeys(byName)); s != "" && s != c.Name && !ok {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			v.errorf(dp+".containerName", RuleDependsOnTarget, "%s", msg)
			continue
		}
		target := &td.ContainerDefinitions[k]
		switch dep.Condition {
		case "COMPLETE", "SUCCESS":
			if target.IsEssential() {
				v.errorf(dp+".condition", RuleDependsOnEssential, "container %q: condition %s on %q, which is essential: an essential container that exits stops the task; set \"essential\": false on %q",
					c.Name, dep.Condition, target.Name, target.Name)
			}
		case "HEALTHY":
			if target.HealthCheck == nil {
				v.errorf(dp+".condition", RuleDependsOnHealthy, "container %q: condition HEALTHY on %q, which has no healthCheck", c.Name, target.Name)
			}
		}
	}
}

// dependencyCycles reports each dependsOn cycle once, at the container where it is found.
func (v *validator) dependencyCycles(td *TaskDefinition) {
	idx := map[string]int{}
	for i, c := range td.ContainerDefinitions {
		if _, dup := idx[c.Name]; !dup {
			idx[c.Name] = i // duplicates are ECS-CD-002; follow the first
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(td.ContainerDefinitions))
	var stack []string
	var visit func(i int)
	visit = func(i int) {
		state[i] = visiting
		stack = append(stack, td.ContainerDefinitions[i].Name)
		for j, dep := range td.ContainerDefinitions[i].DependsOn {
			k, ok := idx[dep.ContainerName]
			if !ok || k == i {
				continue
			}
			switch state[k] {
			case visiting:
				start := slices.Index(stack, dep.ContainerName)
				cycle := append(slices.Clone(stack[start:]), dep.ContainerName)
				v.errorf(fmt.Sprintf("containerDefinitions[%d].dependsOn[%d]", i, j), RuleDependsOnCycle, "dependsOn cycle: %s", strings.Join(cycle, " → "))
			case unvisited:
				visit(k)
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = done
	}
	for i := range td.ContainerDefinitions {
		if state[i] == unvisited {
			visit(i)
		}
	}
}

func (v *validator) portMappings(p string, c *ContainerDefinition, mode string, hostPorts map[string]string) {
	if mode == "none" && len(c.PortMappings) > 0 {
		v.errorf(p+".portMappings", RuleNonePorts, "container %q: networkMode none does not allow portMappings", c.Name)
		return
	}
	names := map[string]bool{}
	for j, pm := range c.PortMappings {
		pp := fmt.Sprintf("%s.portMappings[%d]", p, j)
		if pm.Name != "" {
			switch {
			case !portNamePattern.MatchString(pm.Name):
				v.errorf(pp+".name", RulePortName, "container %q: port mapping name %q: use 1 to 64 lowercase letters, digits, underscores and hyphens, not starting with a hyphen", c.Name, pm.Name)
			case names[pm.Name]:
				v.errorf(pp+".name", RulePortName, "container %q: port mapping name %q is used twice", c.Name, pm.Name)
			}
			names[pm.Name] = true
		}
		v.portMapping(pp, c, pm, mode, hostPorts)
	}
}

func (v *validator) portMapping(pp string, c *ContainerDefinition, pm PortMapping, mode string, hostPorts map[string]string) {
	if pm.ContainerPortRange != "" {
		v.portRange(pp, c, pm, mode)
	}
	if pm.ContainerPort == nil && pm.ContainerPortRange == "" {
		v.errorf(pp, RulePortMapping, "container %q: a port mapping needs containerPort (or containerPortRange)", c.Name)
	}
	if pm.ContainerPort != nil && (*pm.ContainerPort < 1 || *pm.ContainerPort > 65535) {
		v.errorf(pp+".containerPort", RulePortMapping, "container %q: containerPort %d: allowed range is 1 to 65535", c.Name, *pm.ContainerPort)
	}
	if pm.HostPort != nil && (*pm.HostPort < 0 || *pm.HostPort > 65535) && (pm.ContainerPort == nil || *pm.HostPort != *pm.ContainerPort) {
		v.errorf(pp+".hostPort", RulePortMapping, "container %q: hostPort %d: allowed range is 0 to 65535", c.Name, *pm.HostPort)
	}
	v.checkEnum(pp+".appProtocol", "PortMapping.appProtocol", sprintf("container %q: appProtocol", c.Name), pm.AppProtocol)
	if (mode == "awsvpc" || mode == "host") && pm.HostPort != nil && pm.ContainerPort != nil && *pm.HostPort != *pm.ContainerPort {
		v.errorf(pp+".hostPort", RuleHostPortMismatch, "container %q: in networkMode %s hostPort (%d) must be omitted or equal containerPort (%d)", c.Name, mode, *pm.HostPort, *pm.ContainerPort)
	}
	if pm.HostPort != nil && *pm.HostPort > 0 {
		key := fmt.Sprintf("%d/%s", *pm.HostPort, pm.Protocol)
		if other, dup := hostPorts[key]; dup {
			v.errorf(pp+".hostPort", RuleDuplicateHostPort, "container %q: host port %s is already used by container %q; two tasks' containers cannot bind the same host port", c.Name, key, other)
		} else {
			hostPorts[key] = c.Name
		}
	}
}

func (v *validator) containerMisc(p string, c *ContainerDefinition, td *TaskDefinition, byName map[string]int) {
	if len(c.Links) > 0 && td.NetworkMode != "bridge" {
		v.errorf(p+".links", RuleLinks, "container %q: links work only in networkMode bridge (this task uses %s)", c.Name, td.NetworkMode)
	}
	for j, l := range c.Links {
		target, _, _ := strings.Cut(l, ":")
		if _, ok := byName[target]; !ok || target == c.Name {
			v.errorf(fmt.Sprintf("%s.links[%d]", p, j), RuleLinks, "container %q: link %q does not name another container of this task definition", c.Name, l)
		}
	}
	for j, vf := range c.VolumesFrom {
		if _, ok := byName[vf.SourceContainer]; !ok || vf.SourceContainer == c.Name {
			v.errorf(fmt.Sprintf("%s.volumesFrom[%d].sourceContainer", p, j), RuleVolumesFrom, "container %q: volumesFrom %q does not name another container of this task definition", c.Name, vf.SourceContainer)
		}
	}
	for j, u := range c.Ulimits {
		up := fmt.Sprintf("%s.ulimits[%d]", p, j)
		if u.Name == "" {
			v.errorf(up, RuleUlimit, "container %q: ulimit without a name", c.Name)
		}
		v.checkEnum(up+".name", "Ulimit.name", sprintf("container %q: ulimit", c.Name), u.Name)
		if u.SoftLimit > u.HardLimit {
			v.errorf(up+".softLimit", RuleUlimit, "container %q: ulimit %s softLimit %d is above hardLimit %d", c.Name, u.Name, u.SoftLimit, u.HardLimit)
		}
	}
	if lc := c.LogConfiguration; lc != nil {
		if lc.LogDriver == "" {
			v.errorf(p+".logConfiguration", RuleLogDriver, "container %q: logConfiguration needs a logDriver (%s)", c.Name, strings.Join(enumValues("LogConfiguration.logDriver"), ", "))
		}
		v.checkEnum(p+".logConfiguration.logDriver", "LogConfiguration.logDriver", sprintf("container %q: logDriver", c.Name), lc.LogDriver)
	}
	v.containerEnums(p, c)
	v.containerLimits(p, c)
	if td.NetworkMode == "awsvpc" {
		// ContainerDefinition.Hostname: "not supported if you're using the awsvpc network
		// mode"; ExtraHosts: "isn't supported for ... tasks that use the awsvpc network mode".
		if c.Hostname != "" {
			v.errorf(p+".hostname", RuleAwsvpcHostOptions, "container %q: hostname is not supported with networkMode awsvpc (ECS refuses it)", c.Name)
		}
		if len(c.ExtraHosts) > 0 {
			v.errorf(p+".extraHosts", RuleAwsvpcHostOptions, "container %q: extraHosts is not supported with networkMode awsvpc (ECS refuses it)", c.Name)
		}
	}
	for _, t := range []struct {
		field string
		val   *int
	}{{"startTimeout", c.StartTimeout}, {"stopTimeout", c.StopTimeout}} {
		if t.val != nil && *t.val < 0 {
			v.errorf(p+"."+t.field, RuleContainerTimeouts, "container %q: %s %d must not be negative", c.Name, t.field, *t.val)
		}
	}
	v.envNames(p, c)
}

func (v *validator) envNames(p string, c *ContainerDefinition) {
	seen := map[string]string{}
	check := func(path, kind, name string) {
		switch {
		case name == "":
			v.errorf(path, RuleEnvironmentNames, "container %q: %s entry without a name", c.Name, kind)
		case seen[name] != "":
			v.warnf(path, RuleEnvironmentNames, "container %q: %s %q is also set in %s; only one value reaches the container", c.Name, kind, name, seen[name])
		default:
			seen[name] = kind
		}
	}
	for j, e := range c.Environment {
		check(fmt.Sprintf("%s.environment[%d].name", p, j), "environment", e.Name)
	}
	for j, s := range c.Secrets {
		check(fmt.Sprintf("%s.secrets[%d].name", p, j), "secrets", s.Name)
	}
}

// containerEnums checks the enumerated container fields that no other rule covers.
func (v *validator) containerEnums(p string, c *ContainerDefinition) {
	v.checkEnum(p+".versionConsistency", "ContainerDefinition.versionConsistency", sprintf("container %q: versionConsistency", c.Name), c.VersionConsistency)
	for j, ef := range c.EnvironmentFiles {
		v.checkEnum(fmt.Sprintf("%s.environmentFiles[%d].type", p, j), "EnvironmentFile.type", sprintf("container %q: environmentFiles type", c.Name), ef.Type)
	}
	if fc := c.FirelensConfiguration; fc != nil {
		if fc.Type == "" {
			v.errorf(p+".firelensConfiguration", RuleContainerEnums, "container %q: firelensConfiguration needs a type (%s)", c.Name, strings.Join(enumValues("FirelensConfiguration.type"), ", "))
		}
		v.checkEnum(p+".firelensConfiguration.type", "FirelensConfiguration.type", sprintf("container %q: firelensConfiguration.type", c.Name), fc.Type)
	}
	for j, rr := range c.ResourceRequirements {
		v.checkEnum(fmt.Sprintf("%s.resourceRequirements[%d].type", p, j), "ResourceRequirement.type", sprintf("container %q: resourceRequirements type", c.Name), rr.Type)
	}
	if lp := c.LinuxParameters; lp != nil {
		for j, d := range lp.Devices {
			for k, perm := range d.Permissions {
				v.checkEnum(fmt.Sprintf("%s.linuxParameters.devices[%d].permissions[%d]", p, j, k), "Device.permissions", sprintf("container %q: device permission", c.Name), perm)
			}
		}
	}
}

// containerLimits checks the documented bounds of restartPolicy, linuxParameters and
// environmentFiles.
func (v *validator) containerLimits(p string, c *ContainerDefinition) {
	if n := len(c.EnvironmentFiles); !inRange("ContainerDefinition.environmentFiles", n) {
		v.errorf(p+".environmentFiles", RuleContainerLimits, "container %q: %d environmentFiles, ECS allows at most %d", c.Name, n, rangeOf("ContainerDefinition.environmentFiles").Max)
	}
	if rp := c.RestartPolicy; rp != nil {
		if rp.RestartAttemptPeriod != nil && !inRange("ContainerRestartPolicy.restartAttemptPeriod", *rp.RestartAttemptPeriod) {
			r := rangeOf("ContainerRestartPolicy.restartAttemptPeriod")
			v.errorf(p+".restartPolicy.restartAttemptPeriod", RuleContainerLimits, "container %q: restartPolicy.restartAttemptPeriod %d: allowed range is %d to %d seconds", c.Name, *rp.RestartAttemptPeriod, r.Min, r.Max)
		}
		if n := len(rp.IgnoredExitCodes); !inRange("ContainerRestartPolicy.ignoredExitCodes", n) {
			v.errorf(p+".restartPolicy.ignoredExitCodes", RuleContainerLimits, "container %q: %d restartPolicy.ignoredExitCodes, ECS allows at most %d", c.Name, n, rangeOf("ContainerRestartPolicy.ignoredExitCodes").Max)
		}
	}
	if lp := c.LinuxParameters; lp != nil && lp.Swappiness != nil && !inRange("LinuxParameters.swappiness", *lp.Swappiness) {
		r := rangeOf("LinuxParameters.swappiness")
		v.errorf(p+".linuxParameters.swappiness", RuleContainerLimits, "container %q: linuxParameters.swappiness %d: allowed range is %d to %d", c.Name, *lp.Swappiness, r.Min, r.Max)
	}
}

// portRange checks containerPortRange as types.PortMapping.ContainerPortRange documents it:
// "You must use either the bridge network mode or the awsvpc network mode", "valid values
// are between 1 and 65535", "The first port in the range must be less than last port in
// the range", and "you do not specify a hostPortRange" (nor a hostPort).
func (v *validator) portRange(pp string, c *ContainerDefinition, pm PortMapping, mode string) {
	p := pp + ".containerPortRange"
	if mode != "bridge" && mode != "awsvpc" {
		v.errorf(p, RulePortMapping, "container %q: containerPortRange needs networkMode bridge or awsvpc (this task uses %s)", c.Name, mode)
	}
	lo, hi, ok := strings.Cut(pm.ContainerPortRange, "-")
	first, err1 := strconv.Atoi(lo)
	last, err2 := strconv.Atoi(hi)
	switch {
	case !ok || err1 != nil || err2 != nil:
		v.errorf(p, RulePortMapping, "container %q: containerPortRange %q: want FIRST-LAST, e.g. 8000-8099", c.Name, pm.ContainerPortRange)
	case first < 1 || last > 65535 || first >= last:
		v.errorf(p, RulePortMapping, "container %q: containerPortRange %q: ports 1 to 65535, the first less than the last", c.Name, pm.ContainerPortRange)
	}
	if pm.ContainerPort != nil {
		v.errorf(p, RulePortMapping, "container %q: a port mapping has containerPort or containerPortRange, not both", c.Name)
	}
	if pm.HostPort != nil && mode == "bridge" {
		v.errorf(pp+".hostPort", RulePortMapping, "container %q: with containerPortRange, leave hostPort out (ECS picks the host ports)", c.Name)
	}
}
