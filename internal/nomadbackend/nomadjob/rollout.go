package nomadjob

import (
	"fmt"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// RolloutStrategy says how a service's deploymentConfiguration is carried out by Nomad
// (decision 7) and which ECS bounds hold at every moment of a rollout.
type RolloutStrategy struct {
	// Class names the (minimumHealthyPercent, maximumPercent) class, e.g. "rolling",
	// "blue-green", "partial-surge", "daemon", "none" (docs/mapping.md, Rollouts).
	Class string `json:"class"`
	// Mechanism names the Nomad update settings, e.g. "canary=4 auto_promote max_parallel=4".
	Mechanism string `json:"mechanism"`
	// Exact: MinHealthy and MaxRunning hold at every moment. Otherwise WorstCase states
	// the bound that can be missed and by how much.
	Exact     bool   `json:"exact"`
	WorstCase string `json:"worst_case,omitempty"`

	DesiredCount          int `json:"desired_count"`
	MinimumHealthyPercent int `json:"minimum_healthy_percent"`
	MaximumPercent        int `json:"maximum_percent"`
	// MinHealthy = ceil(D·min/100), MaxRunning = floor(D·max/100): ECS's bounds.
	MinHealthy int `json:"min_healthy"`
	MaxRunning int `json:"max_running"`
	// BatchSize is how many tasks are replaced at a time (max_parallel, or the canary
	// count when all replacements start as canaries).
	BatchSize int `json:"batch_size"`
	// FailureThreshold is the deployment circuit breaker's threshold: the apply engine
	// fails the Nomad deployment (Deployments().Fail) once that many tasks failed. 0 =
	// circuit breaker disabled.
	FailureThreshold int `json:"failure_threshold,omitempty"`
	// Rollback: a failed deployment reverts to the last stable version (auto_revert).
	Rollback bool `json:"rollback,omitempty"`
	// CircuitBreaker summarises the above in words for the plan.
	CircuitBreaker string `json:"circuit_breaker"`
}

// Circuit-breaker threshold bounds (ECS: clamp(ceil(0.5 × desired), 3, 200)). The
// minimum is documented as 10 in the 2023 developer guide and as 3 in the current API
// reference; ecsgit follows the API reference.
const (
	breakerMinThreshold = 3
	breakerMaxThreshold = 200
)

// ecsDefaults are the deployment bounds ECS applies when the service leaves them out.
func (t *translator) percents() (minPct, maxPct int) {
	minPct, maxPct = 100, 200
	if t.isDaemon() {
		minPct, maxPct = 0, 100
	}
	if dc := t.svc.DeploymentConfiguration; dc != nil {
		if dc.MinimumHealthyPercent != nil {
			minPct = *dc.MinimumHealthyPercent
		}
		if dc.MaximumPercent != nil {
			maxPct = *dc.MaximumPercent
		}
	}
	return minPct, maxPct
}

// update builds the group's update block and the rollout description.
func (t *translator) update(checks bool) (*api.UpdateStrategy, RolloutStrategy, error) {
	minPct, maxPct := t.percents()
	d := t.desiredCount()
	r := RolloutStrategy{
		DesiredCount: d, MinimumHealthyPercent: minPct, MaximumPercent: maxPct,
		MinHealthy: ceilDiv(d*minPct, 100), MaxRunning: d * maxPct / 100,
	}
	u := &api.UpdateStrategy{}
	if err := t.rolloutClass(&r, u); err != nil {
		return nil, r, err
	}
	t.health(u, checks)
	t.circuitBreaker(&r, u)
	if !r.Exact {
		t.notes.approx(t.svcField("deploymentConfiguration"), RuleRollout, "%s: %s", r.Mechanism, r.WorstCase)
	}
	return u, r, nil
}

// rolloutClass picks the Nomad mechanism. Nomad rolling updates stop max_parallel old
// allocations before placing their replacements (no surge); canaries are placed next to
// the old allocations, and auto_promote stops the old ones once all canaries are healthy.
func (t *translator) rolloutClass(r *RolloutStrategy, u *api.UpdateStrategy) error {
	d := r.DesiredCount
	switch {
	case t.isDaemon():
		// A system job has one allocation per eligible node; the node count is not known
		// when translating, so bounds cannot be computed. One node at a time keeps at
		// most one task down.
		r.Class, r.BatchSize = "daemon", 1
		u.MaxParallel = new(1)
		r.Mechanism = "system job, max_parallel=1"
		r.WorstCase = "bounds are relative to the number of eligible nodes, unknown before placement; one task is replaced at a time (stop, then start)"
		return nil
	case d == 0:
		r.Class, r.Exact, r.BatchSize = "none", true, 1
		u.MaxParallel = new(1)
		r.Mechanism = "desiredCount 0: no deployment"
		return nil
	case r.MinHealthy < d:
		// Stop-then-place in batches of D − minHealthy: never more than D running, never
		// fewer than minHealthy healthy.
		k := d - r.MinHealthy
		r.Class, r.Exact, r.BatchSize = "rolling", true, k
		u.MaxParallel = new(k)
		r.Mechanism = fmt.Sprintf("max_parallel=%d", k)
		if r.MaxRunning < d {
			r.Exact = false
			r.WorstCase = fmt.Sprintf("up to %d tasks run (maximumPercent allows %d): Nomad cannot stop a task without replacing it", d, r.MaxRunning)
		}
		return nil
	}
	surge := r.MaxRunning - d
	switch {
	case surge >= d:
		// Blue/green: D canaries next to D old tasks (≤ 2D ≤ MaxRunning), the old ones
		// stay healthy until promotion, which only stops them.
		r.Class, r.Exact, r.BatchSize = "blue-green", true, d
		u.Canary, u.AutoPromote, u.MaxParallel = new(d), new(true), new(d)
		r.Mechanism = fmt.Sprintf("canary=%d auto_promote max_parallel=%d", d, d)
	case surge >= 1:
		// Partial surge: S canaries fit under MaxRunning; after promotion Nomad replaces
		// the remaining D − S old tasks stop-then-place, one at a time (the smallest
		// dip possible).
		r.Class, r.BatchSize = "partial-surge", surge
		u.Canary, u.AutoPromote, u.MaxParallel = new(surge), new(true), new(1)
		r.Mechanism = fmt.Sprintf("canary=%d auto_promote max_parallel=1", surge)
		r.WorstCase = fmt.Sprintf("after the %d canaries are promoted, the other %d tasks are replaced stop-then-start one at a time: healthy tasks can dip to %d (minimumHealthyPercent asks for %d)", surge, d-surge, d-1, r.MinHealthy)
	default:
		return fmt.Errorf("deploymentConfiguration min %d%%/max %d%% with desiredCount %d can never progress: no task may stop (minimum healthy %d) and none may start (maximum %d)",
			r.MinimumHealthyPercent, r.MaximumPercent, d, r.MinHealthy, r.MaxRunning)
	}
	return nil
}

// health sets how Nomad decides that a new allocation is healthy.
//
// min_healthy_time: ECS counts a task healthy at its first passing check; Nomad wants the
// allocation healthy for min_healthy_time. 5 s (minimum) guards against a task that
// passes once and dies; healthCheckGracePeriodSeconds, when longer, is used instead so
// that a task is not declared healthy while ECS would still be ignoring its checks.
func (t *translator) health(u *api.UpdateStrategy, checks bool) {
	mode := "task_states"
	if checks {
		mode = "checks"
	}
	minHealthy := max(5*time.Second, t.gracePeriod())
	if t.gracePeriod() > 5*time.Second {
		// Audit N3: not the same thing. ECS ignores failing checks during the grace period;
		// Nomad wants the allocation healthy for all of min_healthy_time.
		t.notes.approx(t.svcField("healthCheckGracePeriodSeconds"), RuleRollout,
			"becomes min_healthy_time %s: a new task counts healthy only after passing its checks for the whole grace period (ECS counts it at its first passing check and only ignores failures during the period), so each rollout batch takes at least %s",
			minHealthy, minHealthy)
	}
	healthy := 5*time.Minute + t.gracePeriod()
	u.HealthCheck = new(mode)
	u.MinHealthyTime = new(minHealthy)
	u.HealthyDeadline = new(healthy)
	u.ProgressDeadline = new(healthy + 5*time.Minute)
}

// circuitBreaker maps deploymentCircuitBreaker. Nomad fails a deployment when an
// allocation is not healthy by healthy_deadline and no progress is made by
// progress_deadline; ECS counts failed tasks up to a threshold instead. The threshold is
// exposed for the apply engine, which fails the deployment itself when it is reached;
// rollback is Nomad's auto_revert.
func (t *translator) circuitBreaker(r *RolloutStrategy, u *api.UpdateStrategy) {
	dc := t.svc.DeploymentConfiguration
	ref := t.svcField("deploymentConfiguration.deploymentCircuitBreaker")
	if dc == nil || dc.DeploymentCircuitBreaker == nil || !dc.DeploymentCircuitBreaker.Enable {
		u.AutoRevert = new(false)
		r.CircuitBreaker = "disabled: failed tasks are replaced until the deployment misses its progress deadline"
		if !t.isDaemon() && r.DesiredCount > 0 {
			t.notes.approx(ref, RuleCircuitBreaker,
				"without a circuit breaker ECS retries failed tasks indefinitely; Nomad fails the deployment once it makes no progress for %s (nothing is rolled back)", *u.ProgressDeadline)
		}
		return
	}
	cb := dc.DeploymentCircuitBreaker
	r.FailureThreshold = CircuitBreakerThreshold(&t.svc.Service)
	r.Rollback = cb.Rollback
	u.AutoRevert = new(cb.Rollback)
	r.CircuitBreaker = fmt.Sprintf("fails after %d failed tasks", r.FailureThreshold)
	if cb.Rollback {
		r.CircuitBreaker += "; rolls back to the last successful version (auto_revert)"
	}
	if cb.ResetOnHealthyTask != nil && !*cb.ResetOnHealthyTask {
		t.notes.unsupported(ref.child("resetOnHealthyTask"), "the failure count is never reset in ecsgit's circuit breaker either way; the setting has no effect")
	}
}

// CircuitBreakerThreshold is the number of failed tasks at which the ECS deployment
// circuit breaker of svc trips (0: no circuit breaker). The translation shows it in the
// rollout preview; reconcile enforces it, also for a rollout it resumes from a record.
func CircuitBreakerThreshold(svc *spec.Service) int {
	dc := svc.DeploymentConfiguration
	if dc == nil || dc.DeploymentCircuitBreaker == nil || !dc.DeploymentCircuitBreaker.Enable {
		return 0
	}
	desired := 0
	if svc.DesiredCount != nil {
		desired = *svc.DesiredCount
	}
	return failureThreshold(desired, dc.DeploymentCircuitBreaker.ThresholdConfiguration)
}

// failureThreshold is ECS's circuit-breaker threshold for desired tasks: the classic
// clamp(ceil(50% × desired), 3, 200), or the configured COUNT / percentage.
func failureThreshold(desired int, tc *spec.ThresholdConfiguration) int {
	if tc == nil {
		return clamp(ceilDiv(desired*50, 100), breakerMinThreshold, breakerMaxThreshold)
	}
	switch tc.Type {
	case "COUNT":
		return max(tc.Value, 1)
	case "UNBOUNDED_PERCENT":
		return max(ceilDiv(desired*tc.Value, 100), 1)
	}
	return clamp(ceilDiv(desired*tc.Value, 100), breakerMinThreshold, breakerMaxThreshold)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// reschedulePolicy replaces failed allocations like ECS's service scheduler: always (no
// attempt limit), with exponential back-off capped at 15 minutes, ECS's service
// throttle ceiling.
func reschedulePolicy() *api.ReschedulePolicy {
	return &api.ReschedulePolicy{
		Unlimited:     new(true),
		Delay:         new(30 * time.Second),
		DelayFunction: new("exponential"),
		MaxDelay:      new(15 * time.Minute),
	}
}
