package syncloop

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/source"
)

// pass is one run of the pipeline. It returns the delay before a retry (0: none needed).
// The phases read in order, Flux-style: fetch, decide, checkout, validate+plan, apply.
func (l *Loop) pass(ctx context.Context, work pendingWork) time.Duration {
	log := l.opts.Logger
	trigger := triggerName(work)
	drifted := l.realDrift(ctx, work.drift)
	if len(work.reasons) == 0 && len(drifted) == 0 {
		return 0 // only ecsgit's own writes came back through the event stream
	}
	started := time.Now()
	attempt := &AttemptStatus{Trigger: trigger, StartedAt: started.UTC()}

	rev, err := l.fetch(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		return l.failed(attempt, nil, "fetch", err)
	}
	attempt.Revision = revisionStatus(rev)
	l.status.update(func(s *SyncStatus) { s.Head = revisionStatus(rev) })
	defer l.countBehind(ctx)
	if l.havePlan && !source.Changed(l.planned, rev) && !l.retry && len(drifted) == 0 && !work.reasons[TriggerStart] && !work.reasons[TriggerSchedule] {
		log.Debug("sync: unchanged", "commit", rev.Short(), "trigger", trigger)
		return 0
	}

	// A pass holds the whole desired state, and a full read every service's live job and
	// record: at 1,000 services the heap peaks near 90 MiB while what outlives the pass is
	// under 10 MiB (the read cache, the status). Go returns freed memory to the OS only
	// gradually, so without this the daemon's RSS stays at the peak of its largest pass.
	// One forced collection per pass is milliseconds against the pass itself.
	defer debug.FreeOSMemory()

	fetched := time.Now()
	dir, err := l.opts.Source.Checkout(ctx, rev)
	if err != nil {
		return l.failed(attempt, &rev, "checkout", err)
	}
	checkedOut := time.Now()
	planned, err := l.opts.Engine.Plan(ctx, reconcile.Pass{Dir: dir, Revision: rev, Reuse: l.reads.reuseFunc(),
		ReuseOwned: l.reads.reuseOwnedFunc(), Unpause: l.unpauseFunc()})
	if err != nil {
		return l.failed(attempt, &rev, "plan", err)
	}
	read := len(planned.Plan.Services) - planned.Reused
	attempt.ServicesRead = &read
	l.nextSchedule = nextScheduled(planned, time.Now())

	// A register in flight is finished even when shutdown was asked for (SIGTERM): the
	// write and its record belong together.
	applyCtx, cancel := graceContext(ctx, l.opts.ApplyGrace)
	defer cancel()
	applyStarted := time.Now()
	res, err := l.opts.Engine.Apply(applyCtx, planned, rev)
	applied := time.Now()
	l.rememberSpecs(planned, res)
	l.noteOwnWrites(res)
	attempt.Pruned = prunesOf(res)
	for _, pr := range attempt.Pruned {
		if pr.Held {
			log.Warn("sync: prune held, the job keeps running", "job", pr.JobID, "commit", rev.Short(), "reason", pr.Reason)
		} else {
			log.Info("sync: pruned", "job", pr.JobID, "commit", rev.Short(), "reason", pr.Reason)
		}
	}
	l.reads.remember(planned)
	services := serviceStatuses(planned, res, l.opts.DriftMode)
	l.planned, l.havePlan = rev, true
	l.opts.Metrics.SyncDuration.Observe(time.Since(started).Seconds())
	if err != nil {
		return l.failed(attempt, &rev, "apply", err, services...)
	}
	l.succeeded(attempt, rev, services, planned)
	log.Info("sync: applied", "commit", rev.Short(), "trigger", trigger, "summary", summaryLine(planned.Plan),
		"services_read", read, "memoized", planned.Memoized, "duration", time.Since(started).Round(time.Millisecond),
		// Where the pass's time went (docs/benchmarks.md, "Where a webhook pass goes").
		"fetch", fetched.Sub(started).Round(time.Millisecond), "checkout", checkedOut.Sub(fetched).Round(time.Millisecond),
		"load", planned.LoadDuration.Round(time.Millisecond), "plan", (applyStarted.Sub(checkedOut) - planned.LoadDuration).Round(time.Millisecond),
		"apply", applied.Sub(applyStarted).Round(time.Millisecond), "bookkeeping", time.Since(applied).Round(time.Millisecond),
		"next_poll", l.opts.Interval)
	return 0
}

