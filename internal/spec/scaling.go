package spec

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Application Auto Scaling definitions: the JSON that `aws application-autoscaling
// register-scalable-target`, `put-scaling-policy` and `put-scheduled-action` take
// (--cli-input-json), for the desired count of an ECS service. One definition per file;
// the file kind is told by its members (ScheduledActionName, PolicyName, or neither).

// Rule IDs of Application Auto Scaling definitions (docs/validation-rules.md).
const (
	RuleScalingResource    = "ECS-AAS-001" // ServiceNamespace ecs, ScalableDimension ecs:service:DesiredCount, ResourceId service/CLUSTER/SERVICE
	RuleScalingCapacity    = "ECS-AAS-002" // MinCapacity/MaxCapacity required, ≥ 0, min ≤ max
	RuleScalingMetric      = "ECS-AAS-003" // PolicyType and predefined metric types known; one configuration matching the type
	RuleScalingNoTarget    = "ECS-AAS-004" // a policy or scheduled action without a scalable target for its ResourceId
	RuleScalingNoService   = "ECS-AAS-005" // a scalable target for a service that is not in the repository
	RuleScalingSchedule    = "ECS-AAS-006" // Schedule at()/rate()/cron() syntax, Timezone an IANA name
	RuleScalingPolicyValue = "ECS-AAS-007" // TargetValue > 0, cooldowns ≥ 0, step adjustments, names
	RuleScalingDuplicate   = "ECS-AAS-008" // two scalable targets, policies or actions with the same name for one resource
)

// ScalableTarget is the input of RegisterScalableTarget.
type ScalableTarget struct {
	ServiceNamespace  string            `json:"ServiceNamespace"`
	ResourceID        string            `json:"ResourceId"`
	ScalableDimension string            `json:"ScalableDimension"`
	MinCapacity       *int              `json:"MinCapacity,omitempty"`
	MaxCapacity       *int              `json:"MaxCapacity,omitempty"`
	RoleARN           string            `json:"RoleARN,omitempty"`
	SuspendedState    *SuspendedState   `json:"SuspendedState,omitempty"`
	Tags              map[string]string `json:"Tags,omitempty"`
}

// SuspendedState suspends scaling activities of a scalable target.
type SuspendedState struct {
	DynamicScalingInSuspended  bool `json:"DynamicScalingInSuspended,omitempty"`
	DynamicScalingOutSuspended bool `json:"DynamicScalingOutSuspended,omitempty"`
	ScheduledScalingSuspended  bool `json:"ScheduledScalingSuspended,omitempty"`
}

// ScalingPolicy is the input of PutScalingPolicy.
type ScalingPolicy struct {
	PolicyName                               string                    `json:"PolicyName"`
	ServiceNamespace                         string                    `json:"ServiceNamespace"`
	ResourceID                               string                    `json:"ResourceId"`
	ScalableDimension                        string                    `json:"ScalableDimension"`
	PolicyType                               string                    `json:"PolicyType,omitempty"` // StepScaling (AWS default) | TargetTrackingScaling
	TargetTrackingScalingPolicyConfiguration *TargetTrackingScaling    `json:"TargetTrackingScalingPolicyConfiguration,omitempty"`
	StepScalingPolicyConfiguration           *StepScalingConfiguration `json:"StepScalingPolicyConfiguration,omitempty"`
}

// TargetTrackingScaling is a target tracking policy's configuration.
type TargetTrackingScaling struct {
	TargetValue                   *float64          `json:"TargetValue,omitempty"`
	PredefinedMetricSpecification *PredefinedMetric `json:"PredefinedMetricSpecification,omitempty"`
	CustomizedMetricSpecification map[string]any    `json:"CustomizedMetricSpecification,omitempty"`
	ScaleOutCooldown              *int              `json:"ScaleOutCooldown,omitempty"`
	ScaleInCooldown               *int              `json:"ScaleInCooldown,omitempty"`
	DisableScaleIn                bool              `json:"DisableScaleIn,omitempty"`
}

// PredefinedMetric names one of Application Auto Scaling's predefined metrics.
type PredefinedMetric struct {
	PredefinedMetricType string `json:"PredefinedMetricType"`
	ResourceLabel        string `json:"ResourceLabel,omitempty"`
}

