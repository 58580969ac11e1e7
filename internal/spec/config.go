package spec

// ConfigFileName is the optional repository configuration at the repository root.
const ConfigFileName = "ecsgit.yaml"

// DefaultSource is the ownership identity used when ecsgit.yaml names none.
const DefaultSource = "default"

// ConfigVersion is the only ecsgit.yaml format version this build understands.
const ConfigVersion = 1

// Config is ecsgit.yaml. Every field is optional; DefaultConfig gives the values used when
// the file or a field is absent.
type Config struct {
	Version int `json:"version"`
	// Cluster settings: where jobs go.
	Namespace   string   `json:"namespace,omitempty"`   // Nomad namespace, default "default"
	Region      string   `json:"region,omitempty"`      // Nomad region, default: the agent's
	Datacenters []string `json:"datacenters,omitempty"` // default ["*"]
	NodePool    string   `json:"nodePool,omitempty"`
	// Source is this repository's stable identity, written into the `ecsgit.source` meta
	// of every job it deploys: plan, apply and prune touch only jobs with the same source,
	// so two repositories can share a namespace. Default "default". Changing it orphans
	// the jobs deployed under the old value (they are then "owned by another source").
	Source string `json:"source,omitempty"`
	// JobPrefix is prepended to serviceName to form the Nomad job ID (default none).
	JobPrefix string `json:"jobPrefix,omitempty"`
	// ZoneAttribute is the Nomad node attribute that stands for an ECS availability zone
	// (what `spread(attribute:ecs.availability-zone)` spreads over). Default "${meta.zone}".
	ZoneAttribute string `json:"zoneAttribute,omitempty"`
	// CPUMHzPerVCPU converts ECS CPU units (1024 per vCPU) to Nomad MHz. Default 1024, i.e.
	// one unit = one MHz.
	CPUMHzPerVCPU int `json:"cpuMHzPerVCPU,omitempty"`
	// Include and Exclude are globs (relative to the root, `**` allowed) that select the
	// files ecsgit reads. Default: include everything, exclude nothing.
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
	// Prune deregisters owned jobs whose service was removed from the repository.
	Prune bool `json:"prune,omitempty"`
	// HostLogDrivers lists the Docker log drivers every Nomad client's Docker daemon can
	// run. A container whose logDriver is not listed logs to Nomad's own log collection
	// (`nomad alloc logs`), with a note, so the task still starts. Absent: json-file,
	// journald, syslog, gelf, fluentd, splunk, i.e. all but awslogs, whose Docker driver
	// fails the container on a host without AWS credentials: list awslogs (with the
	// others you want) on clusters whose hosts have them. awsfirelens is always
	// translated (FireLens).
	HostLogDrivers []string `json:"hostLogDrivers,omitempty"`
	// Services holds per-service settings that ECS JSON has no place for.
	Services map[string]ServiceSettings `json:"services,omitempty"`
	// Schedules holds per-schedule settings that EventBridge has no place for.
	Schedules map[string]ScheduleSettings `json:"schedules,omitempty"`
	// Compose settings: profiles to enable and the project name (default: directory name).
	Compose *ComposeSettings `json:"compose,omitempty"`
	// Secrets maps secret references (secrets[].valueFrom, secretOptions,
	// repositoryCredentials) to Nomad Variables (secrets.go, docs/secrets.md).
	Secrets *SecretsSettings `json:"secrets,omitempty"`
}

// ServiceSettings are ecsgit-only settings for one service.
type ServiceSettings struct {
	// After names services that are applied first and must be healthy before this one is
	// applied (apply order).
	After []string `json:"after,omitempty"`
	// PreDeploy are one-off tasks run, in order and each to completion, before every
	// deployment of the service (a migration): a task that does not exit 0 stops the
	// service's deployment (docs/tasks.md).
	PreDeploy []PreDeployTask `json:"preDeploy,omitempty"`
}

// ScheduleSettings are ecsgit-only settings for one schedule (by Name).
type ScheduleSettings struct {
	// ProhibitOverlap: a run does not start while the previous one still runs (Nomad's
	// periodic prohibit_overlap). EventBridge itself starts every run regardless.
	ProhibitOverlap bool `json:"prohibitOverlap,omitempty"`
}

// PreDeployTask is one task run before a service's deployment: a task definition of
// the repository with RunTask's overrides.
type PreDeployTask struct {
	TaskDefinition string        `json:"taskDefinition"` // a family of the repository
	Overrides      *TaskOverride `json:"overrides,omitempty"`
	// TimeoutSeconds bounds the wait (default 600); a task still running then is
	// stopped and counts as failed.
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
	// Pos is where the entry's taskDefinition is in ecsgit.yaml.
	Pos Pos `json:"-"`
}

// DefaultPreDeployTimeout is a pre-deploy task's TimeoutSeconds when unset.
const DefaultPreDeployTimeout = 600

// ComposeSettings configure how compose projects in the repository are loaded.
type ComposeSettings struct {
	Profiles []string `json:"profiles,omitempty"`
	// EnvFiles are extra env files (relative to the compose file) for interpolation.
	EnvFiles []string `json:"envFiles,omitempty"`
}

// ResolveSource is the one rule for the ownership identity, used by plan, apply, sync and
// the HA lock alike: flag (--source), else ecsgit.yaml's `source`, else DefaultSource.
// explicit is false for the last: every repository that names no identity shares it, so
// it never licenses a prune.
func ResolveSource(flag string, c Config) (id string, explicit bool) {
	switch {
	case flag != "":
		return flag, true
	case c.Source != "":
		return c.Source, true
	}
	return DefaultSource, false
}

// DefaultConfig returns the configuration used when ecsgit.yaml is absent. Its Source
// is empty: ResolveSource tells a named identity from the default one.
func DefaultConfig() Config {
	return Config{
		Version:       ConfigVersion,
		Namespace:     "default",
		Datacenters:   []string{"*"},
		ZoneAttribute: "${meta.zone}",
		CPUMHzPerVCPU: 1024,
	}
}
