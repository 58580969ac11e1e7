package reconcile

import (
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// The rollout preview counts every task the deployment replaces, not what Nomad's
// first evaluation shows (the user report: a 2-task service at 50/200 with a new image
// planned "replace 1 task (1 replaced, 1 untouched)", and apply replaced both).
func TestUpdateKindCountsTheWholeRollout(t *testing.T) {
	for _, tc := range []struct {
		name          string
		counts        nomadbackend.UpdateCounts
		live, desired int
		wantKind      plan.UpdateKind
		wantReplaced  int
	}{
		{"rolling in batches of one, 2 tasks (50/200)", nomadbackend.UpdateCounts{Destructive: 1, Ignore: 1}, 2, 2, plan.UpdateReplace, 2},
		{"all at once", nomadbackend.UpdateCounts{Destructive: 4}, 4, 4, plan.UpdateReplace, 4},
		{"canaries = desired (100/200)", nomadbackend.UpdateCounts{Canary: 3, Ignore: 3}, 3, 3, plan.UpdateReplace, 3},
		{"new image and scale up 2 → 3: two replaced, one new", nomadbackend.UpdateCounts{Destructive: 1, Ignore: 1, Place: 1}, 2, 3, plan.UpdateReplace, 2},
		{"new image and scale down 3 → 2: one stopped, two replaced", nomadbackend.UpdateCounts{Destructive: 1, Stop: 1, Ignore: 1}, 3, 2, plan.UpdateReplace, 2},
		{"in place", nomadbackend.UpdateCounts{InPlace: 2}, 2, 2, plan.UpdateInPlace, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, n := updateKind(&nomadbackend.DryRun{DiffType: nomadbackend.DiffEdited, Counts: tc.counts}, nil, tc.live, tc.desired)
			if kind != tc.wantKind || n != tc.wantReplaced {
				t.Errorf("got %s, %d replaced; want %s, %d", kind, n, tc.wantKind, tc.wantReplaced)
			}
		})
	}
}