// StepScalingConfiguration is a step scaling policy's configuration (it acts on a
// CloudWatch alarm that is not part of these definitions).
type StepScalingConfiguration struct {
	AdjustmentType         string           `json:"AdjustmentType,omitempty"`
	StepAdjustments        []StepAdjustment `json:"StepAdjustments,omitempty"`
	MinAdjustmentMagnitude *int             `json:"MinAdjustmentMagnitude,omitempty"`
	Cooldown               *int             `json:"Cooldown,omitempty"`
	MetricAggregationType  string           `json:"MetricAggregationType,omitempty"`
}

// StepAdjustment is one step of a step scaling policy.
type StepAdjustment struct {
	MetricIntervalLowerBound *float64 `json:"MetricIntervalLowerBound,omitempty"`
	MetricIntervalUpperBound *float64 `json:"MetricIntervalUpperBound,omitempty"`
	ScalingAdjustment        *int     `json:"ScalingAdjustment"`
}

// ScheduledAction is the input of PutScheduledAction.
type ScheduledAction struct {
	ServiceNamespace     string                `json:"ServiceNamespace"`
	ScheduledActionName  string                `json:"ScheduledActionName"`
	ResourceID           string                `json:"ResourceId"`
	ScalableDimension    string                `json:"ScalableDimension"`
	Schedule             string                `json:"Schedule"`
	Timezone             string                `json:"Timezone,omitempty"`
	StartTime            string                `json:"StartTime,omitempty"`
	EndTime              string                `json:"EndTime,omitempty"`
	ScalableTargetAction *ScalableTargetAction `json:"ScalableTargetAction,omitempty"`
}

// ScalableTargetAction is the new capacity range a scheduled action sets.
type ScalableTargetAction struct {
	MinCapacity *int `json:"MinCapacity,omitempty"`
	MaxCapacity *int `json:"MaxCapacity,omitempty"`
}

// Predefined metric types of ECS services.
const (
	MetricECSCPU         = "ECSServiceAverageCPUUtilization"
	MetricECSMemory      = "ECSServiceAverageMemoryUtilization"
	MetricALBRequestRate = "ALBRequestCountPerTarget"
)

// ECSScalingMetrics are the predefined metrics valid for ecs:service:DesiredCount.
var ECSScalingMetrics = []string{MetricECSCPU, MetricECSMemory, MetricALBRequestRate}

// ScalingDoc is one Application Auto Scaling definition file, or the CloudWatch alarm
// of a step scaling policy; exactly one of Target, Policy, Action and Alarm is set.
type ScalingDoc struct {
	Target *ScalableTarget
	Policy *ScalingPolicy
	Action *ScheduledAction
	Alarm  *MetricAlarm
	Pos    Pos
	Fields PosMap
}

// ServiceScaling is everything Application Auto Scaling defines for one service.
type ServiceScaling struct {
	Target    *ScalableTarget
	TargetDoc *ScalingDoc
	Policies  []*ScalingDoc // sorted by PolicyName
	Scheduled []*ScalingDoc // sorted by ScheduledActionName
	// Alarms are, by PolicyName, the alarms whose actions trigger a step scaling policy.
	Alarms map[string][]AlarmLink
}

// Min and Max are the scalable target's capacity range.
func (s *ServiceScaling) Min() int { return deref(s.Target.MinCapacity) }
func (s *ServiceScaling) Max() int { return deref(s.Target.MaxCapacity) }

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// isScalingDoc tells an Application Auto Scaling definition from the rest.
func isScalingDoc(root *node) bool {
	return root.get("ScalableDimension") != nil || root.get("ServiceNamespace") != nil && root.get("ResourceId") != nil || isAlarmDoc(root)
}

func decodeScalingNode(root *node) (*ScalingDoc, Diagnostics) {
	d := newDecoder()
	doc := &ScalingDoc{Pos: Pos{File: root.pos.File}}
	var v reflect.Value
	switch {
	case isAlarmDoc(root):
		doc.Alarm = &MetricAlarm{}
		v = reflect.ValueOf(doc.Alarm).Elem()
	case root.get("ScheduledActionName") != nil:
		doc.Action = &ScheduledAction{}
		v = reflect.ValueOf(doc.Action).Elem()
	case root.get("PolicyName") != nil:
		doc.Policy = &ScalingPolicy{}
		v = reflect.ValueOf(doc.Policy).Elem()
	default:
		doc.Target = &ScalableTarget{}
		v = reflect.ValueOf(doc.Target).Elem()
	}
	d.decode(root, v, "")
	doc.Fields = d.fields
	return doc, d.diags
}

