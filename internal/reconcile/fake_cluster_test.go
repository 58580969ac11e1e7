package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
)

// fakeCluster is an in-memory Cluster for the engine's unit tests: jobs with
// EnforceIndex, records with check-and-set, family revisions, one deployment per
// registered version. Rollouts succeed at once unless a test scripts them (onRollout);
// a script that is never used fails the test (gh's httpmock Verify), so a test cannot
// pass by never reaching the path it means to exercise.
type fakeCluster struct {
	t *testing.T

	mu       sync.Mutex
	index    uint64 // the fake's Raft index: every write takes the next one
	jobs     map[string]*fakeJob
	records  map[string]*nomadbackend.ServiceRecord
	families map[string]*nomadbackend.FamilyRecord
	deps     map[string][]nomadbackend.Deployment
	calls    []string // "register web", "deregister api", "watch-deployment web", ...
	scripts  map[string]*rolloutScript
	secrets  map[string][]string // variable path → keys (SecretKeys)
	// taskExits: see onTaskExit.
	taskExits map[string]int
}

type fakeJob struct {
	live nomadbackend.LiveJob
	json []byte // the registered job, to tell a dry-run whether anything changed
}

// rolloutScript plays one rollout of a job: it gets the watch's Judge and returns the
// outcome (or an error, as a watch cut short does).
type rolloutScript struct {
	play func(judge func(nomadbackend.Observation) nomadbackend.Verdict) (nomadbackend.Outcome, error)
	used bool
}

func newFakeCluster(t *testing.T) *fakeCluster {
	f := &fakeCluster{t: t, index: 100, jobs: map[string]*fakeJob{}, records: map[string]*nomadbackend.ServiceRecord{},
		families: map[string]*nomadbackend.FamilyRecord{}, deps: map[string][]nomadbackend.Deployment{}, scripts: map[string]*rolloutScript{}}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for id, s := range f.scripts {
			if !s.used {
				t.Errorf("fake cluster: the scripted rollout of %s was never watched", id)
			}
		}
	})
	return f
}

var _ Cluster = (*fakeCluster)(nil)

// onRollout scripts the next rollout watched for job id (WatchRollout or WatchDeployment).
func (f *fakeCluster) onRollout(id string, play func(judge func(nomadbackend.Observation) nomadbackend.Verdict) (nomadbackend.Outcome, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scripts[id] = &rolloutScript{play: play}
}

// put places a job in the fake as someone else would have registered it.
func (f *fakeCluster) put(l nomadbackend.LiveJob) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.index++
	l.JobModifyIndex = f.index
	f.jobs[l.ID] = &fakeJob{live: l}
}

// touch changes a job outside ecsgit (`nomad job run` by hand): a new index and version.
func (f *fakeCluster) touch(id string) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.index++
	j := f.jobs[id]
	j.live.JobModifyIndex, j.live.Version, j.json = f.index, j.live.Version+1, nil
	return f.index
}

func (f *fakeCluster) callsOf(prefix string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if len(c) > len(prefix) && c[:len(prefix)] == prefix {
			out = append(out, c[len(prefix):])
		}
	}
	return out
}

func (f *fakeCluster) record(id string) *nomadbackend.ServiceRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return cloneRecord(f.records[id])
}

func (f *fakeCluster) Address() string  { return "fake://cluster" }
func (f *fakeCluster) Concurrency() int { return 4 }

func (f *fakeCluster) ReadJob(_ context.Context, _, id string) (*nomadbackend.LiveJob, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.jobs[id]
	if j == nil {
		return nil, nil
	}
	l := j.live
	return &l, nil
}

func (f *fakeCluster) ListOwned(_ context.Context, ns, source string) ([]nomadbackend.OwnedJob, error) {
	f.mu.Lock()
	f.calls = append(f.calls, "list-owned "+source)
	f.mu.Unlock()
	return f.list(ns, func(l nomadbackend.LiveJob) bool {
		return l.ManagedBy == nomadjob.ManagedByValue && l.Source == source
	}), nil
}

func (f *fakeCluster) ListManaged(_ context.Context, ns string) ([]nomadbackend.OwnedJob, error) {
	return f.list(ns, func(l nomadbackend.LiveJob) bool { return l.ManagedBy == nomadjob.ManagedByValue }), nil
}

