package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// PreDeployUnit is one pre-deploy task bound in a plan: the exact job to run (its ID is
// replaced by a fresh one per run), what it runs, and how long to wait. It travels in
// UnitECS, so a plan file runs the same task the plan showed.
type PreDeployUnit struct {
	// TaskDefinition is family:revision; Family and ContentHash assign the revision.
	TaskDefinition string `json:"task_definition"`
	Family         string `json:"family"`
	ContentHash    string `json:"content_hash"`
	Essential      string `json:"essential"`
	// JobBase is prefix + family: each run's job ID is nomadjob.NewRunID(JobBase).
	JobBase        string          `json:"job_base"`
	Job            json.RawMessage `json:"job"`
	TimeoutSeconds int             `json:"timeout_seconds"`
}

// preDeploy translates the pre-deploy tasks of svc (spec has checked them against the
// repository) into the jobs apply will run, and their lines of the plan.
func (pl *planner) preDeploy(ctx context.Context, svc *spec.ServiceDoc) ([]PreDeployUnit, []plan.PreDeployTask, error) {
	var units []PreDeployUnit
	var shown []plan.PreDeployTask
	for _, t := range svc.PreDeploy {
		td := pl.desired.TaskDefinitions[t.TaskDefinition]
		if td == nil {
			return nil, nil, &ContentError{Service: svc.ServiceName, Err: fmt.Errorf("pre-deploy task %q: no such family", t.TaskDefinition)}
		}
		hash, err := nomadbackend.TaskDefinitionHash(&td.TaskDefinition)
		if err != nil {
			return nil, nil, err
		}
		rev, _, err := pl.families.revisionFor(ctx, td.Family, hash)
		if err != nil {
			return nil, nil, err
		}
		overridden, err := spec.ApplyOverrides(td.TaskDefinition, t.Overrides)
		if err != nil {
			return nil, nil, &ContentError{Service: svc.ServiceName, Err: fmt.Errorf("pre-deploy task %s: %w", td.Family, err)}
		}
		doc := *td
		doc.TaskDefinition = overridden
		ref := fmt.Sprintf("%s:%d", td.Family, rev)
		tr, err := nomadjob.TranslateRunTask(pl.desired.Config, &doc, nomadjob.RunTaskParams{
			JobID: nomadjob.RunTaskJobID(pl.desired.Config, td.Family), Count: 1, TaskDefinition: ref,
			StartedBy: "ecsgit/pre-deploy/" + svc.ServiceName,
		}, nomadjob.TranslateOptions{Source: pl.source, TestDriver: pl.testDriver})
		if err != nil {
			return nil, nil, &ContentError{Service: svc.ServiceName, Err: fmt.Errorf("pre-deploy task %s: %w", td.Family, err)}
		}
		nomadbackend.JobOf(tr).SetNamespace(pl.ns)
		b, err := json.Marshal(tr.Job) // the job itself, as DecodeJob reads it
		if err != nil {
			return nil, nil, fmt.Errorf("pre-deploy task %s: %w", td.Family, err)
		}
		timeout := t.TimeoutSeconds
		if timeout == 0 {
			timeout = spec.DefaultPreDeployTimeout
		}
		units = append(units, PreDeployUnit{TaskDefinition: ref, Family: td.Family, ContentHash: hash, JobBase: pl.desired.Config.JobPrefix + td.Family,
			Essential: nomadjob.EssentialContainer(&overridden), Job: b, TimeoutSeconds: timeout})
		shown = append(shown, plan.PreDeployTask{TaskDefinition: ref, Overridden: overriddenText(t.Overrides), TimeoutSeconds: timeout})
	}
	return units, shown, nil
}

