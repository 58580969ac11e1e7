// Package plan holds the Plan: what ecsgit would change, per service, in ECS terms. It is
// plain data (no Nomad calls): reconcile computes it, renderers turn it into human,
// JSON and Markdown views, and plan files save it so `ecsgit apply PLANFILE` does exactly
// what was reviewed.
package plan

import (
	"fmt"
	"time"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// FormatVersion is the version of the JSON plan schema (docs/plan-json.md). Bump it on any
// incompatible change; consumers check it.
const FormatVersion = 1

// Action is what apply would do to one service. Its values are the markers the human
// view prints, as Terraform does.
type Action string

const (
	ActionNoop   Action = " " // desired == live
	ActionCreate Action = "+"
	ActionUpdate Action = "~"
	ActionDelete Action = "-" // prune of an owned job whose service left the repository
	// ActionSkip: ecsgit will not touch the service, and Reason says why (an unowned job
	// with the same name, a spec that failed and was rolled back, sync paused by a manual
	// rollback).
	ActionSkip Action = "!"
)

// UpdateKind says how an update reaches the running tasks.
type UpdateKind string

const (
	UpdateNone     UpdateKind = ""         // create, delete, noop
	UpdateScale    UpdateKind = "scale"    // only desiredCount changes: no task replaced
	UpdateInPlace  UpdateKind = "in-place" // Nomad updates allocations in place (no restart)
	UpdateReplace  UpdateKind = "replace"  // rolling replacement of tasks
	UpdateMetadata UpdateKind = "ecsgit"   // only ecsgit's records change (e.g. the commit): no Nomad write
)

// Plan is the result of one planning pass over a desired state and a cluster.
type Plan struct {
	FormatVersion int       `json:"format_version"`
	CreatedAt     time.Time `json:"created_at"`
	// Source identifies what was planned: a directory or a Git URL (credentials redacted),
	// with the commit when known.
	Source    string `json:"source"`
	Commit    string `json:"commit,omitempty"`
	Namespace string `json:"namespace"`
	// NomadAddress is the cluster planned against (shown so a reviewer sees which cluster).
	NomadAddress string `json:"nomad_address"`

	Services []ServicePlan `json:"services"`
	// LoadBalancing are the repository's load balancers, listeners, rules and target
	// groups against what ecsgit recorded of them (plan_elb.go), sorted by kind and name.
	LoadBalancing []ResourcePlan `json:"load_balancing,omitempty"`
	// Diagnostics are the validation warnings (errors stop planning before a Plan exists).
	Diagnostics spec.Diagnostics `json:"diagnostics,omitempty"`
	Summary     Summary          `json:"summary"`
}

// Summary counts services by action: "N to create, N to update, N to delete, N unchanged".
type Summary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Drifted   int `json:"drifted"`
	// PlacementFailures counts services whose scheduler dry-run could not place every task.
	PlacementFailures int `json:"placement_failures"`
	// LoadBalancing counts the load-balancing resources (nil when the plan has none).
	LoadBalancing *ResourceSummary `json:"load_balancing,omitempty"`
}

// ServicePlan is the plan for one ECS service (= one Nomad job).
type ServicePlan struct {
	Service string     `json:"service"` // ECS serviceName
	JobID   string     `json:"job_id"`  // Nomad job ID (prefix + serviceName)
	Action  Action     `json:"action"`
	Update  UpdateKind `json:"update_kind,omitempty"`
	// Reason explains a skip, a delete or a degraded state, in words a reviewer can act on.
	Reason string `json:"reason,omitempty"`

	// TaskDefinition is "family:revision" before and after; equal when unchanged.
	OldTaskDefinition string `json:"old_task_definition,omitempty"`
	NewTaskDefinition string `json:"new_task_definition,omitempty"`

	// Changes are field-level diffs in ECS terms, sorted by path.
	Changes []FieldChange `json:"changes,omitempty"`

	// Drift: the live Nomad job differs from what ecsgit last applied (someone ran
	// `nomad job run` or `nomad job scale` by hand). DriftChanges are in ECS terms where the
	// field maps back, otherwise in Nomad terms with the Nomad field name.
	Drifted      bool          `json:"drifted,omitempty"`
	DriftChanges []FieldChange `json:"drift_changes,omitempty"`
	// SecretNames are the environment variables the service's tasks get from secrets
	// (ECS secrets[].name and ecsgit's own for secretOptions and registry auth): a change
	// of one of them is always masked, whatever its name looks like, since an
	// out-of-band edit of the job may have put the secret's value there in clear.
	SecretNames []string `json:"secret_names,omitempty"`
	// Images are the tags resolved to digests for this plan (ECS versionConsistency):
	// the job runs image@digest, so what was reviewed is what every task runs.
	Images []ImagePin `json:"images,omitempty"`

	// Degraded: the last apply of this service failed and was rolled back; the failed spec
	// is not retried until Git changes.
	Degraded bool `json:"degraded,omitempty"`

	// Placement is Nomad's scheduler dry-run verdict for this job.
	Placement *Placement `json:"placement,omitempty"`
	// Rollout previews how the update proceeds and which ECS bounds hold.
	Rollout *Rollout `json:"rollout,omitempty"`
	// Fidelity lists every source field not translated exactly (compose → ECS → Nomad).
	Fidelity []spec.FidelityNote `json:"fidelity,omitempty"`

	// JobModifyIndex is the live job's index the plan saw (0 = job did not exist). Apply
	// registers with EnforceIndex at this index and refuses if the job changed since.
	JobModifyIndex uint64 `json:"job_modify_index"`
	// SpecHash identifies the desired spec (task definition + service + translation
	// settings); records and failure memory key on it.
	SpecHash string `json:"spec_hash,omitempty"`
	// NomadDiffType is Nomad's own verdict ("None", "Added", "Edited", "Deleted"); a "None"
	// here means apply performs no Nomad write for this service.
	NomadDiffType string `json:"nomad_diff_type,omitempty"`
	// After lists services that apply first (apply order).
	After []string `json:"after,omitempty"`
	// Routes are the listener rules and default actions that send traffic to this
	// service's target groups, in the proxy's evaluation order. A change to them (or to
	// a target group) shows in Changes under "loadBalancers".
	Routes []Route `json:"routes,omitempty"`
	// ServiceConnect: the Service Connect endpoints the service provides and the client
	// aliases its tasks' proxy serves (docs/traffic.md).
	ServiceConnect *ServiceConnect `json:"service_connect,omitempty"`
	// Scaling: the service has a scalable target, so its count is the autoscaler's, not
	// desiredCount (docs/autoscaling.md).
	Scaling *Scaling `json:"scaling,omitempty"`
	// PreDeploy are the tasks apply runs, in order and each to completion, before it
	// registers this service (ecsgit.yaml services.<name>.preDeploy); only on a create
	// or update. A task that does not exit 0 stops this service's deployment.
	PreDeploy []PreDeployTask `json:"pre_deploy,omitempty"`
	// Schedule is set when the "service" stands for a schedule (a periodic job).
	Schedule *ScheduleSummary `json:"schedule,omitempty"`
}

