package reconcile

import (
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// stepFiles are a step scaling policy pair on the service's CPU, as an ECS team keeps
// them: "out" adds out tasks (ChangeInCapacity) while the CPUUtilization alarm is above
// 40 %, "in" sets the count to 1 (ExactCapacity) while the low alarm is below 10 %.
func stepFiles(service string, out, cooldown int) map[string]any {
	res := "service/default/" + service
	policy := func(name, typ string, step map[string]any) map[string]any {
		return map[string]any{"PolicyName": name, "ServiceNamespace": "ecs", "ResourceId": res,
			"ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "StepScaling",
			"StepScalingPolicyConfiguration": map[string]any{"AdjustmentType": typ, "Cooldown": cooldown,
				"MetricAggregationType": "Average", "StepAdjustments": []any{step}}}
	}
	alarm := func(name, op string, threshold float64, policy string) map[string]any {
		return map[string]any{"AlarmName": name, "Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
			"Dimensions": []any{map[string]any{"Name": "ClusterName", "Value": "default"}, map[string]any{"Name": "ServiceName", "Value": service}},
			"Statistic":  "Average", "Period": 60, "EvaluationPeriods": 1, "Threshold": threshold, "ComparisonOperator": op,
			"AlarmActions": []string{"arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:6d8e1f3c-0b4a-4a7e-9c1d-2f5b8a9e7c10:resource/ecs/" + res + ":policyName/" + policy}}
	}
	return map[string]any{
		// Replaces writeScaling's target tracking policy: only the step policies scale.
		"scaling-cpu.json": policy("cpu-out", "ChangeInCapacity", map[string]any{"MetricIntervalLowerBound": 0, "ScalingAdjustment": out}),
		"scaling-in.json":  policy("cpu-in", "ExactCapacity", map[string]any{"MetricIntervalUpperBound": 0, "ScalingAdjustment": 1}),
		"alarm-high.json":  alarm(service+"-cpu-high", "GreaterThanThreshold", 40, "cpu-out"),
		"alarm-low.json":   alarm(service+"-cpu-low", "LessThanThreshold", 10, "cpu-in"),
	}
}

// TestStepScalingOnTheNomadAutoscaler is issue 17's must-show for step scaling on the
// real cluster and autoscaler: CPU load (/burn) puts the high alarm's metric above its
// threshold, and the first scale-out adds exactly the step's ScalingAdjustment (1 → 3,
// not the 1 → 2 a one-task step would give, nor target tracking's proportional jump);
// the next step after the cooldown is capped at max; the plan while scaled is empty;
// without load the low alarm's ExactCapacity step sets the count back to 1 after the
// cooldown; the count never leaves [1, 4].
//
// Shown to fail without the step: with the translation's delta forced to 1 (a temporary
// edit of stepScalingChecks), the first scale-out was 1 → 2 and the test failed.
func TestStepScalingOnTheNomadAutoscaler(t *testing.T) {
	e := newApplyEnv(t)
	nomadtest.Autoscaler(t)
	ctx := applyCtx(t, 12*time.Minute)
	const minC, maxC, step, cooldown = 1, 4, 2, 30
	dir := t.TempDir()
	svc := repotest.Service{Name: "burn", Count: 1, HealthCheck: true}
	repotest.New(e.Namespace, svc).Write(t, dir)
	d := writeScaling(t, dir, "burn", minC, maxC, 50, cooldown, stepFiles("burn", step, cooldown))
	if sp := d.Services[0].Scaling; len(sp.Policies) != 2 || len(sp.Alarms["cpu-out"]) != 1 || len(sp.Alarms["cpu-in"]) != 1 {
		t.Fatalf("repository: policies %d, alarms %v", len(sp.Policies), sp.Alarms)
	}
	e.mustApply(ctx, t, d)
	e.WaitHealthy("burn", minC, 2*time.Minute)
	counts := e.watchCount(t, "burn")

	loadStart := time.Now()
	stopLoad := e.burnLoad(t, "burn", 60, 250*time.Millisecond)
	firstOut := counts.waitFor(t, "more than min", 3*time.Minute, func(n int) bool { return n > minC })
	if n, _ := counts.current(); n != minC+step {
		t.Fatalf("first scale-out went to %d; the step adds %d to %d (history %s)", n, step, minC, counts.history())
	}
	t.Logf("measured: first scale-out %d → %d %s after the load started", minC, minC+step, firstOut.Sub(loadStart).Round(time.Second))
	atMax := counts.waitFor(t, "max", 3*time.Minute, func(n int) bool { return n == maxC })
	t.Logf("measured: at max (%d, the step's +%d capped) %s after the first scale-out (cooldown %d s)", maxC, step, atMax.Sub(firstOut).Round(time.Second), cooldown)
	if atMax.Sub(firstOut) < cooldown*time.Second-time.Second {
		t.Errorf("second step %s after the first, inside the %d s cooldown", atMax.Sub(firstOut), cooldown)
	}
	e.WaitHealthy("burn", maxC, 2*time.Minute)

	p := e.plan(ctx, t, d)
	if p.Plan.HasChanges() {
		t.Fatalf("plan while scaled out has changes:\n%s", humanPlan(t, p.Plan))
	}
	if out := humanPlan(t, p.Plan); !strings.Contains(out, "count managed by autoscaling: 4 now (min 1, max 4)") {
		t.Errorf("plan does not say the count is the autoscaler's:\n%s", out)
	}

	stopLoad()
	loadEnd := time.Now()
	in := counts.waitFor(t, "min", 5*time.Minute, func(n int) bool { return n < maxC })
	if n, _ := counts.current(); n != minC {
		t.Errorf("scale-in went to %d; the low alarm's ExactCapacity step sets %d", n, minC)
	}
	t.Logf("measured: scale-in to %d %s after the load stopped, %s after the last scaling action (cooldown %d s)",
		minC, in.Sub(loadEnd).Round(time.Second), in.Sub(atMax).Round(time.Second), cooldown)
	if in.Sub(atMax) < cooldown*time.Second-time.Second {
		t.Errorf("scaled in %s after the last scaling action, inside the %d s cooldown", in.Sub(atMax), cooldown)
	}
	counts.stop()
	<-counts.done
	counts.assertWithin(t, minC, maxC)
	t.Logf("count history: %s", counts.history())
}