// resource is the ResourceId, namespace and dimension every definition has.
func (doc *ScalingDoc) resource() (ns, id, dim string) {
	switch {
	case doc.Target != nil:
		return doc.Target.ServiceNamespace, doc.Target.ResourceID, doc.Target.ScalableDimension
	case doc.Policy != nil:
		return doc.Policy.ServiceNamespace, doc.Policy.ResourceID, doc.Policy.ScalableDimension
	default:
		return doc.Action.ServiceNamespace, doc.Action.ResourceID, doc.Action.ScalableDimension
	}
}

// What names the definition for messages.
func (doc *ScalingDoc) What() string {
	switch {
	case doc.Target != nil:
		return "scalable target"
	case doc.Policy != nil:
		return sprintf("scaling policy %q", doc.Policy.PolicyName)
	case doc.Alarm != nil:
		return sprintf("alarm %q", doc.Alarm.AlarmName)
	default:
		return sprintf("scheduled action %q", doc.Action.ScheduledActionName)
	}
}

// ParseResourceID splits "service/CLUSTER/SERVICE".
func ParseResourceID(id string) (cluster, service string, ok bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] != "service" || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[1], parts[2], true
}

var scalingNameRE = regexp.MustCompile(`^[\p{L}\p{N}_\-./:]{1,256}$`)

// validateScaling checks one definition on its own.
func validateScaling(doc *ScalingDoc) Diagnostics {
	if doc.Alarm != nil {
		return validateAlarm(doc)
	}
	v := &validator{fields: doc.Fields, file: doc.Pos.File}
	ns, id, dim := doc.resource()
	if ns != "ecs" {
		v.errorf("ServiceNamespace", RuleScalingResource, "ServiceNamespace %q: ecsgit scales ECS services only; allowed: \"ecs\"", ns)
	}
	if dim != "ecs:service:DesiredCount" {
		v.errorf("ScalableDimension", RuleScalingResource, "ScalableDimension %q: allowed: \"ecs:service:DesiredCount\"", dim)
	}
	if _, _, ok := ParseResourceID(id); !ok {
		v.errorf("ResourceId", RuleScalingResource, "ResourceId %q: expected \"service/CLUSTER/SERVICE\" (e.g. \"service/default/web\")", id)
	}
	switch {
	case doc.Target != nil:
		v.scalableTarget(doc.Target)
	case doc.Policy != nil:
		v.scalingPolicy(doc.Policy)
	default:
		v.scheduledAction(doc.Action)
	}
	return v.diags
}

func (v *validator) capacity(minPath, maxPath string, minC, maxC *int, required bool) {
	if required && minC == nil {
		v.errorf("", RuleScalingCapacity, "MinCapacity is required when a scalable target is registered (0 or more)")
	}
	if required && maxC == nil {
		v.errorf("", RuleScalingCapacity, "MaxCapacity is required when a scalable target is registered (0 or more, at least MinCapacity)")
	}
	if minC != nil && *minC < 0 {
		v.errorf(minPath, RuleScalingCapacity, "MinCapacity %d: must be 0 or more", *minC)
	}
	if maxC != nil && *maxC < 0 {
		v.errorf(maxPath, RuleScalingCapacity, "MaxCapacity %d: must be 0 or more", *maxC)
	}
	if minC != nil && maxC != nil && *minC > *maxC {
		v.errorf(minPath, RuleScalingCapacity, "MinCapacity %d is greater than MaxCapacity %d: the minimum must be at most the maximum", *minC, *maxC)
	}
}

func (v *validator) scalableTarget(t *ScalableTarget) {
	v.capacity("MinCapacity", "MaxCapacity", t.MinCapacity, t.MaxCapacity, true)
}

