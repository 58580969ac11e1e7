package reconcile

import (
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// TestTrafficChangesFromNomadDiff: a rule change leaves the ECS service as it was; the
// plan shows it from Nomad's diff of the target group's service, and the new
// deregistration delay.
func TestTrafficChangesFromNomadDiff(t *testing.T) {
	tags := nomadbackend.ObjectDiff{Name: "Tags", Type: nomadbackend.DiffEdited, Fields: []nomadbackend.FieldDiff{
		{Name: "Tags", Type: nomadbackend.DiffAdded, New: "r.rule=PathRegexp(`^/app/.*$`)"},
		{Name: "Tags", Type: nomadbackend.DiffDeleted, Old: "r.rule=PathRegexp(`^/web/.*$`)"},
	}}
	task := nomadbackend.TaskDiff{Name: "web", Type: nomadbackend.DiffEdited,
		Fields:  []nomadbackend.FieldDiff{{Name: "ShutdownDelay", Type: nomadbackend.DiffEdited, Old: "5000000000", New: "15000000000"}},
		Objects: []nomadbackend.ObjectDiff{{Name: "Service", Type: nomadbackend.DiffEdited, Objects: []nomadbackend.ObjectDiff{tags}}},
	}
	ps := &PlannedService{
		Service: &spec.ServiceDoc{Service: spec.Service{LoadBalancers: []spec.LoadBalancer{{TargetGroupArn: "web-tg"}}}},
		DryRun: &nomadbackend.DryRun{DiffType: nomadbackend.DiffEdited, Diff: &nomadbackend.JobDiff{
			TaskGroups: []nomadbackend.GroupDiff{{Name: "tasks", Tasks: []nomadbackend.TaskDiff{task}}},
		}},
	}
	var sp plan.ServicePlan
	trafficChanges(ps, &sp)
	want := []string{
		"loadBalancers: deregistration delay (task web shutdown_delay) changed",
		"loadBalancers: nomad:task[web].Service.Tags added",
		"loadBalancers: nomad:task[web].Service.Tags removed",
	}
	if len(sp.Changes) != len(want) || sp.Changes[0].Old != "5s" || sp.Changes[0].New != "15s" {
		t.Fatalf("changes %+v, want %v", sp.Changes, want)
	}
	for i, c := range sp.Changes {
		if got := c.Path + " " + string(c.Kind); got != want[i] {
			t.Errorf("change %d: %q, want %q", i, got, want[i])
		}
	}
}
