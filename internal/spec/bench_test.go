package spec_test

import (
	"fmt"
	"testing"

	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// benchService is service i in the shape of the example repository: an init container
// the app depends on, a health check, environment, deployment bounds, placement.
func benchService(i int) repotest.Service {
	return repotest.Service{Name: fmt.Sprintf("svc%04d", i), Count: 2, Memory: 96, Init: true, HealthCheck: true,
		Env:               map[string]string{"PORT": "8080", "INTERVAL": "5s"},
		MinHealthyPercent: new(50), MaxPercent: new(200),
		Spread: true, Constraint: "attribute:ecs.os-type == linux"}
}

// writeRepo writes n such services, each in its own directory.
func writeRepo(b *testing.B, n int) string {
	r := repotest.Repo{Dirs: true}
	for i := range n {
		r.Services = append(r.Services, benchService(i))
	}
	dir := b.TempDir()
	r.Write(b, dir)
	return dir
}

// benchFiles is service 1's task definition and service JSON.
func benchFiles() (taskDef, service []byte) {
	f := repotest.Repo{Dirs: true, Services: []repotest.Service{benchService(1)}}.Files()
	return []byte(f["svc0001/taskdef.json"]), []byte(f["svc0001/service.json"])
}

// BenchmarkLoad1000: a repository of 1,000 task definitions and 1,000 services, read,
// decoded, normalized and validated.
func BenchmarkLoad1000(b *testing.B) { benchmarkLoad(b, 1000) }

// BenchmarkLoad5000: the same at issue 19's 5,000 services (validate < 1 s).
func BenchmarkLoad5000(b *testing.B) { benchmarkLoad(b, 5000) }

func benchmarkLoad(b *testing.B, n int) {
	dir := writeRepo(b, n)
	b.ReportAllocs()
	for b.Loop() {
		d, err := spec.Load(dir, spec.LoadOptions{})
		if err != nil || len(d.Services) != n || d.Diagnostics.HasErrors(true) {
			b.Fatalf("load: %v, %d services, %v", err, len(d.Services), d.Diagnostics)
		}
	}
}

func BenchmarkDecodeTaskDefinition(b *testing.B) {
	src, _ := benchFiles()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := spec.DecodeTaskDefinition("b.json", src); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}

func BenchmarkValidateTaskDefinition(b *testing.B) {
	src, _ := benchFiles()
	td, _ := spec.DecodeTaskDefinition("b.json", src)
	spec.NormalizeTaskDefinition(&td.TaskDefinition)
	b.ReportAllocs()
	for b.Loop() {
		if diags := spec.ValidateTaskDefinition(td); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}

func BenchmarkDecodeService(b *testing.B) {
	_, src := benchFiles()
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := spec.DecodeService("b.json", src); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}
