package reconcile

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// Unit is the work behind one service of a plan: the exact job to register and the ECS
// documents its record keeps. It is built from an in-process plan (UnitsFromPlanned) or
// from a plan file (UnitsFromPlanFile), so both applies run the same code.
type Unit struct {
	// Job is what a create or update registers (nil for deletes and skips).
	Job *nomadbackend.Job
	// ECS is what the service record stores (nil when the plan does not write the
	// service, or a plan file carried no ECS documents).
	ECS *UnitECS
	// PlannedRecord is the service record the plan read moments ago (in-process plans
	// only; nil for plan files, which are re-read). A no-op trusts it instead of reading
	// the record again: one Nomad call fewer per unchanged service.
	PlannedRecord *nomadbackend.ServiceRecord
	// Unpause: the plan lifted this service's pause (PlanOptions.Unpause); the record
	// apply writes clears it. In-process plans only: a plan file never lifts a pause.
	Unpause bool

	// inProcess: the unit comes from a plan computed in this process (UnitsFromPlanned),
	// so PlannedRecord is what the record held at RecordIndex, nil meaning there was
	// none. recordPartial: PlannedRecord came from an earlier pass (PlanOptions.Reuse)
	// without its history, good for a no-op only. Apply writes a complete in-process
	// record with check-and-set at its index instead of reading it again: the write is
	// refused if anything changed since the plan (claim in apply_service.go).
	inProcess, recordPartial bool
	// plannedFamily is the family record the plan read or knew absent (in-process
	// plans): apply assigns a new revision on it with check-and-set, without a read.
	plannedFamily *nomadbackend.FamilyRecord
	// digest is the record digest the plan read, which apply updates at its end.
	digest *nomadbackend.Digest
	// plannedLive is the live job the plan saw (in-process plans; nil: none), whose
	// version the register's new version follows (registeredJob).
	plannedLive *nomadbackend.LiveJob
}

// plannedRecord is the record the plan read, when apply may write on it without reading
// it again (ok false: read it).
func (u *Unit) plannedRecord() (rec *nomadbackend.ServiceRecord, ok bool) {
	if !u.inProcess || u.recordPartial {
		return nil, false
	}
	return u.PlannedRecord, true
}

// UnitECS is the record side of a unit: the task definition's family and content hash
// (for the revision, decision 3), the canonical ECS JSON, and the circuit-breaker
// threshold the rollout watch enforces.
type UnitECS struct {
	Family           string          `json:"family"`
	ContentHash      string          `json:"content_hash"`
	TaskDefinition   json.RawMessage `json:"task_definition"`
	Service          json.RawMessage `json:"service"`
	FailureThreshold int             `json:"failure_threshold,omitempty"`
	// SecretPaths are the Nomad variables the tasks read at start: apply grants them to
	// the job's workload identity first (Cluster.EnsureSecretsPolicy).
	SecretPaths []string `json:"secret_paths,omitempty"`
	// RecordIndex is the service record's ModifyIndex the plan saw (0: none). Apply
	// claims the record with check-and-set at this index before registering (see
	// claim in apply_service.go).
	RecordIndex uint64 `json:"record_index,omitempty"`
	// PreDeploy are the tasks run before the register (predeploy.go).
	PreDeploy []PreDeployUnit `json:"pre_deploy,omitempty"`
	// RevisionKnown: the family record already gave this content the revision the plan
	// shows (PlannedService.RevisionIsKnown), so apply uses it without AssignRevision's
	// read (a mapping of content to revision never changes).
	RevisionKnown bool `json:"revision_known,omitempty"`
}

