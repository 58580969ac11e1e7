package nomadbackend

import (
	"context"
	"fmt"
)

// Deployment is one deployment of a job.
type Deployment struct {
	ID, JobID   string
	JobVersion  uint64
	Status      DeploymentStatus
	Description string
	CreateIndex uint64
}

// Deployments lists the deployments of the job's current instance (not of an earlier job
// purged and registered again under the same ID).
func (c *Client) Deployments(ctx context.Context, ns, jobID string) ([]Deployment, error) {
	ds, _, err := c.api.Jobs().Deployments(jobID, false, queryOpts(ctx, ns))
	if err != nil {
		return nil, fmt.Errorf("list deployments of %s/%s: %w", ns, jobID, err)
	}
	out := make([]Deployment, 0, len(ds))
	for _, d := range ds {
		out = append(out, Deployment{ID: d.ID, JobID: d.JobID, JobVersion: d.JobVersion, Status: DeploymentStatus(d.Status),
			Description: d.StatusDescription, CreateIndex: d.CreateIndex})
	}
	return out, nil
}

// TaskCounts are a job's allocations that should run and do, and of those the ones
// not marked unhealthy by their deployment.
type TaskCounts struct {
	Running, Healthy int
}

// TaskCounts counts the running and healthy tasks (allocations) of a job.
func (c *Client) TaskCounts(ctx context.Context, ns, jobID string) (TaskCounts, error) {
	allocs, _, err := c.api.Jobs().Allocations(jobID, false, queryOpts(ctx, ns))
	if err != nil {
		return TaskCounts{}, fmt.Errorf("allocations of %s/%s: %w", ns, jobID, err)
	}
	var n TaskCounts
	for _, a := range allocs {
		if a.DesiredStatus != "run" || a.ClientStatus != "running" {
			continue
		}
		n.Running++
		if a.DeploymentStatus == nil || a.DeploymentStatus.Healthy == nil || *a.DeploymentStatus.Healthy {
			n.Healthy++
		}
	}
	return n, nil
}
