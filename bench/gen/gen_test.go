package gen

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// readTree returns every file under dir, by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateDeterministicAndValid(t *testing.T) {
	o := Options{N: 25, Seed: 42, DesiredCount: 0, Namespace: "bench-test", Source: "default"}
	a, b := t.TempDir(), t.TempDir()
	ra, err := Generate(a, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(b, o); err != nil {
		t.Fatal(err)
	}
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) != 2*o.N+1+o.N || len(ta) != len(tb) {
		t.Fatalf("files: %d and %d, want %d", len(ta), len(tb), 3*o.N+1)
	}
	for k, v := range ta {
		if !bytes.Equal(v, tb[k]) {
			t.Fatalf("%s differs between two runs with the same seed", k)
		}
	}
	// Valid per spec.Load (what `ecsgit validate` runs), without warnings turned errors.
	d, err := spec.Load(ra.Dir, spec.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Diagnostics.HasErrors(false) || len(d.Services) != o.N {
		t.Fatalf("load: %d services, diagnostics %v", len(d.Services), d.Diagnostics)
	}
	if len(ra.JobFiles) != o.N || !strings.Contains(string(ta["jobs/svc-0000.json"]), `"Namespace": "bench-test"`) {
		t.Fatalf("job files: %d, svc-0000: %s", len(ra.JobFiles), ta["jobs/svc-0000.json"])
	}
	// Containers vary 1–3.
	seen := map[int]bool{}
	for _, td := range d.TaskDefinitions {
		seen[len(td.ContainerDefinitions)] = true
	}
	if !seen[1] || !seen[2] || !seen[3] {
		t.Fatalf("container counts seen: %v", seen)
	}
	// Another seed gives another repository.
	c := t.TempDir()
	o2 := o
	o2.Seed = 43
	if _, err := Generate(c, o2); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(readTree(t, c)["repo/svc-0000/taskdef.json"], ta["repo/svc-0000/taskdef.json"]) &&
		bytes.Equal(readTree(t, c)["repo/svc-0001/taskdef.json"], ta["repo/svc-0001/taskdef.json"]) {
		t.Fatal("seed does not change the output")
	}
}

func TestGenerateChangedFraction(t *testing.T) {
	o := Options{N: 100, Seed: 7, Source: "default"}
	base := readTree(t, mustGen(t, o))
	o.Generation, o.ChangedFraction = 1, 0.1
	dir := mustGen(t, o)
	next := readTree(t, dir)
	diff := 0
	for k, v := range base {
		if strings.HasPrefix(k, "jobs/") && !bytes.Equal(v, next[k]) {
			diff++
		}
	}
	if diff != 10 {
		t.Fatalf("%d job files changed, want 10", diff)
	}
}

func TestGenerateMockDriver(t *testing.T) {
	o := Options{N: 5, Seed: 1, DesiredCount: -1, Driver: MockDriver, Source: "default"}
	tree := readTree(t, mustGen(t, o))
	j := string(tree["jobs/svc-0000.json"])
	if !strings.Contains(j, `"Driver": "mock_driver"`) || strings.Contains(j, `"docker"`) {
		t.Fatalf("mock job: %s", j)
	}
	if os.Getenv(TestDriverEnv) != "" {
		t.Fatalf("%s leaked into the environment", TestDriverEnv)
	}
}

func mustGen(t *testing.T, o Options) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := Generate(dir, o); err != nil {
		t.Fatal(err)
	}
	return dir
}
