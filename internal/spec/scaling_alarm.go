package spec

import (
	"math"
	"regexp"
	"slices"
	"strings"
)

// CloudWatch metric alarms: the JSON that `aws cloudwatch put-metric-alarm
// --cli-input-json` takes. In ECS a step scaling policy acts only when an alarm whose
// AlarmActions name the policy goes to ALARM; ecsgit reads such alarms from the
// repository and translates the pair (alarm, policy) into the Nomad Autoscaler's
// threshold strategy (docs/autoscaling.md).

// RuleScalingAlarm is the rule of metric alarms and of the link between an alarm and
// the step scaling policy it triggers.
const RuleScalingAlarm = "ECS-AAS-009"

// MetricAlarm is the input of PutMetricAlarm.
type MetricAlarm struct {
	AlarmName                        string           `json:"AlarmName"`
	AlarmDescription                 string           `json:"AlarmDescription,omitempty"`
	ActionsEnabled                   *bool            `json:"ActionsEnabled,omitempty"`
	OKActions                        []string         `json:"OKActions,omitempty"`
	AlarmActions                     []string         `json:"AlarmActions,omitempty"`
	InsufficientDataActions          []string         `json:"InsufficientDataActions,omitempty"`
	MetricName                       string           `json:"MetricName,omitempty"`
	Namespace                        string           `json:"Namespace,omitempty"`
	Statistic                        string           `json:"Statistic,omitempty"`
	ExtendedStatistic                string           `json:"ExtendedStatistic,omitempty"`
	Dimensions                       []AlarmDimension `json:"Dimensions,omitempty"`
	Period                           *int             `json:"Period,omitempty"`
	Unit                             string           `json:"Unit,omitempty"`
	EvaluationPeriods                *int             `json:"EvaluationPeriods,omitempty"`
	DatapointsToAlarm                *int             `json:"DatapointsToAlarm,omitempty"`
	Threshold                        *float64         `json:"Threshold,omitempty"`
	ComparisonOperator               string           `json:"ComparisonOperator,omitempty"`
	TreatMissingData                 string           `json:"TreatMissingData,omitempty"`
	EvaluateLowSampleCountPercentile string           `json:"EvaluateLowSampleCountPercentile,omitempty"`
	Metrics                          []map[string]any `json:"Metrics,omitempty"`
	Tags                             []map[string]any `json:"Tags,omitempty"`
	ThresholdMetricID                string           `json:"ThresholdMetricId,omitempty"`
}

// AlarmDimension is one dimension of an alarm's metric.
type AlarmDimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// Metrics an alarm of a step scaling policy may watch: the ECS service metrics
// (dimensions ClusterName and ServiceName) and the load balancer's requests per target
// (dimension TargetGroup, optionally LoadBalancer).
const (
	AlarmNamespaceECS = "AWS/ECS"
	AlarmNamespaceALB = "AWS/ApplicationELB"
	AlarmMetricCPU    = "CPUUtilization"
	AlarmMetricMemory = "MemoryUtilization"
	AlarmMetricALB    = "RequestCountPerTarget"
)

// alarmMetrics lists, per namespace, the metrics ecsgit can evaluate.
var alarmMetrics = map[string][]string{
	AlarmNamespaceECS: {AlarmMetricCPU, AlarmMetricMemory},
	AlarmNamespaceALB: {AlarmMetricALB},
}

// Comparison operators of a threshold alarm (the anomaly-detection band operators need
// a ThresholdMetricId and are refused).
const (
	CompareGreaterOrEqual = "GreaterThanOrEqualToThreshold"
	CompareGreater        = "GreaterThanThreshold"
	CompareLess           = "LessThanThreshold"
	CompareLessOrEqual    = "LessThanOrEqualToThreshold"
)

var alarmOperators = []string{CompareGreaterOrEqual, CompareGreater, CompareLess, CompareLessOrEqual}

// treatMissingData are CloudWatch's values of TreatMissingData.
var treatMissingData = []string{"breaching", "notBreaching", "ignore", "missing"}

// Breaches reports whether the alarm is in ALARM above its threshold (true) or below it.
func (m *MetricAlarm) Breaches() (above bool) {
	return m.ComparisonOperator == CompareGreaterOrEqual || m.ComparisonOperator == CompareGreater
}

// Dimension returns the value of the named dimension ("" when absent).
func (m *MetricAlarm) Dimension(name string) string {
	for _, d := range m.Dimensions {
		if d.Name == name {
			return d.Value
		}
	}
	return ""
}

// AlarmLink is one alarm triggering one step scaling policy.
type AlarmLink struct {
	Alarm *ScalingDoc
	// Action is the index in AlarmActions that names the policy.
	Action int
}

