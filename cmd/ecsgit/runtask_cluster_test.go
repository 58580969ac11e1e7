package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// writeTaskRepo writes a repository with one task definition "job" (the demo image with
// command and environment) and no service.
func writeTaskRepo(t *testing.T, dir, ns string, memory int, command []string, env map[string]string) {
	t.Helper()
	var kv []any
	for k, v := range env {
		kv = append(kv, map[string]any{"name": k, "value": v})
	}
	files := map[string]any{
		"ecsgit.yaml": map[string]any{"version": 1, "namespace": ns},
		"job.json": map[string]any{"family": "job", "containerDefinitions": []any{map[string]any{
			"name": "app", "image": "ecsgit-demo/app:1", "memory": memory, "cpu": 64,
			"command": command, "environment": kv,
		}}},
	}
	repotest.WriteJSON(t, dir, files)
}

// TestRunTaskWaitExitsWithContainerCode: run-task --wait of a task whose essential
// container exits 3 exits 3, with the container's log on stdout and the ECS stop code.
func TestRunTaskWaitExitsWithContainerCode(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	writeTaskRepo(t, dir, e.Namespace, 64, []string{"--mode=fail"}, nil)

	code, out, errOut := e.run(t, "run-task", "job", dir, "--wait")
	if code != 3 {
		t.Fatalf("run-task --wait of a task exiting 3: exit %d, want 3", code)
	}
	if !strings.Contains(out, "failing in 0s with exit code 3") {
		t.Errorf("the container's log is not on stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "stopCode EssentialContainerExited") || !strings.Contains(errOut, "app exitCode 3") {
		t.Errorf("stderr lacks the stop code and exit code:\n%s", errOut)
	}
}

// TestRunTaskOverridesCommandAndEnvironment: the same task definition runs its own
// command (init, exit 0) and, with --overrides, another command (fail, exit 3) and an
// environment variable the override adds (FAIL_AFTER, visible in the log).
func TestRunTaskOverridesCommandAndEnvironment(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	writeTaskRepo(t, dir, e.Namespace, 64, []string{"--mode=init"}, map[string]string{"INIT_DURATION": "100ms"})

	code, out, _ := e.run(t, "run-task", "job", dir, "--wait")
	if code != 0 || !strings.Contains(out, "init done") {
		t.Fatalf("without overrides: exit %d, want 0 and the init log\n%s", code, out)
	}
	ov := `{"containerOverrides":[{"name":"app","command":["--mode=fail"],"environment":[{"name":"FAIL_AFTER","value":"1200ms"}]}]}`
	code, out, _ = e.run(t, "run-task", "job", dir, "--wait", "--overrides", ov, "--started-by", "ci", "--group", "migrations")
	if code != 3 || !strings.Contains(out, "failing in 1.2s with exit code 3") {
		t.Fatalf("with overrides: exit %d, want 3 and FAIL_AFTER's value in the log\n%s", code, out)
	}
	code, out, _ = e.run(t, "list-tasks", "--started-by", "ci", "-o", "json")
	var tasks []nomadbackend.Task
	if err := json.Unmarshal([]byte(out), &tasks); code != 0 || err != nil || len(tasks) != 1 {
		t.Fatalf("list-tasks --started-by ci: exit %d, %v, %d tasks\n%s", code, err, len(tasks), out)
	}
	if tk := tasks[0]; tk.Group != "migrations" || tk.StopCode != nomadbackend.StopEssentialContainerExited || tk.TaskDefinition != "job:1" {
		t.Errorf("list-tasks: %+v", tk)
	}
}

// TestRunTaskUnplaceable: a task that fits on no node exits 125 with Nomad's placement
// reason, and nothing is left registered (ECS's RunTask answers with a failure and starts
// no task); an image that cannot be pulled exits 125 with CannotPullContainerError.
func TestRunTaskUnplaceable(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	writeTaskRepo(t, dir, e.Namespace, 64, []string{"--mode=init"}, nil)

	code, _, errOut := e.run(t, "run-task", "job", dir, "--wait", "--overrides", `{"containerOverrides":[{"name":"app","memory":500000}]}`)
	if code != exitTaskNotStarted || !strings.Contains(errOut, "insufficient memory on 3 of 3 nodes") {
		t.Fatalf("too much memory: exit %d, want %d with the placement reason\n%s", code, exitTaskNotStarted, errOut)
	}
	code, _, errOut = e.run(t, "run-task", "job", dir, "--placement-constraints", `[{"type":"memberOf","expression":"attribute:ecs.availability-zone == nowhere"}]`)
	if code != exitTaskNotStarted || !strings.Contains(errOut, "not met on 3 of 3 nodes") {
		t.Fatalf("unsatisfiable constraint: exit %d\n%s", code, errOut)
	}
	if tasks, err := e.Backend.ListTasks(context.Background(), e.Namespace, nomadbackend.TaskFilter{}); err != nil || len(tasks) != 0 {
		t.Fatalf("an unplaceable run left tasks behind: %v %+v", err, tasks)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"family":"bad","containerDefinitions":[{"name":"app","image":"ecsgit-demo/app:no-such-tag","memory":32}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = e.run(t, "run-task", bad, dir, "--wait")
	if code != exitTaskNotStarted || !strings.Contains(errOut, "TaskFailedToStart") || !strings.Contains(errOut, "CannotPullContainerError") {
		t.Fatalf("unpullable image: exit %d\n%s", code, errOut)
	}
}

// TestStopTaskAndRetention: a long-running task shows RUNNING in list-tasks, stop-task
// stops it (UserInitiated), and a list-tasks with a zero retention purges the dead job.
// Run-task jobs are not services: plan does not offer to prune them.
func TestStopTaskAndRetention(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	writeTaskRepo(t, dir, e.Namespace, 32, []string{"--mode=worker"}, map[string]string{"INTERVAL": "200ms"})

	code, out, _ := e.run(t, "run-task", "job", dir)
	jobID := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(jobID, "job-run-") {
		t.Fatalf("run-task: exit %d, %q", code, out)
	}
	waitStatus(t, e, jobID, nomadbackend.TaskRunning)
	// Prune and status read ListOwned / ListManaged: the task job is in neither.
	owned, err := e.Backend.ListOwned(context.Background(), e.Namespace, "default")
	managed, err2 := e.Backend.ListManaged(context.Background(), e.Namespace)
	if err != nil || err2 != nil || len(owned) != 0 || len(managed) != 0 {
		t.Fatalf("the run-task job is listed as a service (prune would remove it): %v %v owned %+v managed %+v", err, err2, owned, managed)
	}
	if code, _, errOut := e.run(t, "stop-task", jobID); code != 0 {
		t.Fatalf("stop-task: exit %d\n%s", code, errOut)
	}
	tk := waitStatus(t, e, jobID, nomadbackend.TaskStopped)
	if tk.StopCode != nomadbackend.StopUserInitiated {
		t.Errorf("stopped task: stopCode %q, want UserInitiated", tk.StopCode)
	}
	if code, _, _ := e.run(t, "list-tasks", "--retention", "0s"); code != 0 {
		t.Fatalf("list-tasks: exit %d", code)
	}
	if job, _ := e.Backend.ReadJob(context.Background(), e.Namespace, jobID); job != nil {
		t.Errorf("a finished job past its retention was not purged: %+v", job)
	}
}

func waitStatus(t *testing.T, e *cmdEnv, jobID string, want nomadbackend.TaskStatus) nomadbackend.Task {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ts, err := e.Backend.JobTasks(context.Background(), e.Namespace, jobID)
		if err == nil && len(ts) == 1 && ts[0].LastStatus == want {
			return ts[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("task of %s not %s after 60s: %v %+v", jobID, want, err, ts)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
