package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeRepo creates n task definitions, each with a service, in the shape of the example
// repository (two containers, health check, dependsOn, placement).
func writeRepo(b *testing.B, n int) string {
	dir := b.TempDir()
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("svc%04d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		must(b, os.WriteFile(filepath.Join(d, "taskdef.json"), []byte(fmt.Sprintf(benchTaskDef, i)), 0o644))
		must(b, os.WriteFile(filepath.Join(d, "service.json"), []byte(fmt.Sprintf(benchService, i, i)), 0o644))
	}
	must(b, os.WriteFile(filepath.Join(dir, ConfigFileName), []byte("version: 1\n"), 0o644))
	return dir
}

func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

const benchTaskDef = `{
  "family": "app%04d",
  "cpu": "256",
  "memory": "128",
  "containerDefinitions": [
    {
      "name": "init", "image": "ecsgit-demo/app:1", "essential": false,
      "command": ["--mode=init"], "memoryReservation": 32
    },
    {
      "name": "app", "image": "ecsgit-demo/app:1", "memory": 96, "memoryReservation": 64,
      "environment": [{"name": "PORT", "value": "8080"}, {"name": "INTERVAL", "value": "5s"}],
      "portMappings": [{"name": "http", "containerPort": 8080, "hostPort": 0}],
      "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}],
      "healthCheck": {"command": ["CMD", "/app", "--probe", "http://localhost:8080/healthz"], "interval": 10}
    }
  ]
}`

const benchService = `{
  "serviceName": "svc%04d",
  "taskDefinition": "app%04d",
  "desiredCount": 2,
  "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 200},
  "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
  "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}]
}`

// BenchmarkLoad1000: a repository of 1,000 task definitions and 1,000 services, read,
// decoded, normalized and validated.
func BenchmarkLoad1000(b *testing.B) {
	dir := writeRepo(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		d, err := Load(dir, LoadOptions{})
		if err != nil || len(d.Services) != 1000 || d.Diagnostics.HasErrors(true) {
			b.Fatalf("load: %v, %d services, %v", err, len(d.Services), d.Diagnostics)
		}
	}
}

func BenchmarkDecodeTaskDefinition(b *testing.B) {
	src := []byte(fmt.Sprintf(benchTaskDef, 1))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := DecodeTaskDefinition("b.json", src); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}

func BenchmarkValidateTaskDefinition(b *testing.B) {
	td, _ := DecodeTaskDefinition("b.json", []byte(fmt.Sprintf(benchTaskDef, 1)))
	NormalizeTaskDefinition(&td.TaskDefinition)
	b.ReportAllocs()
	for b.Loop() {
		if diags := ValidateTaskDefinition(td); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}

func BenchmarkDecodeService(b *testing.B) {
	src := []byte(fmt.Sprintf(benchService, 1, 1))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := DecodeService("b.json", src); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}
