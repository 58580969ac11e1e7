package compose

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// svcConv converts one compose service into one container definition plus its share of
// the task (volumes, pid/ipc mode, platform) and service (count, deployment, placement).
// It collects notes and diagnostics with positions as it goes.
type svcConv struct {
	ix      *posIndex
	project *types.Project
	name    string
	svc     types.ServiceConfig
	x       Extension
	// grouped: the task has several containers sharing one network namespace (awsvpc).
	grouped bool
	// cidx is the container's index in its task definition (for PosMap keys).
	cidx int
	c    spec.ContainerDefinition

	taskNotes, svcNotes []spec.FidelityNote
	diags               spec.Diagnostics
	fields              spec.PosMap

	// Task-level contributions, merged by the caller.
	volumes     []spec.Volume
	pidMode     string
	ipcMode     string
	networkMode string
	platform    *spec.RuntimePlatform
}

func (s *svcConv) key(k string) string {
	if k == "" {
		return "services." + s.name
	}
	return "services." + s.name + "." + k
}

func (s *svcConv) pos(k string) spec.Pos { return s.ix.at(s.key(k)) }

// written reports whether key k is in the files (as opposed to a value compose-go
// filled in by normalization).
func (s *svcConv) written(k string) bool {
	return s.ix.has(s.key(k)) || func() bool { _, ok := s.ix.viaExtends(s.key(k)); return ok }()
}

var reIndex = regexp.MustCompile(`\[\d+\]`)

// ruleFor derives a stable fidelity rule ID from a compose key:
// "deploy.update_config.order" → "FID-COMPOSE-DEPLOY-UPDATE_CONFIG-ORDER".
func ruleFor(k string) string {
	k = reIndex.ReplaceAllString(k, "")
	// Keys under these maps are user-chosen names, not part of the kind of gap.
	for _, m := range []string{"depends_on.", "ulimits."} {
		if i := strings.Index(k, m); i >= 0 {
			rest := k[i+len(m):]
			if j := strings.IndexByte(rest, '.'); j >= 0 {
				k = k[:i+len(m)-1] + rest[j:]
			} else {
				k = k[:i+len(m)-1]
			}
		}
	}
	return "FID-COMPOSE-" + strings.ToUpper(strings.ReplaceAll(k, ".", "-"))
}

func (s *svcConv) mk(level spec.FidelityLevel, k, detail string) spec.FidelityNote {
	return spec.FidelityNote{Field: s.key(k), Level: level, Detail: detail, Pos: s.pos(k), Rule: ruleFor(k)}
}

// approx records a task-level key carried over with a behaviour difference.
func (s *svcConv) approx(k, format string, args ...any) {
	s.taskNotes = append(s.taskNotes, s.mk(spec.FidelityApproximate, k, fmt.Sprintf(format, args...)))
}

// unsupported records a task-level key that has no effect on what is deployed.
func (s *svcConv) unsupported(k, format string, args ...any) {
	s.taskNotes = append(s.taskNotes, s.mk(spec.FidelityUnsupported, k, fmt.Sprintf(format, args...)))
}

// svcApprox / svcUnsupported are the same for keys that shape the ECS service.
func (s *svcConv) svcApprox(k, format string, args ...any) {
	s.svcNotes = append(s.svcNotes, s.mk(spec.FidelityApproximate, k, fmt.Sprintf(format, args...)))
}

func (s *svcConv) svcUnsupported(k, format string, args ...any) {
	s.svcNotes = append(s.svcNotes, s.mk(spec.FidelityUnsupported, k, fmt.Sprintf(format, args...)))
}

// errorf refuses the service: the message names the service and the key.
func (s *svcConv) errorf(rule, k, format string, args ...any) {
	msg := fmt.Sprintf("service %q: %s: %s", s.name, s.key(k), fmt.Sprintf(format, args...))
	s.diags = append(s.diags, spec.Diagnostic{Pos: s.pos(k), Severity: spec.SeverityError, Rule: rule, Message: msg})
}

// field records that the container's ECS field came from compose key k.
func (s *svcConv) field(ecsField, k string) {
	s.fields[fmt.Sprintf("containerDefinitions[%d].%s", s.cidx, ecsField)] = s.pos(k)
}
