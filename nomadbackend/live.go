package nomadbackend

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/nomad/api"
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
	return fmt.Sprintf("Meta[%q] == %q and Meta[%q] == %s", MetaManagedBy, ManagedByValue, MetaSource, lit), nil
}

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
	var out []OwnedJob
	for {
		stubs, meta, err := c.api.Jobs().List(q)
		if err != nil {
			return nil, fmt.Errorf("list jobs of source %q in namespace %s: %w", source, ns, err)
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

// ReadJob returns the live job, or nil when there is none.
func (c *Client) ReadJob(ctx context.Context, ns, id string) (*api.Job, error) {
	job, _, err := c.api.Jobs().Info(id, queryOpts(ctx, ns))
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read job %s/%s: %w", ns, id, err)
	}
	return job, nil
}

// Ownership says who a live job belongs to, as seen from one ecsgit source.
type Ownership int

const (
	OwnedBySource Ownership = iota // ecsgit manages it for this source
	OwnedByOther                   // ecsgit manages it for another source
	NotOwned                       // not managed by ecsgit at all
)

// OwnershipOf classifies job for source and explains a refusal in words.
func OwnershipOf(job *api.Job, source string) (Ownership, string) {
	if job.Meta[MetaManagedBy] != ManagedByValue {
		return NotOwned, fmt.Sprintf("a Nomad job %q exists that ecsgit does not manage (no %s=%s meta); ecsgit never touches it — rename the service or remove the job",
			jobID(job), MetaManagedBy, ManagedByValue)
	}
	if src := job.Meta[MetaSource]; src != source {
		return OwnedByOther, fmt.Sprintf("job %q belongs to ecsgit source %q, not %q; two repositories must not manage the same service",
			jobID(job), src, source)
	}
	return OwnedBySource, ""
}

// JobModifyIndexOf is the job's JobModifyIndex (0 for nil).
func JobModifyIndexOf(job *api.Job) uint64 {
	if job == nil || job.JobModifyIndex == nil {
		return 0
	}
	return *job.JobModifyIndex
}

// JobVersionOf is the job's version (0 for nil).
func JobVersionOf(job *api.Job) uint64 {
	if job == nil || job.Version == nil {
		return 0
	}
	return *job.Version
}

// IsStopped reports a deregistered job that Nomad still keeps.
func IsStopped(job *api.Job) bool { return job != nil && job.Stop != nil && *job.Stop }

// DiffJobVersions returns Nomad's diff from version `from` (old) to version `to` (new) of a
// job, or nil when either version is no longer kept (Nomad keeps a few versions only).
func (c *Client) DiffJobVersions(ctx context.Context, ns, id string, from, to uint64) (*api.JobDiff, error) {
	versions, diffs, _, err := c.api.Jobs().VersionsOpts(id, &api.VersionsOptions{Diffs: true, DiffVersion: &from}, queryOpts(ctx, ns))
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return nil, nil
		}
		return nil, fmt.Errorf("diff versions %d..%d of %s/%s: %w", from, to, ns, id, err)
	}
	// With a diff_version, diffs[i] compares that version with versions[i].
	for i, v := range versions {
		if v.Version != nil && *v.Version == to && i < len(diffs) {
			return diffs[i], nil
		}
	}
	return nil, nil
}
