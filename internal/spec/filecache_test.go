package spec

import (
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
