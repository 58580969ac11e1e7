package syncloop

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/wait"
)

// Leadership elects one acting replica among several `ecsgit sync` processes through a
// lock on a Nomad Variable (Nomad's Variables lock API: acquire, renew, release; Nomad
// frees the lock when the holder stops renewing for TTL). State lives in Nomad records,
// so a replica taking over continues from there: nothing is handed over in memory.
//
// The lease policy is here (renew every TTL/3, stop acting 2/3 TTL after the last good
// renewal, release on shutdown); the lock calls are the backend's (nomadbackend/lock.go
// says why they are not api.Client.Locks / api.NewLockLeaser).
type Leadership struct {
	Locks     reconcile.LockService
	Namespace string
	// Path of the lock variable, e.g. "ecsgit/lock/<source>".
	Path string
	// Identity names this replica in the lock (shown in /v1/status): host and pid.
	Identity string
	// TTL of the lock; Nomad's minimum is 10s. Renewed every TTL/3, so two renewals may
	// fail before the lock is at risk. Default 10s.
	TTL time.Duration
	// LockDelay is how long Nomad keeps an expired lock unavailable (split-brain guard:
	// a holder that lost contact has that long to notice). Default 1s: takeover after a
	// crash is at most TTL + LockDelay + Retry.
	LockDelay time.Duration
	// Retry is how often a standby tries to acquire. Default 1s.
	Retry  time.Duration
	Logger *slog.Logger

	mu     sync.Mutex
	leader bool
	holder string
}

// State is this replica's view of the lock.
func (ld *Leadership) State() LeaderStatus {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return LeaderStatus{Enabled: true, IsLeader: ld.leader, Identity: ld.Identity, Holder: ld.holder}
}

func (ld *Leadership) set(leader bool, holder string) {
	ld.mu.Lock()
	ld.leader, ld.holder = leader, holder
	ld.mu.Unlock()
}

func (ld *Leadership) defaults() {
	if ld.TTL <= 0 {
		ld.TTL = 10 * time.Second
	}
	if ld.LockDelay <= 0 {
		ld.LockDelay = time.Second
	}
	if ld.Retry <= 0 {
		ld.Retry = time.Second
	}
	if ld.Logger == nil {
		ld.Logger = slog.Default()
	}
}

// Run campaigns until ctx ends. Each time this replica becomes leader it calls lead with
// a context that is cancelled when leadership is lost; lead must return promptly then.
// On shutdown the lock is released, so a standby takes over at once instead of after
// the TTL.
func (ld *Leadership) Run(ctx context.Context, lead func(ctx context.Context)) error {
	ld.defaults()
	for ctx.Err() == nil {
		lockID, err := ld.acquire(ctx)
		if err != nil {
			if !errors.Is(err, nomadbackend.ErrLockHeld) {
				ld.Logger.Warn("sync: lock unavailable", "err", err)
			}
			ld.set(false, ld.peekHolder(ctx))
			_ = wait.Sleep(ctx, ld.Retry+syncJitter(ld.Retry/4))
			continue
		}
		ld.set(true, ld.Identity)
		ld.Logger.Info("sync: acquired the lock, acting", "identity", ld.Identity, "path", ld.Path)
		leadCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); lead(leadCtx) }()
		lost := ld.keep(leadCtx, lockID, done)
		cancel()
		<-done
		ld.set(false, "")
		if lost {
			ld.Logger.Warn("sync: lost the lock, standing by", "identity", ld.Identity)
			continue
		}
		ld.release(lockID)
	}
	return nil
}

func (ld *Leadership) acquire(ctx context.Context) (string, error) {
	return ld.Locks.AcquireLock(ctx, ld.Namespace, ld.Path, ld.Identity, ld.TTL, ld.LockDelay)
}

// keep renews the lock until ctx ends or lead returns (false) or the lock is lost
// (true). A renewal refused with 409 means another replica holds it; transient errors
// are retried until the TTL since the last good renewal has passed, after which this
// replica must assume the lock is gone.
func (ld *Leadership) keep(ctx context.Context, lockID string, done <-chan struct{}) bool {
	t := time.NewTicker(ld.TTL / 3)
	defer t.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-done:
			return false
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, ld.TTL/3)
		err := ld.Locks.RenewLock(rctx, ld.Namespace, ld.Path, lockID)
		cancel()
		if err == nil {
			lastOK = time.Now()
			continue
		}
		if ctx.Err() != nil {
			return false
		}
		if errors.Is(err, nomadbackend.ErrLockHeld) {
			return true
		}
		ld.Logger.Warn("sync: lock renewal failed", "err", err)
		if time.Since(lastOK) > ld.TTL*2/3 {
			return true // stop acting before the lock can expire under us
		}
	}
}

func (ld *Leadership) release(lockID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ld.Locks.ReleaseLock(ctx, ld.Namespace, ld.Path, lockID); err != nil {
		ld.Logger.Warn("sync: releasing the lock failed; a standby takes over after the TTL", "err", err)
		return
	}
	ld.Logger.Info("sync: released the lock")
}

// peekHolder reads who holds the lock, for /v1/status on a standby.
func (ld *Leadership) peekHolder(ctx context.Context) string {
	return ld.Locks.LockHolder(ctx, ld.Namespace, ld.Path)
}
