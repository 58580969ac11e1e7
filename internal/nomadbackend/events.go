package nomadbackend

import (
	"context"
	"fmt"

	"github.com/hashicorp/nomad/api"
)

// JobEventType says what a job event reports.
type JobEventType int

const (
	// JobChanged: any other event of a job (status updates, ...): the job may have changed.
	JobChanged JobEventType = iota
	// JobRegistered: the job was registered (Job may be stopped: a stop is a register).
	JobRegistered
	// JobDeregistered: the job was deregistered or purged (one or a batch).
	JobDeregistered
)

// JobEvent is one event of the Job topic.
type JobEvent struct {
	Type JobEventType
	// NomadType is Nomad's event type ("JobRegistered", "JobBatchDeregistered", ...), for logs.
	NomadType string
	// Key is the job ID the event is about.
	Key string
	// Job is the job the event carries (nil when it carries none, e.g. a purge).
	Job *LiveJob
}

// DeploymentEvent is one event of the Deployment topic.
type DeploymentEvent struct {
	ID, JobID   string
	Status      DeploymentStatus
	Description string
}

// Event is one event of the stream: exactly one of Job and Deployment is set.
type Event struct {
	Job        *JobEvent
	Deployment *DeploymentEvent
}

// EventBatch is what the stream delivers at once: events up to Index, or Err (after which
// the channel closes).
type EventBatch struct {
	Index  uint64
	Events []Event
	Err    error
}

// Events subscribes to the Job and Deployment topics of ns from index on (0: from now)
// until ctx ends. The channel closes after a batch carrying an error; the caller
// resubscribes from the last index it saw (nomad-mapping §2.9).
func (c *Client) Events(ctx context.Context, ns string, index uint64) (<-chan EventBatch, error) {
	topics := map[api.Topic][]string{api.TopicJob: {"*"}, api.TopicDeployment: {"*"}}
	in, err := c.api.EventStream().Stream(ctx, topics, index, &api.QueryOptions{Namespace: ns})
	if err != nil {
		return nil, fmt.Errorf("subscribe to the event stream of %s: %w", ns, err)
	}
	out := make(chan EventBatch)
	go func() {
		defer close(out)
		for evs := range in {
			b := EventBatch{Index: evs.Index, Err: evs.Err}
			for i := range evs.Events {
				if ev, ok := eventOf(&evs.Events[i]); ok {
					b.Events = append(b.Events, ev)
				}
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
			if b.Err != nil {
				return
			}
		}
	}()
	return out, nil
}

func eventOf(ev *api.Event) (Event, bool) {
	switch ev.Topic {
	case api.TopicJob:
		je := &JobEvent{Type: JobChanged, NomadType: ev.Type, Key: ev.Key}
		switch ev.Type {
		case "JobRegistered":
			je.Type = JobRegistered
		case "JobDeregistered", "JobBatchDeregistered":
			je.Type = JobDeregistered
		}
		if je.Type != JobChanged {
			if job, err := ev.Job(); err == nil && job != nil && job.ID != nil {
				je.Job = liveJobOf(job)
			}
		}
		return Event{Job: je}, true
	case api.TopicDeployment:
		d, err := ev.Deployment()
		if err != nil || d == nil {
			return Event{}, false
		}
		return Event{Deployment: &DeploymentEvent{ID: d.ID, JobID: d.JobID, Status: DeploymentStatus(d.Status), Description: d.StatusDescription}}, true
	}
	return Event{}, false
}
