package nomadjob

import (
	"fmt"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// RuleScaling is the fidelity rule of Application Auto Scaling translated onto the Nomad
// Autoscaler (docs/autoscaling.md).
const RuleScaling = "FID-NOMAD-SCALING"

// Scaling policy settings of the translation (docs/autoscaling.md).
const (
	// ScalingEvaluationInterval is how often the Nomad Autoscaler evaluates a service's
	// policy. Application Auto Scaling evaluates 1-minute CloudWatch datapoints.
	ScalingEvaluationInterval = "10s"
	// scalingThreshold is the target-value strategy's dead band: no action while the
	// metric is within ±10 % of the target. It damps scale-in (and scale-out) the way
	// target tracking's datapoint counts do, without CloudWatch's alarms.
	scalingThreshold = 0.1
	// ECS's default cooldowns of a target tracking policy for an ECS service.
	defaultScaleOutCooldown = 300
	defaultScaleInCooldown  = 300
	// NomadAPMSource is the Nomad Autoscaler's built-in APM of allocation metrics.
	NomadAPMSource = "nomad-apm"
	// PrometheusSource is the autoscaler's prometheus APM, configured by
	// scripts/autoscaler.sh to query the cluster's Prometheus (scripts/prometheus.sh),
	// which scrapes the proxy's request counters.
	PrometheusSource = "prometheus"
)

// scalingQueries maps the predefined metrics ecsgit translates to nomad-apm queries:
// the average over the group's allocations of usage as a percentage of the reservation,
// which is what ECSService* utilization means (usage / the task's reserved cpu or
// memory).
var scalingQueries = map[string]string{
	spec.MetricECSCPU:    "avg_cpu-allocated",
	spec.MetricECSMemory: "avg_memory-allocated",
}

// ScalingRange is the count range of a service with a scalable target.
type ScalingRange struct{ Min, Max int }

// scaling writes the group's `scaling` block from the service's scalable target and its
// target tracking policies, so the policy lives with the job (the Nomad Autoscaler reads
// it from Nomad).
func (t *translator) scaling(tg *api.TaskGroup) {
	s := t.svc.Scaling
	if s == nil || t.isDaemon() {
		return
	}
	ref := func(doc *spec.ScalingDoc, path string) fieldRef {
		return fieldRef{display: path, pos: path, fields: doc.Fields, file: doc.Pos}
	}
	rng := s.RangeAt(t.opts.Now)
	min, max := int64(rng.Min), int64(rng.Max)
	enabled := true
	susp := s.Target.SuspendedState
	var cooldown int
	checks := []any{}
	for _, doc := range s.Policies {
		p := doc.Policy
		if p.PolicyType != "TargetTrackingScaling" {
			stepChecks, stepCooldown := t.stepScalingChecks(doc)
			if len(stepChecks) > 0 {
				checks = append(checks, stepChecks...)
				cooldown = maxInt(cooldown, stepCooldown)
			}
			continue
		}
		c := p.TargetTrackingScalingPolicyConfiguration
		metric := ""
		if c.PredefinedMetricSpecification != nil {
			metric = c.PredefinedMetricSpecification.PredefinedMetricType
		}
		source, query, window := NomadAPMSource, scalingQueries[metric], ""
		if metric == spec.MetricALBRequestRate {
			_, tg := spec.ALBTargetGroupOfLabel(c.PredefinedMetricSpecification.ResourceLabel)
			source, query, window = PrometheusSource, RequestsPerTargetQuery(t.cfg.Namespace, tg, 60), prometheusQueryWindow
			t.notes.approx(ref(doc, "TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification"), RuleScaling,
				"ALBRequestCountPerTarget of target group %q: the proxy's request rate to the target group over the last %s, per minute, divided by the number of targets the proxy counts healthy (Prometheus on Traefik's metrics, scraped every %s); ALB counts the requests of each 1-minute period", tg, requestRateWindow, PrometheusScrapeInterval)
		}
		if query == "" {
			t.notes.unsupported(ref(doc, "TargetTrackingScalingPolicyConfiguration"),
				"target tracking policy %q is not translated: CustomizedMetricSpecification (a CloudWatch metric) has no source on the cluster; the service scales on its other policies only", p.PolicyName)
			continue
		}
		out, in := defaultScaleOutCooldown, defaultScaleInCooldown
		if c.ScaleOutCooldown != nil {
			out = *c.ScaleOutCooldown
		}
		if c.ScaleInCooldown != nil {
			in = *c.ScaleInCooldown
		}
		// The Nomad Autoscaler has one cooldown per policy, after any action; the larger of
		// the two never scales sooner than Application Auto Scaling would.
		cooldown = maxInt(cooldown, maxInt(out, in))
		if out != in {
			t.notes.approx(ref(doc, "TargetTrackingScalingPolicyConfiguration"), RuleScaling,
				"ScaleOutCooldown %d s and ScaleInCooldown %d s: the Nomad Autoscaler has one cooldown after any scaling action; ecsgit uses the larger, %d s, so scale-out after a scaling action may wait longer than on ECS", out, in, maxInt(out, in))
		}
		strategy := map[string]any{"target": *c.TargetValue, "threshold": scalingThreshold}
		if c.DisableScaleIn || susp != nil && susp.DynamicScalingInSuspended {
			strategy["max_scale_down"] = 0
		}
		if susp != nil && susp.DynamicScalingOutSuspended {
			strategy["max_scale_up"] = 0
		}
		check := map[string]any{
			"source":   source,
			"query":    query,
			"strategy": []any{map[string]any{"target-value": []any{strategy}}},
		}
		if window != "" {
			check["query_window"] = window
		}
		checks = append(checks, map[string]any{p.PolicyName: []any{check}})
	}
	if susp != nil && susp.DynamicScalingInSuspended && susp.DynamicScalingOutSuspended {
		enabled = false
	}
	if len(checks) == 0 {
		// A target without translated policies only bounds the count: scheduled
		// actions and manual scaling stay within [min, max].
		enabled = false
	}
	if cooldown == 0 {
		cooldown = defaultScaleOutCooldown
	}
	policy := map[string]any{
		"cooldown":            fmt.Sprintf("%ds", cooldown),
		"evaluation_interval": ScalingEvaluationInterval,
	}
	if len(checks) > 0 {
		policy["check"] = checks
	}
	tg.Scaling = &api.ScalingPolicy{Min: &min, Max: &max, Enabled: &enabled, Policy: policy}
	// desiredCount (the group's count) is already within [min, max]; say so when Git's
	// value is not (RegisterScalableTarget moves the desired count into the range).
	if git := t.gitDesiredCount(); t.opts.LiveCount == nil && (int64(git) < min || int64(git) > max) {
		t.notes.approx(t.svcField("desiredCount"), RuleScaling,
			"desiredCount %d is outside the scalable target's range [%d, %d]: the service starts with %d tasks, as Application Auto Scaling moves it into the range", git, min, max, t.desiredCount())
	}
	if len(checks) > 0 {
		t.notes.approx(ref(s.TargetDoc, "MinCapacity"), RuleScaling,
			"scaled by the Nomad Autoscaler (every %s; target tracking: target-value strategy with a ±%d %% dead band; step scaling: threshold strategy): Application Auto Scaling's CloudWatch alarms (target tracking: 3 breaching minutes to scale out, 15 to scale in; step scaling: EvaluationPeriods × Period) are not reproduced; see docs/autoscaling.md", ScalingEvaluationInterval, int(scalingThreshold*100))
	}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
