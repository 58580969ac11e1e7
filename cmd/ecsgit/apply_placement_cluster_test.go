package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/repotest"
)

// TestApplyUnplaceable: a service no node can hold (8 GiB on 4 GiB nodes). Without
// --force apply refuses the plan and writes nothing; with --force the job is registered,
// Nomad would leave its deployment "running" forever, and apply fails it after
// --placement-timeout, exit 1, naming the reason.
func TestApplyUnplaceable(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	repotest.New(e.Namespace, repotest.Service{Name: "web", Image: "ecsgit-demo/app:1", Count: 2}).Write(t, dir)
	td, _ := json.MarshalIndent(map[string]any{"family": "web", "containerDefinitions": []any{
		map[string]any{"name": "app", "image": "ecsgit-demo/app:1", "memory": 8192, "essential": true}}}, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "web-taskdef.json"), td, 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := e.run(t, "apply", "--auto-approve", dir)
	if code != exitFailure || !strings.Contains(out+errOut, "insufficient memory") {
		t.Fatalf("apply without --force: exit %d, want %d naming the memory shortage\n%s%s", code, exitFailure, out, errOut)
	}
	if job, _, err := e.Client.Jobs().Info("web", e.QueryOptions()); err == nil {
		t.Fatalf("a refused plan registered job %s", *job.ID)
	}

	code, out, errOut = e.run(t, "apply", "--auto-approve", "--force", "--placement-timeout", "5s", dir)
	if code != exitFailure {
		t.Fatalf("apply --force of an unplaceable service: exit %d, want %d\n%s%s", code, exitFailure, out, errOut)
	}
	if !strings.Contains(out+errOut, "could not place") || !strings.Contains(out+errOut, "memory") {
		t.Fatalf("apply does not say why the tasks could not be placed:\n%s%s", out, errOut)
	}
}