func (v *validator) scalingPolicy(p *ScalingPolicy) {
	if !scalingNameRE.MatchString(p.PolicyName) {
		v.errorf("PolicyName", RuleScalingPolicyValue, "PolicyName %q: 1 to 256 characters (letters, digits, _ - . / :)", p.PolicyName)
	}
	typ := p.PolicyType
	if typ == "" {
		typ = "StepScaling" // the API's default
	}
	switch typ {
	case "TargetTrackingScaling":
		if p.StepScalingPolicyConfiguration != nil {
			v.errorf("StepScalingPolicyConfiguration", RuleScalingMetric, "StepScalingPolicyConfiguration is only for PolicyType \"StepScaling\"")
		}
		if p.TargetTrackingScalingPolicyConfiguration == nil {
			v.errorf("PolicyType", RuleScalingMetric, "PolicyType \"TargetTrackingScaling\" needs TargetTrackingScalingPolicyConfiguration")
			return
		}
		v.targetTracking(p.TargetTrackingScalingPolicyConfiguration)
	case "StepScaling":
		if p.TargetTrackingScalingPolicyConfiguration != nil {
			v.errorf("TargetTrackingScalingPolicyConfiguration", RuleScalingMetric, "TargetTrackingScalingPolicyConfiguration is only for PolicyType \"TargetTrackingScaling\" (PolicyType defaults to \"StepScaling\")")
		}
		if p.StepScalingPolicyConfiguration == nil {
			v.errorf("", RuleScalingMetric, "PolicyType \"StepScaling\" needs StepScalingPolicyConfiguration")
			return
		}
		v.stepScaling(p.StepScalingPolicyConfiguration)
	default:
		v.errorf("PolicyType", RuleScalingMetric, "PolicyType %q: allowed for ECS services: \"TargetTrackingScaling\", \"StepScaling\"%s", p.PolicyType, didYouMean(p.PolicyType, []string{"TargetTrackingScaling", "StepScaling"}))
	}
}

func didYouMean(got string, allowed []string) string {
	if s := suggest(got, allowed); s != "" {
		return sprintf("; did you mean %q?", s)
	}
	return ""
}

const ttPath = "TargetTrackingScalingPolicyConfiguration"

func (v *validator) targetTracking(c *TargetTrackingScaling) {
	if c.TargetValue == nil {
		v.errorf(ttPath, RuleScalingPolicyValue, "TargetValue is required")
	} else if *c.TargetValue <= 0 {
		v.errorf(ttPath+".TargetValue", RuleScalingPolicyValue, "TargetValue %v: must be greater than 0", *c.TargetValue)
	}
	for _, f := range []struct {
		name string
		val  *int
	}{{"ScaleOutCooldown", c.ScaleOutCooldown}, {"ScaleInCooldown", c.ScaleInCooldown}} {
		if f.val != nil && (*f.val < 0 || *f.val > 86400) {
			v.errorf(ttPath+"."+f.name, RuleScalingPolicyValue, "%s %d: seconds from 0 to 86400", f.name, *f.val)
		}
	}
	switch m := c.PredefinedMetricSpecification; {
	case m == nil && c.CustomizedMetricSpecification == nil:
		v.errorf(ttPath, RuleScalingMetric, "a target tracking policy needs PredefinedMetricSpecification (%s) or CustomizedMetricSpecification", strings.Join(ECSScalingMetrics, ", "))
	case m != nil && c.CustomizedMetricSpecification != nil:
		v.errorf(ttPath+".CustomizedMetricSpecification", RuleScalingMetric, "PredefinedMetricSpecification and CustomizedMetricSpecification are mutually exclusive")
	case m != nil && !slices.Contains(ECSScalingMetrics, m.PredefinedMetricType):
		v.errorf(ttPath+".PredefinedMetricSpecification.PredefinedMetricType", RuleScalingMetric,
			"PredefinedMetricType %q is not a metric of ECS services; allowed: %s%s", m.PredefinedMetricType, strings.Join(ECSScalingMetrics, ", "), didYouMean(m.PredefinedMetricType, ECSScalingMetrics))
	case m != nil && m.PredefinedMetricType == MetricALBRequestRate:
		// app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>
		if !albLabelRE.MatchString(m.ResourceLabel) {
			v.errorf(ttPath+".PredefinedMetricSpecification", RuleScalingMetric,
				"ALBRequestCountPerTarget needs ResourceLabel \"app/<load-balancer-name>/<id>/targetgroup/<target-group-name>/<id>\", got %q", m.ResourceLabel)
		}
	case m != nil && m.ResourceLabel != "":
		v.errorf(ttPath+".PredefinedMetricSpecification.ResourceLabel", RuleScalingMetric, "ResourceLabel is only for ALBRequestCountPerTarget")
	}
}

