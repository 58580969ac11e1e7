package nomadjob

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// This file translates logConfiguration: the Docker log drivers the clients can run go
// to Docker as ECS passes them; the others (awslogs unless opted in) leave the logs with
// Nomad's own log collection, so the task still starts. awsfirelens is FireLens
// (firelens.go).

const (
	driverAwslogs     = "awslogs"
	driverAwsfirelens = "awsfirelens"
)

// DefaultHostLogDrivers are the Docker log drivers ecsgit assumes every client can run
// when ecsgit.yaml has no hostLogDrivers: Docker's built-in drivers whose endpoints the
// task definition names itself. awslogs is left out: Docker's awslogs driver fails the
// container on a host without AWS credentials.
var DefaultHostLogDrivers = []string{"json-file", "journald", "syslog", "gelf", "fluentd", "splunk"}

func (t *translator) hostCanRun(driver string) bool {
	drivers := t.cfg.HostLogDrivers
	if drivers == nil {
		drivers = DefaultHostLogDrivers
	}
	return slices.Contains(drivers, driver)
}

// logging returns the docker driver's logging block of container i, or nil for Nomad's
// default (its log collection: `nomad alloc logs`).
func (t *translator) logging(i int) map[string]any {
	c := &t.td.ContainerDefinitions[i]
	lc := c.LogConfiguration
	if lc == nil {
		return nil
	}
	ref := t.containerField(i, "logConfiguration.logDriver")
	switch {
	case lc.LogDriver == driverAwsfirelens:
		return t.firelensLogging(i)
	case !t.hostCanRun(lc.LogDriver):
		t.notes.approx(ref, RuleLogging, "%s", t.notRunnableDetail(i))
		return nil
	}
	opts := maps.Clone(lc.Options)
	if lc.LogDriver == driverAwslogs {
		opts = t.awslogsOptions(i, opts)
	}
	logging := map[string]any{"type": lc.LogDriver}
	if len(opts) > 0 {
		logging["config"] = []map[string]string{opts}
	}
	return logging
}

// notRunnableDetail says where the logs go instead and where they would have gone.
func (t *translator) notRunnableDetail(i int) string {
	lc := t.td.ContainerDefinitions[i].LogConfiguration
	where := ""
	if lc.LogDriver == driverAwslogs {
		group := lc.Options["awslogs-group"]
		stream := lc.Options["awslogs-stream"]
		if p := lc.Options["awslogs-stream-prefix"]; p != "" {
			stream = p + "/" + t.td.ContainerDefinitions[i].Name + "/<task-id>"
		}
		if group != "" {
			where = fmt.Sprintf(" (in ECS: CloudWatch log group %q", group)
			if stream != "" {
				where += fmt.Sprintf(", stream %q", stream)
			}
			if r := lc.Options["awslogs-region"]; r != "" {
				where += ", region " + r
			}
			where += ")"
		}
	}
	if where == "" && len(lc.Options) > 0 {
		// Options of a driver that is not run are dropped: name them, so none is lost silently.
		where = fmt.Sprintf("; its options (%s) are not used", strings.Join(slices.Sorted(maps.Keys(lc.Options)), ", "))
	}
	return fmt.Sprintf("the hosts are not declared to run Docker's %s driver (ecsgit.yaml hostLogDrivers): the logs stay in Nomad's log collection (`nomad alloc logs`) instead%s", lc.LogDriver, where)
}

// awslogsOptions translates the options as the ECS agent does: awslogs-stream-prefix is
// ECS's own option (Docker refuses it: "unknown log opt"); the agent turns it into
// awslogs-stream = prefix/container/task-id. The allocation ID stands for the task ID.
func (t *translator) awslogsOptions(i int, opts map[string]string) map[string]string {
	prefix, ok := opts["awslogs-stream-prefix"]
	if !ok {
		return opts
	}
	delete(opts, "awslogs-stream-prefix")
	if prefix != "" {
		opts["awslogs-stream"] = prefix + "/" + t.td.ContainerDefinitions[i].Name + "/${NOMAD_ALLOC_ID}"
	}
	return opts
}
