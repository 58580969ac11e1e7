// Package repotest writes the GitOps repositories that ecsgit's tests plan, apply and
// sync: an ecsgit.yaml and, per service, an ECS task definition and service definition,
// built from a short description instead of hand-written JSON. It is the one writer of
// test repositories (review W10); Load reads a directory the way the CLI does and fails
// the test when the repository does not validate.
//
// A Service is one essential container "app" running the demo image
// (examples/demo-app), family = service name, 32 MiB: the shape every real-cluster test
// starts from. Fields add what a test needs (a health check, the circuit breaker, an
// init container, deployment bounds, ordering in ecsgit.yaml). Output is deterministic:
// the same description writes the same bytes.
//
// The package depends on spec only, so any package above spec can use it in its tests;
// spec's own external tests (package spec_test) can too.
package repotest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// DemoImage is the demo app's first release, built by `make demo-images`.
const DemoImage = "ecsgit-demo/app:1"

// DemoMemory is the container hard limit (MiB) when a Service does not set one: the demo
// app needs a few MiB, and a small limit keeps many tasks on the test cluster.
const DemoMemory = 32

// ZoneAttribute is the ecsgit.yaml zoneAttribute of the test cluster (scripts/cluster.sh
// gives each client a meta.zone).
const ZoneAttribute = "${meta.zone}"

// Repo describes a whole repository. The zero value is a repository with no services in
// the default namespace.
type Repo struct {
	Namespace     string // ecsgit.yaml namespace; omitted when empty
	Source        string // ecsgit.yaml source (ownership identity); omitted when empty
	Prune         bool   // ecsgit.yaml prune: true
	ZoneAttribute string // ecsgit.yaml zoneAttribute; omitted when empty
	// Dirs lays each service out as <name>/taskdef.json and <name>/service.json, the
	// layout of examples/gitops; otherwise <name>-taskdef.json and <name>-service.json
	// sit beside ecsgit.yaml.
	Dirs     bool
	Services []Service
}

// Service describes one ECS service and its task definition.
type Service struct {
	Name    string
	Image   string // default DemoImage
	CPU     int    // container cpu units; omitted when 0
	Memory  int    // container hard limit in MiB; default DemoMemory
	Count   int    // desiredCount; 0 keeps rollouts instant
	Command []string
	// Version is the VERSION environment variable, written first: a new value is a new
	// revision of the task definition without another image.
	Version string
	// Env holds further environment variables, written after VERSION in name order.
	Env map[string]string
	// MinHealthyPercent and MaxPercent are the deploymentConfiguration bounds; nil
	// leaves ECS's defaults (100 and 200).
	MinHealthyPercent, MaxPercent *int
	// Breaker enables the deployment circuit breaker with rollback.
	Breaker bool
	// HealthCheck publishes port 8080 and adds the demo app's /healthz probe as the
	// container health check (interval 5 s, timeout 2 s, 2 retries, 3 s start period).
	HealthCheck bool
	// Init adds a non-essential container "init" (the demo app's --mode=init, 16 MiB
	// reservation) that "app" depends on with condition SUCCESS.
	Init bool
	// Spread adds the placement strategy spread over attribute:ecs.availability-zone.
	Spread bool
	// Constraint, when set, is a memberOf placement constraint expression.
	Constraint string
	// After lists the services this one is applied after (ecsgit.yaml services.<name>.after).
	After []string
}

// New is the repository of svcs in namespace ns, with nothing else in ecsgit.yaml.
func New(ns string, svcs ...Service) Repo {
	return Repo{Namespace: ns, Services: svcs}
}

// Files renders the repository as file contents keyed by slash-separated path, for a
// Git commit (gittest) or for Write.
func (r Repo) Files() map[string]string {
	files := map[string]string{spec.ConfigFileName: r.config()}
	for _, s := range r.Services {
		td, svc := s.Name+"-taskdef.json", s.Name+"-service.json"
		if r.Dirs {
			td, svc = path.Join(s.Name, "taskdef.json"), path.Join(s.Name, "service.json")
		}
		files[td] = mustJSON(s.taskDefinition())
		files[svc] = mustJSON(s.service())
	}
	return files
}

// Write replaces the contents of dir with the repository: files of an earlier Write
// that the repository no longer has (a removed service) are gone.
func (r Repo) Write(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	WriteFiles(t, dir, r.Files())
}

// WriteLoad writes the repository into dir and loads it (see Load).
func (r Repo) WriteLoad(t testing.TB, dir string) *spec.Desired {
	t.Helper()
	r.Write(t, dir)
	return Load(t, dir)
}