// isAlarmDoc tells a put-metric-alarm definition from the rest.
func isAlarmDoc(root *node) bool {
	return root.get("AlarmName") != nil && (root.get("MetricName") != nil || root.get("Metrics") != nil || root.get("AlarmActions") != nil)
}

// ParsePolicyAction splits an alarm action that names a scaling policy: the policy ARN
// that put-scaling-policy returns
// (arn:aws:autoscaling:REGION:ACCOUNT:scalingPolicy:UUID:resource/ecs/service/CLUSTER/SERVICE:policyName/NAME)
// or, in a repository where ARNs are not known yet, the policy's name. resourceID is
// "" for a bare name.
func ParsePolicyAction(action string) (resourceID, policy string, ok bool) {
	if !strings.HasPrefix(action, "arn:") {
		return "", action, scalingNameRE.MatchString(action)
	}
	if !strings.Contains(action, ":scalingPolicy:") {
		return "", "", false
	}
	res, name, found := strings.Cut(action, ":policyName/")
	if !found || name == "" {
		return "", "", false
	}
	_, res, found = strings.Cut(res, ":resource/ecs/")
	if !found {
		return "", "", false
	}
	return res, name, true
}

// validateAlarm checks one alarm on its own.
func validateAlarm(doc *ScalingDoc) Diagnostics {
	v := &validator{fields: doc.Fields, file: doc.Pos.File}
	m := doc.Alarm
	if !scalingNameRE.MatchString(m.AlarmName) {
		v.errorf("AlarmName", RuleScalingAlarm, "AlarmName %q: 1 to 256 characters (letters, digits, _ - . / :)", m.AlarmName)
	}
	switch {
	case len(m.Metrics) > 0:
		v.errorf("Metrics", RuleScalingAlarm, "alarms on metric math (Metrics) are not supported: name one metric with Namespace, MetricName, Statistic and Dimensions")
	case m.ThresholdMetricID != "":
		v.errorf("ThresholdMetricId", RuleScalingAlarm, "anomaly detection alarms (ThresholdMetricId) are not supported: use a static Threshold")
	default:
		v.alarmMetric(m)
	}
	if m.Threshold == nil {
		v.errorf("", RuleScalingAlarm, "Threshold is required (the value the metric is compared with)")
	} else if math.IsNaN(*m.Threshold) || math.IsInf(*m.Threshold, 0) {
		v.errorf("Threshold", RuleScalingAlarm, "Threshold %v: must be a finite number", *m.Threshold)
	}
	if !slices.Contains(alarmOperators, m.ComparisonOperator) {
		v.errorf("ComparisonOperator", RuleScalingAlarm, "ComparisonOperator %q: allowed: %s%s", m.ComparisonOperator, strings.Join(alarmOperators, ", "), didYouMean(m.ComparisonOperator, alarmOperators))
	}
	if m.Period == nil {
		v.errorf("", RuleScalingAlarm, "Period is required (seconds: 10, 20, 30 or a multiple of 60)")
	} else if p := *m.Period; p <= 0 || p != 10 && p != 20 && p != 30 && p%60 != 0 {
		v.errorf("Period", RuleScalingAlarm, "Period %d: allowed: 10, 20, 30 or a multiple of 60 seconds", p)
	}
	if m.EvaluationPeriods == nil {
		v.errorf("", RuleScalingAlarm, "EvaluationPeriods is required (1 or more)")
	} else if *m.EvaluationPeriods < 1 {
		v.errorf("EvaluationPeriods", RuleScalingAlarm, "EvaluationPeriods %d: must be 1 or more", *m.EvaluationPeriods)
	}
	if m.DatapointsToAlarm != nil && (*m.DatapointsToAlarm < 1 || m.EvaluationPeriods != nil && *m.DatapointsToAlarm > *m.EvaluationPeriods) {
		v.errorf("DatapointsToAlarm", RuleScalingAlarm, "DatapointsToAlarm %d: must be from 1 to EvaluationPeriods", *m.DatapointsToAlarm)
	}
	if m.TreatMissingData != "" && !slices.Contains(treatMissingData, m.TreatMissingData) {
		v.errorf("TreatMissingData", RuleScalingAlarm, "TreatMissingData %q: allowed: %s%s", m.TreatMissingData, strings.Join(treatMissingData, ", "), didYouMean(m.TreatMissingData, treatMissingData))
	}
	if len(m.AlarmActions) == 0 {
		v.warnf("AlarmName", RuleScalingAlarm, "alarm %q has no AlarmActions: it triggers no scaling policy and is not translated", m.AlarmName)
	}
	for i, act := range m.AlarmActions {
		if _, _, ok := ParsePolicyAction(act); !ok {
			v.errorf(sprintf("AlarmActions[%d]", i), RuleScalingAlarm,
				"AlarmActions[%d] %q: expected a scaling policy ARN (arn:aws:autoscaling:…:scalingPolicy:…:resource/ecs/service/CLUSTER/SERVICE:policyName/NAME) or the PolicyName of a step scaling policy in the repository", i, act)
		}
	}
	return v.diags
}

