package syncloop

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/wait"
)

// ECSEventSource is what the forwarder needs of the cluster (*nomadbackend.Client).
type ECSEventSource interface {
	ecsevents.Stream
	ListOwned(ctx context.Context, ns, source string) ([]nomadbackend.OwnedJob, error)
	CurrentIndex(ctx context.Context, ns string) (uint64, error)
	ReadEventCursor(ctx context.Context, ns, source string) (uint64, error)
	WriteEventCursor(ctx context.Context, ns, source string, index uint64) error
}

// EventPublisher takes the ECS events of each Nomad batch and says how far its sinks
// got (*eventsink.Dispatcher).
type EventPublisher interface {
	Publish(index uint64, evs []ecsevents.Event)
	Cursor() uint64
}

// EventForwarder derives ECS events from Nomad's event stream while this replica acts,
// keeps the last ones per service (GET /v1/events, `ecsgit status SERVICE --server`)
// and hands them to the sinks. With sinks it persists the cursor (the index every sink
// reached) in a Nomad Variable next to the records, so that a restarted or newly elected
// daemon resumes after it: at-least-once delivery; the stable event IDs let receivers
// drop the repeats (docs/events.md).
type EventForwarder struct {
	Cluster   ECSEventSource
	Namespace string
	// Source is the ownership identity (set by the Daemon once resolved); it keys the cursor.
	Source string
	// Publisher receives the events (nil: none are delivered, nothing is persisted).
	Publisher EventPublisher
	Recent    *RecentEvents
	// TaskDefinition names a job's task definition for the ARNs (optional).
	TaskDefinition func(jobID string) string
	// PersistEvery is how often the cursor is written (default 1s): what a kill -9 can
	// make the next daemon deliver again.
	PersistEvery time.Duration
	// OnCursor is told every cursor written (the metrics).
	OnCursor func(uint64)
	Logger   *slog.Logger
}

// Run forwards until ctx ends, then writes the cursor a last time.
func (f *EventForwarder) Run(ctx context.Context) {
	log := f.Logger
	if log == nil {
		log = slog.Default()
	}
	after, ok := f.start(ctx, log)
	if !ok {
		return
	}
	written := after
	services := map[string]string{}
	for attempt := 0; ctx.Err() == nil; attempt++ {
		jobs, err := f.Cluster.ListOwned(ctx, f.Namespace, f.Source)
		if err == nil {
			for _, j := range jobs {
				services[j.ID] = j.ID
			}
			break
		}
		log.Warn("events: cannot list the services, retrying", "err", err)
		if wait.Sleep(ctx, min(time.Duration(attempt+1)*time.Second, 30*time.Second)) != nil {
			return
		}
	}
	m := ecsevents.NewMapper(ecsevents.Options{Namespace: f.Namespace, Source: f.Source, Services: services, TaskDefinition: f.TaskDefinition})
	var wg sync.WaitGroup
	if f.Publisher != nil {
		wg.Go(func() { f.persist(ctx, written, log) })
	}
	log.Info("events: forwarding ECS events", "after_index", after, "services", len(services))
	_ = ecsevents.Follow(ctx, f.Cluster, ecsevents.FollowOptions{Namespace: f.Namespace, After: after, WarmUp: true, Mapper: m, Logger: log,
		OnBatch: func(index uint64, evs []ecsevents.Event) {
			if f.Recent != nil {
				f.Recent.Add(evs)
			}
			if f.Publisher != nil {
				f.Publisher.Publish(index, evs)
			}
			for _, ev := range evs {
				log.Debug("events: "+ev.Text, "id", ev.Envelope.ID, "index", index)
			}
		}})
	wg.Wait()
}

// start is the index to resume after: the persisted cursor, or (first start, or no
// sinks) the cluster's current index, so that history before the daemon is not sent.
func (f *EventForwarder) start(ctx context.Context, log *slog.Logger) (uint64, bool) {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		var idx uint64
		var err error
		if f.Publisher != nil {
			idx, err = f.Cluster.ReadEventCursor(ctx, f.Namespace, f.Source)
		}
		if err == nil && idx == 0 {
			idx, err = f.Cluster.CurrentIndex(ctx, f.Namespace)
			if err == nil && f.Publisher != nil {
				// Written before the first event is published: a daemon killed before its
				// first periodic write must resume here, not at a later "now".
				err = f.Cluster.WriteEventCursor(ctx, f.Namespace, f.Source, idx)
			}
		}
		if err == nil {
			return idx, true
		}
		log.Warn("events: cannot read where to resume, retrying", "err", err)
		if wait.Sleep(ctx, min(time.Duration(attempt+1)*time.Second, 30*time.Second)) != nil {
			break
		}
	}
	return 0, false
}

// persist writes the cursor whenever it moved, and once more at shutdown.
func (f *EventForwarder) persist(ctx context.Context, written uint64, log *slog.Logger) {
	every := f.PersistEvery
	if every <= 0 {
		every = time.Second
	}
	write := func(ctx context.Context) {
		c := f.Publisher.Cursor()
		if c <= written {
			return
		}
		if err := f.Cluster.WriteEventCursor(ctx, f.Namespace, f.Source, c); err != nil {
			log.Warn("events: cannot persist the cursor (a restart re-delivers from the last one)", "err", err)
			return
		}
		written = c
		if f.OnCursor != nil {
			f.OnCursor(c)
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			write(final)
			cancel()
			return
		case <-t.C:
			write(ctx)
		}
	}
}

// RecentEvents keeps the newest events of each service (the console keeps 100).
type RecentEvents struct {
	Max int // per service; default 100

	mu  sync.Mutex
	per map[string][]ecsevents.Event
}

// Add appends events.
func (r *RecentEvents) Add(evs []ecsevents.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.per == nil {
		r.per = map[string][]ecsevents.Event{}
	}
	limit := r.Max
	if limit <= 0 {
		limit = 100
	}
	for _, ev := range evs {
		l := append(r.per[ev.Service], ev)
		if len(l) > limit {
			l = append([]ecsevents.Event(nil), l[len(l)-limit:]...)
		}
		r.per[ev.Service] = l
	}
}

// List returns the newest n events of service (all services when empty), oldest first.
func (r *RecentEvents) List(service string, n int) []ecsevents.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []ecsevents.Event
	for svc, l := range r.per {
		if service == "" || svc == service {
			out = append(out, l...)
		}
	}
	ecsevents.SortByIndex(out)
	if n > 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}
