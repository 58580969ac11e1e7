package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/clustertest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// cmdEnv is clustertest's namespace and client, with the CLI runner as a method.
type cmdEnv struct{ *clustertest.Env }

func newCmdEnv(t *testing.T) *cmdEnv {
	t.Helper()
	return &cmdEnv{clustertest.New(t)}
}

func (e *cmdEnv) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{args[0], "--address", e.Addr, "-n", e.Namespace}, args[1:]...)
	code := run(args, strings.NewReader(""), &out, &errOut)
	t.Logf("ecsgit %s → %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

// TestApplyCommand: a non-interactive apply without --auto-approve is refused and writes
// nothing; with it the service is created; a second apply is a no-op.
func TestApplyCommand(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	repotest.New(e.Namespace, repotest.Service{Name: "web", Image: "ecsgit-demo/app:1", Count: 1}).Write(t, dir)

	code, _, errOut := e.run(t, "apply", dir)
	if code != exitFailure || !strings.Contains(errOut, "--auto-approve") {
		t.Fatalf("non-interactive apply: exit %d, %s", code, errOut)
	}
	if job, _ := e.Backend.ReadJob(context.Background(), e.Namespace, "web"); job != nil {
		t.Fatal("the refused apply registered the job")
	}
	code, out, _ := e.run(t, "apply", "--auto-approve", dir)
	if code != exitOK || !strings.Contains(out, "web: applied (web:1)") || !strings.Contains(out, "Apply complete") {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	code, out, _ = e.run(t, "apply", dir)
	if code != exitOK || !strings.Contains(out, "0 to create, 0 to update") && !strings.Contains(out, "1 unchanged") {
		t.Fatalf("no-op apply: exit %d\n%s", code, out)
	}
}

// TestApplyKilledMidRolloutConverges: SIGKILL the ecsgit binary while its rollout runs,
// then apply again: one job, the expected version (no second register), a settled
// record with one history entry per revision, nothing orphaned.
func TestApplyKilledMidRolloutConverges(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "ecsgit")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	repotest.New(e.Namespace, repotest.Service{Name: "web", Image: "ecsgit-demo/app:1", Count: 2}).Write(t, dir)
	if code, _, _ := e.run(t, "apply", "--auto-approve", dir); code != exitOK {
		t.Fatal("first apply failed")
	}

	repotest.New(e.Namespace, repotest.Service{Name: "web", Image: "ecsgit-demo/app:2", Count: 2}).Write(t, dir)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "apply", "--auto-approve", "--address", e.Addr, "-n", e.Namespace, dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill as soon as the register happened (the record says pending): mid-rollout.
	nomadtest.Eventually(t, time.Minute, func() error {
		rec, err := e.Backend.ReadServiceRecord(ctx, e.Namespace, "web")
		if err != nil {
			return err
		}
		if rec == nil || rec.Outcome != nomadbackend.OutcomePending {
			return errPending
		}
		return nil
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	t.Logf("killed apply's output:\n%s", out.String())
	if d := latestDeployment(t, e); d.Status != "running" {
		t.Logf("note: the deployment was already %s when apply was killed", d.Status)
	}

	code, stdout, _ := e.run(t, "apply", "--auto-approve", dir)
	if code != exitOK || !strings.Contains(stdout, "web: applied (web:2) [followed the rollout") {
		t.Fatalf("second apply: exit %d\n%s", code, stdout)
	}
	jobs, _, err := e.Client.Jobs().List(e.QueryOptions())
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs after convergence: %v %v", jobs, err)
	}
	job, err := e.Backend.ReadJob(ctx, e.Namespace, "web")
	if err != nil {
		t.Fatal(err)
	}
	if v := nomadbackend.JobVersionOf(job); v != 1 {
		t.Fatalf("job version %d, want 1 (registered once per change)", v)
	}
	rec, err := e.Backend.ReadServiceRecord(ctx, e.Namespace, "web")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Outcome != nomadbackend.OutcomeSucceeded || rec.Revision != 2 || rec.JobVersion != 1 || rec.JobModifyIndex != nomadbackend.JobModifyIndexOf(job) {
		t.Fatalf("record: outcome %s revision %d job version %d index %d", rec.Outcome, rec.Revision, rec.JobVersion, rec.JobModifyIndex)
	}
	if n := len(rec.History); n != 2 || rec.History[1].Revision != 2 || rec.History[1].Outcome != nomadbackend.OutcomeSucceeded {
		t.Fatalf("history: %+v", rec.History)
	}
	e.WaitHealthy("web", 2, time.Minute)
	allocs, _, err := e.Client.Jobs().Allocations("web", false, e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range allocs {
		if a.DesiredStatus == "run" && a.JobVersion != 1 {
			t.Fatalf("allocation %s of version %d still wanted", a.ID, a.JobVersion)
		}
	}
	// And a third apply is a no-op.
	if code, stdout, _ := e.run(t, "apply", dir); code != exitOK || strings.Contains(stdout, "applied") {
		t.Fatalf("third apply: exit %d\n%s", code, stdout)
	}
}

var errPending = errors.New("record not pending yet")

func latestDeployment(t *testing.T, e *cmdEnv) *api.Deployment {
	t.Helper()
	d, _, err := e.Client.Jobs().LatestDeployment("web", e.QueryOptions())
	if err != nil || d == nil {
		t.Fatalf("latest deployment: %v %v", d, err)
	}
	return d
}

// TestHistoryStatusRollback: two applies, then history lists both revisions, rollback
// redeploys web:1 and pauses the service, status shows it, apply leaves it alone, and
// after resume apply deploys Git's revision again.
func TestHistoryStatusRollback(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	repotest.New(e.Namespace, repotest.Service{Name: "web", Image: "ecsgit-demo/app:1", Count: 1}).Write(t, dir)
	if code, _, _ := e.run(t, "apply", "--auto-approve", dir); code != exitOK {
		t.Fatal("first apply failed")
	}
	repotest.New(e.Namespace, repotest.Service{Name: "web", Image: "ecsgit-demo/app:2", Count: 1}).Write(t, dir)
	if code, _, _ := e.run(t, "apply", "--auto-approve", dir); code != exitOK {
		t.Fatal("second apply failed")
	}
	code, out, _ := e.run(t, "history", "web")
	if code != exitOK || !strings.Contains(out, "web:1") || !strings.Contains(out, "web:2") || strings.Count(out, "succeeded") != 2 {
		t.Fatalf("history: exit %d\n%s", code, out)
	}
	code, out, _ = e.run(t, "rollback", "web")
	if code != exitOK || !strings.Contains(out, "web: applied (web:1)") || !strings.Contains(out, "Git now differs") {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	job, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
	if err != nil || job.TaskGroups[0].Tasks[0].Config["image"] != "ecsgit-demo/app:1" {
		t.Fatalf("after rollback the job runs %v (%v)", job.TaskGroups[0].Tasks[0].Config["image"], err)
	}
	code, out, _ = e.run(t, "status", "--output", "json")
	var st []struct {
		Service        string `json:"service"`
		TaskDefinition string `json:"task_definition"`
		Paused         string `json:"paused"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != exitOK || len(st) != 1 || st[0].Paused == "" || st[0].TaskDefinition != "web:1" {
		t.Fatalf("status json: exit %d %v\n%s", code, err, out)
	}
	code, out, _ = e.run(t, "apply", "--auto-approve", dir)
	if code != exitOK || !strings.Contains(out, "web: skipped") {
		t.Fatalf("apply of a paused service: exit %d\n%s", code, out)
	}
	if code, out, _ := e.run(t, "status", "web"); code != exitOK || !strings.Contains(out, "web: paused: rolled back to web:1") {
		t.Fatalf("status text: exit %d\n%s", code, out)
	}

	// resume lifts the pause: the next apply deploys Git's revision (web:2) again.
	if code, out, _ := e.run(t, "resume", "web"); code != exitOK || !strings.Contains(out, "web resumed") {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	if code, out, _ := e.run(t, "apply", "--auto-approve", dir); code != exitOK || strings.Contains(out, "web: skipped") {
		t.Fatalf("apply after resume: exit %d\n%s", code, out)
	}
	code, out, _ = e.run(t, "status", "--output", "json")
	st = nil // a fresh slice: Unmarshal would keep fields the new JSON omits
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != exitOK || len(st) != 1 || st[0].Paused != "" || st[0].TaskDefinition != "web:2" {
		t.Fatalf("status after resume and apply: exit %d %v\n%s", code, err, out)
	}
}
