package reconcile

import (
	"testing"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// registeredJob tells the version of a register only when Nomad's rules make it
// certain; every doubtful case reads the job back (nil).
func TestRegisteredJobVersion(t *testing.T) {
	job := func(version *uint64) *nomadbackend.Job {
		id, ns := "web", "default"
		return nomadbackend.WrapJob(&api.Job{ID: &id, Name: &id, Namespace: &ns, Version: version,
			Meta: map[string]string{"ecsgit.managed-by": "ecsgit", "ecsgit.source": "src"}})
	}
	seven := uint64(7)
	for _, tc := range []struct {
		name        string
		unit        Unit
		planIndex   uint64
		jobIndex    uint64
		evalIndex   uint64
		wantVersion int64 // -1: nil, read the job
	}{
		{"create", Unit{Job: job(nil), inProcess: true}, 0, 100, 100, 0},
		{"update", Unit{Job: job(nil), inProcess: true, plannedLive: &nomadbackend.LiveJob{Version: 4, JobModifyIndex: 50}}, 50, 100, 100, 5},
		{"evaluation created alone (unchanged spec)", Unit{Job: job(nil), inProcess: true, plannedLive: &nomadbackend.LiveJob{Version: 4}}, 50, 60, 0, -1},
		{"evaluation of another register", Unit{Job: job(nil), inProcess: true}, 0, 100, 101, -1},
		{"index not newer than the plan's", Unit{Job: job(nil), inProcess: true, plannedLive: &nomadbackend.LiveJob{Version: 4}}, 100, 100, 100, -1},
		{"plan file", Unit{Job: job(nil)}, 0, 100, 100, -1},
		{"submitted version", Unit{Job: job(&seven), inProcess: true}, 0, 100, 100, -1},
		{"live job without an index", Unit{Job: job(nil), inProcess: true, plannedLive: &nomadbackend.LiveJob{Version: 4}}, 0, 100, 100, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := registeredJob(&tc.unit, plan.ServicePlan{JobModifyIndex: tc.planIndex}, tc.jobIndex, nomadbackend.Evaluation{JobModifyIndex: tc.evalIndex})
			switch {
			case tc.wantVersion < 0 && got != nil:
				t.Fatalf("got %+v, want a read", got)
			case tc.wantVersion >= 0 && got == nil:
				t.Fatalf("got a read, want version %d", tc.wantVersion)
			case got != nil && (got.Version != uint64(tc.wantVersion) || got.JobModifyIndex != tc.jobIndex || got.Source != "src"):
				t.Fatalf("got %+v, want version %d at index %d of source src", got, tc.wantVersion, tc.jobIndex)
			}
		})
	}
}
