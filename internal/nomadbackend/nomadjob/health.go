package nomadjob

import (
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"
)

// ECS healthCheck defaults (RegisterTaskDefinition docs).
const (
	ecsCheckInterval = 30
	ecsCheckTimeout  = 5
	ecsCheckRetries  = 3
)

// probe is a health-check command recognised as an HTTP or TCP probe of the container
// itself, which a Nomad-native check can perform from outside.
type probe struct {
	kind string // "http" or "tcp"
	port int
	path string // http only
}

// healthCheck turns a container healthCheck into a Nomad-native service check when the
// command is a recognisable probe of the container's own port; otherwise the
// deployment falls back to task states, and a note says so.
//
// Nomad-native checks run on the client, not inside the container (only Consul can run
// a command in the task), so only probes of a published port are expressible.
func (t *translator) healthCheck(i int, task *api.Task) error {
	c := &t.td.ContainerDefinitions[i]
	hc := c.HealthCheck
	if hc == nil {
		return nil
	}
	ref := t.containerField(i, "healthCheck")
	p, ok := parseProbe(hc.Command)
	if !ok {
		t.notes.approx(ref.child("command"), RuleHealthCheck,
			"only HTTP/TCP probes of the container's own port (curl, wget, nc, --probe URL) become Nomad checks; this one is not run, and a deployment counts the task healthy once it runs")
		return nil
	}
	if c.DisableNetworking != nil && *c.DisableNetworking && t.networkMode() != networkNone {
		// ECS runs the probe inside the container, where loopback still works; Nomad
		// checks from outside, and the container has no network (audit W9).
		t.notes.approx(ref.child("command"), RuleHealthCheck,
			"the container has disableNetworking: a Nomad check cannot reach it; the check is not run and a deployment counts the task healthy once it runs")
		return nil
	}
	label, ok := t.ports.labelFor(i, p.port)
	if !ok || t.networkMode() == networkNone {
		t.notes.approx(ref.child("command"), RuleHealthCheck,
			"the probed port %d is not in the container's portMappings, so Nomad cannot reach it; the check is not run and a deployment counts the task healthy once it runs", p.port)
		return nil
	}
	interval := secondsOr(hc.Interval, ecsCheckInterval)
	timeout := secondsOr(hc.Timeout, ecsCheckTimeout)
	retries := intOr(hc.Retries, ecsCheckRetries)
	grace := max(secondsOr(hc.StartPeriod, 0), t.gracePeriod())
	check := api.ServiceCheck{
		Name:      c.Name + "-health",
		Type:      p.kind,
		Path:      p.path,
		PortLabel: label,
		Interval:  interval,
		Timeout:   timeout,
		// ECS: `retries` consecutive failures make the container unhealthy, which stops
		// an essential container's task. Nomad: restart the task after `limit`
		// failures; the fail-fast restart policy turns that into a failed allocation.
		CheckRestart: &api.CheckRestart{Limit: retries, Grace: new(grace)},
	}
	task.Services = append(task.Services, &api.Service{
		Name:      serviceName(t.svc.ServiceName, c.Name),
		Provider:  "nomad",
		PortLabel: label,
		Checks:    []api.ServiceCheck{check},
	})
	return nil
}

// gracePeriod is healthCheckGracePeriodSeconds: ECS ignores failing checks for that long
// after a task starts.
func (t *translator) gracePeriod() time.Duration {
	return secondsOr(t.svc.HealthCheckGracePeriodSeconds, 0)
}

// parseProbe recognises:
//
//	["CMD", "/app", "--probe", "http://localhost:8080/healthz"]   (any binary with --probe URL)
//	["CMD-SHELL", "curl -f http://localhost:8080/healthz || exit 1"]
//	["CMD-SHELL", "wget -q -O- http://127.0.0.1:8080/ || exit 1"]
//	["CMD-SHELL", "nc -z localhost 5432"]
//
// The probed host must be the container itself (localhost, 127.0.0.1, ::1, 0.0.0.0).
func parseProbe(cmd []string) (probe, bool) {
	if len(cmd) < 2 {
		return probe{}, false
	}
	var args []string
	switch cmd[0] {
	case "CMD":
		args = cmd[1:]
	case "CMD-SHELL":
		args = strings.Fields(stripExitSuffix(strings.Join(cmd[1:], " ")))
	default:
		args = cmd // ECS assumes CMD
	}
	if len(args) == 0 {
		return probe{}, false
	}
	switch path.Base(args[0]) {
	case "curl":
		// Without -f curl succeeds on HTTP errors; a Nomad http check does not. Only
		// the strict form is an exact match, so only it is accepted.
		if !hasCurlFail(args[1:]) {
			return probe{}, false
		}
		return httpProbe(lastURL(args[1:]))
	case "wget":
		return httpProbe(lastURL(args[1:]))
	case "nc":
		return tcpProbe(args[1:])
	}
	for j, a := range args {
		if a == "--probe" && j+1 < len(args) {
			return httpProbe(args[j+1])
		}
		if v, ok := strings.CutPrefix(a, "--probe="); ok {
			return httpProbe(v)
		}
	}
	return probe{}, false
}

func stripExitSuffix(s string) string {
	s = strings.TrimSpace(s)
	for _, suf := range []string{"|| exit 1", "||exit 1", "|| false"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, suf))
	}
	return s
}

func hasCurlFail(args []string) bool {
	for _, a := range args {
		if a == "--fail" || (strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "f")) {
			return true
		}
	}
	return false
}

func lastURL(args []string) string {
	for j := len(args) - 1; j >= 0; j-- {
		if strings.HasPrefix(args[j], "http://") {
			return args[j]
		}
	}
	return ""
}

func httpProbe(raw string) (probe, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || !isLocalHost(u.Hostname()) {
		return probe{}, false
	}
	port := 80
	if s := u.Port(); s != "" {
		if port, err = strconv.Atoi(s); err != nil {
			return probe{}, false
		}
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return probe{kind: "http", port: port, path: p}, true
}

// tcpProbe accepts `nc -z [-v] [-w N] HOST PORT`.
func tcpProbe(args []string) (probe, bool) {
	var rest []string
	zero := false
	for j := 0; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "-w" || a == "-G":
			j++ // option value
		case strings.HasPrefix(a, "-"):
			zero = zero || strings.Contains(a, "z")
		default:
			rest = append(rest, a)
		}
	}
	if !zero || len(rest) != 2 || !isLocalHost(rest[0]) {
		return probe{}, false
	}
	port, err := strconv.Atoi(rest[1])
	if err != nil {
		return probe{}, false
	}
	return probe{kind: "tcp", port: port}, true
}

func isLocalHost(h string) bool {
	switch h {
	case "localhost", "127.0.0.1", "::1", "0.0.0.0":
		return true
	}
	return false
}

// serviceName builds a Nomad service name (RFC 1123 label: lower-case letters, digits,
// dashes, at most 63 characters).
func serviceName(service, container string) string {
	s := strings.ToLower(service + "-" + container)
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, s)
	s = strings.Trim(s, "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	if s == "" {
		s = "svc"
	}
	return s
}

// hasCheck reports whether any task registers a check (then the deployment uses checks
// for health).
func hasCheck(tasks []*api.Task) bool {
	for _, task := range tasks {
		for _, s := range task.Services {
			if len(s.Checks) > 0 {
				return true
			}
		}
	}
	return false
}

func secondsOr(v *int, def int) time.Duration {
	if v == nil {
		return time.Duration(def) * time.Second
	}
	return time.Duration(*v) * time.Second
}

func intOr(v *int, def int) int {
	if v == nil {
		return def
	}
	return *v
}
