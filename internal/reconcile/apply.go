package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/parallel"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/source"
)

// ApplyOptions tune one apply.
type ApplyOptions struct {
	// Parallelism bounds how many services of one dependency level are applied (and
	// watched) at once. Default 8.
	Parallelism int
	// PlacementTimeout fails a rollout whose tasks cannot be placed this long (Nomad
	// would wait forever). Default 60s.
	PlacementTimeout time.Duration
	// Poll is the blocking-query wait of the rollout watch (default 2s).
	Poll time.Duration
	// Force applies a plan whose scheduler dry-run reported placement failures.
	Force bool
	// Who is recorded in history ("user@host", "ecsgit sync"); default nomadbackend.Actor().
	Who string
	// Commit is the Git commit applied, when known.
	Commit *nomadbackend.Commit
	// Events receives progress as it happens (may be nil). It is called from several
	// goroutines, never concurrently for one service.
	Events func(Event)
}

func (o ApplyOptions) withDefaults() ApplyOptions {
	if o.Parallelism <= 0 {
		o.Parallelism = 8
	}
	if o.PlacementTimeout <= 0 {
		o.PlacementTimeout = 60 * time.Second
	}
	if o.Who == "" {
		o.Who = nomadbackend.Actor()
	}
	return o
}

// EventKind says what an Event reports.
type EventKind string

const (
	EventStart    EventKind = "start"    // the service's apply begins
	EventProgress EventKind = "progress" // a rollout observation
	EventDone     EventKind = "done"     // the service's apply ended (Result set)
)

// Event is one step of one service's apply.
type Event struct {
	Service  string
	Kind     EventKind
	Message  string
	Progress nomadbackend.Progress
	Result   *ServiceResult
}

// ErrPlacementFailures: the plan showed tasks that cannot be placed and Force is off.
var ErrPlacementFailures = errors.New("the plan has placement failures")

// Apply carries out a reviewed plan: services in dependency order (Levels), each level
// concurrently, each write with EnforceIndex at the plan's JobModifyIndex. units holds
// the work behind each service of p (UnitsFromPlanned, UnitsFromPlanFile).
//
// A service that cannot be applied (conflict, failed rollout) does not stop the others;
// its dependents are skipped. The error is for problems that stop the whole apply before
// anything is written (a cycle, placement failures without Force); per-service failures
// are in the Result.
func Apply(ctx context.Context, b Cluster, p *plan.Plan, units map[string]*Unit, opts ApplyOptions) (*Result, error) {
	opts = opts.withDefaults()
	if !p.Applyable() && !opts.Force {
		return nil, fmt.Errorf("%w (%d services); nothing was applied — fix the capacity or constraints, or apply with --force", ErrPlacementFailures, p.Summary.PlacementFailures)
	}
	levels, err := applyLevels(p.Services)
	if err != nil {
		return nil, err
	}
	a := &applier{b: b, ns: p.Namespace, opts: opts, results: map[string]*ServiceResult{}}
	byName := make(map[string]plan.ServicePlan, len(p.Services))
	for _, sp := range p.Services {
		byName[sp.Service] = sp
	}
	for _, level := range levels {
		_ = parallel.ForEach(ctx, len(level), opts.Parallelism, func(ctx context.Context, i int) error {
			sp := byName[level[i]]
			a.emit(Event{Service: sp.Service, Kind: EventStart})
			var r ServiceResult
			if dep, blocked := a.failedDependency(sp); dep != "" {
				r = ServiceResult{Status: StatusSkipped, Reason: fmt.Sprintf("not applied: it runs after %s, which did not succeed", dep)}
				if blocked != "" {
					r.Reason = fmt.Sprintf("not applied: it runs after %s, which was not applied because %s did not succeed", dep, blocked)
				}
				r.blockedBy = cmp.Or(blocked, dep)
			} else if held := a.failedCreate(sp); held != "" {
				r = ServiceResult{Status: StatusSkipped, Reason: fmt.Sprintf("kept running: %s, created in this apply, did not become healthy (it may be this service's replacement); the prune waits for a later apply", held)}
			} else {
				r = a.service(ctx, sp, units[sp.Service])
			}
			r.Service, r.JobID, r.Action = sp.Service, sp.JobID, sp.Action
			a.done(&r)
			return nil
		})
	}
	res := &Result{Namespace: p.Namespace}
	if w := a.updateDigest(ctx, units); w != "" {
		res.Warnings = append(res.Warnings, w)
	}
	for _, sp := range p.Services {
		if r := a.results[sp.Service]; r != nil {
			res.Services = append(res.Services, *r)
		}
	}
	res.LoadBalancing = a.applyLoadBalancing(ctx, p)
	return res, nil
}

