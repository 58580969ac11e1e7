package spec

import (
	"slices"
	"strings"
)

// Docker volume scopes (DockerVolumeConfiguration.scope): a task volume is removed with
// the task, a shared one outlives it.
const (
	VolumeScopeTask   = "task"
	VolumeScopeShared = "shared"
)

// Enums are the values ECS accepts for the model's enumerated string fields, keyed by
// "ModelType.jsonName" (for a string array such as requiresCompatibilities, the values of
// its elements). They are the values of the aws-sdk-go-v2 ECS enum types (types/enums.go);
// TestEnumsMatchSDK compares this table with the SDK's Values() methods, so a new value in
// an SDK bump fails a test instead of being refused by validation. The JSON schemas take
// their "enum" lists from here too.
//
// Fields whose other values ECS coerces rather than refuses are not here: see
// CoercedEnums.
var Enums = map[string][]string{
	"TaskDefinition.networkMode":             {"bridge", "host", "awsvpc", "none"},
	"TaskDefinition.requiresCompatibilities": {"EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"},
	"TaskDefinition.pidMode":                 {"host", "task"},
	"TaskDefinition.ipcMode":                 {"host", "task", "none"},
	"TaskDefinitionPlacementConstraint.type": {"memberOf"},
	"ProxyConfiguration.type":                {"APPMESH"},
	"RuntimePlatform.cpuArchitecture":        {"X86_64", "ARM64"},
	"RuntimePlatform.operatingSystemFamily": {
		"WINDOWS_SERVER_2019_FULL", "WINDOWS_SERVER_2019_CORE", "WINDOWS_SERVER_2016_FULL", "WINDOWS_SERVER_2004_CORE",
		"WINDOWS_SERVER_2022_CORE", "WINDOWS_SERVER_2022_FULL", "WINDOWS_SERVER_2025_CORE", "WINDOWS_SERVER_2025_FULL",
		"WINDOWS_SERVER_20H2_CORE", "LINUX",
	},
	"DockerVolumeConfiguration.scope":        {VolumeScopeTask, VolumeScopeShared},
	"ContainerDefinition.versionConsistency": {"enabled", "disabled"},
	"ContainerDependency.condition":          {"START", "COMPLETE", "SUCCESS", "HEALTHY"},
	"EnvironmentFile.type":                   {"s3"},
	"FirelensConfiguration.type":             {"fluentd", "fluentbit"},
	"Device.permissions":                     {"read", "write", "mknod"},
	"LogConfiguration.logDriver":             {"json-file", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "awsfirelens"},
	"PortMapping.appProtocol":                {"http", "http2", "grpc"},
	"ResourceRequirement.type":               {"GPU", "InferenceAccelerator", "NeuronDevice"},
	"Ulimit.name": {
		"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio",
		"rttime", "sigpending", "stack",
	},

	"Service.schedulingStrategy":          {"REPLICA", "DAEMON"},
	"Service.launchType":                  {"EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"},
	"Service.propagateTags":               {"TASK_DEFINITION", "SERVICE", "NONE"},
	"Service.availabilityZoneRebalancing": {"ENABLED", "DISABLED"},
	"DeploymentConfiguration.strategy":    {"ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"},
	"DeploymentController.type":           {"ECS", "CODE_DEPLOY", "EXTERNAL"},
	"ThresholdConfiguration.type":         {"COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT"},
	"PlacementStrategy.type":              {"random", "spread", "binpack"},
	"PlacementConstraint.type":            {"distinctInstance", "memberOf"},
}

// CoercedEnums are enumerated fields for which ECS accepts any value and treats the ones
// it does not know as a default, so a value outside the list is a warning, not an error.
// The key is as in Enums; Default is what ECS uses instead.
var CoercedEnums = map[string]struct {
	Values  []string
	Default string
}{
	// "Valid values are tcp and udp (case-sensitive). The default is tcp. Amazon ECS
	// treats any other specified value as tcp." (types.PortMapping.Protocol)
	"PortMapping.protocol": {Values: []string{"tcp", "udp"}, Default: "tcp"},
}

func enumValues(key string) []string {
	v, ok := Enums[key]
	if !ok {
		panic("spec: no enum " + key) // a typo in a validator, caught by every test
	}
	return v
}

// checkEnum reports value at path when it is set and not one of the key's values.
func (v *validator) checkEnum(path, key, what, value string) {
	if value == "" {
		return
	}
	if vals := enumValues(key); !slices.Contains(vals, value) {
		msg := sprintf("%s %q: allowed values are %s", what, value, strings.Join(vals, ", "))
		if s := suggestFold(value, vals); s != "" {
			msg += sprintf(" (values are case-sensitive: did you mean %q?)", s)
		}
		v.diags = append(v.diags, diag(v.at(path), SeverityError, ruleForEnum(key), "%s", msg))
	}
}

// suggestFold returns the value of vals that equals s but for case, if any.
func suggestFold(s string, vals []string) string {
	for _, v := range vals {
		if strings.EqualFold(s, v) {
			return v
		}
	}
	return ""
}

// enumRules is the rule each enumerated field is reported under.
var enumRules = map[string]string{
	"TaskDefinition.networkMode":             RuleNetworkMode,
	"TaskDefinition.requiresCompatibilities": RuleCompatibilities,
	"TaskDefinition.pidMode":                 RuleTaskEnums,
	"TaskDefinition.ipcMode":                 RuleTaskEnums,
	"TaskDefinitionPlacementConstraint.type": RuleTDPlacement,
	"ProxyConfiguration.type":                RuleTaskEnums,
	"RuntimePlatform.cpuArchitecture":        RuleTaskEnums,
	"RuntimePlatform.operatingSystemFamily":  RuleTaskEnums,
	"DockerVolumeConfiguration.scope":        RuleVolumes,
	"ContainerDefinition.versionConsistency": RuleContainerEnums,
	"ContainerDependency.condition":          RuleDependsOnCondition,
	"EnvironmentFile.type":                   RuleContainerEnums,
	"FirelensConfiguration.type":             RuleContainerEnums,
	"Device.permissions":                     RuleContainerEnums,
	"LogConfiguration.logDriver":             RuleLogDriver,
	"PortMapping.appProtocol":                RulePortMapping,
	"ResourceRequirement.type":               RuleContainerEnums,
	"Ulimit.name":                            RuleUlimit,
	"Service.schedulingStrategy":             RuleSchedulingStrategy,
	"Service.launchType":                     RuleLaunchType,
	"Service.propagateTags":                  RuleServiceEnums,
	"Service.availabilityZoneRebalancing":    RuleServiceEnums,
	"DeploymentConfiguration.strategy":       RuleDeploymentStrategy,
	"DeploymentController.type":              RuleDeploymentController,
	"ThresholdConfiguration.type":            RuleCircuitBreaker,
	"PlacementStrategy.type":                 RulePlacementStrategy,
	"PlacementConstraint.type":               RulePlacementConstraint,
}

func ruleForEnum(key string) string {
	r, ok := enumRules[key]
	if !ok {
		panic("spec: no rule for enum " + key)
	}
	return r
}
