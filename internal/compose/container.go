package compose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// convertContainer maps the container-level keys. Each key is handled by one small
// function below or in the files named after the key (ports.go, healthcheck.go, ...).
func (s *svcConv) convertContainer() {
	s.c.Name = s.name
	s.image()
	s.commandAndEntrypoint()
	s.environment()
	s.labels()
	s.simpleFlags()
	s.network()
	s.linux()
	s.logging()
	s.ulimits()
	s.restart()
	s.ports()
	s.healthcheck()
	s.resources()
	s.volumeMounts()
	s.secretsAndConfigs()
	s.platformKey()
	s.ignoredWithReason()
}

func (s *svcConv) image() {
	switch {
	case s.svc.Image == "" && s.svc.Build != nil:
		s.errorf(RuleBuildOnly, "build", "the service has `build:` but no `image:`; ecsgit deploys images from a registry and never builds: build and push the image in CI and set `image:`")
	case s.svc.Image == "":
		s.errorf(RuleBuildOnly, "", "the service has no `image:`")
	default:
		s.c.Image = s.svc.Image
		s.field("image", "image")
		if s.svc.Build != nil {
			s.unsupported("build", "ignored: ecsgit deploys the image %q from its registry and never builds", s.svc.Image)
		}
	}
}

func (s *svcConv) commandAndEntrypoint() {
	// compose-go has already shell-split the string forms exactly as compose does.
	if s.svc.Command != nil {
		if len(s.svc.Command) == 0 {
			s.approx("command", "an empty command clears the image's CMD in compose; ECS treats an empty command as unset, so the image's CMD runs")
		}
		s.c.Command = append([]string(nil), s.svc.Command...)
		s.field("command", "command")
	}
	if s.svc.Entrypoint != nil {
		if len(s.svc.Entrypoint) == 0 {
			s.approx("entrypoint", "an empty entrypoint clears the image's ENTRYPOINT in compose; ECS treats an empty entryPoint as unset, so the image's ENTRYPOINT runs")
		}
		s.c.EntryPoint = append([]string(nil), s.svc.Entrypoint...)
		s.field("entryPoint", "entrypoint")
	}
}

