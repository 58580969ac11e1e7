package spec

import "encoding/json"

// The types below mirror the ECS API input shapes (aws-sdk-go-v2/service/ecs v1.104.1,
// RegisterTaskDefinitionInput and CreateServiceInput) with their camelCase JSON names.
// Pointers mark fields whose absence differs from their zero value (ECS applies a default
// or the field is "unset"). Shapes that ecsgit cannot translate at all and never inspects
// beyond their presence are kept as json.RawMessage; the decoder still checks their
// contents against the AWS SDK's types (passthrough.go), so a typo inside them is an error.

// TaskDefinition is the input of RegisterTaskDefinition.
type TaskDefinition struct {
	Family                  string                              `json:"family"`
	ContainerDefinitions    []ContainerDefinition               `json:"containerDefinitions"`
	Cpu                     CPUUnits                            `json:"cpu,omitempty"`
	Memory                  MemoryMiB                           `json:"memory,omitempty"`
	NetworkMode             string                              `json:"networkMode,omitempty"`
	RequiresCompatibilities []string                            `json:"requiresCompatibilities,omitempty"`
	Volumes                 []Volume                            `json:"volumes,omitempty"`
	PlacementConstraints    []TaskDefinitionPlacementConstraint `json:"placementConstraints,omitempty"`
	TaskRoleArn             string                              `json:"taskRoleArn,omitempty"`
	ExecutionRoleArn        string                              `json:"executionRoleArn,omitempty"`
	PidMode                 string                              `json:"pidMode,omitempty"`
	IpcMode                 string                              `json:"ipcMode,omitempty"`
	ProxyConfiguration      *ProxyConfiguration                 `json:"proxyConfiguration,omitempty"`
	EphemeralStorage        *EphemeralStorage                   `json:"ephemeralStorage,omitempty"`
	RuntimePlatform         *RuntimePlatform                    `json:"runtimePlatform,omitempty"`
	Tags                    []Tag                               `json:"tags,omitempty"`
	EnableFaultInjection    *bool                               `json:"enableFaultInjection,omitempty"`
	InferenceAccelerators   json.RawMessage                     `json:"inferenceAccelerators,omitempty"`
}

// ContainerDefinition is one container of a task definition.
type ContainerDefinition struct {
	Name                   string                  `json:"name"`
	Image                  string                  `json:"image"`
	Cpu                    int                     `json:"cpu,omitempty"`
	Memory                 *int                    `json:"memory,omitempty"`
	MemoryReservation      *int                    `json:"memoryReservation,omitempty"`
	Essential              *bool                   `json:"essential,omitempty"` // ECS default: true
	EntryPoint             []string                `json:"entryPoint,omitempty"`
	Command                []string                `json:"command,omitempty"`
	Environment            []KeyValuePair          `json:"environment,omitempty"`
	EnvironmentFiles       []EnvironmentFile       `json:"environmentFiles,omitempty"`
	Secrets                []Secret                `json:"secrets,omitempty"`
	PortMappings           []PortMapping           `json:"portMappings,omitempty"`
	HealthCheck            *HealthCheck            `json:"healthCheck,omitempty"`
	DependsOn              []ContainerDependency   `json:"dependsOn,omitempty"`
	StartTimeout           *int                    `json:"startTimeout,omitempty"`
	StopTimeout            *int                    `json:"stopTimeout,omitempty"`
	Links                  []string                `json:"links,omitempty"`
	MountPoints            []MountPoint            `json:"mountPoints,omitempty"`
	VolumesFrom            []VolumeFrom            `json:"volumesFrom,omitempty"`
	LogConfiguration       *LogConfiguration       `json:"logConfiguration,omitempty"`
	Ulimits                []Ulimit                `json:"ulimits,omitempty"`
	User                   string                  `json:"user,omitempty"`
	WorkingDirectory       string                  `json:"workingDirectory,omitempty"`
	Hostname               string                  `json:"hostname,omitempty"`
	DnsServers             []string                `json:"dnsServers,omitempty"`
	DnsSearchDomains       []string                `json:"dnsSearchDomains,omitempty"`
	ExtraHosts             []HostEntry             `json:"extraHosts,omitempty"`
	DisableNetworking      *bool                   `json:"disableNetworking,omitempty"`
	Interactive            *bool                   `json:"interactive,omitempty"`
	PseudoTerminal         *bool                   `json:"pseudoTerminal,omitempty"`
	ReadonlyRootFilesystem *bool                   `json:"readonlyRootFilesystem,omitempty"`
	Privileged             *bool                   `json:"privileged,omitempty"`
	DockerSecurityOptions  []string                `json:"dockerSecurityOptions,omitempty"`
	DockerLabels           map[string]string       `json:"dockerLabels,omitempty"`
	SystemControls         []SystemControl         `json:"systemControls,omitempty"`
	LinuxParameters        *LinuxParameters        `json:"linuxParameters,omitempty"`
	ResourceRequirements   []ResourceRequirement   `json:"resourceRequirements,omitempty"`
	RestartPolicy          *ContainerRestartPolicy `json:"restartPolicy,omitempty"`
	RepositoryCredentials  *RepositoryCredentials  `json:"repositoryCredentials,omitempty"`
	FirelensConfiguration  *FirelensConfiguration  `json:"firelensConfiguration,omitempty"`
	CredentialSpecs        []string                `json:"credentialSpecs,omitempty"`
	VersionConsistency     string                  `json:"versionConsistency,omitempty"`
}

