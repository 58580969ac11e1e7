package nomadjob

import (
	"strconv"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// tasks turns every container definition into a docker task, in file order.
func (t *translator) tasks() ([]*api.Task, error) {
	roles, err := t.lifecycleRoles()
	if err != nil {
		return nil, err
	}
	res := t.resources()
	out := make([]*api.Task, 0, len(t.td.ContainerDefinitions))
	for i := range t.td.ContainerDefinitions {
		c := &t.td.ContainerDefinitions[i]
		task := &api.Task{
			Name:      c.Name,
			Driver:    "docker",
			User:      c.User,
			Config:    t.dockerConfig(i),
			Env:       environment(c.Environment),
			Resources: res[i],
		}
		roles[i].apply(task)
		t.killTimeout(i, task)
		t.linuxParameters(i, task)
		t.mountPoints(i, task)
		t.firelensRouterTask(i, task)
		if err := t.secrets(i, task); err != nil {
			return nil, err
		}
		if err := t.healthCheck(i, task); err != nil {
			return nil, err
		}
		t.containerValueNotes(i)
		applyTestDriver(task, t.opts.TestDriver) // test-only (benchmarks): testdriver.go
		out = append(out, task)
	}
	return out, nil
}

// dockerConfig builds the docker driver's config map. Nomad's JSON API takes the
// block-like options (labels, ulimit, sysctl, logging.config) as a LIST of maps.
func (t *translator) dockerConfig(i int) map[string]any {
	c := &t.td.ContainerDefinitions[i]
	cfg := map[string]any{"image": c.Image}
	// command is Docker's CMD: Nomad's "args" (its "command" would replace the
	// image's executable, i.e. the ENTRYPOINT-less CMD[0]).
	if len(c.Command) > 0 {
		cfg["args"] = append([]string(nil), c.Command...)
	}
	if len(c.EntryPoint) > 0 {
		cfg["entrypoint"] = append([]string(nil), c.EntryPoint...)
	}
	t.portsConfig(i, cfg)
	labels := copyMap(c.DockerLabels)
	for k, v := range t.firelensLabels(i) {
		labels[k] = v
	}
	if len(labels) > 0 {
		cfg["labels"] = []map[string]string{labels}
	}
	if len(c.Ulimits) > 0 {
		u := map[string]string{}
		for _, l := range c.Ulimits {
			u[l.Name] = strconv.Itoa(l.SoftLimit) + ":" + strconv.Itoa(l.HardLimit)
		}
		cfg["ulimit"] = []map[string]string{u}
	}
	if len(c.SystemControls) > 0 {
		s := map[string]string{}
		for _, sc := range c.SystemControls {
			s[sc.Namespace] = sc.Value
		}
		cfg["sysctl"] = []map[string]string{s}
	}
	setString(cfg, "work_dir", c.WorkingDirectory)
	setString(cfg, "hostname", c.Hostname)
	setBool(cfg, "readonly_rootfs", c.ReadonlyRootFilesystem)
	setBool(cfg, "privileged", c.Privileged)
	setBool(cfg, "tty", c.PseudoTerminal)
	setBool(cfg, "interactive", c.Interactive)
	if t.networkMode() != networkAwsvpc { // awsvpc: the group's network.dns (network.go)
		setList(cfg, "dns_servers", c.DnsServers)
		setList(cfg, "dns_search_domains", c.DnsSearchDomains)
	}
	setList(cfg, "security_opt", c.DockerSecurityOptions)
	if len(c.ExtraHosts) > 0 {
		hosts := make([]string, 0, len(c.ExtraHosts))
		for _, h := range c.ExtraHosts {
			hosts = append(hosts, h.Hostname+":"+h.IpAddress)
		}
		cfg["extra_hosts"] = hosts
	}
	if c.DisableNetworking != nil && *c.DisableNetworking {
		cfg["network_mode"] = "none"
	}
	switch t.td.PidMode {
	case "host":
		cfg["pid_mode"] = "host"
	}
	switch t.td.IpcMode {
	case "host", "none":
		cfg["ipc_mode"] = t.td.IpcMode
	}
	if logging := t.logging(i); logging != nil {
		cfg["logging"] = logging
	}
	return cfg
}

// portsConfig publishes the container's ports (bridge mode) or sets the docker network
// mode (host, none). In awsvpc (group bridge) mode ports belong to the shared namespace
// and must not be listed per task.
func (t *translator) portsConfig(i int, cfg map[string]any) {
	switch t.networkMode() {
	case networkBridge:
		if ps := t.ports[i]; len(ps) > 0 {
			labels := make([]string, 0, len(ps))
			for _, p := range ps {
				labels = append(labels, p.label)
			}
			cfg["ports"] = labels
		}
	case networkHost, networkNone:
		cfg["network_mode"] = t.networkMode()
	}
}

// environment turns ECS's name/value list into Nomad's env map. A name given twice
// keeps its last value, as Docker does.
func environment(kv []spec.KeyValuePair) map[string]string {
	if len(kv) == 0 {
		return nil
	}
	env := make(map[string]string, len(kv))
	for _, e := range kv {
		env[e.Name] = e.Value
	}
	return env
}

// killTimeout maps stopTimeout (SIGTERM → SIGKILL grace). Clients cap kill_timeout at
// their max_kill_timeout, silently; larger values are noted.
func (t *translator) killTimeout(i int, task *api.Task) {
	c := &t.td.ContainerDefinitions[i]
	if c.StopTimeout == nil {
		return
	}
	task.KillTimeout = new(time.Duration(*c.StopTimeout) * time.Second)
	switch {
	case *c.StopTimeout > MaxKillTimeoutSeconds:
		t.notes.approx(t.containerField(i, "stopTimeout"), RuleStopTimeout,
			"Nomad clients cap kill_timeout at their max_kill_timeout (%d s on the ecsgit cluster, 30 s by default): the container gets SIGKILL earlier than %d s", MaxKillTimeoutSeconds, *c.StopTimeout)
	case *c.StopTimeout > nomadDefaultMaxKillTimeoutSeconds:
		t.notes.approx(t.containerField(i, "stopTimeout"), RuleStopTimeout,
			"needs max_kill_timeout of at least %d s on the clients (Nomad's default is %d s; the ecsgit cluster sets %d s): elsewhere the container gets SIGKILL after %d s", *c.StopTimeout, nomadDefaultMaxKillTimeoutSeconds, MaxKillTimeoutSeconds, nomadDefaultMaxKillTimeoutSeconds)
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func setString(cfg map[string]any, key, v string) {
	if v != "" {
		cfg[key] = v
	}
}

func setBool(cfg map[string]any, key string, v *bool) {
	if v != nil && *v {
		cfg[key] = true
	}
}

func setList(cfg map[string]any, key string, v []string) {
	if len(v) > 0 {
		cfg[key] = append([]string(nil), v...)
	}
}