// overriddenText names what the overrides change, never their values (an environment
// override may hold a secret).
func overriddenText(o *spec.TaskOverride) string {
	if o.IsZero() {
		return ""
	}
	var parts []string
	for _, c := range o.ContainerOverrides {
		for _, f := range []struct {
			name string
			set  bool
		}{{"command", c.Command != nil}, {"environment", len(c.Environment) > 0}, {"cpu", c.Cpu != nil},
			{"memory", c.Memory != nil || c.MemoryReservation != nil}} {
			if f.set {
				parts = append(parts, f.name+" of "+c.Name)
			}
		}
	}
	if o.Cpu != "" || o.Memory != "" {
		parts = append(parts, "task cpu/memory")
	}
	return strings.Join(parts, ", ")
}

// preDeploy runs the service's pre-deploy tasks, in order, each to its end, before the
// service is registered. The first that does not exit 0 (or cannot be placed, or times
// out) stops the service's deployment: nothing of the service is written.
func (a *applier) preDeploy(ctx context.Context, sp plan.ServicePlan, u *Unit) (ServiceResult, bool) {
	for _, t := range u.ECS.PreDeploy {
		if r, ok := a.preDeployTask(ctx, sp, t); !ok {
			return r, false
		}
	}
	return ServiceResult{}, true
}

func (a *applier) preDeployTask(ctx context.Context, sp plan.ServicePlan, t PreDeployUnit) (ServiceResult, bool) {
	failed := func(format string, args ...any) (ServiceResult, bool) {
		return ServiceResult{Status: StatusFailed, Reason: fmt.Sprintf("pre-deploy task %s ", t.TaskDefinition) + fmt.Sprintf(format, args...) +
			fmt.Sprintf("; %s was not deployed", sp.Service)}, false
	}
	job, err := nomadbackend.DecodeJob(t.Job)
	if err != nil {
		return errorResult(err), false
	}
	id := nomadjob.NewRunID(t.JobBase)
	job.SetID(id)
	job.SetNamespace(a.ns)
	if _, err := a.b.AssignRevision(ctx, a.ns, t.Family, t.ContentHash); err != nil {
		return errorResult(err), false
	}
	a.emit(Event{Service: sp.Service, Kind: EventProgress, Message: fmt.Sprintf("%s: pre-deploy task %s started (job %s)", sp.Service, t.TaskDefinition, id)})
	_, err = a.b.RunTask(ctx, job)
	var pe *nomadbackend.PlacementError
	if errors.As(err, &pe) {
		return failed("could not be placed: %s", strings.Join(pe.Reasons, "; "))
	}
	if err != nil {
		return errorResult(err), false
	}
	wctx, cancel := context.WithTimeout(ctx, time.Duration(t.TimeoutSeconds)*time.Second)
	defer cancel()
	logs := &eventLines{emit: func(line string) {
		a.emit(Event{Service: sp.Service, Kind: EventProgress, Message: fmt.Sprintf("%s: pre-deploy %s | %s", sp.Service, t.TaskDefinition, line)})
	}}
	tasks, err := a.b.WaitTasks(wctx, a.ns, id, t.Essential, logs)
	logs.flush()
	if err != nil {
		if wctx.Err() != nil && ctx.Err() == nil {
			_ = a.b.StopTask(ctx, a.ns, id)
			return failed("did not finish within %ds (stopped; job %s)", t.TimeoutSeconds, id)
		}
		return errorResult(err), false
	}
	out := OutcomeOf(tasks, t.Essential)
	switch {
	case out.ExitCode == nil:
		return failed("did not run: %s: %s (job %s)", out.StopCode, out.Reason, id)
	case *out.ExitCode != 0:
		return failed("exited %d (%s, container %s; logs: nomad alloc logs -job %s)", *out.ExitCode, out.StopCode, t.Essential, id)
	}
	a.emit(Event{Service: sp.Service, Kind: EventProgress, Message: fmt.Sprintf("%s: pre-deploy task %s exited 0", sp.Service, t.TaskDefinition)})
	return ServiceResult{}, true
}

// eventLines turns a pre-deploy task's log stream into one progress event per line, so
// apply shows the migration's output where it shows the rollouts'.
type eventLines struct {
	mu   sync.Mutex
	buf  []byte
	emit func(string)
}

func (w *eventLines) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.emit(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

func (w *eventLines) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}
