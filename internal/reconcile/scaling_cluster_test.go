package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// scalingFiles are the Application Auto Scaling definitions of a test service: a
// scalable target [min, max] and a CPU target tracking policy.
func writeScaling(t *testing.T, dir, service string, min, max int, targetCPU float64, cooldown int, extra map[string]any) *spec.Desired {
	t.Helper()
	files := map[string]any{
		"scaling-target.json": map[string]any{"ServiceNamespace": "ecs", "ResourceId": "service/default/" + service,
			"ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": min, "MaxCapacity": max},
		"scaling-cpu.json": map[string]any{"PolicyName": "cpu", "ServiceNamespace": "ecs", "ResourceId": "service/default/" + service,
			"ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
			"TargetTrackingScalingPolicyConfiguration": map[string]any{"TargetValue": targetCPU,
				"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
				"ScaleOutCooldown":              cooldown, "ScaleInCooldown": cooldown}},
	}
	for k, v := range extra {
		files[k] = v
	}
	for name, v := range files {
		b, _ := json.MarshalIndent(v, "", "  ")
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := spec.Load(dir, spec.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Diagnostics.HasErrors(false) {
		t.Fatalf("test repository invalid: %v", d.Diagnostics)
	}
	return d
}

// countWatch samples a job's group count every 250 ms and remembers every value and
// when it changed.
type countWatch struct {
	mu      sync.Mutex
	changes []countChange
	stop    context.CancelFunc
	done    chan struct{}
}

type countChange struct {
	at    time.Time
	count int
}

func (e *applyEnv) watchCount(t *testing.T, jobID string) *countWatch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &countWatch{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		last := -1
		for ctx.Err() == nil {
			job, _, err := e.Client.Jobs().Info(jobID, e.QueryOptions())
			if err == nil && job.TaskGroups[0].Count != nil && *job.TaskGroups[0].Count != last {
				last = *job.TaskGroups[0].Count
				w.mu.Lock()
				w.changes = append(w.changes, countChange{time.Now(), last})
				w.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-w.done })
	return w
}

func (w *countWatch) current() (int, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.changes) == 0 {
		return -1, time.Time{}
	}
	c := w.changes[len(w.changes)-1]
	return c.count, c.at
}

func (w *countWatch) waitFor(t *testing.T, what string, timeout time.Duration, ok func(int) bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if n, at := w.current(); n >= 0 && ok(n) {
			return at
		}
		time.Sleep(250 * time.Millisecond)
	}
	n, _ := w.current()
	t.Fatalf("count did not reach %s within %s (now %d; history %v)", what, timeout, n, w.history())
	return time.Time{}
}

func (w *countWatch) history() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var parts []string
	for _, c := range w.changes {
		parts = append(parts, fmt.Sprintf("%d@%s", c.count, c.at.Format("15:04:05")))
	}
	return strings.Join(parts, " ")
}

// assertWithin fails when any sampled count left [min, max].
func (w *countWatch) assertWithin(t *testing.T, min, max int) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.changes {
		if c.count < min || c.count > max {
			t.Errorf("count %d at %s is outside [%d, %d]", c.count, c.at.Format(time.RFC3339), min, max)
		}
	}
}

