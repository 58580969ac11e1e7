package nomadjob

import (
	"strings"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// The fields that no translation step reads are noted by the fidelity registry
// (fidelity_fields.go). This file holds the few notes that need more than "the field is
// set": they depend on a value's meaning or on another field.

func (t *translator) containerValueNotes(i int) {
	c := &t.td.ContainerDefinitions[i]
	if c.VersionConsistency == "enabled" || c.VersionConsistency == "" {
		// ECS resolves the tag to a digest once per deployment; Nomad's docker driver
		// uses whatever the tag points to on each client. Only worth a note for tags
		// that move; a pinned digest behaves the same.
		// An image with a registry host is pinned by the planner (reconcile/plan_images.go).
		if !strings.Contains(c.Image, "@") && isMutableTag(c.Image) && !spec.ImageHasRegistryHost(c.Image) {
			t.notes.approx(t.containerField(i, "image"), RuleApproximate, "the image tag %q is resolved on each client when a task starts (ECS pins the digest for a deployment); \"latest\" is pulled every time", c.Image)
		}
	}
}

// isMutableTag is true for untagged and :latest images, which Nomad re-pulls on every start.
func isMutableTag(image string) bool {
	slash := max(0, lastIndex(image, '/'))
	colon := lastIndex(image[slash:], ':')
	return colon < 0 || image[slash+colon+1:] == "latest"
}

func lastIndex(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// hostNamespaceNotes: host PID and IPC namespaces are allowed only by a docker plugin
// configured for them.
func (t *translator) hostNamespaceNotes() {
	for _, f := range []struct{ name, mode string }{{"pidMode", t.td.PidMode}, {"ipcMode", t.td.IpcMode}} {
		if f.mode == "host" {
			t.notes.approx(t.tdField(f.name), RuleApproximate,
				"the host's %s namespace: Nomad refuses the task unless the clients' docker plugin allows host %s mode", strings.TrimSuffix(f.name, "Mode"), strings.TrimSuffix(f.name, "Mode"))
		}
	}
}

func (t *translator) serviceValueNotes() {
	s := t.svc
	f := t.svcField
	n := &t.notes
	if dc := s.DeploymentConfiguration; dc != nil {
		switch dc.Strategy {
		case "", "ROLLING":
		case "BLUE_GREEN":
			n.approx(f("deploymentConfiguration.strategy"), RuleRollout, "blue/green is carried out by Nomad canaries only when maximumPercent allows a full second set (200%%); no traffic shifting or lifecycle hooks")
		default:
			n.unsupported(f("deploymentConfiguration.strategy"), "%s deployments are not translated; the rollout is a rolling update", dc.Strategy)
		}
	}
	if t.isDaemon() && s.DesiredCount != nil && *s.DesiredCount > 0 {
		n.approx(f("desiredCount"), RuleApproximate, "a DAEMON service runs one task per eligible node; desiredCount is ignored")
	}
}
