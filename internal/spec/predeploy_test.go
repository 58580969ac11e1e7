package spec

import (
	"os"
	"path/filepath"
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

// The repository-level checks of pre-deploy tasks: the family exists and is not
// pinned, the overrides name its containers.
func TestPreDeployAgainstRepository(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ecsgit.yaml", "version: 1\nservices:\n  web:\n    preDeploy:\n      - taskDefinition: nope\n      - taskDefinition: migrate:3\n      - taskDefinition: migrate\n        overrides: {containerOverrides: [{name: db}]}\n      - taskDefinition: migrate\n")
	write("migrate.json", `{"family":"migrate","containerDefinitions":[{"name":"app","image":"img:1","memory":32}]}`)
	write("web.json", `{"family":"web","containerDefinitions":[{"name":"app","image":"img:1","memory":32}]}`)
	write("web-service.json", `{"serviceName":"web","taskDefinition":"web","desiredCount":1}`)
	d, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, dg := range d.Diagnostics {
		if dg.Rule == RulePreDeploy {
			got = append(got, strings.TrimPrefix(dg.String(), dir+"/"))
		}
	}
	want := []string{
		`ecsgit.yaml:5:25: error: services.web.preDeploy[0]: no task definition of family "nope" in the repository [ECS-CFG-003]`,
		`ecsgit.yaml:6:25: error: services.web.preDeploy[1]: taskDefinition "migrate:3" pins a revision; write the family (ecsgit runs the definition the repository holds) [ECS-CFG-003]`,
		`ecsgit.yaml:7:25: error: services.web.preDeploy[2]: overrides.containerOverrides[0]: task definition "migrate" has no container "db" (containers: [app]) [ECS-CFG-003]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if svc := d.Services[0]; len(svc.PreDeploy) != 1 || svc.PreDeploy[0].TaskDefinition != "migrate" {
		t.Errorf("the valid pre-deploy task is not attached: %+v", svc.PreDeploy)
	}
}
