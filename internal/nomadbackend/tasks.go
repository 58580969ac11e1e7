package nomadbackend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
)

// TaskStatus is an ECS task's lastStatus, derived from the Nomad allocation.
type TaskStatus string

const (
	TaskPending TaskStatus = "PENDING" // placed, image being pulled or container starting
	TaskRunning TaskStatus = "RUNNING"
	TaskStopped TaskStatus = "STOPPED"
)

// StopCode is ECS's stopCode of a stopped task.
type StopCode string

const (
	StopEssentialContainerExited StopCode = "EssentialContainerExited"
	StopTaskFailedToStart        StopCode = "TaskFailedToStart"
	StopUserInitiated            StopCode = "UserInitiated"
)

// Task is one ECS task of a run-task job: one Nomad allocation.
type Task struct {
	TaskID         string          `json:"taskId"` // the allocation ID
	JobID          string          `json:"jobId"`
	Namespace      string          `json:"namespace"`
	TaskDefinition string          `json:"taskDefinition"`
	StartedBy      string          `json:"startedBy,omitempty"`
	Group          string          `json:"group,omitempty"`
	LastStatus     TaskStatus      `json:"lastStatus"`
	DesiredStatus  TaskStatus      `json:"desiredStatus"`
	StopCode       StopCode        `json:"stopCode,omitempty"`
	StoppedReason  string          `json:"stoppedReason,omitempty"`
	Containers     []TaskContainer `json:"containers"`
	CreatedAt      time.Time       `json:"createdAt"`
	StoppedAt      *time.Time      `json:"stoppedAt,omitempty"`
}

// TaskContainer is one container of a task (a Nomad task of the allocation).
type TaskContainer struct {
	Name       string     `json:"name"`
	LastStatus TaskStatus `json:"lastStatus"`
	ExitCode   *int       `json:"exitCode,omitempty"`
	Reason     string     `json:"reason,omitempty"`
}

// PlacementError: Nomad's scheduler cannot place the tasks, so none was started (as
// RunTask answers with failures and no task). Reasons are DescribePlacementFailures'.
type PlacementError struct {
	JobID   string
	Reasons []string
}

func (e *PlacementError) Error() string {
	return fmt.Sprintf("unable to place the tasks of %s: %s", e.JobID, strings.Join(e.Reasons, "; "))
}

// RunTask places a one-off task job (nomadjob.TranslateRunTask). The scheduler's dry
// run comes first: tasks that cannot be placed are refused with a *PlacementError and
// nothing is registered, so a task never starts hours later when capacity appears
// (ECS's RunTask does not queue either). The job must not exist yet.
func (c *Client) RunTask(ctx context.Context, job *Job) (evalID string, err error) {
	dry, err := c.PlanJob(ctx, job)
	if err != nil {
		return "", err
	}
	if len(dry.Failures) > 0 {
		return "", &PlacementError{JobID: job.ID(), Reasons: dry.Failures}
	}
	evalID, _, err = c.Register(ctx, job, 0)
	if err != nil {
		return "", err
	}
	// The dry run and the register are not atomic: if the evaluation could not place
	// everything after all, the job is purged rather than left blocked.
	ev, err := waitEval(ctx, c.api, job.Namespace(), evalID, 0, 5*time.Second)
	if err != nil {
		return evalID, err
	}
	if reasons := DescribePlacementFailures(ev.FailedTGAllocs); len(reasons) > 0 {
		if _, derr := c.Deregister(ctx, job.Namespace(), job.ID(), true); derr != nil {
			return evalID, errors.Join(&PlacementError{JobID: job.ID(), Reasons: reasons}, derr)
		}
		return evalID, &PlacementError{JobID: job.ID(), Reasons: reasons}
	}
	return evalID, nil
}

// TaskFilter selects run-task jobs for ListTasks.
type TaskFilter struct {
	StartedBy, Group, Family string
}

// ListTasks lists the tasks of the run-task jobs in ns (the allocations of every job
// with nomadjob.MetaKind = run-task) and of the schedules' launches, newest first.
func (c *Client) ListTasks(ctx context.Context, ns string, f TaskFilter) ([]Task, error) {
	jobs, err := c.listTaskJobs(ctx, ns)
	if err != nil {
		return nil, err
	}
	var out []Task
	for _, j := range jobs {
		m := j.Meta
		if f.StartedBy != "" && m[nomadjob.MetaStartedBy] != f.StartedBy || f.Group != "" && m[nomadjob.MetaGroup] != f.Group ||
			f.Family != "" && familyOfRef(m[nomadjob.MetaTaskDefinition]) != f.Family {
			continue
		}
		ts, err := c.JobTasks(ctx, ns, *j.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].CreatedAt.After(out[b].CreatedAt) })
	return out, nil
}

