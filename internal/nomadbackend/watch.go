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
	Status       DeploymentStatus
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

// Observation is one look at a rollout that has not ended, handed to
// WatchOptions.Judge on every poll (also when nothing changed, so that deadlines run).
type Observation struct {
	Progress
	// Unplaced counts tasks the scheduler has not placed yet: desired minus placed for
	// a deployment; the queued allocations for a register that started none.
	Unplaced int
	// PlacementFailures are the evaluation's reasons for not placing tasks, in words
	// ("insufficient memory on 3 of 3 nodes"); empty when every task was placed or
	// nothing was reported.
	PlacementFailures []string
	// Revert: this is the deployment Nomad's auto-revert started (the rollback).
	Revert bool
	// NoDeployment: the register started no deployment; the watch waits for the
	// queued allocations to be placed.
	NoDeployment bool
}

// Verdict is the caller's decision on an Observation (the zero value: let it run).
type Verdict struct {
	// Fail ends the rollout: a running deployment is failed in Nomad (auto-revert then
	// takes over when the job asks for it), with Reason as its cause.
	Fail   bool
	Reason string
	// Unplaceable: the cause is tasks that cannot be placed; the watch ends at once with
	// RolloutUnplaceable instead of following the failed deployment.
	Unplaceable bool
}

// WatchOptions bound a rollout watch.
type WatchOptions struct {
	// Judge decides, on every observation of a rollout that has not ended, whether to
	// stop it. The backend has the mechanism (failing a deployment); the policy (the ECS
	// circuit breaker's threshold, the placement deadline) is the caller's. Nil lets
	// every rollout run until Nomad ends it.
	Judge func(Observation) Verdict
	// Poll is the blocking-query wait; short waits make progress lines timely.
	Poll time.Duration
}

func (o WatchOptions) withDefaults() WatchOptions {
	if o.Poll == 0 {
		o.Poll = 2 * time.Second
	}
	if o.Judge == nil {
		o.Judge = func(Observation) Verdict { return Verdict{} }
	}
	return o
}

var revertRE = regexp.MustCompile(`rolling back to job version (\d+)`)

// WatchRollout follows the evaluation that a register created, then the deployment it
// started (and, after a failure with auto-revert, the revert deployment), until the rollout
// ends, ctx is done, or opts.Judge stops it. progress is called whenever the observed
// state changes (it may be nil).
//
// It does not decide policy: it reports what happened, and fails a deployment only when
// opts.Judge says so.
func (c *Client) WatchRollout(ctx context.Context, ns, jobID, evalID string, opts WatchOptions, progress func(Progress)) (Outcome, error) {
	opts = opts.withDefaults()
	if evalID == "" {
		// A periodic job's register creates no evaluation (its launches will): there is
		// nothing to place or roll out now.
		return finishWithoutDeployment(ctx, c.api, ns, jobID, nil, opts)
	}
	ev, err := c.WaitEvaluation(ctx, ns, evalID, opts.Poll)
	if err != nil {
		return Outcome{}, err
	}
	return c.FollowEvaluation(ctx, ns, jobID, ev, opts, progress)
}

// Evaluation is what the evaluation of a register decided, once it was processed.
type Evaluation struct {
	ID string
	// DeploymentID is the deployment the evaluation started ("" when none).
	DeploymentID string
	// PlacementFailures are its reasons for tasks it could not place, in words.
	PlacementFailures []string
	// JobModifyIndex is the index of the job register that created the evaluation in
	// the same Raft entry (Nomad's FSM sets it there), 0 for an evaluation created
	// alone (the register of an unchanged spec: no new job version).
	JobModifyIndex uint64
}

// Ended reports that the rollout ended with the evaluation: no deployment to follow and
// every task placed. There is nothing left to watch, so the outcome (success) is known
// now; FollowEvaluation would return it without waiting.
func (e Evaluation) Ended() bool { return e.DeploymentID == "" && len(e.PlacementFailures) == 0 }

// WaitEvaluation waits (blocking queries of poll, default 2s) until the scheduler has
// processed the evaluation of a register: the first half of WatchRollout.
func (c *Client) WaitEvaluation(ctx context.Context, ns, evalID string, poll time.Duration) (Evaluation, error) {
	return c.WaitEvaluationAfter(ctx, ns, evalID, 0, poll)
}

