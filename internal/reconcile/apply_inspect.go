package reconcile

import (
	"context"
	"fmt"
	"sort"

	"strconv"

	"github.com/ecsgit/ecsgit/internal/parallel"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// ServiceInspection is what `ecsgit status` shows for one service: the live counts
// from Nomad next to what ecsgit's record says it last applied.
type ServiceInspection struct {
	Service        string                     `json:"service"`
	Namespace      string                     `json:"namespace"`
	Source         string                     `json:"source,omitempty"`
	Desired        int                        `json:"desired"`
	Running        int                        `json:"running"`
	Healthy        int                        `json:"healthy"`
	JobStatus      string                     `json:"job_status"`
	JobVersion     uint64                     `json:"job_version"`
	TaskDefinition string                     `json:"task_definition,omitempty"`
	Outcome        nomadbackend.RecordOutcome `json:"last_outcome,omitempty"`
	Deployment     string                     `json:"deployment,omitempty"` // latest deployment's status
	Degraded       string                     `json:"degraded,omitempty"`   // failure memory's reason
	Paused         string                     `json:"paused,omitempty"`     // pause reason
	// Drifted: the live job is not the one ecsgit's record describes.
	Drifted bool `json:"drifted,omitempty"`
	// Scaling: the job's group has a scaling block (a scalable target); its count is
	// the autoscaler's. LastScaling is the latest scaling activity with its reason.
	Scaling     *ScalingState                 `json:"scaling,omitempty"`
	LastScaling *nomadbackend.ScalingActivity `json:"last_scaling_activity,omitempty"`
	// Targets are the service's tasks in its target groups, with their health (when the
	// cluster can tell: TargetHealthReader).
	Targets []nomadbackend.TargetHealth `json:"targets,omitempty"`
}

// TargetHealthReader is what a Cluster implements to report the health of a job's
// load-balancer targets (an optional part of Cluster: status works without it).
type TargetHealthReader interface {
	TargetHealth(ctx context.Context, ns, id string) ([]nomadbackend.TargetHealth, error)
}

// ScalingState is the live capacity range of a scaled service.
type ScalingState struct {
	Min     int  `json:"min"`
	Max     int  `json:"max"`
	Enabled bool `json:"enabled"`
}

// ScalingReader reads a job's scaling activity; *nomadbackend.Client implements it.
// inspect uses it when the cluster offers it (it is not part of Cluster: only status
// needs it).
type ScalingReader interface {
	LatestScalingActivity(ctx context.Context, ns, id string) (*nomadbackend.ScalingActivity, error)
}

var _ ScalingReader = (*nomadbackend.Client)(nil)

// InspectServices reports every ecsgit-managed job of ns (any source), or only the one
// named service. It only reads.
func InspectServices(ctx context.Context, b Cluster, ns, only string) ([]ServiceInspection, error) {
	stubs, err := b.ListManaged(ctx, ns)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, s := range stubs {
		if only == "" || s.ID == only {
			ids = append(ids, s.ID)
		}
	}
	if only != "" && len(ids) == 0 {
		return nil, fmt.Errorf("%s: no ecsgit-managed job of that name in namespace %s", only, ns)
	}
	sort.Strings(ids)
	out := make([]ServiceInspection, len(ids))
	err = parallel.ForEach(ctx, len(ids), b.Concurrency(), func(ctx context.Context, i int) error {
		var err error
		out[i], err = inspect(ctx, b, ns, ids[i])
		return err
	})
	return out, err
}

func inspect(ctx context.Context, b Cluster, ns, id string) (ServiceInspection, error) {
	si := ServiceInspection{Service: id, Namespace: ns}
	job, err := b.ReadJob(ctx, ns, id)
	if err != nil || job == nil {
		return si, err
	}
	si.Source, si.JobVersion, si.JobStatus = job.Source, job.Version, string(job.Status)
	if sc := job.Scaling; sc != nil {
		si.Scaling = &ScalingState{Min: sc.Min, Max: sc.Max, Enabled: sc.Enabled}
		if sr, ok := b.(ScalingReader); ok {
			if si.LastScaling, err = sr.LatestScalingActivity(ctx, ns, id); err != nil {
				return si, err
			}
		}
	}
	if !job.Stopped {
		si.Desired = job.Desired
	}
	n, err := b.TaskCounts(ctx, ns, id)
	if err != nil {
		return si, err
	}
	si.Running, si.Healthy = n.Running, n.Healthy
	if th, ok := b.(TargetHealthReader); ok {
		if si.Targets, err = th.TargetHealth(ctx, ns, id); err != nil {
			return si, err
		}
	}
	if ds, err := b.Deployments(ctx, ns, id); err == nil {
		if d := latestDeployment(ds, nil); d != nil {
			si.Deployment = string(d.Status) + " (job version " + strconv.FormatUint(d.JobVersion, 10) + ")"
		}
	}
	rec, err := b.ReadServiceRecord(ctx, ns, id)
	if err != nil || rec == nil {
		return si, err
	}
	si.TaskDefinition, si.Outcome = rec.TaskDefinitionRef(), rec.Outcome
	si.Drifted = rec.JobModifyIndex != 0 && rec.JobModifyIndex != nomadbackend.JobModifyIndexOf(job) && rec.Outcome != nomadbackend.OutcomePending
	if si.Drifted && job.Scaling != nil {
		// The autoscaler's count changes move the job's index; only other changes are drift.
		if d, err := b.DiffJobVersions(ctx, ns, id, rec.JobVersion, job.Version); err == nil && d != nil {
			si.Drifted = len(withoutCounts(nomadChanges(d))) > 0
		}
	}
	if rec.Failed != nil {
		si.Degraded = rec.Failed.Reason
	}
	if rec.Paused {
		si.Paused = rec.PausedReason
	}
	return si, nil
}
