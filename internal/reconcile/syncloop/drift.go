package syncloop

import (
	"context"
	"log/slog"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/wait"
)

// DriftWatcher follows Nomad's event stream (Job and Deployment topics, one namespace)
// so that drift is noticed within a second, not at the next poll, and deployments that
// end update the status. It only wakes the loop: deciding whether a change is drift or
// ecsgit's own write, and what to do about it, is the loop's job.
type DriftWatcher struct {
	Events    reconcile.EventSource
	Namespace string
	// Source is the ownership identity: events of other sources' jobs are ignored.
	// Empty accepts every ecsgit-managed job (the identity may come from ecsgit.yaml,
	// which the watcher does not read); the loop then checks the records.
	Source string
	Loop   *Loop
	// Debounce groups a burst of events (a register produces several) into one pass.
	// Default 250ms.
	Debounce time.Duration
	Logger   *slog.Logger
}

// Run subscribes until ctx ends. The stream's channel closes after an event carrying an
// error (nomad-mapping §2.9); Run resubscribes from the last index seen, with backoff
// while Nomad is unreachable, so no event in Nomad's buffer is lost across a reconnect.
func (w *DriftWatcher) Run(ctx context.Context) error {
	log := w.Logger
	if log == nil {
		log = slog.Default()
	}
	debounce := w.Debounce
	if debounce <= 0 {
		debounce = 250 * time.Millisecond
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
				w.Loop.Wake()
			}
		}
	}()
	h := &eventHandler{w: w, fire: func() { timer.Reset(debounce) }, done: map[string]bool{}}

	var index uint64
	failures := 0
	for ctx.Err() == nil {
		ch, err := w.Events.Events(ctx, w.Namespace, index)
		if err == nil {
			w.Loop.reads.subscribed()
			for evs := range ch {
				if evs.Err != nil {
					err = evs.Err
					break
				}
				failures = 0
				if evs.Index > index {
					index = evs.Index
				}
				for i := range evs.Events {
					h.handle(&evs.Events[i])
				}
			}
		}
		// Until the stream is back, a job may change unseen: no earlier read is trusted.
		w.Loop.reads.interrupted()
		if ctx.Err() != nil {
			return nil
		}
		failures++
		delay := min(time.Duration(1<<min(failures-1, 5))*time.Second, 30*time.Second) + syncJitter(time.Second)
		log.Warn("sync: event stream interrupted, resubscribing", "err", err, "from_index", index, "in", delay.Round(time.Millisecond))
		if wait.Sleep(ctx, delay) != nil {
			return nil
		}
		// Changes made while unsubscribed may have left Nomad's event buffer: a pass
		// re-plans and catches them.
		w.Loop.NoteJobEvent("", driftCandidate{EventType: "resubscribe"})
		h.fire()
	}
	return nil
}

type eventHandler struct {
	w    *DriftWatcher
	fire func()
	done map[string]bool // deployment IDs whose end was already counted
}

func (h *eventHandler) handle(ev *nomadbackend.Event) {
	switch {
	case ev.Job != nil:
		h.job(ev.Job)
	case ev.Deployment != nil:
		h.deployment(ev.Deployment)
	}
}

func (h *eventHandler) job(ev *nomadbackend.JobEvent) {
	// Any event of any job (owned by this repository or not: a takeover is a change
	// too) voids the reads the loop kept of it.
	h.w.Loop.reads.jobEvent(ev.Key)
	if ev.Type == nomadbackend.JobChanged {
		return
	}
	job := ev.Job
	if job == nil {
		// A purge may carry no job: let the loop check the record of the key.
		h.w.Loop.NoteJobEvent(ev.Key, driftCandidate{Deregistered: true, EventType: ev.NomadType})
		h.fire()
		return
	}
	if own, _ := nomadbackend.OwnershipOf(job, h.w.Source); own == nomadbackend.NotOwned || (h.w.Source != "" && own != nomadbackend.OwnedBySource) {
		return
	}
	dereg := ev.Type != nomadbackend.JobRegistered || job.Stopped
	h.w.Loop.NoteJobEvent(job.ID, driftCandidate{JobModifyIndex: job.JobModifyIndex, Deregistered: dereg, EventType: ev.NomadType})
	h.fire()
}

func (h *eventHandler) deployment(d *nomadbackend.DeploymentEvent) {
	if !d.Status.Ended() {
		return
	}
	if h.done[d.ID] {
		return
	}
	if len(h.done) > 10000 { // bounded memory in a long-running daemon
		clear(h.done)
	}
	h.done[d.ID] = true
	h.w.Loop.NoteDeployment(d.JobID, d.Status, d.Description)
}