var albLabelRE = regexp.MustCompile(`^app/[^/]+/[^/]+/targetgroup/[^/]+/[^/]+$`)

const stepPath = "StepScalingPolicyConfiguration"

func (v *validator) stepScaling(c *StepScalingConfiguration) {
	if !slices.Contains([]string{"ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"}, c.AdjustmentType) {
		v.errorf(stepPath+".AdjustmentType", RuleScalingPolicyValue, "AdjustmentType %q: allowed: ChangeInCapacity, PercentChangeInCapacity, ExactCapacity", c.AdjustmentType)
	}
	if c.MetricAggregationType != "" && !slices.Contains([]string{"Average", "Minimum", "Maximum"}, c.MetricAggregationType) {
		v.errorf(stepPath+".MetricAggregationType", RuleScalingPolicyValue, "MetricAggregationType %q: allowed: Average, Minimum, Maximum", c.MetricAggregationType)
	}
	if len(c.StepAdjustments) == 0 {
		v.errorf(stepPath, RuleScalingPolicyValue, "StepAdjustments: at least one step is required")
	}
	unboundedLow, unboundedHigh := 0, 0
	for i, s := range c.StepAdjustments {
		p := sprintf("%s.StepAdjustments[%d]", stepPath, i)
		if s.ScalingAdjustment == nil {
			v.errorf(p, RuleScalingPolicyValue, "ScalingAdjustment is required")
		}
		if s.MetricIntervalLowerBound == nil {
			unboundedLow++
		}
		if s.MetricIntervalUpperBound == nil {
			unboundedHigh++
		}
		if s.MetricIntervalLowerBound != nil && s.MetricIntervalUpperBound != nil && *s.MetricIntervalLowerBound >= *s.MetricIntervalUpperBound {
			v.errorf(p, RuleScalingPolicyValue, "MetricIntervalLowerBound %v must be less than MetricIntervalUpperBound %v", *s.MetricIntervalLowerBound, *s.MetricIntervalUpperBound)
		}
	}
	if unboundedLow > 1 || unboundedHigh > 1 {
		v.errorf(stepPath+".StepAdjustments", RuleScalingPolicyValue, "at most one step may have no lower bound and at most one no upper bound (the steps must not overlap)")
	}
	if c.Cooldown != nil && *c.Cooldown < 0 {
		v.errorf(stepPath+".Cooldown", RuleScalingPolicyValue, "Cooldown %d: must be 0 or more seconds", *c.Cooldown)
	}
}

func (v *validator) scheduledAction(a *ScheduledAction) {
	if !scalingNameRE.MatchString(a.ScheduledActionName) {
		v.errorf("ScheduledActionName", RuleScalingPolicyValue, "ScheduledActionName %q: 1 to 256 characters (letters, digits, _ - . / :)", a.ScheduledActionName)
	}
	if _, err := ParseScalingSchedule(a.Schedule, a.Timezone); err != nil {
		rule := RuleScalingSchedule
		path := "Schedule"
		if strings.Contains(err.Error(), "Timezone") {
			path = "Timezone"
		}
		v.errorf(path, rule, "%v", err)
	}
	for _, f := range []struct{ name, val string }{{"StartTime", a.StartTime}, {"EndTime", a.EndTime}} {
		if f.val != "" {
			if _, err := time.Parse(time.RFC3339, f.val); err != nil {
				v.errorf(f.name, RuleScalingSchedule, "%s %q: expected an RFC 3339 time such as \"2026-12-01T09:00:00Z\"", f.name, f.val)
			}
		}
	}
	if a.ScalableTargetAction == nil || a.ScalableTargetAction.MinCapacity == nil && a.ScalableTargetAction.MaxCapacity == nil {
		v.errorf("", RuleScalingCapacity, "ScalableTargetAction needs MinCapacity, MaxCapacity or both")
		return
	}
	v.capacity("ScalableTargetAction.MinCapacity", "ScalableTargetAction.MaxCapacity", a.ScalableTargetAction.MinCapacity, a.ScalableTargetAction.MaxCapacity, false)
}

