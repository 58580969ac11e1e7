package spec

// Rule IDs of semantic validation. They are stable: a released ID never changes meaning.
// docs/validation-rules.md documents each one with its allowed values and an example.
const (
	// Task definition.
	RuleFamily                = "ECS-TD-001" // family required, [A-Za-z0-9_-]{1,255}
	RuleContainerCount        = "ECS-TD-002" // 1 to 10 containers
	RuleNoEssential           = "ECS-TD-003" // at least one essential container
	RuleNetworkMode           = "ECS-TD-004" // bridge | host | awsvpc | none
	RuleFargate               = "ECS-TD-005" // Fargate: awsvpc, cpu and memory set, a valid combination
	RuleContainerMemoryNeeded = "ECS-TD-006" // no task memory: each container needs memory or memoryReservation
	RuleCPUSum                = "ECS-TD-007" // sum of container cpu ≤ task cpu
	RuleMemoryOverTask        = "ECS-TD-008" // container memory/memoryReservation ≤ task memory
	RuleCompatibilities       = "ECS-TD-009" // requiresCompatibilities values
	RuleTDPlacement           = "ECS-TD-010" // task placementConstraints: memberOf, ≤ 10, valid expression
	RuleVolumes               = "ECS-TD-011" // volume names unique and valid; mountPoints reference them
	RuleTaskEnums             = "ECS-TD-012" // pidMode, ipcMode values
	RuleEphemeralStorage      = "ECS-TD-013" // ephemeralStorage 21–200 GiB
	RuleTaskCPURange          = "ECS-TD-014" // task cpu 128–196608 units, memory ≥ 6 MiB when set
	RuleFargateExecutionRole  = "ECS-TD-015" // Fargate: executionRoleArn for awslogs, secrets, repositoryCredentials, environmentFiles (Developer Guide, task execution IAM role)
	RuleFargateUnsupported    = "ECS-TD-016" // Fargate: no privileged, devices, Docker volumes, ipcMode, ... (SDK doc comments, see validate_fargate.go)
	RuleTags                  = "ECS-TD-017" // at most 50 tags

	// Container definition.
	RuleContainerName        = "ECS-CD-001" // name required, [A-Za-z0-9_-]{1,255}
	RuleDuplicateContainer   = "ECS-CD-002" // container names unique in a task definition
	RuleImage                = "ECS-CD-003" // image reference syntax
	RuleMemoryReservation    = "ECS-CD-004" // memory > memoryReservation; memory ≥ 6 MiB
	RuleHealthCheckCommand   = "ECS-CD-005" // healthCheck.command starts with CMD or CMD-SHELL
	RuleHealthCheckRange     = "ECS-CD-006" // interval 5–300, timeout 2–60, retries 1–10, startPeriod 0–300
	RuleDependsOnTarget      = "ECS-CD-007" // dependsOn names another container of the task
	RuleDependsOnCycle       = "ECS-CD-008" // no dependency cycles
	RuleDependsOnEssential   = "ECS-CD-009" // COMPLETE/SUCCESS not on an essential container
	RuleDependsOnHealthy     = "ECS-CD-010" // HEALTHY only on a container with a healthCheck
	RuleDependsOnCondition   = "ECS-CD-011" // START | COMPLETE | SUCCESS | HEALTHY
	RulePortName             = "ECS-CD-012" // portMappings[].name: [a-z0-9_-]{1,64}, not starting with -, unique
	RuleHostPortMismatch     = "ECS-CD-013" // awsvpc/host: hostPort equals containerPort
	RuleNonePorts            = "ECS-CD-014" // networkMode none: no portMappings
	RuleLinks                = "ECS-CD-015" // links only in bridge mode, to existing containers
	RuleDuplicateHostPort    = "ECS-CD-016" // a host port used twice in a task (same protocol)
	RulePortMapping          = "ECS-CD-017" // ports 0–65535 (containerPort ≥ 1), protocol tcp|udp, appProtocol
	RuleVolumesFrom          = "ECS-CD-018" // volumesFrom names another container
	RuleUlimit               = "ECS-CD-019" // ulimit names, soft ≤ hard
	RuleLogDriver            = "ECS-CD-020" // logDriver values
	RuleContainerTimeouts    = "ECS-CD-021" // startTimeout/stopTimeout ≥ 0 (Fargate 2–120)
	RuleEnvironmentNames     = "ECS-CD-022" // environment/secrets names non-empty and unique
	RuleContainerCPUNegative = "ECS-CD-023" // container cpu ≥ 0
	RuleContainerEnums       = "ECS-CD-024" // versionConsistency, environmentFiles type, firelensConfiguration type, resourceRequirements type, device permissions
	RuleProtocolCoerced      = "ECS-CD-025" // protocol other than tcp/udp: ECS treats it as tcp (warning)
	RuleAwsvpcHostOptions    = "ECS-CD-027" // hostname, extraHosts not with awsvpc
	RuleFirelens             = "ECS-CD-028" // awsfirelens needs one log router; firelensConfiguration options
	RuleContainerLimits      = "ECS-CD-026" // environmentFiles ≤ 10, restartPolicy 60–1800 s and ≤ 50 exit codes, swappiness 0–100

	// Service definition.
	RuleServiceName             = "ECS-SVC-001" // serviceName required, [A-Za-z0-9_-]{1,255}
	RuleServiceTaskDef          = "ECS-SVC-002" // taskDefinition required, family[:revision] or ARN
	RuleDesiredCount            = "ECS-SVC-003" // desiredCount ≥ 0, required for REPLICA
	RuleSchedulingStrategy      = "ECS-SVC-004" // REPLICA | DAEMON; DAEMON not with Fargate or non-ECS controllers
	RuleLaunchType              = "ECS-SVC-005" // EC2 | FARGATE | EXTERNAL | MANAGED_INSTANCES; not with capacityProviderStrategy
	RuleDeploymentPercents      = "ECS-SVC-006" // maximumPercent ≥ 100, 0 ≤ minimumHealthyPercent ≤ 100, min < max
	RuleDeploymentStuck         = "ECS-SVC-007" // the configuration can never replace a task
	RulePlacementStrategy       = "ECS-SVC-008" // ≤ 5; random | spread(field) | binpack(cpu|memory)
	RulePlacementConstraint     = "ECS-SVC-009" // ≤ 10 with the task's; distinctInstance | memberOf(expression)
	RuleCQL                     = "ECS-SVC-010" // memberOf expression syntax
	RuleDeploymentController    = "ECS-SVC-011" // ECS | CODE_DEPLOY | EXTERNAL
	RuleAwsvpcNetworkConfig     = "ECS-SVC-012" // awsvpc task without networkConfiguration (warning)
	RuleLoadBalancerTarget      = "ECS-SVC-013" // loadBalancers/serviceRegistries name a container and port of the task
	RuleCircuitBreaker          = "ECS-SVC-014" // thresholdConfiguration type and value
	RuleGracePeriod             = "ECS-SVC-015" // healthCheckGracePeriodSeconds ≥ 0
	RuleDeploymentStrategy      = "ECS-SVC-016" // ROLLING | BLUE_GREEN | LINEAR | CANARY
	RuleLaunchCompat            = "ECS-SVC-017" // launchType is one of the task's requiresCompatibilities
	RuleServiceEnums            = "ECS-SVC-018" // propagateTags, availabilityZoneRebalancing values
	RuleServiceTags             = "ECS-SVC-019" // at most 50 tags
	RuleServiceConnect          = "ECS-SVC-020" // serviceConnectConfiguration: namespace, awsvpc, portName, alias port
	RuleServiceConnectNamespace = "ECS-SVC-021" // a discovery name or alias once per namespace; a client needs a provider
)
