package nomadbackend

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/wait"
)

// RolloutStatus is the end state of one service's rollout as ecsgit reports it.
type RolloutStatus string

const (
	RolloutSucceeded RolloutStatus = "successful"
	// RolloutFailed: the deployment failed and nothing reverted it.
	RolloutFailed RolloutStatus = "failed"
	// RolloutRolledBack: the deployment failed and Nomad's auto-revert brought back the last
	// stable version (ECS circuit breaker with rollback).
	RolloutRolledBack RolloutStatus = "rolled-back"
	// RolloutUnplaceable: the scheduler could not place the tasks within the placement
	// deadline (a deployment Nomad itself would leave "running" forever).
	RolloutUnplaceable RolloutStatus = "unplaceable"
)

// Progress is one observation of a rollout, reported whenever it changes.
type Progress struct {
	JobID        string
	DeploymentID string
	Status       string // Nomad deployment status
	Description  string
	Desired      int
	Placed       int
	Healthy      int
	Unhealthy    int
	Canaries     int
	// FailedTasks counts tasks that failed during this deployment (the ECS circuit
	// breaker's counter).
	FailedTasks int
}

func (p Progress) String() string {
	return fmt.Sprintf("%s: %d/%d healthy, %d placed, %d failed (%s)", p.JobID, p.Healthy, p.Desired, p.Placed, p.FailedTasks, p.Status)
}

// Outcome is the result of watching a rollout to its end.
type Outcome struct {
	Status       RolloutStatus
	DeploymentID string
	// Reason explains a failure in a user's terms: the deployment's description plus the
	// task events that caused it (exit codes, driver errors, failing check output).
	Reason string
	// RevertedToVersion is the Nomad job version auto-revert went back to.
	RevertedToVersion *uint64
	// JobVersion is the Nomad job version live at the end.
	JobVersion uint64
	Last       Progress
}

// WatchOptions bound a rollout watch.
type WatchOptions struct {
	// PlacementDeadline fails a rollout whose allocations stay unplaced this long after the
	// evaluation reported placement failures.
	PlacementDeadline time.Duration
	// FailureThreshold is the ECS circuit breaker's threshold: after this many failed
	// tasks in one deployment ecsgit fails the deployment itself (Nomad then auto-reverts
	// when the job asks for it). Zero disables ecsgit's counting.
	FailureThreshold int
	// Poll is the blocking-query wait; short waits make progress lines timely.
	Poll time.Duration
}

func (o WatchOptions) withDefaults() WatchOptions {
	if o.PlacementDeadline == 0 {
		o.PlacementDeadline = 60 * time.Second
	}
	if o.Poll == 0 {
		o.Poll = 2 * time.Second
	}
	return o
}

// Deployment statuses (nomad/structs; the api module has constants for some only).
const (
	deploymentSuccessful = "successful"
	deploymentFailed     = "failed"
	deploymentCancelled  = "cancelled"
)

var revertRE = regexp.MustCompile(`rolling back to job version (\d+)`)

// WatchRollout follows the evaluation that a register created, then the deployment it
// started (and, after a failure with auto-revert, the revert deployment), until the rollout
// ends, ctx is done, or a deadline of ecsgit's own applies. progress is called whenever the
// observed state changes (it may be nil).
//
// It does not decide policy: it reports what happened. The one action it takes is the
// circuit breaker's: failing a deployment that reached opts.FailureThreshold failed tasks,
// or one that cannot be placed, because Nomad alone would let both run on.
func WatchRollout(ctx context.Context, c *api.Client, ns, jobID, evalID string, opts WatchOptions, progress func(Progress)) (Outcome, error) {
	opts = opts.withDefaults()
	ev, err := waitEval(ctx, c, ns, evalID, opts.Poll)
	if err != nil {
		return Outcome{}, err
	}
	placementFailures := DescribePlacementFailures(ev.FailedTGAllocs)
	if ev.DeploymentID == "" {
		return finishWithoutDeployment(ctx, c, ns, jobID, placementFailures, opts)
	}
	return followDeployment(ctx, c, ns, jobID, ev.DeploymentID, placementFailures, opts, progress)
}

// WatchDeployment follows an existing deployment (and its auto-revert) to its end, like
// WatchRollout after the evaluation. It is how an apply that was interrupted picks up a
// rollout that is still running, or learns how it ended.
func WatchDeployment(ctx context.Context, c *api.Client, ns, jobID, deploymentID string, opts WatchOptions, progress func(Progress)) (Outcome, error) {
	return followDeployment(ctx, c, ns, jobID, deploymentID, nil, opts.withDefaults(), progress)
}

