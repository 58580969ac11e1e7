package reconcile

import (
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// TestMarkOutcomeOfASupersededRollout: the outcome write of a rollout whose record
// another apply took over in between (its register superseded this rollout, its pending
// write came first) settles this rollout's own history entry and leaves the rest of the
// record to the other apply. Before, it left the entry "pending" for good: the
// interleaving TestFaultConcurrentApplies met in a CI run (round 3, applies 33 ms apart).
func TestMarkOutcomeOfASupersededRollout(t *testing.T) {
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	history := func(outcomeA nomadbackend.RecordOutcome) []nomadbackend.HistoryEntry {
		return []nomadbackend.HistoryEntry{
			{Revision: 4, SpecHash: "base", Outcome: nomadbackend.OutcomeSucceeded},
			{Revision: 5, SpecHash: "a", Outcome: outcomeA},
			{Revision: 6, SpecHash: "b", Outcome: nomadbackend.OutcomePending},
		}
	}
	tests := []struct {
		name    string
		rec     nomadbackend.ServiceRecord
		spec    string
		status  nomadbackend.RolloutStatus
		want    nomadbackend.ServiceRecord
		wantRev int
	}{
		{
			name:   "taken over by a newer pending apply",
			rec:    nomadbackend.ServiceRecord{SpecHash: "b", Revision: 6, Outcome: nomadbackend.OutcomePending, JobVersion: 7, JobModifyIndex: 70, History: history(nomadbackend.OutcomePending)},
			spec:   "a",
			status: nomadbackend.RolloutFailed,
			want:   nomadbackend.ServiceRecord{SpecHash: "b", Revision: 6, Outcome: nomadbackend.OutcomePending, JobVersion: 7, JobModifyIndex: 70, History: history(nomadbackend.OutcomeFailed)},
		},
		{
			name:   "taken over and already settled by the newer apply",
			rec:    nomadbackend.ServiceRecord{SpecHash: "b", Revision: 6, Outcome: nomadbackend.OutcomeSucceeded, JobVersion: 7, JobModifyIndex: 70, History: history(nomadbackend.OutcomePending)},
			spec:   "a",
			status: nomadbackend.RolloutFailed,
			want:   nomadbackend.ServiceRecord{SpecHash: "b", Revision: 6, Outcome: nomadbackend.OutcomeSucceeded, JobVersion: 7, JobModifyIndex: 70, History: history(nomadbackend.OutcomeFailed)},
		},
		{
			name:   "its own pending record",
			rec:    nomadbackend.ServiceRecord{SpecHash: "a", Revision: 5, Outcome: nomadbackend.OutcomePending, JobVersion: 6, JobModifyIndex: 60, History: history(nomadbackend.OutcomePending)[:2]},
			spec:   "a",
			status: nomadbackend.RolloutFailed,
			want:   nomadbackend.ServiceRecord{SpecHash: "a", Revision: 5, Outcome: nomadbackend.OutcomeFailed, JobVersion: 6, JobModifyIndex: 61, AppliedAt: now, History: history(nomadbackend.OutcomeFailed)[:2]},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &applier{}
			r := tt.rec
			live := &nomadbackend.LiveJob{Version: 6, JobModifyIndex: 61}
			a.markOutcome(&r, tt.spec, nomadbackend.Outcome{Status: tt.status, JobVersion: 6}, live, now)
			if r.SpecHash != tt.want.SpecHash || r.Revision != tt.want.Revision || r.Outcome != tt.want.Outcome ||
				r.JobVersion != tt.want.JobVersion || r.JobModifyIndex != tt.want.JobModifyIndex || !r.AppliedAt.Equal(tt.want.AppliedAt) {
				t.Errorf("record: spec %s rev %d %s version %d index %d at %s; want spec %s rev %d %s version %d index %d at %s",
					r.SpecHash, r.Revision, r.Outcome, r.JobVersion, r.JobModifyIndex, r.AppliedAt,
					tt.want.SpecHash, tt.want.Revision, tt.want.Outcome, tt.want.JobVersion, tt.want.JobModifyIndex, tt.want.AppliedAt)
			}
			for i, h := range r.History {
				if w := tt.want.History[i]; h.Outcome != w.Outcome {
					t.Errorf("history entry revision %d (spec %s): %s, want %s", h.Revision, h.SpecHash, h.Outcome, w.Outcome)
				}
			}
		})
	}
}
