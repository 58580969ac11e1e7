package spec

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A PosTable answers At exactly as the PosMap it was built from: the exact path, the
// nearest recorded ancestor (through fields and indexes), the root for a path nothing
// above is recorded for, and the zero Pos when not even the root is.
func TestPosTableAt(t *testing.T) {
	f := "svc/taskdef.json"
	m := PosMap{
		"":                                     {File: f, Line: 1, Col: 1},
		"family":                               {File: f, Line: 2, Col: 13},
		"containerDefinitions":                 {File: f, Line: 3, Col: 27},
		"containerDefinitions[0]":              {File: f, Line: 4, Col: 5},
		"containerDefinitions[0].image":        {File: f, Line: 5, Col: 16},
		"containerDefinitions[1]":              {File: f, Line: 40, Col: 5},
		"containerDefinitions[1].portMappings": {File: f, Line: 44, Col: 23},
		"containerDefinitions[10]":             {File: f, Line: 400, Col: 5},
		"cpu":                                  {File: f, Line: 90, Col: 0},
	}
	tests := []struct {
		path string
		want Pos
	}{
		{"family", Pos{File: f, Line: 2, Col: 13}},                                            // exact
		{"containerDefinitions[0].image", Pos{File: f, Line: 5, Col: 16}},                     // exact, nested
		{"containerDefinitions[0].cpu", Pos{File: f, Line: 4, Col: 5}},                        // defaulted: its object
		{"containerDefinitions[1].portMappings[2].hostPort", Pos{File: f, Line: 44, Col: 23}}, // through an index
		{"containerDefinitions[2].name", Pos{File: f, Line: 3, Col: 27}},                      // element not there: the array
		{"containerDefinitions[10].image", Pos{File: f, Line: 400, Col: 5}},                   // [10] is not [1]
		{"containerDefinitions[1", Pos{File: f, Line: 3, Col: 27}},                            // cut: the array
		{"memory", Pos{File: f, Line: 1, Col: 1}},                                             // top level, absent: the root
		{"", Pos{File: f, Line: 1, Col: 1}},                                                   // the root itself
		{"cpu", Pos{File: f, Line: 90}},                                                       // column 0 kept
		{"familyName", Pos{File: f, Line: 1, Col: 1}},                                         // a longer key is not its prefix
	}
	tab, ok := NewPosTable(m, nil)
	if !ok {
		t.Fatal("NewPosTable refused a one-file map")
	}
	if tab.Len() != len(m) {
		t.Fatalf("Len = %d, want %d", tab.Len(), len(m))
	}
	for _, tt := range tests {
		if got := tab.At(tt.path); got != tt.want {
			t.Errorf("At(%q) = %v, want %v", tt.path, got, tt.want)
		}
		if got := m.At(tt.path); got != tt.want { // the table's reference
			t.Errorf("PosMap.At(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}

	delete(m, "")
	noRoot, _ := NewPosTable(m, nil)
	if got := noRoot.At("memory"); got != (Pos{}) {
		t.Errorf("without a root: At(memory) = %v, want the zero Pos as PosMap gives (%v)", got, m.At("memory"))
	}
	empty, ok := NewPosTable(PosMap{}, nil)
	if !ok || empty.At("family") != (Pos{}) {
		t.Errorf("empty table: ok %v, At = %v", ok, empty.At("family"))
	}
}

// A map with positions in two files (a compose document's can) or a line beyond 32
// bits stays a map; a table built on a shared path list answers with its own positions.
func TestPosTableRefusesAndShares(t *testing.T) {
	if _, ok := NewPosTable(PosMap{"": {File: "a.yaml", Line: 1}, "image": {File: "b.yaml", Line: 3}}, nil); ok {
		t.Error("NewPosTable accepted positions in two files")
	}
	if _, ok := NewPosTable(PosMap{"": {File: "a.json", Line: math.MaxUint32 + 1}}, nil); ok {
		t.Error("NewPosTable accepted a line beyond uint32")
	}
	a := PosMap{"": {File: "a.json", Line: 1, Col: 1}, "family": {File: "a.json", Line: 2, Col: 3}}
	b := PosMap{"": {File: "b.json", Line: 1, Col: 1}, "family": {File: "b.json", Line: 7, Col: 9}}
	shared := SortedPaths(a)
	ta, _ := NewPosTable(a, shared)
	tb, _ := NewPosTable(b, shared)
	if got := ta.At("family"); got != a["family"] {
		t.Errorf("a: %v", got)
	}
	if got := tb.At("family.x"); got != b["family"] {
		t.Errorf("b: %v", got)
	}
}

// The cache keeps far less than the decoded documents' maps: the memory a kept file
// costs, measured (the same figure at 5,000 services is BenchmarkFileCacheMemory in
// bench/). Logged, and held under a bound with room: a regression to one PosMap per
// document (about 5 KB per file for this shape, 2.7 KB with the tables) fails it.
func TestFileCacheBytesPerFile(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap (-short)")
	}
	dir := t.TempDir()
	writeCacheRepo(t, dir, 500)
	perFile := cacheBytesPerFile(t, dir, 1000)
	t.Logf("file cache: %.0f bytes per kept file", perFile)
	if perFile > 3800 {
		t.Errorf("file cache keeps %.0f bytes per file, want under 3,800", perFile)
	}
}

// writeCacheRepo writes n services in the shape of bench/gen's: two containers with
// ports, environment, a health check and logging, and a service with deployment bounds.
func writeCacheRepo(t *testing.T, dir string, n int) {
	t.Helper()
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("svc-%04d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		td := fmt.Sprintf(`{
  "family": "svc-%04[1]d",
  "networkMode": "bridge",
  "containerDefinitions": [
    {
      "name": "app",
      "image": "registry.example.com/team/app-%04[1]d:1.%[1]d.0",
      "cpu": 128,
      "memory": 256,
      "essential": true,
      "portMappings": [{"containerPort": 8080, "hostPort": 0, "protocol": "tcp"}],
      "environment": [
        {"name": "SERVICE_NAME", "value": "svc-%04[1]d"},
        {"name": "LOG_LEVEL", "value": "info"},
        {"name": "UPSTREAM", "value": "http://svc-%04[1]d-upstream.internal:8080"}
      ],
      "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"], "interval": 30, "timeout": 5, "retries": 3},
      "logConfiguration": {"logDriver": "json-file", "options": {"max-size": "10m"}}
    },
    {
      "name": "sidecar",
      "image": "registry.example.com/infra/sidecar:2.3",
      "memory": 64,
      "essential": false,
      "environment": [{"name": "TARGET", "value": "app"}]
    }
  ]
}
`, i)
		svc := fmt.Sprintf(`{
  "serviceName": "svc-%04[1]d",
  "taskDefinition": "svc-%04[1]d",
  "desiredCount": 2,
  "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 200},
  "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}]
}
`, i)
		for name, body := range map[string]string{"taskdef.json": td, "service.json": svc} {
			if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// cacheBytesPerFile loads dir into a new FileCache and returns the live heap the cache
// holds afterwards, per file.
func cacheBytesPerFile(t *testing.T, dir string, files int) float64 {
	t.Helper()
	live := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	cache := NewFileCache()
	before := live()
	d, err := Load(dir, LoadOptions{RelativeNames: true, Cache: cache})
	if err != nil || d.Diagnostics.HasErrors(false) || cache.Stats().Misses != files {
		t.Fatalf("load: %v, %d diagnostics (first %v), %+v", err, len(d.Diagnostics), d.Diagnostics[:min(1, len(d.Diagnostics))], cache.Stats())
	}
	d = nil
	after := live()
	runtime.KeepAlive(cache)
	return float64(after-before) / float64(files)
}