// attachScaling resolves each definition's ResourceId to a service of the repository:
// a target for an unknown service is an error (ECS-AAS-005), a policy or scheduled
// action without a target is an error (ECS-AAS-004), as Application Auto Scaling
// refuses both (ObjectNotFoundException).
func (a *assembler) attachScaling() {
	byName := map[string]*ServiceDoc{}
	for _, s := range a.d.Services {
		byName[s.ServiceName] = s
	}
	targets := map[string]*ScalingDoc{} // ResourceId → target
	var rest, alarms []*ScalingDoc
	for _, doc := range a.scaling {
		if doc.Alarm != nil {
			alarms = append(alarms, doc)
			continue
		}
		if doc.Target == nil {
			rest = append(rest, doc)
			continue
		}
		id := doc.Target.ResourceID
		cluster, name, ok := ParseResourceID(id)
		if !ok {
			continue // reported by validateScaling
		}
		if first, dup := targets[id]; dup {
			a.errorf(doc.Fields.At("ResourceId"), RuleScalingDuplicate, "a scalable target for %q is already registered in %s", id, first.Pos.File)
			continue
		}
		targets[id] = doc
		svc := byName[name]
		if svc == nil {
			msg := "ResourceId %q: no service named %q in the repository (a scalable target needs the service it scales)"
			if near := suggest(name, mapKeys(byName)); near != "" {
				msg += "; did you mean " + `"` + near + `"?`
			}
			a.d.Diagnostics = append(a.d.Diagnostics, followOn(diag(doc.Fields.At("ResourceId"), SeverityError, RuleScalingNoService, msg, id, name), a.brokenFor(name, true)))
			continue
		}
		if svc.Cluster != "" && svc.Cluster != cluster && !strings.HasSuffix(svc.Cluster, "/"+cluster) {
			a.errorf(doc.Fields.At("ResourceId"), RuleScalingNoService, "ResourceId %q names cluster %q, but service %q is in cluster %q", id, cluster, name, svc.Cluster)
			continue
		}
		if svc.SchedulingStrategy == "DAEMON" {
			a.errorf(doc.Fields.At("ResourceId"), RuleScalingResource, "service %q uses schedulingStrategy DAEMON (one task per instance); it has no desired count to scale", name)
			continue
		}
		svc.Scaling = &ServiceScaling{Target: doc.Target, TargetDoc: doc}
	}
	slices.SortFunc(rest, func(x, y *ScalingDoc) int { return strings.Compare(x.name(), y.name()) })
	seen := map[string]string{}
	for _, doc := range rest {
		_, id, _ := doc.resource()
		_, name, ok := ParseResourceID(id)
		if !ok {
			continue
		}
		k := id + "\x00" + doc.What()
		if first, dup := seen[k]; dup {
			a.errorf(doc.Fields.At(""), RuleScalingDuplicate, "%s for %q is already defined in %s", doc.What(), id, first)
			continue
		}
		seen[k] = doc.Pos.File
		t := targets[id]
		if t == nil {
			a.errorf(doc.Fields.At("ResourceId"), RuleScalingNoTarget,
				"%s for ResourceId %q: no scalable target is registered for it; add a register-scalable-target definition with this ResourceId, MinCapacity and MaxCapacity", doc.What(), id)
			continue
		}
		svc := byName[name]
		if svc == nil || svc.Scaling == nil || svc.Scaling.TargetDoc != t {
			continue // the target's own error says why
		}
		if doc.Policy != nil {
			svc.Scaling.Policies = append(svc.Scaling.Policies, doc)
			a.checkRequestCountLabel(svc, doc)
		} else {
			svc.Scaling.Scheduled = append(svc.Scaling.Scheduled, doc)
		}
	}
	slices.SortFunc(alarms, func(x, y *ScalingDoc) int { return strings.Compare(x.Alarm.AlarmName, y.Alarm.AlarmName) })
	a.attachAlarms(alarms)
}