// Route is one way a load balancer reaches a service: a listener ("LB:PORT"), a rule
// (its priority and conditions; empty for the default action) and the target group.
type Route struct {
	Listener    string `json:"listener"`
	Priority    int    `json:"priority,omitempty"`   // 0: the listener's default action
	Conditions  string `json:"conditions,omitempty"` // "path-pattern /api/* AND host-header api.example.com"
	TargetGroup string `json:"target_group"`
}

// ServiceConnect is one service's part in a Service Connect namespace.
type ServiceConnect struct {
	Namespace string `json:"namespace"`
	// Provides: "orders:8080 → app:8080 (Nomad service sc-shop-orders)", one per client alias.
	Provides []string `json:"provides,omitempty"`
	// Uses: "orders:8080 at 127.255.0.1 → sc-shop-orders", every alias the task's proxy
	// listens on (all of the namespace's but those on the task's own ports).
	Uses []string `json:"uses,omitempty"`
}

// Scaling is the count range of a service with a scalable target and its count now.
type Scaling struct {
	Min int `json:"min"`
	Max int `json:"max"`
	// Current is the live count (nil: the job does not run yet); Count is what the job
	// is registered with: Current moved into [Min, Max], or the starting count.
	Current *int `json:"current,omitempty"`
	Count   int  `json:"count"`
	// Policies counts the translated policies; Enabled is false when none is (the range
	// then only bounds the count) or the target's dynamic scaling is suspended.
	Enabled bool `json:"enabled"`
	// ScheduledAction names the scheduled action that set [Min, Max] (empty: the
	// scalable target's own range), ScheduledAt when it fired.
	ScheduledAction string     `json:"scheduled_action,omitempty"`
	ScheduledAt     *time.Time `json:"scheduled_at,omitempty"`
}

// Line is how the text views say who owns the count.
func (s *Scaling) Line() string {
	rng := fmt.Sprintf("(min %d, max %d", s.Min, s.Max)
	if s.ScheduledAction != "" {
		rng += fmt.Sprintf(", set by scheduled action %s", s.ScheduledAction)
		if s.ScheduledAt != nil {
			rng += " at " + s.ScheduledAt.UTC().Format(time.RFC3339)
		}
	}
	if !s.Enabled {
		rng += "; no policy active"
	}
	rng += ")"
	switch {
	case s.Current == nil:
		return fmt.Sprintf("count managed by autoscaling: starts at %d %s", s.Count, rng)
	case *s.Current != s.Count:
		return fmt.Sprintf("count managed by autoscaling: %d now, moved to %d %s", *s.Current, s.Count, rng)
	}
	return fmt.Sprintf("count managed by autoscaling: %d now %s", *s.Current, rng)
}

// ScheduleSummary is how a schedule runs on Nomad.
type ScheduleSummary struct {
	Name       string `json:"name"`
	Expression string `json:"expression"` // EventBridge's ScheduleExpression
	TimeZone   string `json:"time_zone"`
	NomadCron  string `json:"nomad_cron"`
	Enabled    bool   `json:"enabled"`
	TaskCount  int    `json:"task_count"`
}

