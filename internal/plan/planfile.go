package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// PlanFileKind marks a plan file, so `ecsgit apply` can tell it from a JSON plan (the
// output of `plan -json`, which cannot be applied) and say so.
const PlanFileKind = "ecsgit-plan-file"

// PlanFileVersion is the version of the plan-file format. Load refuses any other: a plan
// is short-lived, so a plan made by another ecsgit version is re-planned, never guessed at.
const PlanFileVersion = 1

// PlanFile binds what apply will submit to what was reviewed: the Plan, and for each
// service that apply writes, the exact Nomad job JSON and the JobModifyIndex the plan saw.
// Apply registers each job with EnforceIndex at that index, so a job changed since the
// plan makes apply fail instead of overwriting the change (nomad #1781).
type PlanFile struct {
	Kind          string `json:"kind"`
	FormatVersion int    `json:"format_version"`
	Plan          *Plan  `json:"plan"`
	// Jobs are in the order of Plan.Services (apply order), one per service with a
	// create, update or delete action.
	Jobs []PlannedJob `json:"jobs"`
	// Checksum is "sha256:" + the hex SHA-256 of the file's JSON encoding with Checksum
	// empty. It detects hand edits and truncation; it is not a signature (anyone can
	// recompute it), so the file must come from a trusted CI step.
	Checksum string `json:"checksum"`
}

// PlannedJob is one service's binding.
type PlannedJob struct {
	Service string `json:"service"`
	JobID   string `json:"job_id"`
	Action  Action `json:"action"`
	// JobModifyIndex is the index apply enforces: 0 means "the job must not exist".
	JobModifyIndex uint64 `json:"job_modify_index"`
	// Job is the Nomad job (api.Job JSON) to register, produced by nomadbackend and opaque
	// here; absent for a delete.
	Job json.RawMessage `json:"job,omitempty"`
	// ECS is what apply records for the service (family, content hash, canonical ECS
	// JSON, circuit-breaker threshold; reconcile.UnitECS), opaque here like Job. Covered
	// by the checksum.
	ECS json.RawMessage `json:"ecs,omitempty"`
}

// Errors Load returns (wrapped), so apply can tell the user what to do.
var (
	ErrNotPlanFile     = errors.New("not an ecsgit plan file")
	ErrPlanFileVersion = errors.New("unsupported plan file version")
	ErrPlanChecksum    = errors.New("plan file checksum mismatch")
)

// NewPlanFile builds the plan file for p. jobs maps a service name to the Nomad job JSON
// apply would register; every created or updated service needs one, and no other service
// may have one. The JobModifyIndex of each binding comes from the plan.
func NewPlanFile(p *Plan, jobs map[string]json.RawMessage) (*PlanFile, error) {
	pf := &PlanFile{Kind: PlanFileKind, FormatVersion: PlanFileVersion, Plan: p, Jobs: []PlannedJob{}}
	used := 0
	for _, sp := range p.Services {
		job, ok := jobs[sp.Service]
		switch sp.Action {
		case ActionCreate, ActionUpdate:
			if !ok || len(job) == 0 {
				return nil, fmt.Errorf("plan file: service %s (%s) has no Nomad job to bind", sp.Service, sp.Action)
			}
		case ActionDelete:
			if ok {
				return nil, fmt.Errorf("plan file: service %s is deleted but has a Nomad job", sp.Service)
			}
		default:
			if ok {
				return nil, fmt.Errorf("plan file: service %s is %s but has a Nomad job", sp.Service, actionName(sp.Action))
			}
			continue
		}
		pj := PlannedJob{Service: sp.Service, JobID: sp.JobID, Action: sp.Action, JobModifyIndex: sp.JobModifyIndex}
		if ok {
			used++
			var compact bytes.Buffer
			if err := json.Compact(&compact, job); err != nil {
				return nil, fmt.Errorf("plan file: Nomad job of service %s: %w", sp.Service, err)
			}
			pj.Job = compact.Bytes()
		}
		pf.Jobs = append(pf.Jobs, pj)
	}
	if used != len(jobs) {
		return nil, fmt.Errorf("plan file: %d Nomad jobs given for services that are not in the plan", len(jobs)-used)
	}
	return pf, nil
}

