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

// TestTranslateScalingNotTranslated: a step scaling policy that no alarm triggers and a
// CloudWatch customized metric are validated but not translated, and say so.
func TestTranslateScalingNotTranslated(t *testing.T) {
	custom := strings.Replace(policyJSON, `"PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}`,
		`"CustomizedMetricSpecification": {"MetricName": "QueueDepth", "Namespace": "App", "Statistic": "Average"}`, 1)
	d := loadScalingFixture(t, map[string]string{"custom.json": custom, "step.json": stepPolicyJSON})
	tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if s := tr.Job.TaskGroups[0].Scaling; s == nil || *s.Enabled {
		t.Fatalf("a target without translated policies bounds the count only: %+v", s)
	}
	for _, want := range []string{"CustomizedMetricSpecification", "no alarm in the repository names it"} {
		found := false
		for _, n := range tr.Fidelity {
			found = found || n.Level == spec.FidelityUnsupported && strings.Contains(n.Detail, want)
		}
		if !found {
			t.Errorf("no unsupported note with %q: %+v", want, tr.Fidelity)
		}
	}
}

const stepPolicyJSON = `{"PolicyName": "cpu-step", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
  "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "StepScaling",
  "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "Cooldown": 45, "MetricAggregationType": "Average",
    "StepAdjustments": [{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},
                        {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 3}]}}`

const scaleInPolicyJSON = `{"PolicyName": "cpu-in", "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
  "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "StepScaling",
  "StepScalingPolicyConfiguration": {"AdjustmentType": "PercentChangeInCapacity", "Cooldown": 120,
    "StepAdjustments": [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -50}]}}`

func alarmJSON(name, op string, threshold float64, policy string) string {
	b, _ := json.Marshal(map[string]any{"AlarmName": name, "Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
		"Dimensions": []map[string]string{{"Name": "ClusterName", "Value": "default"}, {"Name": "ServiceName", "Value": "web"}},
		"Statistic":  "Average", "Period": 60, "EvaluationPeriods": 2, "Threshold": threshold, "ComparisonOperator": op,
		"AlarmActions": []string{policy}})
	return string(b)
}

// TestTranslateStepScaling: each step of a step scaling policy becomes one threshold
// check whose bounds are the step's interval around the alarm's threshold (cut at the
// threshold on the alarm's side) and whose action is the step's adjustment.
func TestTranslateStepScaling(t *testing.T) {
	d := loadScalingFixture(t, map[string]string{
		"step.json": stepPolicyJSON, "in.json": scaleInPolicyJSON,
		"high.json": alarmJSON("high", "GreaterThanThreshold", 60, "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:6d8e1f3c-0b4a-4a7e-9c1d-2f5b8a9e7c10:resource/ecs/service/default/web:policyName/cpu-step"),
		"low.json":  alarmJSON("low", "LessThanThreshold", 20, "cpu-in"),
	})
	tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Job.TaskGroups[0].Scaling
	if s == nil || !*s.Enabled {
		t.Fatalf("scaling = %+v", s)
	}
	got, _ := json.MarshalIndent(s.Policy, "", "  ")
	want := `{
  "check": [
    {
      "cpu-in-step0": [
        {
          "group": "step-scaling",
          "query": "avg_cpu-allocated",
          "source": "nomad-apm",
          "strategy": [
            {
              "threshold": [
                {
                  "percentage": -50,
                  "upper_bound": 20,
                  "within_bounds_trigger": 1
                }
              ]
            }
          ]
        }
      ]
    },
    {
      "cpu-step-step0": [
        {
          "group": "step-scaling",
          "query": "avg_cpu-allocated",
          "source": "nomad-apm",
          "strategy": [
            {
              "threshold": [
                {
                  "delta": 1,
                  "lower_bound": 60,
                  "upper_bound": 80,
                  "within_bounds_trigger": 1
                }
              ]
            }
          ]
        }
      ]
    },
    {
      "cpu-step-step1": [
        {
          "group": "step-scaling",
          "query": "avg_cpu-allocated",
          "source": "nomad-apm",
          "strategy": [
            {
              "threshold": [
                {
                  "delta": 3,
                  "lower_bound": 80,
                  "within_bounds_trigger": 1
                }
              ]
            }
          ]
        }
      ]
    }
  ],
  "cooldown": "120s",
  "evaluation_interval": "10s"
}`
	if string(got) != want {
		t.Errorf("policy =\n%s\nwant\n%s", got, want)
	}
	var notes []string
	for _, n := range tr.Fidelity {
		notes = append(notes, n.Detail)
	}
	for _, w := range []string{`alarm "high" is evaluated by the Nomad Autoscaler every 10s`, "PercentChangeInCapacity: the new count is ceil"} {
		if !strings.Contains(strings.Join(notes, "\n"), w) {
			t.Errorf("no note with %q; notes:\n%s", w, strings.Join(notes, "\n"))
		}
	}
}