// PreDeployTask is one pre-deploy task as the plan shows it.
type PreDeployTask struct {
	// TaskDefinition is family:revision (the revision the content gets when it runs).
	TaskDefinition string `json:"task_definition"`
	// Overridden names what the overrides change ("command of app, environment of app").
	Overridden     string `json:"overridden,omitempty"`
	TimeoutSeconds int    `json:"timeout_seconds"`
}

// FieldChange is one changed field, by its ECS path, e.g.
// "containerDefinitions[web].image" or "desiredCount".
type FieldChange struct {
	Path string `json:"path"`
	Old  string `json:"old,omitempty"` // "" with Added; JSON-encoded for non-scalars
	New  string `json:"new,omitempty"` // "" with Removed
	// Kind is "added", "removed" or "changed".
	Kind ChangeKind `json:"kind"`
	// Masked: values are hidden because the field holds a secret (or looks like one).
	Masked bool `json:"masked,omitempty"`
	// ForcesReplacement: changing this field replaces running tasks (Nomad's
	// "forces create/destroy update").
	ForcesReplacement bool `json:"forces_replacement,omitempty"`
}

// Placement is the scheduler dry-run outcome.
type Placement struct {
	OK bool `json:"ok"`
	// Failures per task group, in words: "insufficient memory on 3 of 3 nodes",
	// "missing drivers on 3 of 3 nodes".
	Failures []string `json:"failures,omitempty"`
	// Counts from Nomad's annotations: how many allocations would be placed, stopped,
	// updated in place, replaced (destructive), or started as canaries.
	Place       int `json:"place"`
	Stop        int `json:"stop"`
	InPlace     int `json:"in_place"`
	Destructive int `json:"destructive"`
	Canary      int `json:"canary"`
	Ignore      int `json:"ignore"`
	// Warnings from Nomad (e.g. memory oversubscription disabled).
	Warnings []string `json:"warnings,omitempty"`
}

// Rollout previews a rolling update with ECS bounds.
type Rollout struct {
	DesiredCount          int `json:"desired_count"`
	MinimumHealthyPercent int `json:"minimum_healthy_percent"`
	MaximumPercent        int `json:"maximum_percent"`
	// MinHealthy = ceil(D × min% / 100); MaxRunning = floor(D × max% / 100): the bounds ECS
	// promises at every moment of the rollout.
	MinHealthy int `json:"min_healthy"`
	MaxRunning int `json:"max_running"`
	// TasksReplaced is how many running tasks the rollout replaces; BatchSize how many at a
	// time.
	TasksReplaced int `json:"tasks_replaced"`
	BatchSize     int `json:"batch_size"`
	// Mechanism names the Nomad mechanics used, e.g. "canary=4 auto_promote" or
	// "max_parallel=2".
	Mechanism string `json:"mechanism"`
	// Exact is true when the mechanism holds both bounds at every moment; otherwise
	// WorstCase states the bound that can be violated and by how much.
	Exact     bool   `json:"exact"`
	WorstCase string `json:"worst_case,omitempty"`
	// CircuitBreaker summarises the failure threshold and rollback, e.g.
	// "fails after 3 failed tasks; rolls back to the last successful revision".
	CircuitBreaker string `json:"circuit_breaker,omitempty"`
}

// HasChanges reports whether applying the plan would change anything: a service, or a
// load-balancing resource's record.
func (p *Plan) HasChanges() bool {
	s := p.Summary
	if s.LoadBalancing != nil && s.LoadBalancing.changes() > 0 {
		return true
	}
	return s.Create+s.Update+s.Delete > 0
}

// Applyable reports whether apply may proceed without --force: no placement failures.
func (p *Plan) Applyable() bool { return p.Summary.PlacementFailures == 0 }

// Summarize recomputes Summary from Services (call after building the service list).
func (p *Plan) Summarize() {
	var s Summary
	for _, sp := range p.Services {
		switch sp.Action {
		case ActionCreate:
			s.Create++
		case ActionUpdate:
			s.Update++
		case ActionDelete:
			s.Delete++
		case ActionSkip:
			s.Skipped++
		default:
			s.Unchanged++
		}
		if sp.Drifted {
			s.Drifted++
		}
		if sp.Placement != nil && !sp.Placement.OK {
			s.PlacementFailures++
		}
	}
	s.LoadBalancing = summarizeResources(p.LoadBalancing)
	p.Summary = s
}

// ImagePin is one container's image as the plan resolved it.
type ImagePin struct {
	Container string `json:"container"`
	Image     string `json:"image"`  // as written in the task definition (a tag)
	Digest    string `json:"digest"` // sha256:… the tag pointed to when planned
}

// IsDeployment reports whether applying sp starts a deployment in ECS's sense: a new
// service, or an update that replaces its tasks. A scale, an in-place update or a
// records-only change is not one (UpdateService with only desiredCount starts none), so
// pre-deploy tasks do not run for them.
func IsDeployment(sp ServicePlan) bool {
	return sp.Action == ActionCreate || sp.Action == ActionUpdate && sp.Update == UpdateReplace
}
