package nomadjob

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// TestCPUArchitectureConstraintPlaces asks the real cluster's scheduler to plan a
// service constrained to this machine's architecture, spelled as ECS spells it
// (audit W3: "x86_64" reached Nomad unmapped, and no node reports it).
func TestCPUArchitectureConstraintPlaces(t *testing.T) {
	env := nomadtest.Cluster(t)
	ecsArch := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[runtime.GOARCH]
	if ecsArch == "" {
		t.Fatalf("no ECS spelling for GOARCH %s", runtime.GOARCH)
	}
	for _, expr := range []string{
		"attribute:ecs.cpu-architecture == " + ecsArch,
		"attribute:ecs.cpu-architecture in [" + ecsArch + ", other]",
	} {
		t.Run(expr, func(t *testing.T) {
			td := simpleTask()
			td.Family = "arch"
			svc := spec.Service{ServiceName: "arch-test", DesiredCount: new(1),
				PlacementConstraints: []spec.PlacementConstraint{{Type: "memberOf", Expression: expr}}}
			spec.NormalizeTaskDefinition(&td)
			spec.NormalizeService(&svc)
			d, doc := desiredFor(td, svc)
			d.Config.Namespace = env.Namespace
			tr, err := Translate(d, doc, TranslateOptions{Source: "test/arch"})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			plan, _, err := env.Client.Jobs().Plan(tr.Job, false, (&api.WriteOptions{Namespace: env.Namespace}).WithContext(ctx))
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			for group, m := range plan.FailedTGAllocs {
				t.Errorf("group %s does not place: %d nodes filtered by constraints %v", group, m.NodesFiltered, m.ConstraintFiltered)
			}
		})
	}
}