// TestTranslateRequestCountPerTarget: ALBRequestCountPerTarget becomes a target-value
// check on the prometheus source: the target group's request rate through the proxy per
// minute, per healthy target.
func TestTranslateRequestCountPerTarget(t *testing.T) {
	d := loadScalingFixture(t, map[string]string{
		"svc.json": `{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1,
		  "loadBalancers": [{"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 8080}]}`,
		"td.json": `{"family": "web", "containerDefinitions": [{"name": "app", "image": "demo:1", "cpu": 256, "memory": 64, "essential": true,
		  "portMappings": [{"containerPort": 8080}]}]}`,
		"lb.json": `{"Name": "front", "Type": "application", "Scheme": "internal"}`,
		"tg.json": `{"Name": "web-tg", "Protocol": "HTTP", "Port": 8080, "TargetType": "instance"}`,
		"req.json": strings.NewReplacer("cpu50", "requests", `"TargetValue": 50`, `"TargetValue": 600`,
			`"PredefinedMetricType": "ECSServiceAverageCPUUtilization"`, `"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": "app/front/50dc6c495c0c9188/targetgroup/web-tg/73e2d6bc24d8a067"`).Replace(policyJSON),
	})
	tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(tr.Job.TaskGroups[0].Scaling.Policy)
	want := `{"check":[{"requests":[{"query":"(sum(rate(traefik_service_requests_total{service=\"tg-web-tg@nomad-default\"}[30s])) or vector(0)) * 60 / clamp_min(sum(traefik_service_server_up{service=\"tg-web-tg@nomad-default\"}) or vector(0), 1)","query_window":"10s","source":"prometheus","strategy":[{"target-value":[{"target":600,"threshold":0.1}]}]}]}],"cooldown":"60s","evaluation_interval":"10s"}`
	if string(got) != want {
		t.Errorf("policy =\n  %s\nwant\n  %s", got, want)
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

// TestTranslateRequestCountAlarm: a step policy on an AWS/ApplicationELB
// RequestCountPerTarget alarm (Sum over Period) checks the proxy's requests per
// target over Period on the prometheus source.
func TestTranslateRequestCountAlarm(t *testing.T) {
	alarm, _ := json.Marshal(map[string]any{"AlarmName": "busy", "Namespace": "AWS/ApplicationELB", "MetricName": "RequestCountPerTarget",
		"Dimensions": []map[string]string{{"Name": "TargetGroup", "Value": "targetgroup/web-tg/73e2d6bc24d8a067"}},
		"Statistic":  "Sum", "Period": 120, "EvaluationPeriods": 1, "Threshold": 1000, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
		"AlarmActions": []string{"cpu-step"}})
	d := loadScalingFixture(t, map[string]string{
		"svc.json": `{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1,
		  "loadBalancers": [{"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 8080}]}`,
		"td.json": `{"family": "web", "containerDefinitions": [{"name": "app", "image": "demo:1", "cpu": 256, "memory": 64, "essential": true,
		  "portMappings": [{"containerPort": 8080}]}]}`,
		"tg.json":    `{"Name": "web-tg", "Protocol": "HTTP", "Port": 8080, "TargetType": "instance"}`,
		"step.json":  stepPolicyJSON,
		"alarm.json": string(alarm),
	})
	tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(tr.Job.TaskGroups[0].Scaling.Policy["check"])
	q, _ := json.Marshal(RequestsPerTargetQuery("default", "web-tg", 120))
	want := `[{"cpu-step-step0":[{"group":"step-scaling","query":` + string(q) + `,"query_window":"10s","source":"prometheus","strategy":[{"threshold":[{"delta":1,"lower_bound":1000,"upper_bound":1020,"within_bounds_trigger":1}]}]}]},` +
		`{"cpu-step-step1":[{"group":"step-scaling","query":` + string(q) + `,"query_window":"10s","source":"prometheus","strategy":[{"threshold":[{"delta":3,"lower_bound":1020,"within_bounds_trigger":1}]}]}]}]`
	if string(got) != want {
		t.Errorf("checks =\n  %s\nwant\n  %s", got, want)
	}
	if !strings.Contains(string(q), "* 120 /") {
		t.Errorf("query %s does not count over the alarm's Period (120 s)", q)
	}
}
