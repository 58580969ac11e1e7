package nomadbackend

import (
	"context"
	"fmt"
	"sort"
	"time"

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
	// NomadType is Nomad's event type (DeploymentStatusUpdate, DeploymentPromotion,
	// DeploymentAllocHealth).
	NomadType  string
	JobVersion uint64
	// Desired and Healthy sum the task groups' counts; AutoRevert is set when any group
	// reverts on failure (ecsgit's circuit breaker with rollback).
	Desired, Placed, Healthy, Unhealthy int
	AutoRevert                          bool
	ModifyIndex                         uint64
	CreateTime, ModifyTime              time.Time
}

// Event is one event of the stream: exactly one of Job, Deployment, Alloc and Eval is set.
type Event struct {
	// Index is the Raft index of the change (several events may share one).
	Index      uint64
	Job        *JobEvent
	Deployment *DeploymentEvent
	Alloc      *AllocEvent
	Eval       *EvalEvent
}

// EventBatch is what the stream delivers at once: events up to Index, or Err (after which
// the channel closes).
type EventBatch struct {
	Index  uint64
	Events []Event
	Err    error
}

// EventTopic names a topic of Nomad's event stream.
type EventTopic string

// The topics ecsgit reads.
const (
	TopicJob        EventTopic = EventTopic(api.TopicJob)
	TopicDeployment EventTopic = EventTopic(api.TopicDeployment)
	TopicAllocation EventTopic = EventTopic(api.TopicAllocation)
	TopicEvaluation EventTopic = EventTopic(api.TopicEvaluation)
)

// Events subscribes to the Job and Deployment topics of ns from index on (0: from now)
// until ctx ends. The channel closes after a batch carrying an error; the caller
// resubscribes from the last index it saw (nomad-mapping §2.9).
func (c *Client) Events(ctx context.Context, ns string, index uint64) (<-chan EventBatch, error) {
	return c.EventsOf(ctx, ns, index, TopicJob, TopicDeployment)
}

// EventsOf is Events for the given topics.
func (c *Client) EventsOf(ctx context.Context, ns string, index uint64, topics ...EventTopic) (<-chan EventBatch, error) {
	sub := map[api.Topic][]string{}
	for _, t := range topics {
		sub[api.Topic(t)] = []string{"*"}
	}
	in, err := c.api.EventStream().Stream(ctx, sub, index, &api.QueryOptions{Namespace: ns})
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
	out := Event{Index: ev.Index}
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
		out.Job = je
		return out, true
	case api.TopicDeployment:
		d, err := ev.Deployment()
		if err != nil || d == nil {
			return Event{}, false
		}
		out.Deployment = deploymentEventOf(d, ev.Type)
		return out, true
	case api.TopicAllocation:
		a, err := ev.Allocation()
		if err != nil || a == nil {
			return Event{}, false
		}
		out.Alloc = AllocEventOf(a)
		out.Alloc.NomadType = ev.Type
		return out, true
	case api.TopicEvaluation:
		e, err := ev.Evaluation()
		if err != nil || e == nil {
			return Event{}, false
		}
		out.Eval = evalEventOf(e)
		return out, true
	}
	return Event{}, false
}

func deploymentEventOf(d *api.Deployment, nomadType string) *DeploymentEvent {
	de := &DeploymentEvent{ID: d.ID, JobID: d.JobID, Status: DeploymentStatus(d.Status), Description: d.StatusDescription,
		NomadType: nomadType, JobVersion: d.JobVersion, ModifyIndex: d.ModifyIndex,
		CreateTime: unixNano(d.CreateTime), ModifyTime: unixNano(d.ModifyTime)}
	for _, tg := range d.TaskGroups {
		if tg == nil {
			continue
		}
		de.Desired += tg.DesiredTotal
		de.Placed += tg.PlacedAllocs
		de.Healthy += tg.HealthyAllocs
		de.Unhealthy += tg.UnhealthyAllocs
		de.AutoRevert = de.AutoRevert || tg.AutoRevert
	}
	return de
}

// AllocEvent is what ecsgit reads of an allocation (an ECS task): identity, placement,
// status and the containers' states. It copies no environment, template or job: an
// event derived from it can never carry a secret value.
type AllocEvent struct {
	NomadType          string
	ID, Name, JobID    string
	Namespace          string
	NodeID, NodeName   string
	DeploymentID       string
	ClientStatus       string // pending|running|complete|failed|lost|unknown
	DesiredStatus      string // run|stop|evict
	DesiredDescription string
	// Healthy is the deployment's health verdict (nil: not decided yet).
	Healthy     *bool
	CreateTime  time.Time
	ModifyTime  time.Time
	ModifyIndex uint64
	// Tasks are the containers, sorted by name.
	Tasks []TaskStateEvent
}

