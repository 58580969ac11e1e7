package nomadjob

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// Ownership meta keys (decision 2). Only values that never change for the life of a
// service go here: any change of job meta restarts every allocation, because Nomad
// exports meta to tasks as NOMAD_META_* variables.
const (
	MetaManagedBy  = "ecsgit.managed-by"
	MetaSource     = "ecsgit.source"
	ManagedByValue = "ecsgit"
)

// TaskGroupName is the name of the one task group of every job. It is deliberately not
// the task-definition family: a group rename makes Nomad stop every old allocation and
// place new ones at once, which would break the rollout bounds when a service switches
// to another family.
const TaskGroupName = "tasks"

// TranslateOptions are the caller's settings for one translation.
type TranslateOptions struct {
	// Source is a stable identity of the repository (e.g. "github.com/org/repo//path").
	// It is written to job meta, so it must not contain a commit SHA or anything else
	// that changes between syncs.
	Source string
	// TestDriver, TEST-ONLY (benchmarks): "mock_driver" makes every task use Nomad's
	// mock_driver instead of docker (testdriver.go). The CLI reads it from
	// ECSGIT_TEST_DRIVER in one place and passes it down; "" changes nothing.
	TestDriver string
	// LiveCount, for a service with a scalable target whose job runs: the count the
	// autoscaler set. It is the group's count (moved into [MinCapacity, MaxCapacity])
	// and the count the rollout bounds are computed at, so an apply never resets what
	// the autoscaler did (docs/autoscaling.md). Ignored without a scalable target; not
	// part of SpecHash.
	LiveCount *int
	// Now is when the translation is for: the scheduled actions that have fired by then
	// set the capacity range (spec.ServiceScaling.RangeAt). Zero: the scalable target's
	// own range. The planner passes its clock; Translate reads none.
	Now time.Time
}

// Translation is one ECS service translated to one Nomad job.
type Translation struct {
	// Job is exactly what is submitted to Nomad (Jobs().Register / Plan).
	Job *api.Job
	// Fidelity lists the ECS → Nomad translation gaps of this service (non-exact fields
	// only), positioned in the task-definition or service file. Notes from an earlier
	// conversion step (compose → ECS) stay on the spec docs; the plan joins them.
	Fidelity []spec.FidelityNote
	// Rollout says how the service's deploymentConfiguration is carried out by Nomad
	// and which ECS bounds hold.
	Rollout RolloutStrategy
	// SpecHash identifies the desired state of the service: a sha256 over the canonical
	// task definition, service and translation settings. It is stable across runs and
	// never written into the job (see decision 2).
	SpecHash string
	// Secrets lists the Nomad variable keys the job's tasks read when they start
	// (secrets.go): the plan checks they exist, `ecsgit secrets policy` grants them.
	Secrets []SecretNeed
	// Periodic is how a schedule's job launches (nil for a service).
	Periodic *Periodic
}

// Periodic summarises a schedule's periodic job for the plan.
type Periodic struct {
	Cron, TimeZone string
	Enabled        bool
}

// Translate turns one service of d into a Nomad job. It is pure: no I/O, no clock, no
// map-order dependence; the same input always gives a byte-identical job.
//
// Decision 1: one ECS service is one Nomad job with one task group; every container is a
// docker task. REPLICA services are "service" jobs, DAEMON services "system" jobs.
func Translate(d *spec.Desired, svc *spec.ServiceDoc, opts TranslateOptions) (*Translation, error) {
	if d == nil || svc == nil {
		return nil, errors.New("translate: nil desired state or service")
	}
	td, cfg, err := translationInputs(d, svc)
	if err != nil {
		return nil, err
	}
	t := &translator{cfg: cfg, d: d, td: td, svc: svc, opts: opts}
	job, err := t.job()
	if err != nil {
		return nil, fmt.Errorf("translate service %q: %w", svc.ServiceName, err)
	}
	if svc.Schedule != nil {
		if err := t.schedule(job); err != nil {
			return nil, err
		}
		t.notes = notes(taskNotesOnly(t.notes))
	}
	hash, err := specHash(td, svc, trafficOf(d, svc), connectOf(d, svc), cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("translate service %q: %w", svc.ServiceName, err)
	}
	tr := &Translation{Job: job, Fidelity: t.notes.sorted(), Rollout: t.rollout, SpecHash: hash, Secrets: t.secretNeeds}
	if p := job.Periodic; p != nil {
		tr.Periodic = &Periodic{Cron: p.Specs[0], TimeZone: *p.TimeZone, Enabled: *p.Enabled}
	}
	return tr, nil
}

// SpecHash is the SpecHash that Translate(d, svc, opts) gives, without building the job:
// a sixth of the cost of a translation. The daemon's plan memo (reconcile) keys what it
// kept of an earlier translation on it.
func SpecHash(d *spec.Desired, svc *spec.ServiceDoc, opts TranslateOptions) (string, error) {
	if d == nil || svc == nil {
		return "", errors.New("spec hash: nil desired state or service")
	}
	td, cfg, err := translationInputs(d, svc)
	if err != nil {
		return "", err
	}
	hash, err := specHash(td, svc, trafficOf(d, svc), connectOf(d, svc), cfg, opts)
	if err != nil {
		return "", fmt.Errorf("translate service %q: %w", svc.ServiceName, err)
	}
	return hash, nil
}

