package compose

import (
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// ECS health-check ranges (RegisterTaskDefinition docs), in seconds; retries is a count.
var (
	hcInterval    = bounds{5, 300}
	hcTimeout     = bounds{2, 60}
	hcRetries     = bounds{1, 10}
	hcStartPeriod = bounds{0, 300}
)

type bounds struct{ min, max int }

func (b bounds) clamp(v int) int { return max(b.min, min(b.max, v)) }

// composeDefaultTimeout is compose's health-check timeout default; ECS's is 5 s. ecsgit
// writes compose's value explicitly so a check keeps the time compose gave it.
const composeDefaultTimeout = 30

func (s *svcConv) healthcheck() {
	hc := s.svc.HealthCheck
	if hc == nil {
		return
	}
	if hc.Disable || (len(hc.Test) > 0 && hc.Test[0] == "NONE") {
		// compose disables the image's HEALTHCHECK; ECS never runs image health checks,
		// only the ones in the task definition: no healthCheck is the same thing.
		return
	}
	if len(hc.Test) == 0 {
		s.unsupported("healthcheck", "no `test`: compose then runs the image's HEALTHCHECK with these settings, but ECS only runs checks written in the task definition, so the container has no health check")
		return
	}
	out := &spec.HealthCheck{}
	switch hc.Test[0] {
	case "CMD", "CMD-SHELL":
		out.Command = append([]string(nil), hc.Test...)
	default:
		// compose-go rejects other forms; the string form was turned into CMD-SHELL.
		s.errorf(RuleValue, "healthcheck.test", "the test must start with CMD, CMD-SHELL or NONE")
		return
	}
	s.field("healthCheck.command", "healthcheck.test")
	out.Interval = s.hcSeconds("healthcheck.interval", hc.Interval, hcInterval)
	out.Timeout = s.hcSeconds("healthcheck.timeout", hc.Timeout, hcTimeout)
	if out.Timeout == nil {
		out.Timeout = new(composeDefaultTimeout)
	}
	out.StartPeriod = s.hcSeconds("healthcheck.start_period", hc.StartPeriod, hcStartPeriod)
	if out.StartPeriod != nil && *out.StartPeriod == 0 {
		out.StartPeriod = nil
	}
	if hc.Retries != nil {
		r := int(min(*hc.Retries, 1<<20))
		c := hcRetries.clamp(r)
		if c != r {
			s.approx("healthcheck.retries", "ECS allows %d–%d retries: %d becomes %d", hcRetries.min, hcRetries.max, r, c)
		}
		out.Retries = new(c)
		s.field("healthCheck.retries", "healthcheck.retries")
	}
	if hc.StartInterval != nil {
		s.unsupported("healthcheck.start_interval", "ECS has no separate interval during the start period; the interval applies throughout")
	}
	s.c.HealthCheck = out
}

// hcSeconds converts one health-check duration: rounded up to whole seconds and kept
// within the ECS range, with a note whenever the value had to change.
func (s *svcConv) hcSeconds(k string, d *types.Duration, b bounds) *int {
	if d == nil {
		return nil
	}
	secs, whole := ceilSeconds(*d)
	c := b.clamp(secs)
	switch {
	case c != secs:
		s.approx(k, "ECS allows %d–%d s: %s becomes %d s", b.min, b.max, time.Duration(*d), c)
	case !whole:
		s.approx(k, "ECS counts whole seconds: %s is rounded up to %d s", time.Duration(*d), c)
	}
	s.field("healthCheck."+map[string]string{
		"healthcheck.interval": "interval", "healthcheck.timeout": "timeout", "healthcheck.start_period": "startPeriod",
	}[k], k)
	return new(c)
}