// TaskStateEvent is one container of an allocation.
type TaskStateEvent struct {
	Name       string
	State      string // pending|running|dead
	Failed     bool
	StartedAt  time.Time
	FinishedAt time.Time
	// ExitCode is the exit code of the last "Terminated" task event (nil: none yet).
	ExitCode *int
	// LastEvent is the type and message of the task's newest event ("Driver Failure:
	// failed to pull image", "Terminated: Exit Code: 3"), which becomes stoppedReason.
	LastEventType, LastEventMessage string
	// Restarts counts the task's restarts.
	Restarts uint64
	// PullStarted is the time of the first "Downloading Artifacts"/"Driver" image pull
	// event, when Nomad reported one.
	PullStarted time.Time
}

// AllocEventOf summarises an allocation.
func AllocEventOf(a *api.Allocation) *AllocEvent {
	ae := &AllocEvent{ID: a.ID, Name: a.Name, JobID: a.JobID, Namespace: a.Namespace, NodeID: a.NodeID, NodeName: a.NodeName,
		DeploymentID: a.DeploymentID, ClientStatus: a.ClientStatus, DesiredStatus: a.DesiredStatus,
		DesiredDescription: a.DesiredDescription, ModifyIndex: a.ModifyIndex,
		CreateTime: unixNano(a.CreateTime), ModifyTime: unixNano(a.ModifyTime)}
	if a.DeploymentStatus != nil {
		ae.Healthy = a.DeploymentStatus.Healthy
	}
	for name, ts := range a.TaskStates {
		if ts == nil {
			continue
		}
		t := TaskStateEvent{Name: name, State: ts.State, Failed: ts.Failed, StartedAt: ts.StartedAt.UTC(), FinishedAt: ts.FinishedAt.UTC(), Restarts: ts.Restarts}
		for _, e := range ts.Events {
			if e == nil {
				continue
			}
			if e.Type == api.TaskTerminated {
				code := e.ExitCode
				t.ExitCode = &code
			}
			if e.Type == api.TaskDriverMessage && t.PullStarted.IsZero() {
				t.PullStarted = unixNano(e.Time)
			}
			msg := e.DisplayMessage
			if msg == "" {
				msg = e.Message
			}
			t.LastEventType, t.LastEventMessage = e.Type, msg
		}
		ae.Tasks = append(ae.Tasks, t)
	}
	sort.Slice(ae.Tasks, func(i, j int) bool { return ae.Tasks[i].Name < ae.Tasks[j].Name })
	return ae
}

// EvalEvent is an evaluation: what ecsgit reads of one is whether it could place every
// allocation, and if not, why (the scheduler's metrics).
type EvalEvent struct {
	ID, JobID, Status string
	TriggeredBy       string
	DeploymentID      string
	ModifyIndex       uint64
	ModifyTime        time.Time
	// FailedGroups are the task groups that could not be placed, with their reasons.
	FailedGroups []PlacementFailure
}

// PlacementFailure is why a task group's allocations could not be placed.
type PlacementFailure struct {
	Group  string
	Failed int // allocations not placed (CoalescedFailures + 1)
	// NodesEvaluated / NodesFiltered / NodesExhausted are the scheduler's counts; Reasons
	// are its dimensions ("memory", "cpu", "distinct_hosts", ...), sorted.
	NodesEvaluated, NodesFiltered, NodesExhausted int
	Reasons                                       []string
}

func evalEventOf(e *api.Evaluation) *EvalEvent {
	ev := &EvalEvent{ID: e.ID, JobID: e.JobID, Status: e.Status, TriggeredBy: e.TriggeredBy, DeploymentID: e.DeploymentID,
		ModifyIndex: e.ModifyIndex, ModifyTime: unixNano(e.ModifyTime)}
	for group, m := range e.FailedTGAllocs {
		if m == nil {
			continue
		}
		pf := PlacementFailure{Group: group, Failed: m.CoalescedFailures + 1, NodesEvaluated: m.NodesEvaluated,
			NodesFiltered: m.NodesFiltered, NodesExhausted: m.NodesExhausted}
		seen := map[string]bool{}
		for k := range m.DimensionExhausted {
			seen[k] = true
		}
		for k := range m.ConstraintFiltered {
			seen[k] = true
		}
		for k := range m.ClassExhausted {
			seen[k] = true
		}
		for k := range seen {
			pf.Reasons = append(pf.Reasons, k)
		}
		sort.Strings(pf.Reasons)
		ev.FailedGroups = append(ev.FailedGroups, pf)
	}
	sort.Slice(ev.FailedGroups, func(i, j int) bool { return ev.FailedGroups[i].Group < ev.FailedGroups[j].Group })
	return ev
}

// unixNano is Nomad's nanosecond timestamp as a time (zero for 0).
func unixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}
