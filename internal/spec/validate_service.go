package spec

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// ECS service limits.
const (
	MaxPlacementConstraints = 10 // task definition and service together (Ranges "TaskDefinition.placementConstraints")
)

var (
	taskDefRefPattern = regexp.MustCompile(`^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/)?[A-Za-z0-9_-]{1,255}(:[1-9]\d*)?$`)
)

func (v *validator) service(s *Service) {
	switch {
	case s.ServiceName == "":
		v.errorf("serviceName", RuleServiceName, "serviceName is required")
	case !namePattern.MatchString(s.ServiceName):
		v.errorf("serviceName", RuleServiceName, "serviceName %q: use 1 to 255 letters, digits, underscores and hyphens", s.ServiceName)
	}
	switch {
	case s.TaskDefinition == "":
		v.errorf("taskDefinition", RuleServiceTaskDef, "taskDefinition is required (a family, family:revision or task-definition ARN)")
	case !taskDefRefPattern.MatchString(s.TaskDefinition):
		v.errorf("taskDefinition", RuleServiceTaskDef, "taskDefinition %q: want family, family:revision (revision ≥ 1) or a task-definition ARN", s.TaskDefinition)
	}
	if n := len(s.Tags); !inRange("Service.tags", n) {
		v.errorf("tags", RuleServiceTags, "tags: %d tags, ECS allows at most %d per resource", n, rangeOf("Service.tags").Max)
	}
	v.scheduling(s)
	v.deployment(s)
	v.placementStrategies(s)
	v.servicePlacementConstraints(s)
	if s.isFargateService() {
		// ecs-semantics.md §1b: "Fargate supports no strategies or constraints".
		if len(s.PlacementStrategy) > 0 {
			v.errorf("placementStrategy", RulePlacementStrategy, "placementStrategy is not supported for a service on Fargate")
		}
		if len(s.PlacementConstraints) > 0 {
			v.errorf("placementConstraints", RulePlacementConstraint, "placementConstraints are not supported for a service on Fargate")
		}
	}
	if s.HealthCheckGracePeriodSeconds != nil && *s.HealthCheckGracePeriodSeconds < 0 {
		v.errorf("healthCheckGracePeriodSeconds", RuleGracePeriod, "healthCheckGracePeriodSeconds %d must not be negative", *s.HealthCheckGracePeriodSeconds)
	}
}

func (v *validator) scheduling(s *Service) {
	daemon := s.SchedulingStrategy == "DAEMON"
	v.checkEnum("schedulingStrategy", "Service.schedulingStrategy", "schedulingStrategy", s.SchedulingStrategy)
	switch {
	case s.DesiredCount == nil && !daemon:
		v.errorf("", RuleDesiredCount, "desiredCount is required for schedulingStrategy REPLICA")
	case s.DesiredCount != nil && *s.DesiredCount < 0:
		v.errorf("desiredCount", RuleDesiredCount, "desiredCount %d must not be negative", *s.DesiredCount)
	case s.DesiredCount != nil && daemon:
		v.warnf("desiredCount", RuleDesiredCount, "desiredCount is ignored with schedulingStrategy DAEMON (one task per matching node)")
	}
	v.checkEnum("launchType", "Service.launchType", "launchType", s.LaunchType)
	v.checkEnum("propagateTags", "Service.propagateTags", "propagateTags", s.PropagateTags)
	v.checkEnum("availabilityZoneRebalancing", "Service.availabilityZoneRebalancing", "availabilityZoneRebalancing", s.AvailabilityZoneRebalancing)
	for i, cp := range s.CapacityProviderStrategy {
		for _, f := range []struct {
			name string
			val  int
		}{{"base", cp.Base}, {"weight", cp.Weight}} {
			if r := rangeOf("CapacityProviderItem." + f.name); !inRange("CapacityProviderItem."+f.name, f.val) {
				v.errorf(fmt.Sprintf("capacityProviderStrategy[%d].%s", i, f.name), RuleLaunchType, "capacityProviderStrategy %s %d: allowed range is %d to %d", f.name, f.val, r.Min, r.Max)
			}
		}
	}
	if s.LaunchType != "" && len(s.CapacityProviderStrategy) > 0 {
		v.errorf("launchType", RuleLaunchType, "launchType and capacityProviderStrategy cannot both be set")
	}
	if ctl := s.DeploymentController; ctl != nil {
		if ctl.Type == "" {
			v.errorf("deploymentController", RuleDeploymentController, "deploymentController needs a type (%s)", strings.Join(enumValues("DeploymentController.type"), ", "))
		}
		v.checkEnum("deploymentController.type", "DeploymentController.type", "deploymentController.type", ctl.Type)
	}
	if daemon && s.LaunchType == "FARGATE" {
		v.errorf("schedulingStrategy", RuleSchedulingStrategy, "schedulingStrategy DAEMON is not supported with launchType FARGATE")
	}
	if daemon && s.DeploymentController != nil && s.DeploymentController.Type != "ECS" {
		v.errorf("schedulingStrategy", RuleSchedulingStrategy, "schedulingStrategy DAEMON needs the ECS deployment controller, not %s", s.DeploymentController.Type)
	}
}

