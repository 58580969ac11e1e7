package ecsevents

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/golden"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func intp(i int) *int { return &i }

func ownedJob(id string) nomadbackend.Event {
	return nomadbackend.Event{Job: &nomadbackend.JobEvent{Type: nomadbackend.JobRegistered, NomadType: "JobRegistered", Key: id,
		Job: &nomadbackend.LiveJob{ID: id, ManagedBy: "ecsgit", Source: "repo"}}}
}

func alloc(id, client, desired string, s int, tasks ...nomadbackend.TaskStateEvent) nomadbackend.Event {
	return nomadbackend.Event{Alloc: &nomadbackend.AllocEvent{ID: id, JobID: "web", NodeID: "node-a", NodeName: "client-a",
		DeploymentID: "dep-2", ClientStatus: client, DesiredStatus: desired, CreateTime: at(0), ModifyTime: at(s), Tasks: tasks}}
}

func app(state, evType, msg string, exit *int, started bool) nomadbackend.TaskStateEvent {
	t := nomadbackend.TaskStateEvent{Name: "app", State: state, LastEventType: evType, LastEventMessage: msg, ExitCode: exit, Failed: exit != nil && *exit != 0}
	if started {
		t.StartedAt = at(2)
	}
	if state == "dead" && started {
		t.FinishedAt = at(9)
	}
	return t
}

func deployment(id, status, desc string, s int) nomadbackend.Event {
	return nomadbackend.Event{Deployment: &nomadbackend.DeploymentEvent{ID: id, JobID: "web", Status: nomadbackend.DeploymentStatus(status),
		Description: desc, Desired: 2, ModifyTime: at(s)}}
}

func batches(evs ...nomadbackend.Event) []nomadbackend.EventBatch {
	var out []nomadbackend.EventBatch
	for i, ev := range evs {
		ev.Index = uint64(100 + i)
		out = append(out, nomadbackend.EventBatch{Index: ev.Index, Events: []nomadbackend.Event{ev}})
	}
	return out
}

