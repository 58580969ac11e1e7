package syncloop

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/wait"
)

// Trigger is why a pass ran (AttemptStatus.Trigger joins them, logs name them).
type Trigger string

// Trigger reasons.
const (
	TriggerStart   Trigger = "start"
	TriggerPoll    Trigger = "poll"
	TriggerWebhook Trigger = "webhook"
	TriggerWatch   Trigger = "watch" // fsnotify on a local directory
	TriggerDrift   Trigger = "drift" // Nomad event stream
	TriggerRetry   Trigger = "retry"
	// TriggerSchedule: a scheduled scaling action is due (put-scheduled-action); the
	// pass plans the capacity range it sets (docs/autoscaling.md).
	TriggerSchedule Trigger = "schedule"
)

func (t Trigger) String() string { return string(t) }

// LoopOptions configure a Loop.
type LoopOptions struct {
	Source source.Source
	Engine SyncEngine
	// Nomad and Namespace are used to read records when deciding whether an event is
	// ecsgit's own write, and to lift a pause when a commit touches a paused service.
	Nomad     reconcile.Cluster
	Namespace string
	// Interval between polls; default 1m.
	Interval  time.Duration
	DriftMode reconcile.DriftMode
	// MinBackoff and MaxBackoff bound the retry delay after a Git or Nomad error
	// (doubling, with jitter); defaults 1s and 2m.
	MinBackoff, MaxBackoff time.Duration
	// ApplyGrace is how long an apply in flight may continue after shutdown was asked
	// for (SIGTERM): a register is never cut in half. Default 2m.
	ApplyGrace time.Duration
	Logger     *slog.Logger
	Metrics    *SyncMetrics
	// FullReadInterval: while Nomad's event stream (DriftWatcher) shows no change of a
	// job, a pass may plan an unchanged service from an earlier pass's reads for up to
	// this long, and read Nomad only for services Git changed or whose job had an event.
	// 0 (the default of the struct; the CLI's is 10m) reads every service on every pass.
	FullReadInterval time.Duration
	// Probe, when set, tells whether Nomad answers. After a pass fails past the fetch
	// while Probe fails too, the loop probes every ProbeInterval (default 2s) and
	// retries as soon as Nomad answers, instead of waiting out the backoff.
	Probe         func(ctx context.Context) error
	ProbeInterval time.Duration
}

// Loop is the reconcile.reconcile loop of `ecsgit sync`: it runs the same pipeline as
// `ecsgit apply` (fetch → validate → plan → apply) whenever something may have changed,
// one pass at a time. Triggers (poll timer, webhook, fsnotify, Nomad events) only wake
// it; they coalesce, so a burst of pushes costs one or two passes.
type Loop struct {
	opts   LoopOptions
	status statusStore
	wake   chan struct{}
	// nextSchedule is when the next scheduled scaling action of the last plan fires
	// (zero: none); Run wakes then. Only Run's goroutine touches it.
	nextSchedule time.Time

	mu      sync.Mutex
	pending pendingWork

	// Owned by the goroutine running Run.
	planned  source.Revision   // last revision planned (valid or not)
	havePlan bool              // planned is set
	retry    bool              // the last pass failed transiently: plan again even if unchanged
	attempt  int               // consecutive transient failures (backoff exponent)
	own      map[string]uint64 // jobID → JobModifyIndex ecsgit wrote (own-write filter)
	specs    map[string]string // jobID → desired spec hash of the last valid revision
	retryAt  time.Time         // while in backoff, polls wait until then

	reads *readCache // earlier passes' reads the event stream vouches for

	runCtx  context.Context // Run's context, for the probe
	probing atomic.Bool     // a probe goroutine is waiting for Nomad
}

// pendingWork is what triggers asked for since the last pass.
type pendingWork struct {
	reasons map[Trigger]bool
	drift   map[string]driftCandidate
}