func (f *fakeCluster) list(ns string, keep func(nomadbackend.LiveJob) bool) []nomadbackend.OwnedJob {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []nomadbackend.OwnedJob
	for _, j := range f.jobs {
		if keep(j.live) {
			out = append(out, nomadbackend.OwnedJob{Namespace: ns, ID: j.live.ID, Status: j.live.Status, Stopped: j.live.Stopped, JobModifyIndex: j.live.JobModifyIndex})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

func (f *fakeCluster) PlanJob(_ context.Context, job *nomadbackend.Job) (*nomadbackend.DryRun, error) {
	b, err := job.JSON()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	want := job.Summary().Desired
	cur := f.jobs[job.ID()]
	switch {
	case cur == nil:
		return &nomadbackend.DryRun{DiffType: nomadbackend.DiffAdded, Counts: nomadbackend.UpdateCounts{Place: want}}, nil
	case !cur.live.Stopped && bytes.Equal(cur.json, b):
		return &nomadbackend.DryRun{DiffType: nomadbackend.DiffNone, JobModifyIndex: cur.live.JobModifyIndex}, nil
	}
	return &nomadbackend.DryRun{DiffType: nomadbackend.DiffEdited, JobModifyIndex: cur.live.JobModifyIndex,
		Counts: nomadbackend.UpdateCounts{Destructive: want}}, nil
}

func (f *fakeCluster) Register(_ context.Context, job *nomadbackend.Job, modifyIndex uint64) (string, uint64, error) {
	b, err := job.JSON()
	if err != nil {
		return "", 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := job.ID()
	f.calls = append(f.calls, "register "+id)
	cur := f.jobs[id]
	live := uint64(0)
	if cur != nil {
		live = cur.live.JobModifyIndex
	}
	if modifyIndex != live {
		return "", 0, &nomadbackend.ConflictError{Namespace: job.Namespace(), JobID: id, PlannedIndex: modifyIndex, LiveIndex: live,
			Detail: fmt.Sprintf("job exists with conflicting job modify index: %d", live)}
	}
	f.index++
	l := job.Summary()
	l.JobModifyIndex, l.Status = f.index, nomadbackend.JobRunning
	if cur != nil {
		l.Version = cur.live.Version + 1
	}
	f.jobs[id] = &fakeJob{live: *l, json: b}
	f.deps[id] = append(f.deps[id], nomadbackend.Deployment{ID: fmt.Sprintf("dep-%s-%d", id, l.Version), JobID: id,
		JobVersion: l.Version, Status: nomadbackend.DeploymentRunning, CreateIndex: f.index})
	return "eval-" + id, f.index, nil
}

func (f *fakeCluster) Deregister(_ context.Context, _, id string, _ bool) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "deregister "+id)
	if j := f.jobs[id]; j != nil {
		f.index++
		j.live.Stopped, j.live.JobModifyIndex = true, f.index
	}
	return "eval-stop-" + id, nil
}

func (f *fakeCluster) JobVersion(context.Context, string, string, uint64) (*nomadbackend.Job, error) {
	return nil, nil // the fake keeps no old versions
}

func (f *fakeCluster) DiffJobVersions(context.Context, string, string, uint64, uint64) (*nomadbackend.JobDiff, error) {
	return nil, nil
}

func (f *fakeCluster) TaskCounts(context.Context, string, string) (nomadbackend.TaskCounts, error) {
	return nomadbackend.TaskCounts{}, nil
}

func (f *fakeCluster) Deployments(_ context.Context, _, id string) ([]nomadbackend.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]nomadbackend.Deployment(nil), f.deps[id]...), nil
}

func (f *fakeCluster) WatchRollout(_ context.Context, _, id, _ string, opts nomadbackend.WatchOptions, _ func(nomadbackend.Progress)) (nomadbackend.Outcome, error) {
	return f.watch("watch-rollout ", id, opts)
}

func (f *fakeCluster) WatchDeployment(_ context.Context, _, id, _ string, opts nomadbackend.WatchOptions, _ func(nomadbackend.Progress)) (nomadbackend.Outcome, error) {
	return f.watch("watch-deployment ", id, opts)
}

func (f *fakeCluster) watch(kind, id string, opts nomadbackend.WatchOptions) (nomadbackend.Outcome, error) {
	f.mu.Lock()
	f.calls = append(f.calls, kind+id)
	s := f.scripts[id]
	version := uint64(0)
	if j := f.jobs[id]; j != nil {
		version = j.live.Version
	}
	if s != nil {
		if s.used {
			s = nil // scripts play once
		} else {
			s.used = true
		}
	}
	f.mu.Unlock()
	if s == nil {
		return nomadbackend.Outcome{Status: nomadbackend.RolloutSucceeded, JobVersion: version}, nil
	}
	return s.play(opts.Judge)
}

func (f *fakeCluster) ReadServiceRecord(_ context.Context, _, id string) (*nomadbackend.ServiceRecord, error) {
	return f.record(id), nil
}

