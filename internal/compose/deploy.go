package compose

import (
	"fmt"
	"strings"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// deploy maps the service-level keys (deploy.*, scale, x-ecsgit overrides) into a partial
// ECS service; the caller merges the partials of the services grouped into one task.
func (s *svcConv) deploy() spec.Service {
	var out spec.Service
	d := s.svc.Deploy
	daemon := false
	if d != nil {
		switch d.Mode {
		case "", "replicated":
		case "global":
			daemon = true
			out.SchedulingStrategy = "DAEMON"
		default:
			s.errorf(RuleValue, "deploy.mode", "mode %q runs a job to completion; ECS services keep tasks running (use replicated or global)", d.Mode)
		}
	}
	desired := 1
	if !daemon {
		if d != nil && d.Replicas != nil {
			desired = *d.Replicas
		} else if s.svc.Scale != nil {
			desired = *s.svc.Scale
		}
		if s.x.DesiredCount != nil {
			desired = *s.x.DesiredCount
		}
		out.DesiredCount = new(desired)
	}
	out.DeploymentConfiguration = s.rolling(desired, daemon)
	if s.x.MinimumHealthyPercent != nil || s.x.MaximumPercent != nil || s.x.CircuitBreaker != nil {
		if out.DeploymentConfiguration == nil {
			out.DeploymentConfiguration = &spec.DeploymentConfiguration{}
		}
		dc := out.DeploymentConfiguration
		if s.x.MinimumHealthyPercent != nil {
			dc.MinimumHealthyPercent = s.x.MinimumHealthyPercent
		}
		if s.x.MaximumPercent != nil {
			dc.MaximumPercent = s.x.MaximumPercent
		}
		if s.x.CircuitBreaker != nil {
			dc.DeploymentCircuitBreaker = s.x.CircuitBreaker
		}
	}
	s.placement(&out)
	out.PlacementStrategy = append(out.PlacementStrategy, s.x.PlacementStrategy...)
	out.PlacementConstraints = append(out.PlacementConstraints, s.x.PlacementConstraints...)
	if d != nil {
		for _, k := range sortedKeys(d.Labels) {
			out.Tags = append(out.Tags, spec.Tag{Key: k, Value: d.Labels[k]})
		}
		if len(d.Labels) > 0 {
			s.svcApprox("deploy.labels", "become ECS service tags (Nomad job metadata), not container labels")
		}
		if d.RollbackConfig != nil {
			s.svcUnsupported("deploy.rollback_config", "ECS rolls back with the service's own deployment configuration")
		}
		if d.EndpointMode != "" {
			s.svcUnsupported("deploy.endpoint_mode", "swarm's virtual IP / DNS round-robin has no equivalent: use Nomad service discovery")
		}
	}
	return out
}

// rolling derives the ECS deployment bounds from deploy.update_config.
//
// Compose (swarm) replaces `parallelism` tasks at a time (default 1), stopping the old
// ones first (order stop-first, the default) or starting the new ones first
// (start-first). ECS instead bounds the number of running tasks during a deployment:
// at least ceil(N·min/100) healthy, at most floor(N·max/100) in total. With N desired
// tasks and parallelism P (0 = all at once, capped at N):
//
//	stop-first:  min = floor((N−P)·100/N), max = 100 → at most P below N, none above
//	start-first: min = 100, max = ceil((N+P)·100/N)  → at most P above N, none below
//
// Rounding toward the side that keeps exactly P in flight makes the bounds exact for
// N ≤ 100 (ceil/floor of the percent round-trip to N−P and N+P); above 100 tasks a
// percent step is more than one task and the note says so.
func (s *svcConv) rolling(n int, daemon bool) *spec.DeploymentConfiguration {
	if s.svc.Deploy == nil || s.svc.Deploy.UpdateConfig == nil {
		return nil
	}
	u := s.svc.Deploy.UpdateConfig
	const k = "deploy.update_config"
	dc := &spec.DeploymentConfiguration{}
	order := u.Order
	if order == "" {
		order = "stop-first"
	}
	switch {
	case daemon:
		if u.Parallelism != nil || u.Order != "" {
			s.svcApprox(k, "a global (DAEMON) service is updated host by host with ECS's daemon bounds; parallelism and order are not expressible")
		}
	case n == 0:
		if u.Parallelism != nil || u.Order != "" {
			s.svcApprox(k, "with 0 replicas there is nothing to roll; parallelism and order have no effect")
		}
	default:
		p := n
		if u.Parallelism != nil && *u.Parallelism > 0 && *u.Parallelism < uint64(n) {
			p = int(*u.Parallelism)
		} else if u.Parallelism == nil {
			p = 1
		}
		switch order {
		case "start-first":
			dc.MinimumHealthyPercent = new(100)
			dc.MaximumPercent = new(ceilDiv((n+p)*100, n))
		case "stop-first":
			dc.MinimumHealthyPercent = new((n - p) * 100 / n)
			dc.MaximumPercent = new(100)
		default:
			s.errorf(RuleValue, k+".order", "order %q is neither stop-first nor start-first", u.Order)
		}
		if n > 100 {
			s.svcApprox(k, "with %d replicas one percent is more than one task: ECS may replace somewhat more than %d tasks at once (bounds %d%%/%d%%)", n, p, *dc.MinimumHealthyPercent, *dc.MaximumPercent)
		}
	}
	switch u.FailureAction {
	case "":
	case "rollback":
		dc.DeploymentCircuitBreaker = &spec.DeploymentCircuitBreaker{Enable: true, Rollback: true}
		s.svcApprox(k+".failure_action", "becomes the ECS deployment circuit breaker with rollback: it trips after ECS's failure threshold (half the desired count, between 3 and 200 failed tasks), not on the first failure")
	case "pause":
		dc.DeploymentCircuitBreaker = &spec.DeploymentCircuitBreaker{Enable: true, Rollback: false}
		s.svcApprox(k+".failure_action", "ECS cannot pause a deployment: the circuit breaker (without rollback) stops a failing deployment and leaves the tasks as they are, after ECS's failure threshold")
	case "continue":
		// ECS without a circuit breaker keeps trying: the same thing.
	default:
		s.errorf(RuleValue, k+".failure_action", "failure_action %q is not continue, rollback or pause", u.FailureAction)
	}
	if u.Delay != 0 {
		s.svcUnsupported(k+".delay", "ECS does not wait between batches; it starts the next replacement as soon as the bounds allow")
	}
	if u.Monitor != 0 {
		s.svcUnsupported(k+".monitor", "ECS judges a task by its health check (and healthCheckGracePeriodSeconds), not by a monitoring window")
	}
	if u.MaxFailureRatio != 0 {
		s.svcUnsupported(k+".max_failure_ratio", "the ECS circuit breaker uses its own failure threshold")
	}
	if dc.MinimumHealthyPercent == nil && dc.MaximumPercent == nil && dc.DeploymentCircuitBreaker == nil {
		return nil
	}
	return dc
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// placement maps deploy.placement: node-label constraints to ECS memberOf expressions
// (custom attributes, which ecsgit maps to Nomad client meta), spread preferences to
// spread strategies, and max_replicas_per_node: 1 to distinctInstance.
func (s *svcConv) placement(out *spec.Service) {
	if s.svc.Deploy == nil {
		return
	}
	pl := s.svc.Deploy.Placement
	for i, c := range pl.Constraints {
		k := fmt.Sprintf("deploy.placement.constraints[%d]", i)
		expr, ok := memberOf(c)
		if !ok {
			s.svcUnsupported(k, "%q cannot be expressed as an ECS memberOf constraint (supported: node.labels.X, node.platform.os, node.platform.arch with == or !=); it is not applied", c)
			continue
		}
		out.PlacementConstraints = append(out.PlacementConstraints, spec.PlacementConstraint{Type: "memberOf", Expression: expr})
	}
	for i, p := range pl.Preferences {
		k := fmt.Sprintf("deploy.placement.preferences[%d]", i)
		label, ok := strings.CutPrefix(p.Spread, "node.labels.")
		if !ok {
			s.svcUnsupported(k, "spread over %q is not expressible; only node.labels.X is", p.Spread)
			continue
		}
		out.PlacementStrategy = append(out.PlacementStrategy, spec.PlacementStrategy{Type: "spread", Field: "attribute:" + label})
	}
	switch {
	case pl.MaxReplicas == 1:
		out.PlacementConstraints = append(out.PlacementConstraints, spec.PlacementConstraint{Type: "distinctInstance"})
	case pl.MaxReplicas > 1:
		s.svcUnsupported("deploy.placement.max_replicas_per_node", "ECS can only limit a service to one task per host (distinctInstance); %d per host is not applied", pl.MaxReplicas)
	}
}

// memberOf translates a swarm constraint ("node.labels.zone == a") to the ECS cluster
// query language ("attribute:zone == a").
func memberOf(c string) (string, bool) {
	op := "=="
	left, right, ok := strings.Cut(c, "==")
	if !ok {
		op = "!="
		if left, right, ok = strings.Cut(c, "!="); !ok {
			return "", false
		}
	}
	left, right = strings.TrimSpace(left), strings.TrimSpace(right)
	if right == "" {
		return "", false
	}
	var attr string
	switch {
	case strings.HasPrefix(left, "node.labels."):
		attr = strings.TrimPrefix(left, "node.labels.")
	case left == "node.platform.os":
		attr = "ecs.os-type"
	case left == "node.platform.arch":
		attr = "ecs.cpu-architecture"
		switch right {
		case "amd64":
			right = "x86_64"
		case "aarch64":
			right = "arm64"
		}
	default:
		return "", false
	}
	if attr == "" {
		return "", false
	}
	return fmt.Sprintf("attribute:%s %s %s", attr, op, right), true
}