// NewLoop checks opts and fills defaults.
func NewLoop(opts LoopOptions) (*Loop, error) {
	if opts.Source == nil || opts.Engine == nil {
		return nil, errors.New("sync loop: a source and an engine are required")
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.DriftMode == "" {
		opts.DriftMode = reconcile.DriftCorrect
	}
	if opts.DriftMode != reconcile.DriftCorrect && opts.DriftMode != reconcile.DriftReport {
		return nil, errors.New(`sync loop: drift mode must be "correct" or "report"`)
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 2 * time.Minute
	}
	if opts.ProbeInterval <= 0 {
		opts.ProbeInterval = 2 * time.Second
	}
	if opts.ApplyGrace <= 0 {
		opts.ApplyGrace = 2 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = NewSyncMetrics()
	}
	l := &Loop{opts: opts, wake: make(chan struct{}, 1), own: map[string]uint64{}, specs: map[string]string{},
		reads: newReadCache(opts.FullReadInterval)}
	l.status.update(func(s *SyncStatus) {
		s.Source, s.Namespace, s.DriftMode = opts.Source.Describe(), opts.Namespace, opts.DriftMode
		s.Services = []ServiceStatus{}
	})
	return l, nil
}

// Trigger asks for a pass (a webhook delivery, an fsnotify change). It never blocks.
func (l *Loop) Trigger(reason Trigger) {
	l.mu.Lock()
	if l.pending.reasons == nil {
		l.pending.reasons = map[Trigger]bool{}
	}
	l.pending.reasons[reason] = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Status is a snapshot of the loop's status.
func (l *Loop) Status() SyncStatus { return l.status.snapshot() }

// Metrics are the loop's metrics.
func (l *Loop) Metrics() *SyncMetrics { return l.opts.Metrics }

func (l *Loop) take() pendingWork {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.pending
	l.pending = pendingWork{}
	return w
}

// Run runs passes until ctx ends. It returns nil on shutdown: Git or Nomad being down
// is never a reason for the daemon to exit (it retries with backoff).
func (l *Loop) Run(ctx context.Context) error {
	l.runCtx = ctx
	l.Trigger(TriggerStart)
	poll := time.NewTimer(l.opts.Interval)
	defer poll.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	sched := time.NewTimer(time.Hour)
	sched.Stop()
	defer sched.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-l.wake:
		case <-poll.C:
			// In backoff a poll would defeat it (a down Git server polled every
			// second); the retry timer wakes the loop. Webhooks still go through.
			if wait := time.Until(l.retryAt); l.retry && wait > 0 {
				poll.Reset(wait + l.opts.Interval)
				continue
			}
			l.Trigger(TriggerPoll)
			continue
		case <-retry.C:
			l.Trigger(TriggerRetry)
			continue
		case <-sched.C:
			l.Trigger(TriggerSchedule)
			continue
		}
		work := l.take()
		if len(work.reasons) == 0 && len(work.drift) == 0 {
			continue
		}
		delay := l.pass(ctx, work)
		if ctx.Err() != nil {
			return nil
		}
		if delay > 0 {
			retry.Reset(delay)
		}
		if !l.nextSchedule.IsZero() {
			// A second late: the action's minute has begun when the pass plans it.
			sched.Reset(time.Until(l.nextSchedule) + time.Second)
		}
		next := l.opts.Interval + syncJitter(l.opts.Interval/10)
		poll.Reset(next)
		at := time.Now().Add(next)
		l.status.update(func(s *SyncStatus) { s.NextPoll = &at })
	}
}

// backoff is the delay before retry number l.attempt: doubling from MinBackoff, capped
// at MaxBackoff, with up to 20% jitter so replicas and restarts do not retry in step.
func (l *Loop) backoff() time.Duration {
	d := l.opts.MinBackoff
	for i := 1; i < l.attempt && d < l.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, l.opts.MaxBackoff)
	return d + syncJitter(d/5)
}

func syncJitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max)
}

// probeNomad runs once per outage: if Nomad does not answer now, it asks every
// ProbeInterval and triggers a retry the moment it does (fault trial D4: a recovered
// Nomad was noticed only at the next backoff step, up to 60 s later). When Nomad
// answers at once, the failure was something else and the backoff stands.
func (l *Loop) probeNomad() {
	ctx := l.runCtx
	if l.opts.Probe == nil || ctx == nil || !l.probing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer l.probing.Store(false)
		if l.opts.Probe(ctx) == nil {
			return
		}
		for wait.Sleep(ctx, l.opts.ProbeInterval) == nil {
			if l.opts.Probe(ctx) == nil {
				l.opts.Logger.Info("sync: Nomad answers again, retrying now")
				l.Trigger(TriggerRetry)
				return
			}
		}
	}()
}
