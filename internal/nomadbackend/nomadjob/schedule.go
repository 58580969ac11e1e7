package nomadjob

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/cronexpr"
	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// Fidelity rules of schedules.
const (
	RuleScheduleRate     = "FID-SCHEDULE-RATE"
	RuleScheduleWindow   = "FID-SCHEDULE-WINDOW"
	RuleScheduleDates    = "FID-SCHEDULE-DATES"
	RuleScheduleDelete   = "FID-SCHEDULE-DELETE"
	RuleScheduleTarget   = "FID-SCHEDULE-TARGET"
	MetaSchedule         = "ecsgit.schedule"
	scheduleDefaultTZone = "UTC"
)

// schedule makes the translated job of a schedule's service a Nomad periodic batch
// job: each launch is one run of the ECS target (TaskCount tasks), with the cron spec in
// the schedule's time zone. What Nomad cannot run exactly is noted.
func (t *translator) schedule(job *api.Job) error {
	s := t.svc.Schedule
	batchify(job, t.td)
	job.Meta[MetaKind] = KindSchedule
	job.Meta[MetaSchedule] = s.Name
	// The family only: the revision is assigned at apply, and list-tasks shows it.
	job.Meta[MetaTaskDefinition] = t.td.Family
	expr, err := spec.ParseScheduleExpression(s.ScheduleExpression)
	if err != nil {
		return fmt.Errorf("schedule %s: %w", s.Name, err)
	}
	cron, err := t.cronSpec(expr)
	if err != nil {
		return fmt.Errorf("schedule %s: %w", s.Name, err)
	}
	tz := s.ScheduleExpressionTimezone
	if tz == "" {
		tz = scheduleDefaultTZone
	}
	job.Periodic = &api.PeriodicConfig{
		Enabled: new(s.State != "DISABLED"), SpecType: new(api.PeriodicSpecCron), Specs: []string{cron},
		ProhibitOverlap: new(s.ProhibitOverlap), TimeZone: new(tz),
	}
	if tg := t.ecsTarget(); tg != nil && tg.EcsParameters.Group != "" {
		job.Meta[MetaGroup] = tg.EcsParameters.Group
	}
	job.Meta[MetaStartedBy] = "events-rule/" + s.Name
	if s.Kind == spec.ScheduleScheduler {
		job.Meta[MetaStartedBy] = "scheduler/" + s.Name
	}
	t.scheduleNotes()
	return nil
}

func (t *translator) ecsTarget() *spec.ScheduleTarget { return t.svc.Schedule.EcsTarget() }

// cronSpec is the Nomad cron spec (cronexpr's six fields: minute hour day-of-month
// month day-of-week year) of a ScheduleExpression.
func (t *translator) cronSpec(e spec.Expression) (string, error) {
	var spec string
	switch e.Kind {
	case "cron":
		f := append([]string(nil), e.Cron...)
		f[4] = awsDayOfWeek(f[4])
		spec = strings.Join(f, " ")
	case "at":
		a := e.At
		spec = fmt.Sprintf("%d %d %d %d ? %d", a.Minute(), a.Hour(), a.Day(), int(a.Month()), a.Year())
	case "rate":
		var exact bool
		spec, exact = rateCron(e.Every)
		ref := t.svcField("ScheduleExpression")
		if exact {
			t.notes.approx(ref, RuleScheduleRate, "runs at clock-aligned times (cron %q); EventBridge counts the rate from when the schedule was created", spec)
		} else {
			t.notes.approx(ref, RuleScheduleRate, "%s is not a cron interval: runs on cron %q, so the interval restarts at each hour/day/month boundary (shorter gaps there)", t.svc.Schedule.ScheduleExpression, spec)
		}
	}
	if _, err := cronexpr.Parse(spec); err != nil {
		return "", fmt.Errorf("cron spec %q of %q: %w", spec, t.svc.Schedule.ScheduleExpression, err)
	}
	return spec, nil
}

