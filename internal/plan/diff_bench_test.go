package plan

import (
	"fmt"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
)

func intp(i int) *int { return &i }

// benchPair is a realistic service: two containers, environment, ports, a health check,
// mount points, labels, and a service with deployment bounds.
func benchPair(i int, changed bool) (oldTD, newTD *spec.TaskDefinition, oldSvc, newSvc *spec.Service) {
	mk := func(image string, count int, logLevel string) (*spec.TaskDefinition, *spec.Service) {
		td := &spec.TaskDefinition{
			Family: fmt.Sprintf("svc-%d", i), Cpu: 512, Memory: 1024, NetworkMode: "bridge",
			ContainerDefinitions: []spec.ContainerDefinition{{
				Name: "app", Image: image, Memory: intp(512), Command: []string{"/app", "serve", "--port=8080"},
				Environment: []spec.KeyValuePair{
					{Name: "LOG_LEVEL", Value: logLevel}, {Name: "REGION", Value: "eu-west-1"},
					{Name: "DB_HOST", Value: "db.internal"}, {Name: "DB_PASSWORD", Value: "hunter2"},
					{Name: "FEATURES", Value: "a,b,c"}, {Name: "WORKERS", Value: "4"},
				},
				Secrets:          []spec.Secret{{Name: "API_TOKEN", ValueFrom: "arn:aws:ssm:eu-west-1:1:parameter/api"}},
				PortMappings:     []spec.PortMapping{{ContainerPort: intp(8080)}, {ContainerPort: intp(9090), Protocol: "tcp"}},
				HealthCheck:      &spec.HealthCheck{Command: []string{"CMD", "/app", "probe"}, Interval: intp(10)},
				MountPoints:      []spec.MountPoint{{SourceVolume: "data", ContainerPath: "/data"}},
				DockerLabels:     map[string]string{"team": "core", "tier": "web"},
				LogConfiguration: &spec.LogConfiguration{LogDriver: "json-file", Options: map[string]string{"max-size": "10m"}},
			}, {
				Name: "sidecar", Image: "acme/proxy:2.1.0", Memory: intp(128),
				DependsOn:    []spec.ContainerDependency{{ContainerName: "app", Condition: "START"}},
				PortMappings: []spec.PortMapping{{ContainerPort: intp(15000)}},
			}},
			Volumes: []spec.Volume{{Name: "data", Host: &spec.HostVolumeProperties{SourcePath: "/srv/data"}}},
		}
		svc := &spec.Service{
			ServiceName: fmt.Sprintf("svc-%d", i), TaskDefinition: td.Family, DesiredCount: intp(count),
			DeploymentConfiguration: &spec.DeploymentConfiguration{MinimumHealthyPercent: intp(100), MaximumPercent: intp(200),
				DeploymentCircuitBreaker: &spec.DeploymentCircuitBreaker{Enable: true, Rollback: true}},
			PlacementConstraints: []spec.PlacementConstraint{{Type: "distinctInstance"}},
		}
		return td, svc
	}
	oldTD, oldSvc = mk("acme/app:1.0.0", 3, "info")
	if changed {
		newTD, newSvc = mk("acme/app:1.1.0", 4, "debug")
	} else {
		newTD, newSvc = mk("acme/app:1.0.0", 3, "info")
	}
	return
}

// BenchmarkDiff1000 diffs 1,000 task-definition/service pairs per iteration, 10 % of them
// with a change (image, one environment variable, desiredCount): the cost of the diff in
// one planning pass over a large repository.
func BenchmarkDiff1000(b *testing.B) {
	type pair struct {
		oldTD, newTD   *spec.TaskDefinition
		oldSvc, newSvc *spec.Service
	}
	pairs := make([]pair, 1000)
	for i := range pairs {
		var p pair
		p.oldTD, p.newTD, p.oldSvc, p.newSvc = benchPair(i, i%10 == 0)
		pairs[i] = p
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		changes := 0
		for _, p := range pairs {
			changes += len(Diff(p.oldTD, p.newTD, p.oldSvc, p.newSvc))
		}
		if changes != 100*3 {
			b.Fatalf("changes = %d, want 300", changes)
		}
	}
}