func (l *Loop) fetch(ctx context.Context) (source.Revision, error) {
	t := time.Now()
	rev, err := l.opts.Source.Fetch(ctx)
	l.opts.Metrics.GitFetchDuration.Observe(time.Since(t).Seconds())
	if err != nil {
		l.opts.Metrics.GitFetchErrors.Inc()
	}
	return rev, err
}

// failed decides what a failed phase means by the error's class (reconcile.Classify):
//   - stalled: the revision cannot succeed as it is (invalid or untranslatable content,
//     credentials Nomad or Git refuse). It is not retried; the next commit proceeds (a
//     stall before the revision is known waits for the next poll).
//   - wait: the cluster cannot take it now (placement failures); try again after a poll
//     interval (at most MaxBackoff), without escalating the backoff.
//   - retry (and anything unrecognised): backoff.
func (l *Loop) failed(a *AttemptStatus, rev *source.Revision, phase string, err error, services ...ServiceStatus) time.Duration {
	switch reconcile.Classify(err) {
	case reconcile.ClassStalled, reconcile.ClassUser:
		var invalid *reconcile.InvalidRevisionError
		var content *reconcile.ContentError
		switch {
		case rev != nil && errors.As(err, &invalid):
			l.invalid(a, *rev, invalid)
			return 0
		case rev != nil && errors.As(err, &content):
			l.invalid(a, *rev, &reconcile.InvalidRevisionError{Revision: *rev, Diagnostics: []string{content.Error()}})
			return 0
		}
		l.stalled(a, rev, phase, err, services...)
		return 0
	case reconcile.ClassWait:
		l.transient(a, rev, phase, err, services...)
		l.attempt = 0
		delay := min(l.opts.Interval, l.opts.MaxBackoff)
		at := time.Now().Add(delay).UTC()
		l.retryAt, a.RetryAt = at, &at
		l.status.update(func(s *SyncStatus) { s.LastAttempt = a })
		return delay
	}
	return l.transient(a, rev, phase, err, services...)
}

// stalled records a failure that retrying the same revision cannot cure, and that is
// not the content's fault (Nomad's 403, Git refusing the credentials): the status shows
// it as an error without a retry time; the revision is not planned again until a new
// commit (or, when the revision is not known, the next poll).
func (l *Loop) stalled(a *AttemptStatus, rev *source.Revision, phase string, err error, services ...ServiceStatus) {
	l.transient(a, rev, phase, err, services...)
	l.retry, l.attempt, l.retryAt = false, 0, time.Time{}
	if rev != nil {
		l.planned, l.havePlan = *rev, true
	}
	a.RetryAt = nil
	a.Error = "stalled, not retried until the next commit: " + a.Error
	l.status.update(func(s *SyncStatus) { s.LastAttempt = a })
}

// transient records a failure that a retry can cure (Git or Nomad unreachable, a
// conflict with a concurrent writer) and returns the backoff delay. Nothing was pruned
// and the last good state stays deployed.
func (l *Loop) transient(a *AttemptStatus, rev *source.Revision, phase string, err error, services ...ServiceStatus) time.Duration {
	l.retry = true
	l.attempt++
	delay := l.backoff()
	at := time.Now().Add(delay).UTC()
	l.retryAt = at
	a.Result, a.Error, a.RetryAt, a.FinishedAt = resultError, fmt.Sprintf("%s: %v", phase, err), &at, time.Now().UTC()
	l.opts.Metrics.Syncs.WithLabelValues(resultError.String()).Inc()
	l.status.update(func(s *SyncStatus) {
		s.LastAttempt = a
		if len(services) > 0 {
			s.Services = services
		}
		// Readiness reflects the last pass, not the first success (fault trial D4).
		s.Ready = false
		if s.Stale == nil {
			s.Stale = &StaleStatus{Since: a.StartedAt}
		}
		s.Stale.Phase, s.Stale.Reason = phase, a.Error
		for i := range s.Services {
			if len(services) > 0 {
				break // this pass's own results
			}
			if st := &s.Services[i]; st.State != reconcile.StateUnknown && st.State != reconcile.StateFailed {
				st.Reason = fmt.Sprintf("the last pass failed (%s); last known state %s", a.Error, st.State)
				st.State = reconcile.StateUnknown
			}
		}
	})
	if phase != "fetch" {
		l.probeNomad()
	}
	args := []any{"phase", phase, "err", err, "retry_in", delay.Round(time.Millisecond), "attempt", l.attempt}
	if rev != nil {
		args = append(args, "commit", rev.Short())
	}
	l.opts.Logger.Warn("sync: failed, will retry", args...)
	return delay
}

