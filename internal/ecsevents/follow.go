package ecsevents

import (
	"context"
	"log/slog"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/wait"
)

// Topics are the Nomad topics ECS events are derived from.
var Topics = []nomadbackend.EventTopic{nomadbackend.TopicJob, nomadbackend.TopicDeployment,
	nomadbackend.TopicAllocation, nomadbackend.TopicEvaluation}

// Stream is the part of the backend that Follow reads (*nomadbackend.Client).
type Stream interface {
	EventsOf(ctx context.Context, ns string, index uint64, topics ...nomadbackend.EventTopic) (<-chan nomadbackend.EventBatch, error)
}

// FollowOptions configure Follow.
type FollowOptions struct {
	Namespace string
	// After skips every batch at or below this index: they were handled before (the
	// persisted cursor). Follow subscribes from After, since Nomad starts a subscription
	// at the first batch at or after the index it is given.
	After uint64
	// WarmUp subscribes from the oldest batch Nomad still buffers and maps the batches
	// at or below After without handing them out: the mapper's memory (which state each
	// task was last seen in) is then what it was before a restart, so a restarted daemon
	// derives the same events with the same IDs, not a second version of them.
	WarmUp bool
	Mapper *Mapper
	// OnBatch gets the ECS events of each Nomad batch (none, often) with its index.
	OnBatch func(index uint64, evs []Event)
	// Idle, when set, ends Follow once no batch came for this long (a replay of
	// Nomad's buffer, not a follow).
	Idle   time.Duration
	Logger *slog.Logger
}

// Follow maps Nomad's event stream until ctx ends (or Idle passes without a batch). The
// stream's channel closes after an error; Follow resubscribes after the last index it
// handled, with backoff, so that what Nomad still buffers is not lost.
func Follow(ctx context.Context, s Stream, o FollowOptions) error {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	// Batches at or below handled were handed out before; Nomad may split one index
	// into several batches, so after a resubscription the last index seen is handed out
	// again (the mapper's memory drops what it already emitted).
	index, handled := o.After, o.After
	from := index
	if o.WarmUp {
		from = 1 // Nomad starts at the oldest batch it still holds
	}
	for failures := 0; ctx.Err() == nil; failures++ {
		ch, err := s.EventsOf(ctx, o.Namespace, from, Topics...)
		if err == nil {
			var idle bool
			index, idle, err = consume(ctx, ch, index, handled, o)
			if idle {
				return nil
			}
			if err == nil {
				failures = 0
			}
			from, handled = index, max(index, 1)-1
		}
		if ctx.Err() != nil {
			return nil
		}
		if o.Idle > 0 && err != nil {
			return err
		}
		delay := min(time.Duration(1<<min(failures, 5))*time.Second, 30*time.Second)
		log.Warn("events: stream interrupted, resubscribing", "err", err, "after_index", index, "in", delay)
		if wait.Sleep(ctx, delay) != nil {
			return nil
		}
	}
	return nil
}

func consume(ctx context.Context, ch <-chan nomadbackend.EventBatch, index, handled uint64, o FollowOptions) (uint64, bool, error) {
	var idle <-chan time.Time
	for {
		if o.Idle > 0 {
			idle = time.After(o.Idle)
		}
		select {
		case <-ctx.Done():
			return index, false, nil
		case <-idle:
			return index, true, nil
		case b, ok := <-ch:
			if !ok {
				return index, false, nil
			}
			if b.Err != nil {
				return index, false, b.Err
			}
			if b.Index <= handled && handled != 0 {
				o.Mapper.Map(b) // handled before the restart or resubscription: memory only
				continue
			}
			evs := o.Mapper.Map(b)
			o.OnBatch(b.Index, evs)
			index = max(index, b.Index)
		}
	}
}
