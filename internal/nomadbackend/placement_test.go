package nomadbackend

import (
	"reflect"
	"testing"

	"github.com/hashicorp/nomad/api"
)

func TestDescribePlacementFailures(t *testing.T) {
	got := DescribePlacementFailures(map[string]*api.AllocationMetric{
		"web": {NodesEvaluated: 3, ConstraintFiltered: map[string]int{"missing drivers": 3}, CoalescedFailures: 1},
		"api": {NodesEvaluated: 3, NodesExhausted: 2, DimensionExhausted: map[string]int{"memory": 2, "network: reserved port collision": 1}},
		"db":  {NodesEvaluated: 3, ConstraintFiltered: map[string]int{"${meta.zone} = d": 3}},
	})
	want := []string{
		`group "api": 1 task cannot be placed: insufficient memory on 2 of 3 nodes; network: reserved port collision on 1 of 3 nodes`,
		`group "db": 1 task cannot be placed: constraint ${meta.zone} = d not met on 3 of 3 nodes`,
		`group "web": 2 tasks cannot be placed: missing drivers on 3 of 3 nodes`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestOwnershipFilterQuoting(t *testing.T) {
	for src, want := range map[string]string{
		"repo":       `Meta["ecsgit.managed-by"] == "ecsgit" and Meta["ecsgit.source"] == "repo" and Meta["ecsgit.kind"] != "run-task" and ParentID == ""`,
		`a "b"`:      "Meta[\"ecsgit.managed-by\"] == \"ecsgit\" and Meta[\"ecsgit.source\"] == `a \"b\"` and Meta[\"ecsgit.kind\"] != \"run-task\" and ParentID == \"\"",
		`back\slash`: `Meta["ecsgit.managed-by"] == "ecsgit" and Meta["ecsgit.source"] == "back\\slash" and Meta["ecsgit.kind"] != "run-task" and ParentID == ""`,
	} {
		if got, err := OwnershipFilter(src); err != nil || got != want {
			t.Errorf("%s: got %s (%v), want %s", src, got, err, want)
		}
	}
	if _, err := OwnershipFilter("a\"`b"); err == nil {
		t.Error("a source with both quote kinds must be refused")
	}
}
