package spec

import (
	"strings"
	"testing"
)

const stepPolicy = `{
  "PolicyName": "cpu-step",
  "ServiceNamespace": "ecs",
  "ResourceId": "service/default/web",
  "ScalableDimension": "ecs:service:DesiredCount",
  "PolicyType": "StepScaling",
  "StepScalingPolicyConfiguration": {
    "AdjustmentType": "ChangeInCapacity",
    "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 2}],
    "Cooldown": 60
  }
}`

// cpuAlarm is put-metric-alarm input on the service's CPU that triggers the policy.
func cpuAlarm(repl ...string) string {
	s := `{
  "AlarmName": "web-cpu-high",
  "Namespace": "AWS/ECS",
  "MetricName": "CPUUtilization",
  "Dimensions": [{"Name": "ClusterName", "Value": "default"}, {"Name": "ServiceName", "Value": "web"}],
  "Statistic": "Average",
  "Period": 60,
  "EvaluationPeriods": 3,
  "Threshold": 40,
  "ComparisonOperator": "GreaterThanThreshold",
  "AlarmActions": ["arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:5e8b-4c1f:resource/ecs/service/default/web:policyName/cpu-step"]
}`
	return strings.NewReplacer(repl...).Replace(s)
}

// TestAlarmLinksStepPolicy: an alarm whose action is the policy's ARN (or its bare
// name) triggers that step scaling policy of that service.
func TestAlarmLinksStepPolicy(t *testing.T) {
	for name, alarm := range map[string]string{
		"arn":  cpuAlarm(),
		"name": cpuAlarm(`"arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:5e8b-4c1f:resource/ecs/service/default/web:policyName/cpu-step"`, `"cpu-step"`),
	} {
		t.Run(name, func(t *testing.T) {
			d := loadScalingRepo(t, map[string]string{"td.json": scalingTD, "svc.json": scalingSvc, "target.json": goodTarget, "step.json": stepPolicy, "alarm.json": alarm})
			if len(d.Diagnostics) > 0 {
				t.Fatalf("diagnostics: %v", d.Diagnostics)
			}
			links := d.Services[0].Scaling.Alarms["cpu-step"]
			if len(links) != 1 || links[0].Alarm.Alarm.AlarmName != "web-cpu-high" {
				t.Fatalf("alarms of cpu-step = %+v", links)
			}
		})
	}
}

const albFiles = `{"Name": "front", "Type": "application", "Scheme": "internal"}`
const albTG = `{"Name": "web-tg", "Protocol": "HTTP", "Port": 8080, "TargetType": "instance"}`

func albPolicy(label string) string {
	return `{
  "PolicyName": "requests",
  "ServiceNamespace": "ecs",
  "ResourceId": "service/default/web",
  "ScalableDimension": "ecs:service:DesiredCount",
  "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {
    "TargetValue": 600,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": "` + label + `"}
  }
}`
}

