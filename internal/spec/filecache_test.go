package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A load through a FileCache gives the same Desired as a load without one, on the first
// load and on a second one served from the cache, for the real-world task definitions
// and the broken test files (errors, duplicates, follow-ons).
func TestFileCacheSameDesired(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/realworld/*")
	dirs = append(dirs, "testdata/broken")
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		t.Run(dir, func(t *testing.T) {
			want, err := Load(dir, LoadOptions{RelativeNames: true})
			if err != nil {
				t.Fatal(err)
			}
			cache := NewFileCache()
			for pass := range 2 {
				got, err := Load(dir, LoadOptions{RelativeNames: true, Cache: cache})
				if err != nil {
					t.Fatal(err)
				}
				samePositions(t, got, want)
				takeContentKeys(t, got)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("pass %d through the cache differs from the load without one", pass)
				}
			}
			if st := cache.Stats(); st.Hits == 0 && len(want.Services)+len(want.TaskDefinitions) > 0 && !want.Diagnostics.HasErrors(false) {
				t.Errorf("second pass reused nothing: %+v", st)
			}
		})
	}
}

// samePositions checks that every document got has from the cache answers At as the
// decoded one in want does (on each recorded path, below it, and on paths that are not
// there), then gives it want's PosMap so that reflect.DeepEqual compares the rest: a
// kept document holds its positions as a PosTable instead.
func samePositions(t *testing.T, got, want *Desired) {
	t.Helper()
	check := func(name string, gotPos Positions, wantFields PosMap) {
		t.Helper()
		paths := []string{"", "no.such[3].field", "containerDefinitions[99].image"}
		for p := range wantFields {
			paths = append(paths, p, p+".x", p+"[7]", p+"[0].y")
		}
		for _, p := range paths {
			if g, w := gotPos.At(p), wantFields.At(p); g != w {
				t.Fatalf("%s: At(%q) = %v from the cache, %v decoded", name, p, g, w)
			}
		}
	}
	for fam, td := range got.TaskDefinitions {
		if w := want.TaskDefinitions[fam]; w != nil && td.table != nil {
			check("task definition "+fam, td.Positions(), w.Fields)
			td.Fields, td.table = w.Fields, nil
		}
	}
	for i, s := range got.Services {
		if i < len(want.Services) && s.table != nil {
			check("service "+s.ServiceName, s.Positions(), want.Services[i].Fields)
			s.Fields, s.table = want.Services[i].Fields, nil
		}
	}
}

// RelativeNames names files by their path inside the repository, in every position.
func TestRelativeNames(t *testing.T) {
	d, err := Load("testdata/broken", LoadOptions{RelativeNames: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Diagnostics) == 0 {
		t.Fatal("the broken files gave no diagnostics")
	}
	for _, dg := range d.Diagnostics {
		if strings.Contains(dg.String(), "testdata") {
			t.Errorf("position names the root: %s", dg)
		}
	}
}

// With Digests, a file whose key is the cached one is not read: here its bytes change
// behind an unchanged key and the cached result is still served (which is why only the
// code that wrote the files may give the keys), while a changed key decodes it again.
func TestFileCacheDigestsSkipReading(t *testing.T) {
	dir := t.TempDir()
	write := func(image string) {
		td := `{"family": "web", "containerDefinitions": [{"name": "app", "image": "` + image + `", "memory": 64, "essential": true}]}`
		if err := os.WriteFile(filepath.Join(dir, "web-taskdef.json"), []byte(td), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	image := func(d *Desired) string { return d.TaskDefinitions["web"].ContainerDefinitions[0].Image }
	cache := NewFileCache()
	load := func(blob string) *Desired {
		t.Helper()
		d, err := Load(dir, LoadOptions{RelativeNames: true, Cache: cache, Digests: map[string]string{"web-taskdef.json": blob}})
		if err != nil || d.TaskDefinitions["web"] == nil {
			t.Fatalf("load: %v %v", err, d.Diagnostics)
		}
		return d
	}
	write("app:1")
	if got := image(load("b1")); got != "app:1" {
		t.Fatalf("first load: image %s", got)
	}
	write("app:2")
	if got, st := image(load("b1")), cache.Stats(); got != "app:1" || st.Hits != 1 {
		t.Fatalf("same key: want the cached app:1 without a read, got %s (%+v)", got, st)
	}
	if got, st := image(load("b2")), cache.Stats(); got != "app:2" || st.Misses != 1 {
		t.Fatalf("new key: want app:2 decoded, got %s (%+v)", got, st)
	}
}

// takeContentKeys checks that every JSON document of a load through a cache names its
// file and content, and clears the keys (a load without cache or digests has none).
func takeContentKeys(t *testing.T, d *Desired) {
	t.Helper()
	for _, td := range d.TaskDefinitions {
		if td.Origin == "" && !strings.HasPrefix(td.ContentKey, td.Pos.File+"\x00sha256:") {
			t.Errorf("task definition %s: content key %q", td.Family, td.ContentKey)
		}
		td.ContentKey = ""
	}
	for _, svc := range d.Services {
		if svc.Origin == "" && svc.Schedule == nil && !strings.HasPrefix(svc.ContentKey, svc.Pos.File+"\x00sha256:") {
			t.Errorf("service %s: content key %q", svc.ServiceName, svc.ContentKey)
		}
		svc.ContentKey = ""
	}
}

// A Load served from the cache keeps each file's entry as it is: the maps of the cache
// hold pointers, so a hit allocates only the copy of the documents that the Load hands
// out, not the entry again (a map's values over 128 bytes are one allocation each, and
// a new map per Load would allocate all of them anew, among the Load's garbage: issue
// 19, span slack between the daemon's passes).
func TestFileCacheHitDoesNotAllocateTheEntryAgain(t *testing.T) {
	const n = 500
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("svc-%04d-taskdef.json", i)
	}
	c := NewFileCache()
	c.begin()
	td := &TaskDefinitionDoc{}
	for _, name := range names {
		c.put(name, "git:1", fileResult{rel: name, kind: DocTaskDefinition, td: td})
	}
	c.end()
	e := c.entries[names[0]]
	hits := testing.AllocsPerRun(5, func() {
		c.begin()
		for _, name := range names {
			if _, ok := c.get(name, "git:1"); !ok {
				t.Fatal("miss")
			}
		}
		c.end()
	})
	copies := testing.AllocsPerRun(5, func() {
		for range n {
			copySink = e.r.copy()
		}
	})
	if extra := hits - copies; extra > n/10 {
		t.Errorf("%d hits allocated %.0f times besides the copies handed out: the entries are allocated again", n, extra)
	}
}

var copySink fileResult
