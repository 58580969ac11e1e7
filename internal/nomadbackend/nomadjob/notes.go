package nomadjob

import (
	"fmt"
	"sort"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// Fidelity rule IDs of the translator. They are stable: docs/mapping.md lists them and
// users may filter on them.
const (
	RuleUnsupported     = "FID-NOMAD-UNSUPPORTED"  // the field has no effect on the job
	RuleApproximate     = "FID-NOMAD-APPROXIMATE"  // carried over with a stated difference
	RuleHealthCheck     = "FID-NOMAD-HEALTHCHECK"  // health check not expressible as a Nomad check
	RuleSidecarRestart  = "FID-NOMAD-SIDECAR"      // non-essential container restarted by Nomad
	RuleDependsOn       = "FID-NOMAD-DEPENDSON"    // dependency order Nomad cannot express
	RuleResources       = "FID-NOMAD-RESOURCES"    // cpu/memory split or defaulted
	RulePlacement       = "FID-NOMAD-PLACEMENT"    // placement strategy/constraint
	RuleNetwork         = "FID-NOMAD-NETWORK"      // network mode
	RuleRollout         = "FID-NOMAD-ROLLOUT"      // rolling-update bound not exact
	RuleCircuitBreaker  = "FID-NOMAD-BREAKER"      // circuit breaker approximation
	RuleStopTimeout     = "FID-NOMAD-STOPTIMEOUT"  // kill_timeout capped by the client
	RuleServiceRegistry = "FID-NOMAD-REGISTRATION" // load balancers / service registries
	RuleLoadBalancer    = "FID-NOMAD-LB"           // a target group's routing or health check differs on the proxy
	RuleServiceConnect  = "FID-NOMAD-CONNECT"      // Service Connect through ecsgit's own proxy
	RuleLogging         = "FID-NOMAD-LOGGING"      // log driver the hosts cannot run, FireLens metadata
)

// MaxKillTimeoutSeconds is the largest kill_timeout our clients honour (client
// max_kill_timeout; scripts/cluster.sh sets 120 s, ECS's own maximum). Nomad clients
// silently cap larger values; Nomad's default cap is 30 s.
const MaxKillTimeoutSeconds = 120

// nomadDefaultMaxKillTimeoutSeconds is a Nomad client's max_kill_timeout when its
// configuration does not set one.
const nomadDefaultMaxKillTimeoutSeconds = 30

// defaultAllowCaps is the docker plugin's default allow_caps (Nomad's docker driver
// docs): a capability outside it makes Nomad refuse the task unless the clients'
// plugin configuration allows it.
var defaultAllowCaps = map[string]bool{
	"audit_write": true, "chown": true, "dac_override": true, "fowner": true, "fsetid": true,
	"kill": true, "mknod": true, "net_bind_service": true, "setfcap": true, "setgid": true,
	"setpcap": true, "setuid": true, "sys_chroot": true,
}

// notes collects fidelity notes with positions.
type notes []spec.FidelityNote

// container is the field-path prefix of container i: the display path names the
// container ("containerDefinitions[web]"), the position path indexes it
// ("containerDefinitions[0]") as the PosMap does.
type fieldRef struct {
	display string // spec.FidelityNote.Field
	pos     string // PosMap key
	fields  spec.Positions
	file    spec.Pos
}

func (r fieldRef) child(name string) fieldRef {
	r.display += "." + name
	r.pos += "." + name
	return r
}

// withPos anchors r at another PosMap path (the display path names an element by its
// name, the position path by its index).
func (r fieldRef) withPos(path string) fieldRef {
	r.pos = path
	return r
}

func (r fieldRef) position() spec.Pos {
	if p := r.fields.At(r.pos); p.File != "" {
		return p
	}
	return r.file
}

func (t *translator) tdField(path string) fieldRef {
	return fieldRef{display: path, pos: path, fields: t.td.Positions(), file: t.td.Pos}
}

func (t *translator) svcField(path string) fieldRef {
	return fieldRef{display: path, pos: path, fields: t.svc.Positions(), file: t.svc.Pos}
}

func (t *translator) containerField(i int, path string) fieldRef {
	c := &t.td.ContainerDefinitions[i]
	r := fieldRef{
		display: fmt.Sprintf("containerDefinitions[%s]", c.Name),
		pos:     fmt.Sprintf("containerDefinitions[%d]", i),
		fields:  t.td.Positions(), file: t.td.Pos,
	}
	if path != "" {
		r = r.child(path)
	}
	return r
}

func (n *notes) add(r fieldRef, level spec.FidelityLevel, rule, format string, args ...any) {
	*n = append(*n, spec.FidelityNote{
		Field: r.display, Level: level, Rule: rule,
		Detail: fmt.Sprintf(format, args...), Pos: r.position(),
	})
}

func (n *notes) approx(r fieldRef, rule, format string, args ...any) {
	n.add(r, spec.FidelityApproximate, rule, format, args...)
}

func (n *notes) unsupported(r fieldRef, format string, args ...any) {
	n.add(r, spec.FidelityUnsupported, RuleUnsupported, format, args...)
}

// sorted returns the notes ordered by file position, then field and rule, so that the
// report never depends on the order in which translation steps ran.
func (n notes) sorted() []spec.FidelityNote {
	out := append([]spec.FidelityNote(nil), n...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Pos != b.Pos {
			return a.Pos.Less(b.Pos)
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Rule < b.Rule
	})
	return out
}
