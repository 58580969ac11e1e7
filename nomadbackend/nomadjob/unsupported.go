package nomadjob

import (
	"fmt"
	"slices"
	"strings"
)

// This file reports the fields that are not translated at all, or only partly, and
// that no other translation step looks at. Every note says what a user would notice.

func (t *translator) unsupportedContainerFields(i int) {
	c := &t.td.ContainerDefinitions[i]
	f := func(path string) fieldRef { return t.containerField(i, path) }
	n := &t.notes
	if len(c.Secrets) > 0 {
		n.unsupported(f("secrets"), "secrets are not injected: ecsgit cannot read AWS Secrets Manager/SSM; store them in Nomad Variables and use a template")
	}
	if len(c.EnvironmentFiles) > 0 {
		n.unsupported(f("environmentFiles"), "S3 environment files are not loaded; the variables are missing in the container")
	}
	if c.RepositoryCredentials != nil {
		n.unsupported(f("repositoryCredentials"), "private-registry credentials come from the Nomad clients' docker auth configuration, not from the task")
	}
	if len(c.Links) > 0 {
		n.unsupported(f("links"), "Docker links are not translated; use service discovery")
	}
	if c.StartTimeout != nil {
		n.unsupported(f("startTimeout"), "Nomad has no per-dependency start timeout")
	}
	if len(c.ResourceRequirements) > 0 {
		n.unsupported(f("resourceRequirements"), "GPU/accelerator requirements are not translated (they need a Nomad device plugin)")
	}
	if len(c.CredentialSpecs) > 0 {
		n.unsupported(f("credentialSpecs"), "gMSA credential specs are not translated")
	}
	if c.DisableNetworking != nil && *c.DisableNetworking {
		n.approx(f("disableNetworking"), RuleNetwork, "the container runs with docker network_mode \"none\"")
	}
	if c.RestartPolicy != nil && c.RestartPolicy.Enabled != nil && *c.RestartPolicy.Enabled {
		n.unsupported(f("restartPolicy"), "in-place container restarts are not translated: an essential container that exits fails the allocation, which Nomad replaces")
	}
	if c.LogConfiguration != nil && len(c.LogConfiguration.SecretOptions) > 0 {
		n.unsupported(f("logConfiguration.secretOptions"), "log driver secret options are not injected yet (ecsgit cannot read Secrets Manager/SSM): the driver runs without them")
	}
	if c.Privileged != nil && *c.Privileged {
		n.approx(f("privileged"), RuleApproximate, "Nomad refuses privileged containers unless the client's docker plugin has allow_privileged = true")
	}
	if c.VersionConsistency == "enabled" || c.VersionConsistency == "" {
		// ECS resolves the tag to a digest once per deployment; Nomad's docker driver
		// uses whatever the tag points to on each client. Only worth a note for tags
		// that move; a pinned digest behaves the same.
		if !strings.Contains(c.Image, "@") && isMutableTag(c.Image) {
			n.approx(f("image"), RuleApproximate, "the image tag %q is resolved on each client when a task starts (ECS pins the digest for a deployment); \"latest\" is pulled every time", c.Image)
		}
	}
}

// isMutableTag is true for untagged and :latest images, which Nomad re-pulls on every start.
func isMutableTag(image string) bool {
	slash := max(0, lastIndex(image, '/'))
	colon := lastIndex(image[slash:], ':')
	return colon < 0 || image[slash+colon+1:] == "latest"
}

