package compose

import (
	"github.com/ecsgit/ecsgit/internal/spec"
)

// ECS restartPolicy.restartAttemptPeriod range, in seconds.
var restartPeriod = bounds{60, 1800}

// restart maps `restart` and `deploy.restart_policy` to the ECS container restart
// policy. ECS restarts a container in place only with restartPolicy; without it an
// essential container's exit stops the task and the service starts a new one (possibly
// on another host), which is what compose's `no` can never mean for an ECS service.
func (s *svcConv) restart() {
	cond, k := "", ""
	switch {
	case s.svc.Deploy != nil && s.svc.Deploy.RestartPolicy != nil:
		cond, k = s.svc.Deploy.RestartPolicy.Condition, "deploy.restart_policy.condition"
		if cond == "" {
			cond = "any" // compose's default condition
		}
	case s.svc.Restart != "":
		cond, k = s.svc.Restart, "restart"
	default:
		return
	}
	switch cond {
	case "always", "unless-stopped", "any":
		s.c.RestartPolicy = &spec.ContainerRestartPolicy{Enabled: new(true)}
		s.field("restartPolicy", k)
	case "on-failure", "on_failure":
		s.c.RestartPolicy = &spec.ContainerRestartPolicy{Enabled: new(true), IgnoredExitCodes: []int{0}}
		s.field("restartPolicy", k)
		s.approx(k, "a container that exits 0 is not restarted in place, but ECS stops the task when an essential container exits and the service starts a new one")
	case "no", "none":
		s.approx(k, "an ECS service keeps its tasks running: when the container exits, the task stops and the service starts a new one. For a run-once container, group it with the service that needs it (`%s: {task: NAME}`) and depend on it with service_completed_successfully", ExtensionKey)
	default:
		s.unsupported(k, "restart condition %q is unknown; ECS's default applies (the task is replaced when it stops)", cond)
	}
	if s.svc.Deploy == nil || s.svc.Deploy.RestartPolicy == nil {
		return
	}
	rp := s.svc.Deploy.RestartPolicy
	if s.svc.Restart != "" {
		s.unsupported("restart", "deploy.restart_policy is given too and takes precedence")
	}
	if rp.Window != nil && s.c.RestartPolicy != nil {
		secs, _ := ceilSeconds(*rp.Window)
		c := restartPeriod.clamp(secs)
		s.c.RestartPolicy.RestartAttemptPeriod = new(c)
		s.approx("deploy.restart_policy.window", "becomes restartAttemptPeriod %d s: ECS restarts a container only after it has run that long (ECS range %d–%d s); compose uses the window to judge whether a restart succeeded", c, restartPeriod.min, restartPeriod.max)
	}
	if rp.Delay != nil {
		s.unsupported("deploy.restart_policy.delay", "ECS has no delay between restarts")
	}
	if rp.MaxAttempts != nil {
		s.unsupported("deploy.restart_policy.max_attempts", "ECS restarts without a limit")
	}
}
