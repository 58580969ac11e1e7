package nomadjob

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/nomad/api"
)

// FireLens, as the ECS agent builds it: the container with firelensConfiguration is the
// log router (Fluent Bit or Fluentd) and gets a generated configuration; every container
// with logDriver awsfirelens logs through Docker's fluentd driver to the router's forward
// input. The Docker daemon runs on the host, outside any task namespace, so the input is
// a group port mapped to the host (NOMAD_HOST_ADDR_<label>), in every network mode.

const (
	firelensPort      = 24224 // the router's forward input, as in ECS
	firelensLabelBase = "firelens"
	firelensConfigDir = "local/firelens"
	// Template delimiters nobody writes: the generated configuration is literal text,
	// option values included (a "{{" in an option must not become a template action).
	firelensLeftDelim  = "[[ecsgit-literal:"
	firelensRightDelim = ":ecsgit-literal]]"
)

// ECS metadata record fields (enable-ecs-log-metadata): Docker's fluentd driver adds the
// container labels named in its "labels" option to every record, so the fields arrive
// whichever router runs and whatever its configuration.
var firelensMetadataLabels = []string{"ecs_cluster", "ecs_task_arn", "ecs_task_definition"}

// firelensRouter is the index of the log router container, or -1.
func (t *translator) firelensRouter() int {
	for i := range t.td.ContainerDefinitions {
		if t.td.ContainerDefinitions[i].FirelensConfiguration != nil {
			return i
		}
	}
	return -1
}

func (t *translator) firelensUsers() []int {
	var out []int
	for i := range t.td.ContainerDefinitions {
		if lc := t.td.ContainerDefinitions[i].LogConfiguration; lc != nil && lc.LogDriver == driverAwsfirelens {
			out = append(out, i)
		}
	}
	return out
}

// firelensMetadata reports whether the router adds ECS metadata (the default).
func (t *translator) firelensMetadata() bool {
	r := t.firelensRouter()
	return r >= 0 && t.td.ContainerDefinitions[r].FirelensConfiguration.Options["enable-ecs-log-metadata"] != "false"
}

// firelensNetwork declares the router's forward input in the group network (called by
// network once the port mappings are in). A port mapping of the router for 24224 is
// reused; host mode reserves 24224 itself, as the router binds it on the host.
func (t *translator) firelensNetwork(net *api.NetworkResource, used map[string]bool, mode string) {
	r := t.firelensRouter()
	if r < 0 || len(t.firelensUsers()) == 0 || mode == networkNone {
		return
	}
	if label, ok := t.ports.labelFor(r, firelensPort); ok {
		t.firelensLabel = label
		return
	}
	e := portEntry{label: uniqueLabel(used, t.td.ContainerDefinitions[r].Name, firelensLabelBase, firelensPort), containerPort: firelensPort}
	if mode == networkHost {
		e.hostPort = firelensPort
	}
	t.ports[r] = append(t.ports[r], e)
	addPort(net, e, mode)
	t.firelensLabel = e.label
}

// firelensLogging is the logging block of a container with logDriver awsfirelens:
// Docker's fluentd driver to the router, asynchronous (the container starts while the
// router starts; Docker buffers and retries), tagged <container>-firelens-<task id> as
// the ECS agent tags it, so the router's per-container outputs match.
func (t *translator) firelensLogging(i int) map[string]any {
	c := &t.td.ContainerDefinitions[i]
	if t.firelensLabel == "" {
		why := "the task has no log router (a container with firelensConfiguration)"
		if t.networkMode() == networkNone {
			why = "networkMode none leaves the Docker daemon no way to reach the log router"
		}
		t.notes.unsupported(t.containerField(i, "logConfiguration.logDriver"), "%s: the logs stay in Nomad's log collection (`nomad alloc logs`)", why)
		return nil
	}
	opts := map[string]string{
		"fluentd-address": "${NOMAD_HOST_ADDR_" + t.firelensLabel + "}",
		"fluentd-async":   "true",
		"tag":             c.Name + "-firelens-${NOMAD_ALLOC_ID}",
	}
	if v := c.LogConfiguration.Options["log-driver-buffer-limit"]; v != "" {
		opts["fluentd-buffer-limit"] = v
	}
	if t.firelensMetadata() {
		opts["labels"] = strings.Join(firelensMetadataLabels, ",")
	}
	return map[string]any{"type": "fluentd", "config": []map[string]string{opts}}
}

// firelensLabels are the container labels Docker turns into the ECS metadata fields.
func (t *translator) firelensLabels(i int) map[string]string {
	lc := t.td.ContainerDefinitions[i].LogConfiguration
	if lc == nil || lc.LogDriver != driverAwsfirelens || t.firelensLabel == "" || !t.firelensMetadata() {
		return nil
	}
	cluster := "default" // ECS's default cluster
	if t.svc.Cluster != "" {
		cluster = t.svc.Cluster[strings.LastIndexByte(t.svc.Cluster, '/')+1:]
	}
	return map[string]string{
		"ecs_cluster":         cluster,
		"ecs_task_arn":        "${NOMAD_ALLOC_ID}",
		"ecs_task_definition": t.td.Family,
	}
}