// WaitEvaluationAfter is WaitEvaluation for an evaluation created at Raft index
// created (the register's index): its first read is already a blocking query at that
// index, which Nomad answers once the scheduler has updated the evaluation (Eval.GetEval
// blocks on the evaluation's own ModifyIndex). That saves the read that would only find
// it pending, one call per register (issue 19). An index that is too low (0, or
// another write's) only makes the first read return at once, as WaitEvaluation's does.
func (c *Client) WaitEvaluationAfter(ctx context.Context, ns, evalID string, created uint64, poll time.Duration) (Evaluation, error) {
	if poll == 0 {
		poll = WatchOptions{}.withDefaults().Poll
	}
	ev, err := waitEval(ctx, c.api, ns, evalID, created, poll)
	if err != nil {
		return Evaluation{}, err
	}
	return Evaluation{ID: ev.ID, DeploymentID: ev.DeploymentID, PlacementFailures: DescribePlacementFailures(ev.FailedTGAllocs),
		JobModifyIndex: ev.JobModifyIndex}, nil
}

// FollowEvaluation is the second half of WatchRollout: it follows what the evaluation
// started (a deployment, or queued placements) to the end of the rollout.
func (c *Client) FollowEvaluation(ctx context.Context, ns, jobID string, ev Evaluation, opts WatchOptions, progress func(Progress)) (Outcome, error) {
	opts = opts.withDefaults()
	if ev.DeploymentID == "" {
		return finishWithoutDeployment(ctx, c.api, ns, jobID, ev.PlacementFailures, opts)
	}
	return followDeployment(ctx, c.api, ns, jobID, ev.DeploymentID, ev.PlacementFailures, opts, progress)
}

// WatchDeployment follows an existing deployment (and its auto-revert) to its end, like
// WatchRollout after the evaluation. It is how an apply that was interrupted picks up a
// rollout that is still running, or learns how it ended. The placement failures that
// the deployment's evaluations reported are read again, so opts.Judge sees what it
// would have seen from the start.
func (c *Client) WatchDeployment(ctx context.Context, ns, jobID, deploymentID string, opts WatchOptions, progress func(Progress)) (Outcome, error) {
	failures, err := deploymentPlacementFailures(ctx, c.api, ns, jobID, deploymentID)
	if err != nil {
		return Outcome{}, err
	}
	return followDeployment(ctx, c.api, ns, jobID, deploymentID, failures, opts.withDefaults(), progress)
}

// deploymentPlacementFailures collects the placement failures of the evaluations that
// belong to a deployment (the register's evaluation and the blocked ones after it).
func deploymentPlacementFailures(ctx context.Context, c *api.Client, ns, jobID, depID string) ([]string, error) {
	evs, _, err := c.Jobs().Evaluations(jobID, (&api.QueryOptions{Namespace: ns}).WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("read evaluations of %s: %w", jobID, err)
	}
	var newest *api.Evaluation
	for _, ev := range evs {
		if ev.DeploymentID == depID && len(ev.FailedTGAllocs) > 0 && (newest == nil || ev.CreateIndex > newest.CreateIndex) {
			newest = ev
		}
	}
	if newest == nil {
		return nil, nil
	}
	return DescribePlacementFailures(newest.FailedTGAllocs), nil
}