// checkRequestCountLabel checks that an ALBRequestCountPerTarget policy's ResourceLabel
// names a load balancer and a target group of the repository, and a target group the
// service registers its tasks in: the proxy's request counters of that target group are
// the policy's metric.
func (a *assembler) checkRequestCountLabel(svc *ServiceDoc, doc *ScalingDoc) {
	c := doc.Policy.TargetTrackingScalingPolicyConfiguration
	if a.unchecked[doc] || c == nil || c.PredefinedMetricSpecification == nil || c.PredefinedMetricSpecification.PredefinedMetricType != MetricALBRequestRate {
		return
	}
	lb, tg := ALBTargetGroupOfLabel(c.PredefinedMetricSpecification.ResourceLabel)
	if tg == "" {
		return // reported by validateScaling
	}
	pos := doc.Fields.At(ttPath + ".PredefinedMetricSpecification.ResourceLabel")
	if !slices.ContainsFunc(a.d.LoadBalancers, func(l *LoadBalancerDoc) bool { return l.Name == lb }) {
		a.errorf(pos, RuleScalingMetric, "ResourceLabel %q: no load balancer named %q in the repository (add its create-load-balancer JSON)", c.PredefinedMetricSpecification.ResourceLabel, lb)
		return
	}
	if msg := a.checkTargetGroupOf(svc, tg); msg != "" {
		a.errorf(pos, RuleScalingMetric, "ResourceLabel %q: %s", c.PredefinedMetricSpecification.ResourceLabel, msg)
	}
}

func (doc *ScalingDoc) name() string {
	switch {
	case doc.Policy != nil:
		return "p\x00" + doc.Policy.PolicyName
	case doc.Action != nil:
		return "s\x00" + doc.Action.ScheduledActionName
	case doc.Alarm != nil:
		return "a\x00" + doc.Alarm.AlarmName
	}
	return ""
}

// EffectiveRange is a scalable target's capacity range at a moment, after the
// scheduled actions that have fired by then.
type EffectiveRange struct {
	Min, Max int
	// By is the scheduled action that set the range last (nil: the target's own), At
	// when it fired.
	By *ScalingDoc
	At time.Time
}

// RangeAt is the capacity range at now: the target's MinCapacity/MaxCapacity, changed
// by every scheduled action in the order of its last firing at or before now (within
// its StartTime/EndTime), as Application Auto Scaling applies them. It needs no state:
// ecsgit recomputes it on every pass (docs/autoscaling.md). A zero now, or
// ScheduledScalingSuspended, leaves the target's range.
func (s *ServiceScaling) RangeAt(now time.Time) EffectiveRange {
	r := EffectiveRange{Min: s.Min(), Max: s.Max()}
	if now.IsZero() || s.Target.SuspendedState != nil && s.Target.SuspendedState.ScheduledScalingSuspended {
		return r
	}
	type firing struct {
		at  time.Time
		doc *ScalingDoc
	}
	var fired []firing
	for _, doc := range s.Scheduled {
		a := doc.Action
		sch, err := ParseScalingSchedule(a.Schedule, a.Timezone)
		if err != nil {
			continue // reported by validation
		}
		start, _ := time.Parse(time.RFC3339, a.StartTime)
		end, _ := time.Parse(time.RFC3339, a.EndTime)
		at := now
		if !end.IsZero() && end.Before(at) {
			at = end
		}
		t, ok := sch.Prev(at, start)
		if !ok || !start.IsZero() && t.Before(start) {
			continue
		}
		fired = append(fired, firing{t, doc})
	}
	slices.SortStableFunc(fired, func(x, y firing) int { return x.at.Compare(y.at) })
	for _, f := range fired {
		act := f.doc.Action.ScalableTargetAction
		if act.MinCapacity != nil {
			r.Min = *act.MinCapacity
			r.Max = max(r.Max, r.Min)
		}
		if act.MaxCapacity != nil {
			r.Max = *act.MaxCapacity
			r.Min = min(r.Min, r.Max)
		}
		r.By, r.At = f.doc, f.at
	}
	return r
}

// NextScheduled is the first time after now that one of the scheduled actions fires
// (ok false: none will).
func (s *ServiceScaling) NextScheduled(now time.Time) (time.Time, bool) {
	var next time.Time
	for _, doc := range s.Scheduled {
		a := doc.Action
		sch, err := ParseScalingSchedule(a.Schedule, a.Timezone)
		if err != nil {
			continue
		}
		start, _ := time.Parse(time.RFC3339, a.StartTime)
		t, ok := sch.Next(now, start)
		if end, _ := time.Parse(time.RFC3339, a.EndTime); !ok || !end.IsZero() && t.After(end) {
			continue
		}
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next, !next.IsZero()
}
