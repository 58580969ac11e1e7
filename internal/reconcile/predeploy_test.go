package reconcile

import (
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// writePreDeployRepo is service web (demo image) with a pre-deploy task "migrate"
// (the demo image's init mode, or fail mode when fail is set).
func writePreDeployRepo(t *testing.T, dir, ns, webImage string, fail bool) *spec.Desired {
	t.Helper()
	repotest.New(ns, repotest.Service{Name: "web", Count: 1, Image: webImage}).Write(t, dir)
	mode := "--mode=init"
	if fail {
		mode = "--mode=fail"
	}
	files := map[string]any{
		"ecsgit.yaml": map[string]any{"version": 1, "namespace": ns, "services": map[string]any{"web": map[string]any{
			"preDeploy": []any{map[string]any{"taskDefinition": "migrate", "timeoutSeconds": 120,
				"overrides": map[string]any{"containerOverrides": []any{map[string]any{"name": "app",
					"environment": []any{map[string]any{"name": "INIT_DURATION", "value": "1s"}}}}}}}}}},
		"migrate.json": map[string]any{"family": "migrate", "containerDefinitions": []any{map[string]any{
			"name": "app", "image": "ecsgit-demo/app:1", "memory": 32, "command": []string{mode}}}},
	}
	repotest.WriteJSON(t, dir, files)
	d, err := spec.Load(dir, spec.LoadOptions{})
	if err != nil || d.Diagnostics.HasErrors(false) {
		t.Fatalf("load: %v %v", err, d.Diagnostics)
	}
	return d
}

// A service's pre-deploy task runs before its register; the plan shows it; a no-op
// apply runs nothing; a task that exits non-zero stops the service's deployment.
func TestEnginePreDeploy(t *testing.T) {
	f := newFakeCluster(t)
	dir := t.TempDir()
	p := fakePlan(t, f, writePreDeployRepo(t, dir, "default", "ecsgit-demo/app:1", false), PlanOptions{})
	sp := p.Plan.Services[0]
	if len(sp.PreDeploy) != 1 || sp.PreDeploy[0].TaskDefinition != "migrate:1" || sp.PreDeploy[0].Overridden != "environment of app" {
		t.Fatalf("plan: pre-deploy %+v", sp.PreDeploy)
	}
	var human strings.Builder
	if err := plan.Render(&human, p.Plan, plan.FormatHuman, plan.RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(human.String(), "pre-deploy: runs migrate:1 (overrides: environment of app) to completion first (timeout 120s); if it does not exit 0, web is not deployed") {
		t.Errorf("the human plan does not show the pre-deploy task:\n%s", human.String())
	}
	// A plan file binds the same task.
	pf, err := NewPlanFile(p)
	if err != nil {
		t.Fatal(err)
	}
	units, err := UnitsFromPlanFile(pf)
	if err != nil || units["web"].ECS == nil || len(units["web"].ECS.PreDeploy) != 1 || units["web"].ECS.PreDeploy[0].TaskDefinition != "migrate:1" {
		t.Fatalf("plan file units: %v %+v", err, units["web"])
	}
	if res := fakeApply(t, f, p); !res.OK() {
		t.Fatalf("apply: %+v", res.Services)
	}
	if calls := strings.Join(f.calls, "\n"); !strings.Contains(calls, "run-task migrate-run-") || strings.Index(calls, "run-task migrate-run-") > strings.Index(calls, "register web") {
		t.Fatalf("the pre-deploy task must run before the register:\n%s", calls)
	}

	// No change: nothing runs.
	before := len(f.callsOf("run-task "))
	if res := fakeApply(t, f, fakePlan(t, f, writePreDeployRepo(t, dir, "default", "ecsgit-demo/app:1", false), PlanOptions{})); !res.OK() {
		t.Fatalf("no-op apply: %+v", res.Services)
	}
	if n := len(f.callsOf("run-task ")); n != before {
		t.Errorf("a no-op apply ran the pre-deploy task")
	}

	// A new image with a failing migration: web is not registered.
	f.onTaskExit("migrate", 3)
	registers := len(f.callsOf("register "))
	res := fakeApply(t, f, fakePlan(t, f, writePreDeployRepo(t, dir, "default", "ecsgit-demo/app:2", false), PlanOptions{}))
	r := res.Services[0]
	if r.Status != StatusFailed || !strings.Contains(r.Reason, "pre-deploy task migrate:1 exited 3") || !strings.Contains(r.Reason, "web was not deployed") {
		t.Fatalf("failing pre-deploy: %+v", r)
	}
	if n := len(f.callsOf("register ")); n != registers {
		t.Errorf("web was registered although its pre-deploy task failed: %v", f.calls)
	}
}

// OutcomeOf: the first task whose essential container did not exit 0 decides; a task
// that never ran has no exit code.
func TestOutcomeOf(t *testing.T) {
	task := func(code *int, stop nomadbackend.StopCode, reason string) nomadbackend.Task {
		return nomadbackend.Task{StopCode: stop, StoppedReason: reason,
			Containers: []nomadbackend.TaskContainer{{Name: "side", ExitCode: new(9)}, {Name: "app", ExitCode: code}}}
	}
	ok, bad := task(new(0), nomadbackend.StopEssentialContainerExited, "x"), task(new(3), nomadbackend.StopEssentialContainerExited, "x")
	pull := task(nil, nomadbackend.StopTaskFailedToStart, "CannotPullContainerError: no such image")
	for name, tc := range map[string]struct {
		tasks []nomadbackend.Task
		exit  *int
		stop  nomadbackend.StopCode
	}{
		"all ok":           {[]nomadbackend.Task{ok, ok}, new(0), nomadbackend.StopEssentialContainerExited},
		"second fails":     {[]nomadbackend.Task{ok, bad}, new(3), nomadbackend.StopEssentialContainerExited},
		"never ran":        {[]nomadbackend.Task{pull}, nil, nomadbackend.StopTaskFailedToStart},
		"first fail stays": {[]nomadbackend.Task{bad, pull}, new(3), nomadbackend.StopEssentialContainerExited},
	} {
		out := OutcomeOf(tc.tasks, "app")
		if (out.ExitCode == nil) != (tc.exit == nil) || out.ExitCode != nil && *out.ExitCode != *tc.exit || out.StopCode != tc.stop {
			t.Errorf("%s: %+v", name, out)
		}
	}
}
