package nomadbackend

import (
	"encoding/json"
	"fmt"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
)

// Job is a Nomad job ready to be planned or registered: a translation's (JobOf),
// one bound in a plan file (DecodeJob), or a version Nomad kept
// (Client.JobVersion). Its content is the backend's business; the engine only names it
// and hands it back.
type Job struct{ job *api.Job }

// WrapJob makes a Job of a Nomad api job (translations, tests).
func WrapJob(j *api.Job) *Job { return &Job{job: j} }

// DecodeJob reads a job as JobJSON wrote it (plan files).
func DecodeJob(b []byte) (*Job, error) {
	j := &api.Job{}
	if err := json.Unmarshal(b, j); err != nil {
		return nil, fmt.Errorf("decode Nomad job: %w", err)
	}
	return &Job{job: j}, nil
}

// ID is the Nomad job ID.
func (j *Job) ID() string { return jobID(j.job) }

// Namespace is where the job goes ("default" when unset).
func (j *Job) Namespace() string { return jobNamespace(j.job) }

// SetNamespace sets where the job goes.
func (j *Job) SetNamespace(ns string) { j.job.Namespace = &ns }

// SetID renames the job (ID and name): a one-off task job bound in a plan gets a new ID
// for every run.
func (j *Job) SetID(id string) { j.job.ID, j.job.Name = &id, &id }

// JSON encodes the job as Nomad's API takes it (plan files).
func (j *Job) JSON() (json.RawMessage, error) { return nomadjob.JobJSON(j.job) }

// Summary is the LiveJob this job is once registered, indexes and status aside.
func (j *Job) Summary() *LiveJob { return liveJobOf(j.job) }

// JobOf is the translated job as a Job to plan and register. It shares the
// translation's job: a namespace set on one is set on both.
func JobOf(t *nomadjob.Translation) *Job { return &Job{job: t.Job} }

// LiveJob is what ecsgit reads of a job in Nomad: its identity, state, indexes and
// ownership meta. It is a summary on purpose: a decoded Nomad job is tens of KiB, and a
// daemon keeps one per service between passes.
type LiveJob struct {
	ID, Namespace string
	Status        JobStatus
	// Stopped: deregistered but still kept by Nomad.
	Stopped        bool
	Version        uint64
	JobModifyIndex uint64
	// ManagedBy and Source are the ownership meta (nomadjob.MetaManagedBy, nomadjob.MetaSource).
	ManagedBy, Source string
	// Desired is the sum of the task groups' counts.
	Desired int
	// Scaling is the live group's scaling block (nil: none): the range the Nomad
	// Autoscaler keeps Desired in.
	Scaling *ScalingRange `json:",omitempty"`
}

// ScalingRange is a group's `scaling { min, max, enabled }`.
type ScalingRange struct {
	Min, Max int
	Enabled  bool
}

// liveJobOf summarises a Nomad job (nil for nil).
func liveJobOf(j *api.Job) *LiveJob {
	if j == nil {
		return nil
	}
	l := &LiveJob{ID: jobID(j), Namespace: jobNamespace(j), Stopped: j.Stop != nil && *j.Stop,
		ManagedBy: j.Meta[nomadjob.MetaManagedBy], Source: j.Meta[nomadjob.MetaSource]}
	if j.Status != nil {
		l.Status = JobStatus(*j.Status)
	}
	if j.Version != nil {
		l.Version = *j.Version
	}
	if j.JobModifyIndex != nil {
		l.JobModifyIndex = *j.JobModifyIndex
	}
	for _, tg := range j.TaskGroups {
		if tg.Count != nil {
			l.Desired += *tg.Count
		}
		if sc := tg.Scaling; sc != nil && sc.Max != nil {
			l.Scaling = &ScalingRange{Max: int(*sc.Max), Enabled: sc.Enabled == nil || *sc.Enabled}
			if sc.Min != nil {
				l.Scaling.Min = int(*sc.Min)
			}
		}
	}
	return l
}