func (v *validator) alarmMetric(m *MetricAlarm) {
	metrics, known := alarmMetrics[m.Namespace]
	if !known {
		v.errorf("Namespace", RuleScalingAlarm, "Namespace %q: allowed: %q (CPUUtilization, MemoryUtilization), %q (RequestCountPerTarget)", m.Namespace, AlarmNamespaceECS, AlarmNamespaceALB)
		return
	}
	if !slices.Contains(metrics, m.MetricName) {
		v.errorf("MetricName", RuleScalingAlarm, "MetricName %q in %s is not a metric ecsgit can evaluate on the cluster; allowed: %s%s", m.MetricName, m.Namespace, strings.Join(metrics, ", "), didYouMean(m.MetricName, metrics))
	}
	if m.ExtendedStatistic != "" {
		v.errorf("ExtendedStatistic", RuleScalingAlarm, "ExtendedStatistic (percentiles) is not supported: use Statistic")
	}
	stats := []string{"Average", "Maximum", "Minimum"}
	if m.Namespace == AlarmNamespaceALB {
		stats = []string{"Sum"} // RequestCountPerTarget is only meaningful as a Sum
	}
	if !slices.Contains(stats, m.Statistic) {
		v.errorf("Statistic", RuleScalingAlarm, "Statistic %q for %s: allowed: %s", m.Statistic, m.MetricName, strings.Join(stats, ", "))
	}
	need := []string{"ClusterName", "ServiceName"}
	if m.Namespace == AlarmNamespaceALB {
		need = []string{"TargetGroup"}
	}
	for _, n := range need {
		if m.Dimension(n) == "" {
			v.errorf("Dimensions", RuleScalingAlarm, "%s %s needs the dimension %q (Dimensions: [{\"Name\": %q, \"Value\": …}])", m.Namespace, m.MetricName, n, n)
		}
	}
	if m.Namespace == AlarmNamespaceALB {
		if tg := m.Dimension("TargetGroup"); tg != "" && !albTargetGroupDimRE.MatchString(tg) {
			v.errorf("Dimensions", RuleScalingAlarm, "dimension TargetGroup %q: expected \"targetgroup/<target-group-name>/<id>\"", tg)
		}
	}
}

// attachAlarms links every alarm action to the step scaling policy it names, on the
// service the alarm's metric belongs to. AWS accepts an alarm whose action names a
// policy that does not exist (the action then fails at alarm time); in a repository
// that is a mistake, so it is an error, as is an action naming a target tracking
// policy (those create their own alarms). A step scaling policy that no alarm names
// never acts: a warning, and the translation leaves it out.
func (a *assembler) attachAlarms(alarms []*ScalingDoc) {
	byName := map[string]*ServiceDoc{}
	for _, s := range a.d.Services {
		byName[s.ServiceName] = s
	}
	seen := map[string]string{}
	brokenAlarm := false
	for _, doc := range alarms {
		if a.unchecked[doc] {
			brokenAlarm = true
			continue
		}
		m := doc.Alarm
		if first, dup := seen[m.AlarmName]; dup {
			a.errorf(doc.Fields.At("AlarmName"), RuleScalingDuplicate, "alarm %q is already defined in %s", m.AlarmName, first)
			continue
		}
		seen[m.AlarmName] = doc.Pos.File
		for i, act := range m.AlarmActions {
			path := sprintf("AlarmActions[%d]", i)
			resID, policy, ok := ParsePolicyAction(act)
			if !ok {
				continue // reported by validateAlarm
			}
			if resID == "" && m.Namespace == AlarmNamespaceECS {
				resID = "service/" + m.Dimension("ClusterName") + "/" + m.Dimension("ServiceName")
			}
			found, msg := a.policyOfAction(resID, policy)
			if msg != "" {
				a.errorf(doc.Fields.At(path), RuleScalingAlarm, "%s %q: %s", path, act, msg)
				brokenAlarm = true // it may have meant a policy that now looks unused
				continue
			}
			if found.Policy.PolicyType == "TargetTrackingScaling" {
				a.errorf(doc.Fields.At(path), RuleScalingAlarm, "%s names target tracking policy %q: a target tracking policy creates and uses its own alarms; an alarm action must name a StepScaling policy", path, policy)
				continue
			}
			_, svcName, _ := ParseResourceID(found.Policy.ResourceID)
			svc := byName[svcName]
			if m.Namespace == AlarmNamespaceECS && (m.Dimension("ServiceName") != svcName || !clusterMatches(m.Dimension("ClusterName"), found.Policy.ResourceID)) {
				a.errorf(doc.Fields.At("Dimensions"), RuleScalingAlarm, "alarm %q watches service %q in cluster %q, but its action %s scales %s: the alarm must watch the service its policy scales",
					m.AlarmName, m.Dimension("ServiceName"), m.Dimension("ClusterName"), policy, found.Policy.ResourceID)
				continue
			}
			if m.Namespace == AlarmNamespaceALB {
				if err := a.checkTargetGroupOf(svc, albTargetGroupName(m.Dimension("TargetGroup"))); err != "" {
					a.errorf(doc.Fields.At("Dimensions"), RuleScalingAlarm, "alarm %q: dimension TargetGroup: %s", m.AlarmName, err)
					continue
				}
			}
			if svc.Scaling.Alarms == nil {
				svc.Scaling.Alarms = map[string][]AlarmLink{}
			}
			svc.Scaling.Alarms[policy] = append(svc.Scaling.Alarms[policy], AlarmLink{Alarm: doc, Action: i})
		}
	}
	for _, s := range a.d.Services {
		if s.Scaling == nil || brokenAlarm { // a broken alarm (file or action) may name the policy
			continue
		}
		for _, p := range s.Scaling.Policies {
			typ := p.Policy.PolicyType
			if (typ == "" || typ == "StepScaling") && len(s.Scaling.Alarms[p.Policy.PolicyName]) == 0 && !a.unchecked[p] {
				a.d.Diagnostics = append(a.d.Diagnostics, diag(p.Fields.At("PolicyName"), SeverityWarning, RuleScalingAlarm,
					"step scaling policy %q: no alarm in the repository names it in AlarmActions, so it never acts (in ECS a step policy runs when its CloudWatch alarm goes to ALARM); add the put-metric-alarm JSON", p.Policy.PolicyName))
			}
		}
	}
}

