// This file is the planning pass: it reads Nomad and never writes to it.

package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/parallel"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// DefaultSource is the ownership identity used when neither --source nor ecsgit.yaml
// names one.
const DefaultSource = spec.DefaultSource

// DriftMode is what the loop does when a live job no longer matches what ecsgit applied.
type DriftMode string

const (
	DriftCorrect DriftMode = "correct" // re-apply Git's state (Argo CD selfHeal, Flux)
	DriftReport  DriftMode = "report"  // show OutOfSync, change nothing (helm-controller's opt-out)
)

func (m DriftMode) String() string { return string(m) }

// PlanOptions tune one planning pass.
type PlanOptions struct {
	// Source is the stable identity of the repository (ownership meta). Empty means
	// ecsgit.yaml's `source`, else DefaultSource.
	Source string
	// Namespace overrides desired.Config.Namespace when set.
	Namespace string
	// Prune plans the deletion of owned jobs whose service left the repository (also on
	// when desired.Config.Prune is).
	Prune bool
	// AllowEmptyPrune permits pruning when the repository has no service at all. Without
	// it an empty desired state (a failed checkout, a wrong path) never deletes anything.
	AllowEmptyPrune bool
	// Label is what Plan.Source shows (a directory or a redacted Git URL); Commit the
	// commit planned, when known.
	Label, Commit string
	// Now stamps Plan.CreatedAt (tests fix it).
	Now func() time.Time
	// Reuse, when set, may hand back what an earlier plan read from Nomad for a job
	// (the live job, the record, the revision) that the caller vouches is still current
	// (the daemon: no event for that job on Nomad's stream since the read). The planner
	// uses it only when the desired spec is the one that record was applied from, so a
	// reused service is always planned as unchanged and costs no Nomad call. Nil: every
	// service is read.
	Reuse ReuseFunc
	// ReuseOwned, when set, may hand back the listing of this source's jobs that an
	// earlier plan took (Planned.Owned), which the caller vouches is still right for
	// every job outside desired (the daemon: Nomad's event stream shows no change since
	// the listing began of any job this pass does not plan). Only those jobs matter to a
	// plan: they are the orphans, and each is read again before it is planned. Nil, or
	// ok false: the plan lists (at 5,000 jobs a filtered listing of megabytes).
	ReuseOwned OwnedReuseFunc
	// TestDriver is nomadjob.TranslateOptions.TestDriver (test-only, benchmarks).
	TestDriver string
	// DriftMode decides what the plan does with a service whose live job drifted while
	// Git did not change it: DriftCorrect (the default) re-applies Git's state,
	// DriftReport skips it and shows it drifted (`ecsgit plan --drift`, `ecsgit sync
	// --drift`).
	DriftMode DriftMode
	// Unpause, when set, says for a service paused by a manual rollback whether this
	// pass lifts the pause (the daemon: the commit changed the service's spec since the
	// revision it planned before). A lifted service is planned as if it were not paused,
	// and apply clears the pause when it writes the record. Nil lifts nothing (`ecsgit
	// plan`, and a daemon that just started).
	Unpause UnpauseFunc
}

// UnpauseFunc reports whether a paused service lifts its pause in this pass, from its
// job ID and desired spec hash (PlanOptions.Unpause).
type UnpauseFunc func(jobID, specHash string) bool

// ReuseFunc hands back an earlier plan's reads of a job, or nil (PlanOptions.Reuse).
type ReuseFunc func(jobID string) *PlannedService

// OwnedReuseFunc hands back an earlier plan's listing of the source's jobs and when it
// began, if it is still right for every job not in desired (PlanOptions.ReuseOwned).
type OwnedReuseFunc func(desired map[string]bool) (owned []nomadbackend.OwnedJob, listedAt time.Time, ok bool)

// sourceFor is spec.ResolveSource for this pass.
func (o PlanOptions) sourceFor(d *spec.Desired) (id string, explicit bool) {
	return spec.ResolveSource(o.Source, d.Config)
}

