package spec

import (
	"strings"
	"testing"
)

func TestParseConfigPreDeploy(t *testing.T) {
	src := "version: 1\nservices:\n  web:\n    preDeploy:\n      - taskDefinition: migrate\n        overrides: {containerOverrides: [{name: app, command: [up]}]}\n        timeoutSeconds: 30\n      - timeoutSeconds: -1\n"
	cfg, ds := ParseConfig("ecsgit.yaml", []byte(src))
	pd := cfg.Services["web"].PreDeploy
	if len(pd) != 2 || pd[0].TaskDefinition != "migrate" || pd[0].Overrides.ContainerOverrides[0].Command[0] != "up" || pd[0].TimeoutSeconds != 30 {
		t.Fatalf("decoded %+v", pd)
	}
	if pd[0].Pos.Line != 5 || pd[0].Pos.Col != 25 {
		t.Errorf("position of preDeploy[0].taskDefinition: %v, want 5:25", pd[0].Pos)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	want := []string{
		"ecsgit.yaml:8:9: error: services.web.preDeploy[1]: taskDefinition is required (a task-definition family of this repository) [ECS-CFG-003]",
		"ecsgit.yaml:8:25: error: services.web.preDeploy[1].timeoutSeconds must be ≥ 0 (0: the default, 600), got -1 [ECS-CFG-003]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, ds := ParseConfig("ecsgit.yaml", []byte("version: 1\nservices:\n  web:\n    preDeploy:\n      - taskDefinition: m\n        overrides: {taskRoleArn: x}\n")); !ds.HasErrors(false) {
		t.Error("an override key ecsgit cannot honour must be an error")
	}
}