// IsEssential applies ECS's default (true) to Essential.
func (c *ContainerDefinition) IsEssential() bool { return c.Essential == nil || *c.Essential }

type KeyValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type EnvironmentFile struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

type Secret struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

type PortMapping struct {
	ContainerPort      *int   `json:"containerPort,omitempty"`
	HostPort           *int   `json:"hostPort,omitempty"`
	Protocol           string `json:"protocol,omitempty"` // ECS default: tcp
	Name               string `json:"name,omitempty"`
	AppProtocol        string `json:"appProtocol,omitempty"`
	ContainerPortRange string `json:"containerPortRange,omitempty"`
}

// HealthCheck is a container health check. Nil durations mean the ECS default
// (interval 30, timeout 5, retries 3, no start period); Normalize fills them in.
type HealthCheck struct {
	Command     []string `json:"command"`
	Interval    *int     `json:"interval,omitempty"`
	Timeout     *int     `json:"timeout,omitempty"`
	Retries     *int     `json:"retries,omitempty"`
	StartPeriod *int     `json:"startPeriod,omitempty"`
}

type ContainerDependency struct {
	ContainerName string `json:"containerName"`
	Condition     string `json:"condition"` // START | COMPLETE | SUCCESS | HEALTHY
}

type MountPoint struct {
	SourceVolume  string `json:"sourceVolume"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      *bool  `json:"readOnly,omitempty"`
}

type VolumeFrom struct {
	SourceContainer string `json:"sourceContainer"`
	ReadOnly        *bool  `json:"readOnly,omitempty"`
}

type LogConfiguration struct {
	LogDriver     string            `json:"logDriver"`
	Options       map[string]string `json:"options,omitempty"`
	SecretOptions []Secret          `json:"secretOptions,omitempty"`
}

type Ulimit struct {
	Name      string `json:"name"`
	SoftLimit int    `json:"softLimit"`
	HardLimit int    `json:"hardLimit"`
}

type HostEntry struct {
	Hostname  string `json:"hostname"`
	IpAddress string `json:"ipAddress"`
}

type SystemControl struct {
	Namespace string `json:"namespace"`
	Value     string `json:"value"`
}

type LinuxParameters struct {
	Capabilities       *KernelCapabilities `json:"capabilities,omitempty"`
	Devices            []Device            `json:"devices,omitempty"`
	InitProcessEnabled *bool               `json:"initProcessEnabled,omitempty"`
	MaxSwap            *int                `json:"maxSwap,omitempty"`
	SharedMemorySize   *int                `json:"sharedMemorySize,omitempty"` // MiB
	Swappiness         *int                `json:"swappiness,omitempty"`
	Tmpfs              []Tmpfs             `json:"tmpfs,omitempty"`
}

type KernelCapabilities struct {
	Add  []string `json:"add,omitempty"`
	Drop []string `json:"drop,omitempty"`
}

type Device struct {
	HostPath      string   `json:"hostPath"`
	ContainerPath string   `json:"containerPath,omitempty"`
	Permissions   []string `json:"permissions,omitempty"`
}

type Tmpfs struct {
	ContainerPath string   `json:"containerPath"`
	Size          int      `json:"size"` // MiB
	MountOptions  []string `json:"mountOptions,omitempty"`
}

type ResourceRequirement struct {
	Type            string `json:"type"`
	Value           string `json:"value"`
	SharingStrategy string `json:"sharingStrategy,omitempty"`
}

type ContainerRestartPolicy struct {
	Enabled              *bool `json:"enabled,omitempty"`
	IgnoredExitCodes     []int `json:"ignoredExitCodes,omitempty"`
	RestartAttemptPeriod *int  `json:"restartAttemptPeriod,omitempty"`
}

type RepositoryCredentials struct {
	CredentialsParameter string `json:"credentialsParameter"`
}

type FirelensConfiguration struct {
	Type    string            `json:"type"`
	Options map[string]string `json:"options,omitempty"`
}

// Volume is a task-level volume; exactly one of the configurations is normally set.
type Volume struct {
	Name                                    string                     `json:"name"`
	Host                                    *HostVolumeProperties      `json:"host,omitempty"`
	DockerVolumeConfiguration               *DockerVolumeConfiguration `json:"dockerVolumeConfiguration,omitempty"`
	EfsVolumeConfiguration                  json.RawMessage            `json:"efsVolumeConfiguration,omitempty"`
	FsxWindowsFileServerVolumeConfiguration json.RawMessage            `json:"fsxWindowsFileServerVolumeConfiguration,omitempty"`
	S3filesVolumeConfiguration              json.RawMessage            `json:"s3filesVolumeConfiguration,omitempty"`
	ConfiguredAtLaunch                      *bool                      `json:"configuredAtLaunch,omitempty"`
}

type HostVolumeProperties struct {
	SourcePath string `json:"sourcePath,omitempty"`
}

type DockerVolumeConfiguration struct {
	Scope         string            `json:"scope,omitempty"` // task | shared
	Autoprovision *bool             `json:"autoprovision,omitempty"`
	Driver        string            `json:"driver,omitempty"`
	DriverOpts    map[string]string `json:"driverOpts,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
}