func followDeployment(ctx context.Context, c *api.Client, ns, jobID, depID string, placementFailures []string, opts WatchOptions, progress func(Progress)) (Outcome, error) {
	out, err := watchDeployment(ctx, c, ns, jobID, depID, placementFailures, opts, progress)
	if err != nil || out.Status != RolloutFailed {
		return out, err
	}
	// A failed deployment whose description names a revert is followed to the end of
	// the revert deployment: the service is only "rolled back" once the old version runs.
	m := revertRE.FindStringSubmatch(out.Reason)
	if m == nil {
		return out, nil
	}
	v, _ := strconv.ParseUint(m[1], 10, 64)
	out.RevertedToVersion = &v
	revert, err := waitRevertDeployment(ctx, c, ns, jobID, out.DeploymentID, opts.Poll)
	if err != nil {
		return out, err
	}
	out.Status = RolloutRolledBack
	if revert != "" {
		rOut, err := watchDeployment(ctx, c, ns, jobID, revert, nil, WatchOptions{PlacementDeadline: opts.PlacementDeadline, Poll: opts.Poll}, progress)
		if err != nil {
			return out, err
		}
		if rOut.Status != RolloutSucceeded {
			out.Status = RolloutFailed
			out.Reason += "; the rollback did not become healthy either: " + rOut.Reason
		}
		out.JobVersion = rOut.JobVersion
		out.Last = rOut.Last
	}
	return out, nil
}

func waitEval(ctx context.Context, c *api.Client, ns, evalID string, poll time.Duration) (*api.Evaluation, error) {
	q := &api.QueryOptions{Namespace: ns, WaitTime: poll}
	for {
		ev, meta, err := c.Evaluations().Info(evalID, q.WithContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("read evaluation %s: %w", evalID, err)
		}
		switch ev.Status {
		case "complete", "failed", "canceled", "blocked":
			return ev, nil
		}
		q.WaitIndex = meta.LastIndex
	}
}

// finishWithoutDeployment handles registers that start no deployment (desiredCount 0, a
// job without an update block, a change that needs no new allocations): the outcome is
// the placement result alone.
func finishWithoutDeployment(ctx context.Context, c *api.Client, ns, jobID string, placementFailures []string, opts WatchOptions) (Outcome, error) {
	if len(placementFailures) == 0 {
		job, _, err := c.Jobs().Info(jobID, (&api.QueryOptions{Namespace: ns}).WithContext(ctx))
		if err != nil {
			return Outcome{}, fmt.Errorf("read job %s: %w", jobID, err)
		}
		return Outcome{Status: RolloutSucceeded, JobVersion: derefU64(job.Version)}, nil
	}
	// Blocked evaluations may still place once capacity appears; give them the placement
	// deadline before calling the rollout unplaceable.
	deadline := time.Now().Add(opts.PlacementDeadline)
	for time.Now().Before(deadline) {
		sum, _, err := c.Jobs().Summary(jobID, (&api.QueryOptions{Namespace: ns}).WithContext(ctx))
		if err != nil {
			return Outcome{}, fmt.Errorf("read job summary %s: %w", jobID, err)
		}
		queued := 0
		for _, tg := range sum.Summary {
			queued += tg.Queued
		}
		if queued == 0 {
			return Outcome{Status: RolloutSucceeded}, nil
		}
		if err := wait.Sleep(ctx, opts.Poll); err != nil {
			return Outcome{}, err
		}
	}
	return Outcome{Status: RolloutUnplaceable, Reason: "could not place tasks: " + strings.Join(placementFailures, "; ")}, nil
}

func watchDeployment(ctx context.Context, c *api.Client, ns, jobID, depID string, placementFailures []string, opts WatchOptions, progress func(Progress)) (Outcome, error) {
	q := &api.QueryOptions{Namespace: ns, WaitTime: opts.Poll}
	var last Progress
	var unplacedSince time.Time
	failedByUs := ""
	for {
		d, meta, err := c.Deployments().Info(depID, q.WithContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return Outcome{DeploymentID: depID, Last: last}, ctx.Err()
			}
			return Outcome{}, fmt.Errorf("read deployment %s of %s: %w", depID, jobID, err)
		}
		q.WaitIndex = meta.LastIndex
		allocs, _, err := c.Deployments().Allocations(depID, (&api.QueryOptions{Namespace: ns}).WithContext(ctx))
		if err != nil {
			return Outcome{}, fmt.Errorf("read allocations of deployment %s: %w", depID, err)
		}
		p := progressOf(jobID, d, allocs)
		if p != last && progress != nil {
			progress(p)
		}
		last = p

		switch d.Status {
		case deploymentSuccessful:
			return Outcome{Status: RolloutSucceeded, DeploymentID: depID, JobVersion: d.JobVersion, Last: p}, nil
		case deploymentFailed, deploymentCancelled:
			reason := d.StatusDescription
			if failedByUs != "" {
				reason = failedByUs + " (" + reason + ")"
			}
			if causes := failureCauses(ctx, c, ns, allocs); causes != "" {
				reason += ": " + causes
			}
			return Outcome{Status: RolloutFailed, DeploymentID: depID, JobVersion: d.JobVersion, Reason: reason, Last: p}, nil
		}

		// ECS circuit breaker: Nomad has no failed-task threshold, so ecsgit counts and
		// fails the deployment itself; auto_revert (rollback: true) then takes over.
		if opts.FailureThreshold > 0 && p.FailedTasks >= opts.FailureThreshold && failedByUs == "" {
			failedByUs = fmt.Sprintf("circuit breaker: %d failed tasks reached the threshold of %d", p.FailedTasks, opts.FailureThreshold)
			if _, _, err := c.Deployments().Fail(depID, (&api.WriteOptions{Namespace: ns}).WithContext(ctx)); err != nil {
				return Outcome{}, fmt.Errorf("fail deployment %s after circuit breaker: %w", depID, err)
			}
			continue
		}
		// A deployment whose tasks cannot be placed never fails by itself: its progress
		// deadline only starts with the first placement.
		if len(placementFailures) > 0 && p.Placed < p.Desired {
			if unplacedSince.IsZero() {
				unplacedSince = time.Now()
			}
			if time.Since(unplacedSince) > opts.PlacementDeadline && failedByUs == "" {
				failedByUs = "could not place tasks: " + strings.Join(placementFailures, "; ")
				if _, _, err := c.Deployments().Fail(depID, (&api.WriteOptions{Namespace: ns}).WithContext(ctx)); err != nil {
					return Outcome{}, fmt.Errorf("fail unplaceable deployment %s: %w", depID, err)
				}
				return Outcome{Status: RolloutUnplaceable, DeploymentID: depID, JobVersion: d.JobVersion, Reason: failedByUs, Last: p}, nil
			}
		}
	}
}