func actionName(a Action) string {
	if a == ActionSkip {
		return "skipped"
	}
	return "unchanged"
}

// Job returns the binding for a service.
func (pf *PlanFile) Job(service string) (PlannedJob, bool) {
	for _, j := range pf.Jobs {
		if j.Service == service {
			return j, true
		}
	}
	return PlannedJob{}, false
}

// Save writes pf with its checksum. The plan it writes is redacted (pf is left as it is);
// the Nomad jobs are what apply registers and hold the values, which is why the file is
// for a trusted CI step (cmd writes it with mode 0600).
func Save(w io.Writer, pf *PlanFile) error {
	out := *pf
	if out.Plan != nil {
		out.Plan = out.Plan.redacted()
	}
	sum, err := out.checksum()
	if err != nil {
		return err
	}
	out.Checksum = sum
	b, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return fmt.Errorf("plan file: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Load reads a plan file and verifies its kind, version and checksum. The errors wrap
// ErrNotPlanFile, ErrPlanFileVersion or ErrPlanChecksum and say what to do.
func Load(r io.Reader) (*PlanFile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading plan file: %w", err)
	}
	var head struct {
		Kind          string `json:"kind"`
		FormatVersion int    `json:"format_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotPlanFile, err)
	}
	if head.Kind != PlanFileKind {
		return nil, fmt.Errorf("%w (kind %q; a `plan -json` output cannot be applied, save one with `plan -out FILE`)", ErrNotPlanFile, head.Kind)
	}
	if head.FormatVersion != PlanFileVersion {
		return nil, fmt.Errorf("%w %d (this ecsgit reads version %d): run plan again with this ecsgit", ErrPlanFileVersion, head.FormatVersion, PlanFileVersion)
	}
	var pf PlanFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pf); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotPlanFile, err)
	}
	if pf.Plan == nil {
		return nil, fmt.Errorf("%w: no plan", ErrNotPlanFile)
	}
	for i := range pf.Jobs { // Save indents the jobs with the file; apply gets them compact
		if pf.Jobs[i].Job != nil {
			var c bytes.Buffer
			if err := json.Compact(&c, pf.Jobs[i].Job); err != nil {
				return nil, fmt.Errorf("%w: job of %s: %v", ErrNotPlanFile, pf.Jobs[i].Service, err)
			}
			pf.Jobs[i].Job = c.Bytes()
		}
		if pf.Jobs[i].ECS != nil {
			var c bytes.Buffer
			if err := json.Compact(&c, pf.Jobs[i].ECS); err != nil {
				return nil, fmt.Errorf("%w: ECS documents of %s: %v", ErrNotPlanFile, pf.Jobs[i].Service, err)
			}
			pf.Jobs[i].ECS = c.Bytes()
		}
	}
	want, err := pf.checksum()
	if err != nil {
		return nil, err
	}
	if pf.Checksum != want {
		return nil, fmt.Errorf("%w: the file was edited or damaged after it was saved; run plan again", ErrPlanChecksum)
	}
	pf.Plan.Redact() // after the checksum, which covers the plan as it was saved
	return &pf, nil
}

// checksum hashes the compact JSON of pf without its checksum. encoding/json writes
// struct fields in declaration order and compacts RawMessage, so the bytes are the same
// after a Save/Load round trip whatever the file's indentation.
func (pf *PlanFile) checksum() (string, error) {
	c := *pf
	c.Checksum = ""
	b, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("plan file: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// WouldChange reports whether apply would create, update or delete a service: what
// `plan --detailed-exitcode` turns into its exit status (the code itself is the CLI's).
// Skipped services and drift that the plan does not correct are not changes; placement
// failures do not matter here (the plan still has changes, and apply refuses it).
func WouldChange(p *Plan) bool {
	cp := *p
	cp.Summarize()
	return cp.HasChanges()
}