// burnLoad sends GET /burn?ms=ms to every running allocation of the job every period,
// until stopped: CPU load on the service's tasks.
func (e *applyEnv) burnLoad(t *testing.T, jobID string, ms int, period time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			allocs, _, err := e.Client.Jobs().Allocations(jobID, false, e.QueryOptions())
			if err == nil {
				var wg sync.WaitGroup
				for _, stub := range allocs {
					if stub.ClientStatus != api.AllocClientStatusRunning {
						continue
					}
					a, _, err := e.Client.Allocations().Info(stub.ID, e.QueryOptions())
					if err != nil {
						continue
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
						defer rcancel()
						_, _, _ = nomadtest.HTTPGet(rctx, a, "p8080", fmt.Sprintf("/burn?ms=%d", ms))
					}()
				}
				wg.Wait()
			}
			select {
			case <-ctx.Done():
			case <-time.After(period):
			}
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func humanPlan(t *testing.T, p *plan.Plan) string {
	t.Helper()
	var b bytes.Buffer
	if err := plan.Render(&b, p, plan.FormatHuman, plan.RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestAutoscalingOnTheNomadAutoscaler is the must-show on the real cluster with
// the real Nomad Autoscaler: CPU load (the demo app's /burn) scales the service out from
// min to max; GitOps keeps the autoscaler's count (the plan says so and has no diff);
// an environment change from Git rolls at the current count and the next plan is empty;
// without load it scales in only after the cooldown; the count never leaves [min, max].
func TestAutoscalingOnTheNomadAutoscaler(t *testing.T) {
	e := newApplyEnv(t)
	nomadtest.Autoscaler(t)
	ctx := applyCtx(t, 12*time.Minute)
	const minC, maxC, cooldown = 1, 3, 30
	dir := t.TempDir()
	svc := repotest.Service{Name: "burn", Count: 1, HealthCheck: true}
	repotest.New(e.Namespace, svc).Write(t, dir)
	d := writeScaling(t, dir, "burn", minC, maxC, 50, cooldown, nil)
	e.mustApply(ctx, t, d)
	e.WaitHealthy("burn", minC, 2*time.Minute)
	counts := e.watchCount(t, "burn")

	// Load: 60 ms of CPU per task every 250 ms is about a quarter of a core, several
	// times the 50 % of the task's reservation (128 cpu units) the policy targets.
	loadStart := time.Now()
	stopLoad := e.burnLoad(t, "burn", 60, 250*time.Millisecond)
	firstOut := counts.waitFor(t, "more than min", 3*time.Minute, func(n int) bool { return n > minC })
	atMax := counts.waitFor(t, "max", 3*time.Minute, func(n int) bool { return n == maxC })
	t.Logf("measured: first scale-out %s after the load started, count at max (%d) after %s",
		firstOut.Sub(loadStart).Round(time.Second), maxC, atMax.Sub(loadStart).Round(time.Second))
	e.WaitHealthy("burn", maxC, 2*time.Minute)

	// GitOps with the autoscaler: Git still says desiredCount 1; the plan keeps 3.
	p := e.plan(ctx, t, d)
	sp := planOf(t, p.Plan, "burn")
	if p.Plan.HasChanges() || sp.Drifted {
		t.Fatalf("plan after scale-out has changes (action %s, drift %v, nomad diff %v): %s", sp.Action, sp.DriftChanges, func() string { b, _ := json.Marshal(p.Services["burn"].DryRun.Diff); return string(b) }(), humanPlan(t, p.Plan))
	}
	want := fmt.Sprintf("count managed by autoscaling: %d now (min %d, max %d)", maxC, minC, maxC)
	if out := humanPlan(t, p.Plan); !strings.Contains(out, want) {
		t.Errorf("plan does not say %q:\n%s", want, out)
	}

	// ecsgit status: the range, the count and the autoscaler's last action with its reason.
	si, err := InspectServices(ctx, e.Backend, e.Namespace, "burn")
	if err != nil {
		t.Fatal(err)
	}
	if st := si[0]; st.Scaling == nil || st.Scaling.Min != minC || st.Scaling.Max != maxC || st.Drifted ||
		st.LastScaling == nil || st.LastScaling.Count == nil || *st.LastScaling.Count != maxC || st.LastScaling.Message == "" {
		t.Errorf("status of the scaled service: %+v (last scaling %+v); want range [%d, %d], not drifted, last activity to %d with a reason", st, st.LastScaling, minC, maxC, maxC)
	} else {
		t.Logf("status: last scaling activity %s: %d → %d: %s", st.LastScaling.Time.Format(time.RFC3339), st.LastScaling.PreviousCount, *st.LastScaling.Count, st.LastScaling.Message)
	}

	// An unrelated change from Git while scaled out: rolls at the current count.
	svc.Env = map[string]string{"COLOR": "blue"}
	repotest.New(e.Namespace, svc).Write(t, dir)
	d = writeScaling(t, dir, "burn", minC, maxC, 50, cooldown, nil)
	p = e.plan(ctx, t, d)
	sp = planOf(t, p.Plan, "burn")
	if sp.Action != plan.ActionUpdate || sp.Rollout == nil || sp.Rollout.DesiredCount != maxC {
		t.Fatalf("env change while scaled out: action %s, rollout %+v; want an update rolling %d tasks:\n%s", sp.Action, sp.Rollout, maxC, humanPlan(t, p.Plan))
	}
	res := e.apply(ctx, t, p)
	if !res.OK() {
		t.Fatalf("apply of the env change failed: %+v", res.Services)
	}
	job, _, err := e.Client.Jobs().Info("burn", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	if n := *job.TaskGroups[0].Count; n != maxC {
		t.Errorf("after the env change the count is %d; the rollout must keep the autoscaler's %d", n, maxC)
	}
	if job.TaskGroups[0].Tasks[0].Env["COLOR"] != "blue" {
		t.Errorf("env change not applied: %v", job.TaskGroups[0].Tasks[0].Env)
	}
	e.WaitHealthy("burn", maxC, 2*time.Minute)
	p = e.plan(ctx, t, d)
	if p.Plan.HasChanges() {
		t.Fatalf("the plan after the env change is not empty:\n%s", humanPlan(t, p.Plan))
	}

	// No load: scale-in, not before the cooldown after the last scaling action.
	if n, at := counts.current(); n != maxC || at.After(atMax) {
		t.Errorf("the count moved during the env change (history %s): GitOps must not touch the autoscaler's count", counts.history())
	}
	_, lastAction := counts.current()
	stopLoad()
	loadEnd := time.Now()
	in := counts.waitFor(t, "min", 5*time.Minute, func(n int) bool { return n < maxC })
	t.Logf("measured: first scale-in %s after the load stopped, %s after the last scaling action (cooldown %d s)",
		in.Sub(loadEnd).Round(time.Second), in.Sub(lastAction).Round(time.Second), cooldown)
	// The samples are up to 250 ms late on both ends: 1 s of slack.
	if in.Sub(lastAction) < cooldown*time.Second-time.Second {
		t.Errorf("scaled in %s after the last scaling action, inside the %d s cooldown", in.Sub(lastAction), cooldown)
	}
	counts.waitFor(t, "min", 5*time.Minute, func(n int) bool { return n == minC })
	counts.stop()
	<-counts.done
	counts.assertWithin(t, minC, maxC)
	t.Logf("count history: %s", counts.history())
	p = e.plan(ctx, t, d)
	if p.Plan.HasChanges() {
		t.Fatalf("the plan after scale-in is not empty:\n%s", humanPlan(t, p.Plan))
	}
}
