package repotest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// TestEveryOptionLoadsAsDescribed: a repository using every option validates, and what
// spec reads back is what the description says (the builder writes no field wrong).
func TestEveryOptionLoadsAsDescribed(t *testing.T) {
	for _, dirs := range []bool{false, true} {
		r := repotest.Repo{Namespace: "ns1", Source: "team-a", Prune: true, ZoneAttribute: repotest.ZoneAttribute, Dirs: dirs,
			Services: []repotest.Service{
				{Name: "db", Count: 1},
				{Name: "web", Image: "ecsgit-demo/app:2", CPU: 50, Memory: 64, Count: 2, Command: []string{"--mode=worker"},
					Version: "7", Env: map[string]string{"B": "2", "A": "1"}, MinHealthyPercent: new(50), MaxPercent: new(150),
					Breaker: true, HealthCheck: true, Init: true, Spread: true, Constraint: "attribute:ecs.os-type == linux",
					After: []string{"db"}},
			}}
		d := r.WriteLoad(t, t.TempDir())
		if d.Config.Namespace != "ns1" || d.Config.Source != "team-a" || !d.Config.Prune || d.Config.ZoneAttribute != repotest.ZoneAttribute {
			t.Fatalf("config %+v", d.Config)
		}
		if got := service(t, d, "web").After; len(got) != 1 || got[0] != "db" {
			t.Fatalf("web after = %v", got)
		}
		web := service(t, d, "web")
		td := d.TaskDefinitionFor(web).TaskDefinition
		app := td.ContainerDefinitions[0]
		if app.Name != "app" || app.Image != "ecsgit-demo/app:2" || app.Memory == nil || *app.Memory != 64 || app.HealthCheck == nil ||
			len(app.DependsOn) != 1 || len(td.ContainerDefinitions) != 2 || td.ContainerDefinitions[1].Name != "init" {
			t.Fatalf("web task definition %+v", td)
		}
		var names []string
		for _, kv := range app.Environment {
			names = append(names, kv.Name)
		}
		if len(names) != 3 || names[0] != "VERSION" || names[1] != "A" || names[2] != "B" {
			t.Fatalf("environment order %v, want VERSION A B", names)
		}
		s := web.Service
		dc := s.DeploymentConfiguration
		if s.DesiredCount == nil || *s.DesiredCount != 2 || dc == nil || *dc.MinimumHealthyPercent != 50 || *dc.MaximumPercent != 150 ||
			dc.DeploymentCircuitBreaker == nil || !dc.DeploymentCircuitBreaker.Rollback || len(s.PlacementStrategy) != 1 || len(s.PlacementConstraints) != 1 {
			t.Fatalf("web service %+v", s)
		}
		db := d.TaskDefinitionFor(service(t, d, "db")).ContainerDefinitions[0]
		if db.Image != repotest.DemoImage || *db.Memory != repotest.DemoMemory || len(db.Environment) != 0 {
			t.Fatalf("db defaults %+v", db)
		}
	}
}

// TestWriteReplaces: a second Write of fewer services leaves no file of the removed one,
// and the same description writes the same bytes.
func TestWriteReplaces(t *testing.T) {
	dir := t.TempDir()
	repotest.Repo{Dirs: true, Services: []repotest.Service{{Name: "web"}, {Name: "api"}}}.Write(t, dir)
	one := repotest.Repo{Dirs: true, Services: []repotest.Service{{Name: "web"}}}
	one.Write(t, dir)
	if _, err := os.Stat(filepath.Join(dir, "api")); !os.IsNotExist(err) {
		t.Fatalf("api survived the second Write: %v", err)
	}
	if d := repotest.Load(t, dir); len(d.Services) != 1 {
		t.Fatalf("%d services, want 1", len(d.Services))
	}
	a, b := one.Files(), one.Files()
	for name := range a {
		if a[name] != b[name] {
			t.Fatalf("%s differs between two renderings", name)
		}
	}
}

func service(t *testing.T, d *spec.Desired, name string) *spec.ServiceDoc {
	t.Helper()
	for _, s := range d.Services {
		if s.ServiceName == name {
			return s
		}
	}
	t.Fatalf("service %s not loaded", name)
	return nil
}
