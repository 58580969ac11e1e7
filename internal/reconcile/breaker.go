package reconcile

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// breaker is ecsgit's rollout policy for one service's rollout; the backend's watch asks
// it on every observation (judge) and fails the deployment when it says so.
//
//   - The ECS deployment circuit breaker: Nomad has no failed-task threshold, so once
//     threshold tasks of the deployment failed ecsgit fails it, and auto_revert
//     (rollback: true) takes over. The count is the deployment's own (every failed
//     allocation it has), so a resumed watch counts the failures that happened while
//     no apply was watching.
//   - The placement deadline: a deployment whose tasks cannot be placed never fails by
//     itself (its progress deadline only starts with the first placement), so after
//     placementDeadline of unplaced tasks with placement failures it is failed as
//     unplaceable.
//
// A rollback (the revert deployment) is never failed by ecsgit: stopping it would leave
// the service with neither version.
type breaker struct {
	threshold         int // 0: no circuit breaker
	placementDeadline time.Duration
	now               func() time.Time

	unplacedSince time.Time
}

func newBreaker(threshold int, placementDeadline time.Duration) *breaker {
	return &breaker{threshold: threshold, placementDeadline: placementDeadline, now: time.Now}
}

// judge decides on one observation of a rollout that has not ended.
func (b *breaker) judge(o nomadbackend.Observation) nomadbackend.Verdict {
	if o.Revert {
		return nomadbackend.Verdict{}
	}
	if b.threshold > 0 && !o.NoDeployment && o.FailedTasks >= b.threshold {
		return nomadbackend.Verdict{Fail: true,
			Reason: fmt.Sprintf("circuit breaker: %d failed tasks reached the threshold of %d", o.FailedTasks, b.threshold)}
	}
	if len(o.PlacementFailures) == 0 || o.Unplaced == 0 {
		return nomadbackend.Verdict{}
	}
	now := b.now()
	if b.unplacedSince.IsZero() {
		b.unplacedSince = now
	}
	if now.Sub(b.unplacedSince) > b.placementDeadline {
		return nomadbackend.Verdict{Fail: true, Unplaceable: true,
			Reason: "could not place tasks: " + strings.Join(o.PlacementFailures, "; ")}
	}
	return nomadbackend.Verdict{}
}

// breakerFor builds the policy of one rollout. The threshold is that of the spec being
// rolled out: the unit's (the plan's translation of it) when u is of that spec, else
// (u nil) the one the record's ECS service definition gives (an apply resuming a rollout
// that an interrupted apply or a previous daemon started), so that a resumed rollout
// trips at the same threshold as one watched from the start.
func (a *applier) breakerFor(rec *nomadbackend.ServiceRecord, u *Unit) *breaker {
	n := 0
	switch {
	case u != nil:
		if u.ECS != nil {
			n = u.ECS.FailureThreshold
		}
	case rec != nil:
		n = recordedThreshold(rec)
	}
	return newBreaker(n, a.opts.PlacementTimeout)
}

// recordedThreshold is the circuit-breaker threshold of the ECS service a record
// describes (0: none, or a record without ECS documents).
func recordedThreshold(rec *nomadbackend.ServiceRecord) int {
	if len(rec.Service) == 0 {
		return 0
	}
	var svc spec.Service
	if err := json.Unmarshal(rec.Service, &svc); err != nil {
		return 0
	}
	return nomadjob.CircuitBreakerThreshold(&svc)
}
