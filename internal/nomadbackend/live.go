package nomadbackend

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
)

// OwnedJob is a job listed as belonging to one ecsgit source.
type OwnedJob struct {
	Namespace, ID string
	Status        JobStatus
	Stopped       bool // deregistered but not yet garbage-collected
	// JobModifyIndex of the stub (the listing's view; ReadJob is authoritative).
	JobModifyIndex uint64
}

// OwnershipFilter is the bexpr filter selecting the jobs of one ecsgit source.
func OwnershipFilter(source string) (string, error) {
	lit, err := bexprString(source)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Meta[%q] == %q and Meta[%q] == %s and %s", nomadjob.MetaManagedBy, nomadjob.ManagedByValue, nomadjob.MetaSource, lit, notRunTask), nil
}

// notRunTask leaves out one-off task jobs (run-task, pre-deploy tasks): they are not
// in Git, so prune must never take them for removed services; they end by themselves
// and are purged after their retention (PurgeExpiredTasks). A job without the key
// matches (go-bexpr: a missing map key is != any value).
//
// Nor the launches of a schedule's periodic job (ParentID set): they carry the parent's
// meta, but the schedule is the parent.
var notRunTask = fmt.Sprintf("Meta[%q] != %q and ParentID == \"\"", nomadjob.MetaKind, nomadjob.KindRunTask)

// bexprString quotes s as a go-bexpr string literal. The grammar ends a double-quoted
// literal at the first `"` whatever precedes it (then unquotes it with strconv), so a value
// containing `"` must use a raw `...` literal instead, and one containing both cannot be
// expressed.
func bexprString(s string) (string, error) {
	switch {
	case !strings.Contains(s, `"`):
		return strconv.Quote(s), nil
	case !strings.Contains(s, "`"):
		return "`" + s + "`", nil
	}
	return "", fmt.Errorf("source name %q cannot be used in a Nomad filter: it contains both \" and `", s)
}

// ListOwned lists the jobs in ns that carry ecsgit's ownership meta for source. The filter
// runs on the server against full jobs, so stubs need no meta.
func (c *Client) ListOwned(ctx context.Context, ns, source string) ([]OwnedJob, error) {
	filter, err := OwnershipFilter(source)
	if err != nil {
		return nil, err
	}
	q := queryOpts(ctx, ns)
	q.Filter = filter
	out, err := c.listJobs(q)
	if err != nil {
		return nil, fmt.Errorf("list jobs of source %q in namespace %s: %w", source, ns, err)
	}
	return out, nil
}

// ListManaged lists the jobs in ns that carry ecsgit's managed-by meta, of any source
// (`ecsgit status`).
func (c *Client) ListManaged(ctx context.Context, ns string) ([]OwnedJob, error) {
	q := queryOpts(ctx, ns)
	q.Filter = fmt.Sprintf("Meta[%q] == %q and %s", nomadjob.MetaManagedBy, nomadjob.ManagedByValue, notRunTask)
	out, err := c.listJobs(q)
	if err != nil {
		return nil, fmt.Errorf("list ecsgit jobs in %s: %w", ns, err)
	}
	return out, nil
}

func (c *Client) listJobs(q *api.QueryOptions) ([]OwnedJob, error) {
	var out []OwnedJob
	for {
		stubs, meta, err := c.api.Jobs().List(q)
		if err != nil {
			return nil, err
		}
		for _, s := range stubs {
			out = append(out, OwnedJob{Namespace: s.Namespace, ID: s.ID, Status: JobStatus(s.Status),
				Stopped: s.Stop, JobModifyIndex: s.JobModifyIndex})
		}
		if meta == nil || meta.NextToken == "" {
			return out, nil
		}
		q.NextToken = meta.NextToken
	}
}

// ReadJob returns what ecsgit needs of the live job, or nil when there is none.
func (c *Client) ReadJob(ctx context.Context, ns, id string) (*LiveJob, error) {
	job, err := c.readJob(ctx, ns, id)
	return liveJobOf(job), err
}

func (c *Client) readJob(ctx context.Context, ns, id string) (*api.Job, error) {
	job, _, err := c.api.Jobs().Info(id, queryOpts(ctx, ns))
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read job %s/%s: %w", ns, id, err)
	}
	return job, nil
}

// JobVersion returns version v of a job as Nomad kept it, ready to register again (a
// manual rollback), or nil when Nomad no longer keeps it.
func (c *Client) JobVersion(ctx context.Context, ns, id string, v uint64) (*Job, error) {
	versions, _, _, err := c.api.Jobs().Versions(id, false, queryOpts(ctx, ns))
	if err != nil {
		return nil, fmt.Errorf("read versions of %s/%s: %w", ns, id, err)
	}
	for _, j := range versions {
		if j.Version != nil && *j.Version == v {
			return WrapJob(j), nil
		}
	}
	return nil, nil
}