// TestMapGolden maps whole scenarios and compares the envelopes (JSON lines) with golden
// files: what a webhook receiver gets.
func TestMapGolden(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     []nomadbackend.EventBatch
	}{
		"rolling_deployment": {reason: "a rolling deployment: a task goes PROVISIONING, PENDING, RUNNING; the old one stops; the deployment completes and the service is steady",
			in: batches(ownedJob("web"),
				deployment("dep-2", "running", "Deployment is running", 1),
				alloc("new-1", "pending", "run", 1),
				alloc("new-1", "pending", "run", 2, app("pending", "Received", "Task received by client", nil, false)),
				alloc("new-1", "pending", "run", 3, app("pending", "Driver", "Downloading image", nil, false)), // same ECS state: nothing
				alloc("new-1", "running", "run", 4, app("running", "Started", "Task started by client", nil, true)),
				alloc("old-1", "running", "stop", 5, app("running", "Started", "", nil, true)),
				nomadbackend.Event{Alloc: &nomadbackend.AllocEvent{ID: "old-1", JobID: "web", ClientStatus: "complete", DesiredStatus: "stop",
					DesiredDescription: "alloc is being updated due to job update", CreateTime: at(0), ModifyTime: at(6),
					Tasks: []nomadbackend.TaskStateEvent{app("dead", "Terminated", "Exit Code: 0", intp(0), true)}}},
				deployment("dep-2", "successful", "Deployment completed successfully", 8),
			)},
		"circuit_breaker_rollback": {reason: "the essential container exits 3: the task stops with EssentialContainerExited and exit code 3; the deployment fails and rolls back",
			in: batches(ownedJob("web"),
				deployment("dep-3", "running", "Deployment is running", 1),
				alloc("bad-1", "running", "run", 2, app("running", "Started", "", nil, true)),
				alloc("bad-1", "failed", "run", 3, app("dead", "Not Restarting", "Policy allows no restarts", intp(3), true)),
				deployment("dep-3", "failed", "Failed due to unhealthy allocations - rolling back to job version 1", 4),
				deployment("dep-4", "running", "Deployment is running", 5),
				deployment("dep-4", "successful", "Deployment completed successfully", 9),
			)},
		"failed_to_start": {reason: "an image that cannot be pulled: TaskFailedToStart with CannotPullContainerError",
			in: batches(ownedJob("web"),
				alloc("nopull", "pending", "run", 1, app("pending", "Driver", "Downloading image", nil, false)),
				alloc("nopull", "failed", "run", 2, app("dead", "Driver Failure", `failed to pull image "ecsgit-demo/missing:1"`, nil, false)),
			)},
		"placement_failure": {reason: "no node has the memory: SERVICE_TASK_PLACEMENT_FAILURE with RESOURCE:MEMORY and the console's message",
			in: batches(ownedJob("web"),
				nomadbackend.Event{Eval: &nomadbackend.EvalEvent{ID: "eval-1", JobID: "web", Status: "complete", ModifyTime: at(1),
					FailedGroups: []nomadbackend.PlacementFailure{{Group: "tasks", Failed: 2, NodesEvaluated: 3, NodesExhausted: 3, Reasons: []string{"memory"}}}}},
				nomadbackend.Event{Eval: &nomadbackend.EvalEvent{ID: "eval-1", JobID: "web", Status: "complete", ModifyTime: at(2),
					FailedGroups: []nomadbackend.PlacementFailure{{Group: "tasks", Failed: 2, NodesEvaluated: 3, NodesExhausted: 3, Reasons: []string{"memory"}}}}},
			)},
		"jumped_states": {reason: "Nomad reports setup, start and exit in one update: PENDING (and RUNNING when the container started) are still reported, in order",
			in: batches(ownedJob("web"),
				alloc("quick", "pending", "run", 1),
				alloc("quick", "failed", "run", 3, app("dead", "Terminated", "Exit Code: 3", intp(3), true)),
				alloc("never", "pending", "run", 1),
				alloc("never", "failed", "run", 2, app("dead", "Driver Failure", "failed to create container", nil, false)),
			)},
		"not_owned": {reason: "jobs that ecsgit does not manage yield nothing",
			in: batches(nomadbackend.Event{Job: &nomadbackend.JobEvent{Type: nomadbackend.JobRegistered, Key: "web", Job: &nomadbackend.LiveJob{ID: "web"}}},
				alloc("x", "running", "run", 1), deployment("d", "successful", "", 2))},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := NewMapper(Options{Namespace: "prod", Region: "global", Source: "repo", Now: func() time.Time { return t0 },
				TaskDefinition: func(string) string { return "web:7" }})
			var buf bytes.Buffer
			for _, b := range tc.in {
				for _, ev := range m.Map(b) {
					line, err := json.Marshal(ev)
					if err != nil {
						t.Fatal(err)
					}
					buf.Write(line)
					buf.WriteByte('\n')
					buf.WriteString("# " + ev.Text + "\n")
				}
			}
			golden.Check(t, filepath.Join("testdata", name+".jsonl"), buf.Bytes(), tc.reason)
		})
	}
}

// TestLastStatus is the task lifecycle table.
func TestLastStatus(t *testing.T) {
	cases := []struct {
		client      string
		tasks       []nomadbackend.TaskStateEvent
		want        string
		wantDesired string
		desired     string
	}{
		{"pending", nil, taskStatusProvisioning, desiredRunning, "run"},
		{"pending", []nomadbackend.TaskStateEvent{{State: "pending"}}, taskStatusProvisioning, desiredRunning, "run"},
		{"pending", []nomadbackend.TaskStateEvent{{State: "pending", LastEventType: "Received"}}, taskStatusPending, desiredRunning, "run"},
		{"running", nil, taskStatusRunning, desiredRunning, "run"},
		{"running", nil, taskStatusRunning, desiredStopped, "stop"},
		{"complete", nil, taskStatusStopped, desiredStopped, "run"},
		{"failed", nil, taskStatusStopped, desiredStopped, "run"},
		{"lost", nil, taskStatusStopped, desiredStopped, "stop"},
	}
	for _, c := range cases {
		a := &nomadbackend.AllocEvent{ClientStatus: c.client, DesiredStatus: c.desired, Tasks: c.tasks}
		if got := lastStatus(a); got != c.want {
			t.Errorf("lastStatus(%s, %v) = %s, want %s", c.client, c.tasks, got, c.want)
		}
		if got := desiredStatus(a); got != c.wantDesired {
			t.Errorf("desiredStatus(%s/%s) = %s, want %s", c.client, c.desired, got, c.wantDesired)
		}
	}
}