func familyOfRef(ref string) string {
	if i := strings.LastIndexByte(ref, ':'); i >= 0 {
		return ref[:i]
	}
	return ref
}

// listTaskJobs reads the full run-task jobs of ns (meta is not in job stubs).
func (c *Client) listTaskJobs(ctx context.Context, ns string) ([]*api.Job, error) {
	q := queryOpts(ctx, ns)
	// One-off tasks, and the launches of schedules (the children of periodic jobs).
	q.Filter = fmt.Sprintf("Meta[%q] == %q and (Meta[%q] == %q or (Meta[%q] == %q and ParentID != \"\"))", nomadjob.MetaManagedBy, nomadjob.ManagedByValue,
		nomadjob.MetaKind, nomadjob.KindRunTask, nomadjob.MetaKind, nomadjob.KindSchedule)
	stubs, err := c.listJobs(q)
	if err != nil {
		return nil, fmt.Errorf("list run-task jobs in %s: %w", ns, err)
	}
	out := make([]*api.Job, 0, len(stubs))
	for _, s := range stubs {
		j, err := c.readJob(ctx, ns, s.ID)
		if err != nil {
			return nil, err
		}
		if j != nil {
			out = append(out, j)
		}
	}
	return out, nil
}

// JobTasks returns the tasks (allocations) of one run-task job.
func (c *Client) JobTasks(ctx context.Context, ns, jobID string) ([]Task, error) {
	job, err := c.readJob(ctx, ns, jobID)
	if err != nil || job == nil {
		return nil, err
	}
	allocs, _, err := c.api.Jobs().Allocations(jobID, true, queryOpts(ctx, ns))
	if err != nil {
		return nil, fmt.Errorf("read allocations of %s/%s: %w", ns, jobID, err)
	}
	out := make([]Task, 0, len(allocs))
	for _, a := range allocs {
		out = append(out, taskOf(job, a))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// StopTask stops a run-task job: every task of it (ECS StopTask stops one task; a
// run-task job of count N is stopped as a whole, see docs/tasks.md). The job is kept,
// dead, until the retention period ends, so list-tasks still shows why it stopped.
func (c *Client) StopTask(ctx context.Context, ns, jobID string) error {
	job, err := c.readJob(ctx, ns, jobID)
	if err != nil {
		return err
	}
	if job == nil || job.Meta[nomadjob.MetaKind] != nomadjob.KindRunTask && (job.ParentID == nil || *job.ParentID == "") {
		return fmt.Errorf("stop task %s/%s: no ecsgit run-task job with that ID (see ecsgit list-tasks)", ns, jobID)
	}
	_, err = c.Deregister(ctx, ns, jobID, false)
	return err
}

// PurgeExpiredTasks removes the run-task jobs of ns that finished more than retention
// ago (their tasks are all stopped), so they neither pile up nor are kept for Nomad's
// own job GC only. It returns the IDs purged.
func (c *Client) PurgeExpiredTasks(ctx context.Context, ns string, retention time.Duration, now time.Time) ([]string, error) {
	jobs, err := c.listTaskJobs(ctx, ns)
	if err != nil {
		return nil, err
	}
	var purged []string
	for _, j := range jobs {
		if j.Status == nil || *j.Status != "dead" {
			continue
		}
		ts, err := c.JobTasks(ctx, ns, *j.ID)
		if err != nil {
			return purged, err
		}
		if finishedAt(j, ts).Add(retention).After(now) {
			continue
		}
		if _, err := c.Deregister(ctx, ns, *j.ID, true); err != nil {
			return purged, err
		}
		purged = append(purged, *j.ID)
	}
	return purged, nil
}

// finishedAt is when the last task of a dead job stopped (the job's submit time when
// it has none).
func finishedAt(j *api.Job, ts []Task) time.Time {
	var t time.Time
	if j.SubmitTime != nil {
		t = time.Unix(0, *j.SubmitTime)
	}
	for _, tk := range ts {
		if tk.StoppedAt != nil && tk.StoppedAt.After(t) {
			t = *tk.StoppedAt
		}
	}
	return t
}

// taskOf derives an ECS task from an allocation.
func taskOf(job *api.Job, a *api.AllocationListStub) Task {
	t := Task{
		TaskID: a.ID, JobID: a.JobID, Namespace: a.Namespace,
		TaskDefinition: job.Meta[nomadjob.MetaTaskDefinition],
		StartedBy:      job.Meta[nomadjob.MetaStartedBy], Group: job.Meta[nomadjob.MetaGroup],
		CreatedAt: time.Unix(0, a.CreateTime).UTC(), DesiredStatus: TaskRunning,
	}
	if a.DesiredStatus != api.AllocDesiredStatusRun || (job.Stop != nil && *job.Stop) {
		t.DesiredStatus = TaskStopped
	}
	names := make([]string, 0, len(a.TaskStates))
	for n := range a.TaskStates {
		names = append(names, n)
	}
	sort.Strings(names)
	started := false
	for _, n := range names {
		c := containerOf(n, a.TaskStates[n])
		started = started || !a.TaskStates[n].StartedAt.IsZero()
		t.Containers = append(t.Containers, c)
	}
	switch a.ClientStatus {
	case api.AllocClientStatusPending:
		t.LastStatus = TaskPending
	case api.AllocClientStatusRunning:
		t.LastStatus = TaskRunning
	default:
		t.LastStatus, t.DesiredStatus = TaskStopped, TaskStopped
		stopped := time.Unix(0, a.ModifyTime).UTC()
		t.StoppedAt = &stopped
		t.StopCode, t.StoppedReason = stopCause(job, a, t.Containers, started)
	}
	return t
}

func containerOf(name string, s *api.TaskState) TaskContainer {
	c := TaskContainer{Name: name, LastStatus: TaskPending}
	switch s.State {
	case "running":
		c.LastStatus = TaskRunning
	case "dead":
		c.LastStatus = TaskStopped
	}
	for _, ev := range s.Events {
		switch ev.Type {
		case api.TaskTerminated:
			c.ExitCode = new(ev.ExitCode)
			if ev.Signal != 0 {
				c.Reason = fmt.Sprintf("killed by signal %d", ev.Signal)
			}
		case api.TaskDriverFailure, api.TaskSetupFailure, api.TaskFailedValidation:
			c.Reason = startFailureReason(ev)
		}
	}
	return c
}

// startFailureReason names a start failure the way the ECS agent does
// (CannotPullContainerError, CannotStartContainerError).
func startFailureReason(ev *api.TaskEvent) string {
	msg := ev.DisplayMessage
	if msg == "" {
		msg = ev.DriverError
	}
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "pull") || strings.Contains(low, "image") && strings.Contains(low, "not found"):
		return "CannotPullContainerError: " + msg
	case ev.Type == api.TaskDriverFailure:
		return "CannotStartContainerError: " + msg
	}
	return msg
}

