package spec

import (
	"fmt"
	"slices"
	"strings"
)

// logDriversBy are the log drivers a launch type supports (types.LogConfiguration.LogDriver:
// "For tasks on Fargate, the supported log drivers are awslogs, splunk, and awsfirelens.
// ... For tasks on Amazon ECS Managed Instances, the supported log drivers are awslogs,
// splunk, awsfirelens, and json-file."). EC2 and EXTERNAL support every LogDriver value.
var logDriversBy = map[string][]string{
	"FARGATE":           {"awslogs", "splunk", "awsfirelens"},
	"MANAGED_INSTANCES": {"awslogs", "splunk", "awsfirelens", "json-file"},
}

// firelens checks the log router and the containers that log to it (ECS Developer Guide,
// "Send Amazon ECS logs to an AWS service or AWS Partner": a task whose containers use the
// awsfirelens log driver needs one log router container, with firelensConfiguration; the
// options are enable-ecs-log-metadata and config-file-type/-value, FirelensConfiguration.Options;
// "Tasks hosted on Fargate only support the file configuration file type").
func (v *validator) firelens(td *TaskDefinition) {
	var routers []int
	for i, c := range td.ContainerDefinitions {
		if c.FirelensConfiguration != nil {
			routers = append(routers, i)
		}
	}
	for _, i := range routers[min(1, len(routers)):] {
		v.errorf(fmt.Sprintf("containerDefinitions[%d].firelensConfiguration", i), RuleFirelens,
			"container %q: a task has at most one log router, and %q already has a firelensConfiguration", td.ContainerDefinitions[i].Name, td.ContainerDefinitions[routers[0]].Name)
	}
	for i, c := range td.ContainerDefinitions {
		p := fmt.Sprintf("containerDefinitions[%d]", i)
		if lc := c.LogConfiguration; lc != nil && lc.LogDriver == "awsfirelens" && len(routers) == 0 {
			v.errorf(p+".logConfiguration.logDriver", RuleFirelens,
				"container %q: logDriver awsfirelens needs a log router in the task: a container with firelensConfiguration (type fluentbit or fluentd)", c.Name)
		}
		if lc := c.LogConfiguration; lc != nil && lc.LogDriver != "" {
			for _, compat := range td.RequiresCompatibilities {
				if allowed, ok := logDriversBy[compat]; ok && !slices.Contains(allowed, lc.LogDriver) && slices.Contains(enumValues("LogConfiguration.logDriver"), lc.LogDriver) {
					v.errorf(p+".logConfiguration.logDriver", RuleLogDriver, "container %q: logDriver %s is not supported with %s (supported: %s)", c.Name, lc.LogDriver, compat, strings.Join(allowed, ", "))
				}
			}
		}
		fc := c.FirelensConfiguration
		if fc == nil {
			continue
		}
		op := p + ".firelensConfiguration.options"
		if m, ok := fc.Options["enable-ecs-log-metadata"]; ok && m != "true" && m != "false" {
			v.errorf(op+".enable-ecs-log-metadata", RuleFirelens, "container %q: enable-ecs-log-metadata %q: want \"true\" or \"false\"", c.Name, m)
		}
		typ, hasType := fc.Options["config-file-type"]
		_, hasValue := fc.Options["config-file-value"]
		switch {
		case hasType && typ != "s3" && typ != "file":
			v.errorf(op+".config-file-type", RuleFirelens, "container %q: config-file-type %q: want s3 or file", c.Name, typ)
		case hasType != hasValue:
			v.errorf(op, RuleFirelens, "container %q: config-file-type and config-file-value go together", c.Name)
		case typ == "s3" && td.isFargate():
			v.errorf(op+".config-file-type", RuleFirelens, "container %q: config-file-type s3: tasks on Fargate support only the file type", c.Name)
		}
	}
}