// TestEventIDStable: the same transition mapped by a fresh mapper (a restarted daemon
// replaying Nomad's buffer) has the same ID; different transitions differ.
func TestEventIDStable(t *testing.T) {
	in := batches(ownedJob("web"), deployment("dep-2", "running", "", 1),
		alloc("a", "running", "run", 2, app("running", "Started", "", nil, true)), deployment("dep-2", "successful", "", 3))
	ids := func() []string {
		m := NewMapper(Options{Namespace: "prod", Now: func() time.Time { return t0 }})
		var out []string
		for _, b := range in {
			for _, ev := range m.Map(b) {
				out = append(out, ev.Envelope.ID)
			}
		}
		return out
	}
	a, b := ids(), ids()
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("IDs differ between two mappings:\n%v\n%v", a, b)
	}
	seen := map[string]bool{}
	for _, id := range a {
		if seen[id] {
			t.Fatalf("ID %s used for two events", id)
		}
		seen[id] = true
	}
	// A replay from the middle (fresh memory) re-derives the later events with their IDs.
	m := NewMapper(Options{Namespace: "prod", Services: map[string]string{"web": "web"}, Now: func() time.Time { return t0 }})
	var replay []string
	for _, b := range in[2:] {
		for _, ev := range m.Map(b) {
			replay = append(replay, ev.Envelope.ID)
		}
	}
	for _, id := range replay {
		if !seen[id] {
			t.Errorf("replayed event %s has an ID the first mapping did not produce", id)
		}
	}
}

// TestStopCause: the stopCode table of docs/events.md.
func TestStopCause(t *testing.T) {
	unhealthy := func(exit int, started bool) nomadbackend.TaskStateEvent {
		ts := app("dead", "Alloc Unhealthy", "Unhealthy because of failed task", intp(exit), started)
		return ts
	}
	cases := []struct {
		name       string
		a          nomadbackend.AllocEvent
		code, text string
	}{
		{"exit 3, then marked unhealthy", nomadbackend.AllocEvent{ClientStatus: "failed", DesiredStatus: "run", Tasks: []nomadbackend.TaskStateEvent{unhealthy(3, true)}},
			stopCodeEssentialExited, "Essential container in task exited"},
		{"killed for failing checks", nomadbackend.AllocEvent{ClientStatus: "failed", DesiredStatus: "run", Tasks: []nomadbackend.TaskStateEvent{unhealthy(0, true)}},
			stopCodeServiceScheduler, "Task failed container health checks"},
		{"image not pulled", nomadbackend.AllocEvent{ClientStatus: "failed", DesiredStatus: "run", Tasks: []nomadbackend.TaskStateEvent{app("dead", "Driver Failure", "Failed to pull `x:1`: not found", nil, false)}},
			stopCodeTaskFailedToStart, "CannotPullContainerError: Failed to pull `x:1`: not found"},
		{"replaced by a deployment", nomadbackend.AllocEvent{ClientStatus: "running", DesiredStatus: "stop", DesiredDescription: "alloc is being updated due to job update"},
			stopCodeServiceScheduler, "Task stopped by the service scheduler: alloc is being updated due to job update"},
		{"node drained", nomadbackend.AllocEvent{ClientStatus: "running", DesiredStatus: "stop", DesiredDescription: "alloc is being migrated"},
			stopCodeServiceScheduler, "Task stopped because its container instance is draining."},
		{"node lost", nomadbackend.AllocEvent{ClientStatus: "lost", DesiredStatus: "stop", NodeName: "client-b"},
			stopCodeTerminationNotice, "Task stopped because its container instance (Nomad node client-b) was lost."},
		{"exited 0 by itself", nomadbackend.AllocEvent{ClientStatus: "complete", DesiredStatus: "run", Tasks: []nomadbackend.TaskStateEvent{app("dead", "Terminated", "Exit Code: 0", intp(0), true)}},
			stopCodeEssentialExited, "Essential container in task exited"},
	}
	for _, c := range cases {
		code, text := stopCause(&c.a)
		if code != c.code || text != c.text {
			t.Errorf("%s: %s %q, want %s %q", c.name, code, text, c.code, c.text)
		}
	}
}
