package spec

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestApplyOverrides(t *testing.T) {
	td := TaskDefinition{Family: "job", Cpu: 256, Memory: 512, ContainerDefinitions: []ContainerDefinition{
		{Name: "app", Image: "img:1", Command: []string{"serve"}, Environment: []KeyValuePair{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}},
		{Name: "side", Image: "img:1"},
	}}
	o, err := DecodeTaskOverride([]byte(`{"cpu":"1 vCPU","memory":"1 GB","containerOverrides":[{"name":"app","command":["migrate","up"],
		"environment":[{"name":"B","value":"two"},{"name":"C","value":"3"}],"cpu":128,"memory":300,"memoryReservation":200}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ApplyOverrides(td, o)
	if err != nil {
		t.Fatal(err)
	}
	app := got.ContainerDefinitions[0]
	if got.Cpu != 1024 || got.Memory != 1024 || app.Cpu != 128 || *app.Memory != 300 || *app.MemoryReservation != 200 {
		t.Errorf("resources: task %d/%d, app cpu %d memory %v/%v", got.Cpu, got.Memory, app.Cpu, app.Memory, app.MemoryReservation)
	}
	if d := cmp.Diff([]string{"migrate", "up"}, app.Command); d != "" {
		t.Errorf("command: %s", d)
	}
	if d := cmp.Diff([]KeyValuePair{{"A", "1"}, {"B", "two"}, {"C", "3"}}, app.Environment); d != "" {
		t.Errorf("environment (replace B, add C, keep A): %s", d)
	}
	if td.ContainerDefinitions[0].Command[0] != "serve" || len(td.ContainerDefinitions[0].Environment) != 2 {
		t.Error("ApplyOverrides changed its input")
	}
}

func TestApplyOverridesErrors(t *testing.T) {
	td := TaskDefinition{Family: "job", ContainerDefinitions: []ContainerDefinition{{Name: "app", Image: "img:1"}}}
	for name, tc := range map[string]struct{ src, want string }{
		"unknown container": {`{"containerOverrides":[{"name":"db"}]}`, `task definition "job" has no container "db" (containers: [app])`},
		"bad memory":        {`{"memory":"lots"}`, `overrides.memory`},
	} {
		o, err := DecodeTaskOverride([]byte(tc.src))
		if err == nil {
			_, err = ApplyOverrides(td, o)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
	if _, err := DecodeTaskOverride([]byte(`{"taskRoleArn":"arn:aws:iam::123456789012:role/x"}`)); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Errorf("an override ecsgit cannot honour must be refused, got %v", err)
	}
}
