package nomadbackend

import (
	"bytes"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
)

// taskOf derives ECS's lastStatus, stopCode, stoppedReason and exit codes from an
// allocation.
func TestTaskOf(t *testing.T) {
	job := &api.Job{Meta: map[string]string{nomadjob.MetaTaskDefinition: "job:2", nomadjob.MetaStartedBy: "ci"}}
	stopped := &api.Job{Meta: job.Meta, Stop: new(true)}
	started := time.Now()
	exited := func(code int) *api.TaskState {
		return &api.TaskState{State: "dead", StartedAt: started, Events: []*api.TaskEvent{{Type: api.TaskStarted}, {Type: api.TaskTerminated, ExitCode: code}}}
	}
	for _, tc := range []struct {
		name   string
		job    *api.Job
		alloc  *api.AllocationListStub
		status TaskStatus
		code   StopCode
		reason string
		exit   *int
	}{
		{"running", job, &api.AllocationListStub{ClientStatus: "running", DesiredStatus: "run",
			TaskStates: map[string]*api.TaskState{"app": {State: "running", StartedAt: started}}}, TaskRunning, "", "", nil},
		{"exit 3", job, &api.AllocationListStub{ClientStatus: "failed", DesiredStatus: "run",
			TaskStates: map[string]*api.TaskState{"app": exited(3)}}, TaskStopped, StopEssentialContainerExited, "Essential container in task exited", new(3)},
		{"pull failure", job, &api.AllocationListStub{ClientStatus: "failed", DesiredStatus: "run",
			TaskStates: map[string]*api.TaskState{"app": {State: "dead", Failed: true, Events: []*api.TaskEvent{
				{Type: api.TaskDriverFailure, DisplayMessage: "Failed to pull `img:x`: not found"}}}}},
			TaskStopped, StopTaskFailedToStart, "CannotPullContainerError: Failed to pull `img:x`: not found", nil},
		{"stop-task", stopped, &api.AllocationListStub{ClientStatus: "complete", DesiredStatus: "stop",
			TaskStates: map[string]*api.TaskState{"app": exited(0)}}, TaskStopped, StopUserInitiated, "Task stopped by user", new(0)},
	} {
		tk := taskOf(tc.job, tc.alloc)
		c := tk.Containers[0]
		if tk.LastStatus != tc.status || tk.StopCode != tc.code || tk.StoppedReason != tc.reason || (c.ExitCode == nil) != (tc.exit == nil) ||
			c.ExitCode != nil && *c.ExitCode != *tc.exit || tk.TaskDefinition != "job:2" || tk.StartedBy != "ci" {
			t.Errorf("%s: %+v (container %+v)", tc.name, tk, c)
		}
	}
}

func TestPrefixWriter(t *testing.T) {
	var b bytes.Buffer
	w := &prefixWriter{w: &b, prefix: "[abc] "}
	for _, s := range []string{"one\ntw", "o\n", "three"} {
		_, _ = w.Write([]byte(s))
	}
	if got := b.String(); got != "[abc] one\n[abc] two\n[abc] three" {
		t.Errorf("%q", got)
	}
}