// TestAlarmAndRequestCountValidation: each bad alarm, alarm link and ResourceLabel gets
// its rule with file:line:column, what is wrong and what is allowed.
func TestAlarmAndRequestCountValidation(t *testing.T) {
	base := map[string]string{"td.json": scalingTD, "svc.json": scalingSvc, "target.json": goodTarget}
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{
			name:  "action names no policy",
			files: map[string]string{"alarm.json": cpuAlarm("policyName/cpu-step", "policyName/cpu-stpe"), "step.json": stepPolicy},
			want:  `alarm.json:11:20: error: AlarmActions[0] "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:5e8b-4c1f:resource/ecs/service/default/web:policyName/cpu-stpe": no scaling policy named "cpu-stpe" for service/default/web in the repository (add its put-scaling-policy JSON); did you mean "cpu-step"? [ECS-AAS-009]`,
		},
		{
			name:  "policy with no alarm",
			files: map[string]string{"step.json": stepPolicy},
			want:  `step.json:2:17: warning: step scaling policy "cpu-step": no alarm in the repository names it in AlarmActions, so it never acts (in ECS a step policy runs when its CloudWatch alarm goes to ALARM); add the put-metric-alarm JSON [ECS-AAS-009]`,
		},
		{
			name:  "unsupported metric",
			files: map[string]string{"alarm.json": cpuAlarm(`"CPUUtilization"`, `"CPUUtilisation"`), "step.json": stepPolicy},
			want:  `alarm.json:4:17: error: MetricName "CPUUtilisation" in AWS/ECS is not a metric ecsgit can evaluate on the cluster; allowed: CPUUtilization, MemoryUtilization; did you mean "CPUUtilization"? [ECS-AAS-009]`,
		},
		{
			name:  "unsupported namespace",
			files: map[string]string{"alarm.json": cpuAlarm(`"AWS/ECS"`, `"AWS/SQS"`), "step.json": stepPolicy},
			want:  `alarm.json:3:16: error: Namespace "AWS/SQS": allowed: "AWS/ECS" (CPUUtilization, MemoryUtilization), "AWS/ApplicationELB" (RequestCountPerTarget) [ECS-AAS-009]`,
		},
		{
			name:  "bad comparison operator",
			files: map[string]string{"alarm.json": cpuAlarm("GreaterThanThreshold", "GreaterThenThreshold"), "step.json": stepPolicy},
			want:  `alarm.json:10:25: error: ComparisonOperator "GreaterThenThreshold": allowed: GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold; did you mean "GreaterThanThreshold"? [ECS-AAS-009]`,
		},
		{
			name:  "bad period",
			files: map[string]string{"alarm.json": cpuAlarm(`"Period": 60`, `"Period": 45`), "step.json": stepPolicy},
			want:  `alarm.json:7:13: error: Period 45: allowed: 10, 20, 30 or a multiple of 60 seconds [ECS-AAS-009]`,
		},
		{
			name:  "treat missing data",
			files: map[string]string{"alarm.json": cpuAlarm(`"Threshold": 40,`, `"Threshold": 40, "TreatMissingData": "notbreaching",`), "step.json": stepPolicy},
			want:  `alarm.json:9:40: error: TreatMissingData "notbreaching": allowed: breaching, notBreaching, ignore, missing; did you mean "notBreaching"? [ECS-AAS-009]`,
		},
		{
			name:  "statistic",
			files: map[string]string{"alarm.json": cpuAlarm(`"Average"`, `"SampleCount"`), "step.json": stepPolicy},
			want:  `alarm.json:6:16: error: Statistic "SampleCount" for CPUUtilization: allowed: Average, Maximum, Minimum [ECS-AAS-009]`,
		},
		{
			name:  "missing dimension",
			files: map[string]string{"alarm.json": cpuAlarm(`, {"Name": "ServiceName", "Value": "web"}`, ""), "step.json": stepPolicy},
			want:  `alarm.json:5:17: error: AWS/ECS CPUUtilization needs the dimension "ServiceName" (Dimensions: [{"Name": "ServiceName", "Value": …}]) [ECS-AAS-009]`,
		},
		{
			name:  "alarm watches another service",
			files: map[string]string{"alarm.json": cpuAlarm(`"Value": "web"}`, `"Value": "api"}`), "step.json": stepPolicy},
			want:  `alarm.json:5:17: error: alarm "web-cpu-high" watches service "api" in cluster "default", but its action cpu-step scales service/default/web: the alarm must watch the service its policy scales [ECS-AAS-009]`,
		},
		{
			name:  "action names a target tracking policy",
			files: map[string]string{"alarm.json": cpuAlarm("policyName/cpu-step", "policyName/cpu70"), "cpu.json": cpuPolicy("service/default/web", MetricECSCPU)},
			want:  `alarm.json:11:20: error: AlarmActions[0] names target tracking policy "cpu70": a target tracking policy creates and uses its own alarms; an alarm action must name a StepScaling policy [ECS-AAS-009]`,
		},
		{
			name:  "action that is not a policy",
			files: map[string]string{"alarm.json": cpuAlarm(`"arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:5e8b-4c1f:resource/ecs/service/default/web:policyName/cpu-step"`, `"arn:aws:sns:eu-west-1:123456789012:ops"`), "step.json": stepPolicy},
			want:  `alarm.json:11:20: error: AlarmActions[0] "arn:aws:sns:eu-west-1:123456789012:ops": expected a scaling policy ARN (arn:aws:autoscaling:…:scalingPolicy:…:resource/ecs/service/CLUSTER/SERVICE:policyName/NAME) or the PolicyName of a step scaling policy in the repository [ECS-AAS-009]`,
		},
		{
			name:  "request count: unknown target group",
			files: map[string]string{"lb.json": albFiles, "tg.json": albTG, "req.json": albPolicy("app/front/1/targetgroup/web-gt/2")},
			want:  `req.json:9:108: error: ResourceLabel "app/front/1/targetgroup/web-gt/2": no target group named "web-gt" in the repository (add its create-target-group JSON); did you mean "web-tg"? [ECS-AAS-003]`,
		},
		{
			name:  "request count: target group the service is not in",
			files: map[string]string{"lb.json": albFiles, "tg.json": albTG, "req.json": albPolicy("app/front/1/targetgroup/web-tg/2")},
			want:  `req.json:9:108: error: ResourceLabel "app/front/1/targetgroup/web-tg/2": service "web" does not register its tasks in target group "web-tg" (not in its loadBalancers[]): its request count says nothing about the service [ECS-AAS-003]`,
		},
		{
			name:  "request count: unknown load balancer",
			files: map[string]string{"tg.json": albTG, "req.json": albPolicy("app/back/1/targetgroup/web-tg/2")},
			want:  `req.json:9:108: error: ResourceLabel "app/back/1/targetgroup/web-tg/2": no load balancer named "back" in the repository (add its create-load-balancer JSON) [ECS-AAS-003]`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range base {
				files[k] = v
			}
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