func (s *svcConv) environment() {
	// compose-go has merged env_file into environment (later wins) and resolved
	// `KEY` entries from the environment; a key with no value anywhere stays nil and
	// compose leaves it out of the container, so ECS does too.
	names := make([]string, 0, len(s.svc.Environment))
	for k, v := range s.svc.Environment {
		if v != nil {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		s.c.Environment = append(s.c.Environment, spec.KeyValuePair{Name: k, Value: *s.svc.Environment[k]})
	}
	if len(names) > 0 {
		k := "environment"
		if !s.written(k) && len(s.svc.EnvFiles) > 0 {
			k = "env_file"
		}
		s.field("environment", k)
	}
	if len(s.svc.EnvFiles) > 0 {
		// Exact in effect, but worth saying: the values are read at conversion time and
		// written into the task definition (and the Nomad job), not read by the container.
		s.approx("env_file", "the file's values are read when ecsgit loads the repository and written into the task definition's environment; a change to the file is a new revision. Do not keep secrets in env files: use Nomad Variables")
	}
}

func (s *svcConv) labels() {
	if len(s.svc.Labels) == 0 {
		return
	}
	s.c.DockerLabels = map[string]string{}
	for k, v := range s.svc.Labels {
		s.c.DockerLabels[k] = v
	}
	s.field("dockerLabels", "labels")
}

func (s *svcConv) simpleFlags() {
	if s.svc.User != "" {
		s.c.User = s.svc.User
		s.field("user", "user")
	}
	if s.svc.WorkingDir != "" {
		s.c.WorkingDirectory = s.svc.WorkingDir
		s.field("workingDirectory", "working_dir")
	}
	if s.svc.ReadOnly {
		s.c.ReadonlyRootFilesystem = new(true)
		s.field("readonlyRootFilesystem", "read_only")
	}
	if s.svc.Privileged {
		s.c.Privileged = new(true)
		s.field("privileged", "privileged")
	}
	if s.svc.StdinOpen {
		s.c.Interactive = new(true)
		s.field("interactive", "stdin_open")
	}
	if s.svc.Tty {
		s.c.PseudoTerminal = new(true)
		s.field("pseudoTerminal", "tty")
	}
	for _, o := range s.svc.SecurityOpt {
		// ECS takes the Docker forms it knows; anything else it rejects.
		switch name, _, _ := strings.Cut(o, ":"); strings.SplitN(name, "=", 2)[0] {
		case "no-new-privileges", "apparmor", "label", "credentialspec", "seccomp":
			s.c.DockerSecurityOptions = append(s.c.DockerSecurityOptions, o)
		default:
			s.unsupported("security_opt", "%q is not a security option ECS accepts; it is dropped", o)
		}
	}
	if len(s.c.DockerSecurityOptions) > 0 {
		s.field("dockerSecurityOptions", "security_opt")
	}
	if len(s.svc.Sysctls) > 0 {
		keys := sortedKeys(s.svc.Sysctls)
		for _, k := range keys {
			s.c.SystemControls = append(s.c.SystemControls, spec.SystemControl{Namespace: k, Value: s.svc.Sysctls[k]})
		}
		s.field("systemControls", "sysctls")
	}
	if s.svc.StopGracePeriod != nil {
		secs, whole := ceilSeconds(*s.svc.StopGracePeriod)
		s.c.StopTimeout = new(secs)
		s.field("stopTimeout", "stop_grace_period")
		if !whole {
			s.approx("stop_grace_period", "ECS counts whole seconds: %s is rounded up to %d s", s.svc.StopGracePeriod, secs)
		}
	}
}

func (s *svcConv) network() {
	mode := s.svc.NetworkMode
	switch {
	case s.grouped:
		s.networkMode = "awsvpc"
		if mode != "" {
			s.unsupported("network_mode", "services grouped into one task share the task's network namespace (awsvpc); %q is ignored", mode)
		}
	case mode == "" || mode == "bridge" || mode == "default":
		s.networkMode = "bridge"
	case mode == "host" || mode == "none":
		s.networkMode = mode
		s.c.DisableNetworking = nil
	case strings.HasPrefix(mode, "service:") || strings.HasPrefix(mode, "container:"):
		s.networkMode = "bridge"
		s.unsupported("network_mode", "%q: sharing another service's network namespace needs both in one task: group them with `%s: {task: NAME}` (they then share localhost)", mode, ExtensionKey)
	default:
		s.networkMode = "bridge"
		s.unsupported("network_mode", "%q has no ECS equivalent; the container uses bridge networking", mode)
	}
	if s.networkMode == "awsvpc" {
		if s.svc.Hostname != "" {
			s.unsupported("hostname", "ECS does not allow hostname in a task with a shared network namespace (awsvpc); it is dropped")
		}
		if len(s.svc.ExtraHosts) > 0 {
			s.unsupported("extra_hosts", "ECS does not allow extraHosts in a task with a shared network namespace (awsvpc); they are dropped")
		}
	} else {
		if s.svc.Hostname != "" {
			s.c.Hostname = s.svc.Hostname
			s.field("hostname", "hostname")
		}
		for _, h := range sortedKeys(s.svc.ExtraHosts) {
			for _, ip := range s.svc.ExtraHosts[h] {
				s.c.ExtraHosts = append(s.c.ExtraHosts, spec.HostEntry{Hostname: h, IpAddress: ip})
			}
		}
		if len(s.c.ExtraHosts) > 0 {
			s.field("extraHosts", "extra_hosts")
		}
	}
	if len(s.svc.DNS) > 0 {
		s.c.DnsServers = append([]string(nil), s.svc.DNS...)
		s.field("dnsServers", "dns")
	}
	if len(s.svc.DNSSearch) > 0 {
		s.c.DnsSearchDomains = append([]string(nil), s.svc.DNSSearch...)
		s.field("dnsSearchDomains", "dns_search")
	}
	s.networks()
}

// networks states the one thing compose users most rely on and ECS-on-Nomad lacks:
// service-name DNS on a shared project network.
func (s *svcConv) networks() {
	explicit := s.written("networks")
	multi := len(s.project.Services) > 1
	if !explicit && !multi {
		return
	}
	detail := "each ECS service becomes its own Nomad job, possibly on another host: there is no project network and no service-name DNS (e.g. `db:5432`). Group services that talk over the network into one task with `x-ecsgit: {task: NAME}` (they then reach each other on localhost) or use Nomad service discovery"
	if s.grouped {
		detail = "the services of this task share one network namespace and reach each other on localhost (not by service name); other services are separate Nomad jobs without a project network: use Nomad service discovery to reach them"
	}
	s.svcApprox("networks", "%s", detail)
}

func (s *svcConv) linux() {
	lp := &spec.LinuxParameters{}
	if len(s.svc.CapAdd) > 0 || len(s.svc.CapDrop) > 0 {
		lp.Capabilities = &spec.KernelCapabilities{Add: capNames(s.svc.CapAdd), Drop: capNames(s.svc.CapDrop)}
		s.field("linuxParameters.capabilities", "cap_add")
	}
	if s.svc.Init != nil && *s.svc.Init {
		lp.InitProcessEnabled = new(true)
		s.field("linuxParameters.initProcessEnabled", "init")
	}
	if s.svc.ShmSize > 0 {
		mib, whole := ceilMiB(int64(s.svc.ShmSize))
		lp.SharedMemorySize = new(mib)
		s.field("linuxParameters.sharedMemorySize", "shm_size")
		if !whole {
			s.approx("shm_size", "ECS counts whole MiB: %d bytes are rounded up to %d MiB", s.svc.ShmSize, mib)
		}
	}
	for i, t := range s.svc.Tmpfs {
		tm, ok := s.tmpfsEntry(t, fmt.Sprintf("tmpfs[%d]", i))
		if ok {
			lp.Tmpfs = append(lp.Tmpfs, tm)
		}
	}
	for i, d := range s.svc.Devices {
		dev := spec.Device{HostPath: d.Source, ContainerPath: d.Target}
		for _, r := range d.Permissions {
			switch r {
			case 'r':
				dev.Permissions = append(dev.Permissions, "read")
			case 'w':
				dev.Permissions = append(dev.Permissions, "write")
			case 'm':
				dev.Permissions = append(dev.Permissions, "mknod")
			}
		}
		lp.Devices = append(lp.Devices, dev)
		s.field(fmt.Sprintf("linuxParameters.devices[%d]", i), fmt.Sprintf("devices[%d]", i))
	}
	if lp.Capabilities != nil || lp.InitProcessEnabled != nil || lp.SharedMemorySize != nil || len(lp.Tmpfs) > 0 || len(lp.Devices) > 0 {
		s.c.LinuxParameters = lp
	}
	s.pidIpc()
}

// defaultTmpfsMiB is the size ecsgit gives a tmpfs mount without one: ECS requires a
// size, compose's default is unbounded (half the host's memory).
const defaultTmpfsMiB = 64

// tmpfsEntry parses "PATH[:OPTIONS]" as compose writes tmpfs entries.
func (s *svcConv) tmpfsEntry(entry, k string) (spec.Tmpfs, bool) {
	path, opts, _ := strings.Cut(entry, ":")
	t := spec.Tmpfs{ContainerPath: path}
	for _, o := range strings.Split(opts, ",") {
		if o == "" {
			continue
		}
		if v, ok := strings.CutPrefix(o, "size="); ok {
			b, err := parseBytes(v)
			if err != nil {
				s.errorf(RuleValue, k, "tmpfs size %q: %v", v, err)
				return t, false
			}
			t.Size, _ = ceilMiB(b)
			continue
		}
		t.MountOptions = append(t.MountOptions, o)
	}
	if t.Size == 0 {
		t.Size = defaultTmpfsMiB
		s.approx(k, "ECS requires a tmpfs size; compose's default is unbounded: %d MiB is used. Set `size=` to choose", defaultTmpfsMiB)
	}
	return t, true
}

func (s *svcConv) pidIpc() {
	switch p := s.svc.Pid; {
	case p == "":
	case p == "host":
		s.pidMode = "host"
	case strings.HasPrefix(p, "service:") && s.grouped:
		s.pidMode = "task"
		s.approx("pid", "%q: ECS shares one PID namespace across all containers of the task (pidMode task), not with one service only", p)
	default:
		s.unsupported("pid", "%q has no ECS equivalent (ECS knows host, and task for containers in one task); the container gets its own PID namespace", p)
	}
	switch p := s.svc.Ipc; {
	case p == "":
	case p == "host" || p == "none":
		s.ipcMode = p
	case p == "shareable" || (strings.HasPrefix(p, "service:") && s.grouped):
		s.ipcMode = "task"
		s.approx("ipc", "%q: ECS shares one IPC namespace across all containers of the task (ipcMode task)", p)
	case p == "private":
		// Docker's default for containers: nothing to set.
	default:
		s.unsupported("ipc", "%q has no ECS equivalent; the container gets Docker's default IPC namespace", p)
	}
}

func capNames(in []string) []string {
	var out []string
	for _, c := range in {
		// ECS takes capability names without the CAP_ prefix that compose also accepts.
		out = append(out, strings.TrimPrefix(strings.ToUpper(c), "CAP_"))
	}
	return out
}

// ecsLogDrivers are the log drivers ECS accepts (RegisterTaskDefinition docs).
var ecsLogDrivers = map[string]bool{"json-file": true, "syslog": true, "journald": true, "gelf": true, "fluentd": true, "awslogs": true, "splunk": true, "awsfirelens": true}

func (s *svcConv) logging() {
	driver, opts, k := "", map[string]string(nil), "logging"
	switch {
	case s.svc.Logging != nil:
		driver, opts = s.svc.Logging.Driver, s.svc.Logging.Options
	case s.svc.LogDriver != "" || len(s.svc.LogOpt) > 0:
		driver, opts, k = s.svc.LogDriver, s.svc.LogOpt, "log_driver"
	default:
		return
	}
	if driver == "" {
		driver = "json-file" // Docker's default, which compose uses when only options are given
	}
	if !ecsLogDrivers[driver] {
		s.unsupported(k, "log driver %q is not one ECS accepts (json-file, syslog, journald, gelf, fluentd, awslogs, splunk, awsfirelens); Docker's default applies", driver)
		return
	}
	lc := &spec.LogConfiguration{LogDriver: driver}
	if len(opts) > 0 {
		lc.Options = map[string]string{}
		for k, v := range opts {
			lc.Options[k] = v
		}
	}
	s.c.LogConfiguration = lc
	s.field("logConfiguration", k)
}

// ecsUlimits are the ulimit names ECS accepts.
var ecsUlimits = map[string]bool{"core": true, "cpu": true, "data": true, "fsize": true, "locks": true, "memlock": true, "msgqueue": true, "nice": true, "nofile": true, "nproc": true, "rss": true, "rtprio": true, "rttime": true, "sigpending": true, "stack": true}

func (s *svcConv) ulimits() {
	for _, name := range sortedKeys(s.svc.Ulimits) {
		u := s.svc.Ulimits[name]
		k := "ulimits." + name
		if u == nil {
			continue
		}
		if !ecsUlimits[name] {
			s.unsupported(k, "ulimit %q is not one ECS accepts; it is dropped", name)
			continue
		}
		soft, hard := u.Soft, u.Hard
		if u.Single != 0 {
			soft, hard = u.Single, u.Single
		}
		s.c.Ulimits = append(s.c.Ulimits, spec.Ulimit{Name: name, SoftLimit: soft, HardLimit: hard})
	}
	if len(s.c.Ulimits) > 0 {
		s.field("ulimits", "ulimits")
	}
}

func (s *svcConv) platformKey() {
	if s.svc.Platform == "" {
		return
	}
	parts := strings.Split(strings.ToLower(s.svc.Platform), "/")
	rp := &spec.RuntimePlatform{}
	if parts[0] == "linux" {
		rp.OperatingSystemFamily = "LINUX"
	}
	if len(parts) > 1 {
		switch parts[1] {
		case "amd64", "x86_64":
			rp.CpuArchitecture = "X86_64"
		case "arm64", "aarch64":
			rp.CpuArchitecture = "ARM64"
		}
	}
	if rp.OperatingSystemFamily == "" || (len(parts) > 1 && rp.CpuArchitecture == "") {
		s.unsupported("platform", "%q: ECS knows linux/amd64 and linux/arm64 only; no runtimePlatform is set", s.svc.Platform)
		return
	}
	if len(parts) > 2 {
		s.approx("platform", "the variant %q is not expressible in ECS runtimePlatform; only the architecture is kept", parts[2])
	}
	s.platform = rp
}

// ignoredWithReason covers keys ECS cannot express where a generic "not translated"
// would not tell the user what to do instead.
func (s *svcConv) ignoredWithReason() {
	if s.svc.ContainerName != "" {
		s.unsupported("container_name", "ECS and Nomad name containers themselves (a service may run several); the container is named %q in the task definition", s.name)
	}
	if len(s.svc.Links) > 0 {
		s.unsupported("links", "links work only between containers of one task in bridge mode; group the services with `%s: {task: NAME}` and use localhost", ExtensionKey)
	}
	if len(s.svc.ExternalLinks) > 0 {
		s.unsupported("external_links", "no equivalent: use Nomad service discovery")
	}
	if s.svc.StopSignal != "" {
		s.unsupported("stop_signal", "ECS always sends SIGTERM, then SIGKILL after stopTimeout; set STOPSIGNAL in the image instead of %q", s.svc.StopSignal)
	}
	if s.svc.PullPolicy != "" {
		s.unsupported("pull_policy", "ECS/Nomad pull an image when a task starts if the tag is not present (and always for :latest); %q is not honoured", s.svc.PullPolicy)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