func stopCause(job *api.Job, a *api.AllocationListStub, cs []TaskContainer, started bool) (StopCode, string) {
	for _, c := range cs {
		if strings.HasPrefix(c.Reason, "Cannot") {
			return StopTaskFailedToStart, c.Reason
		}
	}
	if (job.Stop != nil && *job.Stop) || a.DesiredStatus == api.AllocDesiredStatusStop {
		return StopUserInitiated, "Task stopped by user"
	}
	if !started {
		return StopTaskFailedToStart, firstNonEmpty(a.ClientDescription, "the task never started")
	}
	return StopEssentialContainerExited, "Essential container in task exited"
}

// WaitTasks follows the tasks of a run-task job until every one of them has stopped,
// copying the logs of container (stdout and stderr, in arrival order) of each task to
// logs as they come (nil: no logs). With several tasks every line is prefixed with the
// task ID's first 8 characters.
func (c *Client) WaitTasks(ctx context.Context, ns, jobID, container string, logs io.Writer) ([]Task, error) {
	job, err := c.readJob(ctx, ns, jobID)
	if err != nil {
		return nil, err
	}
	if job == nil {
		return nil, fmt.Errorf("wait for %s/%s: no such job", ns, jobID)
	}
	want := 0
	for _, tg := range job.TaskGroups {
		if tg.Count != nil {
			want += *tg.Count
		}
	}
	lw := &lockedWriter{w: logs}
	var streams sync.WaitGroup
	followed := map[string][]*logStream{} // by allocation
	streamCtx, stopStreams := context.WithCancel(ctx)
	// No stream may write to logs once WaitTasks has returned.
	defer func() { stopStreams(); streams.Wait() }()
	q := &api.QueryOptions{Namespace: ns, WaitTime: 5 * time.Second}
	for {
		allocs, meta, err := c.api.Jobs().Allocations(jobID, true, q.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("follow %s/%s: %w", ns, jobID, err)
		}
		done := len(allocs) >= want
		for _, a := range allocs {
			terminal := clientTerminal(a.ClientStatus)
			if logs != nil && followed[a.ID] == nil && (taskStarted(a, container) || terminal) {
				prefix := ""
				if want > 1 {
					prefix = "[" + a.ID[:8] + "] "
				}
				for _, typ := range []string{"stdout", "stderr"} {
					ls := &logStream{allocID: a.ID, task: container, typ: typ, w: &prefixWriter{w: lw, prefix: prefix}}
					followed[a.ID] = append(followed[a.ID], ls)
					if !terminal { // a finished task's log is read once, below
						streams.Add(1)
						go func() { defer streams.Done(); c.readLogs(streamCtx, ns, ls, true) }()
					}
				}
			}
			if !terminal {
				done = false
			}
		}
		if done {
			// A followed stream does not end when its task does: it is given logDrain,
			// then stopped, and what it had not delivered yet is read to the end.
			waitTimeout(&streams, logDrain)
			stopStreams()
			streams.Wait()
			c.drainLogs(ctx, ns, sortedStreams(followed))
			return c.JobTasks(ctx, ns, jobID)
		}
		q.WaitIndex = meta.LastIndex
	}
}

