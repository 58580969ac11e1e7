package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const scalingTD = `{"family": "web", "containerDefinitions": [{"name": "app", "image": "demo:1", "memory": 64, "essential": true}]}`
const scalingSvc = `{"serviceName": "web", "taskDefinition": "web", "desiredCount": 2}`

const goodTarget = `{
  "ServiceNamespace": "ecs",
  "ResourceId": "service/default/web",
  "ScalableDimension": "ecs:service:DesiredCount",
  "MinCapacity": 2,
  "MaxCapacity": 10
}`

func cpuPolicy(resource, metric string) string {
	return `{
  "PolicyName": "cpu70",
  "ServiceNamespace": "ecs",
  "ResourceId": "` + resource + `",
  "ScalableDimension": "ecs:service:DesiredCount",
  "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {
    "TargetValue": 70.0,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "` + metric + `"},
    "ScaleOutCooldown": 60,
    "ScaleInCooldown": 120
  }
}`
}

func loadScalingRepo(t *testing.T, files map[string]string) *Desired {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Positions relative to the repository, as a user reads them.
	for i := range d.Diagnostics {
		d.Diagnostics[i].Pos.File = strings.TrimPrefix(d.Diagnostics[i].Pos.File, dir+string(filepath.Separator))
	}
	return d
}

// TestScalingValidation: each bad Application Auto Scaling input gets its rule with
// the file, line and column of the offending value.
func TestScalingValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string // a diagnostic's String()
	}{
		{
			name: "min greater than max",
			files: map[string]string{"target.json": `{
  "ServiceNamespace": "ecs",
  "ResourceId": "service/default/web",
  "ScalableDimension": "ecs:service:DesiredCount",
  "MinCapacity": 5,
  "MaxCapacity": 2
}`},
			want: "target.json:5:18: error: MinCapacity 5 is greater than MaxCapacity 2: the minimum must be at most the maximum [ECS-AAS-002]",
		},
		{
			name:  "unknown metric",
			files: map[string]string{"target.json": goodTarget, "policy.json": cpuPolicy("service/default/web", "ECSServiceAverageCPU")},
			want:  `policy.json:9:63: error: PredefinedMetricType "ECSServiceAverageCPU" is not a metric of ECS services; allowed: ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization, ALBRequestCountPerTarget [ECS-AAS-003]`,
		},
		{
			name:  "policy without a scalable target",
			files: map[string]string{"policy.json": cpuPolicy("service/default/web", MetricECSCPU)},
			want:  `policy.json:4:17: error: scaling policy "cpu70" for ResourceId "service/default/web": no scalable target is registered for it; add a register-scalable-target definition with this ResourceId, MinCapacity and MaxCapacity [ECS-AAS-004]`,
		},
		{
			name:  "target for a service that does not exist",
			files: map[string]string{"target.json": strings.Replace(goodTarget, "default/web", "default/wbe", 1)},
			want:  `target.json:3:17: error: ResourceId "service/default/wbe": no service named "wbe" in the repository (a scalable target needs the service it scales); did you mean "web"? [ECS-AAS-005]`,
		},
		{
			name:  "resource id syntax",
			files: map[string]string{"target.json": strings.Replace(goodTarget, "service/default/web", "web", 1)},
			want:  `target.json:3:17: error: ResourceId "web": expected "service/CLUSTER/SERVICE" (e.g. "service/default/web") [ECS-AAS-001]`,
		},
		{
			name: "bad cron",
			files: map[string]string{"target.json": goodTarget, "night.json": `{
  "ServiceNamespace": "ecs",
  "ScheduledActionName": "night",
  "ResourceId": "service/default/web",
  "ScalableDimension": "ecs:service:DesiredCount",
  "Schedule": "cron(0 22 * * * *)",
  "ScalableTargetAction": {"MinCapacity": 1, "MaxCapacity": 2}
}`},
			want: `night.json:6:15: error: Schedule "cron(0 22 * * * *)": cron(): exactly one of day-of-month and day-of-week must be ? [ECS-AAS-006]`,
		},
		{
			name: "bad time zone",
			files: map[string]string{"target.json": goodTarget, "night.json": `{
  "ServiceNamespace": "ecs",
  "ScheduledActionName": "night",
  "ResourceId": "service/default/web",
  "ScalableDimension": "ecs:service:DesiredCount",
  "Schedule": "cron(0 22 * * ? *)",
  "Timezone": "Europe/Berln",
  "ScalableTargetAction": {"MinCapacity": 1}
}`},
			want: `night.json:7:15: error: Timezone "Europe/Berln": not an IANA time zone name (e.g. "UTC", "Europe/Berlin", "America/New_York") [ECS-AAS-006]`,
		},
		{
			name:  "misspelled member",
			files: map[string]string{"target.json": strings.Replace(goodTarget, "MaxCapacity", "MaximumCapacity", 1)},
			want:  `target.json:6:3: error: (top level): unknown field "MaximumCapacity": did you mean "MaxCapacity"? [ECS-JSON-002]`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"td.json": scalingTD, "svc.json": scalingSvc}
			for k, v := range tc.files {
				files[k] = v
			}
			d := loadScalingRepo(t, files)
			var got []string
			for _, dg := range d.Diagnostics {
				got = append(got, dg.String())
			}
			for _, g := range got {
				if g == tc.want {
					return
				}
			}
			t.Errorf("want diagnostic\n  %s\ngot\n  %s", tc.want, strings.Join(got, "\n  "))
		})
	}
}

