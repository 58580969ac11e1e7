package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Fargate's rules: what RegisterTaskDefinition refuses for a task definition whose
// requiresCompatibilities has FARGATE ("the task launch types the task definition was
// validated against"), and what CreateService refuses for a Fargate service whose task
// definition does not meet them. Sources are the SDK's doc comments
// (aws-sdk-go-v2/service/ecs v1.104.1, cited per rule) and, for the execution role, the
// ECS Developer Guide page "Amazon ECS task execution IAM role" (its "Fargate ... requires"
// list), whose wording the registration errors repeat.

// fargateMemory lists, per Fargate task cpu, the allowed memory range and step (MiB)
// (RegisterTaskDefinitionInput.Memory).
var fargateMemory = map[CPUUnits]struct{ min, max, step MemoryMiB }{
	256:   {512, 2048, 512}, // 512, 1024, 2048: checked specially below
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

// ecrImage matches a private Amazon ECR repository (the registry of an account).
var ecrImage = regexp.MustCompile(`^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/`)

// fargate checks td against Fargate's requirements. why is empty when td itself requires
// FARGATE, or says which service runs it on Fargate (every message is prefixed with it).
func (v *validator) fargate(td *TaskDefinition, why string) {
	errorf := func(path, rule, format string, args ...any) {
		v.errorf(path, rule, "%s%s", why, sprintf(format, args...))
	}
	if td.NetworkMode != "awsvpc" {
		errorf("networkMode", RuleFargate, "networkMode %q: Fargate requires awsvpc", td.NetworkMode)
	}
	v.fargateResources(td, errorf)
	v.fargateUnsupported(td, errorf)
	v.fargateExecutionRole(td, why, errorf)
}

type errorfFunc func(path, rule, format string, args ...any)

func (v *validator) fargateResources(td *TaskDefinition, errorf errorfFunc) {
	if td.Cpu == 0 || td.Memory == 0 {
		errorf("", RuleFargate, "Fargate requires task-level cpu and memory")
		return
	}
	r, ok := fargateMemory[td.Cpu]
	if !ok {
		errorf("cpu", RuleFargate, "cpu %d: Fargate supports 256, 512, 1024, 2048, 4096, 8192 and 16384 CPU units", td.Cpu)
		return
	}
	valid := td.Memory >= r.min && td.Memory <= r.max && (td.Memory-r.min)%r.step == 0
	if td.Cpu == 256 {
		valid = td.Memory == 512 || td.Memory == 1024 || td.Memory == 2048
	}
	if !valid {
		errorf("memory", RuleFargate, "memory %d MiB: with cpu %d Fargate allows %d to %d MiB in steps of %d MiB", td.Memory, td.Cpu, r.min, r.max, r.step)
	}
}

// fargateUnsupported reports the parameters the SDK documents as not supported on Fargate.
func (v *validator) fargateUnsupported(td *TaskDefinition, errorf errorfFunc) {
	const rule = RuleFargateUnsupported
	if td.IpcMode != "" {
		// RegisterTaskDefinitionInput.IpcMode: "not supported for ... tasks run on Fargate".
		errorf("ipcMode", rule, "ipcMode is not supported on Fargate")
	}
	if td.PidMode != "" && td.PidMode != "task" {
		// RegisterTaskDefinitionInput.PidMode: "On Fargate for Linux containers, the only valid value is task".
		errorf("pidMode", rule, "pidMode %q: on Fargate the only valid value is task", td.PidMode)
	}
	if len(td.PlacementConstraints) > 0 {
		// Developer Guide, task placement: constraints are not supported on Fargate.
		errorf("placementConstraints", rule, "placementConstraints are not supported on Fargate")
	}
	for i, vol := range td.Volumes {
		p := fmt.Sprintf("volumes[%d]", i)
		if vol.DockerVolumeConfiguration != nil {
			// Volume.DockerVolumeConfiguration: "Docker volumes aren't supported by tasks run on Fargate."
			errorf(p+".dockerVolumeConfiguration", rule, "volume %q: Docker volumes (dockerVolumeConfiguration) are not supported on Fargate", vol.Name)
		}
		if vol.Host != nil && vol.Host.SourcePath != "" {
			// HostVolumeProperties.SourcePath: "If you're using the Fargate launch type, the sourcePath parameter is not supported."
			errorf(p+".host.sourcePath", rule, "volume %q: host.sourcePath is not supported on Fargate (leave host empty for a task-scoped volume)", vol.Name)
		}
	}
	for i, c := range td.ContainerDefinitions {
		p := fmt.Sprintf("containerDefinitions[%d]", i)
		if c.Privileged != nil && *c.Privileged {
			// ContainerDefinition.Privileged: "not supported for Windows containers or tasks run on Fargate".
			errorf(p+".privileged", rule, "container %q: privileged is not supported on Fargate", c.Name)
		}
		if len(c.DockerSecurityOptions) > 0 {
			// ContainerDefinition.DockerSecurityOptions: "isn't valid for containers in tasks using the Fargate launch type".
			errorf(p+".dockerSecurityOptions", rule, "container %q: dockerSecurityOptions are not supported on Fargate", c.Name)
		}
		if lp := c.LinuxParameters; lp != nil {
			// LinuxParameters: devices, maxSwap, sharedMemorySize and swappiness "isn't supported" on Fargate.
			for _, f := range []struct {
				name string
				set  bool
			}{{"devices", len(lp.Devices) > 0}, {"maxSwap", lp.MaxSwap != nil}, {"sharedMemorySize", lp.SharedMemorySize != nil}, {"swappiness", lp.Swappiness != nil}} {
				if f.set {
					errorf(p+".linuxParameters."+f.name, rule, "container %q: linuxParameters.%s is not supported on Fargate", c.Name, f.name)
				}
			}
		}
		// ContainerDefinition.StartTimeout/StopTimeout: "The valid values for Fargate are 2-120 seconds."
		for _, t := range []struct {
			field string
			val   *int
		}{{"startTimeout", c.StartTimeout}, {"stopTimeout", c.StopTimeout}} {
			if t.val != nil && (*t.val < 2 || *t.val > 120) {
				errorf(p+"."+t.field, RuleContainerTimeouts, "container %q: %s %d: Fargate allows 2 to 120 seconds", c.Name, t.field, *t.val)
			}
		}
	}
}

// fargateExecutionRole: on Fargate the execution role is what pulls private images and
// fetches secrets and log credentials; without one, registration fails for awslogs,
// secrets (also secretOptions of a log configuration), repositoryCredentials and
// environmentFiles. An ECR image registers but cannot be pulled, so it is a warning.
func (v *validator) fargateExecutionRole(td *TaskDefinition, why string, errorf errorfFunc) {
	if td.ExecutionRoleArn != "" {
		return
	}
	const rule = RuleFargateExecutionRole
	need := func(path, c, what string) {
		errorf(path, rule, "container %q: %s on Fargate needs the task's executionRoleArn (the role that fetches it for the task)", c, what)
	}
	for i, c := range td.ContainerDefinitions {
		p := fmt.Sprintf("containerDefinitions[%d]", i)
		if lc := c.LogConfiguration; lc != nil {
			if lc.LogDriver == "awslogs" {
				need(p+".logConfiguration.logDriver", c.Name, "logDriver awslogs")
			}
			if len(lc.SecretOptions) > 0 {
				need(p+".logConfiguration.secretOptions", c.Name, "logConfiguration.secretOptions")
			}
		}
		if len(c.Secrets) > 0 {
			need(p+".secrets", c.Name, "secrets")
		}
		if c.RepositoryCredentials != nil {
			need(p+".repositoryCredentials", c.Name, "repositoryCredentials (a private registry)")
		}
		if len(c.EnvironmentFiles) > 0 {
			need(p+".environmentFiles", c.Name, "environmentFiles")
		}
		if ecrImage.MatchString(c.Image) {
			v.warnf(p+".image", rule, "%scontainer %q: image %q is in Amazon ECR: on Fargate, pulling it needs the task's executionRoleArn (AWS registers the definition, but its tasks cannot start)", why, c.Name, c.Image)
		}
	}
}

// isFargateService says whether the service runs its tasks on Fargate: launchType
// FARGATE or a FARGATE / FARGATE_SPOT capacity provider.
func (s *Service) isFargateService() bool {
	return s.LaunchType == "FARGATE" || slices.ContainsFunc(s.CapacityProviderStrategy, func(c CapacityProviderItem) bool {
		return strings.HasPrefix(c.CapacityProvider, "FARGATE")
	})
}
