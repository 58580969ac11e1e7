package reconcile

import (
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// One outcome vocabulary: every apply Status maps to one record outcome and one daemon
// state, in one place (Status.Record, Status.State).
func TestStatusVocabulary(t *testing.T) {
	want := map[Status]struct {
		record nomadbackend.RecordOutcome
		state  ServiceState
	}{
		StatusApplied:     {nomadbackend.OutcomeSucceeded, StateSynced},
		StatusRecorded:    {nomadbackend.OutcomeSucceeded, StateSynced},
		StatusUnchanged:   {nomadbackend.OutcomeSucceeded, StateSynced},
		StatusDeleted:     {nomadbackend.OutcomeDeleted, StateSynced},
		StatusSkipped:     {"", StateOutOfSync},
		StatusDegraded:    {nomadbackend.OutcomeRolledBack, StateDegraded},
		StatusRolledBack:  {nomadbackend.OutcomeRolledBack, StateDegraded},
		StatusConflict:    {nomadbackend.OutcomeFailed, StateFailed},
		StatusFailed:      {nomadbackend.OutcomeFailed, StateFailed},
		StatusUnplaceable: {nomadbackend.OutcomeFailed, StateFailed},
		StatusTimeout:     {nomadbackend.OutcomeFailed, StateFailed},
		StatusError:       {nomadbackend.OutcomeFailed, StateFailed},
	}
	all := AllStatuses()
	if len(all) != len(want) {
		t.Fatalf("AllStatuses has %d statuses, the table %d", len(all), len(want))
	}
	for _, s := range all {
		w, ok := want[s]
		if !ok {
			t.Errorf("%s: not in the table", s)
			continue
		}
		if got := s.Record(); got != w.record {
			t.Errorf("%s.Record() = %q, want %q", s, got, w.record)
		}
		if got := s.State(); got != w.state {
			t.Errorf("%s.State() = %s, want %s", s, got, w.state)
		}
	}
	for r, s := range map[nomadbackend.RolloutStatus]Status{nomadbackend.RolloutSucceeded: StatusApplied,
		nomadbackend.RolloutRolledBack: StatusRolledBack, nomadbackend.RolloutUnplaceable: StatusUnplaceable, nomadbackend.RolloutFailed: StatusFailed} {
		if got := statusOfRollout(r); got != s {
			t.Errorf("statusOfRollout(%v) = %s, want %s", r, got, s)
		}
	}
}
