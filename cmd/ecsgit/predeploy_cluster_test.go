package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// writePreDeployRepo is the one-service repository (service web) with a migration before each
// deployment: task definition "migrate" (the demo image's init mode, 2 s of work, or
// fail mode: exit 3).
func writePreDeployRepo(t *testing.T, dir, ns, webImage string, migrationFails bool) {
	t.Helper()
	repotest.New(ns, repotest.Service{Name: "web", Image: webImage, Count: 1}).Write(t, dir)
	mode := "--mode=init"
	if migrationFails {
		mode = "--mode=fail"
	}
	files := map[string]any{
		"ecsgit.yaml": map[string]any{"version": 1, "namespace": ns, "services": map[string]any{
			"web": map[string]any{"preDeploy": []any{map[string]any{"taskDefinition": "migrate"}}}}},
		"migrate.json": map[string]any{"family": "migrate", "containerDefinitions": []any{map[string]any{
			"name": "app", "image": "ecsgit-demo/app:1", "memory": 32, "command": []string{mode},
			"environment": []any{map[string]any{"name": "INIT_DURATION", "value": "2s"}}}}},
	}
	repotest.WriteJSON(t, dir, files)
}

// TestApplyRunsPreDeployTaskFirst: the migration declared for web in ecsgit.yaml is in
// the plan, runs to its end before web's first task is created, and, when it fails
// (exit 3), web is not rolled: its job keeps the previous version and image.
func TestApplyRunsPreDeployTaskFirst(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	writePreDeployRepo(t, dir, e.Namespace, "ecsgit-demo/app:1", false)

	code, out, errOut := e.run(t, "apply", "--auto-approve", dir)
	if code != exitOK || !strings.Contains(out, "pre-deploy: runs migrate:1 to completion first") {
		t.Fatalf("apply with a migration: exit %d, want 0 and the migration in the plan\n%s", code, out)
	}
	if !strings.Contains(errOut, "web: pre-deploy migrate:1 | ") || !strings.Contains(errOut, "init done") {
		t.Errorf("apply does not show the migration's log on stderr:\n%s", errOut)
	}
	ctx := context.Background()
	tasks, err := e.Backend.ListTasks(ctx, e.Namespace, nomadbackend.TaskFilter{StartedBy: "ecsgit/pre-deploy/web"})
	if err != nil || len(tasks) != 1 || tasks[0].StoppedAt == nil || tasks[0].Containers[0].ExitCode == nil || *tasks[0].Containers[0].ExitCode != 0 {
		t.Fatalf("the migration's task: %v %+v", err, tasks)
	}
	allocs, _, err := e.Client.Jobs().Allocations("web", true, e.QueryOptions())
	if err != nil || len(allocs) != 1 {
		t.Fatalf("web's allocations: %v %d", err, len(allocs))
	}
	if webStart := time.Unix(0, allocs[0].CreateTime); !tasks[0].StoppedAt.Before(webStart) {
		t.Errorf("web's task was created at %s, before the migration ended at %s", webStart, tasks[0].StoppedAt)
	}

	writePreDeployRepo(t, dir, e.Namespace, "ecsgit-demo/app:2", true)
	code, out, errOut = e.run(t, "apply", "--auto-approve", dir)
	if code != exitFailure || !strings.Contains(out+errOut, "pre-deploy task migrate:2 exited 3") {
		t.Fatalf("apply with a failing migration: exit %d, want 1 with the task's exit code\n%s%s", code, out, errOut)
	}
	job, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	if *job.Version != 0 || job.TaskGroups[0].Tasks[0].Config["image"] != "ecsgit-demo/app:1" {
		t.Errorf("web was rolled although its migration failed: version %d, image %v", *job.Version, job.TaskGroups[0].Tasks[0].Config["image"])
	}
}
