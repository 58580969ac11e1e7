package ecsevents

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
)

// Options say where the events are (the ARNs' parts) and which jobs are services.
type Options struct {
	// Namespace is the Nomad namespace: the ECS cluster of the ARNs.
	Namespace string
	// Region and Account fill the ARNs and the envelope. Defaults: "global" (Nomad's
	// default region) and "000000000000" (there is no AWS account).
	Region, Account string
	// Source, when set, keeps only the jobs of this ecsgit ownership identity; empty keeps
	// every ecsgit-managed job.
	Source string
	// Services are the jobs known to be services before the stream starts (job ID →
	// service name); jobs registered later are learned from the Job topic.
	Services map[string]string
	// TaskDefinition names a job's task definition ("web:7"), when known.
	TaskDefinition func(jobID string) string
	// Now stamps events whose Nomad object carries no time.
	Now func() time.Time
}

// Mapper turns Nomad events into ECS events. It remembers, per allocation and
// deployment, what it already emitted, so that Nomad's many updates of one object yield
// one event per ECS transition. It is not safe for concurrent use.
type Mapper struct {
	o        Options
	services map[string]string // job ID → service
	tasks    map[string]*taskMemory
	deploys  map[string]string // deployment ID → last emitted status
	// reverting: job ID → the job version Nomad's auto-revert rolls back to.
	reverting map[string]uint64
	placed    map[string]bool // eval IDs whose placement failure was emitted
}

type taskMemory struct {
	last, desired string
	version       int
}

// NewMapper returns a mapper with an empty memory.
func NewMapper(o Options) *Mapper {
	if o.Region == "" {
		o.Region = "global"
	}
	if o.Account == "" {
		o.Account = "000000000000"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Mapper{o: o, services: map[string]string{}, tasks: map[string]*taskMemory{}, deploys: map[string]string{},
		reverting: map[string]uint64{}, placed: map[string]bool{}}
	for id, svc := range o.Services {
		m.services[id] = svc
	}
	return m
}

// Map derives the ECS events of one batch of Nomad events (one Raft index), in order.
func (m *Mapper) Map(b nomadbackend.EventBatch) []Event {
	var out []Event
	started, stopped := taskSet{}, taskSet{}
	for i := range b.Events {
		ev := &b.Events[i]
		switch {
		case ev.Job != nil:
			m.learnJob(ev.Job)
		case ev.Alloc != nil:
			out = append(out, m.task(ev.Index, ev.Alloc, started, stopped)...)
		case ev.Deployment != nil:
			out = append(out, m.deployment(ev.Index, ev.Deployment)...)
		case ev.Eval != nil:
			out = append(out, m.placement(ev.Index, ev.Eval)...)
		}
	}
	out = append(out, m.taskCounts(b.Index, started, "has started %d tasks:", "start")...)
	out = append(out, m.taskCounts(b.Index, stopped, "has stopped %d running tasks:", "stop")...)
	m.bound()
	return out
}

// learnJob records which jobs are services of this repository.
func (m *Mapper) learnJob(je *nomadbackend.JobEvent) {
	if je.Type == nomadbackend.JobDeregistered && je.Job == nil {
		return // keep the name: the stop events of its tasks follow
	}
	j := je.Job
	if j == nil {
		return
	}
	if j.ManagedBy != nomadjob.ManagedByValue || (m.o.Source != "" && j.Source != m.o.Source) {
		delete(m.services, j.ID)
		return
	}
	m.services[j.ID] = j.ID
}

// bound keeps the memory small in a long-running daemon: stopped tasks and ended
// deployments are not updated again, except in a replay, where the stable IDs make a
// repeat harmless.
func (m *Mapper) bound() {
	const limit = 20000
	if len(m.tasks) > limit {
		for id, t := range m.tasks {
			if t.last == taskStatusStopped {
				delete(m.tasks, id)
			}
		}
	}
	if len(m.deploys) > limit {
		clear(m.deploys)
	}
	if len(m.placed) > limit {
		clear(m.placed)
	}
}

func (m *Mapper) service(jobID string) (string, bool) {
	s, ok := m.services[jobID]
	return s, ok
}

func (m *Mapper) clusterArn() string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:cluster/%s", m.o.Region, m.o.Account, m.o.Namespace)
}

func (m *Mapper) serviceArn(svc string) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:service/%s/%s", m.o.Region, m.o.Account, m.o.Namespace, svc)
}

func (m *Mapper) taskArn(allocID string) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:task/%s/%s", m.o.Region, m.o.Account, m.o.Namespace, allocID)
}

func (m *Mapper) envelope(id, detailType string, t time.Time, resources []string, detail any) Envelope {
	if t.IsZero() {
		t = m.o.Now().UTC()
	}
	return Envelope{Version: "0", ID: id, DetailType: detailType, Source: Source, Account: m.o.Account,
		Time: t.Truncate(time.Second), Region: m.o.Region, Resources: resources, Detail: detail}
}

// consoleEvent is a human service event, as the ECS console lists them.
func (m *Mapper) consoleEvent(index uint64, svc string, t time.Time, key, msg string) Event {
	if t.IsZero() {
		t = m.o.Now().UTC()
	}
	id := eventID(m.o.Namespace, "console", svc, key)
	text := fmt.Sprintf("(service %s) %s", svc, msg)
	d := &ServiceEventDetail{ID: id, CreatedAt: t.Truncate(time.Second), Message: text, ServiceArn: m.serviceArn(svc)}
	return Event{Envelope: m.envelope(id, DetailServiceEvent, t, []string{m.serviceArn(svc)}, d), Service: svc, NomadIndex: index, Text: text}
}

// taskCounts is the console's "has started 2 tasks: (task a) (task b)." per service.
func (m *Mapper) taskCounts(index uint64, bySvc taskSet, format, verb string) []Event {
	svcs := make([]string, 0, len(bySvc))
	for s := range bySvc {
		svcs = append(svcs, s)
	}
	sort.Strings(svcs)
	var out []Event
	for _, s := range svcs {
		ids := bySvc[s].ids
		sort.Strings(ids)
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = "(task " + id + ")"
		}
		msg := fmt.Sprintf(format, len(ids)) + " " + strings.Join(parts, " ") + "."
		out = append(out, m.consoleEvent(index, s, bySvc[s].at, verb+"|"+strings.Join(ids, ","), msg))
	}
	return out
}

// taskSet gathers, per service, the tasks of one batch that started or stopped.
type taskSet map[string]*taskGroup

type taskGroup struct {
	ids []string
	at  time.Time
}

func (ts taskSet) add(svc, id string, at time.Time) {
	g := ts[svc]
	if g == nil {
		g = &taskGroup{}
		ts[svc] = g
	}
	g.ids = append(g.ids, id)
	if at.After(g.at) {
		g.at = at
	}
}
