// Package nomadbackend is ecsgit's side of the Nomad boundary: the mechanism, never the
// policy.
//
// It implements the cluster interfaces the engine owns (reconcile.Cluster, EventSource,
// LockService) over Nomad's api module, for the jobs that package nomadjob translates
// from the ECS model (JobOf wraps a translation for planning and registering): reading live
// jobs (as LiveJob summaries), scheduler dry-runs, registers with EnforceIndex, kept job
// versions and their diff (JobDiff), deployments and rollout watches, ecsgit's records in
// Nomad Variables (services, families, history, failure memory), the event stream as
// typed events, and the Variables lock.
//
// Nomad's string states are typed here (DiffType, JobStatus, DeploymentStatus); its
// errors are turned into ConflictError, ErrLockHeld and IsNotFound. Deciding what to
// register, prune or roll back, and when a rollout has failed, is reconcile's: a rollout
// watch asks the caller's WatchOptions.Judge on every observation and fails the
// deployment only when told to.
//
// Dependencies: nomadbackend imports nomadjob, spec and internal packages, never
// reconcile, plan or cmd.
package nomadbackend
