package nomadbackend

import (
	"testing"

	"github.com/hashicorp/nomad/api"
)

// TestJobDiffEmptyScalingEdit: Nomad marks a group's Scaling "Edited" whenever the
// policy's ID and indexes differ, with no field changed (every dry-run of a job with a
// scaling block). That is no change; a real edit of min or max still is.
func TestJobDiffEmptyScalingEdit(t *testing.T) {
	diff := func(scaling *api.ObjectDiff) *api.JobDiff {
		return &api.JobDiff{Type: "Edited", TaskGroups: []*api.TaskGroupDiff{{Type: "Edited", Name: "tasks",
			Objects: []*api.ObjectDiff{scaling}, Tasks: []*api.TaskDiff{{Type: "None", Name: "app"}}}}}
	}
	empty := jobDiffOf(diff(&api.ObjectDiff{Type: "Edited", Name: "Scaling"}))
	if empty.Type != DiffNone || empty.TaskGroups[0].Type != DiffNone {
		t.Errorf("an empty Scaling edit: job %s, group %s; want None", empty.Type, empty.TaskGroups[0].Type)
	}
	real := jobDiffOf(diff(&api.ObjectDiff{Type: "Edited", Name: "Scaling",
		Fields: []*api.FieldDiff{{Type: "Edited", Name: "Max", Old: "3", New: "4"}}}))
	if real.Type != DiffEdited || real.TaskGroups[0].Type != DiffEdited {
		t.Errorf("a max change: job %s, group %s; want Edited", real.Type, real.TaskGroups[0].Type)
	}
}
