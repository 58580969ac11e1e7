package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// writeScheduleRepo writes task definition "report" (the demo image's init mode) and
// the given schedules (file name → EventBridge JSON).
func writeScheduleRepo(t *testing.T, dir, ns string, schedules map[string]any) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
	files := map[string]any{
		"ecsgit.yaml": map[string]any{"version": 1, "namespace": ns, "source": "schedules-test"},
		"report.json": map[string]any{"family": "report", "containerDefinitions": []any{map[string]any{
			"name": "app", "image": "ecsgit-demo/app:1", "memory": 32, "cpu": 64, "command": []string{"--mode=init"}}}},
	}
	for name, v := range schedules {
		files[name] = v
	}
	repotest.WriteJSON(t, dir, files)
}

func schedulerSchedule(name, expr, state string) map[string]any {
	return map[string]any{
		"Name": name, "ScheduleExpression": expr, "ScheduleExpressionTimezone": "UTC", "State": state,
		"FlexibleTimeWindow": map[string]any{"Mode": "OFF"},
		"Target": map[string]any{"Arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
			"Input":         `{"containerOverrides":[{"name":"app","environment":[{"name":"INIT_DURATION","value":"500ms"}]}]}`,
			"EcsParameters": map[string]any{"TaskDefinitionArn": "report", "TaskCount": 1}},
	}
}

// TestScheduleFiresOnceOnTimeAndIsPruned: an EventBridge Scheduler schedule at() the
// next minute (at least 40 s ahead) becomes a Nomad periodic batch job that launches
// its task once, within seconds of the time; the launch's task runs to exit 0. When
// the schedule is removed from Git, apply --prune removes the periodic job; a DISABLED
// schedule kept beside it never launches.
func TestScheduleFiresOnceOnTimeAndIsPruned(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	at := time.Now().UTC().Add(40 * time.Second).Truncate(time.Minute).Add(time.Minute)
	once := schedulerSchedule("once", "at("+at.Format("2006-01-02T15:04:05")+")", "ENABLED")
	off := schedulerSchedule("off", "rate(1 minute)", "DISABLED")
	writeScheduleRepo(t, dir, e.Namespace, map[string]any{"once.json": once, "off.json": off})

	code, out, _ := e.run(t, "apply", "--auto-approve", dir)
	if code != exitOK || !strings.Contains(out, "schedule-once: applied") || !strings.Contains(out, "schedule.Target.Input: (sensitive)") {
		t.Fatalf("apply of the schedules: exit %d\n%s", code, out)
	}
	job, _, err := e.Client.Jobs().Info("schedule-once", e.QueryOptions())
	if err != nil || job.Periodic == nil || !*job.Periodic.Enabled || *job.Type != api.JobTypeBatch {
		t.Fatalf("schedule-once is not an enabled periodic batch job: %v %+v", err, job)
	}
	if next, err := job.Periodic.Next(time.Now()); err != nil || !next.Equal(at) {
		t.Fatalf("next launch %s (%v), want %s", next, err, at)
	}

	// Wait past the launch time and 20 s more: exactly one launch, on time.
	time.Sleep(time.Until(at.Add(20 * time.Second)))
	children := periodicChildren(t, e, "schedule-once")
	if len(children) != 1 {
		t.Fatalf("schedule-once launched %d times by %s, want once: %v", len(children), time.Now().UTC(), children)
	}
	lag := time.Unix(0, children[0].SubmitTime).Sub(at)
	t.Logf("scheduled for %s, launched %s after", at, lag)
	if lag < 0 || lag > 10*time.Second {
		t.Errorf("the launch was submitted %s after the scheduled time, want within 10s", lag)
	}
	if n := len(periodicChildren(t, e, "schedule-off")); n != 0 {
		t.Errorf("the DISABLED schedule launched %d times", n)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ts, err := e.Backend.JobTasks(context.Background(), e.Namespace, children[0].ID)
		if err == nil && len(ts) == 1 && ts[0].LastStatus == nomadbackend.TaskStopped {
			if c := ts[0].Containers[0].ExitCode; c == nil || *c != 0 {
				t.Errorf("the launched task did not exit 0: %+v", ts[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the launched task did not finish: %v %+v", err, ts)
		}
		time.Sleep(time.Second)
	}
	// The launch (a child job with the parent's meta) is not a service to prune.
	if code, out, _ := e.run(t, "plan", "--prune", dir); code != exitOK || strings.Contains(out, "periodic-") {
		t.Errorf("plan after the launch: exit %d\n%s", code, out)
	}

	writeScheduleRepo(t, dir, e.Namespace, map[string]any{"off.json": off})
	code, out, _ = e.run(t, "apply", "--auto-approve", "--prune", dir)
	if code != exitOK || !strings.Contains(out, "schedule-once") {
		t.Fatalf("apply --prune without the schedule: exit %d\n%s", code, out)
	}
	job, _, err = e.Client.Jobs().Info("schedule-once", e.QueryOptions())
	if err == nil && (job.Stop == nil || !*job.Stop) {
		t.Errorf("schedule-once still runs after its removal from Git: %+v", job.Status)
	}
}

func periodicChildren(t *testing.T, e *cmdEnv, parent string) []*api.JobListStub {
	t.Helper()
	stubs, _, err := e.Client.Jobs().List(&api.QueryOptions{Namespace: e.Namespace, Prefix: parent + "/periodic-"})
	if err != nil {
		t.Fatal(err)
	}
	return stubs
}