// ApplyPlanned applies a plan computed in this process.
func ApplyPlanned(ctx context.Context, b Cluster, pl *Planned, opts ApplyOptions) (*Result, error) {
	units, err := UnitsFromPlanned(pl)
	if err != nil {
		return nil, err
	}
	return Apply(ctx, b, pl.Plan, units, opts)
}

// applier is the state one Apply shares between its goroutines.
type applier struct {
	b    Cluster
	ns   string
	opts ApplyOptions

	mu      sync.Mutex
	results map[string]*ServiceResult
	// prev holds, per job, what the record described before this apply's pending write,
	// so that a rollback can point the record back at it.
	prev map[string]applied
	// written is the digest view of the last record this apply wrote, per job
	// (apply_digest.go).
	written map[string]nomadbackend.DigestView
}

func (a *applier) emit(e Event) {
	if a.opts.Events != nil {
		a.opts.Events(e)
	}
}

func (a *applier) done(r *ServiceResult) {
	a.mu.Lock()
	a.results[r.Service] = r
	a.mu.Unlock()
	a.emit(Event{Service: r.Service, Kind: EventDone, Message: r.String(), Result: r})
}

// applyLevels is Levels for everything the plan creates or updates, then one last level
// with the prunes: a job is stopped only after every other change of the apply has
// finished its rollout, so a service renamed in a commit (create the new job, delete the
// old one) keeps its old tasks serving until the new ones are healthy, as ECS keeps a
// replaced service's tasks until the new deployment is steady.
func applyLevels(services []plan.ServicePlan) ([][]string, error) {
	var keep []plan.ServicePlan
	var prunes []string
	for _, sp := range services {
		if sp.Action == plan.ActionDelete {
			prunes = append(prunes, sp.Service)
			continue
		}
		keep = append(keep, sp)
	}
	levels, err := Levels(keep)
	if err != nil || len(prunes) == 0 {
		return levels, err
	}
	slices.Sort(prunes)
	return append(levels, prunes), nil
}

// failedCreate names, for a prune, a service this apply created that did not end well:
// it may be the replacement of the job being pruned, so that job stays. "" otherwise.
func (a *applier) failedCreate(sp plan.ServicePlan) string {
	if sp.Action != plan.ActionDelete {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var names []string
	for name, r := range a.results {
		if r.Action == plan.ActionCreate && r.Status.Failed() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// failedDependency names a service this one runs after that did not end well, or that
// was itself skipped because of such a failure (then blocked names the failure at the
// root): db fails → api is skipped → web, which runs after api, is skipped too.
func (a *applier) failedDependency(sp plan.ServicePlan) (dep, blocked string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, d := range sp.After {
		r, ok := a.results[d]
		switch {
		case !ok:
		case r.Status.Failed():
			return d, ""
		case r.blockedBy != "":
			return d, r.blockedBy
		}
	}
	return "", ""
}

// CommitOf is what ecsgit records about the commit it deploys (nil when unknown).
func CommitOf(rev source.Revision) *nomadbackend.Commit {
	if rev.SHA == "" {
		return nil
	}
	return &nomadbackend.Commit{SHA: rev.SHA, Author: rev.Author, Message: rev.Message}
}
