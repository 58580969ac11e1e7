package syncloop

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// Daemon is `ecsgit sync` without its flags and HTTP: the loop, what triggers it (event
// stream, fsnotify), and the HA lock deciding whether this replica acts.
type Daemon struct {
	Loop *Loop
	// Drift follows Nomad's event stream (nil: drift is found at the next pass only).
	Drift *DriftWatcher
	// Events derives and delivers ECS events while this replica acts (nil: none).
	Events *EventForwarder
	// Watch, when set, signals local directory changes (source.LocalDir.Watch).
	Watch func(ctx context.Context) (<-chan struct{}, error)
	// Leadership elects the acting replica; nil means this process always acts.
	Leadership *Leadership
	// Identity, when set, is resolved before the daemon takes the lock or acts: the lock
	// path (LockPath) and the drift watcher's owner follow it, so two repositories never
	// share one lock (fault trial D3a).
	Identity *reconcile.IdentityPin
	Logger   *slog.Logger

	acting atomic.Bool
}

// LockPath is the HA lock's variable path for an ownership identity: replicas of one
// repository share it, daemons of different repositories never do.
func LockPath(source string) string { return "ecsgit/lock/" + source }

// Run acts (or stands by) until ctx ends. It returns nil on a clean shutdown; the pass
// in flight finishes its writes first (LoopOptions.ApplyGrace).
func (d *Daemon) Run(ctx context.Context) error {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Identity != nil {
		id, err := d.Identity.Resolve(ctx)
		if err != nil {
			return nil // shut down before the identity could be read
		}
		if d.Leadership != nil {
			d.Leadership.Path = LockPath(id)
		}
		if d.Drift != nil {
			d.Drift.Source = id
		}
		if d.Events != nil {
			d.Events.Source = id
		}
	}
	if d.Leadership == nil {
		d.lead(ctx)
		return nil
	}
	return d.Leadership.Run(ctx, d.lead)
}

// lead runs everything that acts, until ctx ends (shutdown or lost leadership).
func (d *Daemon) lead(ctx context.Context) {
	d.acting.Store(true)
	defer d.acting.Store(false)
	d.Loop.opts.Metrics.Leader.Set(1)
	defer d.Loop.opts.Metrics.Leader.Set(0)
	var wg sync.WaitGroup
	if d.Drift != nil {
		wg.Go(func() { _ = d.Drift.Run(ctx) })
	}
	if d.Events != nil {
		wg.Go(func() { d.Events.Run(ctx) })
	}
	if d.Watch != nil {
		ch, err := d.Watch(ctx)
		if err != nil {
			d.Logger.Warn("sync: cannot watch the directory; polling only", "err", err)
		} else {
			wg.Go(func() {
				for range ch {
					d.Loop.Trigger(TriggerWatch)
				}
			})
		}
	}
	_ = d.Loop.Run(ctx)
	wg.Wait()
}

// TriggerWebhook wakes the loop for a webhook delivery. A standby ignores it: the
// leader receives the same delivery when the webhook points at a load balancer over all
// replicas, and otherwise polls.
func (d *Daemon) TriggerWebhook() {
	if d.acting.Load() {
		d.Loop.Trigger(TriggerWebhook)
	}
}

// Status is the loop's status with the lock's view.
func (d *Daemon) Status() SyncStatus {
	s := d.Loop.Status()
	if d.Leadership != nil {
		s.Leader = d.Leadership.State()
		if !s.Leader.IsLeader {
			// A standby is ready: it serves status and can take over. Making it unready
			// would make Nomad treat every healthy standby as failed and roll back the
			// sync job itself (docs/sync.md).
			s.Ready = true
		}
	} else {
		s.Leader = LeaderStatus{IsLeader: true}
	}
	return s
}