// invalid: the commit does not validate. It is not applied, the deployed state stays,
// and the same tree is not retried (stalled); the next commit proceeds.
func (l *Loop) invalid(a *AttemptStatus, rev source.Revision, e *reconcile.InvalidRevisionError) {
	l.planned, l.havePlan, l.retry, l.attempt = rev, true, false, 0
	a.Result, a.Error, a.Diagnostics, a.FinishedAt = resultInvalid, e.Error(), e.Diagnostics, time.Now().UTC()
	l.opts.Metrics.Syncs.WithLabelValues(resultInvalid.String()).Inc()
	l.status.update(func(s *SyncStatus) { s.LastAttempt = a })
	l.opts.Logger.Error("sync: commit rejected, keeping the deployed state", "commit", rev.Short(),
		"author", rev.Author, "message", rev.Message, "errors", strings.Join(e.Diagnostics, "; "))
}

func (l *Loop) succeeded(a *AttemptStatus, rev source.Revision, services []ServiceStatus, p *reconcile.Planned) {
	l.retry, l.attempt = false, 0
	a.Result, a.FinishedAt = resultSucceeded, time.Now().UTC()
	failed := 0
	for _, s := range services {
		if s.State == reconcile.StateFailed {
			failed++
		}
	}
	if failed > 0 {
		a.Result, a.Error = resultFailed, fmt.Sprintf("%d services failed", failed)
	}
	drifted := 0
	for _, s := range services {
		if s.Drifted {
			drifted++
		}
	}
	m := l.opts.Metrics
	m.Syncs.WithLabelValues(a.Result.String()).Inc()
	m.Drifted.Set(float64(drifted))
	if failed == 0 {
		m.LastSuccess.SetToCurrentTime()
	}
	l.status.update(func(s *SyncStatus) {
		s.LastAttempt, s.Services, s.DriftedServices = a, services, drifted
		s.Stale = nil
		if failed == 0 {
			s.Deployed = revisionStatus(rev)
			s.Ready = true
			if s.Head != nil && s.Head.SHA == rev.SHA {
				s.CommitsBehind = new(0)
			}
		}
	})
}

func triggerName(w pendingWork) string {
	var rs []string
	for r := range w.reasons {
		rs = append(rs, r.String())
	}
	if len(w.drift) > 0 && !w.reasons[TriggerDrift] {
		rs = append(rs, TriggerDrift.String())
	}
	sort.Strings(rs)
	return strings.Join(rs, ",")
}

func summaryLine(p *plan.Plan) string {
	s := p.Summary
	return fmt.Sprintf("%d to create, %d to update, %d to delete, %d unchanged, %d skipped, %d drifted",
		s.Create, s.Update, s.Delete, s.Unchanged, s.Skipped, s.Drifted)
}

// countBehind updates how many commits the deployed revision is behind the newest one
// fetched, for sources that keep history (source.CommitCounter).
func (l *Loop) countBehind(ctx context.Context) {
	cc, ok := l.opts.Source.(source.CommitCounter)
	st := l.status.snapshot()
	if st.Head == nil {
		return
	}
	var n *int
	switch {
	case st.Deployed != nil && st.Deployed.SHA == st.Head.SHA:
		n = new(0)
	case ok && st.Deployed != nil && st.Deployed.SHA != "" && st.Head.SHA != "":
		if c, err := cc.CommitsBetween(ctx, st.Deployed.SHA, st.Head.SHA); err == nil {
			n = &c
		}
	}
	l.status.update(func(s *SyncStatus) { s.CommitsBehind = n })
}

// nextScheduled is when the next scheduled scaling action of the planned services
// fires (zero: none will).
func nextScheduled(p *reconcile.Planned, now time.Time) time.Time {
	var next time.Time
	for _, ps := range p.Services {
		if ps == nil || ps.Service == nil || ps.Service.Scaling == nil {
			continue
		}
		if t, ok := ps.Service.Scaling.NextScheduled(now); ok && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// graceContext is ctx without its cancellation, cancelled grace after ctx is: an apply
// runs as long as it needs while the daemon runs, and at most grace past a shutdown.
// (It was a timeout of grace from the start of the apply, which cut every apply longer
// than 2 minutes: the first pass over 5,000 new services failed with "context deadline
// exceeded" and converged only through retries.)
func graceContext(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-c.Done():
		}
	})
	return c, func() { stop(); cancel() }
}
