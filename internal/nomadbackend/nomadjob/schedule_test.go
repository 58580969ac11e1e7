package nomadjob

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/cronexpr"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// EventBridge cron fields become cronexpr's six fields; the day of week moves from
// 1–7 (SUN–SAT) to 0–6, everything else is the same.
func TestAWSDayOfWeek(t *testing.T) {
	for in, want := range map[string]string{"?": "?", "*": "*", "MON-FRI": "MON-FRI", "2-6": "1-5", "1,7": "0,6", "6#3": "5#3", "6L": "5L", "2/2": "1/2"} {
		if got := awsDayOfWeek(in); got != want {
			t.Errorf("awsDayOfWeek(%q) = %q, want %q", in, got, want)
		}
	}
	// cron(30 2 ? * 2-6 *) is 02:30 Monday to Friday: after Friday 2026-12-04 03:00
	// comes Monday 2026-12-07 02:30.
	e := cronexpr.MustParse("30 2 ? * " + awsDayOfWeek("2-6") + " *")
	if next := e.Next(time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)); !next.Equal(time.Date(2026, 12, 7, 2, 30, 0, 0, time.UTC)) {
		t.Errorf("next = %s", next)
	}
}

func TestRateCron(t *testing.T) {
	for _, tc := range []struct {
		every time.Duration
		spec  string
		exact bool
	}{
		{time.Minute, "*/1 * * * * *", true}, {15 * time.Minute, "*/15 * * * * *", true}, {7 * time.Minute, "*/7 * * * * *", false},
		{2 * time.Hour, "0 */2 * * * *", true}, {5 * time.Hour, "0 */5 * * * *", false}, {24 * time.Hour, "0 0 * * * *", true},
		{72 * time.Hour, "0 0 */3 * * *", false}, {90 * time.Minute, "0 */1 * * * *", false},
	} {
		spec, exact := rateCron(tc.every)
		if spec != tc.spec || exact != tc.exact {
			t.Errorf("rate %s: %q exact=%v, want %q exact=%v", tc.every, spec, exact, tc.spec, tc.exact)
		}
		if _, err := cronexpr.Parse(spec); err != nil {
			t.Errorf("%q: %v", spec, err)
		}
	}
}

// A Scheduler schedule in Europe/Paris becomes a periodic batch job with the cron in
// that time zone, the Input's overrides applied, and the flexible window reported.
func TestTranslateSchedule(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ecsgit.yaml", "version: 1\nschedules:\n  nightly:\n    prohibitOverlap: true\n")
	write("report.json", `{"family":"report","containerDefinitions":[{"name":"app","image":"img:1","memory":32,"command":["serve"]}]}`)
	write("nightly.json", `{"Name":"nightly","ScheduleExpression":"cron(30 2 ? * 2-6 *)","ScheduleExpressionTimezone":"Europe/Paris",
		"FlexibleTimeWindow":{"Mode":"FLEXIBLE","MaximumWindowInMinutes":15},
		"Target":{"Arn":"arn:aws:ecs:eu-west-1:123456789012:cluster/x","Input":"{\"containerOverrides\":[{\"name\":\"app\",\"command\":[\"report\"]}]}",
		"EcsParameters":{"TaskDefinitionArn":"report","TaskCount":2,"Group":"reports",
		"PlacementConstraints":[{"Type":"memberOf","Expression":"attribute:ecs.availability-zone == b"}]}}}`)
	d, err := spec.Load(dir, spec.LoadOptions{})
	if err != nil || d.Diagnostics.HasErrors(false) {
		t.Fatalf("load: %v %v", err, d.Diagnostics)
	}
	if len(d.Services) != 1 || d.Services[0].ServiceName != "schedule-nightly" {
		t.Fatalf("services: %+v", d.Services)
	}
	tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "s"})
	if err != nil {
		t.Fatal(err)
	}
	j := tr.Job
	p := j.Periodic
	if *j.ID != "schedule-nightly" || *j.Type != "batch" || p == nil || p.Specs[0] != "30 2 ? * 1-5 *" || *p.TimeZone != "Europe/Paris" || !*p.ProhibitOverlap || !*p.Enabled {
		t.Fatalf("job %s type %s periodic %+v", *j.ID, *j.Type, p)
	}
	tg := j.TaskGroups[0]
	if *tg.Count != 2 || tg.Update != nil || *tg.ReschedulePolicy.Attempts != 0 || tg.Tasks[0].Config["args"].([]string)[0] != "report" {
		t.Errorf("group: count %d update %v args %v", *tg.Count, tg.Update, tg.Tasks[0].Config["args"])
	}
	if j.Meta[MetaKind] != KindSchedule || j.Meta[MetaSchedule] != "nightly" || j.Meta[MetaGroup] != "reports" {
		t.Errorf("meta %v", j.Meta)
	}
	var zone bool
	for _, c := range append(j.Constraints, tg.Constraints...) {
		zone = zone || c.LTarget == "${meta.zone}" && c.RTarget == "b"
	}
	if !zone {
		t.Errorf("the target's memberOf constraint is not on the job: %+v %+v", j.Constraints, tg.Constraints)
	}
	var window bool
	for _, n := range tr.Fidelity {
		window = window || n.Rule == RuleScheduleWindow
		if strings.HasPrefix(n.Field, "deploymentConfiguration") {
			t.Errorf("a service-only note on a schedule: %+v", n)
		}
	}
	if !window || tr.Periodic == nil || tr.Periodic.Cron != p.Specs[0] {
		t.Errorf("fidelity %+v periodic %+v", tr.Fidelity, tr.Periodic)
	}
}