// Planned is a plan together with what apply needs to carry it out exactly as reviewed.
type Planned struct {
	Plan *plan.Plan
	// Services by Nomad job ID, for every service in Plan.Services (desired and pruned).
	Services map[string]*PlannedService
	// Reused counts the services planned from PlanOptions.Reuse (no Nomad call), and
	// Memoized those of them planned from the plan memo (not translated, plan_memo.go).
	Reused, Memoized int
	// Owned is the listing of the source's jobs that the plan's prune worked from, begun
	// at OwnedAt (an earlier plan's, through PlanOptions.ReuseOwned).
	Owned   []nomadbackend.OwnedJob
	OwnedAt time.Time
	// LoadDuration is how long Pipeline.Plan took to load and validate the tree (the
	// rest of its time is planning); zero from ComputePlanned.
	LoadDuration time.Duration

	// digest is the record digest this plan read (nil: none read, the plan read every
	// record); apply brings it up to date at its end (apply_digest.go).
	digest *nomadbackend.Digest
}

// PlannedService is the working state behind one ServicePlan.
type PlannedService struct {
	// Translation is the desired job (nil for a prune).
	Translation *nomadjob.Translation
	// Live is the job in Nomad when planned (nil: none); Record what ecsgit last applied.
	Live   *nomadbackend.LiveJob
	Record *nomadbackend.ServiceRecord
	DryRun *nomadbackend.DryRun
	// Desired ECS documents and the task-definition content hash that decides the
	// revision (apply assigns it with nomadbackend.AssignRevision).
	Service         *spec.ServiceDoc
	TaskDefinition  *spec.TaskDefinitionDoc
	ContentHash     string
	Revision        int
	RevisionIsKnown bool // the content already has this revision in the family record
	// Unpause: PlanOptions.Unpause lifts this service's pause, if it has one; apply then
	// clears it in the record.
	Unpause bool
	// PreDeploy are the tasks apply runs before registering (predeploy.go).
	PreDeploy []PreDeployUnit

	// recordPartial: Record came from an earlier pass (fromPrior), without its history,
	// or from the digest (ServiceRecord.Summary).
	recordPartial bool
	// memo and noChanges are the plan memo (plan_memo.go): what a later pass may reuse
	// of this service's translation, and describeRevision's verdict on Record. A service
	// planned from the memo has no Translation (it is unchanged: apply never needs its
	// job).
	memo      *translationMemo
	noChanges *revisionVerdict
	// family is the family record the plan found the revision in (read-only, shared).
	family *nomadbackend.FamilyRecord

	// ReadAt is when the Nomad reads behind Live and Record began (for a service
	// planned from PlanOptions.Reuse: when the original reads began). The daemon trusts
	// them only while its event stream shows no change of the job after that.
	ReadAt time.Time
}

// ComputePlan plans desired against the cluster behind b. It only reads: Nomad's plan
// endpoint runs the scheduler without storing an evaluation.
func ComputePlan(ctx context.Context, desired *spec.Desired, b Cluster, opts PlanOptions) (*plan.Plan, error) {
	p, err := ComputePlanned(ctx, desired, b, opts)
	if err != nil {
		return nil, err
	}
	return p.Plan, nil
}

