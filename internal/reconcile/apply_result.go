package reconcile

import (
	"fmt"
	"slices"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// Status is how one service's apply ended.
type Status string

const (
	StatusUnchanged   Status = "unchanged"   // nothing to do, nothing written
	StatusApplied     Status = "applied"     // registered (or resumed) and the rollout succeeded
	StatusRecorded    Status = "recorded"    // Nomad already matched; only ecsgit's records were written
	StatusDeleted     Status = "deleted"     // pruned
	StatusSkipped     Status = "skipped"     // the plan said not to touch it, or a dependency failed
	StatusDegraded    Status = "degraded"    // the spec failed before and is not retried (decision 8)
	StatusConflict    Status = "conflict"    // the job changed since the plan; nothing written
	StatusFailed      Status = "failed"      // the rollout failed and was not rolled back
	StatusRolledBack  Status = "rolled-back" // the rollout failed; Nomad reverted to the last stable version
	StatusUnplaceable Status = "unplaceable"
	StatusTimeout     Status = "timeout" // apply stopped waiting; the rollout goes on in Nomad
	StatusError       Status = "error"   // a Nomad call failed
)

// ServiceState is a service's state as the daemon reports it (Argo CD's vocabulary,
// plus Paused for a manual rollback).
type ServiceState string

const (
	StateSynced      ServiceState = "Synced"      // live equals Git
	StateOutOfSync   ServiceState = "OutOfSync"   // live differs from Git and ecsgit is not correcting it (drift report mode)
	StateProgressing ServiceState = "Progressing" // registered, deployment running
	StateDegraded    ServiceState = "Degraded"    // Git's spec failed and was rolled back; not retried until Git changes
	StateFailed      ServiceState = "Failed"      // the last apply of this service failed
	StatePaused      ServiceState = "Paused"      // a manual rollback paused sync until a commit touches the service
	StateUnknown     ServiceState = "Unknown"     // the last pass could not reach Git or Nomad: the state is not known (Reason has the last known one)
)

func (s ServiceState) String() string { return string(s) }

// allStatuses is every Status, in the order summaries count them.
var allStatuses = []Status{StatusApplied, StatusRecorded, StatusDeleted, StatusUnchanged, StatusSkipped, StatusDegraded,
	StatusConflict, StatusFailed, StatusRolledBack, StatusUnplaceable, StatusTimeout, StatusError}

// AllStatuses is every Status, in the order summaries count them (a copy).
func AllStatuses() []Status { return slices.Clone(allStatuses) }

func (s Status) String() string { return string(s) }

// Record is the outcome the service record (and the daemon) keeps for a service whose
// apply ended with s; "" for a skip, which writes no record. This is the one mapping
// between the two vocabularies.
func (s Status) Record() nomadbackend.RecordOutcome {
	switch s {
	case StatusApplied, StatusRecorded, StatusUnchanged:
		return nomadbackend.OutcomeSucceeded
	case StatusDeleted:
		return nomadbackend.OutcomeDeleted
	case StatusRolledBack, StatusDegraded:
		return nomadbackend.OutcomeRolledBack
	case StatusSkipped:
		return ""
	}
	return nomadbackend.OutcomeFailed
}

// State is the daemon's state (/v1/status) of a service whose apply ended with s.
func (s Status) State() ServiceState {
	switch s.Record() {
	case nomadbackend.OutcomeRolledBack:
		return StateDegraded
	case nomadbackend.OutcomeFailed:
		return StateFailed
	case "":
		return StateOutOfSync
	}
	return StateSynced
}

// statusOfRollout is how an apply ends after Nomad's rollout ended with r.
func statusOfRollout(r nomadbackend.RolloutStatus) Status {
	switch r {
	case nomadbackend.RolloutSucceeded:
		return StatusApplied
	case nomadbackend.RolloutRolledBack:
		return StatusRolledBack
	case nomadbackend.RolloutUnplaceable:
		return StatusUnplaceable
	}
	return StatusFailed
}

// Failed reports statuses that make apply exit non-zero and skip dependents.
func (s Status) Failed() bool {
	switch s {
	case StatusConflict, StatusFailed, StatusRolledBack, StatusUnplaceable, StatusTimeout, StatusError:
		return true
	}
	return false
}

// ServiceResult is the end of one service's apply.
type ServiceResult struct {
	Service string      `json:"service"`
	JobID   string      `json:"job_id"`
	Action  plan.Action `json:"action"`
	Status  Status      `json:"status"`
	// Reason says what happened in words, including the cause of a failure (task events:
	// exit code, image pull error, failing check output).
	Reason string `json:"reason,omitempty"`
	// TaskDefinition is "family:revision" as applied (or as left after a rollback).
	TaskDefinition string `json:"task_definition,omitempty"`
	JobVersion     uint64 `json:"job_version,omitempty"`
	// Registered: this apply submitted the job to Nomad (false for no-ops, record-only
	// updates and resumed rollouts).
	Registered bool `json:"registered,omitempty"`
	// Resumed: the rollout was started by an earlier, interrupted apply and followed here.
	Resumed bool `json:"resumed,omitempty"`
	// JobModifyIndex is the index of this apply's register (0 when it registered
	// nothing): the daemon tells the job events of its own writes from drift by it.
	JobModifyIndex uint64 `json:"-"`

	// blockedBy names the failed service at the root of a skip for a failed dependency
	// (its dependents are skipped too); "" otherwise.
	blockedBy string
	// cause is the error behind StatusError or StatusTimeout (nil otherwise): the
	// daemon classifies it by type (Classify), not by Reason's text.
	cause error
}

// ServiceError is a service's failed apply as an error, with the cause behind it.
type ServiceError struct {
	Service string
	Status  Status
	Reason  string
	Cause   error
}

// Err is the service's failure as an error (nil unless its Status is Failed), with the
// cause behind StatusError or StatusTimeout reachable for errors.As.
func (r ServiceResult) Err() error {
	if !r.Status.Failed() {
		return nil
	}
	return &ServiceError{Service: r.Service, Status: r.Status, Reason: r.Reason, Cause: r.cause}
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Service, e.Status, e.Reason)
}
func (e *ServiceError) Unwrap() error { return e.Cause }

func (r ServiceResult) String() string {
	s := fmt.Sprintf("%s: %s", r.Service, r.Status)
	if r.TaskDefinition != "" && !r.Status.Failed() && r.Status != StatusSkipped {
		s += " (" + r.TaskDefinition + ")"
	}
	if r.Resumed {
		s += " [followed the rollout of an interrupted apply]"
	}
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}

// Result is the outcome of one apply, in plan order.
type Result struct {
	Namespace string          `json:"namespace"`
	Services  []ServiceResult `json:"services"`
	// LoadBalancing are the load-balancing resources whose records the apply wrote or
	// deleted (apply_elb.go).
	LoadBalancing []ResourceResult `json:"load_balancing,omitempty"`
	// Warnings are problems that failed no service (the record digest not updated).
	Warnings []string `json:"warnings,omitempty"`
}

// OK reports whether every service and load-balancing record ended well (exit code 0).
func (r *Result) OK() bool {
	for _, s := range r.Services {
		if s.Status.Failed() {
			return false
		}
	}
	for _, l := range r.LoadBalancing {
		if l.Status.Failed() {
			return false
		}
	}
	return true
}

// Registered counts the jobs this apply submitted to Nomad.
func (r *Result) Registered() int {
	n := 0
	for _, s := range r.Services {
		if s.Registered {
			n++
		}
	}
	return n
}
