package nomadjob

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// Meta keys of the jobs that are not services: one-off tasks (run-task, pre-deploy
// tasks) and schedules. They are set at creation and never change (a run-task job is
// never updated; a schedule's kind and name never change), so decision 2 holds.
const (
	// MetaKind tells a task or schedule job from a service job (absent: a service).
	MetaKind = "ecsgit.kind"
	// MetaStartedBy and MetaGroup are RunTask's startedBy and group.
	MetaStartedBy = "ecsgit.started-by"
	MetaGroup     = "ecsgit.group"
	// MetaTaskDefinition is the family:revision the task runs (list-tasks).
	MetaTaskDefinition = "ecsgit.task-definition"
)

// Job kinds (MetaKind values).
const (
	KindRunTask  = "run-task"
	KindSchedule = "schedule"
)

// RunTaskParams are the RunTask inputs that are not the task definition and its
// overrides (spec.ApplyOverrides has already applied those).
type RunTaskParams struct {
	// JobID is the job's unique ID (RunTaskJobID).
	JobID string
	// Count is the number of tasks (RunTask's count, 1–10).
	Count int
	// TaskDefinition is the family:revision shown by list-tasks.
	TaskDefinition       string
	StartedBy, Group     string
	LaunchType           string
	PlacementConstraints []spec.PlacementConstraint
	PlacementStrategy    []spec.PlacementStrategy
	NetworkConfiguration json.RawMessage
}

// RunTaskJobID is a new job ID for one run of family: prefix, family, "run" and 8 random
// hex digits, the way ECS gives every task its own ID.
func RunTaskJobID(cfg spec.Config, family string) string { return NewRunID(cfg.JobPrefix + family) }

// NewRunID is base + "-run-" + 8 random hex digits.
func NewRunID(base string) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base + "-run-" + hex.EncodeToString(b[:])
}

// TranslateRunTask turns one RunTask of td into a Nomad batch job of Count allocations,
// each one ECS task. The task definition is translated exactly as a service's would be
// (same resources, networking, placement), then made one-shot (batchify).
func TranslateRunTask(cfg spec.Config, td *spec.TaskDefinitionDoc, p RunTaskParams, opts TranslateOptions) (*Translation, error) {
	count := max(p.Count, 1)
	svc := &spec.ServiceDoc{Service: spec.Service{
		ServiceName: p.JobID, TaskDefinition: td.Family, DesiredCount: &count,
		LaunchType: p.LaunchType, PlacementConstraints: p.PlacementConstraints,
		PlacementStrategy: p.PlacementStrategy, NetworkConfiguration: p.NetworkConfiguration,
	}, Fields: spec.PosMap{}}
	c := cfg
	c.JobPrefix = "" // the JobID already carries it
	d := &spec.Desired{Config: c, TaskDefinitions: map[string]*spec.TaskDefinitionDoc{td.Family: td}}
	tr, err := Translate(d, svc, opts)
	if err != nil {
		return nil, fmt.Errorf("run task %s: %w", p.TaskDefinition, err)
	}
	batchify(tr.Job, td)
	tr.Job.Meta[MetaKind] = KindRunTask
	tr.Job.Meta[MetaTaskDefinition] = p.TaskDefinition
	setMeta(tr.Job.Meta, MetaStartedBy, p.StartedBy)
	setMeta(tr.Job.Meta, MetaGroup, p.Group)
	tr.Fidelity = append(taskNotesOnly(tr.Fidelity), runTaskNotes(td)...)
	return tr, nil
}

func setMeta(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// batchify makes a translated service job run once: a batch job whose failed
// allocations are never replaced (ECS never restarts a task started by RunTask or a
// schedule) and never restarted in place. Services and their checks are dropped: a
// one-off task is not load-balanced, and its health checks decide nothing in ECS either
// (a standalone task is not replaced when unhealthy). With one essential container it is
// the group's leader: when it exits, the others are stopped, as ECS stops a task when an
// essential container exits.
func batchify(job *api.Job, td *spec.TaskDefinitionDoc) {
	job.Type = new(api.JobTypeBatch)
	job.Update = nil
	for _, tg := range job.TaskGroups {
		tg.Update = nil
		tg.Services = nil
		tg.ReschedulePolicy = &api.ReschedulePolicy{Attempts: new(0), Unlimited: new(false)}
		tg.RestartPolicy = &api.RestartPolicy{Attempts: new(0), Mode: new("fail")}
		for _, task := range tg.Tasks {
			task.Services = nil
			if task.Lifecycle == nil {
				task.RestartPolicy = failFast()
			}
		}
		if name, ok := onlyEssential(td); ok {
			for _, task := range tg.Tasks {
				task.Leader = task.Name == name
			}
		}
	}
}

// onlyEssential is the name of the task's one essential container (false: several).
func onlyEssential(td *spec.TaskDefinitionDoc) (string, bool) {
	name, n := "", 0
	for i := range td.ContainerDefinitions {
		if td.ContainerDefinitions[i].IsEssential() {
			name, n = td.ContainerDefinitions[i].Name, n+1
		}
	}
	return name, n == 1
}

// EssentialContainer is the container whose exit code is the task's: the first essential
// one (ECS reports each container's; `run-task --wait` exits with this one's).
func EssentialContainer(td *spec.TaskDefinition) string {
	for i := range td.ContainerDefinitions {
		if td.ContainerDefinitions[i].IsEssential() {
			return td.ContainerDefinitions[i].Name
		}
	}
	return ""
}

func runTaskNotes(td *spec.TaskDefinitionDoc) []spec.FidelityNote {
	var out []spec.FidelityNote
	if _, ok := onlyEssential(td); !ok {
		out = append(out, spec.FidelityNote{Pos: td.Pos, Field: "containerDefinitions[].essential", Level: spec.FidelityApproximate, Rule: "FID-RUNTASK-ESSENTIALS",
			Detail: "several essential containers: the task ends when all of them have exited (ECS stops it when the first one exits)"})
	}
	for i := range td.ContainerDefinitions {
		if td.ContainerDefinitions[i].HealthCheck != nil {
			out = append(out, spec.FidelityNote{Pos: td.Pos, Field: fmt.Sprintf("containerDefinitions[%d].healthCheck", i), Level: spec.FidelityApproximate, Rule: "FID-RUNTASK-HEALTHCHECK",
				Detail: "not checked for a one-off task (it decides nothing for a standalone ECS task either, beyond dependsOn HEALTHY)"})
		}
	}
	return out
}

// serviceOnlyFields are the service settings a one-off task does not have: the
// synthetic service of TranslateRunTask leaves them unset, and what Translate notes
// about their absence (rollouts, the circuit breaker) does not apply to a batch job.
var serviceOnlyFields = []string{"deploymentConfiguration", "healthCheckGracePeriodSeconds", "desiredCount", "schedulingStrategy", "loadBalancers", "serviceRegistries"}

func taskNotesOnly(ns []spec.FidelityNote) []spec.FidelityNote {
	out := ns[:0:0]
	for _, n := range ns {
		if !slices.ContainsFunc(serviceOnlyFields, func(f string) bool { return strings.HasPrefix(n.Field, f) }) {
			out = append(out, n)
		}
	}
	return out
}