func (v *validator) deployment(s *Service) {
	dc := s.DeploymentConfiguration
	if dc == nil || dc.MinimumHealthyPercent == nil || dc.MaximumPercent == nil {
		return // Normalize fills both in; an unnormalized service is not checked here
	}
	v.checkEnum("deploymentConfiguration.strategy", "DeploymentConfiguration.strategy", "deploymentConfiguration.strategy", dc.Strategy)
	v.circuitBreaker(dc.DeploymentCircuitBreaker)
	minPct, maxPct := *dc.MinimumHealthyPercent, *dc.MaximumPercent
	bad := false
	if minPct < 0 || minPct > 100 {
		v.errorf("deploymentConfiguration.minimumHealthyPercent", RuleDeploymentPercents, "minimumHealthyPercent %d: allowed range is 0 to 100", minPct)
		bad = true
	}
	if maxPct < 100 && s.SchedulingStrategy != "DAEMON" {
		v.errorf("deploymentConfiguration.maximumPercent", RuleDeploymentPercents, "maximumPercent %d: must be at least 100, or no task could ever run during a deployment", maxPct)
		bad = true
	}
	if bad || s.SchedulingStrategy == "DAEMON" || s.DesiredCount == nil || *s.DesiredCount <= 0 {
		return
	}
	d := *s.DesiredCount
	if minHealthy, maxTotal := MinHealthyTasks(d, minPct), MaxTotalTasks(d, maxPct); minHealthy >= d && maxTotal <= d {
		v.errorf("deploymentConfiguration", RuleDeploymentStuck,
			"deployment can never progress: with desiredCount %d, minimumHealthyPercent %d keeps %d tasks running (none may stop) and maximumPercent %d allows %d tasks (none may start); lower minimumHealthyPercent or raise maximumPercent",
			d, minPct, minHealthy, maxPct, maxTotal)
	}
}

// MinHealthyTasks is ECS's lower bound during a deployment: ceil(desired × min% / 100).
func MinHealthyTasks(desired, minPercent int) int {
	return int(math.Ceil(float64(desired*minPercent) / 100))
}

// MaxTotalTasks is ECS's upper bound during a deployment: floor(desired × max% / 100).
func MaxTotalTasks(desired, maxPercent int) int { return desired * maxPercent / 100 }

func (v *validator) circuitBreaker(cb *DeploymentCircuitBreaker) {
	if cb == nil || cb.ThresholdConfiguration == nil {
		return
	}
	tc := cb.ThresholdConfiguration
	p := "deploymentConfiguration.deploymentCircuitBreaker.thresholdConfiguration"
	if tc.Type == "" {
		v.errorf(p, RuleCircuitBreaker, "thresholdConfiguration needs a type (%s)", strings.Join(enumValues("ThresholdConfiguration.type"), ", "))
	}
	v.checkEnum(p+".type", "ThresholdConfiguration.type", "thresholdConfiguration.type", tc.Type)
	if tc.Value < 1 || (tc.Type == "BOUNDED_PERCENT" && tc.Value > 100) {
		v.errorf(p+".value", RuleCircuitBreaker, "thresholdConfiguration.value %d: must be at least 1 (at most 100 for BOUNDED_PERCENT)", tc.Value)
	}
}