func (f *fakeCluster) WriteServiceRecord(_ context.Context, r *nomadbackend.ServiceRecord) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := uint64(0)
	if old := f.records[r.JobID]; old != nil {
		cur = old.ModifyIndex
	}
	if r.ModifyIndex != cur {
		return fmt.Errorf("write record of %s: %w", r.JobID, nomadbackend.ErrRecordConflict)
	}
	f.index++
	r.ModifyIndex = f.index
	f.records[r.JobID] = cloneRecord(r)
	return nil
}

func (f *fakeCluster) UpdateServiceRecord(ctx context.Context, ns, id string, fn func(*nomadbackend.ServiceRecord) error) (*nomadbackend.ServiceRecord, error) {
	for {
		r := f.record(id)
		if r == nil {
			r = &nomadbackend.ServiceRecord{Namespace: ns, JobID: id}
		}
		if err := fn(r); err != nil {
			return nil, err
		}
		err := f.WriteServiceRecord(ctx, r)
		if err == nil {
			return r, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
	}
}

func (f *fakeCluster) ReadFamilyRecord(_ context.Context, ns, family string) (*nomadbackend.FamilyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr := &nomadbackend.FamilyRecord{Namespace: ns, Family: family, Revisions: map[string]int{}}
	if cur := f.families[family]; cur != nil {
		fr.Latest, fr.ModifyIndex = cur.Latest, cur.ModifyIndex
		for k, v := range cur.Revisions {
			fr.Revisions[k] = v
		}
	}
	return fr, nil
}

func (f *fakeCluster) AssignRevision(_ context.Context, ns, family, contentHash string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr := f.families[family]
	if fr == nil {
		fr = &nomadbackend.FamilyRecord{Namespace: ns, Family: family, Revisions: map[string]int{}}
		f.families[family] = fr
	}
	if rev, ok := fr.Revisions[contentHash]; ok {
		return rev, nil
	}
	f.index++
	fr.Latest++
	fr.Revisions[contentHash], fr.ModifyIndex = fr.Latest, f.index
	return fr.Latest, nil
}

// cloneRecord deep-copies a record (nil for nil): what the fake stores must not change
// when a caller mutates what it was given.
func cloneRecord(r *nomadbackend.ServiceRecord) *nomadbackend.ServiceRecord {
	if r == nil {
		return nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // a record always encodes
	}
	var c nomadbackend.ServiceRecord
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return &c
}

func (f *fakeCluster) EnsureSecretsPolicy(_ context.Context, _, id string, _ []string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "secrets-policy "+id)
	return false, nil
}

func (f *fakeCluster) ResolveImage(_ context.Context, image string, _ *nomadbackend.RegistryCredentials) (string, error) {
	return "", fmt.Errorf("the fake cluster has no registry (image %s)", image)
}

func (f *fakeCluster) SecretKeys(_ context.Context, _, path string) ([]string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	keys, ok := f.secrets[path]
	return keys, ok, nil
}

// fakeTaskExits scripts the exit code of the fake's one-off tasks by job-ID prefix
// (the family); a task without a script exits 0.
var fakeTaskExitsMu sync.Mutex

func (f *fakeCluster) onTaskExit(family string, code int) {
	fakeTaskExitsMu.Lock()
	defer fakeTaskExitsMu.Unlock()
	if f.taskExits == nil {
		f.taskExits = map[string]int{}
	}
	f.taskExits[family] = code
}

func (f *fakeCluster) RunTask(_ context.Context, job *nomadbackend.Job) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "run-task "+job.ID())
	return "eval-" + job.ID(), nil
}

func (f *fakeCluster) WaitTasks(_ context.Context, ns, jobID, container string, _ io.Writer) ([]nomadbackend.Task, error) {
	fakeTaskExitsMu.Lock()
	defer fakeTaskExitsMu.Unlock()
	code := 0
	for fam, c := range f.taskExits {
		if strings.HasPrefix(jobID, fam+"-run-") {
			code = c
		}
	}
	return []nomadbackend.Task{{TaskID: "alloc-" + jobID, JobID: jobID, Namespace: ns, LastStatus: nomadbackend.TaskStopped,
		StopCode: nomadbackend.StopEssentialContainerExited, StoppedReason: "Essential container in task exited",
		Containers: []nomadbackend.TaskContainer{{Name: container, LastStatus: nomadbackend.TaskStopped, ExitCode: &code}}}}, nil
}

func (f *fakeCluster) StopTask(_ context.Context, ns, jobID string) error { return nil }

func (f *fakeCluster) PurgeExpiredTasks(context.Context, string, time.Duration, time.Time) ([]string, error) {
	return nil, nil
}

// jobIndexes is every job's JobModifyIndex, by ID.
func (f *fakeCluster) jobIndexes() map[string]uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]uint64, len(f.jobs))
	for id, j := range f.jobs {
		out[id] = j.live.JobModifyIndex
	}
	return out
}