// logDrain is how long the followed log streams of a finished task are read on before
// the rest is read without following.
const logDrain = 1500 * time.Millisecond

// The Nomad client copies a container's output into the allocation's log files on its
// own schedule (the docker driver's logger), so a task can be reported dead before the
// tail of its output, or all of it, is in the files: on a loaded host a read right after
// the end missed the last lines (a full run of the suite saw it twice). drainLogs reads
// every stream to its end again until none has grown for logQuiet, for at most
// logSettle; a read that fails is tried again in the next round. While no stream has
// given a byte it waits the whole logSettle: the client had not written a line of a
// task's output 2 s after its end in a fresh-clone CI run (TestRunTaskWaitExitsWithContainerCode),
// and a task that prints nothing at all costs that wait once.
const (
	logQuiet  = 2 * time.Second
	logSettle = 15 * time.Second
	logPoll   = 250 * time.Millisecond
)

func (c *Client) drainLogs(ctx context.Context, ns string, streams []*logStream) {
	start := time.Now()
	lastGrowth := start
	for {
		var copied int64
		for _, ls := range streams {
			before := ls.copied
			c.readLogs(ctx, ns, ls, false)
			if ls.copied > before {
				lastGrowth = time.Now()
			}
			copied += ls.copied
		}
		if (copied > 0 && time.Since(lastGrowth) >= logQuiet) || time.Since(start) >= logSettle {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(logPoll):
		}
	}
}

// logStream is one log (stdout or stderr) of one task's container, and how much of it
// has been copied.
type logStream struct {
	allocID, task, typ string
	w                  io.Writer
	copied             int64
}

func sortedStreams(m map[string][]*logStream) []*logStream {
	var out []*logStream
	for _, id := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[id]...)
	}
	return out
}

func taskStarted(a *api.AllocationListStub, container string) bool {
	s := a.TaskStates[container]
	return s != nil && !s.StartedAt.IsZero()
}

// readLogs copies ls from where it stopped: following (until ctx ends) or to the end.
func (c *Client) readLogs(ctx context.Context, ns string, ls *logStream, follow bool) {
	alloc, _, err := c.api.Allocations().Info(ls.allocID, queryOpts(ctx, ns))
	if err != nil {
		return
	}
	frames, errs := c.api.AllocFS().Logs(alloc, follow, ls.task, ls.typ, api.OriginStart, ls.copied, ctx.Done(), queryOpts(ctx, ns))
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				return
			}
			if f != nil && len(f.Data) > 0 {
				_, _ = ls.w.Write(f.Data)
				ls.copied += int64(len(f.Data))
			}
		case <-errs:
			return
		case <-ctx.Done():
			return
		}
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(d):
	}
}

// lockedWriter serialises the writes of several log streams.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// prefixWriter prefixes every line (several tasks' logs interleave).
type prefixWriter struct {
	w      io.Writer
	prefix string
	mid    bool // inside a line
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if p.prefix == "" {
		return p.w.Write(b)
	}
	var out []byte
	for _, ch := range b {
		if !p.mid {
			out = append(out, p.prefix...)
			p.mid = true
		}
		out = append(out, ch)
		if ch == '\n' {
			p.mid = false
		}
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

func clientTerminal(s string) bool {
	switch s {
	case api.AllocClientStatusComplete, api.AllocClientStatusFailed, api.AllocClientStatusLost:
		return true
	}
	return false
}