// firelensRouterTask gives the router its generated configuration: a template rendered
// into the task directory and bound where the router image reads its main configuration
// (the paths the ECS agent uses).
func (t *translator) firelensRouterTask(i int, task *api.Task) {
	c := &t.td.ContainerDefinitions[i]
	fc := c.FirelensConfiguration
	if fc == nil {
		return
	}
	ref := t.containerField(i, "firelensConfiguration")
	for _, k := range sortedKeys(fc.Options) {
		switch k {
		case "enable-ecs-log-metadata", "config-file-type", "config-file-value":
		default:
			t.notes.unsupported(ref.child("options."+k), "firelensConfiguration option %q is not one ECS knows; it has no effect", k)
		}
	}
	if len(t.firelensUsers()) == 0 || t.firelensLabel == "" {
		return
	}
	var file, target string
	var conf string
	switch fc.Type {
	case "fluentd":
		file, target = "fluent.conf", "/fluentd/etc/fluent.conf"
		conf = t.fluentdConfig(i)
	default: // fluentbit
		file, target = "fluent-bit.conf", "/fluent-bit/etc/fluent-bit.conf"
		conf = t.fluentBitConfig(i)
	}
	dest := firelensConfigDir + "/" + file
	task.Templates = append(task.Templates, &api.Template{
		EmbeddedTmpl: new(conf),
		DestPath:     new(dest),
		LeftDelim:    new(firelensLeftDelim),
		RightDelim:   new(firelensRightDelim),
		ChangeMode:   new("restart"),
	})
	appendMount(task.Config, map[string]any{"type": "bind", "source": dest, "target": target, "readonly": true})
	if t.firelensMetadata() {
		t.notes.approx(ref.child("options"), RuleLogging,
			"ECS metadata in each record: ecs_task_arn holds the Nomad allocation ID (there is no task ARN) and ecs_task_definition the family %q without a revision", t.td.Family)
	}
}

// firelensOutput is one [OUTPUT] / <match> of the generated configuration.
type firelensOutput struct {
	match   string // the tag prefix of the container's records
	plugin  string
	options [][2]string // sorted by key
}

// firelensOutputs builds one output per awsfirelens container from its options: Name
// (or @type) picks the output plugin, the other keys are its options. A container
// without Name gets no output (ECS: its records go where the router's own
// configuration sends them).
func (t *translator) firelensOutputs() []firelensOutput {
	var out []firelensOutput
	for _, i := range t.firelensUsers() {
		c := &t.td.ContainerDefinitions[i]
		o := firelensOutput{match: c.Name + "-firelens"}
		ref := t.containerField(i, "logConfiguration.options")
		for _, k := range sortedKeys(c.LogConfiguration.Options) {
			v := c.LogConfiguration.Options[k]
			switch {
			case k == "Name" || k == "@type":
				o.plugin = v
			case k == "log-driver-buffer-limit": // a Docker option (firelensLogging)
			case strings.ContainsAny(k+v, "\n\r") || strings.ContainsAny(k, " \t"):
				t.notes.unsupported(ref.child(k), "an option with a line break (or a key with a space) cannot be written into the router's configuration; it is left out")
			default:
				o.options = append(o.options, [2]string{k, v})
			}
		}
		if o.plugin != "" {
			out = append(out, o)
		}
	}
	return out
}

// configInclude is the router's own configuration file (config-file-type file); S3
// files cannot be fetched here.
func (t *translator) configInclude(i int) string {
	fc := t.td.ContainerDefinitions[i].FirelensConfiguration
	v := fc.Options["config-file-value"]
	switch fc.Options["config-file-type"] {
	case "file":
		return v
	case "s3":
		t.notes.unsupported(t.containerField(i, "firelensConfiguration.options.config-file-type"), "the router's configuration file %q is not fetched from S3; only the generated inputs and outputs are configured", v)
	}
	return ""
}

func (t *translator) fluentBitConfig(i int) string {
	var b strings.Builder
	b.WriteString("# Generated by ecsgit from the task definition (FireLens); do not edit.\n")
	fmt.Fprintf(&b, "[INPUT]\n    Name forward\n    Listen 0.0.0.0\n    Port %d\n", firelensPort)
	if inc := t.configInclude(i); inc != "" {
		fmt.Fprintf(&b, "\n@INCLUDE %s\n", inc)
	}
	for _, o := range t.firelensOutputs() {
		fmt.Fprintf(&b, "\n[OUTPUT]\n    Name %s\n    Match %s*\n", o.plugin, o.match)
		for _, kv := range o.options {
			fmt.Fprintf(&b, "    %s %s\n", kv[0], kv[1])
		}
	}
	return b.String()
}

func (t *translator) fluentdConfig(i int) string {
	var b strings.Builder
	b.WriteString("# Generated by ecsgit from the task definition (FireLens); do not edit.\n")
	fmt.Fprintf(&b, "<source>\n  @type forward\n  bind 0.0.0.0\n  port %d\n</source>\n", firelensPort)
	if inc := t.configInclude(i); inc != "" {
		fmt.Fprintf(&b, "\n@include %s\n", inc)
	}
	for _, o := range t.firelensOutputs() {
		fmt.Fprintf(&b, "\n<match %s**>\n  @type %s\n", o.match, o.plugin)
		for _, kv := range o.options {
			fmt.Fprintf(&b, "  %s %s\n", kv[0], kv[1])
		}
		b.WriteString("</match>\n")
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
