package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// DefaultTaskRetention is how long a finished one-off task stays visible (list-tasks,
// `nomad job status`) before ecsgit purges its job: ECS keeps stopped tasks "for at
// least one hour" too.
const DefaultTaskRetention = time.Hour

// TaskRunner is what one-off tasks need of the cluster (run-task, pre-deploy tasks).
// The engine owns it; *nomadbackend.Client implements it.
type TaskRunner interface {
	// AssignRevision: the content of a task definition that runs gets its revision.
	AssignRevision(ctx context.Context, ns, family, contentHash string) (int, error)
	ReadFamilyRecord(ctx context.Context, ns, family string) (*nomadbackend.FamilyRecord, error)
	// RunTask dry-runs then registers a one-off job; *nomadbackend.PlacementError when
	// its tasks cannot be placed (nothing is left registered then).
	RunTask(ctx context.Context, job *nomadbackend.Job) (evalID string, err error)
	// WaitTasks follows the job's tasks until all stopped, copying container's logs.
	WaitTasks(ctx context.Context, ns, jobID, container string, logs io.Writer) ([]nomadbackend.Task, error)
	StopTask(ctx context.Context, ns, jobID string) error
	PurgeExpiredTasks(ctx context.Context, ns string, retention time.Duration, now time.Time) ([]string, error)
}

var _ TaskRunner = (*nomadbackend.Client)(nil)

// RunTaskRequest is one RunTask: a task definition of the repository with the inputs of
// `aws ecs run-task`.
type RunTaskRequest struct {
	Config spec.Config
	Source string
	// TaskDefinition is the definition as the repository holds it; Revision, when not 0,
	// must be the revision of that content (family:revision).
	TaskDefinition *spec.TaskDefinitionDoc
	Revision       int
	Overrides      *spec.TaskOverride
	Count          int
	StartedBy      string
	Group          string
	LaunchType     string
	// PlacementConstraints, PlacementStrategy and NetworkConfiguration as in RunTask.
	PlacementConstraints []spec.PlacementConstraint
	PlacementStrategy    []spec.PlacementStrategy
	NetworkConfiguration json.RawMessage
	// TestDriver: see nomadjob.TranslateOptions.
	TestDriver string
}

// StartedTask is a run-task job that Nomad accepted.
type StartedTask struct {
	Namespace, JobID string
	// TaskDefinition is family:revision.
	TaskDefinition string
	// Essential is the container whose exit code is the task's.
	Essential string
	Count     int
	Fidelity  []spec.FidelityNote
}

// StartTask validates the request, assigns the task definition's revision, translates
// it with its overrides and places it. Nothing is registered when validation, the
// revision check or placement fails.
func StartTask(ctx context.Context, b TaskRunner, req RunTaskRequest) (*StartedTask, error) {
	if req.Count < 1 || req.Count > 10 {
		return nil, userErrorf("--count must be 1 to 10 (RunTask's limit), got %d", req.Count)
	}
	td := req.TaskDefinition
	ns := req.Config.Namespace
	hash, err := nomadbackend.TaskDefinitionHash(&td.TaskDefinition)
	if err != nil {
		return nil, err
	}
	if req.Revision != 0 {
		rec, err := b.ReadFamilyRecord(ctx, ns, td.Family)
		if err != nil {
			return nil, err
		}
		if rev, _ := rec.RevisionFor(hash); rev != req.Revision {
			return nil, userErrorf("%s:%d is not what the repository holds: its content of %s is revision %d (ecsgit runs only definitions it reads; use %s or %s:%d)",
				td.Family, req.Revision, td.Family, rev, td.Family, td.Family, rev)
		}
	}
	overridden, err := spec.ApplyOverrides(td.TaskDefinition, req.Overrides)
	if err != nil {
		return nil, userErrorf("%v", err)
	}
	rev, err := b.AssignRevision(ctx, ns, td.Family, hash)
	if err != nil {
		return nil, err
	}
	ref := fmt.Sprintf("%s:%d", td.Family, rev)
	doc := *td
	doc.TaskDefinition = overridden
	p := nomadjob.RunTaskParams{
		JobID: nomadjob.RunTaskJobID(req.Config, td.Family), Count: req.Count, TaskDefinition: ref,
		StartedBy: req.StartedBy, Group: req.Group, LaunchType: req.LaunchType,
		PlacementConstraints: req.PlacementConstraints, PlacementStrategy: req.PlacementStrategy,
		NetworkConfiguration: req.NetworkConfiguration,
	}
	tr, err := nomadjob.TranslateRunTask(req.Config, &doc, p, nomadjob.TranslateOptions{Source: req.Source, TestDriver: req.TestDriver})
	if err != nil {
		return nil, err
	}
	if _, err := b.RunTask(ctx, nomadbackend.WrapJob(tr.Job)); err != nil {
		return nil, err
	}
	return &StartedTask{Namespace: ns, JobID: p.JobID, TaskDefinition: ref, Essential: nomadjob.EssentialContainer(&overridden),
		Count: req.Count, Fidelity: tr.Fidelity}, nil
}

// TaskOutcome is how a finished run ended, in ECS terms.
type TaskOutcome struct {
	// ExitCode is the essential container's exit code of the first task that did not
	// exit 0 (0 when all did); nil when that task has no exit code (it never started).
	ExitCode *int
	StopCode nomadbackend.StopCode
	// Reason is the stoppedReason (and the container's reason) of that task.
	Reason string
	Tasks  []nomadbackend.Task
}

// OutcomeOf sums up stopped tasks: the first task whose essential container did not
// exit 0 decides (ECS reports per task; a script wants one code).
func OutcomeOf(tasks []nomadbackend.Task, essential string) TaskOutcome {
	out := TaskOutcome{Tasks: tasks}
	var decided bool
	for _, t := range tasks {
		c := containerNamed(t, essential)
		code := (*int)(nil)
		reason := t.StoppedReason
		if c != nil {
			code = c.ExitCode
			if c.Reason != "" && c.Reason != reason {
				reason = joinReason(reason, c.Reason)
			}
		}
		if !decided || (out.ExitCode != nil && *out.ExitCode == 0 && (code == nil || *code != 0)) {
			out.ExitCode, out.StopCode, out.Reason = code, t.StopCode, reason
			decided = true
		}
	}
	return out
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + ": " + b
}

func containerNamed(t nomadbackend.Task, name string) *nomadbackend.TaskContainer {
	for i := range t.Containers {
		if t.Containers[i].Name == name {
			return &t.Containers[i]
		}
	}
	return nil
}

// TaskInputError: a run-task request that cannot run as asked (a bad count, a revision
// the repository does not hold, an override naming no container). ClassUser.
type TaskInputError struct{ Err error }

func (e *TaskInputError) Error() string { return e.Err.Error() }
func (e *TaskInputError) Unwrap() error { return e.Err }

func userErrorf(format string, args ...any) error {
	return &TaskInputError{Err: fmt.Errorf(format, args...)}
}