type TaskDefinitionPlacementConstraint struct {
	Type       string `json:"type"` // memberOf
	Expression string `json:"expression,omitempty"`
}

type ProxyConfiguration struct {
	Type          string         `json:"type,omitempty"`
	ContainerName string         `json:"containerName"`
	Properties    []KeyValuePair `json:"properties,omitempty"`
}

type EphemeralStorage struct {
	SizeInGiB int `json:"sizeInGiB"`
}

type RuntimePlatform struct {
	CpuArchitecture       string `json:"cpuArchitecture,omitempty"`
	OperatingSystemFamily string `json:"operatingSystemFamily,omitempty"`
}

type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

// Service is the input of CreateService (without the cluster, which ecsgit.yaml's
// namespace/datacenters stand for).
type Service struct {
	ServiceName                   string                   `json:"serviceName"`
	TaskDefinition                string                   `json:"taskDefinition"` // family or family:revision
	DesiredCount                  *int                     `json:"desiredCount,omitempty"`
	SchedulingStrategy            string                   `json:"schedulingStrategy,omitempty"` // REPLICA (default) | DAEMON
	LaunchType                    string                   `json:"launchType,omitempty"`
	CapacityProviderStrategy      []CapacityProviderItem   `json:"capacityProviderStrategy,omitempty"`
	DeploymentConfiguration       *DeploymentConfiguration `json:"deploymentConfiguration,omitempty"`
	DeploymentController          *DeploymentController    `json:"deploymentController,omitempty"`
	PlacementStrategy             []PlacementStrategy      `json:"placementStrategy,omitempty"`
	PlacementConstraints          []PlacementConstraint    `json:"placementConstraints,omitempty"`
	HealthCheckGracePeriodSeconds *int                     `json:"healthCheckGracePeriodSeconds,omitempty"`
	LoadBalancers                 []LoadBalancer           `json:"loadBalancers,omitempty"`
	ServiceRegistries             []ServiceRegistry        `json:"serviceRegistries,omitempty"`
	NetworkConfiguration          json.RawMessage          `json:"networkConfiguration,omitempty"`
	PlatformVersion               string                   `json:"platformVersion,omitempty"`
	Role                          string                   `json:"role,omitempty"`
	Tags                          []Tag                    `json:"tags,omitempty"`
	PropagateTags                 string                   `json:"propagateTags,omitempty"`
	EnableECSManagedTags          *bool                    `json:"enableECSManagedTags,omitempty"`
	EnableExecuteCommand          *bool                    `json:"enableExecuteCommand,omitempty"`
	AvailabilityZoneRebalancing   string                   `json:"availabilityZoneRebalancing,omitempty"`
	ServiceConnectConfiguration   json.RawMessage          `json:"serviceConnectConfiguration,omitempty"`
	VolumeConfigurations          json.RawMessage          `json:"volumeConfigurations,omitempty"`
	VpcLatticeConfigurations      json.RawMessage          `json:"vpcLatticeConfigurations,omitempty"`
	Monitoring                    json.RawMessage          `json:"monitoring,omitempty"`
	GatewayConnectors             json.RawMessage          `json:"gatewayConnectors,omitempty"`
	ClientToken                   string                   `json:"clientToken,omitempty"`
	Cluster                       string                   `json:"cluster,omitempty"`
}