// ComputePlanned is ComputePlan returning the working state apply needs.
func ComputePlanned(ctx context.Context, desired *spec.Desired, b Cluster, opts PlanOptions) (*Planned, error) {
	if desired == nil {
		return nil, errors.New("plan: no desired state")
	}
	desired = withNamespace(desired, opts.Namespace)
	ns := desired.Config.Namespace
	if ns == "" {
		ns = spec.DefaultConfig().Namespace
	}
	pl := &planner{b: b, desired: desired, ns: ns, families: newFamilyCache(b, ns), reuse: opts.Reuse, reuseOwned: opts.ReuseOwned,
		unpause: opts.Unpause, readAt: time.Now()}
	pl.source, pl.sourceExplicit = opts.sourceFor(desired)
	pl.testDriver = opts.TestDriver
	pl.now = time.Now()
	if opts.Now != nil {
		pl.now = opts.Now()
	}
	if l, ok := b.(jobLister); ok && unread(desired, opts.Reuse) >= listJobsFrom {
		listed, err := l.ListJobs(ctx, ns)
		if err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		pl.listed = listed
		// After the job listing, as every record read comes after its job's read
		// (unrecordedRegister): one call tells which records exist, a few more read the
		// digest of the settled ones (records_digest.go).
		if rl, ok := b.(recordLister); ok {
			if pl.records, err = rl.ListRecords(ctx, ns); err != nil {
				return nil, fmt.Errorf("plan: %w", err)
			}
			if pl.digest, err = rl.ReadDigest(ctx, pl.records); err != nil {
				return nil, fmt.Errorf("plan: %w", err)
			}
			pl.families.listing = pl.records
		}
	}

	svcs := make([]*PlannedService, len(desired.Services))
	sps := make([]plan.ServicePlan, len(desired.Services))
	err := parallel.ForEach(ctx, len(desired.Services), b.Concurrency(), func(ctx context.Context, i int) error {
		var err error
		sps[i], svcs[i], err = pl.service(ctx, desired.Services[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	pruned, prunedSvcs, err := pl.prune(ctx, sps, opts.Prune || desired.Config.Prune, opts.AllowEmptyPrune)
	if err != nil {
		return nil, err
	}
	reused, memoized := 0, 0
	for _, ps := range svcs {
		if ps != nil && ps.ReadAt.Before(pl.readAt) {
			reused++
		}
		if ps != nil && ps.Translation == nil && ps.memo != nil {
			memoized++
		}
	}
	lbs, err := pl.planLoadBalancing(ctx, opts.Prune || desired.Config.Prune, opts.AllowEmptyPrune)
	if err != nil {
		return nil, err
	}
	sps = append(sps, pruned...)
	svcs = append(svcs, prunedSvcs...)
	out := assemble(desired, b, ns, opts, sps, svcs)
	out.Plan.LoadBalancing = lbs
	out.Plan.Summarize()
	out.Reused, out.Memoized = reused, memoized
	out.Owned, out.OwnedAt = pl.owned, pl.ownedAt
	out.digest = pl.digest
	if opts.DriftMode == DriftReport {
		holdDrift(out)
	}
	return out, nil
}

func assemble(desired *spec.Desired, b Cluster, ns string, opts PlanOptions, sps []plan.ServicePlan, svcs []*PlannedService) *Planned {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	out := &Planned{Services: make(map[string]*PlannedService, len(sps))}
	for i := range sps {
		out.Services[sps[i].JobID] = svcs[i]
	}
	sort.SliceStable(sps, func(i, j int) bool { return sps[i].Service < sps[j].Service })
	label := opts.Label
	if label == "" {
		label = desired.Root
	}
	p := &plan.Plan{
		FormatVersion: plan.FormatVersion,
		CreatedAt:     now().UTC(),
		Source:        label,
		Commit:        opts.Commit,
		Namespace:     ns,
		NomadAddress:  b.Address(),
		Services:      sps,
		Diagnostics:   desired.Diagnostics,
	}
	p.Summarize()
	out.Plan = p
	return out
}

// withNamespace returns desired with its namespace overridden (a shallow copy: the
// translation reads the namespace from the config, and the caller's value stays intact).
func withNamespace(d *spec.Desired, ns string) *spec.Desired {
	if ns == "" || ns == d.Config.Namespace {
		return d
	}
	c := *d
	c.Config.Namespace = ns
	return &c
}

// planner holds what every service's planning shares.
type planner struct {
	b       Cluster
	desired *spec.Desired
	ns      string
	source  string
	// sourceExplicit: --source or ecsgit.yaml named the identity (sourceFor).
	sourceExplicit bool
	testDriver     string
	families       *familyCache
	reuse          ReuseFunc
	reuseOwned     OwnedReuseFunc
	unpause        UnpauseFunc
	// owned and ownedAt are the listing prune worked from (Planned.Owned).
	owned   []nomadbackend.OwnedJob
	ownedAt time.Time
	readAt  time.Time
	// now is the pass's clock for the scheduled scaling actions (PlanOptions.Now).
	now time.Time
	// listed is the namespace's job listing taken before any record read (nil: none
	// taken; each service reads its job).
	listed map[string]nomadbackend.JobStub
	// records and digest are the record listing and digest read right after the job
	// listing (nil: not taken; each service reads its record).
	records *nomadbackend.RecordListing
	digest  *nomadbackend.Digest
	// memoStrings interns the strings of the plan memos this pass makes (plan_memo.go).
	memoStrings memoStrings
}

// recordLister is the bulk side of the records (issue 19), an optional part of Cluster
// that the Nomad backend has: which records exist, in one listing, and the digest that
// summarises the settled ones.
type recordLister interface {
	ListRecords(ctx context.Context, ns string) (*nomadbackend.RecordListing, error)
	ReadDigest(ctx context.Context, l *nomadbackend.RecordListing) (*nomadbackend.Digest, error)
	WriteDigest(ctx context.Context, d *nomadbackend.Digest, views map[string]nomadbackend.DigestView) (int, error)
}

var _ recordLister = (*nomadbackend.Client)(nil)

// jobLister is the bulk job read (issue 12), an optional part of Cluster that the Nomad
// backend has: one listing instead of a job read per service.
type jobLister interface {
	ListJobs(ctx context.Context, ns string) (map[string]nomadbackend.JobStub, error)
}

var _ jobLister = (*nomadbackend.Client)(nil)

// listJobsFrom is the number of services from which a plan lists the namespace's jobs
// (and its records, and reads the digest) instead of reading them one by one. A daemon
// pass (PlanOptions.Reuse) counts only the services it has no earlier reads of: a pass
// after a commit or an event touched a few services reads those few, and the pass
// after the first one, or after the event stream was interrupted, lists like a plan
// (at 5,000 services it read every record one by one: 54 s).
const listJobsFrom = 16

// unread is the number of desired services that reuse hands back no earlier reads of
// (all of them without reuse), counting up to listJobsFrom only.
func unread(desired *spec.Desired, reuse ReuseFunc) int {
	if reuse == nil {
		return len(desired.Services)
	}
	n := 0
	for _, svc := range desired.Services {
		if reuse(nomadjob.JobID(desired.Config, svc.ServiceName)) == nil {
			if n++; n == listJobsFrom {
				break
			}
		}
	}
	return n
}

func (pl *planner) service(ctx context.Context, svc *spec.ServiceDoc) (plan.ServicePlan, *PlannedService, error) {
	if sp, ps, ok := pl.serviceFromMemo(svc); ok {
		return sp, ps, nil
	}
	tr, err := nomadjob.Translate(pl.desired, svc, pl.translateOptions())
	if err != nil {
		return plan.ServicePlan{}, nil, &ContentError{Service: svc.ServiceName, Err: err}
	}
	job := nomadbackend.JobOf(tr)
	id := job.ID()
	job.SetNamespace(pl.ns) // the namespace the plan shows is where the job goes
	ps := &PlannedService{Translation: tr, Service: svc, TaskDefinition: pl.desired.TaskDefinitionFor(svc), ReadAt: pl.readAt,
		Unpause: pl.unpause != nil && pl.unpause(id, tr.SpecHash)}
	sp := plan.ServicePlan{Service: svc.ServiceName, JobID: id, SpecHash: tr.SpecHash, After: svc.After,
		Fidelity: fidelity(ps), Rollout: rolloutPreview(tr.Rollout), Routes: routes(pl.desired, svc),
		ServiceConnect: serviceConnect(pl.desired, svc),
		SecretNames:    nomadjob.SecretEnvNames(tr.Secrets)}
	pl.rememberTranslation(ps, &sp, tr)
	if s, p := svc.Schedule, tr.Periodic; s != nil && p != nil {
		sp.Schedule = &plan.ScheduleSummary{Name: s.Name, Expression: s.ScheduleExpression, TimeZone: p.TimeZone,
			NomadCron: p.Cron, Enabled: p.Enabled, TaskCount: desiredCountOf(svc)}
		sp.Rollout = nil // a periodic job has no rollout
	}
	if len(svc.PreDeploy) > 0 {
		if ps.PreDeploy, sp.PreDeploy, err = pl.preDeploy(ctx, svc); err != nil {
			return sp, ps, err
		}
	}
	if pl.reuse != nil {
		if prior := pl.reuse(id); prior != nil {
			ok, err := fromPrior(ps, &sp, prior, pl.source)
			if err != nil {
				return sp, ps, fmt.Errorf("plan %s: %w", id, err)
			}
			if ok {
				sp.Scaling = scalingView(ps, pl.now)
				return sp, ps, nil
			}
		}
	}

	// Before any other read: a job whose secrets are missing is never planned as a
	// change (its tasks would block on their template), so nothing gets registered.
	if err := checkSecrets(ctx, pl.b, svc.ServiceName, tr.Secrets); err != nil {
		return sp, ps, err
	}
	if err := pl.pinImages(ctx, ps, &sp); err != nil {
		return sp, ps, err
	}
	r, err := pl.read(ctx, ps, &sp, job)
	if err != nil {
		return sp, ps, err
	}
	if err := decide(ps, &sp, r); err != nil {
		return sp, ps, fmt.Errorf("plan %s: %w", id, err)
	}
	sp.Scaling = scalingView(ps, pl.now)
	return sp, ps, nil
}

// serviceReads is everything planning one service reads from the cluster. read
// gathers it (the only I/O of planning a service); decide turns it, with the desired
// spec, into the plan without any I/O.
type serviceReads struct {
	Live *nomadbackend.LiveJob
	// Foreign, when set, says why the live job is not this source's (decide skips it;
	// nothing else is read).
	Foreign string
	Record  *nomadbackend.ServiceRecord
	// ContentHash is the task definition's content hash; Revision (RevisionKnown) what
	// the family record gives it.
	ContentHash   string
	Revision      int
	RevisionKnown bool
	// Family is the family record the revision came from (nil: the service record
	// vouched for it); apply assigns a new revision on it without reading it again.
	Family *nomadbackend.FamilyRecord
	// DryRun is Nomad's scheduler dry-run; nil when UnchangedSinceApplied vouches that
	// Nomad's diff is None (the dry-run, the most expensive call of a plan, would tell
	// nothing).
	DryRun *nomadbackend.DryRun
	// DriftDiff is Nomad's diff from the version ecsgit applied to the live one, read
	// only when the live job moved since ecsgit's record (driftRead).
	DriftDiff *nomadbackend.JobDiff
}

// read gathers what planning ps needs from the cluster, and no more: a foreign job's
// record is not read, an unchanged service gets no dry-run, a job that did not move
// gets no version diff. It decides which calls to make from cheap predicates on what it
// already read; the plan itself is decide's.
func (pl *planner) read(ctx context.Context, ps *PlannedService, sp *plan.ServicePlan, job *nomadbackend.Job) (serviceReads, error) {
	var r serviceReads
	var err error
	id := sp.JobID
	// The job before its record, always: an apply claims the record before it registers,
	// so a register this read sees has its claim in the record read after it, and
	// unrecordedRegister can tell ecsgit's own writes in flight from drift. The listing,
	// when taken, is such a read of every job (readListed).
	stub, listed := pl.listed[id]
	if pl.listed == nil || (listed && stub.ManagedBy == "") {
		if r.Live, err = pl.b.ReadJob(ctx, pl.ns, id); err != nil {
			return r, fmt.Errorf("plan %s: %w", id, err)
		}
	} else if listed {
		r.Live = stub.Live(0) // ownership only; readListed settles the version
	}
	if r.Live != nil {
		if own, why := nomadbackend.OwnershipOf(r.Live, pl.source); own != nomadbackend.OwnedBySource {
			r.Foreign = why
			if pl.listed != nil && listed && stub.ManagedBy != "" { // the plan shows the job as it is
				r.Live, err = pl.b.ReadJob(ctx, pl.ns, id)
			}
			return r, err
		}
	}
	if job, err = pl.followLiveCount(ps, sp, job, r.Live); err != nil {
		return r, err
	}
	if r.Record, err = pl.readRecord(ctx, id, stub, listed && stub.ManagedBy != "", sp.SpecHash, ps.TaskDefinition.Family); err != nil {
		return r, fmt.Errorf("plan %s: %w", id, err)
	}
	if pl.listed != nil && listed && stub.ManagedBy != "" {
		if err := pl.readListed(ctx, &r, stub); err != nil {
			return r, fmt.Errorf("plan %s: %w", id, err)
		}
	}
	td := ps.TaskDefinition
	if r.ContentHash, err = nomadbackend.TaskDefinitionHash(&td.TaskDefinition); err != nil {
		return r, fmt.Errorf("plan %s: %w", id, err)
	}
	if rec := r.Record; rec != nil && rec.SpecHash == sp.SpecHash && rec.Family == td.Family && rec.Revision > 0 {
		// The spec hash covers the whole task definition: the recorded revision is the
		// one the family record maps this content to (a mapping never changes), so the
		// family record is not read (one read fewer per unchanged service).
		r.Revision, r.RevisionKnown = rec.Revision, true
	} else {
		if r.Family, err = pl.families.lookup(ctx, td.Family); err != nil {
			return r, fmt.Errorf("plan %s: %w", id, err)
		}
		r.Revision, r.RevisionKnown = r.Family.RevisionFor(r.ContentHash)
	}
	probe := plan.ServicePlan{SpecHash: sp.SpecHash, JobModifyIndex: nomadbackend.JobModifyIndexOf(r.Live),
		OldTaskDefinition: r.Record.TaskDefinitionRef(), NewTaskDefinition: fmt.Sprintf("%s:%d", td.Family, r.Revision)}
	if UnchangedSinceApplied(&PlannedService{Live: r.Live, Record: r.Record}, &probe) {
		return r, nil
	}
	if r.DryRun, err = pl.b.PlanJob(ctx, job); err != nil {
		return r, err
	}
	if from, to, ok := driftRead(r.Record, r.Live, sp.SpecHash, pl.readAt); ok {
		if r.DriftDiff, err = pl.b.DiffJobVersions(ctx, pl.ns, id, from, to); err != nil {
			return r, fmt.Errorf("plan %s: %w", id, err)
		}
	}
	return r, nil
}

// readRecord is id's service record: read, or known from the record listing and the
// digest taken after the job listing. A record the listing does not show does not exist
// (nil, no read). A record the digest summarises at the very index the listing shows is
// taken from the summary when that is all the plan needs: the service is unchanged
// since its last successful apply (its spec hash and family are the desired ones, the
// listed job is the one the record registered, and it runs), so no ECS diff, dry-run or
// drift read follows. Anything else reads the whole record.
func (pl *planner) readRecord(ctx context.Context, id string, stub nomadbackend.JobStub, listedOwned bool, specHash, family string) (*nomadbackend.ServiceRecord, error) {
	if pl.records != nil {
		if _, ok := pl.records.ServiceRecordIndex(id); !ok {
			return nil, nil
		}
		if rec := pl.digest.Summary(id); rec != nil && listedOwned && !stub.Stopped &&
			rec.JobModifyIndex == stub.JobModifyIndex && rec.SpecHash == specHash && rec.Family == family {
			return rec, nil
		}
	}
	return pl.b.ReadServiceRecord(ctx, pl.ns, id)
}

// readListed completes the live job of a service that the listing showed. The record
// read after the listing vouches for the version when it recorded this very
// JobModifyIndex (no job read: the unchanged services of a no-op plan). Otherwise the
// job is read; if it moved since the listing, the record is read again after it, so
// that the job is still read before its record.
func (pl *planner) readListed(ctx context.Context, r *serviceReads, stub nomadbackend.JobStub) error {
	if rec := r.Record; rec != nil && rec.JobModifyIndex != 0 && rec.JobModifyIndex == stub.JobModifyIndex {
		r.Live = stub.Live(rec.JobVersion)
		return nil
	}
	live, err := pl.b.ReadJob(ctx, pl.ns, stub.ID)
	if err != nil {
		return err
	}
	r.Live = live
	if nomadbackend.JobModifyIndexOf(live) != stub.JobModifyIndex || live == nil {
		if r.Record, err = pl.b.ReadServiceRecord(ctx, pl.ns, stub.ID); err != nil {
			return err
		}
	}
	return nil
}

// decide plans one service from the desired spec (ps, sp as the translation left them)
// and what read gathered. It makes no Nomad call.
func decide(ps *PlannedService, sp *plan.ServicePlan, r serviceReads) error {
	ps.Live = r.Live
	if r.Foreign != "" {
		sp.Action, sp.Reason = plan.ActionSkip, r.Foreign
		return nil
	}
	ps.Record = r.Record
	ps.recordPartial = r.Record != nil && r.Record.Summary
	ps.ContentHash, ps.Revision, ps.RevisionIsKnown = r.ContentHash, r.Revision, r.RevisionKnown
	ps.family = r.Family
	if err := describeRevision(ps, sp); err != nil {
		return err
	}
	sp.JobModifyIndex = nomadbackend.JobModifyIndexOf(ps.Live)
	if r.DryRun == nil {
		planUnchanged(ps, sp)
		return nil
	}
	ps.DryRun = r.DryRun
	if ps.Service.Scaling != nil && countDerivedOnly(ps.DryRun.Diff) {
		// The autoscaler's count seen through the update block (plan_scaling.go).
		d := *ps.DryRun
		d.DiffType = nomadbackend.DiffNone
		ps.DryRun = &d
	}
	sp.NomadDiffType = string(ps.DryRun.DiffType)
	sp.Placement = placement(ps.DryRun)
	drift(ps, sp, r.DriftDiff)
	trafficChanges(ps, sp)
	connectChanges(ps, sp)
	classify(ps, sp)
	return nil
}

// UnchangedSinceApplied reports that nothing changed on either side since ecsgit's last successful
// apply: the live job is exactly what it registered, it is running, and the desired spec
// (hash and revision) is the one recorded.
func UnchangedSinceApplied(ps *PlannedService, sp *plan.ServicePlan) bool {
	rec := ps.Record
	return rec != nil && ps.Live != nil && !nomadbackend.IsStopped(ps.Live) &&
		rec.Outcome == nomadbackend.OutcomeSucceeded &&
		rec.JobModifyIndex != 0 && rec.JobModifyIndex == sp.JobModifyIndex &&
		rec.SpecHash == sp.SpecHash && sp.OldTaskDefinition == sp.NewTaskDefinition
}

// fromPrior plans ps from an earlier plan's reads (PlanOptions.Reuse) when that is
// exactly what reading again would conclude: the prior reads show the live job is the
// one ecsgit registered from this very spec (UnchangedSinceApplied), and the task
// definition's content, hence its revision, is the same. Anything else (a new spec, a
// new revision, an outcome other than success) reports false and the caller reads Nomad.
func fromPrior(ps *PlannedService, sp *plan.ServicePlan, prior *PlannedService, source string) (bool, error) {
	if prior.Live == nil || prior.Record == nil {
		return false, nil
	}
	if prior.Record.Summary && prior.Record.SpecHash != sp.SpecHash {
		// A digest summary (the earlier pass listed) has no ECS documents to diff a
		// change against: the record is read in full.
		return false, nil
	}
	if own, _ := nomadbackend.OwnershipOf(prior.Live, source); own != nomadbackend.OwnedBySource {
		return false, nil
	}
	hash, err := nomadbackend.TaskDefinitionHash(&ps.TaskDefinition.TaskDefinition)
	if err != nil || hash != prior.ContentHash {
		return false, err
	}
	cand, c := *ps, *sp
	cand.Live, cand.Record, cand.ReadAt, cand.recordPartial = prior.Live, prior.Record, prior.ReadAt, true
	cand.ContentHash, cand.Revision, cand.RevisionIsKnown = prior.ContentHash, prior.Revision, prior.RevisionIsKnown
	cand.noChanges = prior.noChanges // about prior.Record, which cand now plans from
	if err := describeRevision(&cand, &c); err != nil {
		return false, err
	}
	c.JobModifyIndex = nomadbackend.JobModifyIndexOf(cand.Live)
	if !UnchangedSinceApplied(&cand, &c) {
		return false, nil
	}
	planUnchanged(&cand, &c)
	*ps, *sp = cand, c
	return true, nil
}

// planUnchanged classifies a service that UnchangedSinceApplied vouches for without the
// scheduler dry-run: Nomad's diff is None by construction.
func planUnchanged(ps *PlannedService, sp *plan.ServicePlan) {
	ps.DryRun = &nomadbackend.DryRun{DiffType: nomadbackend.DiffNone, JobModifyIndex: sp.JobModifyIndex}
	sp.NomadDiffType = string(nomadbackend.DiffNone)
	classify(ps, sp)
}

// describeRevision fills sp's old and new "family:revision" and the ECS field changes
// since the last apply, from ps's record and revision (no Nomad call).
func describeRevision(ps *PlannedService, sp *plan.ServicePlan) error {
	td := ps.TaskDefinition
	sp.OldTaskDefinition = ps.Record.TaskDefinitionRef()
	sp.NewTaskDefinition = fmt.Sprintf("%s:%d", td.Family, ps.Revision)
	if rec := ps.Record; rec != nil && rec.Summary && rec.SpecHash == sp.SpecHash {
		// A digest summary has no ECS documents to diff; it is used only for a service
		// whose spec hash, which covers both documents, is the recorded one: no change.
		sp.Changes = nil
		return nil
	}
	verdict := revisionVerdict{specHash: sp.SpecHash, contentHash: ps.ContentHash}
	if ps.Record != nil {
		verdict.recordIndex = ps.Record.ModifyIndex
	}
	if v := ps.noChanges; v != nil && verdict.recordIndex != 0 && verdict.contentHash != "" && *v == verdict {
		// An earlier pass diffed these very documents against this very record.
		sp.Changes = nil
		return nil
	}
	ps.noChanges = nil
	svc := &ps.Service.Service
	if ps.Service.Schedule != nil {
		svc = nil // a schedule's stand-in service is not shown: its schedule is
	}
	changes, err := ecsChanges(ps.Record, &td.TaskDefinition, svc)
	if err != nil {
		return err
	}
	if s := ps.Service.Schedule; s != nil {
		old, err := recordedSchedule(ps.Record)
		if err != nil {
			return err
		}
		changes = append(changes, plan.DiffSchedules(old, &s.Schedule)...)
	}
	sp.Changes = changes
	if len(changes) == 0 && verdict.recordIndex != 0 && verdict.contentHash != "" {
		ps.noChanges = &verdict
	}
	return nil
}

func fidelity(ps *PlannedService) []spec.FidelityNote {
	return fidelityNotes(ps.TaskDefinition, ps.Service, ps.Translation.Fidelity)
}

// fidelityNotes joins the notes of the conversions into the task definition and the
// service (compose) with the translator's.
func fidelityNotes(td *spec.TaskDefinitionDoc, svc *spec.ServiceDoc, translated []spec.FidelityNote) []spec.FidelityNote {
	var notes []spec.FidelityNote
	if td != nil {
		notes = append(notes, td.Fidelity...)
	}
	notes = append(notes, svc.Fidelity...)
	return append(notes, translated...)
}

func placement(d *nomadbackend.DryRun) *plan.Placement {
	return &plan.Placement{
		OK:          len(d.Failures) == 0,
		Failures:    d.Failures,
		Place:       d.Counts.Place,
		Stop:        d.Counts.Stop,
		InPlace:     d.Counts.InPlace,
		Destructive: d.Counts.Destructive,
		Canary:      d.Counts.Canary,
		Ignore:      d.Counts.Ignore,
		Warnings:    d.Warnings,
	}
}

// ForReuse keeps of an unchanged service what fromPrior and the rest of a pass use
// of it (the live job's summary, the record without its history), not the translation
// or the ECS documents: the daemon holds one entry per service for as long as it runs
// (1,000 services). The live job is already a summary (nomadbackend.LiveJob, a few
// fields instead of a decoded Nomad job of tens of KiB).
func (ps *PlannedService) ForReuse() *PlannedService {
	live := *ps.Live // already a summary (nomadbackend.LiveJob): a copy keeps it apart
	rec := *ps.Record
	rec.History = nil // only read when the record is written, which an unchanged service never is
	return &PlannedService{Live: &live, Record: &rec, ContentHash: ps.ContentHash, Revision: ps.Revision,
		RevisionIsKnown: ps.RevisionIsKnown, ReadAt: ps.ReadAt, memo: ps.memo, noChanges: ps.noChanges}
}

// FromGit reports that ps plans a service of the repository (translated, or planned
// from the plan memo), not the prune of a job that left it.
func (ps *PlannedService) FromGit() bool { return ps.Translation != nil || ps.memo != nil }