func followDeployment(ctx context.Context, c *api.Client, ns, jobID, depID string, placementFailures []string, opts WatchOptions, progress func(Progress)) (Outcome, error) {
	out, err := watchDeployment(ctx, c, ns, jobID, depID, placementFailures, false, opts, progress)
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
		rOut, err := watchDeployment(ctx, c, ns, jobID, revert, nil, true, opts, progress)
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

func waitEval(ctx context.Context, c *api.Client, ns, evalID string, index uint64, poll time.Duration) (*api.Evaluation, error) {
	q := &api.QueryOptions{Namespace: ns, WaitTime: poll, WaitIndex: index}
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
// the placement result alone. Blocked evaluations may still place once capacity
// appears; opts.Judge decides how long to wait for them.
func finishWithoutDeployment(ctx context.Context, c *api.Client, ns, jobID string, placementFailures []string, opts WatchOptions) (Outcome, error) {
	if len(placementFailures) == 0 {
		job, _, err := c.Jobs().Info(jobID, (&api.QueryOptions{Namespace: ns}).WithContext(ctx))
		if err != nil {
			return Outcome{}, fmt.Errorf("read job %s: %w", jobID, err)
		}
		return Outcome{Status: RolloutSucceeded, JobVersion: derefU64(job.Version)}, nil
	}
	for {
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
		o := Observation{Progress: Progress{JobID: jobID}, Unplaced: queued, PlacementFailures: placementFailures, NoDeployment: true}
		if v := opts.Judge(o); v.Fail {
			return Outcome{Status: RolloutUnplaceable, Reason: v.Reason}, nil
		}
		if err := wait.Sleep(ctx, opts.Poll); err != nil {
			return Outcome{}, err
		}
	}
}

func watchDeployment(ctx context.Context, c *api.Client, ns, jobID, depID string, placementFailures []string, revert bool, opts WatchOptions, progress func(Progress)) (Outcome, error) {
	q := &api.QueryOptions{Namespace: ns, WaitTime: opts.Poll}
	var last Progress
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

		switch DeploymentStatus(d.Status) {
		case DeploymentSuccessful:
			return Outcome{Status: RolloutSucceeded, DeploymentID: depID, JobVersion: d.JobVersion, Last: p}, nil
		case DeploymentFailed, DeploymentCancelled:
			reason := d.StatusDescription
			if failedByUs != "" {
				reason = failedByUs + " (" + reason + ")"
			} else if DeploymentStatus(d.Status) == DeploymentCancelled {
				reason = cancelledBy(ctx, c, ns, jobID, d)
			}
			if causes := failureCauses(ctx, c, ns, allocs); causes != "" {
				reason += ": " + causes
			}
			return Outcome{Status: RolloutFailed, DeploymentID: depID, JobVersion: d.JobVersion, Reason: reason, Last: p}, nil
		}
		if failedByUs != "" {
			continue // failed on the caller's word: wait for Nomad to say so
		}
		o := Observation{Progress: p, Unplaced: max(p.Desired-p.Placed, 0), Revert: revert}
		if o.Unplaced > 0 {
			o.PlacementFailures = placementFailures
		}
		v := opts.Judge(o)
		if !v.Fail {
			continue
		}
		failedByUs = v.Reason
		if _, _, err := c.Deployments().Fail(depID, (&api.WriteOptions{Namespace: ns}).WithContext(ctx)); err != nil {
			return Outcome{}, fmt.Errorf("fail deployment %s (%s): %w", depID, v.Reason, err)
		}
		if v.Unplaceable {
			return Outcome{Status: RolloutUnplaceable, DeploymentID: depID, JobVersion: d.JobVersion, Reason: v.Reason, Last: p}, nil
		}
	}
}

func progressOf(jobID string, d *api.Deployment, allocs []*api.AllocationListStub) Progress {
	p := Progress{JobID: jobID, DeploymentID: d.ID, Status: DeploymentStatus(d.Status), Description: d.StatusDescription}
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

// newerJobDescription is the status description Nomad gives a deployment it cancels
// because the job was registered again (nomad/structs DeploymentStatusDescriptionNewerJob;
// the api module does not export it).
const newerJobDescription = "Cancelled due to newer version of job"

// cancelledBy explains a cancelled deployment. Nomad's own words ("Cancelled due to newer
// version of job") do not say that the new version is not this apply's: ecsgit registers a
// job once per apply and claims its record first, so a newer version came from another
// writer (nomad job run, the UI, another tool, or a later ecsgit apply).
func cancelledBy(ctx context.Context, c *api.Client, ns, jobID string, d *api.Deployment) string {
	if d.StatusDescription != newerJobDescription {
		return d.StatusDescription
	}
	job, _, err := c.Jobs().Info(jobID, (&api.QueryOptions{Namespace: ns}).WithContext(ctx))
	if err != nil || job == nil || job.Version == nil {
		return "another writer registered a newer version of the job while this rollout ran (Nomad: " + d.StatusDescription + ")"
	}
	return fmt.Sprintf("another writer registered job version %d while this rollout of version %d ran (Nomad: %s); the plan shows it as drift", *job.Version, d.JobVersion, d.StatusDescription)
}
