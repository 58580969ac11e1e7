package spec

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
)

// Rule IDs of ecsgit.yaml.
const (
	RuleConfigVersion = "ECS-CFG-001" // version missing or not understood
	RuleConfigValue   = "ECS-CFG-002" // a setting with an invalid value
	RulePreDeploy     = "ECS-CFG-003" // services.<name>.preDeploy: a family of the repository, overrides of its containers, timeoutSeconds ≥ 0
)

// ParseConfig strictly decodes ecsgit.yaml (file names it in positions). Absent fields keep
// DefaultConfig's values. Unknown keys, wrong types, a missing or unknown version are
// diagnostics; the returned Config is usable (defaults) even then.
func ParseConfig(file string, src []byte) (Config, Diagnostics) {
	cfg := DefaultConfig()
	root, err := parseYAML(file, src)
	if err != nil {
		return cfg, Diagnostics{syntaxDiagnostic(err)}
	}
	d := newDecoder()
	if root.kind != kindObject {
		d.errorf(root.pos, RuleType, "%s must be a mapping, got %s", ConfigFileName, describe(root))
		return cfg, d.diags
	}
	var parsed Config
	d.decode(root, reflect.ValueOf(&parsed).Elem(), "")
	if d.diags.HasErrors(false) {
		return cfg, d.diags
	}
	// Overlay only what the file sets, so defaults survive for absent keys.
	d.decode(root, reflect.ValueOf(&cfg).Elem(), "")
	switch v := root.get("version"); {
	case v == nil:
		d.errorf(root.pos, RuleConfigVersion, "%s: \"version\" is required (use version: %d)", ConfigFileName, ConfigVersion)
	case cfg.Version != ConfigVersion:
		d.errorf(v.pos, RuleConfigVersion, "%s: version %s is not supported by this ecsgit (supported: %d); upgrade ecsgit or use version: %d",
			ConfigFileName, strconv.Quote(v.str), ConfigVersion, ConfigVersion)
	}
	if cfg.CPUMHzPerVCPU < 0 {
		d.errorf(d.fields.At("cpuMHzPerVCPU"), RuleConfigValue, "cpuMHzPerVCPU must be positive, got %d", cfg.CPUMHzPerVCPU)
	}
	for i, drv := range cfg.HostLogDrivers {
		if drv == "awsfirelens" || !slices.Contains(enumValues("LogConfiguration.logDriver"), drv) {
			d.errorf(d.fields.At(fmt.Sprintf("hostLogDrivers[%d]", i)), RuleConfigValue, "hostLogDrivers[%d]: %q is not a Docker log driver ECS knows (json-file, syslog, journald, gelf, fluentd, awslogs, splunk)", i, drv)
		}
	}
	for _, field := range []string{"include", "exclude"} {
		globs := cfg.Include
		if field == "exclude" {
			globs = cfg.Exclude
		}
		for i, g := range globs {
			if err := checkGlob(g); err != nil {
				d.errorf(d.fields.At(fmt.Sprintf("%s[%d]", field, i)), RuleConfigValue, "%s[%d]: %v", field, i, err)
			}
		}
	}
	checkPreDeploy(&cfg, d)
	return cfg, d.diags
}

// checkPreDeploy positions the pre-deploy tasks and checks what needs no other file;
// the family and the overrides' containers are checked against the repository later
// (assembler.checkPreDeploy).
func checkPreDeploy(cfg *Config, d *decoder) {
	for name, set := range cfg.Services {
		for i := range set.PreDeploy {
			t := &set.PreDeploy[i]
			at := fmt.Sprintf("services.%s.preDeploy[%d]", name, i)
			t.Pos = d.fields.At(at + ".taskDefinition")
			if t.Pos.Line == 0 {
				t.Pos = d.fields.At(at)
			}
			if t.TaskDefinition == "" {
				d.errorf(t.Pos, RulePreDeploy, "%s: taskDefinition is required (a task-definition family of this repository)", at)
			}
			if t.TimeoutSeconds < 0 {
				d.errorf(d.fields.At(at+".timeoutSeconds"), RulePreDeploy, "%s.timeoutSeconds must be ≥ 0 (0: the default, %d), got %d", at, DefaultPreDeployTimeout, t.TimeoutSeconds)
			}
		}
		cfg.Services[name] = set
	}
}
