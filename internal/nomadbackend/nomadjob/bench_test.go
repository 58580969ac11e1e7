package nomadjob

import (
	"fmt"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// BenchmarkTranslate1000 translates 1,000 services (each with its own two-container task
// definition, a health check, placement and a circuit breaker), without Nomad.
//
//	go test ./internal/nomadbackend/nomadjob -run '^$' -bench Translate1000 -benchmem
func BenchmarkTranslate1000(b *testing.B) {
	d := thousandServices()
	b.ReportAllocs()
	for b.Loop() {
		for _, svc := range d.Services {
			if _, err := Translate(d, svc, TranslateOptions{Source: "bench"}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func thousandServices() *spec.Desired {
	d := &spec.Desired{Config: spec.DefaultConfig(), TaskDefinitions: map[string]*spec.TaskDefinitionDoc{}}
	for i := range 1000 {
		name := fmt.Sprintf("svc-%04d", i)
		td := spec.TaskDefinition{
			Family: name, Cpu: 512, Memory: 256,
			ContainerDefinitions: []spec.ContainerDefinition{
				{
					Name: "web", Image: "ecsgit-demo/app:1", Cpu: 256, Memory: new(128),
					Environment:  []spec.KeyValuePair{{Name: "PORT", Value: "8080"}, {Name: "N", Value: name}},
					PortMappings: []spec.PortMapping{{Name: "http", ContainerPort: new(8080)}},
					HealthCheck:  &spec.HealthCheck{Command: []string{"CMD", "/app", "--probe", "http://localhost:8080/healthz"}},
					DockerLabels: map[string]string{"svc": name},
				},
				{Name: "sidecar", Image: "ecsgit-demo/app:1", Essential: new(false), Command: []string{"--mode=worker"}, Memory: new(32)},
			},
		}
		svc := spec.Service{
			ServiceName: name, TaskDefinition: name, DesiredCount: new(3),
			DeploymentConfiguration: &spec.DeploymentConfiguration{
				MinimumHealthyPercent: new(50), MaximumPercent: new(200),
				DeploymentCircuitBreaker: &spec.DeploymentCircuitBreaker{Enable: true, Rollback: true},
			},
			PlacementStrategy:    []spec.PlacementStrategy{{Type: "spread", Field: "attribute:ecs.availability-zone"}},
			PlacementConstraints: []spec.PlacementConstraint{{Type: "memberOf", Expression: "attribute:tier in [web, edge]"}},
		}
		d.TaskDefinitions[name] = &spec.TaskDefinitionDoc{TaskDefinition: td}
		d.Services = append(d.Services, &spec.ServiceDoc{Service: svc})
	}
	return d
}