// UnitsFromPlanned builds the units of a plan computed in this process.
func UnitsFromPlanned(pl *Planned) (map[string]*Unit, error) {
	units := make(map[string]*Unit, len(pl.Plan.Services))
	for _, sp := range pl.Plan.Services {
		ps := pl.Services[sp.JobID]
		u := &Unit{}
		units[sp.Service] = u
		if ps != nil {
			u.PlannedRecord, u.Unpause = ps.Record, ps.Unpause
			u.inProcess, u.recordPartial = true, ps.recordPartial
			u.plannedFamily, u.digest, u.plannedLive = ps.family, pl.digest, ps.Live
		}
		if ps == nil || ps.Translation == nil || ps.TaskDefinition == nil || ps.Service == nil {
			continue
		}
		u.Job = nomadbackend.JobOf(ps.Translation)
		td, err := nomadbackend.CanonicalJSON(&ps.TaskDefinition.TaskDefinition)
		if err != nil {
			return nil, fmt.Errorf("apply %s: %w", sp.Service, err)
		}
		svc, err := nomadbackend.CanonicalJSON(serviceDocument(ps.Service))
		if err != nil {
			return nil, fmt.Errorf("apply %s: %w", sp.Service, err)
		}
		u.ECS = &UnitECS{Family: ps.TaskDefinition.Family, ContentHash: ps.ContentHash,
			TaskDefinition: td, Service: svc, FailureThreshold: ps.Translation.Rollout.FailureThreshold,
			SecretPaths: nomadjob.SecretPaths(ps.Translation.Secrets), PreDeploy: ps.PreDeploy,
			RevisionKnown: ps.RevisionIsKnown}
		if ps.Record != nil {
			u.ECS.RecordIndex = ps.Record.ModifyIndex
		}
	}
	return units, nil
}

// NewPlanFile binds a plan computed in this process into a plan file: the Nomad job of
// every service apply writes, plus (in PlannedJob.ECS) what its record needs.
func NewPlanFile(pl *Planned) (*plan.PlanFile, error) {
	units, err := UnitsFromPlanned(pl)
	if err != nil {
		return nil, err
	}
	jobs := map[string]json.RawMessage{}
	for _, sp := range pl.Plan.Services {
		if sp.Action != plan.ActionCreate && sp.Action != plan.ActionUpdate {
			continue
		}
		u := units[sp.Service]
		if u.Job == nil {
			return nil, fmt.Errorf("plan file: service %s has no Nomad job", sp.Service)
		}
		b, err := u.Job.JSON()
		if err != nil {
			return nil, fmt.Errorf("plan file: job of %s: %w", sp.Service, err)
		}
		jobs[sp.Service] = b
	}
	pf, err := plan.NewPlanFile(pl.Plan, jobs)
	if err != nil {
		return nil, err
	}
	for i := range pf.Jobs {
		if u := units[pf.Jobs[i].Service]; u != nil && u.ECS != nil {
			b, err := json.Marshal(u.ECS)
			if err != nil {
				return nil, fmt.Errorf("plan file: ECS documents of %s: %w", pf.Jobs[i].Service, err)
			}
			pf.Jobs[i].ECS = b
		}
	}
	return pf, nil
}

// breakerRE reads the threshold from the plan's circuit-breaker summary.
var breakerRE = regexp.MustCompile(`fails after (\d+) failed tasks`)

// UnitsFromPlanFile decodes the units bound in a plan file.
func UnitsFromPlanFile(pf *plan.PlanFile) (map[string]*Unit, error) {
	units := make(map[string]*Unit, len(pf.Plan.Services))
	for _, sp := range pf.Plan.Services {
		units[sp.Service] = &Unit{}
	}
	thresholds := map[string]int{}
	for _, sp := range pf.Plan.Services {
		if sp.Rollout != nil {
			if m := breakerRE.FindStringSubmatch(sp.Rollout.CircuitBreaker); m != nil {
				thresholds[sp.Service], _ = strconv.Atoi(m[1])
			}
		}
	}
	for _, pj := range pf.Jobs {
		u := units[pj.Service]
		if u == nil {
			return nil, fmt.Errorf("plan file: job for %s, which is not in the plan", pj.Service)
		}
		if len(pj.Job) > 0 {
			var err error
			if u.Job, err = nomadbackend.DecodeJob(pj.Job); err != nil {
				return nil, fmt.Errorf("plan file: job of %s: %w", pj.Service, err)
			}
		}
		if len(pj.ECS) > 0 {
			u.ECS = &UnitECS{}
			if err := json.Unmarshal(pj.ECS, u.ECS); err != nil {
				return nil, fmt.Errorf("plan file: ECS documents of %s: %w", pj.Service, err)
			}
		} else if n := thresholds[pj.Service]; n > 0 {
			// A plan file saved without ECS documents still gets the circuit breaker the
			// plan showed; the record then keeps the revision the plan named.
			u.ECS = &UnitECS{FailureThreshold: n}
		}
	}
	return units, nil
}
