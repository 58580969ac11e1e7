package reconcile

import (
	"context"
	"fmt"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// Resume lifts the pause a manual rollback put on a service, so that the next plan, apply
// or sync pass deploys Git's state again. It writes only the record (with check-and-set);
// the job itself is untouched until that next apply. Resuming a service that is not paused
// is a no-op that says so.
func Resume(ctx context.Context, b Cluster, ns, jobID string) (string, error) {
	rec, err := b.ReadServiceRecord(ctx, ns, jobID)
	if err != nil {
		return "", err
	}
	if rec == nil {
		return "", fmt.Errorf("%s: ecsgit has no record of this service in namespace %s", jobID, ns)
	}
	if !rec.Paused {
		return fmt.Sprintf("%s is not paused; nothing to do", jobID), nil
	}
	reason := rec.PausedReason
	if _, err := b.UpdateServiceRecord(ctx, ns, jobID, func(r *nomadbackend.ServiceRecord) error {
		r.Paused, r.PausedReason = false, ""
		return nil
	}); err != nil {
		return "", fmt.Errorf("resume %s: %w", jobID, err)
	}
	return fmt.Sprintf("%s resumed (was paused: %s); the next apply or sync deploys Git's state", jobID, reason), nil
}