func lastIndex(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func (t *translator) unsupportedTaskDefinitionFields() {
	td := t.td
	f := t.tdField
	n := &t.notes
	if td.TaskRoleArn != "" {
		n.unsupported(f("taskRoleArn"), "no IAM role is assumed: the containers get no AWS credentials from the task")
	}
	if td.ExecutionRoleArn != "" {
		n.unsupported(f("executionRoleArn"), "no execution role: image pulls, logs and secrets use the Nomad clients' own configuration")
	}
	if td.ProxyConfiguration != nil {
		n.unsupported(f("proxyConfiguration"), "App Mesh proxy configuration is not translated")
	}
	if td.EphemeralStorage != nil {
		n.unsupported(f("ephemeralStorage"), "Fargate ephemeral storage size is not enforced for docker tasks")
	}
	if len(td.InferenceAccelerators) > 0 {
		n.unsupported(f("inferenceAccelerators"), "inference accelerators are not translated")
	}
	if td.EnableFaultInjection != nil && *td.EnableFaultInjection {
		n.unsupported(f("enableFaultInjection"), "fault injection is not translated")
	}
	if len(td.Tags) > 0 {
		n.unsupported(f("tags"), "tags are not written to Nomad: job meta would restart every allocation on each tag change")
	}
	if td.PidMode == "task" {
		n.unsupported(f("pidMode"), "a PID namespace shared by the task's containers is not translated; each container has its own")
	}
	if td.IpcMode == "task" {
		n.unsupported(f("ipcMode"), "an IPC namespace shared by the task's containers is not translated; each container has its own")
	}
	if slices.Contains(td.RequiresCompatibilities, "FARGATE") {
		n.approx(f("requiresCompatibilities"), RuleApproximate, "FARGATE: the task runs on the Nomad clients, without Fargate's per-task isolation")
	}
}

func (t *translator) unsupportedServiceFields() {
	s := t.svc
	f := t.svcField
	n := &t.notes
	if s.LaunchType == "FARGATE" {
		n.approx(f("launchType"), RuleApproximate, "FARGATE: the task runs on the Nomad clients of the configured datacenters/node pool")
	}
	if len(s.CapacityProviderStrategy) > 0 {
		n.unsupported(f("capacityProviderStrategy"), "capacity providers are not translated; jobs go to the configured datacenters/node pool")
	}
	if dc := s.DeploymentController; dc != nil && dc.Type != "" && dc.Type != "ECS" {
		n.unsupported(f("deploymentController.type"), "%s deployments are not translated; ecsgit rolls out with Nomad's update block", dc.Type)
	}
	if dc := s.DeploymentConfiguration; dc != nil {
		if len(dc.Alarms) > 0 {
			n.unsupported(f("deploymentConfiguration.alarms"), "CloudWatch alarms do not stop or roll back deployments")
		}
		switch dc.Strategy {
		case "", "ROLLING":
		case "BLUE_GREEN":
			n.approx(f("deploymentConfiguration.strategy"), RuleRollout, "blue/green is carried out by Nomad canaries only when maximumPercent allows a full second set (200%%); no traffic shifting or lifecycle hooks")
		default:
			n.unsupported(f("deploymentConfiguration.strategy"), "%s deployments are not translated; the rollout is a rolling update", dc.Strategy)
		}
		if dc.BakeTimeInMinutes != nil {
			n.unsupported(f("deploymentConfiguration.bakeTimeInMinutes"), "no bake time: the old version is stopped as soon as the new one is healthy")
		}
		if len(dc.LifecycleHooks) > 0 {
			n.unsupported(f("deploymentConfiguration.lifecycleHooks"), "deployment lifecycle hooks are not run")
		}
	}
	for i := range s.LoadBalancers {
		n.approx(f(fmt.Sprintf("loadBalancers[%d]", i)), RuleServiceRegistry, "no load balancer is configured; put an ingress (Traefik, nginx with a nomadService template) in front of the Nomad service")
	}
	for i := range s.ServiceRegistries {
		n.approx(f(fmt.Sprintf("serviceRegistries[%d]", i)), RuleServiceRegistry, "Cloud Map registration is not translated; health-checked containers are registered as Nomad services (no DNS)")
	}
	if len(s.NetworkConfiguration) > 0 {
		n.unsupported(f("networkConfiguration"), "subnets, security groups and public IPs have no Nomad equivalent")
	}
	if s.PlatformVersion != "" {
		n.unsupported(f("platformVersion"), "Fargate platform versions do not apply")
	}
	if s.Role != "" {
		n.unsupported(f("role"), "the service-linked load-balancer role does not apply")
	}
	if len(s.Tags) > 0 {
		n.unsupported(f("tags"), "tags are not written to Nomad: job meta would restart every allocation on each tag change")
	}
	if s.PropagateTags != "" && s.PropagateTags != "NONE" {
		n.unsupported(f("propagateTags"), "tags are not propagated to tasks")
	}
	if s.EnableECSManagedTags != nil && *s.EnableECSManagedTags {
		n.unsupported(f("enableECSManagedTags"), "ECS managed tags do not apply")
	}
	if s.EnableExecuteCommand != nil && *s.EnableExecuteCommand {
		n.approx(f("enableExecuteCommand"), RuleApproximate, "use `nomad alloc exec` (needs the alloc-exec ACL capability) instead of ECS Exec")
	}
	if s.AvailabilityZoneRebalancing == "ENABLED" {
		n.unsupported(f("availabilityZoneRebalancing"), "Nomad never moves running allocations to rebalance zones")
	}
	raw := []struct {
		name string
		v    []byte
	}{
		{"serviceConnectConfiguration", s.ServiceConnectConfiguration},
		{"volumeConfigurations", s.VolumeConfigurations},
		{"vpcLatticeConfigurations", s.VpcLatticeConfigurations},
		{"monitoring", s.Monitoring},
		{"gatewayConnectors", s.GatewayConnectors},
	}
	for _, r := range raw {
		if len(r.v) > 0 && string(r.v) != "null" {
			n.unsupported(f(r.name), "%s is not translated", r.name)
		}
	}
	if t.isDaemon() && s.DesiredCount != nil && *s.DesiredCount > 0 {
		n.approx(f("desiredCount"), RuleApproximate, "a DAEMON service runs one task per eligible node; desiredCount is ignored")
	}
}