// WriteFiles writes files (slash-separated paths, as Files returns them) under dir,
// creating directories as needed; other files in dir are left alone.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Load reads dir as `ecsgit plan` does (decode, normalize, validate; no compose) and
// fails the test when it cannot be read or has an error: a test that means to plan a
// repository must not go on with a half-read one.
func Load(t testing.TB, dir string) *spec.Desired {
	t.Helper()
	d, err := spec.Load(dir, spec.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Diagnostics.HasErrors(false) {
		t.Fatalf("test repository %s does not validate: %v", dir, d.Diagnostics)
	}
	return d
}

// config is ecsgit.yaml as YAML text, one key a line, so a test may append a line.
func (r Repo) config() string {
	var b strings.Builder
	b.WriteString("version: 1\n")
	if r.Namespace != "" {
		fmt.Fprintf(&b, "namespace: %s\n", r.Namespace)
	}
	if r.Source != "" {
		fmt.Fprintf(&b, "source: %s\n", r.Source)
	}
	if r.Prune {
		b.WriteString("prune: true\n")
	}
	if r.ZoneAttribute != "" {
		fmt.Fprintf(&b, "zoneAttribute: %q\n", r.ZoneAttribute)
	}
	var ordered []Service
	for _, s := range r.Services {
		if len(s.After) > 0 {
			ordered = append(ordered, s)
		}
	}
	if len(ordered) > 0 {
		b.WriteString("services:\n")
		for _, s := range ordered {
			fmt.Fprintf(&b, "  %s:\n    after: [%s]\n", s.Name, strings.Join(s.After, ", "))
		}
	}
	return b.String()
}

type obj = map[string]any

func (s Service) taskDefinition() obj {
	app := obj{"name": "app", "image": cmp.Or(s.Image, DemoImage), "memory": cmp.Or(s.Memory, DemoMemory), "essential": true}
	if s.CPU > 0 {
		app["cpu"] = s.CPU
	}
	if len(s.Command) > 0 {
		app["command"] = s.Command
	}
	if env := s.environment(); len(env) > 0 {
		app["environment"] = env
	}
	if s.HealthCheck {
		app["portMappings"] = []any{obj{"containerPort": 8080}}
		app["healthCheck"] = obj{"command": []string{"CMD", "/app", "--probe", "http://localhost:8080/healthz"},
			"interval": 5, "timeout": 2, "retries": 2, "startPeriod": 3}
	}
	containers := []any{app}
	if s.Init {
		app["dependsOn"] = []any{obj{"containerName": "init", "condition": "SUCCESS"}}
		containers = append(containers, obj{"name": "init", "image": cmp.Or(s.Image, DemoImage), "essential": false,
			"command": []string{"--mode=init"}, "memoryReservation": 16})
	}
	return obj{"family": s.Name, "containerDefinitions": containers}
}

func (s Service) environment() []any {
	var env []any
	if s.Version != "" {
		env = append(env, obj{"name": "VERSION", "value": s.Version})
	}
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		env = append(env, obj{"name": k, "value": s.Env[k]})
	}
	return env
}

func (s Service) service() obj {
	svc := obj{"serviceName": s.Name, "taskDefinition": s.Name, "desiredCount": s.Count}
	dc := obj{}
	if s.MinHealthyPercent != nil {
		dc["minimumHealthyPercent"] = *s.MinHealthyPercent
	}
	if s.MaxPercent != nil {
		dc["maximumPercent"] = *s.MaxPercent
	}
	if s.Breaker {
		dc["deploymentCircuitBreaker"] = obj{"enable": true, "rollback": true}
	}
	if len(dc) > 0 {
		svc["deploymentConfiguration"] = dc
	}
	if s.Spread {
		svc["placementStrategy"] = []any{obj{"type": "spread", "field": "attribute:ecs.availability-zone"}}
	}
	if s.Constraint != "" {
		svc["placementConstraints"] = []any{obj{"type": "memberOf", "expression": s.Constraint}}
	}
	return svc
}

func mustJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // maps of strings, numbers and slices always marshal
	}
	return string(b) + "\n"
}

// WriteJSON writes each value of files as indented JSON under dir (see WriteFiles): the
// hand-made task definitions and services of a test that Service cannot express.
func WriteJSON(t testing.TB, dir string, files map[string]any) {
	t.Helper()
	text := make(map[string]string, len(files))
	for name, v := range files {
		text[name] = mustJSON(v)
	}
	WriteFiles(t, dir, text)
}
