package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseScheduleExpression(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"rate(5 minutes)", ""}, {"rate(1 hour)", ""}, {"rate(1 hours)", "value 1"}, {"rate(0 minutes)", "positive"},
		{"cron(0 12 * * ? *)", ""}, {"cron(0 12 * * *)", "6 fields"}, {"cron(0 12 1 * MON *)", "exactly one"},
		{"at(2026-12-01T13:05:00)", ""}, {"at(2026-13-01T13:05:00)", "month out of range"}, {"every day", "want rate"},
	} {
		_, err := ParseScheduleExpression(tc.in)
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
		}
	}
	e, _ := ParseScheduleExpression("rate(90 minutes)")
	if e.Every != 90*time.Minute {
		t.Errorf("rate(90 minutes) = %s", e.Every)
	}
}

// TestScheduleValidation: each rule with its position in the schedule's file.
func TestScheduleValidation(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("report.json", `{"family":"report","containerDefinitions":[{"name":"app","image":"img:1","memory":32}]}`)
	write("bad.json", `{
  "Name": "bad name",
  "ScheduleExpression": "rate(5 minute)",
  "ScheduleExpressionTimezone": "Mars/Olympus",
  "State": "ON",
  "FlexibleTimeWindow": {"Mode": "FLEXIBLE"},
  "Target": {"Arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/x",
    "Input": "{\"containerOverrides\":[{\"name\":\"db\"}]}",
    "EcsParameters": {"TaskDefinitionArn": "report", "TaskCount": 11}}
}`)
	write("rule.json", `{"Name":"r","ScheduleExpression":"rate(1 day)","ScheduleExpressionTimezone":"UTC",
  "Targets":[{"Id":"1","Arn":"arn:aws:ecs:eu-west-1:123456789012:cluster/x","EcsParameters":{"TaskDefinitionArn":"nope"}}]}`)
	write("typo.json", `{"Name":"t","ScheduleExpression":"rate(1 day)","FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"a","EcsParameter":{}}}`)
	d, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, dg := range d.Diagnostics {
		got = append(got, strings.TrimPrefix(dg.String(), dir+"/"))
	}
	want := []string{
		`bad.json:2:11: error: Name "bad name": 1 to 64 letters, digits, '.', '_' or '-' [ECS-SCHED-001]`,
		`bad.json:3:25: error: ScheduleExpression "rate(5 minute)": write "minute" with the value 1 and "minutes" otherwise (rate(1 hour), rate(5 hours)) [ECS-SCHED-002]`,
		`bad.json:4:33: error: ScheduleExpressionTimezone "Mars/Olympus" is not a time zone (IANA names such as Europe/Paris, America/New_York, UTC) [ECS-SCHED-003]`,
		`bad.json:5:12: error: State "ON": ENABLED or DISABLED [ECS-SCHED-007]`,
		`bad.json:6:25: error: FlexibleTimeWindow FLEXIBLE needs MaximumWindowInMinutes 1 to 1440 [ECS-SCHED-006]`,
		`bad.json:9:67: error: EcsParameters.TaskCount 11: 1 to 10 [ECS-SCHED-005]`,
		`rule.json:1:77: error: ScheduleExpressionTimezone is a Scheduler setting; rules run in UTC [ECS-SCHED-003]`,
		`rule.json:2:114: error: EcsParameters.TaskDefinitionArn: no task definition of family "nope" in the repository [ECS-SCHED-004]`,
		`typo.json:1:104: error: Target: unknown field "EcsParameter": did you mean "EcsParameters"? [ECS-JSON-002]`,
		`bad.json:8:14: error: Input: overrides.containerOverrides[0]: task definition "report" has no container "db" (containers: [app]) [ECS-SCHED-008]`,
	}
	joined := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("missing diagnostic\n  %s\ngot:\n%s", w, joined)
		}
	}
	if len(d.Schedules) != 3 {
		t.Errorf("schedules: %d, want 3 (the invalid ones are kept, not deployed)", len(d.Schedules))
	}
}
