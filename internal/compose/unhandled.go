package compose

import (
	"fmt"
	"github.com/compose-spec/compose-go/v2/types"
	"reflect"
	"strings"
)

// handledServiceKeys are the keys of compose-go's types.ServiceConfig (by YAML name) that
// the converter reads. Every other key that is set produces an "unsupported" note, found
// by reflection, so a key added by a future compose-go is reported, never silently lost.
// TestEveryServiceKeyIsHandledOrReported holds this list to the struct.
var handledServiceKeys = set(
	// identity and loading (resolved by compose-go before conversion)
	"name", "profiles", "extends", "label_file", "env_file",
	// container.go
	"image", "build", "command", "entrypoint", "environment", "labels", "user", "working_dir",
	"read_only", "privileged", "stdin_open", "tty", "security_opt", "sysctls", "stop_grace_period",
	"network_mode", "networks", "hostname", "extra_hosts", "dns", "dns_search", "cap_add", "cap_drop",
	"init", "shm_size", "tmpfs", "devices", "pid", "ipc", "logging", "log_driver", "log_opt",
	"ulimits", "platform", "container_name", "links", "external_links", "stop_signal", "pull_policy",
	// restart.go, ports.go, healthcheck.go, resources.go, volumes.go, depends.go, deploy.go
	"restart", "ports", "expose", "healthcheck", "cpus", "cpu_shares", "mem_limit", "mem_reservation",
	"volumes", "volumes_from", "secrets", "configs", "depends_on", "deploy", "scale",
)

// Nested structs whose every key the converter reads or reports; checked the same way.
var (
	handledDeployKeys      = set("mode", "replicas", "labels", "update_config", "rollback_config", "resources", "restart_policy", "placement", "endpoint_mode")
	handledResourceKeys    = set("cpus", "memory", "pids", "devices", "generic_resources")
	handledUpdateKeys      = set("parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order")
	handledRestartKeys     = set("condition", "delay", "max_attempts", "window")
	handledPlacementKeys   = set("constraints", "preferences", "max_replicas_per_node")
	handledHealthcheckKeys = set("test", "timeout", "interval", "retries", "start_period", "start_interval", "disable")
	handledPortKeys        = set("name", "mode", "host_ip", "target", "published", "protocol", "app_protocol")
	handledVolumeKeys      = set("type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs")
	handledLoggingKeys     = set("driver", "options")
	handledDependsKeys     = set("condition", "restart", "required")
)

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// checkUnhandled reports every set key the converter does not read.
func (s *svcConv) checkUnhandled() {
	svc := s.svc
	s.reportUnhandled("", reflect.ValueOf(svc), handledServiceKeys)
	if d := svc.Deploy; d != nil {
		s.reportUnhandled("deploy", reflect.ValueOf(*d), handledDeployKeys)
		if d.Resources.Limits != nil {
			s.reportUnhandled("deploy.resources.limits", reflect.ValueOf(*d.Resources.Limits), handledResourceKeys)
		}
		if d.Resources.Reservations != nil {
			s.reportUnhandled("deploy.resources.reservations", reflect.ValueOf(*d.Resources.Reservations), handledResourceKeys)
		}
		if d.UpdateConfig != nil {
			s.reportUnhandled("deploy.update_config", reflect.ValueOf(*d.UpdateConfig), handledUpdateKeys)
		}
		if d.RestartPolicy != nil {
			s.reportUnhandled("deploy.restart_policy", reflect.ValueOf(*d.RestartPolicy), handledRestartKeys)
		}
		s.reportUnhandled("deploy.placement", reflect.ValueOf(d.Placement), handledPlacementKeys)
	}
	if svc.HealthCheck != nil {
		s.reportUnhandled("healthcheck", reflect.ValueOf(*svc.HealthCheck), handledHealthcheckKeys)
	}
	if svc.Logging != nil {
		s.reportUnhandled("logging", reflect.ValueOf(*svc.Logging), handledLoggingKeys)
	}
	for i, p := range svc.Ports {
		s.reportUnhandled(fmt.Sprintf("ports[%d]", i), reflect.ValueOf(p), handledPortKeys)
	}
	for i, v := range svc.Volumes {
		s.reportUnhandled(fmt.Sprintf("volumes[%d]", i), reflect.ValueOf(v), handledVolumeKeys)
	}
	for _, name := range sortedKeys(map[string]types.ServiceDependency(svc.DependsOn)) {
		s.reportUnhandled("depends_on."+name, reflect.ValueOf(svc.DependsOn[name]), handledDependsKeys)
	}
}

func (s *svcConv) reportUnhandled(prefix string, v reflect.Value, handled map[string]bool) {
	for _, k := range unhandledKeys(v, handled) {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		note := s.unsupported
		if strings.HasPrefix(prefix, "deploy") || prefix == "" && (k == "deploy") {
			note = s.svcUnsupported
		}
		note(key, "not translated: ecsgit has no ECS equivalent for this key")
	}
}

// unhandledKeys lists the YAML names of the set (non-zero) fields of struct v that are not
// in handled, descending into inlined structs. Extensions (x-*) are the user's own and
// are not reported, as compose ignores them too.
func unhandledKeys(v reflect.Value, handled map[string]bool) []string {
	var out []string
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && strings.Contains(opts, "inline") && f.Type.Kind() == reflect.Struct {
			out = append(out, unhandledKeys(v.Field(i), handled)...)
			continue
		}
		if name == "-" || strings.HasPrefix(name, "#") || name == "" {
			continue
		}
		if handled[name] || v.Field(i).IsZero() {
			continue
		}
		out = append(out, name)
	}
	return out
}
