package nomadjob

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// Metrics of the proxy (docs/autoscaling.md, "Requests per target").
const (
	// PrometheusScrapeInterval is how often the cluster's Prometheus scrapes Traefik
	// (scripts/prometheus.sh writes the same value).
	PrometheusScrapeInterval = "2s"
	// requestRateWindow is the PromQL rate() window of the request counters: long enough
	// for several scrapes, short enough to follow a load change within an evaluation or
	// two (ALB's metric is a 1-minute sum).
	requestRateWindow = "30s"
	// prometheusQueryWindow is the range the prometheus APM queries (1 s steps); the
	// target-value strategy uses its last point.
	prometheusQueryWindow = "10s"
	// StepScalingCheckGroup is the check group of every step check (see
	// stepScalingChecks).
	StepScalingCheckGroup = "step-scaling"
	// defaultStepCooldown is Application Auto Scaling's Cooldown of a step scaling
	// policy for an ECS service when none is given.
	defaultStepCooldown = 300
)

// RequestsPerTargetQuery is the PromQL query of a target group's requests per target
// over seconds (60: ALBRequestCountPerTarget's per-minute count): the proxy's request
// rate to the target group's Traefik service, times seconds, divided by the number of
// the service's servers the proxy counts up (its active health check of the target
// group's path; ALB divides by the healthy targets). No traffic at all gives 0, not an
// empty result (no series yet), so an idle service scales in; no healthy target divides
// by 1.
func RequestsPerTargetQuery(namespace, targetGroup string, seconds int) string {
	// Traefik names a service of its Nomad provider NAME@nomad-NAMESPACE.
	svc := TargetGroupServiceName(targetGroup) + "@nomad-" + namespace
	return fmt.Sprintf(`(sum(rate(traefik_service_requests_total{service=%q}[%s])) or vector(0)) * %d / clamp_min(sum(traefik_service_server_up{service=%q}) or vector(0), 1)`,
		svc, requestRateWindow, seconds, svc)
}

// alarmStatisticOps maps an AWS/ECS alarm's Statistic to the nomad-apm operation over
// the group's allocations.
var alarmStatisticOps = map[string]string{"Average": "avg", "Maximum": "max", "Minimum": "min"}

