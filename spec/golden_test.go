package spec

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// checkGolden compares got with testdata/<name>; -update rewrites it.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// TestLoadBroken is the contract for diagnostics: the intentionally broken files under
// testdata/broken trigger (nearly) every rule, and the golden file shows the exact
// one-line messages users see.
func TestLoadBroken(t *testing.T) {
	d, err := Load("testdata/broken", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, diag := range d.Diagnostics {
		b.WriteString(diag.String() + "\n")
	}
	checkGolden(t, "broken.golden", b.String())
}
