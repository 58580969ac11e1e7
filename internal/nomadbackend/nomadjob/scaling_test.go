package nomadjob

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
)

func loadScalingFixture(t *testing.T, extra map[string]string) *spec.Desired {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"td.json":  `{"family": "web", "containerDefinitions": [{"name": "app", "image": "demo:1", "cpu": 256, "memory": 64, "essential": true}]}`,
		"svc.json": `{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1}`,
		"target.json": `{"ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount",
		  "MinCapacity": 2, "MaxCapacity": 10}`,
	}
	for k, v := range extra {
		files[k] = v
	}
	for k, v := range files {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := spec.Load(dir, spec.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Diagnostics.HasErrors(false) {
		t.Fatalf("fixture has errors: %v", d.Diagnostics)
	}
	return d
}

const policyJSON = `{"PolicyName": "cpu50", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
  "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50, "ScaleOutCooldown": 30, "ScaleInCooldown": 60,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}}`

// TestTranslateScalingBlock: the scalable target and the policy become the group's
// scaling block that the Nomad Autoscaler reads; desiredCount starts inside [min, max].
func TestTranslateScalingBlock(t *testing.T) {
	d := loadScalingFixture(t, map[string]string{"cpu.json": policyJSON})
	tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	tg := tr.Job.TaskGroups[0]
	if *tg.Count != 2 {
		t.Errorf("count = %d, want 2 (desiredCount 1 moved into [2, 10])", *tg.Count)
	}
	s := tg.Scaling
	if s == nil || *s.Min != 2 || *s.Max != 10 || !*s.Enabled {
		t.Fatalf("scaling = %+v", s)
	}
	got, _ := json.Marshal(s.Policy)
	want := `{"check":[{"cpu50":[{"query":"avg_cpu-allocated","source":"nomad-apm","strategy":[{"target-value":[{"target":50,"threshold":0.1}]}]}]}],"cooldown":"60s","evaluation_interval":"10s"}`
	if string(got) != want {
		t.Errorf("policy =\n  %s\nwant\n  %s", got, want)
	}
	var notes []string
	for _, n := range tr.Fidelity {
		if n.Rule == RuleScaling {
			notes = append(notes, n.Pos.String()+" "+n.Detail)
		}
	}
	for _, w := range []string{"desiredCount 1 is outside", "one cooldown after any scaling action", "scaled by the Nomad Autoscaler"} {
		if !strings.Contains(strings.Join(notes, "\n"), w) {
			t.Errorf("no FID-NOMAD-SCALING note with %q; notes:\n%s", w, strings.Join(notes, "\n"))
		}
	}
}

// TestTranslateScalingNotTranslated: ALBRequestCountPerTarget and step scaling are
// validated but not translated, and say so.
func TestTranslateScalingNotTranslated(t *testing.T) {
	alb := strings.Replace(policyJSON, `"PredefinedMetricType": "ECSServiceAverageCPUUtilization"`,
		`"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": "app/lb/1/targetgroup/tg/2"`, 1)
	alb = strings.Replace(alb, "cpu50", "req", 1)
	d := loadScalingFixture(t, map[string]string{"alb.json": alb})
	tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if s := tr.Job.TaskGroups[0].Scaling; s == nil || *s.Enabled {
		t.Fatalf("a target without translated policies bounds the count only: %+v", s)
	}
	found := false
	for _, n := range tr.Fidelity {
		found = found || n.Level == spec.FidelityUnsupported && strings.Contains(n.Detail, "ALBRequestCountPerTarget")
	}
	if !found {
		t.Errorf("no unsupported note for ALBRequestCountPerTarget: %+v", tr.Fidelity)
	}
}

// TestTranslateAtLiveCount: with a scalable target, the live count (moved into the
// range) is the group's count and the count the rollout bounds are computed at: 100/200
// at 5 running tasks is 5 canaries, not desiredCount's 1. The spec hash does not
// depend on it.
func TestTranslateAtLiveCount(t *testing.T) {
	d := loadScalingFixture(t, map[string]string{"cpu.json": policyJSON})
	base, err := Translate(d, d.Services[0], TranslateOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ live, want int }{{5, 5}, {20, 10}, {0, 2}} {
		n := tc.live
		tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "test", LiveCount: &n})
		if err != nil {
			t.Fatal(err)
		}
		tg := tr.Job.TaskGroups[0]
		if *tg.Count != tc.want || *tg.Update.Canary != tc.want || tr.Rollout.DesiredCount != tc.want {
			t.Errorf("live %d: count %d, canary %d, rollout at %d; want %d", tc.live, *tg.Count, *tg.Update.Canary, tr.Rollout.DesiredCount, tc.want)
		}
		if tr.SpecHash != base.SpecHash {
			t.Errorf("live %d: the spec hash changed with the live count", tc.live)
		}
	}
}
