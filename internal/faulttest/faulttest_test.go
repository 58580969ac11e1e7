package faulttest

import (
	"strings"
	"testing"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

func TestHistoryProblems(t *testing.T) {
	ok, rb, pend := nomadbackend.OutcomeSucceeded, nomadbackend.OutcomeRolledBack, nomadbackend.OutcomePending
	e := func(rev int, v uint64, o nomadbackend.RecordOutcome) nomadbackend.HistoryEntry {
		return nomadbackend.HistoryEntry{Revision: rev, JobVersion: v, Outcome: o}
	}
	job := func(v uint64) *api.Job { return &api.Job{Version: &v} }
	for _, tc := range []struct {
		name string
		h    []nomadbackend.HistoryEntry
		live *api.Job
		want string // substring of the one problem; "" = none
	}{
		{"whole", []nomadbackend.HistoryEntry{e(1, 0, ok), e(2, 1, ok), e(3, 2, ok)}, job(2), ""},
		{"rollback adds the revert version", []nomadbackend.HistoryEntry{e(1, 0, ok), e(2, 1, rb)}, job(2), ""},
		{"register after a rollback", []nomadbackend.HistoryEntry{e(1, 0, ok), e(2, 1, rb), e(3, 3, ok)}, job(3), ""},
		{"lost revision", []nomadbackend.HistoryEntry{e(1, 0, ok), e(3, 1, ok)}, job(1), "revisions 1 then 3"},
		{"doubled revision", []nomadbackend.HistoryEntry{e(1, 0, ok), e(1, 1, ok)}, job(1), "revisions 1 then 1"},
		{"register twice", []nomadbackend.HistoryEntry{e(1, 0, ok), e(2, 2, ok)}, job(2), "then v2: want v1"},
		{"written outside the history", []nomadbackend.HistoryEntry{e(1, 0, ok), e(2, 1, ok)}, job(2), "live job version v2, want v1"},
		{"left pending", []nomadbackend.HistoryEntry{e(1, 0, ok), e(2, 1, pend)}, job(1), "still pending"},
		{"empty", nil, job(0), "empty"},
		{"job gone", []nomadbackend.HistoryEntry{e(1, 0, ok)}, nil, "gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			probs := HistoryProblems(tc.h, tc.live)
			switch {
			case tc.want == "" && len(probs) > 0:
				t.Errorf("problems %q, want none", probs)
			case tc.want != "" && (len(probs) != 1 || !strings.Contains(probs[0], tc.want)):
				t.Errorf("problems %q, want one containing %q", probs, tc.want)
			}
		})
	}
}