func (v *validator) placementStrategies(s *Service) {
	if n := len(s.PlacementStrategy); !inRange("Service.placementStrategy", n) {
		v.errorf("placementStrategy", RulePlacementStrategy, "placementStrategy: %d strategies, at most %d are allowed", n, rangeOf("Service.placementStrategy").Max)
	}
	for i, ps := range s.PlacementStrategy {
		p := fmt.Sprintf("placementStrategy[%d]", i)
		switch ps.Type {
		case "random":
			if ps.Field != "" {
				v.errorf(p+".field", RulePlacementStrategy, "placement strategy random takes no field")
			}
		case "spread":
			if ps.Field != "instanceId" && ps.Field != "host" && !strings.HasPrefix(ps.Field, "attribute:") {
				v.errorf(p+".field", RulePlacementStrategy, "spread field %q: want instanceId, host or attribute:<name> (e.g. attribute:ecs.availability-zone)", ps.Field)
			}
		case "binpack":
			if ps.Field != "cpu" && ps.Field != "memory" {
				v.errorf(p+".field", RulePlacementStrategy, "binpack field %q: allowed values are cpu, memory", ps.Field)
			}
		default:
			v.checkEnum(p+".type", "PlacementStrategy.type", "placement strategy type", ps.Type)
			if ps.Type == "" {
				v.errorf(p, RulePlacementStrategy, "placement strategy needs a type (%s)", strings.Join(enumValues("PlacementStrategy.type"), ", "))
			}
		}
	}
}

func (v *validator) servicePlacementConstraints(s *Service) {
	for i, pc := range s.PlacementConstraints {
		p := fmt.Sprintf("placementConstraints[%d]", i)
		switch pc.Type {
		case "distinctInstance":
			if pc.Expression != "" {
				v.errorf(p+".expression", RulePlacementConstraint, "distinctInstance takes no expression")
			}
		case "memberOf":
			v.cqlExpression(p+".expression", pc.Expression)
		default:
			v.checkEnum(p+".type", "PlacementConstraint.type", "placement constraint type", pc.Type)
			if pc.Type == "" {
				v.errorf(p, RulePlacementConstraint, "placement constraint needs a type (%s)", strings.Join(enumValues("PlacementConstraint.type"), ", "))
			}
		}
	}
}

// serviceWithTask checks what needs both the service and its task definition.
func (v *validator) serviceWithTask(s *Service, td *TaskDefinition) {
	if n := len(s.PlacementConstraints) + len(td.PlacementConstraints); n > MaxPlacementConstraints {
		v.errorf("placementConstraints", RulePlacementConstraint, "placementConstraints: %d with the task definition's, at most %d are allowed", n, MaxPlacementConstraints)
	}
	if td.NetworkMode == "awsvpc" && s.NetworkConfiguration == nil {
		v.warnf("", RuleAwsvpcNetworkConfig, "task definition %q uses networkMode awsvpc but the service has no networkConfiguration", td.Family)
	}
	if len(td.RequiresCompatibilities) > 0 && s.LaunchType != "" && !slices.Contains(td.RequiresCompatibilities, s.LaunchType) {
		v.errorf("launchType", RuleLaunchCompat, "launchType %s is not in task definition %q requiresCompatibilities %v", s.LaunchType, td.Family, td.RequiresCompatibilities)
	}
	for i, lb := range s.LoadBalancers {
		v.containerPortRef(fmt.Sprintf("loadBalancers[%d]", i), lb.ContainerName, lb.ContainerPort, td)
	}
	for i, sr := range s.ServiceRegistries {
		if sr.ContainerName != "" {
			v.containerPortRef(fmt.Sprintf("serviceRegistries[%d]", i), sr.ContainerName, sr.ContainerPort, td)
		}
	}
}

func (v *validator) containerPortRef(p, name string, port *int, td *TaskDefinition) {
	i := slices.IndexFunc(td.ContainerDefinitions, func(c ContainerDefinition) bool { return c.Name == name })
	if i < 0 {
		v.errorf(p+".containerName", RuleLoadBalancerTarget, "containerName %q is not a container of task definition %q", name, td.Family)
		return
	}
	if port == nil {
		return
	}
	if !slices.ContainsFunc(td.ContainerDefinitions[i].PortMappings, func(pm PortMapping) bool { return pm.ContainerPort != nil && *pm.ContainerPort == *port }) {
		v.errorf(p+".containerPort", RuleLoadBalancerTarget, "containerPort %d is not a port mapping of container %q", *port, name)
	}
}