type CapacityProviderItem struct {
	CapacityProvider string `json:"capacityProvider"`
	Base             int    `json:"base,omitempty"`
	Weight           int    `json:"weight,omitempty"`
}

// DeploymentConfiguration holds the rolling-update bounds. Nil percents mean the ECS
// defaults (minimumHealthyPercent 100, maximumPercent 200 for REPLICA; 0/100 for DAEMON);
// Normalize fills them in.
type DeploymentConfiguration struct {
	MinimumHealthyPercent    *int                      `json:"minimumHealthyPercent,omitempty"`
	MaximumPercent           *int                      `json:"maximumPercent,omitempty"`
	DeploymentCircuitBreaker *DeploymentCircuitBreaker `json:"deploymentCircuitBreaker,omitempty"`
	Alarms                   json.RawMessage           `json:"alarms,omitempty"`
	Strategy                 string                    `json:"strategy,omitempty"` // ROLLING (default) | BLUE_GREEN | LINEAR | CANARY
	BakeTimeInMinutes        *int                      `json:"bakeTimeInMinutes,omitempty"`
	LifecycleHooks           json.RawMessage           `json:"lifecycleHooks,omitempty"`
	CanaryConfiguration      json.RawMessage           `json:"canaryConfiguration,omitempty"`
	LinearConfiguration      json.RawMessage           `json:"linearConfiguration,omitempty"`
	EarlySuccessCriteria     json.RawMessage           `json:"earlySuccessCriteria,omitempty"`
}

type DeploymentCircuitBreaker struct {
	Enable                 bool                    `json:"enable"`
	Rollback               bool                    `json:"rollback"`
	ResetOnHealthyTask     *bool                   `json:"resetOnHealthyTask,omitempty"`
	ThresholdConfiguration *ThresholdConfiguration `json:"thresholdConfiguration,omitempty"`
}

type ThresholdConfiguration struct {
	Type  string `json:"type"` // COUNT | BOUNDED_PERCENT | UNBOUNDED_PERCENT
	Value int    `json:"value"`
}

type DeploymentController struct {
	Type string `json:"type"` // ECS | CODE_DEPLOY | EXTERNAL
}

type PlacementStrategy struct {
	Type  string `json:"type"` // random | spread | binpack
	Field string `json:"field,omitempty"`
}

type PlacementConstraint struct {
	Type       string `json:"type"` // distinctInstance | memberOf
	Expression string `json:"expression,omitempty"`
}

type LoadBalancer struct {
	TargetGroupArn        string          `json:"targetGroupArn,omitempty"`
	LoadBalancerName      string          `json:"loadBalancerName,omitempty"`
	ContainerName         string          `json:"containerName,omitempty"`
	ContainerPort         *int            `json:"containerPort,omitempty"`
	AdvancedConfiguration json.RawMessage `json:"advancedConfiguration,omitempty"`
}

type ServiceRegistry struct {
	RegistryArn   string `json:"registryArn,omitempty"`
	Port          *int   `json:"port,omitempty"`
	ContainerName string `json:"containerName,omitempty"`
	ContainerPort *int   `json:"containerPort,omitempty"`
}