// rateCron is the cron spec of a rate, and whether it keeps the interval exactly (a
// divisor of the next larger unit).
func rateCron(d time.Duration) (string, bool) {
	switch m := int(d / time.Minute); {
	case m < 60:
		return fmt.Sprintf("*/%d * * * * *", m), 60%m == 0
	case m%(24*60) == 0:
		days := m / (24 * 60)
		if days == 1 {
			return "0 0 * * * *", true
		}
		return fmt.Sprintf("0 0 */%d * * *", days), false
	case m%60 == 0:
		h := m / 60
		return fmt.Sprintf("0 */%d * * * *", h), 24%h == 0
	default: // more than an hour, not whole hours: the whole hours below it
		return fmt.Sprintf("0 */%d * * * *", m/60), false
	}
}

// awsDayOfWeek converts EventBridge's day-of-week field (1–7 = SUN–SAT) to cronexpr's
// (0–6 = SUN–SAT); names, '?', '*', 'L' and '#' mean the same in both.
func awsDayOfWeek(f string) string {
	items := strings.Split(f, ",")
	for i, it := range items {
		base, step, hasStep := strings.Cut(it, "/")
		var parts []string
		for _, p := range strings.Split(base, "-") {
			parts = append(parts, shiftDay(p))
		}
		items[i] = strings.Join(parts, "-")
		if hasStep {
			items[i] += "/" + step
		}
	}
	return strings.Join(items, ",")
}

// shiftDay shifts the leading number of "N", "NL" or "N#K".
func shiftDay(p string) string {
	j := 0
	for j < len(p) && p[j] >= '0' && p[j] <= '9' {
		j++
	}
	if j == 0 {
		return p
	}
	n, _ := strconv.Atoi(p[:j])
	return strconv.Itoa(n-1) + p[j:]
}

// scheduleNotes reports what a periodic job cannot carry out of the schedule.
func (t *translator) scheduleNotes() {
	s := t.svc.Schedule
	if w := s.FlexibleTimeWindow; w != nil && w.Mode == "FLEXIBLE" {
		t.notes.approx(t.svcField("FlexibleTimeWindow"), RuleScheduleWindow,
			"runs exactly at the scheduled time; EventBridge starts it at some moment within %d minutes after (Nomad has no start window)", *w.MaximumWindowInMinutes)
	}
	if s.StartDate != "" || s.EndDate != "" {
		t.notes.unsupported(t.svcField("StartDate"), "StartDate/EndDate are not applied: the Nomad periodic job runs from its registration until it is removed from Git or disabled (State DISABLED)")
	}
	if s.ActionAfterCompletion == "DELETE" {
		t.notes.approx(t.svcField("ActionAfterCompletion"), RuleScheduleDelete, "after its last run the schedule is not deleted: the periodic job stays registered (launching nothing) until it is removed from Git")
	}
	tg := t.ecsTarget()
	if tg == nil {
		return
	}
	if len(tg.RetryPolicy) > 0 || len(tg.DeadLetterConfig) > 0 {
		t.notes.unsupported(t.svcField("Target"), "RetryPolicy/DeadLetterConfig are not applied: a launch Nomad cannot place is not retried (Nomad's periodic launcher has no retry)")
	}
	p := tg.EcsParameters
	for _, f := range []struct {
		name string
		set  bool
	}{{"NetworkConfiguration", len(p.NetworkConfiguration) > 0}, {"CapacityProviderStrategy", len(p.CapacityProviderStrategy) > 0},
		{"PropagateTags", p.PropagateTags != ""}, {"Tags", len(p.Tags) > 0}, {"EnableExecuteCommand", p.EnableExecuteCommand != nil}} {
		if f.set {
			t.notes.unsupported(t.svcField("Target"), "EcsParameters.%s of a schedule is not translated yet: the tasks run with the task definition's settings only", f.name)
		}
	}
}