// translationInputs is the task definition a service's job is built from (a schedule's
// with its overrides applied) and the configuration with its defaults.
func translationInputs(d *spec.Desired, svc *spec.ServiceDoc) (*spec.TaskDefinitionDoc, spec.Config, error) {
	td := d.TaskDefinitionFor(svc)
	if td == nil {
		return nil, spec.Config{}, fmt.Errorf("translate service %q: task definition %q not found", svc.ServiceName, svc.TaskDefinition)
	}
	cfg := withConfigDefaults(d.Config)
	if svc.Schedule != nil && !svc.Schedule.Overrides.IsZero() {
		// A schedule runs its task definition with the target's Input applied.
		overridden, err := spec.ApplyOverrides(td.TaskDefinition, svc.Schedule.Overrides)
		if err != nil {
			return nil, spec.Config{}, fmt.Errorf("translate schedule %q: %w", svc.Schedule.Name, err)
		}
		doc := *td
		doc.TaskDefinition = overridden
		td = &doc
	}
	return td, cfg, nil
}

// translator holds the state of one translation; its methods live in the translate_*.go
// files, one concern per file.
type translator struct {
	cfg     spec.Config
	d       *spec.Desired // the repository: target groups, listeners and rules
	td      *spec.TaskDefinitionDoc
	svc     *spec.ServiceDoc
	opts    TranslateOptions
	notes   notes
	rollout RolloutStrategy
	ports   portTable
	// firelensLabel is the group port label of the FireLens router's forward input
	// ("" when the task has no router that its containers can reach).
	firelensLabel string
	// secretNeeds collects the variable keys the tasks read (secrets.go).
	secretNeeds []SecretNeed
}

// withConfigDefaults fills the zero fields of c from spec.DefaultConfig, so a Desired
// built by hand (tests, other callers) translates like one loaded from a repository.
func withConfigDefaults(c spec.Config) spec.Config {
	def := spec.DefaultConfig()
	if c.Namespace == "" {
		c.Namespace = def.Namespace
	}
	if len(c.Datacenters) == 0 {
		c.Datacenters = def.Datacenters
	}
	if c.ZoneAttribute == "" {
		c.ZoneAttribute = def.ZoneAttribute
	}
	if c.CPUMHzPerVCPU <= 0 {
		c.CPUMHzPerVCPU = def.CPUMHzPerVCPU
	}
	return c
}

// JobID is the Nomad job ID of a service.
func JobID(cfg spec.Config, serviceName string) string { return cfg.JobPrefix + serviceName }

func (t *translator) job() (*api.Job, error) {
	id := JobID(t.cfg, t.svc.ServiceName)
	jobType := api.JobTypeService
	if t.isDaemon() {
		jobType = api.JobTypeSystem
	}
	job := &api.Job{
		ID:          new(id),
		Name:        new(id),
		Type:        new(jobType),
		Namespace:   new(t.cfg.Namespace),
		Datacenters: append([]string(nil), t.cfg.Datacenters...),
		Meta:        map[string]string{MetaManagedBy: ManagedByValue, MetaSource: t.opts.Source},
	}
	if t.cfg.Region != "" {
		job.Region = new(t.cfg.Region)
	}
	if t.cfg.NodePool != "" {
		job.NodePool = new(t.cfg.NodePool)
	}
	tg, err := t.group()
	if err != nil {
		return nil, err
	}
	job.TaskGroups = []*api.TaskGroup{tg}
	t.serviceValueNotes()
	t.hostNamespaceNotes()
	t.registryNotes()
	return job, nil
}

func (t *translator) isDaemon() bool { return t.svc.SchedulingStrategy == "DAEMON" }

func (t *translator) group() (*api.TaskGroup, error) {
	tg := &api.TaskGroup{Name: new(TaskGroupName)}
	if !t.isDaemon() {
		tg.Count = new(t.desiredCount())
		tg.ReschedulePolicy = reschedulePolicy()
	}
	if err := t.network(tg); err != nil {
		return nil, err
	}
	tasks, err := t.tasks()
	if err != nil {
		return nil, err
	}
	tg.Tasks = tasks
	if err := t.placement(tg); err != nil {
		return nil, err
	}
	t.volumes(tg)
	if err := t.loadBalancing(tg); err != nil {
		return nil, err
	}
	if err := t.serviceRegistries(tg); err != nil {
		return nil, err
	}
	if err := t.serviceConnect(tg); err != nil {
		return nil, err
	}
	update, rollout, err := t.update(hasCheck(tasks))
	if err != nil {
		return nil, err
	}
	tg.Update = update
	t.rollout = rollout
	t.scaling(tg)
	return tg, nil
}

// desiredCount is the group's count: the ECS default of CreateService (desiredCount is
// required for REPLICA; an absent value is 0 after normalization); with a scalable
// target, the live count when there is one, moved into [MinCapacity, MaxCapacity].
func (t *translator) desiredCount() int {
	n := t.gitDesiredCount()
	if s := t.svc.Scaling; s != nil {
		if t.opts.LiveCount != nil {
			n = *t.opts.LiveCount
		}
		r := s.RangeAt(t.opts.Now)
		n = min(max(n, r.Min), r.Max)
	}
	return n
}

// gitDesiredCount is desiredCount as written in the service definition.
func (t *translator) gitDesiredCount() int {
	if t.svc.DesiredCount == nil {
		return 0
	}
	return *t.svc.DesiredCount
}