func progressOf(jobID string, d *api.Deployment, allocs []*api.AllocationListStub) Progress {
	p := Progress{JobID: jobID, DeploymentID: d.ID, Status: d.Status, Description: d.StatusDescription}
	for _, tg := range d.TaskGroups {
		p.Desired += tg.DesiredTotal
		p.Placed += tg.PlacedAllocs
		p.Healthy += tg.HealthyAllocs
		p.Unhealthy += tg.UnhealthyAllocs
		p.Canaries += len(tg.PlacedCanaries)
	}
	for _, a := range allocs {
		if allocFailed(a) {
			p.FailedTasks++
		}
	}
	return p
}

// allocFailed counts an allocation as an ECS "failed task": it failed on the client, or
// the deployment marked it unhealthy (its checks never passed in time).
func allocFailed(a *api.AllocationListStub) bool {
	if a.ClientStatus == "failed" {
		return true
	}
	return a.DeploymentStatus != nil && a.DeploymentStatus.Healthy != nil && !*a.DeploymentStatus.Healthy
}

// waitRevertDeployment finds the deployment Nomad created for the auto-revert: the job's
// latest deployment once it differs from the failed one.
func waitRevertDeployment(ctx context.Context, c *api.Client, ns, jobID, failedID string, poll time.Duration) (string, error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		d, _, err := c.Jobs().LatestDeployment(jobID, (&api.QueryOptions{Namespace: ns}).WithContext(ctx))
		if err != nil {
			return "", fmt.Errorf("find revert deployment of %s: %w", jobID, err)
		}
		if d != nil && d.ID != failedID {
			return d.ID, nil
		}
		if err := wait.Sleep(ctx, poll/4+100*time.Millisecond); err != nil {
			return "", err
		}
	}
	// A revert to a version with count 0 (or identical allocations) creates no
	// deployment; the revert itself has happened.
	return "", nil
}

// failureCauses summarises why allocations failed, from their task events: the messages a
// user needs to fix the release (exit code, image pull error, failing check output).
func failureCauses(ctx context.Context, c *api.Client, ns string, allocs []*api.AllocationListStub) string {
	seen := map[string]bool{}
	var causes []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			causes = append(causes, s)
		}
	}
	for _, a := range allocs {
		if !allocFailed(a) {
			continue
		}
		for task, st := range a.TaskStates {
			for _, e := range st.Events {
				switch e.Type {
				case "Driver Failure", "Setup Failure", "Failed Validation", "Failed Artifact Download":
					add(fmt.Sprintf("task %s: %s", task, firstNonEmpty(e.DriverError, e.SetupError, e.ValidationError, e.DownloadError, e.DisplayMessage)))
				case "Restart Signaled":
					// A failing check restarts the task (check_restart): the reason names the check.
					add(fmt.Sprintf("task %s: %s", task, firstNonEmpty(e.RestartReason, e.DisplayMessage)))
				case "Terminated":
					add(fmt.Sprintf("task %s exited with code %d", task, e.ExitCode))
				}
			}
		}
		if checks, err := c.Allocations().Checks(a.ID, (&api.QueryOptions{Namespace: ns}).WithContext(ctx)); err == nil {
			for _, ch := range checks {
				if ch.Status != "success" {
					add(fmt.Sprintf("check %q %s: %s", ch.Check, ch.Status, strings.TrimSpace(ch.Output)))
				}
			}
		}
	}
	sort.Strings(causes)
	const max = 5
	if len(causes) > max {
		causes = append(causes[:max], fmt.Sprintf("and %d more", len(causes)-max))
	}
	return strings.Join(causes, "; ")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return "unknown failure"
}

func derefU64(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}
