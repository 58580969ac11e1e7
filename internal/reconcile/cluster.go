package reconcile

import (
	"context"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// Cluster is what the engine needs of the cluster it reconciles onto. The engine owns
// this interface; *nomadbackend.Client implements it against Nomad, and the engine's
// unit tests use an in-memory fake. Nothing in reconcile talks to Nomad's api package:
// jobs, diffs, deployments and events come in the backend's own types.
//
// The split is policy here, mechanism there: reconcile decides what to register, prune
// or roll back and when a rollout has failed (breaker.go); the backend makes the calls.
type Cluster interface {
	// Address is the cluster's address, shown in plans.
	Address() string
	// Concurrency bounds the engine's fan-outs (planning N services, reading N records).
	Concurrency() int

	// ReadJob returns the live job (nil: none).
	ReadJob(ctx context.Context, ns, id string) (*nomadbackend.LiveJob, error)
	// ListOwned lists the jobs of one ecsgit source; ListManaged those of any source.
	ListOwned(ctx context.Context, ns, source string) ([]nomadbackend.OwnedJob, error)
	ListManaged(ctx context.Context, ns string) ([]nomadbackend.OwnedJob, error)
	// PlanJob is the scheduler's dry-run of registering job; it writes nothing.
	PlanJob(ctx context.Context, job *nomadbackend.Job) (*nomadbackend.DryRun, error)
	// Register submits job with EnforceIndex at modifyIndex (0: must not exist). A
	// refusal is a *nomadbackend.ConflictError (errors.Is ErrConflict).
	Register(ctx context.Context, job *nomadbackend.Job, modifyIndex uint64) (evalID string, jobModifyIndex uint64, err error)
	// Deregister stops a job (purge removes it); it returns the evaluation ID.
	Deregister(ctx context.Context, ns, id string, purge bool) (string, error)
	// JobVersion is a version Nomad kept, ready to register again (nil: not kept).
	JobVersion(ctx context.Context, ns, id string, v uint64) (*nomadbackend.Job, error)
	// DiffJobVersions is Nomad's diff from version from to version to (nil: either is
	// no longer kept).
	DiffJobVersions(ctx context.Context, ns, id string, from, to uint64) (*nomadbackend.JobDiff, error)
	// TaskCounts counts a job's running and healthy tasks.
	TaskCounts(ctx context.Context, ns, id string) (nomadbackend.TaskCounts, error)

	// Deployments lists a job's deployments.
	Deployments(ctx context.Context, ns, id string) ([]nomadbackend.Deployment, error)
	// WatchRollout follows the evaluation of a register and the deployment it started;
	// WatchDeployment an existing deployment. Both report progress and ask opts.Judge,
	// on every observation, whether to fail the deployment.
	WatchRollout(ctx context.Context, ns, id, evalID string, opts nomadbackend.WatchOptions, progress func(nomadbackend.Progress)) (nomadbackend.Outcome, error)
	WatchDeployment(ctx context.Context, ns, id, deploymentID string, opts nomadbackend.WatchOptions, progress func(nomadbackend.Progress)) (nomadbackend.Outcome, error)

	// Service records (what ecsgit applied, its history and failure memory) and family
	// records (task-definition revisions), with check-and-set.
	ReadServiceRecord(ctx context.Context, ns, id string) (*nomadbackend.ServiceRecord, error)
	// WriteServiceRecord writes r at r.ModifyIndex (ErrRecordConflict when it moved).
	WriteServiceRecord(ctx context.Context, r *nomadbackend.ServiceRecord) error
	// UpdateServiceRecord reads, changes (fn) and writes a record, retrying on conflict.
	UpdateServiceRecord(ctx context.Context, ns, id string, fn func(*nomadbackend.ServiceRecord) error) (*nomadbackend.ServiceRecord, error)
	ReadFamilyRecord(ctx context.Context, ns, family string) (*nomadbackend.FamilyRecord, error)
	// AssignRevision returns the revision of contentHash in family, assigning the next
	// one when the content is new.
	AssignRevision(ctx context.Context, ns, family, contentHash string) (int, error)

	// SecretKeys lists the keys of the Nomad variable at path (found false: there is
	// none); the values are read and dropped by the backend, never returned. Planning
	// checks with it that every secret a job reads at task start exists (ECS-SEC-002).
	SecretKeys(ctx context.Context, ns, path string) (keys []string, found bool, err error)
	// EnsureSecretsPolicy lets job id's workload identity read exactly paths, when
	// the cluster has ACLs and the token may write policies (written false otherwise:
	// no ACLs, or an operator runs `ecsgit secrets policy --apply`).
	EnsureSecretsPolicy(ctx context.Context, ns, id string, paths []string) (written bool, err error)
	// ResolveImage is the digest an image's tag points to in its registry now
	// (versionConsistency); creds name the variable with the registry's credentials.
	ResolveImage(ctx context.Context, image string, creds *nomadbackend.RegistryCredentials) (digest string, err error)
	// TaskRunner runs one-off tasks: pre-deploy tasks before a service's register.
	TaskRunner
}

// EventSource is the cluster's event stream, for the DriftWatcher.
type EventSource interface {
	// Events subscribes to the job and deployment events of ns from index (0: now) on;
	// the channel closes after a batch with an error.
	Events(ctx context.Context, ns string, index uint64) (<-chan nomadbackend.EventBatch, error)
}

// LockService is a lock held on the cluster, for Leadership. The lease policy (renew
// period, when to stop acting) is Leadership's; the calls are the backend's.
type LockService interface {
	// AcquireLock tries once; nomadbackend.ErrLockHeld when another holder has it.
	AcquireLock(ctx context.Context, ns, path, holder string, ttl, delay time.Duration) (lockID string, err error)
	// RenewLock extends the TTL; nomadbackend.ErrLockHeld when the lock was lost.
	RenewLock(ctx context.Context, ns, path, lockID string) error
	ReleaseLock(ctx context.Context, ns, path, lockID string) error
	// LockHolder names the current holder ("" when none or unknown).
	LockHolder(ctx context.Context, ns, path string) string
}

// The Nomad backend implements all three.
var (
	_ Cluster     = (*nomadbackend.Client)(nil)
	_ EventSource = (*nomadbackend.Client)(nil)
	_ LockService = (*nomadbackend.Client)(nil)
)