func TestScalingAttachesToService(t *testing.T) {
	d := loadScalingRepo(t, map[string]string{
		"td.json": scalingTD, "svc.json": scalingSvc, "target.json": goodTarget,
		"policy.json": cpuPolicy("service/default/web", MetricECSCPU),
	})
	if d.Diagnostics.HasErrors(false) {
		t.Fatalf("unexpected errors: %v", d.Diagnostics)
	}
	s := d.Services[0].Scaling
	if s == nil || s.Min() != 2 || s.Max() != 10 || len(s.Policies) != 1 {
		t.Fatalf("scaling not attached: %+v", s)
	}
	if got := *s.Policies[0].Policy.TargetTrackingScalingPolicyConfiguration.TargetValue; got != 70 {
		t.Errorf("TargetValue = %v", got)
	}
}

func TestScheduleNext(t *testing.T) {
	after := time.Date(2026, 12, 1, 12, 0, 30, 0, time.UTC)
	for _, tc := range []struct{ expr, tz, want string }{
		{"at(2026-12-01T12:05:00)", "", "2026-12-01T12:05:00Z"},
		{"at(2026-12-01T13:05:00)", "Europe/Berlin", "2026-12-01T12:05:00Z"},
		{"rate(5 minutes)", "", "2026-12-01T12:05:00Z"},
		{"cron(30 9 ? * MON-FRI *)", "UTC", "2026-12-02T09:30:00Z"},
		{"cron(0 9 * * ? *)", "America/New_York", "2026-12-01T14:00:00Z"},
		{"cron(*/15 * * * ? *)", "", "2026-12-01T12:15:00Z"},
		{"cron(0 0 1 JAN ? 2027)", "", "2027-01-01T00:00:00Z"},
	} {
		s, err := ParseScalingSchedule(tc.expr, tc.tz)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		next, ok := s.Next(after, time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
		if !ok || next.UTC().Format(time.RFC3339) != tc.want {
			t.Errorf("%s (%s): next = %v %v, want %s", tc.expr, tc.tz, next.UTC(), ok, tc.want)
		}
	}
}

// TestRangeAt: the range in force is the target's, changed by the scheduled actions in
// the order they last fired; an action outside its StartTime/EndTime does not count.
func TestRangeAt(t *testing.T) {
	action := func(name, schedule, start, end string, min, max *int) *ScalingDoc {
		return &ScalingDoc{Action: &ScheduledAction{ScheduledActionName: name, Schedule: schedule, StartTime: start, EndTime: end,
			ScalableTargetAction: &ScalableTargetAction{MinCapacity: min, MaxCapacity: max}}}
	}
	n := func(i int) *int { return &i }
	s := &ServiceScaling{Target: &ScalableTarget{MinCapacity: n(2), MaxCapacity: n(10)}, Scheduled: []*ScalingDoc{
		action("morning", "cron(0 8 * * ? *)", "", "", n(5), nil),
		action("evening", "cron(0 20 * * ? *)", "", "", n(1), n(4)),
		action("launch", "at(2026-12-24T12:00:00)", "", "", n(20), n(40)),
		action("expired", "cron(0 9 * * ? *)", "", "2026-01-01T00:00:00Z", n(7), n(7)),
	}}
	for _, tc := range []struct {
		at       string
		min, max int
		by       string
	}{
		{"2026-12-01T09:30:00Z", 5, 5, "morning"}, // evening ([1, 4]) fired yesterday, morning (min 5) today raises max to 5
		{"2026-12-01T21:00:00Z", 1, 4, "evening"},
		{"2026-12-24T12:00:00Z", 20, 40, "launch"},
	} {
		now, _ := time.Parse(time.RFC3339, tc.at)
		r := s.RangeAt(now)
		by := ""
		if r.By != nil {
			by = r.By.Action.ScheduledActionName
		}
		if r.Min != tc.min || r.Max != tc.max || by != tc.by {
			t.Errorf("RangeAt(%s) = [%d, %d] by %q, want [%d, %d] by %q", tc.at, r.Min, r.Max, by, tc.min, tc.max, tc.by)
		}
	}
	if r := s.RangeAt(time.Time{}); r.Min != 2 || r.Max != 10 {
		t.Errorf("RangeAt(zero) = %+v, want the target's [2, 10]", r)
	}
}
