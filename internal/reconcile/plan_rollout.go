package reconcile

import (
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// rolloutPreview carries the translator's rollout strategy into the plan; classify fills
// TasksReplaced from Nomad's annotations.
func rolloutPreview(r nomadjob.RolloutStrategy) *plan.Rollout {
	return &plan.Rollout{
		DesiredCount:          r.DesiredCount,
		MinimumHealthyPercent: r.MinimumHealthyPercent,
		MaximumPercent:        r.MaximumPercent,
		MinHealthy:            r.MinHealthy,
		MaxRunning:            r.MaxRunning,
		BatchSize:             r.BatchSize,
		Mechanism:             r.Mechanism,
		Exact:                 r.Exact,
		WorstCase:             r.WorstCase,
		CircuitBreaker:        r.CircuitBreaker,
	}
}