// policyOfAction finds the scaling policy an alarm action names (resID "" : by name
// alone, which must then be unique), or says why there is none.
func (a *assembler) policyOfAction(resID, policy string) (*ScalingDoc, string) {
	var found *ScalingDoc
	var candidates []string
	for _, s := range a.d.Services {
		if s.Scaling == nil {
			continue
		}
		for _, p := range s.Scaling.Policies {
			candidates = append(candidates, p.Policy.PolicyName)
			if p.Policy.PolicyName != policy || resID != "" && p.Policy.ResourceID != resID {
				continue
			}
			if found != nil {
				return nil, sprintf("policies named %q exist for %s and %s; use the policy ARN (…:resource/ecs/service/CLUSTER/SERVICE:policyName/NAME)", policy, found.Policy.ResourceID, p.Policy.ResourceID)
			}
			found = p
		}
	}
	if found != nil {
		return found, ""
	}
	msg := sprintf("no scaling policy named %q", policy)
	if resID != "" {
		msg += " for " + resID
	}
	msg += " in the repository (add its put-scaling-policy JSON)"
	if near := suggest(policy, candidates); near != "" && near != policy {
		msg += sprintf("; did you mean %q?", near)
	}
	return nil, msg
}

func clusterMatches(cluster, resourceID string) bool {
	c, _, _ := ParseResourceID(resourceID)
	return cluster == c
}

// albTargetGroupDimRE is the TargetGroup dimension of AWS/ApplicationELB metrics.
var albTargetGroupDimRE = regexp.MustCompile(`^targetgroup/[^/]+/[^/]+$`)

func albTargetGroupName(dim string) string {
	parts := strings.Split(dim, "/")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// ALBTargetGroupOfLabel returns the target group name of an ALBRequestCountPerTarget
// ResourceLabel (app/LB/ID/targetgroup/TG/ID) and the load balancer name.
func ALBTargetGroupOfLabel(label string) (lb, tg string) {
	parts := strings.Split(label, "/")
	if len(parts) != 6 {
		return "", ""
	}
	return parts[1], parts[4]
}

// checkTargetGroupOf says what is wrong when tg is not a target group of the
// repository that svc registers its tasks in ("" when it is).
func (a *assembler) checkTargetGroupOf(svc *ServiceDoc, tg string) string {
	if a.d.TargetGroup(tg) == nil {
		var names []string
		for _, g := range a.d.TargetGroups {
			names = append(names, g.Name)
		}
		msg := sprintf("no target group named %q in the repository (add its create-target-group JSON)", tg)
		if near := suggest(tg, names); near != "" {
			msg += sprintf("; did you mean %q?", near)
		}
		return msg
	}
	if svc == nil {
		return ""
	}
	for _, lb := range svc.LoadBalancers {
		if ELBResourceName(lb.TargetGroupArn) == tg {
			return ""
		}
	}
	return sprintf("service %q does not register its tasks in target group %q (not in its loadBalancers[]): its request count says nothing about the service", svc.ServiceName, tg)
}
