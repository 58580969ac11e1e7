package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// The daemon's file cache (spec.FileCache) must never change a plan. A sequence of
// commits, each checked out in a directory of its own as the daemon's snapshots are, is
// planned by a pipeline with the cache and one without; every plan (and every refusal)
// must be the same. The sequence edits task definitions used by services whose files did
// not change, points a service at a task definition in another file, sets ecsgit.yaml
// fields the assembly writes into services, removes a file others depend on and breaks
// one: what a stale cache or a skipped cross-file check would get wrong.
func TestPipelineFileCacheEqualPlans(t *testing.T) {
	files := repotest.New("",
		repotest.Service{Name: "web", Image: "app:1", Memory: 64, Count: 1},
		repotest.Service{Name: "api", Image: "app:1", Memory: 64, Count: 1},
		repotest.Service{Name: "worker", Image: "app:1", Memory: 64, Count: 1},
	).Files()
	edit := func(name, old, new string) func() {
		return func() {
			if !strings.Contains(files[name], old) {
				t.Fatalf("%s has no %q", name, old)
			}
			files[name] = strings.Replace(files[name], old, new, 1)
		}
	}
	var saved map[string]string
	commits := []struct {
		what   string
		change func()
		check  func(t *testing.T, p *Planned, stats spec.CacheStats)
	}{
		{"three services", func() {}, func(t *testing.T, p *Planned, st spec.CacheStats) {
			if st.Hits != 0 || st.Misses != 6 {
				t.Errorf("first load: want 6 files decoded, got %+v", st)
			}
		}},
		{"web's task definition changed", edit("web-taskdef.json", `"app:1"`, `"app:2"`), func(t *testing.T, p *Planned, st spec.CacheStats) {
			if st.Hits != 5 || st.Misses != 1 {
				t.Errorf("one file changed: want 5 reused and 1 decoded, got %+v", st)
			}
			wantImage(t, p, "web", "app:2")
		}},
		{"api's service changed", edit("api-service.json", `"desiredCount": 1`, `"desiredCount": 3`), nil},
		{"worker runs web's task definition", edit("worker-service.json", `"taskDefinition": "worker"`, `"taskDefinition": "web"`), nil},
		{"web's task definition changed under worker's unchanged service", edit("web-taskdef.json", `"app:2"`, `"app:3"`), func(t *testing.T, p *Planned, st spec.CacheStats) {
			wantImage(t, p, "web", "app:3")
			wantImage(t, p, "worker", "app:3")
		}},
		{"ecsgit.yaml orders worker after api", func() {
			files[spec.ConfigFileName] += "services:\n  worker:\n    after: [api]\n"
			saved = maps.Clone(files)
		}, nil},
		{"web's task definition removed", func() { delete(files, "web-taskdef.json") }, func(t *testing.T, p *Planned, st spec.CacheStats) {
			if p != nil {
				t.Error("a commit whose services name a removed task definition was planned")
			}
		}},
		{"restored", func() { files = maps.Clone(saved) }, nil},
		{"api's task definition broken", edit("api-taskdef.json", `"memory": 64`, `"memory": "lots"`), func(t *testing.T, p *Planned, st spec.CacheStats) {
			if p != nil {
				t.Error("a commit with a broken task definition was planned")
			}
		}},
		{"restored again", func() { files = maps.Clone(saved) }, nil},
	}

	cluster := newFakeCluster(t)
	opts := PlanOptions{Source: "cache-test", Namespace: "default"}
	cache := spec.NewFileCache()
	cached := &Pipeline{Cluster: cluster, Options: opts, Load: spec.LoadOptions{RelativeNames: true, Cache: cache}}
	plain := &Pipeline{Cluster: cluster, Options: opts, Load: spec.LoadOptions{RelativeNames: true}}
	for i, c := range commits {
		c.change()
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("%040d", i)) // a new checkout per commit
		writeFiles(t, dir, files)
		pass := Pass{Dir: dir, Revision: source.Revision{SHA: fmt.Sprintf("%040x", i+1)}}
		got, gotErr := cached.Plan(context.Background(), pass)
		want, wantErr := plain.Plan(context.Background(), pass)
		if g, w := planText(t, got, gotErr), planText(t, want, wantErr); g != w {
			t.Fatalf("commit %d (%s): the cached pipeline planned\n%s\nthe uncached one\n%s", i, c.what, g, w)
		}
		if c.check != nil {
			t.Run(c.what, func(t *testing.T) { c.check(t, got, cache.Stats()) })
		}
	}
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// planText is everything a plan decides, as text: the plan, each service's Nomad job and
// ordering, or the error.
func planText(t *testing.T, p *Planned, err error) string {
	t.Helper()
	if err != nil {
		if inv, ok := err.(*InvalidRevisionError); ok {
			return "invalid:\n" + strings.Join(inv.Diagnostics, "\n")
		}
		return "error: " + err.Error()
	}
	var b strings.Builder
	pl := *p.Plan
	pl.CreatedAt = time.Time{} // the moment of planning, not a decision
	js, jerr := json.MarshalIndent(pl, "", " ")
	if jerr != nil {
		t.Fatal(jerr)
	}
	b.Write(js)
	for _, id := range slices.Sorted(maps.Keys(p.Services)) {
		s := p.Services[id]
		if s.Translation == nil {
			continue
		}
		js, jerr := json.Marshal(s.Translation.Job)
		if jerr != nil {
			t.Fatal(jerr)
		}
		fmt.Fprintf(&b, "\n%s after=%v revision=%d hash=%s job=%s", id, s.Service.After, s.Revision, s.ContentHash, js)
	}
	return b.String()
}

// wantImage checks the image the Nomad job of service runs.
func wantImage(t *testing.T, p *Planned, service, image string) {
	t.Helper()
	if p == nil {
		t.Fatalf("no plan")
	}
	for _, s := range p.Services {
		if s.Service == nil || s.Service.ServiceName != service || s.Translation == nil {
			continue
		}
		js, _ := json.Marshal(s.Translation.Job)
		if !strings.Contains(string(js), `"`+image+`"`) {
			t.Errorf("service %s: job does not run %s: %s", service, image, js)
		}
		return
	}
	t.Errorf("service %s not planned", service)
}
