package nomadjob

import (
	"reflect"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// taskDefinitionFields is the registry of spec.TaskDefinition (see fidelity.go).
var taskDefinitionFields = map[string]fieldRule{
	"family":                      exact("the task definition the service runs; not written into the job (the job is named after the service)"),
	"containerDefinitions":        exact("one `docker` task per container, same name, file order"),
	"containerDefinitions[].name": exact("task name"),
	"containerDefinitions[].image": approx("`config.image`; an image with a registry host and versionConsistency enabled: `image@sha256:…`, the digest its tag had when planned (shown in the plan)", "", RuleApproximate).
		withDoc("Docker Hub short names (`app:1`, `org/app:1`) are not pinned: untagged and `:latest` ones are re-pulled on every start and resolved per client (note); a tag the plan cannot resolve stays a tag (note with the registry's answer)"),
	"containerDefinitions[].cpu":               approx("`resources.cpu = units × cpuMHzPerVCPU / 1024` MHz, minimum 1", "both are a soft weight plus a reservation; absent: a share of task cpu or 128 units (note)", RuleResources),
	"containerDefinitions[].memory":            exact("`resources.memory` (hard limit), or `memory_max` with `memoryReservation`"),
	"containerDefinitions[].memoryReservation": approx("`resources.memory = memoryReservation`, `memory_max = memory` (or -1)", "`memory_max` works only where the clients enable memory oversubscription; elsewhere the reservation becomes the hard limit (note)", RuleResources),
	"containerDefinitions[].essential":         approx("`true`: main task, `restart { attempts = 0, mode = \"fail\" }`; `false`: a lifecycle hook (see dependsOn)", "a non-essential container that exits is restarted by Nomad; ECS leaves it stopped (note)", RuleSidecarRestart),
	"containerDefinitions[].entryPoint":        exact("`config.entrypoint`"),
	"containerDefinitions[].command":           exact("`config.args` (never `config.command`, which would replace the image's executable)"),
	"containerDefinitions[].environment":       exact("task `env` (a name given twice keeps the last value, as Docker does)").covers(),
	"containerDefinitions[].environmentFiles": unsupported("S3 environment files are not loaded; the variables are missing in the container").
		covers().noted(),
	"containerDefinitions[].secrets": exact("one task `template` (env = true, change_mode = \"noop\", error_on_missing_key) reading each value with `nomadVar` from the variable path and key that ecsgit.yaml `secrets` maps the valueFrom to (docs/secrets.md); the job spec holds paths and keys, never a value").
		withDoc("resolved when the task starts, as in ECS; a changed value reaches only new tasks (rotation: docs/secrets.md); a Secrets Manager version stage or id is not honoured, Nomad variables keep one value (note, FID-NOMAD-SECRETS); a missing variable or key fails the plan (ECS-SEC-002)").
		covers(),
	"containerDefinitions[].portMappings":                      exact("group `network { port \"<label>\" { to = containerPort } }` + `config.ports`"),
	"containerDefinitions[].portMappings[].containerPort":      exact("port `to` (label: the mapping's `name`, else `p<containerPort>`)"),
	"containerDefinitions[].portMappings[].hostPort":           exact("port `static`"),
	"containerDefinitions[].portMappings[].protocol":           approx("—", "`udp`: Nomad's docker driver publishes each port for tcp and udp (note)", RuleNetwork),
	"containerDefinitions[].portMappings[].name":               exact("the port label (non `[A-Za-z0-9_]` → `_`)"),
	"containerDefinitions[].portMappings[].appProtocol":        approx("Service Connect: `http` → the proxy works per request; `http2`, `grpc` → TCP (note)", "without serviceConnectConfiguration it has no effect (note)", RuleServiceConnect),
	"containerDefinitions[].portMappings[].containerPortRange": unsupported("port ranges are not translated; no port of the range is reachable (note)"),
	"containerDefinitions[].healthCheck": approx("a recognised probe (`--probe URL`, `curl -f`, `wget`, `nc -z` on localhost and a mapped port) → task `service { check { http/tcp } }` with `check_restart`, `update.health_check = \"checks\"`; anything else: not run, `task_states` (note)", "a probe Nomad cannot run from the client (a script, an unpublished port, a container without a network) is not run (note)", RuleHealthCheck).
		covers(),
	"containerDefinitions[].dependsOn": approx("lifecycle tiers: a non-essential dependency waited for with SUCCESS/COMPLETE → prestart, START/HEALTHY → prestart sidecar", "Nomad orders prestart → main → poststart, never within a tier or by health (notes)", RuleDependsOn).
		covers(),
	"containerDefinitions[].startTimeout": unsupported("Nomad has no per-dependency start timeout").noted(),
	"containerDefinitions[].stopTimeout":  approx("`kill_timeout`", "clients cap it at their `max_kill_timeout` (Nomad's default 30 s; 120 s on the ecsgit cluster) (note)", RuleStopTimeout),
	"containerDefinitions[].links": unsupported("Docker links are not translated; use service discovery").
		noted(),
	"containerDefinitions[].mountPoints": approx("docker `mount` blocks (see volumes)", "per volume kind, see `volumes`", RuleApproximate).covers(),
	"containerDefinitions[].volumesFrom": unsupported("Nomad tasks cannot mount another task's volumes; use a shared volume (note)").
		covers(),
	"containerDefinitions[].logConfiguration": exact("`config.logging { type, config = [{options}] }`"),
	"containerDefinitions[].logConfiguration.logDriver": exact("`logging.type` for a driver listed in ecsgit.yaml `hostLogDrivers` (default: every driver but awslogs); `awsfirelens`: Docker's `fluentd` driver to the task's FireLens router").
		withDoc("a driver the hosts cannot run (not in `hostLogDrivers`, e.g. `awslogs` by default) leaves the logs in Nomad's log collection, `nomad alloc logs`, with a note naming the CloudWatch group and stream ECS would have used; `awslogs-stream-prefix` becomes `awslogs-stream` = prefix/container/alloc-id (FID-NOMAD-LOGGING)"),
	"containerDefinitions[].logConfiguration.options": exact("`logging.config`"),
	"containerDefinitions[].logConfiguration.secretOptions": approx("the log option `${ECSGIT_LOG_SECRET_<NAME>}`, set by the container's secrets template from Nomad Variables (as `secrets`)",
		"the value is also in the container's environment, which ECS keeps out of the container (note); a driver that does not reach Docker (see logDriver) gets no option", RuleSecrets).
		covers(),
	"containerDefinitions[].ulimits":                exact("`config.ulimit = [{ name = \"soft:hard\" }]`").covers(),
	"containerDefinitions[].user":                   exact("task `user`"),
	"containerDefinitions[].workingDirectory":       exact("`config.work_dir`"),
	"containerDefinitions[].hostname":               exact("`config.hostname`"),
	"containerDefinitions[].dnsServers":             exact("`config.dns_servers`"),
	"containerDefinitions[].dnsSearchDomains":       exact("`config.dns_search_domains`"),
	"containerDefinitions[].extraHosts":             exact("`config.extra_hosts [\"host:ip\"]`").covers(),
	"containerDefinitions[].disableNetworking":      approx("`config.network_mode = \"none\"`", "the container runs with docker network_mode \"none\"", RuleNetwork).notedWhen(isTrue),
	"containerDefinitions[].interactive":            exact("`config.interactive`"),
	"containerDefinitions[].pseudoTerminal":         exact("`config.tty`"),
	"containerDefinitions[].readonlyRootFilesystem": exact("`config.readonly_rootfs`"),
	"containerDefinitions[].privileged": approx("`config.privileged`", "Nomad refuses privileged containers unless the client's docker plugin has allow_privileged = true", RuleApproximate).
		notedWhen(isTrue),
	"containerDefinitions[].dockerSecurityOptions":                 exact("`config.security_opt`"),
	"containerDefinitions[].dockerLabels":                          exact("`config.labels = [{…}]` (a list of maps)"),
	"containerDefinitions[].systemControls":                        exact("`config.sysctl = [{…}]`").covers(),
	"containerDefinitions[].linuxParameters":                       exact("docker driver options below"),
	"containerDefinitions[].linuxParameters.capabilities":          approx("`cap_add` / `cap_drop` (lower case)", "a capability outside the docker plugin's `allow_caps` (default: Docker's default set) makes Nomad refuse the task (note)", RuleApproximate).covers(),
	"containerDefinitions[].linuxParameters.devices":               exact("`devices [{ host_path, container_path, cgroup_permissions }]`").covers(),
	"containerDefinitions[].linuxParameters.initProcessEnabled":    exact("`init`"),
	"containerDefinitions[].linuxParameters.maxSwap":               unsupported("Nomad's docker driver has no swap limit (note)"),
	"containerDefinitions[].linuxParameters.sharedMemorySize":      exact("`shm_size` (bytes)"),
	"containerDefinitions[].linuxParameters.swappiness":            unsupported("Nomad's docker driver has no swappiness setting (note)"),
	"containerDefinitions[].linuxParameters.tmpfs":                 exact("`mount { type = \"tmpfs\", target, tmpfs_options { size } }`"),
	"containerDefinitions[].linuxParameters.tmpfs[].containerPath": exact("mount `target`"),
	"containerDefinitions[].linuxParameters.tmpfs[].size":          exact("`tmpfs_options.size` (bytes)"),
	"containerDefinitions[].linuxParameters.tmpfs[].mountOptions":  unsupported("tmpfs mountOptions are not translated (Nomad's tmpfs mount takes size and mode only) (note)"),
	"containerDefinitions[].resourceRequirements": unsupported("GPU/accelerator requirements are not translated (they need a Nomad device plugin)").
		covers().noted(),
	"containerDefinitions[].restartPolicy": unsupported("in-place container restarts are not translated: an essential container that exits fails the allocation, which Nomad replaces").
		covers().notedWhen(restartPolicyEnabled),
	"containerDefinitions[].repositoryCredentials": approx("docker `auth { username, password }` as `${ECSGIT_REGISTRY_USERNAME}`/`${ECSGIT_REGISTRY_PASSWORD}`, set by the container's secrets template from the keys `username` and `password` of the variable credentialsParameter maps to; `force_pull = true` (the agent's default: pull on every start)",
		"the credentials are also in the container's environment, which ECS keeps out of the container (note)", RuleSecrets).
		covers(),
	"containerDefinitions[].firelensConfiguration": exact("the log router as the ECS agent builds it: a prestart sidecar with the forward input on a mapped port, one output per `awsfirelens` container generated into a `template` (firelens.go)").
		withDoc("`config-file-type: s3`, unknown router options and `secretOptions` are noted; the ECS metadata fields come from Docker labels (note)").
		covers(),
	"containerDefinitions[].credentialSpecs": unsupported("gMSA credential specs are not translated").
		noted(),
	"containerDefinitions[].versionConsistency": approx("`enabled` (the default): the plan resolves the tag to its digest in the registry and the job runs image@digest (docs/secrets.md); `disabled`: the tag", "Docker Hub short names are not resolved by the plan (each client resolves the tag); the digest is resolved when the spec changes, so a tag moved while the spec is unchanged is not redeployed, as in ECS (note on `image`)", RuleApproximate),

	"cpu":                                 approx("shared out to the containers without `cpu`", "ECS enforces a task-wide limit; Nomad has no group-level limit (note)", RuleResources),
	"memory":                              approx("shared out to the containers without memory", "no group-level limit in Nomad (note)", RuleResources),
	"networkMode":                         exact("`bridge`: docker bridge per container; `host`: `network_mode = \"host\"`, static ports; `awsvpc`: group `network { mode = \"bridge\" }`; `none`: `network_mode = \"none\"`"),
	"requiresCompatibilities":             approx("—", "FARGATE: the task runs on the Nomad clients, without Fargate's per-task isolation", RuleApproximate).notedWhen(containsString("FARGATE")),
	"volumes":                             exact("per kind, below; a container mounts it with `mountPoints`"),
	"volumes[].name":                      exact("the volume name (Docker volume `source`)"),
	"volumes[].host":                      approx("`mount { type = \"bind\" }`; without `sourcePath`: a named Docker volume", "Nomad refuses bind mounts unless the docker plugin has volumes.enabled = true; a scratch volume is shared by all allocations on a node and kept (note)", RuleApproximate).covers(),
	"volumes[].dockerVolumeConfiguration": approx("`mount { type = \"volume\", volume_options { driver_config, labels } }`", "a named volume outlives the task (ECS scope `task` deletes it) (note)", RuleApproximate),
	"volumes[].dockerVolumeConfiguration.scope":         approx("—", "`task`: the named volume is kept and shared on the node (note)", RuleApproximate),
	"volumes[].dockerVolumeConfiguration.autoprovision": approx("—", "scope `shared` without autoprovision (ECS's default is false): Docker creates a missing volume, ECS fails the task (note)", RuleApproximate),
	"volumes[].dockerVolumeConfiguration.driver":        exact("`driver_config.name`"),
	"volumes[].dockerVolumeConfiguration.driverOpts":    exact("`driver_config.options`"),
	"volumes[].dockerVolumeConfiguration.labels":        exact("`volume_options.labels`"),
	"volumes[].efsVolumeConfiguration":                  unsupported("EFS volumes need a CSI plugin; the mount is dropped (note)"),
	"volumes[].fsxWindowsFileServerVolumeConfiguration": unsupported("FSx volumes are not translated; the mount is dropped (note)"),
	"volumes[].s3filesVolumeConfiguration":              unsupported("S3 Files volumes are not translated; the mount is dropped (note)"),
	"volumes[].configuredAtLaunch":                      unsupported("volumes configured at launch are not translated; the mount is dropped (note)"),
	"placementConstraints":                              approx("group `constraint` blocks (see memberOf)", "see memberOf (notes)", RulePlacement).covers(),
	"taskRoleArn":                                       unsupported("no IAM role is assumed: the containers get no AWS credentials from the task (each task has only Nomad's workload identity, which AWS does not trust unless the cluster is set up as an OIDC provider for AWS, which ecsgit does not do)").noted(),
	"executionRoleArn": approx("the tasks' Nomad workload identity: it reads the secrets under the ACL policy `ecsgit secrets policy` creates, one per job, for exactly the paths the task definition references",
		"the role itself is not used: image pulls other than repositoryCredentials and log drivers use the Nomad clients' own configuration", RuleSecrets).noted(),
	"pidMode": approx("`host`: `pid_mode = \"host\"`", "", RuleApproximate).
		notedAs(spec.FidelityUnsupported, RuleUnsupported, equals("task"), "a PID namespace shared by the task's containers is not translated; each container has its own").
		withDoc("`host` needs the clients' docker plugin to allow it (note); `task` (shared by the containers): unsupported (note)"),
	"ipcMode": approx("`host`: `ipc_mode = \"host\"`", "", RuleApproximate).
		notedAs(spec.FidelityUnsupported, RuleUnsupported, equals("task"), "an IPC namespace shared by the task's containers is not translated; each container has its own").
		withDoc("`host` needs the clients' docker plugin to allow it (note); `task` (shared by the containers): unsupported (note)"),
	"proxyConfiguration":    unsupported("App Mesh proxy configuration is not translated").covers().noted(),
	"ephemeralStorage":      unsupported("Fargate ephemeral storage size is not enforced for docker tasks").covers().noted(),
	"runtimePlatform":       exact("`constraint ${attr.cpu.arch} = amd64/arm64`, `${attr.kernel.name} = linux/windows`").covers().withDoc("Windows Server versions are not distinguished (note)"),
	"tags":                  unsupported("tags are not written to Nomad: job meta would restart every allocation on each tag change").covers().noted(),
	"enableFaultInjection":  unsupported("fault injection is not translated").notedWhen(isTrue),
	"inferenceAccelerators": unsupported("inference accelerators are not translated").noted(),
}

// serviceFields is the registry of spec.Service (see fidelity.go).
var serviceFields = map[string]fieldRule{
	"serviceName":        exact("job `ID = Name = jobPrefix + serviceName`"),
	"taskDefinition":     exact("the task definition translated (family or family:revision)"),
	"desiredCount":       exact("group `count`").withDoc("DAEMON: ignored, one task per node (note); with a scalable target: the starting count only, within [MinCapacity, MaxCapacity] (docs/autoscaling.md)"),
	"schedulingStrategy": exact("`REPLICA`: `type = \"service\"`; `DAEMON`: `type = \"system\"`, no count, no reschedule"),
	"launchType": approx("—", "FARGATE: the task runs on the Nomad clients of the configured datacenters/node pool", RuleApproximate).
		notedWhen(equals("FARGATE")),
	"capacityProviderStrategy":                         unsupported("capacity providers are not translated; jobs go to the configured datacenters/node pool").covers().noted(),
	"deploymentConfiguration":                          exact("group `update` block (see Rollouts)"),
	"deploymentConfiguration.minimumHealthyPercent":    approx("`max_parallel` / `canary` (see Rollouts)", "a partial surge can dip one task below the bound (note)", RuleRollout),
	"deploymentConfiguration.maximumPercent":           approx("`max_parallel` / `canary` (see Rollouts)", "below 100%: Nomad cannot stop a task without replacing it (note)", RuleRollout),
	"deploymentConfiguration.deploymentCircuitBreaker": approx("`auto_revert = rollback`; the threshold is counted by ecsgit's apply", "see Circuit breaker (notes)", RuleCircuitBreaker).covers(),
	"deploymentConfiguration.alarms": unsupported("CloudWatch alarms do not stop or roll back deployments").
		noted(),
	"deploymentConfiguration.strategy": approx("`BLUE_GREEN`: canaries when max% ≥ 200", "`LINEAR`/`CANARY`: unsupported, the rollout is a rolling update (note)", RuleRollout),
	"deploymentConfiguration.bakeTimeInMinutes": unsupported("no bake time: the old version is stopped as soon as the new one is healthy").
		noted(),
	"deploymentConfiguration.lifecycleHooks": unsupported("deployment lifecycle hooks are not run").
		noted(),
	"deploymentConfiguration.canaryConfiguration": unsupported("canary traffic shifting is not translated; the rollout is a rolling update").
		noted(),
	"deploymentConfiguration.linearConfiguration": unsupported("linear traffic shifting is not translated; the rollout is a rolling update").
		noted(),
	"deploymentConfiguration.earlySuccessCriteria": unsupported("early success is not translated: the deployment finishes when every task is replaced, not at healthyPercent, and old tasks are stopped by the rollout itself").
		noted(),
	"deploymentController": exact("—"),
	"deploymentController.type": exact("`ECS`: Nomad's update block").
		notedAs(spec.FidelityUnsupported, RuleUnsupported, notIn("ECS"), "%v deployments are not translated; ecsgit rolls out with Nomad's update block").
		withDoc("`CODE_DEPLOY` / `EXTERNAL`: unsupported, rolled out with the update block (note)"),
	"placementStrategy":             approx("`spread` blocks (zone, node, `${meta.x}`); none: spread over `zoneAttribute`", "binpack: Nomad bin-packs cluster-wide (note); random: unsupported (note); DAEMON: no effect, as in ECS (note)", RulePlacement).covers(),
	"placementConstraints":          approx("`distinctInstance` → `distinct_hosts`; `memberOf` → constraints (see memberOf)", "see memberOf (notes)", RulePlacement).covers(),
	"healthCheckGracePeriodSeconds": approx("`update.min_healthy_time = max(5 s, grace)`, `healthy_deadline = 5 min + grace`, `check_restart.grace`", "each batch must stay healthy for the whole grace period", RuleRollout),
	"loadBalancers": approx("task `service { name = \"tg-<target group>\", provider = \"nomad\", port = <containerPort's label> }` with the proxy's (Traefik) routing tags, one router per listener rule and default action; the target group's health check as the service's `check` (http, path, interval, timeout, `check_restart.limit = UnhealthyThresholdCount`, `grace = healthCheckGracePeriodSeconds`); every task's `shutdown_delay = deregistration_delay.timeout_seconds`; `canary_tags` keep canaries out of the proxy until promotion (docs/traffic.md)",
		"a task is healthy after one passing check (HealthyThresholdCount is not counted) and a Nomad check passes on any 2xx (a matcher with other codes is noted); the deregistration delay is always waited in full (ELB stops early once no request is in flight); without canaries (max_parallel rolling updates, a first deployment) a task is routed to from its registration on, until the proxy's own check of the same path fails", RuleLoadBalancer).
		covers(),
	"serviceRegistries": approx("`service { name = \"<serviceName>\", provider = \"nomad\", tags = [\"ecsgit.cloud-map\", \"ecsgit.cloud-map.service=<srv-id>\"] }` on the registry's container port: a task service (host address and port), for awsvpc a group service with `address_mode = \"alloc\"`", "registered under the ECS service name (a registry ARN names no Cloud Map service name); no DNS name is served; the registration follows the task's start and stop, not its health (note)", RuleServiceRegistry).
		covers(),
	"networkConfiguration": unsupported("subnets, security groups and public IPs have no Nomad equivalent").
		noted(),
	"platformVersion": unsupported("Fargate platform versions do not apply").noted(),
	"role":            unsupported("the service-linked load-balancer role does not apply").noted(),
	"tags":            unsupported("tags are not written to Nomad: job meta would restart every allocation on each tag change").covers().noted(),
	"propagateTags": unsupported("tags are not propagated to tasks").
		notedWhen(notIn("NONE")),
	"enableECSManagedTags": unsupported("ECS managed tags do not apply").notedWhen(isTrue),
	"enableExecuteCommand": approx("—", "use `nomad alloc exec` (needs the alloc-exec ACL capability) instead of ECS Exec", RuleApproximate).
		notedWhen(isTrue),
	"availabilityZoneRebalancing": unsupported("Nomad never moves running allocations to rebalance zones").
		notedWhen(equals("ENABLED")),
	"serviceConnectConfiguration": approx("awsvpc only: each `services[]` port a group service `sc-<namespace>-<discoveryName>` (`address_mode = \"alloc\"`); every task a prestart sidecar `ecs-service-connect` (ecsgit's proxy, image `ecsgit/connect-proxy:1`) listening on 127.255.0.N:<alias port> per client alias of the namespace, endpoints from a `nomadService` template; aliases as docker `extra_hosts` in the allocation's hosts file; providers' group `shutdown_delay` ≥ 5 s (docs/traffic.md)", "http aliases proxied per request with a retry on another endpoint, others as TCP; no TLS, ingressPortOverride, access logs or proxy metrics (notes)", RuleServiceConnect).
		covers(),
	"volumeConfigurations":     unsupported("volumeConfigurations is not translated").noted(),
	"vpcLatticeConfigurations": unsupported("vpcLatticeConfigurations is not translated").noted(),
	"monitoring":               unsupported("monitoring is not translated").noted(),
	"gatewayConnectors":        unsupported("gatewayConnectors is not translated").noted(),
	"clientToken":              unsupported("the ECS API's idempotency token has no use: applying the same repository twice changes nothing").noted(),
	"cluster": approx("`namespace`, `datacenters`, `node_pool`, `region` from `ecsgit.yaml`", "the service runs where ecsgit.yaml says (namespace, datacenters, node pool); the cluster name %v is not used", RuleApproximate).
		noted(),
}

func restartPolicyEnabled(v reflect.Value) bool {
	p, ok := v.Interface().(*spec.ContainerRestartPolicy)
	return ok && p != nil && p.Enabled != nil && *p.Enabled
}

// withDoc replaces the consequence shown in the docs (for an entry whose note text is
// value-specific).
func (r fieldRule) withDoc(detail string) fieldRule { r.detail = detail; return r }

// scalableTargetFields is the registry of spec.ScalableTarget (register-scalable-target).
var scalableTargetFields = map[string]fieldRule{
	"ServiceNamespace":  exact("always `ecs` (validated)"),
	"ResourceId":        exact("the service's job and its group (`service/CLUSTER/SERVICE`)"),
	"ScalableDimension": exact("group `count` (`ecs:service:DesiredCount`)"),
	"MinCapacity":       exact("group `scaling { min }`; the count never goes below it"),
	"MaxCapacity":       exact("group `scaling { max }`; the count never goes above it"),
	"RoleARN":           unsupported("no IAM on Nomad: the autoscaler uses its own Nomad token"),
	"SuspendedState":    exact("see its fields"),
	"SuspendedState.DynamicScalingInSuspended":  exact("`max_scale_down = 0` on every check"),
	"SuspendedState.DynamicScalingOutSuspended": exact("`max_scale_up = 0` on every check (both suspended: `scaling { enabled = false }`)"),
	"SuspendedState.ScheduledScalingSuspended":  exact("ecsgit does not run the scheduled actions (docs/autoscaling.md)"),
	"Tags": unsupported("tags are not written to Nomad"),
}

// scalingPolicyFields is the registry of spec.ScalingPolicy (put-scaling-policy).
var scalingPolicyFields = map[string]fieldRule{
	"PolicyName":        exact("the name of the policy's `check` in the group's `scaling` block"),
	"ServiceNamespace":  exact("always `ecs` (validated)"),
	"ResourceId":        exact("the job whose group `scaling` block holds the check"),
	"ScalableDimension": exact("group `count`"),
	"PolicyType":        exact("`TargetTrackingScaling`: a `check` with the `target-value` strategy; `StepScaling`: see its configuration"),
	"TargetTrackingScalingPolicyConfiguration": approx("`check { source = \"nomad-apm\", strategy \"target-value\" { target, threshold = 0.1 } }`, `cooldown`, `evaluation_interval = \"10s\"`",
		"evaluated every 10 s on the allocations' current usage with a ±10 % dead band, not on CloudWatch alarms (3 breaching 1-minute datapoints to scale out, 15 to scale in); the count moves to ceil(count × metric / target) in one step (note)", RuleScaling),
	"TargetTrackingScalingPolicyConfiguration.TargetValue":                                        exact("strategy `target`"),
	"TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification":                      exact("see its fields"),
	"TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType": approx("`ECSServiceAverageCPUUtilization`: query `avg_cpu-allocated`; `ECSServiceAverageMemoryUtilization`: `avg_memory-allocated`; `ALBRequestCountPerTarget`: source `prometheus`, the target group's request rate through the proxy × 60 / its healthy targets", "`ALBRequestCountPerTarget` is a 30 s rate scaled to a minute, not ALB's 1-minute sum (note)", RuleScaling),
	"TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.ResourceLabel":        exact("the target group (and load balancer) whose requests are counted: the Traefik service `tg-<target group>` of the job's namespace; it must be a target group of the service's `loadBalancers[]`"),
	"TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification":                      unsupported("CloudWatch metrics are not available on Nomad: the policy is not translated (note)"),
	"TargetTrackingScalingPolicyConfiguration.ScaleOutCooldown":                                   approx("policy `cooldown` = max(ScaleOutCooldown, ScaleInCooldown)", "the Nomad Autoscaler has one cooldown after any action: scale-out after a scaling action may wait longer than on ECS (note when they differ)", RuleScaling),
	"TargetTrackingScalingPolicyConfiguration.ScaleInCooldown":                                    approx("policy `cooldown` (see ScaleOutCooldown)", "one cooldown for both directions (note when they differ)", RuleScaling),
	"TargetTrackingScalingPolicyConfiguration.DisableScaleIn":                                     exact("strategy `max_scale_down = 0`"),
	"StepScalingPolicyConfiguration": approx("one `check` per step and alarm, strategy `threshold` { lower_bound, upper_bound, delta | percentage | value, within_bounds_trigger = 1 } on the alarm's metric",
		"translated only with an alarm in the repository naming the policy (put-metric-alarm JSON); evaluated every 10 s on the current value, not on EvaluationPeriods × Period (note)", RuleScaling),
	"StepScalingPolicyConfiguration.AdjustmentType":                             exact("`ChangeInCapacity`: `delta`; `PercentChangeInCapacity`: `percentage` (rounded up, note); `ExactCapacity`: `value`"),
	"StepScalingPolicyConfiguration.StepAdjustments":                            exact("one check per step"),
	"StepScalingPolicyConfiguration.StepAdjustments[].MetricIntervalLowerBound": exact("`lower_bound` = alarm Threshold + bound (at least the threshold for a Greater… alarm)"),
	"StepScalingPolicyConfiguration.StepAdjustments[].MetricIntervalUpperBound": exact("`upper_bound` = alarm Threshold + bound (at most the threshold for a Less… alarm)"),
	"StepScalingPolicyConfiguration.StepAdjustments[].ScalingAdjustment":        exact("`delta`, `percentage` or `value`"),
	"StepScalingPolicyConfiguration.MinAdjustmentMagnitude":                     approx("—", "not applied: the threshold strategy has no minimum change (note)", RuleScaling),
	"StepScalingPolicyConfiguration.Cooldown":                                   exact("policy `cooldown` (default 300 s; the largest of the service's policies)"),
	"StepScalingPolicyConfiguration.MetricAggregationType":                      approx("—", "the alarm's Statistic chooses the aggregation (`avg_`, `max_`, `min_`); a different MetricAggregationType is noted", RuleScaling),
}

// metricAlarmFields is the registry of spec.MetricAlarm (put-metric-alarm), read for the
// step scaling policies its actions name.
var metricAlarmFields = map[string]fieldRule{
	"AlarmName":                        exact("named in the checks (`POLICY-ALARM-stepN` when a policy has several alarms) and in notes"),
	"AlarmDescription":                 exact("not needed on Nomad"),
	"ActionsEnabled":                   approx("—", "the checks are always active; suspend with the scalable target's SuspendedState", RuleScaling),
	"OKActions":                        unsupported("only AlarmActions that name a scaling policy act"),
	"AlarmActions":                     exact("the step scaling policies (ARN or PolicyName) whose steps become the checks"),
	"InsufficientDataActions":          unsupported("only AlarmActions that name a scaling policy act"),
	"MetricName":                       exact("`CPUUtilization`: `*_cpu-allocated` (nomad-apm); `MemoryUtilization`: `*_memory-allocated`; `RequestCountPerTarget`: the proxy's requests per target over Period (prometheus)"),
	"Namespace":                        exact("`AWS/ECS` or `AWS/ApplicationELB` (validated)"),
	"Statistic":                        exact("`Average`: `avg_`, `Maximum`: `max_`, `Minimum`: `min_` over the group's allocations; `Sum` for RequestCountPerTarget"),
	"ExtendedStatistic":                unsupported("percentiles: refused (ECS-AAS-009)"),
	"Dimensions":                       exact("`ClusterName`/`ServiceName`: must be the service the policy scales; `TargetGroup`: a target group of the service").covers(),
	"Period":                           approx("—", "the metric is the current value (nomad-apm) or a 30 s rate (prometheus), evaluated every 10 s (note)", RuleScaling),
	"Unit":                             exact("not needed: the metric has one unit"),
	"EvaluationPeriods":                approx("`within_bounds_trigger = 1`", "one datapoint in bounds acts; the alarm's breaching periods are not waited for (note)", RuleScaling),
	"DatapointsToAlarm":                approx("—", "see EvaluationPeriods", RuleScaling),
	"Threshold":                        exact("the origin of the steps' bounds"),
	"ComparisonOperator":               exact("the side of the threshold the steps act on"),
	"TreatMissingData":                 approx("—", "no datapoint: the check does not act (CloudWatch's `missing`)", RuleScaling),
	"EvaluateLowSampleCountPercentile": unsupported("percentiles are refused"),
	"Metrics":                          unsupported("metric math: refused (ECS-AAS-009)").covers(),
	"Tags":                             unsupported("tags are not written to Nomad").covers(),
	"ThresholdMetricId":                unsupported("anomaly detection: refused (ECS-AAS-009)"),
}

// scheduledActionFields is the registry of spec.ScheduledAction (put-scheduled-action).
var scheduledActionFields = map[string]fieldRule{
	"ServiceNamespace":                 exact("always `ecs` (validated)"),
	"ScheduledActionName":              exact("named in status and history"),
	"ResourceId":                       exact("the service whose `scaling { min, max }` the action changes"),
	"ScalableDimension":                exact("group `count`"),
	"Schedule":                         exact("at(), rate(), cron(): run by ecsgit at that time (docs/autoscaling.md)"),
	"Timezone":                         exact("the schedule's IANA time zone"),
	"StartTime":                        exact("the action does not run before it"),
	"EndTime":                          exact("the action does not run after it"),
	"ScalableTargetAction":             exact("the new `scaling { min, max }` of the group; the count is moved into the range"),
	"ScalableTargetAction.MinCapacity": exact("`scaling { min }`"),
	"ScalableTargetAction.MaxCapacity": exact("`scaling { max }`"),
}
