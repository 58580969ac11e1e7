package spec

import (
	"testing"
)

func TestLoadExamples(t *testing.T) {
	d, err := Load("../../examples/gitops", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, diag := range d.Diagnostics {
		t.Errorf("unexpected diagnostic: %s", diag)
	}
	if got := len(d.Services); got != 3 {
		t.Fatalf("services = %d, want 3", got)
	}
	if got := len(d.TaskDefinitions); got != 3 {
		t.Fatalf("task definitions = %d, want 3", got)
	}
	web := d.TaskDefinitions["web"]
	if got := web.Fields["containerDefinitions[0].image"]; got.Line != 9 || got.Col != 16 {
		t.Errorf("image position = %v", got)
	}
	if web.Cpu != 256 || web.Memory != 128 {
		t.Errorf("cpu/memory = %d/%d", web.Cpu, web.Memory)
	}
	if d.Services[2].ServiceName != "worker" {
		t.Errorf("services not sorted")
	}
	t.Log(d.Files)
}
