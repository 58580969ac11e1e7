package syncloop

import (
	"sync"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// readCache lets a daemon pass skip the Nomad reads of a service that nothing touched
// since an earlier pass read it, so that a commit changing one service of a thousand
// costs one service's reads, not a thousand (issue #8: webhook → registered).
//
// What makes an earlier read trustworthy is Nomad's event stream: every register,
// deregister or stop of a job in the namespace is an event, and the DriftWatcher reports
// each one here (jobEvent) before any filtering. A read is reused only when
//   - the stream was subscribed before the read began and has not been interrupted since
//     (an interruption forgets everything),
//   - no event for the job arrived after the read began,
//   - the read is younger than maxAge: records live in Nomad Variables, which have no
//     event topic, so a record changed by hand (or by another ecsgit writing a record
//     without registering a job) is noticed within maxAge at the latest,
//   - and the planner agrees (fromPrior): the desired spec is the one the record was
//     applied from. Any change in Git therefore reads Nomad again.
//
// Only services planned as unchanged are kept: a service ecsgit just wrote has an event
// after its read, and is read again on the next pass anyway.
//
// The same holds for the listing of the source's jobs that prune works from (ownedFor):
// what a plan needs of it is the jobs it does not plan as desired (the orphans, each read
// again before it is planned), so it is reused while no event arrived since the listing
// began for any job outside the desired set of the pass. ecsgit's own registers of the
// services it plans therefore keep it; a job removed from Git, deregistered, or
// registered by anyone under another name lists again.
type readCache struct {
	maxAge time.Duration // 0: disabled, every pass reads every service
	now    func() time.Time

	mu      sync.Mutex
	since   time.Time                            // stream subscribed at (zero: not subscribed)
	entries map[string]*reconcile.PlannedService // jobID → an unchanged service's reads
	events  map[string]time.Time                 // jobID → the last event seen for it
	owned   []nomadbackend.OwnedJob              // the last plan's listing of the source's jobs
	ownedAt time.Time                            // when that listing began (zero: none)
}

func newReadCache(maxAge time.Duration) *readCache {
	return &readCache{maxAge: maxAge, now: time.Now, entries: map[string]*reconcile.PlannedService{}, events: map[string]time.Time{}}
}

// subscribed: the event stream is (again) delivering events from now on.
func (c *readCache) subscribed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.since = c.now()
}

// interrupted: events may have been missed; no earlier read can be trusted.
func (c *readCache) interrupted() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.since = time.Time{}
	clear(c.entries)
	clear(c.events)
	c.owned, c.ownedAt = nil, time.Time{}
}

// jobEvent: the job changed in Nomad (or may have: a purge without a job body).
func (c *readCache) jobEvent(jobID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, jobID)
	c.events[jobID] = c.now()
}

// lookup is PlanOptions.Reuse: the earlier reads of jobID, if they can be trusted.
func (c *readCache) lookup(jobID string) *reconcile.PlannedService {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps := c.entries[jobID]
	if ps == nil || c.since.IsZero() {
		return nil
	}
	at := ps.ReadAt
	if at.Before(c.since) || c.now().Sub(at) >= c.maxAge || !c.events[jobID].Before(at) {
		return nil
	}
	return ps
}

// ownedFor is PlanOptions.ReuseOwned: the last listing of the source's jobs, if no
// event since it began concerns a job outside desired.
func (c *readCache) ownedFor(desired map[string]bool) ([]nomadbackend.OwnedJob, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := c.ownedAt
	if at.IsZero() || c.since.IsZero() || at.Before(c.since) || c.now().Sub(at) >= c.maxAge {
		return nil, time.Time{}, false
	}
	for id, ev := range c.events {
		if !ev.Before(at) && !desired[id] {
			return nil, time.Time{}, false
		}
	}
	return c.owned, at, true
}

// remember keeps the reads of every service p planned as unchanged, replacing what an
// earlier pass kept (a service that left the repository is forgotten).
func (c *readCache) remember(p *reconcile.Planned) {
	if c.maxAge <= 0 || p == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.owned, c.ownedAt = p.Owned, p.OwnedAt
	now := c.now()
	for i := range p.Plan.Services {
		sp := &p.Plan.Services[i]
		ps := p.Services[sp.JobID]
		if sp.Action != plan.ActionNoop || ps == nil || !ps.FromGit() || !reconcile.UnchangedSinceApplied(ps, sp) {
			continue
		}
		c.entries[sp.JobID] = ps.ForReuse()
	}
	// Events older than any read that could still be trusted tell nothing any more.
	for id, at := range c.events {
		if now.Sub(at) >= c.maxAge {
			delete(c.events, id)
		}
	}
}

// reuseOwnedFunc is the PlanOptions.ReuseOwned of the next pass (nil when disabled).
func (c *readCache) reuseOwnedFunc() reconcile.OwnedReuseFunc {
	if c.maxAge <= 0 {
		return nil
	}
	return c.ownedFor
}

// reuseFunc is the PlanOptions.Reuse of the next pass (nil when disabled).
func (c *readCache) reuseFunc() reconcile.ReuseFunc {
	if c.maxAge <= 0 {
		return nil
	}
	return c.lookup
}