// Ownership says who a live job belongs to, as seen from one ecsgit source.
type Ownership int

const (
	OwnedBySource Ownership = iota // ecsgit manages it for this source
	OwnedByOther                   // ecsgit manages it for another source
	NotOwned                       // not managed by ecsgit at all
)

// OwnershipOf classifies job for source and explains a refusal in words.
func OwnershipOf(job *LiveJob, source string) (Ownership, string) {
	if job.ManagedBy != nomadjob.ManagedByValue {
		return NotOwned, fmt.Sprintf("a Nomad job %q exists that ecsgit does not manage (no %s=%s meta); ecsgit never touches it — rename the service or remove the job",
			job.ID, nomadjob.MetaManagedBy, nomadjob.ManagedByValue)
	}
	if src := job.Source; src != source {
		return OwnedByOther, fmt.Sprintf("job %q belongs to ecsgit source %q, not %q; two repositories must not manage the same service",
			job.ID, src, source)
	}
	return OwnedBySource, ""
}

// JobModifyIndexOf is the job's JobModifyIndex (0 for nil).
func JobModifyIndexOf(job *LiveJob) uint64 {
	if job == nil {
		return 0
	}
	return job.JobModifyIndex
}

// JobVersionOf is the job's version (0 for nil).
func JobVersionOf(job *LiveJob) uint64 {
	if job == nil {
		return 0
	}
	return job.Version
}

// IsStopped reports a deregistered job that Nomad still keeps.
func IsStopped(job *LiveJob) bool { return job != nil && job.Stopped }

// DiffJobVersions returns Nomad's diff from version `from` (old) to version `to` (new) of a
// job, or nil when either version is no longer kept (Nomad keeps a few versions only).
//
// Nomad answers a diff against a version it no longer keeps with a 500 whose text says
// so, so the kept versions are listed first (drift is rare: two reads then) instead of
// reading the error text.
func (c *Client) DiffJobVersions(ctx context.Context, ns, id string, from, to uint64) (*JobDiff, error) {
	kept, err := c.JobVersion(ctx, ns, id, from)
	if IsNotFound(err) || (err == nil && kept == nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	versions, diffs, _, err := c.api.Jobs().VersionsOpts(id, &api.VersionsOptions{Diffs: true, DiffVersion: &from}, queryOpts(ctx, ns))
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("diff versions %d..%d of %s/%s: %w", from, to, ns, id, err)
	}
	// With a diff_version, diffs[i] compares that version with versions[i].
	for i, v := range versions {
		if v.Version != nil && *v.Version == to && i < len(diffs) {
			return jobDiffOf(diffs[i]), nil
		}
	}
	return nil, nil
}

// JobStub is a job as Nomad's job listing shows it: enough to tell whether a job exists,
// whose it is and whether it moved since a JobModifyIndex, but not its version or counts.
type JobStub struct {
	ID, Namespace     string
	Status            JobStatus
	Stopped           bool
	JobModifyIndex    uint64
	ManagedBy, Source string
}

// ListJobs lists every job of ns, ecsgit's or not, in one listing (paged by Nomad if it
// pages), with the ownership meta: what a plan of many services reads once instead of
// one job read per service (issue 12, "in bulk where Nomad allows").
func (c *Client) ListJobs(ctx context.Context, ns string) (map[string]JobStub, error) {
	q := queryOpts(ctx, ns)
	opts := &api.JobListOptions{Fields: &api.JobListFields{Meta: true}}
	out := map[string]JobStub{}
	for {
		stubs, meta, err := c.api.Jobs().ListOptions(opts, q)
		if err != nil {
			return nil, fmt.Errorf("list jobs in namespace %s: %w", ns, err)
		}
		for _, s := range stubs {
			out[s.ID] = JobStub{ID: s.ID, Namespace: s.Namespace, Status: JobStatus(s.Status), Stopped: s.Stop,
				JobModifyIndex: s.JobModifyIndex, ManagedBy: s.Meta[nomadjob.MetaManagedBy], Source: s.Meta[nomadjob.MetaSource]}
		}
		if meta == nil || meta.NextToken == "" {
			return out, nil
		}
		q.NextToken = meta.NextToken
	}
}

// Live is the summary of the listed job at version, which the caller knows from
// elsewhere (a record of this very JobModifyIndex: one JobModifyIndex, one version).
// Desired is not in a listing and stays 0.
func (s JobStub) Live(version uint64) *LiveJob {
	return &LiveJob{ID: s.ID, Namespace: s.Namespace, Status: s.Status, Stopped: s.Stopped, Version: version,
		JobModifyIndex: s.JobModifyIndex, ManagedBy: s.ManagedBy, Source: s.Source}
}
