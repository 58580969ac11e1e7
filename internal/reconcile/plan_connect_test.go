package reconcile

import (
	"reflect"
	"testing"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// The plan names what each service provides in its namespace and every alias its
// proxy serves (not those on the task's own ports: those reach the task itself).
func TestPlanShowsServiceConnectEndpoints(t *testing.T) {
	d := repotest.Load(t, "testdata/serviceconnect")
	want := map[string]*plan.ServiceConnect{
		"orders": {Namespace: "shop",
			Provides: []string{"orders:80 → app:8080 (Nomad service sc-shop-orders)", "orders-grpc:9091 → app:9090 (Nomad service sc-shop-orders-grpc)"},
			Uses:     []string{"orders:80 at 127.255.0.1:80 → sc-shop-orders", "orders-grpc:9091 at 127.255.0.2:9091 → sc-shop-orders-grpc"}},
		"client": {Namespace: "shop",
			Uses: []string{"orders:80 at 127.255.0.1:80 → sc-shop-orders", "orders-grpc:9091 at 127.255.0.2:9091 → sc-shop-orders-grpc"}},
	}
	for _, s := range d.Services {
		if got := serviceConnect(d, s); !reflect.DeepEqual(got, want[s.ServiceName]) {
			t.Errorf("%s: got %+v, want %+v", s.ServiceName, got, want[s.ServiceName])
		}
	}
}

// TestConnectChangesFromNomadDiff: another service added an alias to the namespace; the
// client's files are unchanged, and the plan shows the new hosts entry and the proxy's
// re-rendered listeners from Nomad's diff.
func TestConnectChangesFromNomadDiff(t *testing.T) {
	app := nomadbackend.TaskDiff{Name: "client", Type: nomadbackend.DiffEdited, Objects: []nomadbackend.ObjectDiff{{
		Name: "Config", Type: nomadbackend.DiffEdited, Fields: []nomadbackend.FieldDiff{
			{Name: "extra_hosts[1]", Type: nomadbackend.DiffAdded, New: "payments:127.255.0.2"},
			{Name: "image", Type: nomadbackend.DiffNone, Old: "a", New: "a"},
		}}}}
	sidecar := nomadbackend.TaskDiff{Name: nomadjob.ConnectProxyTask, Type: nomadbackend.DiffEdited, Objects: []nomadbackend.ObjectDiff{{
		Name: "Template", Type: nomadbackend.DiffEdited, Fields: []nomadbackend.FieldDiff{
			{Name: "EmbeddedTmpl", Type: nomadbackend.DiffEdited, Old: "{orders}", New: "{orders,payments}"},
		}}}}
	ps := &PlannedService{
		Service: &spec.ServiceDoc{Service: spec.Service{ServiceConnectConfiguration: []byte(`{"enabled": true, "namespace": "shop"}`)}},
		DryRun: &nomadbackend.DryRun{DiffType: nomadbackend.DiffEdited, Diff: &nomadbackend.JobDiff{
			TaskGroups: []nomadbackend.GroupDiff{{Name: "tasks", Tasks: []nomadbackend.TaskDiff{app, sidecar}}},
		}},
	}
	var sp plan.ServicePlan
	connectChanges(ps, &sp)
	want := []string{
		"serviceConnectConfiguration: nomad:task[client].Config.extra_hosts[1] added",
		"serviceConnectConfiguration: nomad:task[ecs-service-connect].Template.EmbeddedTmpl changed",
	}
	if len(sp.Changes) != len(want) {
		t.Fatalf("changes %+v, want %v", sp.Changes, want)
	}
	for i, c := range sp.Changes {
		if got := c.Path + " " + string(c.Kind); got != want[i] {
			t.Errorf("change %d: %q, want %q", i, got, want[i])
		}
	}
	// Without Service Connect the same diff is not attributed to it.
	ps.Service = &spec.ServiceDoc{}
	sp = plan.ServicePlan{}
	if connectChanges(ps, &sp); len(sp.Changes) != 0 {
		t.Errorf("changes without Service Connect: %+v", sp.Changes)
	}
}
