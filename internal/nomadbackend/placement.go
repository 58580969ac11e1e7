package nomadbackend

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/nomad/api"
)

// DryRun is Nomad's scheduler dry-run of a job (Jobs().Plan with diff): what would change
// and whether every allocation could be placed. It writes nothing: the plan endpoint runs
// the scheduler against a snapshot and discards the result (no evaluation is stored).
type DryRun struct {
	// DiffType is Nomad's verdict against the live job: None, Added or Edited.
	DiffType DiffType
	Diff     *JobDiff
	// JobModifyIndex is the live job's index the dry-run was made against (0: no job).
	JobModifyIndex uint64
	Counts         UpdateCounts
	// Failures says, per task group and in words, why allocations could not be placed;
	// empty when everything fits.
	Failures []string
	Warnings []string
}

// UpdateCounts sum Nomad's DesiredTGUpdates over the job's task groups.
type UpdateCounts struct {
	Place, Stop, InPlace, Destructive, Canary, Ignore, Migrate int
}

// PlanJob asks Nomad's scheduler what registering job would do.
func (c *Client) PlanJob(ctx context.Context, job *Job) (*DryRun, error) {
	ns, id := job.Namespace(), job.ID()
	resp, _, err := c.api.Jobs().PlanOpts(job.job, &api.PlanOptions{Diff: true}, writeOpts(ctx, ns))
	if err != nil {
		return nil, fmt.Errorf("plan %s/%s: %w", ns, id, err)
	}
	return newDryRun(resp), nil
}

func newDryRun(resp *api.JobPlanResponse) *DryRun {
	d := &DryRun{DiffType: DiffNone, Diff: jobDiffOf(resp.Diff), JobModifyIndex: resp.JobModifyIndex}
	if resp.Diff != nil && resp.Diff.Type != "" {
		d.DiffType = d.Diff.Type // normalized: empty edits are None (jobDiffOf)
	}
	if resp.Annotations != nil {
		for _, u := range resp.Annotations.DesiredTGUpdates {
			if u == nil {
				continue
			}
			d.Counts.Place += int(u.Place)
			d.Counts.Stop += int(u.Stop)
			d.Counts.InPlace += int(u.InPlaceUpdate)
			d.Counts.Destructive += int(u.DestructiveUpdate)
			d.Counts.Canary += int(u.Canary)
			d.Counts.Ignore += int(u.Ignore)
			d.Counts.Migrate += int(u.Migrate)
		}
	}
	d.Failures = DescribePlacementFailures(resp.FailedTGAllocs)
	for _, w := range strings.Split(resp.Warnings, "\n") {
		if w = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(w), "*")); w != "" {
			d.Warnings = append(d.Warnings, w)
		}
	}
	return d
}

// DescribePlacementFailures turns Nomad's per-group AllocationMetric into sentences a
// reviewer can act on, e.g.
// `group "web": 3 tasks cannot be placed: insufficient memory on 3 of 3 nodes`.
// Groups are sorted; within a group, reasons are sorted.
func DescribePlacementFailures(failed map[string]*api.AllocationMetric) []string {
	groups := make([]string, 0, len(failed))
	for g := range failed {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var out []string
	for _, g := range groups {
		m := failed[g]
		if m == nil {
			continue
		}
		n := m.CoalescedFailures + 1 // the metric stands for itself and the coalesced ones
		what := "1 task cannot be placed"
		if n > 1 {
			what = fmt.Sprintf("%d tasks cannot be placed", n)
		}
		out = append(out, fmt.Sprintf("group %q: %s: %s", g, what, strings.Join(placementReasons(m), "; ")))
	}
	return out
}

func placementReasons(m *api.AllocationMetric) []string {
	of := m.NodesEvaluated
	on := func(n int) string { return fmt.Sprintf("on %d of %d nodes", n, of) }
	var rs []string
	if m.NodesEvaluated == 0 {
		rs = append(rs, "no nodes were eligible (check datacenters, node pool and node status)")
	}
	for dc, n := range m.NodesAvailable {
		if n == 0 {
			rs = append(rs, fmt.Sprintf("no nodes available in datacenter %q", dc))
		}
	}
	for class, n := range m.ClassFiltered {
		rs = append(rs, fmt.Sprintf("node class %q excluded %s", class, on(n)))
	}
	for c, n := range m.ConstraintFiltered {
		if strings.HasPrefix(c, "missing ") { // "missing drivers", "missing network", ...
			rs = append(rs, fmt.Sprintf("%s %s", c, on(n)))
		} else {
			rs = append(rs, fmt.Sprintf("constraint %s not met %s", c, on(n)))
		}
	}
	for dim, n := range m.DimensionExhausted {
		if strings.Contains(dim, ":") { // "network: reserved port collision"
			rs = append(rs, fmt.Sprintf("%s %s", dim, on(n)))
		} else {
			rs = append(rs, fmt.Sprintf("insufficient %s %s", dim, on(n)))
		}
	}
	if len(m.DimensionExhausted) == 0 && m.NodesExhausted > 0 {
		rs = append(rs, fmt.Sprintf("resources exhausted %s", on(m.NodesExhausted)))
	}
	for _, q := range m.QuotaExhausted {
		rs = append(rs, fmt.Sprintf("quota limit reached: %s", q))
	}
	sort.Strings(rs)
	if len(rs) == 0 {
		rs = append(rs, fmt.Sprintf("no suitable node among %d evaluated", of))
	}
	return rs
}