// stepScalingChecks translates a step scaling policy and the alarms that trigger it
// into threshold-strategy checks: one per (alarm, step), whose bounds are the step's
// interval moved by the alarm's threshold and cut to the side where the alarm is in
// ALARM, and whose action is the step's adjustment. The second result is the policy's
// cooldown in seconds.
func (t *translator) stepScalingChecks(doc *spec.ScalingDoc) ([]any, int) {
	p := doc.Policy
	c := p.StepScalingPolicyConfiguration
	ref := fieldRef{display: "StepScalingPolicyConfiguration", pos: "StepScalingPolicyConfiguration", fields: doc.Fields, file: doc.Pos}
	links := t.svc.Scaling.Alarms[p.PolicyName]
	if len(links) == 0 {
		t.notes.unsupported(ref, "step scaling policy %q is not translated: no alarm in the repository names it in AlarmActions, so it never acts", p.PolicyName)
		return nil, 0
	}
	susp := t.svc.Scaling.Target.SuspendedState
	cooldown := defaultStepCooldown
	if c.Cooldown != nil {
		cooldown = *c.Cooldown
	}
	if c.MinAdjustmentMagnitude != nil && c.AdjustmentType == "PercentChangeInCapacity" {
		t.notes.approx(ref.child("MinAdjustmentMagnitude"), RuleScaling,
			"MinAdjustmentMagnitude %d is not applied: the threshold strategy changes the count by ceil(count × percentage) with no minimum", *c.MinAdjustmentMagnitude)
	}
	if c.AdjustmentType == "PercentChangeInCapacity" {
		t.notes.approx(ref.child("AdjustmentType"), RuleScaling,
			"PercentChangeInCapacity: the new count is ceil(count × (1 + percentage/100)); Application Auto Scaling rounds the change toward zero (at least 1 task)")
	}
	var checks []any
	for _, link := range links {
		m := link.Alarm.Alarm
		aref := fieldRef{display: "alarm " + m.AlarmName, pos: "", fields: link.Alarm.Fields, file: link.Alarm.Pos}
		source, query, window := t.alarmQuery(m)
		if c.MetricAggregationType != "" && m.Namespace == spec.AlarmNamespaceECS && c.MetricAggregationType != m.Statistic {
			t.notes.approx(ref.child("MetricAggregationType"), RuleScaling,
				"MetricAggregationType %s differs from alarm %q's Statistic %s: the check evaluates the alarm's statistic", c.MetricAggregationType, m.AlarmName, m.Statistic)
		}
		t.notes.approx(aref, RuleScaling,
			"alarm %q is evaluated by the Nomad Autoscaler every %s on the current value of %s (one datapoint), not on %d breaching period(s) of %d s; while it is in ALARM the step acts again after each cooldown, as on ECS",
			m.AlarmName, ScalingEvaluationInterval, m.MetricName, derefInt(m.EvaluationPeriods), derefInt(m.Period))
		thr := *m.Threshold
		for i, step := range c.StepAdjustments {
			lo, hi := math.Inf(-1), math.Inf(1)
			if step.MetricIntervalLowerBound != nil {
				lo = thr + *step.MetricIntervalLowerBound
			}
			if step.MetricIntervalUpperBound != nil {
				hi = thr + *step.MetricIntervalUpperBound
			}
			// The step acts only while the alarm is in ALARM.
			if m.Breaches() {
				lo = math.Max(lo, thr)
			} else {
				hi = math.Min(hi, thr)
			}
			if lo >= hi {
				t.notes.approx(ref.child(fmt.Sprintf("StepAdjustments[%d]", i)), RuleScaling,
					"step %d of %q lies outside where alarm %q is in ALARM (%s %v): it never acts and is left out", i, p.PolicyName, m.AlarmName, m.ComparisonOperator, thr)
				continue
			}
			adj := *step.ScalingAdjustment
			if susp != nil && (susp.DynamicScalingInSuspended && adj < 0 && c.AdjustmentType != "ExactCapacity" ||
				susp.DynamicScalingOutSuspended && adj > 0 && c.AdjustmentType != "ExactCapacity") {
				continue // SuspendedState: that direction does not act
			}
			strategy := map[string]any{"within_bounds_trigger": 1}
			if !math.IsInf(lo, -1) {
				strategy["lower_bound"] = lo
			}
			if !math.IsInf(hi, 1) {
				strategy["upper_bound"] = hi
			}
			switch c.AdjustmentType {
			case "ChangeInCapacity":
				strategy["delta"] = adj
			case "PercentChangeInCapacity":
				strategy["percentage"] = adj
			case "ExactCapacity":
				strategy["value"] = adj
			}
			check := map[string]any{
				"source": source,
				"query":  query,
				// One group for every step: the Nomad Autoscaler lets a check that does not
				// act ("none") veto another's scale-in unless both are in the same group,
				// where "none" votes are ignored. ECS runs each alarm's policy on its own,
				// so the scale-out step that is not in ALARM must not block the scale-in
				// alarm's step.
				"group":    StepScalingCheckGroup,
				"strategy": []any{map[string]any{"threshold": []any{strategy}}},
			}
			if window != "" {
				check["query_window"] = window
			}
			name := p.PolicyName + "-step" + strconv.Itoa(i)
			if len(links) > 1 {
				name = p.PolicyName + "-" + m.AlarmName + "-step" + strconv.Itoa(i)
			}
			checks = append(checks, map[string]any{name: []any{check}})
		}
	}
	return checks, cooldown
}

// alarmQuery is the source and query of an alarm's metric.
func (t *translator) alarmQuery(m *spec.MetricAlarm) (source, query, window string) {
	switch m.MetricName {
	case spec.AlarmMetricCPU:
		return NomadAPMSource, alarmStatisticOps[m.Statistic] + "_cpu-allocated", ""
	case spec.AlarmMetricMemory:
		return NomadAPMSource, alarmStatisticOps[m.Statistic] + "_memory-allocated", ""
	default: // RequestCountPerTarget, Sum over Period
		tg := ""
		if dim := m.Dimension("TargetGroup"); dim != "" {
			if parts := strings.SplitN(dim, "/", 3); len(parts) == 3 {
				tg = parts[1]
			}
		}
		return PrometheusSource, RequestsPerTargetQuery(t.cfg.Namespace, tg, derefInt(m.Period)), prometheusQueryWindow
	}
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
